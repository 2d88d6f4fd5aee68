// Package mockbroker is a RocketMQ broker and name server for tests: real
// clients connect to it over TCP, unchanged, and tests watch and steer it.
//
//	b := mockbroker.Start(t)                       // 127.0.0.1:<free port>, closed by t.Cleanup
//	p := startMyProducer(b.Addr())                 // the name-server address; routes point back at b
//	err := b.WaitProducers(ctx, "PG_orders", 1)    // until the group has one connection
//	ps := b.Producers("PG_orders")                 // what 204 answers, plus last heartbeat times
//	err = b.CloseClient(ps[0].ClientID)            // the broker closes that client's TCP connection
//
//	b = mockbroker.Start(t, mockbroker.WithVirtualClock(time.Now()))
//	b.Advance(130 * time.Second)                   // the scan due at 130 s expires producers silent > 120 s
//
//	b.Intercept(protocol.SendMessageV2, mockbroker.FaultCode(protocol.SystemBusy, "busy"), mockbroker.Once())
//	msgs, err := b.WaitMessages(ctx, "TopicTest", 1) // what the broker accepted
//
// The examples below run these steps against a client made of the
// remoting package's Client.
//
// Consumers work too: a push consumer registers by heartbeat, asks for its
// group (38) and offsets (14, 30, 29), pulls (11) and commits (15), and
// receives what producers sent. Every accepted send goes to a message
// store (internal/store, bounded by WithStoreLimits) that numbers it for
// the send reply, pulls and offset message ids; a pull at the end of its
// queue is parked (long polling) and answered when a message arrives or at
// its suspend timeout (on the virtual clock: when Advance passes it).
// Messages consumers send back (36) go to %RETRY%<group>, after
// maxReconsumeTimes to %DLQ%<group>.
//
// One address serves the name-server codes (105, 106) and the broker codes
// (34, 35, 37, 204, 28, 328, sends, and the consumer codes 11, 14, 15, 29,
// 30, 31, 36, 38). Requests go through a remoting mux
// that each cmd_*.go file fills with its own codes, behind the journal,
// recover and interception middleware and, with WithACL, the access
// control of a 4.9.x broker. The producer table mirrors the Java
// broker's ProducerManager; WithRelease(protocol.Release498) gives 4.9.8
// behaviour where it differs. Journal, CheckTransaction and LoadFixture
// cover the rest; package controlapi serves the same operations over HTTP.
package mockbroker
