// Package records keeps what the broker records about its clients: the
// messages it accepted with their offsets and send counts, the
// END_TRANSACTION requests, the journal of requests and the set of open
// connections. Everything sits under one lock, and Wait is the one way to
// wait for a condition over it (or over state that calls Touch when it
// changes). Records name their connection by id; the store never holds a
// transport connection.
//
// The store is generic in the broker's record types: M a message, E an
// END_TRANSACTION, J a journal entry. It knows of them only what the
// broker tells it when they are added.
package records

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Wait once the store is closed.
var ErrClosed = errors.New("records: closed")

// Conn is the connection a record came on.
type Conn struct {
	ID       uint64 // ConnInfo.ID
	Addr     string // the client's "ip:port"
	ClientID string // "" until the connection's first heartbeat
}

// Queue names a message queue.
type Queue struct {
	Topic   string
	QueueID int32
}

// SendKey is what a send count counts by.
type SendKey struct {
	ConnID uint64
	Addr   string
	Group  string
	Queue  Queue
}

// SendCount is how many messages one connection sent under one group to
// one queue; ClientID is the connection's, as far as known.
type SendCount struct {
	SendKey
	ClientID string
	Messages int64
}

// Limits bounds the rings: how many messages (and END_TRANSACTIONs) and
// journal entries are kept; and, where not 0, the journal's bytes, the
// topics counted and the closed connections whose send counts are kept.
type Limits[M any] struct {
	Messages     int
	MessageBytes int64 // the sizes MessageSize gives the kept messages, summed
	// MessageSize is how many bytes a kept message holds (its body, say);
	// nil counts the size its Send gave it.
	MessageSize  func(*M) int
	Journal      int
	JournalBytes int64 // the sizes given to AddJournalSized, summed
	Topics       int   // topics Accepted counts by name
	ClosedConns  int   // closed connections that keep their send counts
}

// Store holds the records under one lock. It is safe for concurrent use.
type Store[M, E, J any] struct {
	mu      sync.Mutex
	st      State[M, E, J]
	changed chan struct{} // closed at the next change; nil when nobody waits
	// keyed holds, per key, the channel closed at the next TouchKey(key)
	// (or Touch, or Close): what WaitKey waits on.
	keyed   map[string]chan struct{}
	waiters atomic.Int32 // Waits in progress, read by Touch without the lock
	closed  bool
}

// State is the store's content, seen with the lock held (View, Wait).
type State[M, E, J any] struct {
	msgs      sizedRing[message[M]]
	msgSize   func(*M) int
	topics    topicCounts // messages accepted per topic, dropped ones included
	counts    map[SendKey]int64
	closed    closedCounts      // the connections of counts, the closed ones in order
	queues    map[Queue]int64   // next queue offset
	commitLog int64             // next commit-log offset
	ends      sizedRing[end[E]] // count-bounded only: added with size 0
	endSeq    uint64
	checks    map[int64]int       // CHECK_TRANSACTION_STATE sent per commit-log offset
	journal   sizedRing[J]        // numbered seq-len+1 … seq: entries are kept or dropped in order
	seq       uint64              // journal entries numbered so far
	names     map[uint64]string   // client ids of the connections in the records ("" not known yet)
	open      map[uint64]struct{} // connections open now
}

type message[M any] struct {
	conn      uint64
	topic     string
	commitLog int64
	val       M
}

type end[E any] struct {
	conn, halfConn uint64 // halfConn: the half message's connection, 0 if none was found
	val            E
}

// New returns an empty store.
func New[M, E, J any](l Limits[M]) *Store[M, E, J] {
	s := &Store[M, E, J]{}
	s.st.msgs.limit, s.st.ends.limit, s.st.journal.limit = l.Messages, l.Messages, l.Journal
	s.st.msgs.maxBytes, s.st.msgSize = l.MessageBytes, l.MessageSize
	s.st.journal.maxBytes, s.st.topics.limit, s.st.closed.limit = l.JournalBytes, l.Topics, l.ClosedConns
	s.st.topics.n, s.st.closed.byConn = map[string]int64{}, map[uint64][]SendKey{}
	s.st.counts, s.st.queues = map[SendKey]int64{}, map[Queue]int64{}
	s.st.checks, s.st.names, s.st.open = map[int64]int{}, map[uint64]string{}, map[uint64]struct{}{}
	return s
}

// changedLocked wakes the waiters.
func (s *Store[M, E, J]) changedLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// Touch wakes every waiter to look again: state their conditions read,
// kept elsewhere, changed. It costs an atomic load when nobody waits.
func (s *Store[M, E, J]) Touch() {
	if s.waiters.Load() == 0 {
		return
	}
	s.mu.Lock()
	s.changedLocked()
	s.touchAllLocked()
	s.mu.Unlock()
}

