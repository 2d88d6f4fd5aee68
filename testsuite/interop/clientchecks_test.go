package interop

// The client checks of clientcheck.Watch, run on the real clients.
// What they find is recorded here and in CLIENTS.md.

import (
	"testing"

	"github.com/rocketmock/rocketmock/clientcheck"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// rocketmq-client-go v2.1.2 never sends UNREGISTER_CLIENT: Shutdown just
// closes its connections, which the watch reports. Its headers are clean.
func TestClientChecksGoProducer(t *testing.T) {
	w := clientcheck.NewWatch()
	b := mockbroker.Start(t, w.Option())
	w.Watch(b)
	prod, clientID := startGoProducer(t, b.Addr(), "PG_checks_go")
	goSend(t, prod, "TopicChecks", "hello")
	waitProducers(t, b, "PG_checks_go", 1, goRegisterTimeout)
	if err := prod.Shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	waitProducers(t, b, "PG_checks_go", 0, goRegisterTimeout)
	eventually(t, nodeTimeout, "a close-without-unregister finding", func() bool {
		return len(w.Report().Of(clientcheck.CheckCloseWithoutUnregister)) > 0
	})
	r := w.Report()
	t.Logf("rocketmq-client-go v2.1.2:\n%s", r)
	if f := r.Of(clientcheck.CheckCloseWithoutUnregister); f[0].ClientID != clientID {
		t.Errorf("finding for %q, want the producer %q", f[0].ClientID, clientID)
	}
	for _, check := range []string{clientcheck.CheckNonStringExtFields, clientcheck.CheckDuplicateOpaque} {
		if f := r.Of(check); len(f) > 0 {
			t.Errorf("unexpected %s findings: %v", check, f)
		}
	}
}

// ali-ons 3.12.0 writes numbers and booleans as extFields values in its
// SEND_MESSAGE_V2 headers, and unregisters before it closes.
func TestClientChecksAliOnsProducer(t *testing.T) {
	w := clientcheck.NewWatch()
	b := mockbroker.Start(t, w.Option())
	w.Watch(b)
	np := startNodeProducerWith(t, nodeProducerConfig{
		NameSrv: b.Addr(), Group: "PG_checks_node", Topic: "TopicChecks", Count: 1, HeartbeatInterval: 1e9,
	})
	np.waitStarted(nodeTimeout)
	np.waitSent(1, nodeTimeout)
	waitProducers(t, b, "PG_checks_node", 1, nodeTimeout)
	np.closeProducer(nodeTimeout)
	waitProducers(t, b, "PG_checks_node", 0, nodeTimeout)
	np.Close(nodeTimeout)
	r := w.Report()
	t.Logf("ali-ons 3.12.0:\n%s", r)
	if len(r.Of(clientcheck.CheckNonStringExtFields)) == 0 {
		t.Errorf("want a %s finding for ali-ons' SEND_MESSAGE_V2 header", clientcheck.CheckNonStringExtFields)
	}
	for _, f := range r.Of(clientcheck.CheckCloseWithoutUnregister) {
		t.Errorf("ali-ons unregisters before closing, yet: %v", f)
	}
}
