// Package store is the message store behind sends and pulls: a commit log
// of encoded sizes (physical offsets), one consume queue per (topic, queue)
// (logical offsets), the topics known, and the consumer offsets, with the
// statuses and offsets Java's DefaultMessageStore and offset manager give
// (4.9.8 and 5.3.3). It is bounded in bytes and in count: the oldest
// messages are dropped first and the queues' min offsets move with them.
//
// It knows nothing of connections: a broker learns of new messages for
// long polling through Options.OnAppend.
package store

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// Defaults of Options.
const (
	DefaultMaxBytes    = 64 << 20
	DefaultMaxMessages = 100_000
	// DefaultQueueNums is the queue count of auto-created topics (the
	// client's defaultTopicQueueNums).
	DefaultQueueNums = 4
)

// Options configure a Store. The zero value imitates 5.3.3 with real time
// and the default bounds.
type Options struct {
	Release protocol.Release
	// Now is the store clock (store timestamps); nil means time.Now.
	Now func() time.Time
	// MaxBytes bounds the sum of the messages' encoded sizes; 0 means
	// DefaultMaxBytes, < 0 no bound. A message larger than the bound is
	// dropped as soon as it is appended (its offsets still advance).
	MaxBytes int64
	// MaxMessages bounds the message count; 0 means DefaultMaxMessages,
	// < 0 no bound.
	MaxMessages int
	// MaxTransferBytes and MaxTransferCount are MessageStoreConfig's
	// maxTransferBytesOnMessageInMemory (256 KiB) and
	// maxTransferCountOnMessageInMemory (32), the limits of one pull; 0
	// means the Java default.
	MaxTransferBytes int
	MaxTransferCount int
	// OnAppend is called after every Append, outside the store's lock,
	// once per (topic, queue) appended to: the hook that wakes parked
	// pulls (PullRequestHoldService.notifyMessageArriving).
	OnAppend func(AppendEvent)
	// OnCommit is called after a group's committed offset changed
	// (CommitOffset, ResetOffset), outside the store's lock: the hook
	// that wakes those waiting for a group's progress.
	OnCommit func(group string)
}

// AppendEvent tells OnAppend that a queue got messages.
type AppendEvent struct {
	Topic   string
	QueueID int32
	// MaxOffset is the queue's max offset after the append (the next
	// offset to be written), as ReputMessageService passes it.
	MaxOffset int64
	// TagsCode and Properties are those of the last message appended;
	// Java's hold service matches parked pulls' filters against them.
	TagsCode   int64
	Properties map[string]string
}

// Message is one stored message. The caller fills the message's own
// fields; Append sets Topic, QueueID, QueueOffset, CommitLogOffset and
// StoreTimestamp. Body and Properties are shared, never modified.
type Message struct {
	protocol.MessageExt
	// TagsCode is the consume queue's tags code: the Java hashCode of the
	// TAGS property (0 without tags).
	TagsCode int64
	// Size is the encoded size (MessageDecoder format); 0 asks Append to
	// compute it from the fields.
	Size int32
}

// EncodedSize returns the size MessageDecoder.encode gives m: 91 bytes
// plus body, topic and properties with IPv4 hosts, 12 more per IPv6
// host.
func EncodedSize(m *protocol.MessageExt) int32 {
	n := 91 + len(m.Body) + len(m.Topic) + len(protocol.FormatProperties(m.Properties))
	if m.BornHost != nil && m.BornHost.To4() == nil {
		n += 12
	}
	if m.StoreHost != nil && m.StoreHost.To4() == nil {
		n += 12
	}
	return int32(n)
}

// entry is a message in the commit log and in its queue.
type entry struct {
	msg     Message
	removed bool // the body is gone while the queue index may remain
}

// queue is a consume queue: entries[i] has offset min+i.
type queue struct {
	min     int64
	entries []*entry
}

func (q *queue) max() int64 { return q.min + int64(len(q.entries)) }

// Stats count what the store holds and what its bounds dropped.
type Stats struct {
	Messages        int
	Bytes           int64
	DroppedMessages int64
	DroppedBytes    int64
	// MinPhysicalOffset and MaxPhysicalOffset bound the commit log:
	// the first byte still held and the next to be written.
	MinPhysicalOffset int64
	MaxPhysicalOffset int64
	// Delivered counts the messages pulls got (msgGetTotalTodayNow).
	Delivered int64
}

