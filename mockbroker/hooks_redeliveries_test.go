package mockbroker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func TestRedeliveriesListRetriesThenTheDeadLetter(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	r := c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01U1\x02", []byte("poison")))
	msgID := r.ExtFields["msgId"]
	_, _, phys, err := protocol.ParseOffsetMsgID(msgID)
	assert.NilError(t, err)
	back := func(offset int64) {
		h := protocol.ConsumerSendMsgBackRequestHeader{Offset: offset, Group: "CG", OriginMsgID: "U1", OriginTopic: "T"}
		maxTimes := int32(1)
		h.MaxReconsumeTimes = &maxTimes
		req := protocol.NewRequest(protocol.ConsumerSendMsgBack, h.Encode(), nil)
		req.Version = 317
		assert.Equal(t, c.call(req).Code, int32(0))
	}
	back(phys)
	held := b.store.Range("SCHEDULE_TOPIC_XXXX", 2, 0, 1)[0] // level 3: queue 2, until due
	b.Advance(10 * time.Second)
	retried := b.store.Range("%RETRY%CG", 0, 0, 1)[0]
	back(retried.CommitLogOffset)
	dead := b.store.Range("%DLQ%CG", 0, 0, 1)[0]

	want := []Redelivery{
		{Time: start, Group: "CG", Topic: "%RETRY%CG", OriginTopic: "T", OriginMsgID: msgID, ReconsumeTimes: 1,
			DelayLevel: 3, QueueOffset: 0, CommitLogOffset: held.CommitLogOffset},
		{Time: start.Add(10 * time.Second), Group: "CG", Topic: "%DLQ%CG", DeadLetter: true, OriginTopic: "T", OriginMsgID: msgID, ReconsumeTimes: 2,
			DelayLevel: 0, QueueOffset: 0, CommitLogOffset: dead.CommitLogOffset},
	}
	if d := cmp.Diff(want, b.Redeliveries("CG")); d != "" {
		t.Errorf("Redeliveries (-want +got):\n%s", d)
	}
	assert.Equal(t, len(b.Redeliveries("")), 2)
	assert.Equal(t, len(b.Redeliveries("other")), 0)
}
