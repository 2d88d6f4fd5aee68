package interop

// rocketmq-client-go v2.1.2 meets the broker's timed services under the
// virtual clock: the transaction check service resolves a transaction the
// producer left unknown, the schedule service delivers a delayed message
// and a retried one when Advance reaches their due time, and not before.

import (
	"context"
	"strings"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// quietPeriod is how long a test watches for a message that must not come.
const quietPeriod = time.Second

// startTimedBroker starts a broker on a virtual clock set to now (the
// clients' born timestamps are real time).
func startTimedBroker(t *testing.T, opts ...mockbroker.Option) *mockbroker.Broker {
	t.Helper()
	return mockbroker.Start(t, append([]mockbroker.Option{mockbroker.WithVirtualClock(time.Now())}, opts...)...)
}

// noMoreThan fails if the consumer received more than n messages within
// quietPeriod.
func noMoreThan(t *testing.T, got *received, n int, what string) {
	t.Helper()
	time.Sleep(quietPeriod)
	if len(got.snapshot()) > n {
		t.Fatalf("%s: received %v", what, got.bodies())
	}
}

// bodyListener is a primitive.TransactionListener for the check service:
// the local transaction stays undecided; a check of body "A" commits, of
// "B" rolls back, and of any other body hands the message to the test and
// blocks until hold is closed (after Shutdown; see checkListener for the
// client race this avoids: the client runs the checks one at a time, so
// the blocked one orders the earlier answers before Shutdown).
type bodyListener struct {
	checked chan *primitive.MessageExt
	hold    chan struct{}
}

func newBodyListener(t *testing.T) *bodyListener {
	l := &bodyListener{checked: make(chan *primitive.MessageExt, 4), hold: make(chan struct{})}
	t.Cleanup(func() { close(l.hold) }) // registered first: runs after the producer's Shutdown
	return l
}

func (l *bodyListener) ExecuteLocalTransaction(*primitive.Message) primitive.LocalTransactionState {
	return primitive.UnknowState
}

func (l *bodyListener) CheckLocalTransaction(m *primitive.MessageExt) primitive.LocalTransactionState {
	l.checked <- m
	switch string(m.Body) {
	case "A":
		return primitive.CommitMessageState
	case "B":
		return primitive.RollbackMessageState
	}
	<-l.hold
	return primitive.UnknowState
}

// The transaction check service checks the half messages a
// TransactionProducer left unknown once Advance passes its interval (60 s
// on 4.9.8, 30 s on 5.3.3); the committed one reaches a consumer, the
// rolled-back one never does.
func TestGoTransactionCheckedByService(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			b := startTimedBroker(t, mockbroker.WithRelease(rel))
			suffix := strings.ReplaceAll(rel.String(), ".", "_")
			group, topic, cgroup := "PG_TXSVC_"+suffix, "TopicTxSvc", "CG_TXSVC_"+suffix
			l := newBodyListener(t)
			opts, _ := goProducerOptions(b.Addr(), group)
			p, err := rocketmq.NewTransactionProducer(l, opts...)
			if err != nil {
				t.Fatal(err)
			}
			startGo(t, p, "TransactionProducer "+group)
			ctx, cancel := context.WithTimeout(context.Background(), goRegisterTimeout)
			defer cancel()
			send := func(body string) string {
				res, err := p.SendMessageInTransaction(ctx, primitive.NewMessage(topic, []byte(body)))
				if err != nil || res.State != primitive.UnknowState {
					t.Fatalf("SendMessageInTransaction(%s): %v %v", body, res, err)
				}
				if _, err := b.WaitEndTransaction(ctx, res.MsgID); err != nil {
					t.Fatal(err)
				}
				return res.MsgID
			}
			uniqA, uniqB := send("A"), send("B")
			if n := len(b.PendingTransactions()); n != 2 {
				t.Fatalf("%d pending transactions, want 2", n)
			}
			// The check needs the producer's registration: the client
			// heartbeats to the brokers it has routes for.
			waitProducers(t, b, group, 1, goRegisterTimeout)

			// 5.3.3 checks twice in 61 s: the second pass comes before the
			// client's answers to the first.
			b.Advance(61 * time.Second)
			seen := map[string]bool{}
			for len(seen) < 2 {
				select {
				case m := <-l.checked:
					seen[string(m.Body)] = true
				case <-ctx.Done():
					t.Fatalf("the service's checks did not reach the listener (saw %v)", seen)
				}
			}
			ends := map[string]mockbroker.TxState{}
			eventually(t, 10*time.Second, "the answers to the checks", func() bool {
				for _, e := range b.EndTransactions() {
					if e.FromCheck {
						ends[e.MsgID] = e.State
					}
				}
				return len(ends) == 2
			})
			if ends[uniqA] != mockbroker.TxCommit || ends[uniqB] != mockbroker.TxRollback {
				t.Fatalf("answers %v, want commit for %s and rollback for %s", ends, uniqA, uniqB)
			}
			if pend := b.PendingTransactions(); len(pend) != 0 {
				t.Fatalf("pending after the answers: %v", pend)
			}

			// A third, checked by RunTransactionCheck once older than the
			// 6 s timeout; its check blocks until Shutdown.
			uniqC := send("C")
			b.Advance(7 * time.Second)
			if run := b.RunTransactionCheck(); run.Checked != 1 {
				t.Fatalf("RunTransactionCheck = %+v, want one check", run)
			}
			for c := false; !c; {
				select {
				case m := <-l.checked:
					c = m.MsgId == uniqC // skipping repeated checks of A and B
				case <-ctx.Done():
					t.Fatal("the check of C did not reach the listener")
				}
			}

			_, _, got := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: cgroup, Topic: topic})
			msgs := got.waitCount(t, 1, consumeTimeout)
			noMoreThan(t, got, 1, "only the committed message")
			if string(msgs[0].Body) != "A" || msgs[0].MsgId != uniqA {
				t.Fatalf("received %q (%s), want A (%s)", msgs[0].Body, msgs[0].MsgId, uniqA)
			}
		})
	}
}

