package interop

// rocketmq-client-go v2.1.2 meets the mock's transaction checks and faults:
// a TransactionProducer's check listener runs on CHECK_TRANSACTION_STATE and
// its answer arrives as END_TRANSACTION; a broker fault on the first send
// is retried or reported as the client's source says it is
// (producer/producer.go needRetryCode: codes 17, 14, 1 and 16 are retried,
// any other code fails the send with "CODE: <n>, DESC: <remark>").

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// checkListener is a primitive.TransactionListener: the local transaction
// stays undecided, and each check answers with the next state of answers
// and hands the checked message to the test. Once the answers are used
// up, a check blocks until hold is closed.
//
// The blocking check works around a data race in rocketmq-client-go
// v2.1.2: the goroutine that runs the listener sends END_TRANSACTION with
// rmqClient.InvokeOneWay, which reads the plain bool rmqClient.close that
// Shutdown writes. The race detector cannot see that the broker already
// received that END_TRANSACTION. The goroutine takes the next check only
// after its InvokeOneWay returned, so a last check, whose message the
// test receives, orders every earlier InvokeOneWay before Shutdown; that
// check's own InvokeOneWay waits for hold, which closes after Shutdown.
type checkListener struct {
	mu      sync.Mutex
	answers []primitive.LocalTransactionState
	checked chan *primitive.MessageExt
	hold    chan struct{}
}

func newCheckListener(t *testing.T, answers ...primitive.LocalTransactionState) *checkListener {
	l := &checkListener{answers: answers, checked: make(chan *primitive.MessageExt, 4), hold: make(chan struct{})}
	t.Cleanup(func() { close(l.hold) }) // registered first: runs after the producer's Shutdown
	return l
}

func (l *checkListener) ExecuteLocalTransaction(*primitive.Message) primitive.LocalTransactionState {
	return primitive.UnknowState
}

func (l *checkListener) CheckLocalTransaction(m *primitive.MessageExt) primitive.LocalTransactionState {
	l.mu.Lock()
	var state primitive.LocalTransactionState
	last := len(l.answers) == 0
	if !last {
		state, l.answers = l.answers[0], l.answers[1:]
	}
	l.mu.Unlock()
	l.checked <- m
	if last {
		<-l.hold
		return primitive.UnknowState
	}
	return state
}

// startGoTransactionProducer starts a v2.1.2 TransactionProducer for group,
// shut down when the test ends, and returns its clientID.
func startGoTransactionProducer(t *testing.T, nameSrvAddr, group string, l *checkListener) (rocketmq.TransactionProducer, string) {
	t.Helper()
	opts, clientID := goProducerOptions(nameSrvAddr, group)
	p, err := rocketmq.NewTransactionProducer(l, opts...)
	if err != nil {
		t.Fatalf("NewTransactionProducer(%s): %v", group, err)
	}
	startGo(t, p, "TransactionProducer "+group)
	return p, clientID
}

func TestGoTransactionProducerAnswersChecks(t *testing.T) {
	b := startBroker(t)
	const group, topic = "PG_TX", "TopicTx"
	l := newCheckListener(t, primitive.CommitMessageState, primitive.RollbackMessageState)
	p, clientID := startGoTransactionProducer(t, b.Addr(), group, l)

	ctx, cancel := context.WithTimeout(context.Background(), goRegisterTimeout)
	defer cancel()
	msg := primitive.NewMessage(topic, []byte("order 42"))
	msg.WithTag("created")
	res, err := p.SendMessageInTransaction(ctx, msg)
	if err != nil {
		t.Fatalf("SendMessageInTransaction: %v", err)
	}
	if res.State != primitive.UnknowState || res.Status != primitive.SendOK {
		t.Fatalf("SendMessageInTransaction: state %v status %v, want unknown and SendOK", res.State, res.Status)
	}
	uniq := res.MsgID // the UNIQ_KEY

	// The half message, as recorded.
	msgs, err := b.WaitMessages(ctx, topic, 1)
	if err != nil {
		t.Fatal(err)
	}
	half := msgs[0]
	if !half.Half() || half.MsgID != uniq || half.Properties[protocol.PropertyProducerGroup] != group || half.Tags != "created" {
		t.Fatalf("recorded half message %+v: want Half, MsgID %q, PGROUP %q, tag created", half, uniq, group)
	}
	// After its local transaction the client reports "unknown", without
	// the oneway bit.
	end, err := b.WaitEndTransaction(ctx, uniq)
	if err != nil {
		t.Fatal(err)
	}
	if end.State != mockbroker.TxUnknown || end.FromCheck || end.Group != group || end.Message == nil {
		t.Fatalf("first END_TRANSACTION = %+v, want unknown, not from a check, group %s, with the half message", end, group)
	}

	// The check needs the producer's registration: its first heartbeat
	// comes about 1 s after Start.
	waitProducers(t, b, group, 1, goRegisterTimeout)
	for _, want := range []mockbroker.TxState{mockbroker.TxCommit, mockbroker.TxRollback} {
		check, err := b.CheckTransaction(group, half)
		if err != nil {
			t.Fatal(err)
		}
		if check.Conn.ClientID != clientID {
			t.Errorf("check sent to client %q, want %q", check.Conn.ClientID, clientID)
		}
		var got *primitive.MessageExt
		select {
		case got = <-l.checked:
		case <-ctx.Done():
			t.Fatal("the client's check listener did not run")
		}
		if got.Topic != topic || string(got.Body) != "order 42" || got.TransactionId != uniq || got.MsgId != uniq ||
			got.GetTags() != "created" || got.Queue.QueueId != int(half.QueueID) || got.OffsetMsgId != half.OffsetMsgID {
			t.Errorf("the listener saw topic %q body %q transactionId %q msgId %q tags %q queue %d offsetMsgId %q; want %q %q %q %q created %d %q",
				got.Topic, got.Body, got.TransactionId, got.MsgId, got.GetTags(), got.Queue.QueueId, got.OffsetMsgId,
				topic, "order 42", uniq, uniq, half.QueueID, half.OffsetMsgID)
		}
		answer, err := check.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if answer.State != want || !answer.FromCheck || answer.MsgID != uniq || answer.Group != group ||
			answer.CommitLogOffset != half.CommitLogOffset || answer.TranStateTableOffset != half.QueueOffset || answer.ClientID != clientID {
			t.Errorf("END_TRANSACTION answering the check = %+v; want %v from the check, msgId %q, group %s, offsets %d/%d, client %s",
				answer, want, uniq, group, half.CommitLogOffset, half.QueueOffset, clientID)
		}
	}
	// The last check (see checkListener) is answered only after Shutdown.
	if _, err := b.CheckTransaction(group, half); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.checked:
	case <-ctx.Done():
		t.Fatal("the client's check listener did not run")
	}

	// The checks went out oneway, and the client never replied to them.
	for _, e := range b.Journal() {
		if e.Code == protocol.CheckTransactionState && e.Outcome != mockbroker.OutcomeSent {
			t.Errorf("journal: %v", e)
		}
		if e.Outcome == mockbroker.OutcomeIgnored {
			t.Errorf("the client answered something the broker sent: %v", e)
		}
	}
}

