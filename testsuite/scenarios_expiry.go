package testsuite

import (
	"context"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// Expiry as the Java broker does it: ProducerManager.CHANNEL_EXPIRED_TIMEOUT
// (hard-coded) and the ClientHousekeepingService period.
const (
	producerExpiry = 120 * time.Second
	scanPeriod     = 10 * time.Second
)

func expiryAfterTimeout(t T, s *session) {
	switch {
	case s.target.Clock != nil:
		expiryVirtual(t, s)
	case s.target.LongRunning:
		expiryRealTime(t, s)
	default:
		t.Skipf("needs a virtual clock (Target.Clock; a mock's control API with a virtual clock) or the long-running option (Target.LongRunning, check --long): on a real clock expiry takes 120-130 s")
	}
}

func expiryVirtual(t T, s *session) {
	g := s.group(t)
	c1 := s.newClient(t, "c1", goClient)
	s.heartbeat(t, c1, g)
	s.target.Clock.Advance(producerExpiry - time.Second)
	admin := s.dialBroker(t)
	s.expectConnections(t, "204 after 119 s of silence", s.producerConnections(t, admin, g), c1)
	s.target.Clock.Advance(time.Second + scanPeriod + time.Second)
	if n, err := c1.WaitClosed(s.timeout); err != nil || n > 0 {
		t.Errorf("after 131 s of silence the broker must close the producer's connection: %v (%d bytes arrived)", err, n)
	}
	s.expectEmptied(t, s.dialBroker(t), g, "204 after 131 s of silence")
}

func expiryRealTime(t T, s *session) {
	g := s.group(t)
	admin := s.dialBroker(t)
	c1 := s.newClient(t, "c1", goClient)
	s.heartbeat(t, c1, g)
	start := time.Now()
	limit := producerExpiry + 2*scanPeriod
	t.Logf("waiting up to %v in real time for the broker to expire a silent producer", limit)
	for {
		time.Sleep(5 * time.Second)
		resp := s.producerConnections(t, admin, g) // the admin connection stays busy: no idle close
		pc, err := protocol.DecodeProducerConnection(resp.Body)
		present := resp.ResponseCode() == protocol.Success && err == nil && len(pc.ConnectionSet) > 0
		elapsed := time.Since(start)
		if !present {
			if elapsed < producerExpiry {
				t.Errorf("the producer was dropped after %v of silence, before the %v expiry", elapsed.Round(time.Second), producerExpiry)
			}
			t.Logf("dropped after %v", elapsed.Round(time.Second))
			break
		}
		if elapsed > limit || t.Context().Err() != nil {
			t.Fatalf("the producer is still registered after %v of silence", elapsed.Round(time.Second))
		}
	}
	if n, err := c1.WaitClosed(s.timeout); err != nil || n > 0 {
		t.Errorf("the broker must close an expired producer's connection: %v (%d bytes arrived)", err, n)
	}
	s.expectEmptied(t, admin, g, "204 after expiry")
}

// needHooks skips the scenario on a target without hooks.
func (s *session) needHooks(t T) Hooks {
	t.Helper()
	if s.target.Control == nil {
		t.Skipf("needs the target's hooks (Target.Control, check --control); a real broker has none")
	}
	return s.target.Control
}

// waitProducers calls the WaitProducers hook with the session timeout.
func (s *session) waitProducers(t T, h Hooks, group string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), s.timeout)
	defer cancel()
	if err := h.WaitProducers(ctx, group, n); err != nil {
		t.Fatalf("WaitProducers(%s, %d): %v", group, n, err)
	}
}

func hooksCloseClient(t T, s *session) {
	h := s.needHooks(t)
	g, admin, c1, c2 := s.twoProducers(t, goClient, java533)
	s.waitProducers(t, h, g, 2)
	if err := h.CloseClient(c1.id); err != nil {
		t.Fatalf("CloseClient(%s): %v", c1.id, err)
	}
	if n, err := c1.WaitClosed(s.timeout); err != nil || n > 0 {
		t.Errorf("CloseClient must close the connection: %v (%d bytes arrived)", err, n)
	}
	s.waitProducers(t, h, g, 1)
	s.expectConnections(t, "204 after CloseClient(c1)", s.producerConnections(t, admin, g), c2)
	if err := h.CloseClient(c1.id + "_unknown"); err == nil {
		t.Errorf("CloseClient of a client id with no connection: want an error")
	}
}

func hooksExpireProducer(t T, s *session) {
	h := s.needHooks(t)
	g, admin, c1, c2 := s.twoProducers(t, goClient, goClient)
	if err := h.ExpireProducer(g, c1.id); err != nil {
		t.Fatalf("ExpireProducer(%s, %s): %v", g, c1.id, err)
	}
	if n, err := c1.WaitClosed(s.timeout); err != nil || n > 0 {
		t.Errorf("ExpireProducer must close the connection as the scan does: %v (%d bytes arrived)", err, n)
	}
	s.waitProducers(t, h, g, 1)
	s.expectConnections(t, "204 after ExpireProducer(c1)", s.producerConnections(t, admin, g), c2)
	if err := h.ExpireProducer(g, c1.id); err == nil {
		t.Errorf("ExpireProducer of a client no longer in the group: want an error")
	}
	if err := h.ExpireProducer(g, c2.id); err != nil {
		t.Fatalf("ExpireProducer(%s, %s): %v", g, c2.id, err)
	}
	s.expectEmptied(t, admin, g, "204 after the last producer expired")
}
