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
	"github.com/rocketmock/rocketmock/protocol"
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
	skipGoConsumerUnderRace(t)
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
	// The broker lists the consumer, as 38 answers it.
	conn := dialRaw(t, b.Addr())
	resp := roundTrip(t, conn, protocol.NewRequest(protocol.GetConsumerListByGroup, map[string]string{"consumerGroup": group}, nil))
	ids, err := protocol.DecodeGetConsumerListByGroupResponseBody(resp.Body)
	if err != nil || !slices.Equal(ids.ConsumerIDList, []string{clientID}) {
		t.Errorf("38 for %s: %s (%v), want [%s]", group, resp.Body, err, clientID)
	}
}

func TestGoPushConsumerTagFilter(t *testing.T) {
	t.Parallel()
	b := startRealClockBroker(t)
	const group, topic = "CG_GO_TAGS", "InteropTagTopic"
	prod, _ := startGoProducer(t, b.Addr(), "PG_GO_TAGS")
	_, _, got := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic, Expression: "TagA || TagC"})
	var want []string
	for i, tag := range []string{"TagA", "TagB", "TagC", "", "TagA", "TagB"} {
		bodies := goSendN(t, prod, topic, tag, fmt.Sprintf("%d-%s", i, tag), 2)
		if tag == "TagA" || tag == "TagC" {
			want = append(want, bodies...)
		}
	}
	msgs := got.waitCount(t, len(want), consumeTimeout)
	if have := got.bodies(); !slices.Equal(sorted(want), have) {
		t.Fatalf("received %v, want exactly %v", have, sorted(want))
	}
	for _, m := range msgs {
		if tag := m.GetTags(); tag != "TagA" && tag != "TagC" {
			t.Errorf("message %s has tag %q", m.Body, tag)
		}
	}
}

// A message whose consumption fails goes back (CONSUMER_SEND_MSG_BACK) to
// %RETRY%<group> and is delivered again with reconsumeTimes + 1, until
// maxReconsumeTimes: then it goes to %DLQ%<group>.
func TestGoPushConsumerRetryThenDeadLetter(t *testing.T) {
	t.Parallel()
	// Retries wait for their delay level (10 s, then 30 s): short levels
	// keep the test quick on the real clock.
	fast := make([]time.Duration, len(mockbroker.DefaultDelayLevels))
	for i := range fast {
		fast[i] = 100 * time.Millisecond
	}
	b := startRealClockBroker(t, mockbroker.WithDelayLevels(fast...))
	const group, topic = "CG_GO_RETRY", "InteropRetryTopic"
	prod, _ := startGoProducer(t, b.Addr(), "PG_GO_RETRY")
	_, _, got := startGoConsumer(t, b.Addr(), goConsumerConfig{
		Group: group, Topic: topic,
		Options: []consumer.Option{consumer.WithMaxReconsumeTimes(2)},
		Listen: func(m *primitive.MessageExt) consumer.ConsumeResult {
			if string(m.Body) == "poison-000" {
				return consumer.ConsumeRetryLater
			}
			return consumer.ConsumeSuccess
		},
	})
	goSendN(t, prod, topic, "", "fine", 1)
	goSendN(t, prod, topic, "", "poison", 1)
	msgs := got.waitCount(t, 1+3, consumeTimeout) // the poison: first delivery + 2 retries
	var times []int32
	var first *primitive.MessageExt
	for _, m := range msgs {
		if string(m.Body) != "poison-000" {
			continue
		}
		if first == nil {
			first = m
		}
		times = append(times, m.ReconsumeTimes)
		if m.Topic != topic {
			t.Errorf("a retried message reaches the listener under topic %q, want %q (RETRY_TOPIC)", m.Topic, topic)
		}
		if m.ReconsumeTimes > 0 {
			if m.GetProperty("RETRY_TOPIC") != topic || m.GetProperty("ORIGIN_MESSAGE_ID") != first.OffsetMsgId {
				t.Errorf("retry %d: RETRY_TOPIC %q ORIGIN_MESSAGE_ID %q, want %q and %q", m.ReconsumeTimes,
					m.GetProperty("RETRY_TOPIC"), m.GetProperty("ORIGIN_MESSAGE_ID"), topic, first.OffsetMsgId)
			}
		}
	}
	if !slices.Equal(times, []int32{0, 1, 2}) {
		t.Fatalf("poison delivered with reconsumeTimes %v, want [0 1 2]", times)
	}
	// The third failure dead-letters it: read %DLQ%<group> on the wire.
	dlq := "%DLQ%" + group
	var dead []*primitive.MessageExt
	eventually(t, 10*time.Second, "the dead letter", func() bool {
		dead = rawPull(t, b.Addr(), group, dlq, 0, 0)
		return len(dead) > 0
	})
	if len(dead) != 1 || string(dead[0].Body) != "poison-000" || dead[0].ReconsumeTimes != 3 ||
		dead[0].GetProperty("RETRY_TOPIC") != topic || dead[0].GetProperty("ORIGIN_MESSAGE_ID") != first.OffsetMsgId {
		t.Fatalf("dead letters %v", dead)
	}
}