// startGoProducerRetrying is startGoProducer with the client's default of
// 2 retries.
func startGoProducerRetrying(t *testing.T, nameSrvAddr, group string) rocketmq.Producer {
	t.Helper()
	opts, _ := goProducerOptions(nameSrvAddr, group)
	p, err := rocketmq.NewProducer(append(opts, producer.WithRetry(2))...)
	if err != nil {
		t.Fatal(err)
	}
	startGo(t, p, "Producer "+group)
	return p
}

// sendsOf returns the journaled SEND_MESSAGE requests of a group's topic.
func sendsOf(b *mockbroker.Broker) []mockbroker.JournalEntry {
	var out []mockbroker.JournalEntry
	for _, e := range b.Journal() {
		if e.Code == protocol.SendMessage {
			out = append(out, e)
		}
	}
	return out
}

func TestGoProducerFaultOnFirstSend(t *testing.T) {
	tests := []struct {
		name      string
		code      protocol.ResponseCode
		remark    string
		wantErr   string // "" when the client retries and succeeds
		wantSends int    // SEND_MESSAGE requests the broker received
	}{
		// SYSTEM_BUSY is not in needRetryCode: the send fails at once,
		// retries notwithstanding.
		{"system busy is reported", protocol.SystemBusy, "[PC_SYNCHRONIZED]broker busy, start flow control for a while",
			"CODE: 2, DESC: [PC_SYNCHRONIZED]broker busy, start flow control for a while", 1},
		// SYSTEM_ERROR (1) is retried: the second attempt succeeds.
		{"system error is retried", protocol.SystemError, "store error", "", 2},
		// So is SERVICE_NOT_AVAILABLE (14).
		{"service not available is retried", protocol.ServiceNotAvailable, "service not available now", "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startBroker(t)
			group := "PG_FAULT_" + strings.ReplaceAll(tt.name, " ", "_")
			ic := b.Intercept(protocol.SendMessage, mockbroker.FaultCode(tt.code, tt.remark), mockbroker.Once(), mockbroker.ForGroup(group))
			p := startGoProducerRetrying(t, b.Addr(), group)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := p.SendSync(ctx, primitive.NewMessage("TopicFault", []byte("x")))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("SendSync = %v, %v; want the error %q", res, err, tt.wantErr)
				}
			} else if err != nil || res.Status != primitive.SendOK {
				t.Fatalf("SendSync = %v, %v; want SendOK after a retry", res, err)
			}
			if ic.Hits() != 1 {
				t.Errorf("the fault hit %d sends, want 1", ic.Hits())
			}
			sends := sendsOf(b)
			if len(sends) != tt.wantSends {
				t.Fatalf("the broker received %d sends, want %d: %v", len(sends), tt.wantSends, sends)
			}
			if !sends[0].Intercepted || sends[0].Result != tt.code {
				t.Errorf("first send journaled as %v, want intercepted with %v", sends[0], tt.code)
			}
			wantStored := tt.wantSends - 1
			if got := len(b.Messages("TopicFault")); got != wantStored {
				t.Errorf("%d messages stored, want %d", got, wantStored)
			}
			// The fault was once: the next send goes through.
			goSend(t, p, "TopicFault", "after")
		})
	}
}