// TouchKey wakes the waiters on key (WaitKey) and the waiters on every
// change (Wait): state kept elsewhere (the producer table) changed, and
// only conditions under key may have. It costs an atomic load when nobody
// waits.
func (s *Store[M, E, J]) TouchKey(key string) {
	if s.waiters.Load() == 0 {
		return
	}
	s.mu.Lock()
	s.changedLocked()
	if ch := s.keyed[key]; ch != nil {
		close(ch)
		delete(s.keyed, key)
	}
	s.mu.Unlock()
}

func (s *Store[M, E, J]) touchAllLocked() {
	for k, ch := range s.keyed {
		close(ch)
		delete(s.keyed, k)
	}
}

// Close wakes every waiter; Wait then returns ErrClosed. The records stay
// readable.
func (s *Store[M, E, J]) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.changedLocked()
	s.touchAllLocked()
}

// Wait returns nil once cond holds, ErrClosed once the store is closed, or
// ctx's error once ctx ends, whichever comes first (cond is looked at
// before the other two). cond runs with the lock held, at the start and
// after every change of the records or Touch; it may read state behind
// other locks as long as that state's owner never waits for this store's
// lock while holding its own.
func (s *Store[M, E, J]) Wait(ctx context.Context, cond func(*State[M, E, J]) bool) error {
	return s.wait(ctx, "", false, cond)
}

// WaitKey is Wait for a condition over state kept elsewhere that its owner
// reports by key: cond is looked at again only after TouchKey(key), Touch
// or Close, not after every change of the records. Many waiters on
// different keys then cost a change nothing.
func (s *Store[M, E, J]) WaitKey(ctx context.Context, key string, cond func(*State[M, E, J]) bool) error {
	return s.wait(ctx, key, true, cond)
}

func (s *Store[M, E, J]) wait(ctx context.Context, key string, keyed bool, cond func(*State[M, E, J]) bool) error {
	s.waiters.Add(1)
	defer s.waiters.Add(-1)
	for {
		s.mu.Lock()
		if cond(&s.st) {
			s.mu.Unlock()
			return nil
		}
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		var changed chan struct{}
		if keyed {
			if s.keyed == nil {
				s.keyed = map[string]chan struct{}{}
			}
			if changed = s.keyed[key]; changed == nil {
				changed = make(chan struct{})
				s.keyed[key] = changed
			}
		} else {
			if s.changed == nil {
				s.changed = make(chan struct{})
			}
			changed = s.changed
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// View runs fn with the lock held.
func (s *Store[M, E, J]) View(fn func(*State[M, E, J])) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.st)
}

// Opened records that a connection opened.
func (s *Store[M, E, J]) Opened(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.open[id] = struct{}{}
	s.changedLocked()
}

// Closed records that a connection's close has been processed.
func (s *Store[M, E, J]) Closed(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.open, id)
	s.st.closedLocked(id)
	s.changedLocked()
}

// NameClient records the client id a connection's first heartbeat named,
// for its records made before it.
func (s *Store[M, E, J]) NameClient(id uint64, clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name, ok := s.st.names[id]; ok && name == "" {
		s.st.names[id] = strings.Clone(clientID)
	}
}

// noteConnLocked remembers a record's connection, to name its client.
func (st *State[M, E, J]) noteConnLocked(c Conn) {
	if name, ok := st.names[c.ID]; !ok || name == "" {
		st.names[c.ID] = strings.Clone(c.ClientID)
	}
}

// Send assigns offsets to len(sizes) messages of one send to queue q, in
// order: consecutive queue offsets from the queue's next one, and
// commit-log offsets advancing by each message's size. place(i, queue
// offset, commit-log offset) fills the i-th record before msgs[i] is
// recorded; the send is counted under (c, group, q). All of it happens
// under the lock, so the records keep offset order. It returns the first
// queue offset.
func (s *Store[M, E, J]) Send(c Conn, group string, q Queue, sizes []int, msgs []M, place func(i int, queueOffset, commitLogOffset int64)) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	first := st.queues[q]
	st.queues[q] = first + int64(len(sizes))
	for i, size := range sizes {
		place(i, first+int64(i), st.commitLog)
		if i < len(msgs) {
			n := size
			if st.msgSize != nil {
				n = st.msgSize(&msgs[i])
			}
			st.msgs.add(message[M]{conn: c.ID, topic: q.Topic, commitLog: st.commitLog, val: msgs[i]}, n)
		}
		st.commitLog += int64(size)
	}
	if len(msgs) > 0 {
		st.noteConnLocked(c)
		st.topics.add(q.Topic, int64(len(msgs)))
		st.countSendLocked(SendKey{ConnID: c.ID, Addr: c.Addr, Group: group, Queue: q}, int64(len(msgs)))
	}
	s.changedLocked()
	return first
}

