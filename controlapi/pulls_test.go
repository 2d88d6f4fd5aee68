package controlapi

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func pullRequest(group, topic string, offset int64, suspend bool) *protocol.Command {
	h := protocol.PullMessageRequestHeader{ConsumerGroup: group, Topic: topic, QueueOffset: offset, MaxMsgNums: 32,
		SysFlag: protocol.BuildPullSysFlag(false, suspend, false, false), SuspendTimeoutMillis: 15000}
	return protocol.NewRequest(protocol.PullMessage, h.Encode(), nil)
}

func TestPullsEndpoint(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart), mockbroker.WithRelease(protocol.Release498))
	a := newAPI(t, b)
	a.expect("GET", "/v1/pulls", "", 200, `{"pulls":[]}`)
	a.expect("GET", "/v1/pulls?limit=x", "", 400, `{"error":"query parameter limit=\"x\": want a non-negative integer"}`)

	cl := testclient.Dial(t, b.Addr())
	assert.Equal(t, cl.Call(testclient.ConsumerHeartbeat("c@1", "CG", "T1")).ResponseCode(), protocol.Success)
	assert.Equal(t, cl.Read().RequestCode(), protocol.NotifyConsumerIDsChanged)
	assert.Equal(t, cl.Call(testclient.SendMessage("PG", "T1", 0, "", []byte("m"))).ResponseCode(), protocol.Success)
	assert.Equal(t, cl.Call(pullRequest("CG", "T1", 0, false)).Remark, "FOUND")
	parked := cl.Send(pullRequest("CG", "T1", 1, true))
	for deadline := time.Now().Add(5 * time.Second); !journaled(b, mockbroker.OutcomeParked); time.Sleep(time.Millisecond) {
		assert.Assert(t, time.Now().Before(deadline), "the pull was not parked")
	}
	b.Advance(15 * time.Second)
	assert.Equal(t, cl.Read().Opaque, parked)

	srv := httptest.NewServer(NewHandler(b))
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := c.Pulls(ctx, PullQuery{Group: "CG"})
	assert.NilError(t, err)
	conn := Conn{ID: 1, Addr: cl.LocalAddr(), ClientID: "c@1"}
	success, notFound := int32(0), int32(protocol.PullNotFound)
	want := []Pull{
		{Time: "2023-11-14T22:13:20.123Z", TimeMs: apiStart.UnixMilli(), Conn: conn, Opaque: got[0].Opaque, Group: "CG", Topic: "T1",
			MaxMsgNums: 32, Code: &success, CodeName: "SUCCESS", Status: "FOUND", Messages: 1, NextBeginOffset: 1, MaxOffset: 1},
		{Time: "2023-11-14T22:13:20.123Z", TimeMs: apiStart.UnixMilli(), Conn: conn, Opaque: parked, Group: "CG", Topic: "T1",
			Offset: 1, MaxMsgNums: 32, Parked: true, WaitedMs: 15000, Code: &notFound, CodeName: "PULL_NOT_FOUND",
			Status: "OFFSET_OVERFLOW_ONE", NextBeginOffset: 1, MaxOffset: 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pulls (-want +got):\n%s", d)
	}
	last, err := c.Pulls(ctx, PullQuery{Topic: "T1", Limit: 1})
	assert.NilError(t, err)
	assert.DeepEqual(t, last, want[1:])
	none, err := c.Pulls(ctx, PullQuery{Group: "other"})
	assert.NilError(t, err)
	assert.Equal(t, len(none), 0)

	j, err := c.Journal(ctx, 0, 0)
	assert.NilError(t, err)
	var outcomes []string
	for _, e := range j.Entries {
		if e.Code == int32(protocol.PullMessage) {
			outcomes = append(outcomes, e.Outcome)
			if e.Outcome == "answered" {
				assert.Equal(t, e.ResultName, "PULL_NOT_FOUND")
				assert.Equal(t, e.DelayMs, int64(15000))
			}
			if e.Outcome == "replied" {
				assert.Equal(t, e.Messages, 1)
			}
		}
	}
	assert.DeepEqual(t, outcomes, []string{"replied", "parked", "answered"})
}

// journaled says whether the journal holds an entry with outcome o.
func journaled(b *mockbroker.Broker, o mockbroker.Outcome) bool {
	for _, e := range b.Journal() {
		if e.Outcome == o {
			return true
		}
	}
	return false
}

func TestRedeliveriesEndpoint(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart), mockbroker.WithRelease(protocol.Release498))
	a := newAPI(t, b)
	a.expect("GET", "/v1/consumer-groups/CG/redeliveries", "", 200, `{"group":"CG","redeliveries":[]}`)

	cl := testclient.Dial(t, b.Addr())
	r := cl.Call(testclient.SendMessage("PG", "T1", 0, "", []byte("m")))
	msgID := r.ExtFields["msgId"]
	_, _, phys, err := protocol.ParseOffsetMsgID(msgID)
	assert.NilError(t, err)
	h := protocol.ConsumerSendMsgBackRequestHeader{Offset: phys, Group: "CG", DelayLevel: -1, OriginMsgID: "U", OriginTopic: "T1"}
	assert.Equal(t, cl.Call(protocol.NewRequest(protocol.ConsumerSendMsgBack, h.Encode(), nil)).ResponseCode(), protocol.Success)
	dead := b.Redeliveries("CG")[0]

	srv := httptest.NewServer(NewHandler(b))
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, "")
	got, err := c.Redeliveries(context.Background(), "CG")
	assert.NilError(t, err)
	want := []Redelivery{{Time: "2023-11-14T22:13:20.123Z", TimeMs: apiStart.UnixMilli(), Topic: "%DLQ%CG", DeadLetter: true,
		OriginTopic: "T1", OriginMsgID: msgID, ReconsumeTimes: 1, CommitLogOffset: dead.CommitLogOffset}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("redeliveries (-want +got):\n%s", d)
	}
	a.expect("GET", "/v1/consumer-groups/other/redeliveries", "", 200, `{"group":"other","redeliveries":[]}`)
}
