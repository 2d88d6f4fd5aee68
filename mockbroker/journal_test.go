package mockbroker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func TestJournalRecordsOutcomes(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	c.call(sendCmd("PG", "T", 0, "", []byte("before heartbeat")))
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	b.Intercept(protocol.GetBrokerClusterInfo, FaultCode(protocol.SystemBusy, "busy"), Once())
	c.call(clusterInfoCmd())
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { return Drop().After(time.Millisecond) }, Once())
	c.send(clusterInfoCmd())
	oneway := clusterInfoCmd()
	oneway.Flag = protocol.FlagOneway
	c.send(oneway)
	c.call(&protocol.Command{Code: 9999})
	// A response nobody asked for is ignored and journaled.
	c.send(protocol.NewResponse(&protocol.Command{}, protocol.SystemError, "stray"))
	c.call(clusterInfoCmd())

	id := uint64(1)
	conn := ConnInfo{ID: id, Addr: localAddr(c), ClientID: "c@1"}
	anon := conn
	anon.ClientID = ""
	want := []JournalEntry{
		{Seq: 1, Time: start, Conn: anon, Code: protocol.SendMessage, Opaque: 1, Outcome: OutcomeReplied, Result: protocol.Success},
		{Seq: 2, Time: start, Conn: anon, Code: protocol.HeartBeat, Opaque: 2, Outcome: OutcomeReplied, Result: protocol.Success},
		{Seq: 3, Time: start, Conn: conn, Code: protocol.GetBrokerClusterInfo, Opaque: 3, Outcome: OutcomeReplied, Result: protocol.SystemBusy, Remark: "busy", Intercepted: true},
		{Seq: 4, Time: start, Conn: conn, Code: protocol.GetBrokerClusterInfo, Opaque: 4, Outcome: OutcomeDropped, Intercepted: true, Delay: time.Millisecond},
		{Seq: 5, Time: start, Conn: conn, Code: protocol.GetBrokerClusterInfo, Opaque: 5, Oneway: true, Outcome: OutcomeNoReply},
		{Seq: 6, Time: start, Conn: conn, Code: 9999, Opaque: 6, Outcome: OutcomeReplied, Result: protocol.RequestCodeNotSupported, Remark: " request type 9999 not supported"},
		{Seq: 7, Time: start, Conn: conn, Opaque: 7, Outcome: OutcomeIgnored, Result: protocol.SystemError, Remark: "stray"},
		{Seq: 8, Time: start, Conn: conn, Code: protocol.GetBrokerClusterInfo, Opaque: 8, Outcome: OutcomeReplied, Result: protocol.Success},
	}
	got := b.Journal()
	assert.DeepEqual(t, got, want, cmpopts.IgnoreFields(JournalEntry{}, "Duration"))
	assert.Equal(t, got[2].String(), `#3 conn 1 `+localAddr(c)+` (c@1) GET_BROKER_CLUSTER_INFO opaque 3: replied SYSTEM_BUSY "busy" (intercepted)`)
	assert.Equal(t, got[6].String(), `#7 conn 1 `+localAddr(c)+` (c@1) response SYSTEM_ERROR opaque 7: ignored`)

	b.ClearJournal()
	c.call(clusterInfoCmd())
	got = b.Journal()
	assert.Equal(t, len(got), 1)
	assert.Equal(t, got[0].Seq, uint64(9), "numbering goes on after ClearJournal")
}

func TestJournalIsBounded(t *testing.T) {
	b := Start(t, WithJournalLimit(3))
	c := dial(t, b.Addr())
	for range 5 {
		c.call(clusterInfoCmd())
	}
	var seqs []uint64
	for _, e := range b.Journal() {
		seqs = append(seqs, e.Seq)
	}
	assert.DeepEqual(t, seqs, []uint64{3, 4, 5})
	assert.Equal(t, b.JournalDropped(), int64(2))

	off := Start(t, WithJournalLimit(0))
	dial(t, off.Addr()).call(clusterInfoCmd())
	assert.Equal(t, len(off.Journal()), 0)
	assert.Equal(t, off.JournalDropped(), int64(1))
}