// Two consumers of a group split the topic's 4 queues once the broker told
// the first of the second (NOTIFY_CONSUMER_IDS_CHANGED); when the broker
// closes one (CloseClient) the other is told again and takes every queue.
func TestGoPushConsumersSplitQueuesAndTakeOver(t *testing.T) {
	t.Parallel()
	b := startRealClockBroker(t)
	const group, topic = "CG_GO_SPLIT", "InteropSplitTopic"
	prod, _ := startGoProducer(t, b.Addr(), "PG_GO_SPLIT")
	goSendN(t, prod, topic, "", "warmup", 1) // creates the topic before the consumers ask for its route
	_, _, gotA := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic})
	gotA.waitCount(t, 1, consumeTimeout)
	cB, idB, gotB := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic})
	time.Sleep(time.Second) // both rebalance at once (B at Start, A on the notification)

	sent := goSendN(t, prod, topic, "", "split", 16)
	eventually(t, consumeTimeout, "16 messages split between the consumers", func() bool {
		return len(gotA.snapshot())-1+len(gotB.snapshot()) >= len(sent)
	})
	queuesA, queuesB := queueSet(gotA.snapshot()[1:]), queueSet(gotB.snapshot())
	if len(queuesA) != 2 || len(queuesB) != 2 {
		t.Fatalf("queues: A %v, B %v, want 2 each", queuesA, queuesB)
	}
	for q := range queuesA {
		if queuesB[q] {
			t.Fatalf("queue %d consumed by both: A %v, B %v", q, queuesA, queuesB)
		}
	}
	time.Sleep(6 * time.Second) // B commits its offsets (every 5 s) before the broker drops it

	if err := b.CloseClient(idB); err != nil {
		t.Fatalf("CloseClient(%s): %v", idB, err)
	}
	_ = cB.Shutdown() // the Go client would otherwise dial again and go on pulling
	time.Sleep(time.Second)
	before := len(gotA.snapshot())
	more := goSendN(t, prod, topic, "", "takeover", 16)
	eventually(t, consumeTimeout, "consumer A to receive every later message", func() bool {
		return len(gotA.snapshot())-before >= len(more)
	})
	if q := queueSet(gotA.snapshot()[before:]); len(q) != 4 {
		t.Fatalf("after CloseClient, A consumed queues %v, want all 4", q)
	}
}

func queueSet(msgs []*primitive.MessageExt) map[int]bool {
	out := map[int]bool{}
	for _, m := range msgs {
		out[m.Queue.QueueId] = true
	}
	return out
}

// A consumer restarted in the same group resumes at the offsets it
// committed (UPDATE_CONSUMER_OFFSET at shutdown, QUERY_CONSUMER_OFFSET at
// start): it gets only what was sent after.
func TestGoPushConsumerRestartResumes(t *testing.T) {
	t.Parallel()
	b := startRealClockBroker(t)
	const group, topic = "CG_GO_RESUME", "InteropResumeTopic"
	prod, _ := startGoProducer(t, b.Addr(), "PG_GO_RESUME")
	first := goSendN(t, prod, topic, "", "first", 8)
	c1, _, got1 := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic})
	got1.waitCount(t, len(first), consumeTimeout)
	if err := c1.Shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	eventually(t, 10*time.Second, "the committed offsets to cover the first messages", func() bool {
		var sum int64
		for q := range 4 {
			sum += rawOffset(t, b.Addr(), protocol.QueryConsumerOffset, group, topic, q)
		}
		return sum == int64(len(first))
	})
	second := goSendN(t, prod, topic, "", "second", 4)
	_, _, got2 := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic})
	got2.waitCount(t, len(second), consumeTimeout)
	if have := got2.bodies(); !slices.Equal(have, sorted(second)) {
		t.Fatalf("the restarted consumer received %v, want exactly %v", have, sorted(second))
	}
}

