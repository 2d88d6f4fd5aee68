package store

import (
	"slices"
	"strings"
	"time"
)

// Name prefixes of the topics a broker keeps for consumer groups
// (MixAll.RETRY_GROUP_TOPIC_PREFIX, DLQ_GROUP_TOPIC_PREFIX).
const (
	RetryPrefix = "%RETRY%"
	DLQPrefix   = "%DLQ%"
)

// RetryTopic is MixAll.getRetryTopic: "%RETRY%" + group.
func RetryTopic(group string) string { return RetryPrefix + group }

// DLQTopic is MixAll.getDLQTopic: "%DLQ%" + group.
func DLQTopic(group string) string { return DLQPrefix + group }

// IsRetryTopic reports whether topic is a group's retry topic.
func IsRetryTopic(topic string) bool { return strings.HasPrefix(topic, RetryPrefix) }

// IsDLQTopic reports whether topic is a group's dead-letter topic.
func IsDLQTopic(topic string) bool { return strings.HasPrefix(topic, DLQPrefix) }

// Permissions (PermName).
const (
	PermInherit int32 = 1
	PermWrite   int32 = 2
	PermRead    int32 = 4
)

// TopicInfo is what the store knows of a topic (TopicConfig).
type TopicInfo struct {
	Name            string
	ReadQueueNums   int32
	WriteQueueNums  int32
	Perm            int32  // PermRead|PermWrite (6) unless set otherwise
	TopicFilterType string // "SINGLE_TAG" (the default, also for "") or "MULTI_TAG"
	TopicSysFlag    int32
	Order           bool
}

// FilterType is TopicFilterType with the default filled in.
func (t TopicInfo) FilterType() string {
	if t.TopicFilterType == "" {
		return "SINGLE_TAG"
	}
	return t.TopicFilterType
}

// DataVersion is the Java DataVersion of a config table: a counter bumped
// on every change and the time of the last one.
type DataVersion struct {
	Timestamp int64 // ms
	Counter   int64
}

func (v *DataVersion) next(now time.Time) {
	v.Counter++
	v.Timestamp = now.UnixMilli()
}

// topic is a known topic and its consume queues.
type topic struct {
	info   TopicInfo
	queues map[int32]*queue
}

func (t *topic) queue(id int32) *queue {
	q := t.queues[id]
	if q == nil {
		q = &queue{}
		t.queues[id] = q
	}
	return q
}

func (s *Store) ensureTopicLocked(name string, queueNums int32) *topic {
	t := s.topics[name]
	if t == nil {
		t = &topic{info: TopicInfo{Name: name, ReadQueueNums: queueNums, WriteQueueNums: queueNums,
			Perm: PermRead | PermWrite}, queues: map[int32]*queue{}}
		s.topics[name] = t
		delete(s.deleted, name)
		s.topicVersion.next(s.opts.Now())
	}
	return t
}

// EnsureTopic creates the topic with queueNums read and write queues
// unless it exists (auto-creation on send, on subscription, and of
// %RETRY% topics on heartbeat), and reports whether it created it.
func (s *Store) EnsureTopic(name string, queueNums int32) (TopicInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, had := s.topics[name]
	return s.ensureTopicLocked(name, max(queueNums, 1)).info, !had
}

// SetTopic creates or updates a topic's queue counts and permission
// (UPDATE_AND_CREATE_TOPIC); stored messages stay.
func (s *Store) SetTopic(info TopicInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.ensureTopicLocked(info.Name, info.WriteQueueNums)
	t.info = info
	s.topicVersion.next(s.opts.Now())
}

// DeleteTopic forgets a topic, its messages' queue entries and its
// consumer offsets (the commit log keeps the bytes until evicted), and
// marks it deleted until created again; it reports whether it existed.
func (s *Store) DeleteTopic(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted == nil {
		s.deleted = map[string]bool{}
	}
	s.deleted[name] = true
	if _, ok := s.topics[name]; !ok {
		return false
	}
	delete(s.topics, name)
	s.topicVersion.next(s.opts.Now())
	s.deleteOffsetsLocked(func(topic, _ string) bool { return topic == name })
	return true
}

// Topic returns what the store knows of a topic.
func (s *Store) Topic(name string) (TopicInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.topics[name]
	if t == nil {
		return TopicInfo{}, false
	}
	return t.info, true
}

// Topics returns every known topic, by name.
func (s *Store) Topics() []TopicInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TopicInfo, 0, len(s.topics))
	for _, t := range s.topics {
		out = append(out, t.info)
	}
	slices.SortFunc(out, func(a, b TopicInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Deleted reports whether the topic was deleted and not created since,
// so that the name server no longer routes it.
func (s *Store) Deleted(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted[name]
}

// TopicVersion is the topic table's DataVersion.
func (s *Store) TopicVersion() DataVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.topicVersion
}
