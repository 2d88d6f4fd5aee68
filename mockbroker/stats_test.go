package mockbroker

import (
	"context"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
	"gotest.tools/v3/assert"
)

// Every request the broker received is counted once by code and result,
// whatever became of it; what the broker sent and responses it ignored
// are not requests it received.
func TestRequestCountsByCodeAndResult(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	b.Intercept(protocol.GetBrokerClusterInfo, FaultCode(protocol.SystemBusy, "busy"), Once())
	c.call(clusterInfoCmd())
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { return Drop() }, Once())
	c.send(clusterInfoCmd())
	oneway := clusterInfoCmd()
	oneway.Flag = protocol.FlagOneway
	c.send(oneway)
	c.call(&protocol.Command{Code: 9999})
	c.send(protocol.NewResponse(&protocol.Command{}, protocol.SystemError, "stray"))
	c.call(clusterInfoCmd())

	// A parked pull counts once: when answered (here by its timeout).
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read() // the rebalance notice of the new consumer
	suspend := protocol.BuildPullSysFlag(false, true, false, false)
	c.send(pullCmd("CG", "T", 0, 0, suspend))
	eventually(t, func() bool { return b.ParkedPulls() == 1 })
	assert.Equal(t, countOf(b, protocol.PullMessage), int64(0), "a parked pull is not counted yet")
	b.Advance(15 * time.Second)
	assert.Equal(t, c.read().ResponseCode(), protocol.PullNotFound)
	eventually(t, func() bool { return countOf(b, protocol.PullMessage) == 1 })
	assert.Equal(t, b.ParkedPulls(), 0)

	want := []RequestCount{
		{Code: protocol.PullMessage, Outcome: OutcomeReplied, Result: protocol.PullNotFound, Count: 1},
		{Code: protocol.HeartBeat, Outcome: OutcomeReplied, Result: protocol.Success, Count: 3},
		{Code: protocol.GetBrokerClusterInfo, Outcome: OutcomeReplied, Result: protocol.Success, Count: 1},
		{Code: protocol.GetBrokerClusterInfo, Outcome: OutcomeReplied, Result: protocol.SystemBusy, Count: 1},
		{Code: protocol.GetBrokerClusterInfo, Outcome: OutcomeNoReply, Oneway: true, Count: 1},
		{Code: protocol.GetBrokerClusterInfo, Outcome: OutcomeDropped, Count: 1},
		{Code: 9999, Outcome: OutcomeReplied, Result: protocol.RequestCodeNotSupported, Count: 1},
	}
	got := b.RequestCounts()
	assert.DeepEqual(t, got, want)
	var names []string
	for _, rc := range got {
		names = append(names, rc.ResultName())
	}
	assert.DeepEqual(t, names, []string{"PULL_NOT_FOUND", "SUCCESS", "SUCCESS", "SYSTEM_BUSY", "oneway", "dropped", "REQUEST_CODE_NOT_SUPPORTED"})
	assert.Equal(t, b.RequestCountsDropped(), int64(0))

	b.ClearJournal()
	assert.DeepEqual(t, b.RequestCounts(), want) // counts outlive the journal
}

func countOf(b *Broker, code protocol.RequestCode) int64 {
	var n int64
	for _, rc := range b.RequestCounts() {
		if rc.Code == code {
			n += rc.Count
		}
	}
	return n
}

