package mockbroker

import (
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
)

// TopicConfig is a topic's config as the broker keeps it (TopicConfig).
type TopicConfig struct {
	Name            string
	ReadQueueNums   int32
	WriteQueueNums  int32
	Perm            int32  // PermName bits: 2 write, 4 read, 1 inherit; 0 means 6
	TopicFilterType string // "SINGLE_TAG" (default) or "MULTI_TAG"
	TopicSysFlag    int32
	Order           bool
}

// CreateTopic creates or updates a topic as UPDATE_AND_CREATE_TOPIC does:
// queue counts of 0 take the broker's default (WithQueueNums), a perm of
// 0 is read+write; stored messages stay. System topics and illegal names
// are refused (ErrInvalidTopic).
func (b *Broker) CreateTopic(t TopicConfig) error {
	if remark := validateTopic(t.Name); remark != "" {
		return errorOf(ErrInvalidTopic, "mockbroker: creating topic %q: %s", t.Name, remark)
	}
	if b.systemTopic(t.Name) {
		return errorOf(ErrInvalidTopic, "mockbroker: creating topic %q: a system topic", t.Name)
	}
	if t.ReadQueueNums < 0 || t.WriteQueueNums < 0 {
		return errorOf(ErrInvalidTopic, "mockbroker: creating topic %q: queue counts %d/%d, want >= 0", t.Name, t.ReadQueueNums, t.WriteQueueNums)
	}
	if t.ReadQueueNums == 0 {
		t.ReadQueueNums = int32(b.cfg.queueNums)
	}
	if t.WriteQueueNums == 0 {
		t.WriteQueueNums = int32(b.cfg.queueNums)
	}
	if t.Perm == 0 {
		t.Perm = permRead | permWrite
	}
	b.store.SetTopic(store.TopicInfo(t))
	b.records.Touch()
	return nil
}

// Topics returns the broker's topic config table, by name: the system
// topics a real broker creates at start (TBW102, SCHEDULE_TOPIC_XXXX, the
// cluster and broker name topics, ...) and every created, auto-created,
// retry and dead-letter topic.
func (b *Broker) Topics() []TopicConfig {
	configs := b.topicConfigs()
	out := make([]TopicConfig, 0, len(configs))
	for _, name := range sortedKeys(configs) {
		out = append(out, topicConfigOf(configs[name]))
	}
	return out
}

// Topic returns one topic's config.
func (b *Broker) Topic(name string) (TopicConfig, bool) {
	t, ok := b.findTopic(name)
	if !ok {
		return TopicConfig{}, false
	}
	return topicConfigOf(t), true
}

// topicConfigOf is a stored topic's config, its filter type spelled out.
func topicConfigOf(t store.TopicInfo) TopicConfig {
	c := TopicConfig(t)
	c.TopicFilterType = t.FilterType()
	return c
}

// DeleteTopic deletes a topic as DELETE_TOPIC_IN_BROKER and _IN_NAMESRV
// do: its config, queues and consumer offsets go, and the name server no
// longer routes it until it is created again (by CreateTopic, or a send
// with autoCreateTopicEnable). It reports whether the topic existed.
func (b *Broker) DeleteTopic(name string) bool {
	ok := b.store.DeleteTopic(name)
	b.records.Touch()
	return ok
}

// GroupConfig is a subscription group's config (SubscriptionGroupConfig):
// GroupName, consume enabled (ConsumeEnable, ConsumeFromMinEnable,
// ConsumeBroadcastEnable, 5.x ConsumeMessageOrderly), retries
// (RetryQueueNums, RetryMaxTimes), BrokerID, WhichBrokerWhenConsumeSlowly,
// NotifyConsumerIDsChangedEnable and, 5.x, GroupSysFlag and
// ConsumeTimeoutMinute.
type GroupConfig = store.GroupConfig

// DefaultGroupConfig is a new SubscriptionGroupConfig: consume enabled,
// 16 retries over 1 retry queue; what the broker auto-creates.
func DefaultGroupConfig(group string) GroupConfig {
	return store.DefaultGroupConfig(group)
}

// CreateGroup creates or replaces a subscription group's config as
// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP does (start from DefaultGroupConfig).
func (b *Broker) CreateGroup(g GroupConfig) error {
	if !validGroupName(g.GroupName) {
		return errorOf(ErrInvalidGroup, "mockbroker: creating group %q: want 1-255 of [%%|a-zA-Z0-9_-]", g.GroupName)
	}
	b.store.SetGroup(g)
	b.records.Touch()
	return nil
}

// validGroupName reports whether CreateGroup takes the name: 1 to 255 of
// TopicValidator's characters.
func validGroupName(name string) bool { return len(name) <= 255 && validTopic.MatchString(name) }

// SubscriptionGroups returns every subscription group's config, by name:
// the system groups a broker creates at start (TOOLS_CONSUMER, ...),
// created ones and those auto-created by a heartbeat, pull or send-back.
func (b *Broker) SubscriptionGroups() []GroupConfig {
	gs, _ := b.store.Groups()
	return gs
}

// SubscriptionGroup returns one subscription group's config.
func (b *Broker) SubscriptionGroup(name string) (GroupConfig, bool) {
	return b.store.Group(name)
}

// DeleteGroup deletes a subscription group's config as
// DELETE_SUBSCRIPTIONGROUP does, and with removeOffsets its committed
// offsets; it reports whether the group existed. A live consumer's next
// heartbeat creates the group again.
func (b *Broker) DeleteGroup(name string, removeOffsets bool) bool {
	ok := b.store.DeleteGroup(name, removeOffsets)
	b.records.Touch()
	return ok
}