// Store is the message store. It is safe for concurrent use (one lock).
type Store struct {
	opts Options

	mu       sync.Mutex
	log      []*entry // by physical offset; log[head:] are held
	head     int
	physMax  int64 // next physical offset
	bytes    int64
	dropped  int64
	droppedB int64
	topics   map[string]*topic
	offsets  map[string]map[int32]int64 // topic@group -> queue -> offset
	resets   map[string]map[int32]int64 // 5.x resetOffsetTable

	deleted      map[string]bool         // topics.go: deleted and not created since
	topicVersion DataVersion             // topics.go
	groups       map[string]*GroupConfig // groups.go: nil until first used
	groupVersion DataVersion             // groups.go
	delivered    int64                   // messages GetMessage returned
}

// New returns an empty store.
func New(opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxMessages == 0 {
		opts.MaxMessages = DefaultMaxMessages
	}
	if opts.MaxTransferBytes <= 0 {
		opts.MaxTransferBytes = 256 << 10
	}
	if opts.MaxTransferCount <= 0 {
		opts.MaxTransferCount = 32
	}
	return &Store{opts: opts, topics: map[string]*topic{},
		offsets: map[string]map[int32]int64{}, resets: map[string]map[int32]int64{}}
}

// AppendResult is where Append put the messages.
type AppendResult struct {
	// Messages are the stored messages, offsets and store time set.
	Messages []Message
	// DroppedMessages and DroppedBytes are what the bounds evicted to make
	// room (possibly including some of Messages).
	DroppedMessages int
	DroppedBytes    int64
}

// Append stores msgs in (topic, queueID), in order: each gets the next
// queue offset and the commit log's next physical offset, which then
// advances by its encoded size; all get the same store timestamp. The
// topic is created when unknown (DefaultQueueNums queues, or more to hold
// queueID). It fails on a negative queue id.
func (s *Store) Append(topic string, queueID int32, msgs []Message) (AppendResult, error) {
	if queueID < 0 {
		return AppendResult{}, fmt.Errorf("append to %s queue %d: want a queue id >= 0", topic, queueID)
	}
	s.mu.Lock()
	now := s.opts.Now()
	t := s.ensureTopicLocked(topic, max(DefaultQueueNums, queueID+1))
	q := t.queue(queueID)
	res := AppendResult{Messages: make([]Message, len(msgs))}
	for i := range msgs {
		m := msgs[i]
		m.Topic, m.QueueID = topic, queueID
		m.QueueOffset, m.CommitLogOffset, m.StoreTimestamp = q.max(), s.physMax, now
		if m.Size <= 0 {
			m.Size = EncodedSize(&m.MessageExt)
		}
		e := &entry{msg: m}
		s.log = append(s.log, e)
		q.entries = append(q.entries, e)
		s.physMax += int64(m.Size)
		s.bytes += int64(m.Size)
		res.Messages[i] = m
	}
	res.DroppedMessages, res.DroppedBytes = s.evictLocked()
	var ev AppendEvent
	if len(msgs) > 0 {
		last := res.Messages[len(msgs)-1]
		ev = AppendEvent{Topic: topic, QueueID: queueID, MaxOffset: q.max(), TagsCode: last.TagsCode,
			Properties: last.Properties}
	}
	s.mu.Unlock()
	if len(msgs) > 0 && s.opts.OnAppend != nil {
		s.opts.OnAppend(ev)
	}
	return res, nil
}

// evictLocked drops the oldest messages while a bound is exceeded.
func (s *Store) evictLocked() (n int, bytes int64) {
	over := func() bool {
		held := len(s.log) - s.head
		return held > 0 && (s.opts.MaxMessages > 0 && held > s.opts.MaxMessages ||
			s.opts.MaxBytes > 0 && s.bytes > s.opts.MaxBytes)
	}
	for over() {
		e := s.dropOldestLocked()
		n++
		bytes += int64(e.msg.Size)
		s.trimQueueLocked(e.msg.Topic, e.msg.QueueID)
	}
	s.countDroppedLocked(n, bytes)
	return n, bytes
}

