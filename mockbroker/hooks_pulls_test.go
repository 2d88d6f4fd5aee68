package mockbroker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// pullEntries returns the journal's PULL_MESSAGE entries, outcome, result,
// remark and messages only.
func pullEntries(b *Broker) []JournalEntry {
	var out []JournalEntry
	for _, e := range b.Journal() {
		if e.Code == protocol.PullMessage {
			out = append(out, JournalEntry{Opaque: e.Opaque, Outcome: e.Outcome, Result: e.Result, Remark: e.Remark, Messages: e.Messages})
		}
	}
	return out
}

func TestPullsAndTheJournalSayWhatEachPullReturned(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	c, p := dial(t, b.Addr()), dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	p.call(sendCmd("PG", "T", 0, "", []byte("one")))
	suspend := protocol.BuildPullSysFlag(false, true, false, false)

	found := c.call(pullCmd("CG", "T", 0, 0, suspend))
	assert.Equal(t, found.Remark, "FOUND")
	woken := c.send(pullCmd("CG", "T", 0, 1, suspend))
	eventually(t, func() bool { return b.holds.count() == 1 })
	p.call(sendCmd("PG", "T", 0, "", []byte("two")))
	assert.Equal(t, c.read().Opaque, woken)
	timedOut := c.send(pullCmd("CG", "T", 0, 2, suspend))
	eventually(t, func() bool { return b.holds.count() == 1 })
	b.Advance(15 * time.Second)
	assert.Equal(t, c.read().ResponseCode(), protocol.PullNotFound)
	released := c.send(pullCmd("CG", "T", 0, 2, suspend))
	eventually(t, func() bool { return b.holds.count() == 1 })
	c.Close()
	eventually(t, func() bool { return len(b.Pulls()) == 4 })

	want := []JournalEntry{
		{Opaque: found.Opaque, Outcome: OutcomeReplied, Result: protocol.Success, Remark: "FOUND", Messages: 1},
		{Opaque: woken, Outcome: OutcomeParked},
		{Opaque: woken, Outcome: OutcomeAnswered, Result: protocol.Success, Remark: "FOUND", Messages: 1},
		{Opaque: timedOut, Outcome: OutcomeParked},
		{Opaque: timedOut, Outcome: OutcomeAnswered, Result: protocol.PullNotFound, Remark: "OFFSET_OVERFLOW_ONE"},
		{Opaque: released, Outcome: OutcomeParked},
		{Opaque: released, Outcome: OutcomeReleased},
	}
	got := pullEntries(b)
	// A woken pull may be answered before its request is journaled.
	less := func(a, b JournalEntry) bool {
		return a.Opaque < b.Opaque || a.Opaque == b.Opaque && a.Outcome < b.Outcome
	}
	if d := cmp.Diff(want, got, cmpopts.SortSlices(less)); d != "" {
		t.Errorf("journal (-want +got):\n%s", d)
	}

	conn := b.Pulls()[0].Conn
	wantPulls := []PullRecord{
		{Time: start, Conn: conn, Opaque: found.Opaque, Group: "CG", Topic: "T", Offset: 0, MaxMsgNums: 32,
			Code: protocol.Success, Status: "FOUND", Messages: 1, NextBeginOffset: 1, MaxOffset: 1},
		{Time: start, Conn: conn, Opaque: woken, Group: "CG", Topic: "T", Offset: 1, MaxMsgNums: 32, Parked: true,
			Code: protocol.Success, Status: "FOUND", Messages: 1, NextBeginOffset: 2, MaxOffset: 2},
		{Time: start, Conn: conn, Opaque: timedOut, Group: "CG", Topic: "T", Offset: 2, MaxMsgNums: 32, Parked: true,
			Waited: 15 * time.Second, Code: protocol.PullNotFound, Status: "OFFSET_OVERFLOW_ONE", NextBeginOffset: 2, MaxOffset: 2},
		{Time: start.Add(15 * time.Second), Conn: conn, Opaque: released, Group: "CG", Topic: "T", Offset: 2, MaxMsgNums: 32,
			Parked: true, Released: true},
	}
	if d := cmp.Diff(wantPulls, b.Pulls()); d != "" {
		t.Errorf("Pulls (-want +got):\n%s", d)
	}
}

func TestParkedPullsReleasedByCloseAreJournaled(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	op := c.send(pullCmd("CG", "T", 0, 0, protocol.BuildPullSysFlag(false, true, false, false)))
	eventually(t, func() bool { return b.holds.count() == 1 })
	b.Close()
	pulls := b.Pulls()
	assert.Equal(t, len(pulls), 1)
	assert.Assert(t, pulls[0].Released && pulls[0].Opaque == op, "%+v", pulls[0])
	got := pullEntries(b)
	assert.Equal(t, got[len(got)-1].Outcome, OutcomeReleased, "%v", got)
}
