package mockbroker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// nextKinds reads events until it has n consumer ones and returns their
// kinds and client ids.
func nextConsumerEvents(t *testing.T, sub *Subscription, n int) []ProducerEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var out []ProducerEvent
	for len(out) < n {
		ev, err := sub.Next(ctx)
		assert.NilError(t, err, "consumer events so far: %v", out)
		if ev.Kind.Consumer() {
			out = append(out, ev)
		}
	}
	return out
}

func kindsOf(evs []ProducerEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind.String() + " " + ev.ClientID
	}
	return out
}

func TestConsumersHooks(t *testing.T) {
	b := Start(t)
	sub := b.Subscribe()
	defer sub.Close()
	c1, c2 := dial(t, b.Addr()), dial(t, b.Addr())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	waited := make(chan error, 1)
	go func() { waited <- b.WaitConsumers(ctx, "CG", 2) }()
	registerConsumer(t, b, c1, "CG", "c@1", "T1", "T2")
	registerConsumer(t, b, c2, "CG", "c@2", "T1", "T2")
	assert.NilError(t, <-waited)
	assert.DeepEqual(t, b.ConsumerGroups(), []string{"CG"})
	got := b.Consumers("CG")
	assert.Equal(t, len(got), 2)
	assert.Equal(t, got[0].ClientID, "c@1")
	assert.Equal(t, got[0].Addr, c1.LocalAddr())
	assert.Equal(t, got[0].Language, "JAVA")
	assert.Equal(t, got[0].MessageModel, "CLUSTERING")
	assert.Equal(t, got[0].ConsumeType, "CONSUME_PASSIVELY")
	assert.DeepEqual(t, got[1].Subscriptions, []ConsumerSubscription{
		{Topic: "T1", SubString: "*", ExpressionType: "TAG", SubVersion: 7},
		{Topic: "T2", SubString: "*", ExpressionType: "TAG", SubVersion: 7}})
	assert.Assert(t, b.Consumers("none") == nil)
	assert.DeepEqual(t, kindsOf(nextConsumerEvents(t, sub, 2)), []string{"consumer-registered c@1", "consumer-registered c@2"})

	err := b.ExpireConsumer("CG", "nobody")
	assert.Assert(t, errors.Is(err, ErrUnknownConsumer) && !errors.Is(err, ErrUnknownGroup), "%v", err)
	err = b.ExpireConsumer("nogroup", "c@1")
	assert.Assert(t, errors.Is(err, ErrUnknownConsumer) && errors.Is(err, ErrUnknownGroup), "%v", err)

	// Expired: dropped and closed, the rest not notified.
	assert.NilError(t, b.ExpireConsumer("CG", "c@1"))
	assert.DeepEqual(t, kindsOf(nextConsumerEvents(t, sub, 1)), []string{"consumer-expired c@1"})
	_, err = c1.tryRead(2 * time.Second)
	assert.Assert(t, err != nil, "the expired consumer's connection stays open")
	assert.NilError(t, b.WaitConsumers(ctx, "CG", 1))

	// CloseClient closes consumer connections too.
	assert.NilError(t, b.CloseClient("c@2"))
	assert.NilError(t, b.WaitConsumers(ctx, "CG", 0))
	assert.DeepEqual(t, kindsOf(nextConsumerEvents(t, sub, 2)), []string{"consumer-closed c@2", "consumer-group-removed "})
	assert.Assert(t, errors.Is(b.CloseClient("c@2"), ErrUnknownClient))
	assert.DeepEqual(t, b.ConsumerGroups(), []string{})
}

func TestConsumerRebalanceNotifiedEvent(t *testing.T) {
	b := Start(t)
	sub := b.Subscribe()
	defer sub.Close()
	c := dial(t, b.Addr())
	b.consumers.Register(consumers.Registration{Group: "CG", NotifyEnabled: true, MessageModel: consumers.Clustering,
		Client:        consumers.ClientInfo{Channel: connOfClient(t, b, c), ClientID: "c@1"},
		Subscriptions: []consumers.Subscription{{Topic: "T1", SubString: "*"}}})
	evs := nextConsumerEvents(t, sub, 2)
	assert.DeepEqual(t, kindsOf(evs), []string{"consumer-registered c@1", "rebalance-notified "})
	assert.Equal(t, evs[1].RemoteAddr, c.LocalAddr())
	notify := c.read()
	assert.Equal(t, notify.RequestCode(), protocol.NotifyConsumerIDsChanged)
}

func TestConsumerOffsetsHooks(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_000)
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel), WithVirtualClock(start))
			for i := range 5 {
				if i == 3 {
					b.Advance(time.Second)
				}
				_, err := b.store.Append("T1", int32(i%2), []store.Message{{MessageExt: protocol.MessageExt{Body: []byte("x")}}})
				assert.NilError(t, err)
			}
			assert.DeepEqual(t, b.ConsumerOffsets("CG"), []ConsumerOffset(nil))
			assert.NilError(t, b.SetConsumerOffset("CG", "T1", 0, 2))
			assert.DeepEqual(t, b.ConsumerOffsets("CG"), []ConsumerOffset{
				{Topic: "T1", QueueID: 0, Offset: 2, MaxOffset: 3, Lag: 1},
				{Topic: "T1", QueueID: 1, Offset: -1, MaxOffset: 2, Lag: 2},
				{Topic: "T1", QueueID: 2, Offset: -1},
				{Topic: "T1", QueueID: 3, Offset: -1},
			})
			assert.Assert(t, errors.Is(b.SetConsumerOffset("CG", "nope", 0, 1), ErrUnknownTopic))
			assert.Assert(t, errors.Is(b.SetConsumerOffset("CG", "T1", 0, -1), ErrInvalidOffset))
			assert.Assert(t, errors.Is(b.SetConsumerOffset("CG", "T1", 9, 1), ErrInvalidOffset))

			// Messages 0..2 at start, 3 and 4 (queue 1 offset 1, queue 0
			// offset 2) one second later.
			got, err := b.ResetConsumerOffsets("CG", "T1", start.Add(time.Second))
			assert.NilError(t, err)
			assert.DeepEqual(t, got, map[int32]int64{0: 2, 1: 1, 2: 0, 3: 0})
			_, err = b.ResetConsumerOffsets("CG", "nope", start)
			assert.Assert(t, errors.Is(err, ErrUnknownTopic))

			// On 5.x the resets wait for the consumer's pulls, which take
			// them; commits are ignored until then.
			for q := range int32(4) {
				b.store.TakeReset("CG", "T1", q)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- b.WaitConsumed(ctx, "CG", "T1", 5) }()
			b.store.CommitOffset("CG", "T1", 0, 3)
			select {
			case err := <-done:
				t.Fatalf("WaitConsumed returned at 4 of 5: %v", err)
			case <-time.After(20 * time.Millisecond):
			}
			b.store.CommitOffset("CG", "T1", 1, 2)
			assert.NilError(t, <-done)

			short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel2()
			err = b.WaitConsumed(short, "CG", "T1", 6)
			assert.Assert(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
			assert.ErrorContains(t, err, "it committed 5")
		})
	}
}
