package records

import (
	"fmt"
	"testing"

	"gotest.tools/v3/assert"
)

type testState = State[msg, string, string]

func TestJournalIsBoundedInBytes(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 10, Journal: 100, JournalBytes: 10})
	for i, size := range []int{4, 4, 4, 11, 3} {
		e := fmt.Sprint("j", i)
		s.AddJournalSized(&e, size)
	}
	var kept []string
	var seqs []uint64
	var bytes, dropped, droppedBytes int64
	s.View(func(st *testState) {
		st.EachJournal(func(seq uint64, e *string) { kept, seqs = append(kept, *e), append(seqs, seq) })
		bytes, dropped, droppedBytes = st.JournalBytes(), st.JournalDropped(), st.JournalDroppedBytes()
	})
	// j0 goes for j2; j3 (11 bytes) alone is over the bound: it goes at
	// once, with the older ones (the kept entries stay the newest).
	assert.DeepEqual(t, kept, []string{"j4"})
	assert.DeepEqual(t, seqs, []uint64{5})
	assert.Equal(t, bytes, int64(3))
	assert.Equal(t, dropped, int64(4))
	assert.Equal(t, droppedBytes, int64(4+4+4+11))

	// Many entries: the ring compacts and keeps the newest.
	for i := range 5000 {
		e := fmt.Sprint("k", i)
		s.AddJournalSized(&e, 1)
	}
	kept = nil
	s.View(func(st *testState) {
		st.EachJournal(func(_ uint64, e *string) { kept = append(kept, *e) })
		dropped = st.JournalDropped()
	})
	assert.DeepEqual(t, kept, []string{"k4990", "k4991", "k4992", "k4993", "k4994", "k4995", "k4996", "k4997", "k4998", "k4999"})
	assert.Equal(t, dropped, int64(4+1+4990))
}

func TestTopicCountsAreBounded(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 10, Journal: 10, Topics: 3})
	c := Conn{ID: 1, Addr: "10.0.0.1:1"}
	for i := range 3000 {
		send(s, c, fmt.Sprint("T", i), "x", "y")
	}
	send(s, c, "T2999", "z")
	var topics, msgs, all, last, first int64
	s.View(func(st *testState) {
		topics, msgs = st.TopicsDropped()
		all, last, first = st.Accepted(""), st.Accepted("T2999"), st.Accepted("T0")
	})
	assert.Equal(t, topics, int64(2997))
	assert.Equal(t, msgs, int64(2*2997))
	assert.Equal(t, all, int64(6001), "the total still counts the topics let go")
	assert.Equal(t, last, int64(3))
	assert.Equal(t, first, int64(0))
}

func TestClosedConnectionsSendCountsAreBounded(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 10, Journal: 10, ClosedConns: 2})
	for id := uint64(1); id <= 5000; id++ {
		s.Opened(id)
		send(s, Conn{ID: id, Addr: fmt.Sprint("10.0.0.1:", id), ClientID: fmt.Sprint("c@", id)}, "T", "x")
		if id != 3 {
			s.Closed(id)
		}
	}
	var conns, msgs int64
	var counts []SendCount
	var names int
	s.View(func(st *testState) {
		conns, msgs = st.SendCountsDropped()
		counts = st.SendCounts()
		names = len(st.names)
	})
	assert.Equal(t, conns, int64(4997))
	assert.Equal(t, msgs, int64(4997))
	ids := map[uint64]bool{}
	for _, c := range counts {
		ids[c.ConnID] = true
	}
	assert.DeepEqual(t, ids, map[uint64]bool{3: true, 4999: true, 5000: true})
	assert.Equal(t, names, 3)
}

func TestEachMessageNewest(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 10, Journal: 10})
	c := Conn{ID: 1, Addr: "10.0.0.1:1", ClientID: "c@1"}
	send(s, c, "T", "a", "b")
	send(s, c, "U", "c")
	send(s, c, "T", "d")
	var got []string
	s.View(func(st *testState) {
		st.EachMessageNewest("T", func(m *msg, clientID string) bool {
			got = append(got, m.body+"/"+clientID)
			return len(got) < 2
		})
	})
	assert.DeepEqual(t, got, []string{"d/c@1", "b/c@1"})
}

func TestMessagesBoundedByBytes(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 100, Journal: 10, MessageBytes: 10,
		MessageSize: func(m *msg) int { return 4 }})
	q := Queue{Topic: "T"}
	for range 5 {
		s.Send(Conn{ID: 1}, "PG", q, []int{1000}, []msg{{}}, func(int, int64, int64) {})
	}
	s.View(func(st *State[msg, string, string]) {
		n := 0
		st.EachMessageNewest("", func(*msg, string) bool { n++; return true })
		if n != 2 || st.MessageBytes() != 8 || st.MessagesDropped() != 3 || st.MessagesDroppedBytes() != 12 {
			t.Errorf("kept %d messages of %d bytes, dropped %d of %d bytes; want 2 of 8, dropped 3 of 12",
				n, st.MessageBytes(), st.MessagesDropped(), st.MessagesDroppedBytes())
		}
	})
}
