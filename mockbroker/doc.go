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
//	b.Advance(121 * time.Second)                   // the due scans expire silent producers
//
//	b.Intercept(protocol.SendMessage, mockbroker.FaultCode(protocol.SystemBusy, "busy"), mockbroker.Once())
//	msgs, err := b.WaitMessages(ctx, "TopicTest", 1) // what the broker accepted
//
// One address serves the name-server codes (105, 106) and the broker codes
// (34, 35, 37, 204, 28, 328, sends). The producer table mirrors the Java
// broker's ProducerManager; WithRelease(protocol.Release498) gives 4.9.8
// behaviour where it differs. Journal, CheckTransaction and LoadFixture cover the rest;
// package controlapi serves the same operations over HTTP.
package mockbroker