// AddEnd records an END_TRANSACTION: build gets its number (from 1) and
// the newest kept message stored at commitLogOffset (nil if none), with
// that message's client id as far as known.
func (s *Store[M, E, J]) AddEnd(c Conn, commitLogOffset int64, build func(seq uint64, half *M, halfClientID string) E) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	var half *M
	var halfConn uint64
	halfClient := ""
	st.msgs.eachNewest(func(m *message[M]) bool {
		if m.commitLog == commitLogOffset {
			half, halfConn, halfClient = &m.val, m.conn, st.names[m.conn]
			return false
		}
		return true
	})
	st.endSeq++
	st.noteConnLocked(c)
	st.ends.add(end[E]{conn: c.ID, halfConn: halfConn, val: build(st.endSeq, half, halfClient)}, 0)
	s.changedLocked()
}

// Check counts a CHECK_TRANSACTION_STATE for commitLogOffset and returns
// how many were sent for it, this one included, and how many
// END_TRANSACTIONs were recorded before it.
func (s *Store[M, E, J]) Check(commitLogOffset int64) (times int, endsBefore uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.checks[commitLogOffset]++
	return s.st.checks[commitLogOffset], s.st.endSeq
}

// AddJournal records a journal entry and returns its number (from 1).
func (s *Store[M, E, J]) AddJournal(e *J) uint64 { return s.AddJournalSized(e, 0) }

// ClearMessages forgets every message, send count and END_TRANSACTION,
// and their dropped count. Offsets, numbering and check counts go on.
func (s *Store[M, E, J]) ClearMessages() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.msgs.clear()
	s.st.ends.clear()
	s.st.topics.clear()
	clear(s.st.counts)
	s.st.closed.clear()
	clear(s.st.names)
	s.changedLocked()
}

// ClearJournal forgets the journal entries and their dropped count;
// numbering goes on.
func (s *Store[M, E, J]) ClearJournal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.journal.clear()
	s.changedLocked()
}

// Accepted returns how many messages of topic ("" for every topic) were
// accepted since the start or the last ClearMessages, dropped ones
// included.
func (st *State[M, E, J]) Accepted(topic string) int64 {
	if topic != "" {
		return st.topics.n[topic]
	}
	return st.topics.total
}

// EachMessage calls fn on each kept message of topic ("" for every topic),
// oldest first, with the sender's client id as far as known, until fn
// returns false.
func (st *State[M, E, J]) EachMessage(topic string, fn func(m *M, clientID string) bool) {
	st.msgs.each(func(m *message[M]) bool {
		if topic != "" && m.topic != topic {
			return true
		}
		return fn(&m.val, st.names[m.conn])
	})
}

// MessagesDropped returns how many messages the ring let go.
func (st *State[M, E, J]) MessagesDropped() int64 { return st.msgs.dropped }

// MessagesDroppedBytes returns the bytes of the messages let go to make
// room, as MessageSize counts them.
func (st *State[M, E, J]) MessagesDroppedBytes() int64 { return st.msgs.droppedBytes }

// MessageBytes returns the bytes of the kept messages.
func (st *State[M, E, J]) MessageBytes() int64 { return st.msgs.bytes }

// SendCounts returns the send counts, unordered.
func (st *State[M, E, J]) SendCounts() []SendCount {
	out := make([]SendCount, 0, len(st.counts))
	for k, n := range st.counts {
		out = append(out, SendCount{SendKey: k, ClientID: st.names[k.ConnID], Messages: n})
	}
	return out
}

// EachEnd calls fn on each kept END_TRANSACTION, oldest first, with the
// client ids of its connection and of its half message's, as far as known,
// until fn returns false.
func (st *State[M, E, J]) EachEnd(fn func(e *E, clientID, halfClientID string) bool) {
	st.ends.each(func(e *end[E]) bool {
		half := ""
		if e.halfConn != 0 {
			half = st.names[e.halfConn]
		}
		return fn(&e.val, st.names[e.conn], half)
	})
}

// EachJournal calls fn on each kept journal entry with its number, oldest
// first.
func (st *State[M, E, J]) EachJournal(fn func(seq uint64, e *J)) {
	seq := st.seq - uint64(st.journal.len())
	st.journal.each(func(e *J) bool {
		seq++
		fn(seq, e)
		return true
	})
}

// JournalLen returns how many journal entries are kept.
func (st *State[M, E, J]) JournalLen() int { return st.journal.len() }

// JournalDropped returns how many journal entries the ring let go.
func (st *State[M, E, J]) JournalDropped() int64 { return st.journal.dropped }

// Open reports whether the connection is open.
func (st *State[M, E, J]) Open(id uint64) bool {
	_, ok := st.open[id]
	return ok
}
