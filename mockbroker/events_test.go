package mockbroker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// An interception that acts on a request, and a move of the virtual
// clock, reach the subscriptions; a plain Pass does not. An expiry says
// after how long.
func TestSubscribeFaultFiredAndClockAdvanced(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	sub := b.Subscribe()
	defer sub.Close()

	b.Intercept(protocol.HeartBeat, func(*Request) Action { return Pass() }) // declines: no event
	b.Intercept(protocol.SendMessage, FaultCode(protocol.SystemBusy, "busy"), Times(1))
	resp := c.call(sendCmd("PG", "T", 0, "", []byte("x")))
	assert.Equal(t, resp.Code, int32(protocol.SystemBusy))
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	assert.NilError(t, b.AdvanceClock(time.Second))
	b.Advance(130 * time.Second)

	var got []ProducerEvent
	for len(got) < 6 {
		ev, err := sub.Next(ctxT(t))
		assert.NilError(t, err)
		got = append(got, ev)
	}
	want := []ProducerEvent{
		{Kind: EventFaultFired, Group: "PG", ClientID: "c@1", RemoteAddr: c.LocalAddr(), ConnID: 1, Time: start,
			Code: protocol.SendMessage, Action: "respond-code 2"},
		{Kind: EventRefreshed, Group: "PG", ClientID: "c@1", RemoteAddr: c.LocalAddr(), ConnID: 1, Time: start},
		{Kind: EventClockAdvanced, Time: start.Add(time.Second), Advanced: time.Second},
		{Kind: EventExpired, Group: "PG", ClientID: "c@1", RemoteAddr: c.LocalAddr(), ConnID: 1, Time: start.Add(130 * time.Second),
			Expiry: 120 * time.Second},
		{Kind: EventGroupRemoved, Group: "PG", Time: start.Add(130 * time.Second)},
		{Kind: EventClockAdvanced, Time: start.Add(131 * time.Second), Advanced: 130 * time.Second},
	}
	assert.DeepEqual(t, got, want, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }))
}

// Each kind has one role and a name.
func TestEventKindRoles(t *testing.T) {
	tests := []struct {
		kind                             ProducerEventKind
		name                             string
		producer, consumer, fault, clock bool
	}{
		{EventRegistered, "registered", true, false, false, false},
		{EventGroupRemoved, "group-removed", true, false, false, false},
		{EventConsumerRegistered, "consumer-registered", false, true, false, false},
		{EventRebalanceNotified, "rebalance-notified", false, true, false, false},
		{EventFaultFired, "fault-fired", false, false, true, false},
		{EventClockAdvanced, "clock-advanced", false, false, false, true},
		{ProducerEventKind(0), "ProducerEventKind(0)", false, false, false, false},
		{ProducerEventKind(203), "ProducerEventKind(203)", false, false, false, false},
	}
	for _, tt := range tests {
		got := []any{tt.kind.String(), tt.kind.Producer(), tt.kind.Consumer(), tt.kind.Fault(), tt.kind.Clock()}
		assert.DeepEqual(t, got, []any{tt.name, tt.producer, tt.consumer, tt.fault, tt.clock})
	}
}

// A subscription hands out every event once, in order, however reads and
// publishes interleave (the queue reuses the space read).
func TestSubscriptionQueueKeepsOrder(t *testing.T) {
	b := Start(t)
	sub := b.Subscribe()
	defer sub.Close()
	next := 0
	for round := range 200 {
		for range round % 37 {
			b.events.publish(ProducerEvent{Kind: EventClockAdvanced, Advanced: time.Duration(next + sub.pending())})
		}
		for range round % 23 {
			if sub.pending() == 0 {
				break
			}
			ev, err := sub.Next(ctxT(t))
			assert.NilError(t, err)
			assert.Equal(t, ev.Advanced, time.Duration(next))
			next++
		}
	}
	for sub.pending() > 0 {
		ev, err := sub.Next(ctxT(t))
		assert.NilError(t, err)
		assert.Equal(t, ev.Advanced, time.Duration(next))
		next++
	}
	assert.Assert(t, next > 3000, "%d events", next)
}

// pending returns how many events wait to be read.
func (s *Subscription) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) - s.head
}
