package testsuite

import (
	"context"
	"fmt"
	"time"
)

// Target is a broker and name server under test: the mock, a real
// RocketMQ cluster, or another mock.
type Target struct {
	// NameServer is the name server's "ip:port" (required).
	NameServer string
	// Broker is the broker's "ip:port"; empty means the master address in
	// the route of Topic.
	Broker string
	// Topic is the topic whose route names the broker and that the route
	// scenarios ask for (default TBW102, which a broker with
	// autoCreateTopicEnable registers).
	Topic string
	// Compat is the RocketMQ release the target claims to behave as.
	Compat Compat
	// Control reaches the target's test hooks; nil skips the scenarios
	// that need them. *mockbroker.Broker implements it, and so does the
	// client NewHTTPHooks returns for a control URL.
	Control Hooks
	// Clock moves the target's virtual clock; nil leaves expiry to real
	// time (see LongRunning). *mockbroker.Broker started WithVirtualClock
	// implements it.
	Clock Clock
	// LongRunning lets scenarios wait in real time for what takes minutes
	// on a real broker (expiry: about 130 s). Off, they are skipped unless
	// Clock is set.
	LongRunning bool
	// Timeout bounds each network step (default DefaultTimeout).
	Timeout time.Duration
}

// Compat is the RocketMQ release whose behaviour a target is held to
// where releases differ.
type Compat int

const (
	// Compat5 is RocketMQ 5.x (5.0.0 up to 5.3.3): heartbeat replies carry
	// extFields, emptied producer groups go away.
	Compat5 Compat = iota
	// Compat49 is RocketMQ 4.9.4 to 4.9.8: replies in the request's
	// serialize type, groups emptied by a close or expiry stay, empty.
	Compat49
)

// String returns "5" or "4.9".
func (c Compat) String() string {
	if c == Compat49 {
		return "4.9"
	}
	return "5"
}

// ParseCompat parses "5" or "4.9" (also "4.9.8", "5.3.3" and the like).
func ParseCompat(s string) (Compat, error) {
	switch {
	case s == "5" || len(s) > 2 && s[:2] == "5.":
		return Compat5, nil
	case s == "4.9" || len(s) > 4 && s[:4] == "4.9.":
		return Compat49, nil
	}
	return 0, fmt.Errorf("compat %q: want 5 or 4.9", s)
}

// Hooks are the test hooks scenarios use where the wire alone cannot make
// something happen. The method set is that of *mockbroker.Broker.
type Hooks interface {
	// CloseClient closes, from the broker's side, every connection on
	// which the client id registered a producer.
	CloseClient(clientID string) error
	// ExpireProducer drops the client's registration in a group now and
	// closes its connection, as the expiry scan does.
	ExpireProducer(group, clientID string) error
	// WaitProducers waits until the group has exactly n producers.
	WaitProducers(ctx context.Context, group string, n int) error
}

// Clock is a target's virtual clock: Advance moves it and runs the expiry
// scans that fall due on the way.
type Clock interface {
	Advance(d time.Duration)
}