// dropOldestLocked drops the oldest message body of the commit log and
// returns its entry, marked removed.
func (s *Store) dropOldestLocked() *entry {
	e := s.log[s.head]
	s.log[s.head] = nil
	s.head++
	e.removed = true
	s.bytes -= int64(e.msg.Size)
	return e
}

// countDroppedLocked counts n dropped messages of bytes and compacts the
// commit log.
func (s *Store) countDroppedLocked(n int, bytes int64) {
	s.compactLocked()
	s.dropped += int64(n)
	s.droppedB += bytes
}

// trimQueueLocked moves a queue's min offset past entries whose bodies
// are gone (Java's correctMinOffset after a commit-log file is deleted).
func (s *Store) trimQueueLocked(topicName string, queueID int32) {
	t := s.topics[topicName]
	if t == nil {
		return
	}
	q := t.queues[queueID]
	if q == nil {
		return
	}
	i := 0
	for i < len(q.entries) && q.entries[i].removed {
		q.entries[i] = nil
		i++
	}
	if i > 0 {
		q.entries = q.entries[i:]
		q.min += int64(i)
		if cap(q.entries) > 64 && len(q.entries) < cap(q.entries)/4 {
			q.entries = append([]*entry(nil), q.entries...)
		}
	}
}

// compactLocked releases the commit log's dropped prefix now and then.
func (s *Store) compactLocked() {
	if s.head > 1024 && s.head > len(s.log)/2 {
		s.log = append([]*entry(nil), s.log[s.head:]...)
		s.head = 0
	}
}

// RemoveBodiesBefore drops every message body below the physical offset
// but keeps the consume-queue entries pointing at them, like a commit-log
// file deleted before the queues' min offsets are corrected. Pulls there
// then get MESSAGE_WAS_REMOVING until CorrectMinOffsets. It returns what
// it dropped (counted as dropped).
func (s *Store) RemoveBodiesBefore(phys int64) (n int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head < len(s.log) && s.log[s.head].msg.CommitLogOffset < phys {
		e := s.dropOldestLocked()
		n++
		bytes += int64(e.msg.Size)
	}
	s.countDroppedLocked(n, bytes)
	return n, bytes
}

// CorrectMinOffsets moves every queue's min offset past removed bodies.
func (s *Store) CorrectMinOffsets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, t := range s.topics {
		for id := range t.queues {
			s.trimQueueLocked(name, id)
		}
	}
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Messages: len(s.log) - s.head, Bytes: s.bytes, DroppedMessages: s.dropped, DroppedBytes: s.droppedB,
		MinPhysicalOffset: s.minPhysLocked(), MaxPhysicalOffset: s.physMax, Delivered: s.delivered}
}

// minPhysLocked is the commit log's min physical offset: the first byte
// still held, or the next to be written when none is.
func (s *Store) minPhysLocked() int64 {
	if s.head < len(s.log) {
		return s.log[s.head].msg.CommitLogOffset
	}
	return s.physMax
}

// ByPhysicalOffset returns the message stored at exactly that commit-log
// offset (VIEW_MESSAGE_BY_ID, CONSUMER_SEND_MSG_BACK), if still held.
func (s *Store) ByPhysicalOffset(phys int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.log[s.head:]
	i := sort.Search(len(held), func(i int) bool { return held[i].msg.CommitLogOffset >= phys })
	if i < len(held) && held[i].msg.CommitLogOffset == phys {
		return held[i].msg, true
	}
	return Message{}, false
}

// Range returns the messages held in (topic, queueID) with queue offsets
// in [from, to), in offset order.
func (s *Store) Range(topicName string, queueID int32, from, to int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueLocked(topicName, queueID)
	if q == nil {
		return nil
	}
	from, to = max(from, q.min), min(to, q.max())
	var out []Message
	for o := from; o < to; o++ {
		if e := q.entries[o-q.min]; !e.removed {
			out = append(out, e.msg)
		}
	}
	return out
}

// queueLocked returns the queue or nil.
func (s *Store) queueLocked(topicName string, queueID int32) *queue {
	if t := s.topics[topicName]; t != nil {
		return t.queues[queueID]
	}
	return nil
}