// A message sent with delay level 3 (10 s) reaches a consumer only once
// Advance passed 10 s.
func TestGoDelayedMessageArrivesWhenDue(t *testing.T) {
	b := startTimedBroker(t)
	const topic, group = "TopicDelay", "CG_DELAY"
	prod, _ := startGoProducer(t, b.Addr(), "PG_DELAY")
	_, _, got := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic})
	goSendN(t, prod, topic, "", "now", 1)
	got.waitCount(t, 1, consumeTimeout) // the consumer is pulling

	m := primitive.NewMessage(topic, []byte("later"))
	m.WithDelayTimeLevel(3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if r, err := prod.SendSync(ctx, m); err != nil || r.Status != primitive.SendOK {
		t.Fatalf("send the delayed message: %v %v", r, err)
	}
	if held := b.ScheduledMessages(); len(held) != 1 || held[0].DelayLevel != 3 || held[0].RealTopic != topic {
		t.Fatalf("scheduled %+v, want one of level 3 for %s", held, topic)
	}
	b.Advance(9 * time.Second)
	noMoreThan(t, got, 1, "not before its delay")
	b.Advance(time.Second)
	msgs := got.waitCount(t, 2, consumeTimeout)
	last := msgs[len(msgs)-1]
	if string(last.Body) != "later" || last.GetProperty("DELAY") != "3" || last.GetProperty("REAL_TOPIC") != topic {
		t.Fatalf("delivered %q with DELAY %q REAL_TOPIC %q", last.Body, last.GetProperty("DELAY"), last.GetProperty("REAL_TOPIC"))
	}
}

// A message whose consumption fails comes back from %RETRY%<group> once
// Advance passed its retry delay (level 3 + reconsumeTimes 0: 10 s).
func TestGoConsumeFailureComesBackAfterRetryDelay(t *testing.T) {
	b := startTimedBroker(t)
	const topic, group = "TopicRetryDelay", "CG_RETRY_DELAY"
	prod, _ := startGoProducer(t, b.Addr(), "PG_RETRY_DELAY")
	_, _, got := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic,
		Listen: func(m *primitive.MessageExt) consumer.ConsumeResult {
			if m.ReconsumeTimes == 0 {
				return consumer.ConsumeRetryLater
			}
			return consumer.ConsumeSuccess
		}})
	goSendN(t, prod, topic, "", "flaky", 1)
	got.waitCount(t, 1, consumeTimeout)
	eventually(t, 10*time.Second, "the retry held in SCHEDULE_TOPIC_XXXX", func() bool {
		held := b.ScheduledMessages()
		return len(held) == 1 && held[0].RealTopic == "%RETRY%"+group && held[0].DelayLevel == 3
	})
	b.Advance(9 * time.Second)
	noMoreThan(t, got, 1, "no retry before its delay")
	b.Advance(time.Second)
	msgs := got.waitCount(t, 2, consumeTimeout)
	retry := msgs[1]
	if string(retry.Body) != "flaky-000" || retry.ReconsumeTimes != 1 || retry.Topic != topic {
		t.Fatalf("retry %q reconsumeTimes %d topic %q, want flaky-000, 1, %s", retry.Body, retry.ReconsumeTimes, retry.Topic, topic)
	}
}
