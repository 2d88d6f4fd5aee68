package records

import "strings"

// This file holds the ring behind every kept list (messages, journal,
// END_TRANSACTIONs) and the other bounds on what the records keep: topics
// counted, closed connections' send counts.

// sizedRing keeps the last values added within a count limit and a byte
// limit (each value's size as the caller gave it), oldest first, and
// counts the values and bytes it let go. A limit of 0 keeps nothing; a
// maxBytes of 0 leaves bytes unbounded. Callers lock.
type sizedRing[T any] struct {
	limit    int
	maxBytes int64
	buf      []T
	sizes    []int
	head     int // index of the oldest value in buf
	bytes    int64
	// dropped and droppedBytes count the values let go to make room.
	dropped      int64
	droppedBytes int64
}

// add keeps v, letting the oldest values go while the count or the bytes
// are over their limit. A value bigger than maxBytes on its own is let go
// at once, with every older one: the kept values are always the newest.
func (r *sizedRing[T]) add(v T, size int) {
	if r.limit <= 0 || (r.maxBytes > 0 && int64(size) > r.maxBytes) {
		for r.len() > 0 {
			r.popOldest()
		}
		r.dropped++
		r.droppedBytes += int64(size)
		return
	}
	r.buf = append(r.buf, v)
	r.sizes = append(r.sizes, size)
	r.bytes += int64(size)
	for r.len() > r.limit || (r.maxBytes > 0 && r.bytes > r.maxBytes) {
		r.popOldest()
	}
}

func (r *sizedRing[T]) popOldest() {
	var zero T
	r.buf[r.head] = zero
	r.bytes -= int64(r.sizes[r.head])
	r.droppedBytes += int64(r.sizes[r.head])
	r.dropped++
	r.head++
	if r.head >= 1024 && r.head*2 >= len(r.buf) {
		n := copy(r.buf, r.buf[r.head:])
		clear(r.buf[n:])
		r.buf = r.buf[:n]
		r.sizes = r.sizes[:copy(r.sizes, r.sizes[r.head:])]
		r.head = 0
	}
}

// each calls fn on every kept value, oldest first, until fn returns false.
func (r *sizedRing[T]) each(fn func(*T) bool) {
	for i := r.head; i < len(r.buf); i++ {
		if !fn(&r.buf[i]) {
			return
		}
	}
}

// eachNewest is each, newest first.
func (r *sizedRing[T]) eachNewest(fn func(*T) bool) {
	for i := len(r.buf) - 1; i >= r.head; i-- {
		if !fn(&r.buf[i]) {
			return
		}
	}
}

// len returns how many values are kept.
func (r *sizedRing[T]) len() int { return len(r.buf) - r.head }

// clear forgets every value and the dropped counts.
func (r *sizedRing[T]) clear() {
	r.buf, r.sizes, r.head, r.bytes, r.dropped, r.droppedBytes = nil, nil, 0, 0, 0, 0
}

// AddJournalSized records a journal entry of about size bytes and returns
// its number (from 1). Limits.JournalBytes bounds the kept entries' sizes.
func (s *Store[M, E, J]) AddJournalSized(e *J, size int) uint64 {
	s.mu.Lock()
	s.st.seq++
	seq := s.st.seq
	s.st.journal.add(*e, size)
	s.changedLocked()
	s.mu.Unlock()
	return seq
}

// JournalBytes returns the sizes of the kept journal entries, summed.
func (st *State[M, E, J]) JournalBytes() int64 { return st.journal.bytes }

// JournalDroppedBytes returns the sizes of the journal entries let go.
func (st *State[M, E, J]) JournalDroppedBytes() int64 { return st.journal.droppedBytes }

// topicCounts counts accepted messages per topic, for at most limit topics
// (0: no bound): past it the topic seen first goes, and what it counted
// is kept in the totals.
type topicCounts struct {
	limit   int
	n       map[string]int64
	order   []string // topics in the order first seen, from head
	head    int
	dropped int64 // topics let go
	msgs    int64 // messages counted under the topics let go
	// total counts every message, under kept topics or let go: what a
	// WaitMessages on any topic reads at each wake, without a pass over
	// up to limit topics.
	total int64
}

