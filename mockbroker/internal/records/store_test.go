package records

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

type msg struct {
	body            string
	queueOffset     int64
	commitLogOffset int64
}

type testStore = Store[msg, string, string]

func send(s *testStore, c Conn, topic string, bodies ...string) int64 {
	msgs := make([]msg, len(bodies))
	sizes := make([]int, len(bodies))
	for i, b := range bodies {
		msgs[i].body, sizes[i] = b, len(b)
	}
	return s.Send(c, "PG", Queue{topic, 1}, sizes, msgs, func(i int, qo, clo int64) {
		msgs[i].queueOffset, msgs[i].commitLogOffset = qo, clo
	})
}

func messages(s *testStore, topic string) (out []msg, clients []string) {
	s.View(func(st *State[msg, string, string]) {
		st.EachMessage(topic, func(m *msg, clientID string) bool {
			out, clients = append(out, *m), append(clients, clientID)
			return true
		})
	})
	return out, clients
}

func TestSendNumbersInOrderAndRingDrops(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 2, Journal: 1})
	c := Conn{ID: 1, Addr: "10.0.0.1:1", ClientID: "c@1"}
	assert.Equal(t, send(s, c, "T", "ab", "cde"), int64(0))
	assert.Equal(t, send(s, c, "T", "f"), int64(2))
	assert.Equal(t, send(s, c, "U", "gh"), int64(0))
	got, _ := messages(s, "")
	assert.DeepEqual(t, got, []msg{{"f", 2, 5}, {"gh", 0, 6}}, cmp.AllowUnexported(msg{}))
	var dropped, accepted, acceptedT int64
	s.View(func(st *State[msg, string, string]) {
		dropped, accepted, acceptedT = st.MessagesDropped(), st.Accepted(""), st.Accepted("T")
	})
	assert.Equal(t, dropped, int64(2))
	assert.Equal(t, accepted, int64(4))
	assert.Equal(t, acceptedT, int64(3))

	for _, e := range []string{"j1", "j2"} {
		s.AddJournal(&e)
	}
	var seqs []uint64
	s.View(func(st *State[msg, string, string]) {
		st.EachJournal(func(seq uint64, e *string) { seqs = append(seqs, seq) })
		dropped = st.JournalDropped()
	})
	assert.DeepEqual(t, seqs, []uint64{2})
	assert.Equal(t, dropped, int64(1))

	// Clearing forgets records and dropped counts; offsets and numbering go on.
	s.ClearMessages()
	s.ClearJournal()
	assert.Equal(t, send(s, c, "T", "i"), int64(3))
	assert.Equal(t, s.AddJournal(ptr("j3")), uint64(3))
	got, _ = messages(s, "T")
	assert.DeepEqual(t, got, []msg{{"i", 3, 8}}, cmp.AllowUnexported(msg{}))
	s.View(func(st *State[msg, string, string]) { dropped = st.MessagesDropped() + st.JournalDropped() })
	assert.Equal(t, dropped, int64(0))
}

// A connection's records made before its client id was known are named
// once it is.
func TestNameClient(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 10, Journal: 10})
	early := Conn{ID: 1, Addr: "10.0.0.1:1"}
	send(s, early, "T", "a")
	s.NameClient(2, "never-sent@2") // no records: nothing to name
	_, clients := messages(s, "T")
	assert.DeepEqual(t, clients, []string{""})
	s.NameClient(1, "c@1")
	s.NameClient(1, "other@1") // the first name stays
	send(s, Conn{ID: 3, Addr: "10.0.0.3:3", ClientID: "d@3"}, "T", "b")
	_, clients = messages(s, "T")
	assert.DeepEqual(t, clients, []string{"c@1", "d@3"})
	var counts []SendCount
	s.View(func(st *State[msg, string, string]) { counts = st.SendCounts() })
	assert.Equal(t, len(counts), 2)
	for _, c := range counts {
		assert.Equal(t, c.ClientID, map[uint64]string{1: "c@1", 3: "d@3"}[c.ConnID])
	}

	s.AddEnd(Conn{ID: 4, Addr: "10.0.0.4:4"}, 0, func(seq uint64, half *msg, halfClient string) string {
		assert.Equal(t, seq, uint64(1))
		assert.Equal(t, half.body, "a")
		assert.Equal(t, halfClient, "c@1")
		return "end"
	})
	s.NameClient(4, "e@4")
	s.View(func(st *State[msg, string, string]) {
		st.EachEnd(func(e *string, clientID, halfClientID string) bool {
			assert.Equal(t, *e+" "+clientID+" "+halfClientID, "end e@4 c@1")
			return true
		})
	})
}

// Wait looks at its condition at every change and at every Touch, without
// polling, and ends with the context or the store.
func TestWait(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 10, Journal: 10})
	var outside atomic.Bool // state kept elsewhere, announced by Touch
	done := make(chan error, 1)
	var looks atomic.Int32
	go func() {
		done <- s.Wait(context.Background(), func(st *State[msg, string, string]) bool {
			looks.Add(1)
			return st.Accepted("T") >= 2 && outside.Load() && !st.Open(7)
		})
	}()
	for s.waiters.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Opened(7)
	send(s, Conn{ID: 7}, "T", "a", "b")
	outside.Store(true)
	s.Touch()
	select {
	case err := <-done:
		t.Fatalf("Wait returned %v with connection 7 open", err)
	case <-time.After(20 * time.Millisecond):
	}
	before := looks.Load()
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, looks.Load(), before, "Wait looked again without a change")
	s.Closed(7)
	assert.NilError(t, <-done)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	never := func(*State[msg, string, string]) bool { return false }
	assert.Assert(t, errors.Is(s.Wait(ctx, never), context.DeadlineExceeded))

	go func() { time.Sleep(5 * time.Millisecond); s.Close() }()
	assert.Assert(t, errors.Is(s.Wait(context.Background(), never), ErrClosed))
	// A condition that holds wins over the closed store.
	assert.NilError(t, s.Wait(context.Background(), func(*State[msg, string, string]) bool { return true }))
}

func TestCheckCountsPerOffset(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 10, Journal: 10})
	times, before := s.Check(5)
	assert.Equal(t, times, 1)
	assert.Equal(t, before, uint64(0))
	s.AddEnd(Conn{ID: 1}, 5, func(uint64, *msg, string) string { return "" })
	times, before = s.Check(5)
	assert.Equal(t, times, 2)
	assert.Equal(t, before, uint64(1))
}

func ptr[T any](v T) *T { return &v }
