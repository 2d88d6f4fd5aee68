package interop

// Real push consumers against rocketmock: rocketmq-client-go v2.1.2
// (in-process) and ali-ons 3.12.0 (node/consumer.js) receive what real
// producers sent.

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// consumeTimeout bounds how long a consumer test waits for deliveries: the
// Go consumer heartbeats and rebalances at Start, and a parked pull is
// answered as soon as a message arrives.
const consumeTimeout = 30 * time.Second

// startRealClockBroker starts a broker on real time: parked pulls time out
// after their suspendTimeoutMillis, as on a real broker.
func startRealClockBroker(t *testing.T, opts ...mockbroker.Option) *mockbroker.Broker {
	t.Helper()
	return mockbroker.Start(t, opts...)
}

// received collects what a consumer's listener got.
type received struct {
	mu    sync.Mutex
	msgs  []*primitive.MessageExt
	added chan struct{}
}

func newReceived() *received { return &received{added: make(chan struct{}, 1)} }

func (r *received) add(msgs ...*primitive.MessageExt) {
	r.mu.Lock()
	r.msgs = append(r.msgs, msgs...)
	r.mu.Unlock()
	select {
	case r.added <- struct{}{}:
	default:
	}
}

func (r *received) snapshot() []*primitive.MessageExt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

func (r *received) bodies() []string {
	var out []string
	for _, m := range r.snapshot() {
		out = append(out, string(m.Body))
	}
	sort.Strings(out)
	return out
}

// waitCount waits until at least n messages arrived, then a little longer
// to catch extra (duplicate or unexpected) deliveries.
func (r *received) waitCount(t *testing.T, n int, timeout time.Duration) []*primitive.MessageExt {
	t.Helper()
	deadline := time.After(timeout)
	for len(r.snapshot()) < n {
		select {
		case <-r.added:
		case <-deadline:
			t.Fatalf("timed out after %v: %d of %d messages received: %v", timeout, len(r.snapshot()), n, r.bodies())
		}
	}
	time.Sleep(300 * time.Millisecond)
	return r.snapshot()
}

// goConsumerConfig configures startGoConsumer.
type goConsumerConfig struct {
	Group      string
	Topic      string
	Expression string // tag expression; "" means "*"
	Instance   string // "" picks a fresh one
	Options    []consumer.Option
	// Listen answers each delivery; nil accepts everything.
	Listen func(*primitive.MessageExt) consumer.ConsumeResult
}

// startGoConsumer starts a rocketmq-client-go v2.1.2 push consumer
// (clustering) and returns it, its client id and what it receives. It is
// shut down when the test ends unless the test did it.
func startGoConsumer(t *testing.T, nameSrv string, cfg goConsumerConfig) (rocketmq.PushConsumer, string, *received) {
	t.Helper()
	quietGoClient()
	if cfg.Instance == "" {
		cfg.Instance = fmt.Sprintf("%d#c%d", os.Getpid(), goInstanceSeq.Add(1))
	}
	if cfg.Expression == "" {
		cfg.Expression = "*"
	}
	opts := append([]consumer.Option{
		consumer.WithNsResolver(primitive.NewPassthroughResolver([]string{nameSrv})),
		consumer.WithGroupName(cfg.Group),
		consumer.WithInstance(cfg.Instance),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	}, cfg.Options...)
	c, err := rocketmq.NewPushConsumer(opts...)
	if err != nil {
		t.Fatalf("rocketmq-client-go NewPushConsumer(%s): %v", cfg.Group, err)
	}
	got := newReceived()
	err = c.Subscribe(cfg.Topic, consumer.MessageSelector{Type: consumer.TAG, Expression: cfg.Expression},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			result := consumer.ConsumeSuccess
			for _, m := range msgs {
				got.add(m)
				if cfg.Listen != nil && cfg.Listen(m) != consumer.ConsumeSuccess {
					result = consumer.ConsumeRetryLater
				}
			}
			return result, nil
		})
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", cfg.Topic, err)
	}
	if err := c.Start(); err != nil {
		t.Fatalf("rocketmq-client-go push consumer %s Start: %v", cfg.Group, err)
	}
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { _ = c.Shutdown() }) })
	return c, goClientIP() + "@" + cfg.Instance, got
}

// goSendN sends n messages with bodies "<prefix>-<i>" (and the tag, if
// any) and returns the bodies.
func goSendN(t *testing.T, p rocketmq.Producer, topic, tag, prefix string, n int) []string {
	t.Helper()
	var bodies []string
	for i := range n {
		body := fmt.Sprintf("%s-%03d", prefix, i)
		m := primitive.NewMessage(topic, []byte(body))
		if tag != "" {
			m.WithTag(tag)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := p.SendSync(ctx, m)
		cancel()
		if err != nil || r.Status != primitive.SendOK {
			t.Fatalf("send %q: %v %v", body, r, err)
		}
		bodies = append(bodies, body)
	}
	return bodies
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func TestGoPushConsumerReceivesWhatGoProducerSent(t *testing.T) {
	t.Parallel()
	b := startRealClockBroker(t)
	const group, topic = "CG_GO_BASIC", "InteropConsumeTopic"
	prod, _ := startGoProducer(t, b.Addr(), "PG_GO_BASIC")
	sent := goSendN(t, prod, topic, "", "before", 10)

	_, clientID, got := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic})
	sent = append(sent, goSendN(t, prod, topic, "", "after", 10)...)

	msgs := got.waitCount(t, len(sent), consumeTimeout)
	if want, have := sorted(sent), got.bodies(); !slices.Equal(want, have) {
		t.Fatalf("received %d bodies %v, want exactly %v", len(have), have, want)
	}
	for _, m := range msgs {
		if m.Topic != topic || m.StoreHost != b.AdvertisedAddr() || !offsetMsgID.MatchString(m.OffsetMsgId) {
			t.Errorf("message %s: topic %q storeHost %q offsetMsgId %q", m.Body, m.Topic, m.StoreHost, m.OffsetMsgId)
		}
	}
	_ = clientID
}