func (tc *topicCounts) add(topic string, n int64) {
	if _, ok := tc.n[topic]; !ok {
		topic = strings.Clone(topic) // a key kept long: not a view of a request's buffer
		tc.order = append(tc.order, topic)
		for tc.limit > 0 && len(tc.order)-tc.head > tc.limit {
			old := tc.order[tc.head]
			tc.order[tc.head] = ""
			tc.head++
			tc.msgs += tc.n[old]
			tc.dropped++
			delete(tc.n, old)
		}
		if tc.head >= 1024 && tc.head*2 >= len(tc.order) {
			k := copy(tc.order, tc.order[tc.head:])
			clear(tc.order[k:])
			tc.order, tc.head = tc.order[:k], 0
		}
	}
	tc.n[topic] += n
	tc.total += n
}

func (tc *topicCounts) clear() {
	clear(tc.n)
	tc.order, tc.head, tc.dropped, tc.msgs, tc.total = nil, 0, 0, 0, 0
}

// TopicsDropped returns how many topics the per-topic counts let go to stay
// within Limits.Topics, and how many messages those topics had counted
// (Accepted("") still includes them).
func (st *State[M, E, J]) TopicsDropped() (topics, messages int64) {
	return st.topics.dropped, st.topics.msgs
}

// closedCounts tracks the send counts of closed connections, oldest close
// first, so that at most limit closed connections keep theirs.
type closedCounts struct {
	limit  int
	byConn map[uint64][]SendKey // a connection's send keys
	order  []uint64             // closed connections with counts, from head
	head   int
	// dropped counts the closed connections whose counts were let go, and
	// msgs the messages those counts had counted.
	dropped, msgs int64
}

// countSendLocked counts n messages under k.
func (st *State[M, E, J]) countSendLocked(k SendKey, n int64) {
	if _, ok := st.counts[k]; !ok {
		// A key kept past the connection: its strings must not be views
		// of a request's buffer.
		k.Addr, k.Group, k.Queue.Topic = strings.Clone(k.Addr), strings.Clone(k.Group), strings.Clone(k.Queue.Topic)
		st.closed.byConn[k.ConnID] = append(st.closed.byConn[k.ConnID], k)
	}
	st.counts[k] += n
}

// closedLocked notes that a connection closed; past the limit the counts
// (and client id) of the connection that closed first are let go.
func (st *State[M, E, J]) closedLocked(id uint64) {
	cc := &st.closed
	if _, ok := cc.byConn[id]; !ok {
		return
	}
	cc.order = append(cc.order, id)
	for cc.limit > 0 && len(cc.order)-cc.head > cc.limit {
		old := cc.order[cc.head]
		cc.head++
		for _, k := range cc.byConn[old] {
			cc.msgs += st.counts[k]
			delete(st.counts, k)
		}
		delete(cc.byConn, old)
		delete(st.names, old)
		cc.dropped++
	}
	if cc.head >= 1024 && cc.head*2 >= len(cc.order) {
		cc.order, cc.head = append(cc.order[:0], cc.order[cc.head:]...), 0
	}
}

func (cc *closedCounts) clear() {
	clear(cc.byConn)
	cc.order, cc.head, cc.dropped, cc.msgs = nil, 0, 0, 0
}

// SendCountsDropped returns how many closed connections' send counts were
// let go to stay within Limits.ClosedConns, and how many messages they had
// counted.
func (st *State[M, E, J]) SendCountsDropped() (connections, messages int64) {
	return st.closed.dropped, st.closed.msgs
}

// EachMessageNewest calls fn on each kept message of topic ("" for every
// topic), newest first, with the sender's client id as far as known, until
// fn returns false: the newest N without visiting the rest.
func (st *State[M, E, J]) EachMessageNewest(topic string, fn func(m *M, clientID string) bool) {
	st.msgs.eachNewest(func(m *message[M]) bool {
		if topic != "" && m.topic != topic {
			return true
		}
		return fn(&m.val, st.names[m.conn])
	})
}
