package store

import (
	"slices"
	"strings"
)

// GroupConfig is a subscription group's SubscriptionGroupConfig.
type GroupConfig struct {
	GroupName                      string
	ConsumeEnable                  bool
	ConsumeFromMinEnable           bool
	ConsumeBroadcastEnable         bool
	ConsumeMessageOrderly          bool // 5.x
	RetryQueueNums                 int32
	RetryMaxTimes                  int32
	BrokerID                       int64
	WhichBrokerWhenConsumeSlowly   int64
	NotifyConsumerIDsChangedEnable bool
	GroupSysFlag                   int32 // 5.x
	ConsumeTimeoutMinute           int32 // 5.x
}

// DefaultGroupConfig is `new SubscriptionGroupConfig()` named group: what
// the broker auto-creates (autoCreateSubscriptionGroup).
func DefaultGroupConfig(group string) GroupConfig {
	return GroupConfig{GroupName: group, ConsumeEnable: true, ConsumeFromMinEnable: true,
		ConsumeBroadcastEnable: true, RetryQueueNums: 1, RetryMaxTimes: 16,
		WhichBrokerWhenConsumeSlowly: 1, NotifyConsumerIDsChangedEnable: true, ConsumeTimeoutMinute: 15}
}

// SystemGroups are the groups SubscriptionGroupManager.init creates.
var SystemGroups = []string{"TOOLS_CONSUMER", "FILTERSRV_CONSUMER", "SELF_TEST_C_GROUP",
	"CID_ONS-HTTP-PROXY", "CID_ONSAPI_PULL", "CID_ONSAPI_PERMISSION", "CID_ONSAPI_OWNER"}

func (s *Store) groupsLocked() map[string]*GroupConfig {
	if s.groups == nil {
		s.groups = map[string]*GroupConfig{}
		for _, g := range SystemGroups {
			c := DefaultGroupConfig(g)
			s.groups[g] = &c
		}
		s.groupVersion.next(s.opts.Now())
	}
	return s.groups
}

// SetGroup creates or replaces a group's config
// (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP).
func (s *Store) SetGroup(c GroupConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groupsLocked()[c.GroupName] = &c
	s.groupVersion.next(s.opts.Now())
}

// EnsureGroup auto-creates a group with the default config unless it
// exists, and returns its config.
func (s *Store) EnsureGroup(group string) GroupConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := s.groupsLocked()
	if c := gs[group]; c != nil {
		return *c
	}
	c := DefaultGroupConfig(group)
	gs[group] = &c
	s.groupVersion.next(s.opts.Now())
	return c
}

// Group returns a group's config.
func (s *Store) Group(group string) (GroupConfig, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.groupsLocked()[group]
	if c == nil {
		return GroupConfig{}, false
	}
	return *c, true
}

// DeleteGroup forgets a group's config and, with removeOffsets, its
// committed offsets (DELETE_SUBSCRIPTIONGROUP); it reports whether the
// group existed.
func (s *Store) DeleteGroup(group string, removeOffsets bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := s.groupsLocked()
	_, ok := gs[group]
	if ok {
		delete(gs, group)
		s.groupVersion.next(s.opts.Now())
	}
	if removeOffsets {
		s.deleteOffsetsLocked(func(_, g string) bool { return g == group })
	}
	return ok
}

// Groups returns every group's config, by name, and the table's version.
func (s *Store) Groups() ([]GroupConfig, DataVersion) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := s.groupsLocked()
	out := make([]GroupConfig, 0, len(gs))
	for _, c := range gs {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b GroupConfig) int { return strings.Compare(a.GroupName, b.GroupName) })
	return out, s.groupVersion
}