// rawPull pulls a queue once on a fresh connection, with the subscription
// in the request (no heartbeat needed), and decodes what it got.
func rawPull(t *testing.T, addr, group, topic string, queue int, offset int64) []*primitive.MessageExt {
	t.Helper()
	conn := dialRaw(t, addr)
	defer conn.Close()
	h := protocol.PullMessageRequestHeader{
		ConsumerGroup: group, Topic: topic, QueueID: int32(queue), QueueOffset: offset, MaxMsgNums: 32,
		SysFlag: protocol.BuildPullSysFlag(false, false, true, false), Subscription: "*", ExpressionType: "TAG",
	}
	resp := roundTrip(t, conn, protocol.NewRequest(protocol.PullMessage, h.Encode(), nil))
	if resp.ResponseCode() != protocol.Success {
		return nil
	}
	return primitive.DecodeMessage(resp.Body)
}

// rawOffset sends one offset request (14, 30 or 31) on a fresh connection;
// -1 when it is not answered with SUCCESS.
func rawOffset(t *testing.T, addr string, code protocol.RequestCode, group, topic string, queue int) int64 {
	t.Helper()
	conn := dialRaw(t, addr)
	defer conn.Close()
	ext := map[string]string{"topic": topic, "queueId": fmt.Sprint(queue)}
	if group != "" {
		ext["consumerGroup"] = group
	}
	resp := roundTrip(t, conn, protocol.NewRequest(code, ext, nil))
	if resp.ResponseCode() != protocol.Success {
		return -1
	}
	var h protocol.OffsetResponseHeader
	if err := h.Decode(resp.ExtFields); err != nil {
		t.Fatalf("offset reply %v: %v", resp.ExtFields, err)
	}
	return h.Offset
}

// An ali-ons consumer receives what an ali-ons producer sent.
func TestAliOnsConsumerReceivesWhatAliOnsSent(t *testing.T) {
	t.Parallel()
	b := startRealClockBroker(t)
	const group, topic, n = "CG_NODE_BASIC", "InteropNodeConsumeTopic", 5
	nc := startNodeProducerWith(t, nodeProducerConfig{
		Script: "consumer.js", NameSrv: b.Addr(), Group: group, Topic: topic, HeartbeatInterval: time.Second,
	})
	nc.waitStarted(nodeTimeout)
	np := startNodeProducer(t, b.Addr(), "PG_NODE_FOR_CONSUMER", topic, n)
	np.waitStarted(nodeTimeout)
	sent := map[string]bool{}
	for _, ev := range np.waitSent(n, nodeTimeout) {
		sent[ev.MsgID] = true
	}
	var bodies []string
	for range n {
		ev := nc.expect("received", consumeTimeout)
		if ev.Topic != topic || !sent[ev.MsgID] {
			t.Errorf("received %s: want topic %q and one of the sent msgIds %v", ev.Raw, topic, sent)
		}
		bodies = append(bodies, ev.Body)
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("hello from ali-ons #%d", i))
	}
	if !slices.Equal(sorted(bodies), want) {
		t.Fatalf("ali-ons consumer received %v, want %v", sorted(bodies), want)
	}
	np.Close(nodeTimeout)
	nc.Close(nodeTimeout)
}

// Two broadcasting consumers of one group each receive every message.
func TestGoPushConsumersBroadcasting(t *testing.T) {
	t.Parallel()
	b := startRealClockBroker(t)
	const group, topic = "CG_GO_BROADCAST", "InteropBroadcastTopic"
	prod, _ := startGoProducer(t, b.Addr(), "PG_GO_BROADCAST")
	goSendN(t, prod, topic, "", "warmup", 1)
	bc := []consumer.Option{consumer.WithConsumerModel(consumer.BroadCasting)}
	_, _, gotA := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic, Options: bc})
	_, _, gotB := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic, Options: bc})
	gotA.waitCount(t, 1, consumeTimeout)
	gotB.waitCount(t, 1, consumeTimeout)
	sent := append([]string{"warmup-000"}, goSendN(t, prod, topic, "", "all", 8)...)
	gotA.waitCount(t, len(sent), consumeTimeout)
	gotB.waitCount(t, len(sent), consumeTimeout)
	for name, got := range map[string]*received{"A": gotA, "B": gotB} {
		if have := got.bodies(); !slices.Equal(have, sorted(sent)) {
			t.Errorf("consumer %s received %v, want exactly %v", name, have, sorted(sent))
		}
	}
}

// skipGoConsumerUnderRace skips a test with a rocketmq-client-go push
// consumer under -race: v2.1.2 races with itself (SubscriptionData.Clone,
// read while rebalancing writes it: internal/model.go:70 against
// consumer.go's messageQueueChanged), which the race detector reports as a
// test failure however the broker behaves. test.sh runs the module a
// second time without -race.
func skipGoConsumerUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("rocketmq-client-go v2.1.2's push consumer has data races of its own; run without -race (test.sh does)")
	}
}
