package testsuite

import (
	"github.com/rocketmock/rocketmock/protocol"
)

// ident is how a client announces itself in the heartbeat header.
type ident struct {
	lang    protocol.LanguageCode
	version int32
}

// Real clients' idents.
var (
	goClient = ident{protocol.Go, int32(protocol.V4_5_2)}   // rocketmq-client-go v2
	java498  = ident{protocol.Java, int32(protocol.V4_9_8)} // Java client 4.9.8 (and ali-ons)
	java533  = ident{protocol.Java, int32(protocol.V5_3_3)} // Java client 5.3.3
)

func heartbeatRegisters(t T, s *session) {
	g := s.group(t)
	admin := s.dialBroker(t)
	c1 := s.newClient(t, "c1", goClient)
	resp := s.call(t, c1.Conn, c1.heartbeatRequest(s.target.Release, g))
	s.expectReply(t, "heartbeat", resp, s.heartbeatReply())
	s.expectConnections(t, "204 after the heartbeat", s.producerConnections(t, admin, g), c1)
	// A second connection of another language and version.
	c2 := s.newClient(t, "c2", java533)
	s.heartbeat(t, c2, g)
	s.expectConnections(t, "204 after a second producer", s.producerConnections(t, admin, g), c1, c2)
}

func producersAndGroups(t T, s *session) {
	a, b := s.group(t), s.group(t)
	admin := s.dialBroker(t)
	c1 := s.newClient(t, "c1", java498)
	c2 := s.newClient(t, "c2", goClient)
	c3 := s.newClient(t, "c3", java533)
	s.heartbeat(t, c1, a, b) // one heartbeat, two groups
	s.heartbeat(t, c2, a)
	s.heartbeat(t, c3, b)
	s.expectConnections(t, "204 group A", s.producerConnections(t, admin, a), c1, c2)
	s.expectConnections(t, "204 group B", s.producerConnections(t, admin, b), c1, c3)
}

func heartbeatRepeated(t T, s *session) {
	g := s.group(t)
	admin := s.dialBroker(t)
	c1 := s.newClient(t, "c1", java533)
	s.heartbeat(t, c1, g)
	s.heartbeat(t, c1, g)
	// A later heartbeat on the same connection with another client id,
	// language and version only refreshes the entry (registerProducer).
	other := *c1
	other.id, other.ident = c1.id+"_renamed", goClient
	s.heartbeat(t, &other, g)
	s.expectConnections(t, "204 after three heartbeats on one connection", s.producerConnections(t, admin, g), c1)
}

func unregisterRemoves(t T, s *session) {
	g, admin, c1, c2 := s.twoProducers(t, java533, java533)
	resp := s.unregister(t, c1.Conn, c1.id, g)
	want := wantReply(protocol.Success, "")
	want.ExtFields = map[string]string{} // built from UnregisterClientResponseHeader
	s.expectReply(t, "unregister c1", resp, want)
	s.expectConnections(t, "204 after unregistering c1", s.producerConnections(t, admin, g), c2)
	// The last one out takes the group with it, in 4.9.8 as in 5.x
	// (ProducerManager.unregisterProducer removes an emptied group).
	s.unregister(t, c2.Conn, c2.id, g)
	s.expectReply(t, "204 after unregistering the last producer", s.producerConnections(t, admin, g), groupMissing(g))
}

func unregisterOtherConnection(t T, s *session) {
	g := s.group(t)
	admin := s.dialBroker(t)
	c1 := s.newClient(t, "c1", java533)
	s.heartbeat(t, c1, g)
	// Another connection unregisters c1's client id: the broker removes
	// the channel the request came on, which is not in the group.
	resp := s.unregister(t, admin, c1.id, g)
	if resp.ResponseCode() != protocol.Success {
		t.Errorf("unregister from another connection: code %d, remark %q; want 0", resp.Code, resp.Remark)
	}
	s.expectConnections(t, "204 after an unregister from another connection", s.producerConnections(t, admin, g), c1)
}

func closeRemoves(t T, s *session) {
	g, admin, c1, c2 := s.twoProducers(t, goClient, goClient)
	c1.Close()
	s.waitConnections(t, admin, g, 1)
	s.expectConnections(t, "204 after c1 closed", s.producerConnections(t, admin, g), c2)
	c2.Close()
	s.expectEmptied(t, admin, g, "204 after the last producer closed")
}

func unknownGroup(t T, s *session) {
	g := s.group(t)
	admin := s.dialBroker(t)
	s.expectReply(t, "204 for an unknown group", s.producerConnections(t, admin, g), groupMissing(g))
}

// waitConnections polls 204 until the group lists n connections (a close
// reaches the broker's producer table a little after the FIN).
func (s *session) waitConnections(t T, admin *Conn, group string, n int) {
	t.Helper()
	var last *protocol.Command
	ok := s.eventually(t, func() bool {
		last = s.producerConnections(t, admin, group)
		if n == 0 && last.ResponseCode() == protocol.SystemError {
			return true
		}
		pc, err := protocol.DecodeProducerConnection(last.Body)
		return last.ResponseCode() == protocol.Success && err == nil && len(pc.ConnectionSet) == n
	})
	if !ok {
		t.Fatalf("group %s did not come to %d connections within %v; last 204 reply: code %d remark %q body %s",
			group, n, s.timeout, last.Code, last.Remark, last.Body)
	}
}

// expectEmptied waits for the group's last connection to go and checks
// what 204 then answers: code 1 under 5.x, which removes an emptied group;
// success with an empty set under 4.9, which keeps it.
func (s *session) expectEmptied(t T, admin *Conn, group, what string) {
	t.Helper()
	s.waitConnections(t, admin, group, 0)
	got := s.producerConnections(t, admin, group)
	if s.target.Release.KeepsEmptiedProducerGroups() {
		want := wantReply(protocol.Success, "")
		want.Body = `{"connectionSet":[]}`
		s.expectReply(t, what, got, want)
		return
	}
	s.expectReply(t, what, got, groupMissing(group))
}