// Past maxRequestKeys (code, result) pairs, requests of new pairs are only
// counted as dropped; known pairs go on counting.
func TestRequestCountsAreBounded(t *testing.T) {
	s := new(requestStats)
	for code := range protocol.RequestCode(maxRequestKeys + 10) {
		s.count(&JournalEntry{Code: code, Outcome: OutcomeReplied, Result: protocol.SystemError})
	}
	s.count(&JournalEntry{Code: 0, Outcome: OutcomeReplied, Result: protocol.SystemError})
	s.count(&JournalEntry{Code: 0, Outcome: OutcomeSent})    // not a request received
	s.count(&JournalEntry{Code: 0, Outcome: OutcomeParked})  // counted once answered
	s.count(&JournalEntry{Code: 0, Outcome: OutcomeIgnored}) // a response
	s.count(&JournalEntry{Code: 0, Outcome: OutcomeAnswered, Result: protocol.SystemError})
	assert.Equal(t, len(s.counts), maxRequestKeys)
	assert.Equal(t, s.dropped, int64(10))
	assert.Equal(t, s.counts[requestKey{code: 0, outcome: OutcomeReplied, result: protocol.SystemError}], int64(3))

	// SUCCESS replies to low codes are counted apart, whatever the map holds.
	for _, code := range []protocol.RequestCode{0, fastCodes - 1, fastCodes, -1} {
		s.count(&JournalEntry{Code: code, Outcome: OutcomeReplied, Result: protocol.Success})
	}
	s.count(&JournalEntry{Code: 1, Outcome: OutcomeAnswered, Result: protocol.Success})
	assert.Equal(t, s.success[0].Load(), int64(1))
	assert.Equal(t, s.success[1].Load(), int64(1))
	assert.Equal(t, s.success[fastCodes-1].Load(), int64(1))
	assert.Equal(t, s.dropped, int64(12), "codes %d and -1 go to the full map", fastCodes)
}

func TestRequestCountingAllocatesNothingForAKnownPair(t *testing.T) {
	s := new(requestStats)
	for _, e := range []*JournalEntry{
		{Code: protocol.SendMessage, Outcome: OutcomeReplied},
		{Code: protocol.SendMessage, Outcome: OutcomeReplied, Result: protocol.SystemBusy},
	} {
		s.count(e)
		assert.Equal(t, testing.AllocsPerRun(100, func() { s.count(e) }), 0.0)
	}
}

func TestConnectionsAndLoopLag(t *testing.T) {
	b := Start(t, WithEventLoops(2))
	lag, err := b.LoopLag(t.Context())
	assert.NilError(t, err)
	assert.Equal(t, lag, time.Duration(0), "no loop is known before the first connection")
	assert.Equal(t, b.Connections(), 0)

	c1, c2 := dial(t, b.Addr()), dial(t, b.Addr())
	c1.call(clusterInfoCmd())
	c2.call(clusterInfoCmd())
	assert.Equal(t, b.Connections(), 2)
	lag, err = b.LoopLag(t.Context())
	assert.NilError(t, err)
	assert.Assert(t, lag > 0 && lag < time.Second, "lag %v", lag)

	// A loop held by a slow handler shows its wait.
	entered, hold := make(chan struct{}), make(chan struct{})
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { close(entered); <-hold; return Pass() }, Once())
	c1.send(clusterInfoCmd())
	<-entered
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	lag, err = b.LoopLag(ctx)
	cancel()
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Assert(t, lag >= 50*time.Millisecond, "lag %v", lag)
	close(hold)
	c1.read()

	c1.Close()
	c2.Close()
	eventually(t, func() bool { return b.Connections() == 0 })
	_, err = b.LoopLag(t.Context())
	assert.NilError(t, err, "loops without connections are still measured")
	b.Close()
	_, err = b.LoopLag(t.Context())
	assert.ErrorIs(t, err, remoting.ErrServerClosed)
}

// BenchmarkRequestCount is what counting adds to each request.
func BenchmarkRequestCount(b *testing.B) {
	for _, bc := range []struct {
		name string
		e    JournalEntry
	}{
		{"success", JournalEntry{Code: protocol.SendMessage, Outcome: OutcomeReplied}},
		{"other", JournalEntry{Code: protocol.SendMessage, Outcome: OutcomeReplied, Result: protocol.SystemBusy}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := new(requestStats)
			for b.Loop() {
				s.count(&bc.e)
			}
		})
	}
}
