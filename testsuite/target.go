package testsuite

import (
	"context"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
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
	// Release is the RocketMQ release the target claims to behave as
	// where releases differ (protocol.Release533 unless set; any 5.x
	// broker passes as 5.3.3, 4.9.4 to 4.9.8 as protocol.Release498).
	Release protocol.Release
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
