// Package testsuite states, as runnable scenarios, what a RocketMQ broker
// and name server do on the wire, so that the mock and a real broker can be
// held to the same description.
//
// Run the suite from a Go test against any target:
//
//	b := mockbroker.Start(t, mockbroker.WithVirtualClock(time.Now()))
//	testsuite.Run(t, testsuite.Target{NameServer: b.Addr(), Control: b, Clock: b})
//
//	testsuite.Run(t, testsuite.Target{NameServer: "10.0.0.7:9876", Release: protocol.Release498})
//
// Each scenario is a subtest named after it (see Scenarios). Scenarios
// talk to the target only over the wire, through Conn, plus the target's
// hooks where it has them; a scenario that needs hooks or a virtual clock
// is skipped, with the reason, on a target without. Check runs the same
// scenarios outside `go test` and returns a report (`rocketmock check`).
//
// Replies are compared field by field, ignoring only what legitimately
// differs between brokers: client addresses as the broker sees them, the
// exact version within a release family, times and generated ids.
package testsuite
