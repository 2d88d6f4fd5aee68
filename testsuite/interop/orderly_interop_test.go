package interop

// rocketmq-client-go v2.1.2 orderly push consumers (WithConsumerOrder)
// against rocketmock: they lock their queues with LOCK_BATCH_MQ (41),
// receive each queue's messages in order, and two of one group never
// hold the same queue.

import (
	"slices"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// probeLocks asks the broker to lock every queue of the topic for a client
// of its own and returns the queue ids it got: those no consumer of the
// group holds.
func probeLocks(t *testing.T, addr, brokerName, group, topic string, queues int) []int32 {
	t.Helper()
	body := protocol.LockBatchRequestBody{ConsumerGroup: group, ClientID: "127.0.0.1@probe"}
	for q := range queues {
		body.MQSet = append(body.MQSet, protocol.MessageQueue{Topic: topic, BrokerName: brokerName, QueueID: int32(q)})
	}
	conn := dialRaw(t, addr)
	defer conn.Close()
	resp := roundTrip(t, conn, protocol.NewRequest(protocol.LockBatchMQ, map[string]string{}, body.MarshalAs(protocol.Release498)))
	if resp.ResponseCode() != protocol.Success {
		t.Fatalf("LOCK_BATCH_MQ: %v %q", resp.ResponseCode(), resp.Remark)
	}
	got, err := protocol.DecodeLockBatchResponseBody(resp.Body)
	if err != nil {
		t.Fatalf("LOCK_BATCH_MQ reply %s: %v", resp.Body, err)
	}
	var ids []int32
	for _, mq := range got.LockOKMQSet {
		ids = append(ids, mq.QueueID)
	}
	return ids
}

// inQueueOrder checks that each queue's messages came in queue-offset
// order without a gap or a repeat, and returns the queues seen.
func inQueueOrder(t *testing.T, who string, msgs []*primitive.MessageExt) map[int]bool {
	t.Helper()
	next := map[int]int64{}
	for _, m := range msgs {
		q := m.Queue.QueueId
		if want, ok := next[q]; ok && m.QueueOffset != want {
			t.Errorf("%s: queue %d delivered offset %d (%s) after %d", who, q, m.QueueOffset, m.Body, want-1)
		}
		next[q] = m.QueueOffset + 1
	}
	return queueSet(msgs)
}

// lockers returns the client ids whose LOCK_BATCH_MQ the broker answered
// with SUCCESS (the probe's connection, without a heartbeat, has none).
func lockers(b *mockbroker.Broker) []string {
	var ids []string
	for _, e := range b.Journal() {
		if e.Code == protocol.LockBatchMQ && e.Conn.ClientID != "" && e.Outcome == mockbroker.OutcomeReplied && e.Result == protocol.Success &&
			!slices.Contains(ids, e.Conn.ClientID) {
			ids = append(ids, e.Conn.ClientID)
		}
	}
	return ids
}

func TestGoOrderlyConsumersLockTheirQueues(t *testing.T) {
	t.Parallel()
	b := startRealClockBroker(t)
	const group, topic, queues = "CG_GO_ORDERLY", "InteropOrderlyTopic", 4
	prod, _ := startGoProducer(t, b.Addr(), "PG_GO_ORDERLY")
	sent := goSendN(t, prod, topic, "", "first", 1) // creates the topic before the consumer asks for its route
	orderly := []consumer.Option{consumer.WithConsumerOrder(true)}
	_, idA, gotA := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic, Options: orderly})
	sent = append(sent, goSendN(t, prod, topic, "", "a", 20)...)
	gotA.waitCount(t, len(sent), consumeTimeout)
	if have := gotA.bodies(); !slices.Equal(have, sorted(sent)) {
		t.Fatalf("A received %v, want exactly %v", have, sorted(sent))
	}
	if q := inQueueOrder(t, "A", gotA.snapshot()); len(q) != queues {
		t.Fatalf("A consumed queues %v, want all %d", q, queues)
	}
	if ids := lockers(b); !slices.Equal(ids, []string{idA}) {
		t.Fatalf("LOCK_BATCH_MQ answered for %v, want [%s]", ids, idA)
	}
	brokerName := gotA.snapshot()[0].Queue.BrokerName
	if free := probeLocks(t, b.Addr(), brokerName, group, topic, queues); len(free) != 0 {
		t.Fatalf("queues %v were not locked by the orderly consumer", free)
	}

	// B joins: A keeps the queues it is still allotted and its locks on
	// the others live on (the Go client does not unlock what a rebalance
	// takes away), so B cannot lock those; no queue is consumed by both.
	before := len(gotA.snapshot())
	_, idB, gotB := startGoConsumer(t, b.Addr(), goConsumerConfig{Group: group, Topic: topic, Options: orderly})
	if err := b.WaitConsumers(t.Context(), group, 2); err != nil {
		t.Fatalf("WaitConsumers: %v", err)
	}
	time.Sleep(2 * time.Second) // both rebalance (B at Start, A on the notification)
	more := goSendN(t, prod, topic, "", "b", 20)
	eventually(t, consumeTimeout, "the messages of the queues A kept", func() bool {
		return len(gotA.snapshot())-before+len(gotB.snapshot()) >= len(more)/2
	})
	time.Sleep(time.Second)
	queuesA := inQueueOrder(t, "A", gotA.snapshot()[before:])
	queuesB := inQueueOrder(t, "B", gotB.snapshot())
	for q := range queuesA {
		if queuesB[q] {
			t.Fatalf("queue %d consumed by both orderly consumers: A %v, B %v", q, queuesA, queuesB)
		}
	}
	if free := probeLocks(t, b.Addr(), brokerName, group, topic, queues); len(free) != 0 {
		t.Fatalf("queues %v were not locked by either consumer", free)
	}
	t.Logf("after B (%s) joined: A consumed queues %v, B %v; lockers %v", idB, queuesA, queuesB, lockers(b))
}
