package controlapi

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func TestConsumerEndpointsWithoutConsumers(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	a.expect("GET", "/v1/consumer-groups", "", 200, `{"groups":[]}`)
	a.expect("GET", "/v1/consumer-groups/CG/consumers", "", 404, `{"error":"consumer group \"CG\" is not online (groups: [])"}`)
	a.expect("GET", "/v1/consumer-groups/CG/offsets", "", 200, `{"group":"CG","offsets":[],"lag":0}`)
	a.expect("POST", "/v1/consumer-groups/CG/wait", `{"count":0}`, 200, `{"group":"CG","count":0}`)
	status, _ := a.do("POST", "/v1/consumer-groups/CG/wait", `{"count":1,"timeoutMs":30}`)
	assert.Equal(t, status, 408)
	a.expect("POST", "/v1/consumer-groups/CG/consumed/wait", `{"topic":"T","count":0}`, 200, `{"group":"CG","topic":"T","count":0}`)
	status, _ = a.do("POST", "/v1/consumer-groups/CG/consumed/wait", `{"topic":"T","count":1,"timeoutMs":30}`)
	assert.Equal(t, status, 408)
	status, _ = a.do("POST", "/v1/consumer-groups/CG/consumed/wait", `{"count":1}`)
	assert.Equal(t, status, 400)
	a.expect("POST", "/v1/consumer-groups/CG/consumers/c@1/expire", "", 404, `{"error":"consumer group \"CG\" has no client with id \"c@1\""}`)

	for _, body := range []string{``, `{}`, `{"topic":"T"}`, `{"topic":"T","queueId":0}`, `{"topic":"T","offset":1,"timestampMs":1}`, `{"queueId":0,"offset":1}`} {
		status, text := a.do("PUT", "/v1/consumer-groups/CG/offsets", body)
		assert.Equal(t, status, 400, "%s: %s", body, text)
	}
	a.expect("PUT", "/v1/consumer-groups/CG/offsets", `{"topic":"T","queueId":0,"offset":1}`, 404,
		`{"error":"setting the offset of group \"CG\": no topic \"T\""}`)
	a.expect("PUT", "/v1/consumer-groups/CG/offsets", `{"topic":"T","timestampMs":1}`, 404,
		`{"error":"resetting the offsets of group \"CG\": no topic \"T\""}`)
}

func TestConsumerClientErrors(t *testing.T) {
	b := mockbroker.Start(t)
	srv := httptest.NewServer(NewHandler(b))
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, "")
	ctx := context.Background()
	groups, err := c.ConsumerGroups(ctx)
	assert.NilError(t, err)
	assert.Equal(t, len(groups), 0)
	_, err = c.Consumers(ctx, "CG")
	assert.Assert(t, errors.Is(err, mockbroker.ErrUnknownGroup), "%v", err)
	assert.Assert(t, errors.Is(c.ExpireConsumer(ctx, "CG", "c@1"), mockbroker.ErrUnknownConsumer))
	assert.Assert(t, errors.Is(c.SetConsumerOffset(ctx, "CG", "T", 0, 1), mockbroker.ErrUnknownTopic))
	_, err = c.ResetConsumerOffsets(ctx, "CG", "T", time.UnixMilli(1))
	assert.Assert(t, errors.Is(err, mockbroker.ErrUnknownTopic))
	offs, err := c.ConsumerOffsets(ctx, "CG")
	assert.NilError(t, err)
	assert.Equal(t, len(offs.Offsets), 0)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	assert.Assert(t, errors.Is(c.WaitConsumers(short, "CG", 1), context.DeadlineExceeded))
	assert.NilError(t, c.WaitConsumed(ctx, "CG", "T", 0))
}

func TestConsumerEndpointsWithAConsumer(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithRelease(protocol.Release498))
	cl := testclient.Dial(t, b.Addr())
	srv := httptest.NewServer(NewHandler(b))
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	assert.Equal(t, cl.Call(testclient.ConsumerHeartbeat("c@1", "CG", "T1")).ResponseCode(), protocol.Success)
	assert.NilError(t, c.WaitConsumers(ctx, "CG", 1))
	groups, err := c.ConsumerGroups(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, groups, []ConsumerGroup{{"CG", 1}})
	cs, err := c.Consumers(ctx, "CG")
	assert.NilError(t, err)
	assert.Equal(t, len(cs), 1)
	assert.Equal(t, cs[0].ClientID, "c@1")
	assert.Equal(t, cs[0].Addr, cl.LocalAddr())
	assert.Equal(t, cs[0].MessageModel, "CLUSTERING")
	assert.DeepEqual(t, cs[0].Subscriptions, []ConsumerSubscription{{Topic: "T1", SubString: "*", ExpressionType: "TAG", Tags: []string{}, SubVersion: 1700000000000}})

	p := testclient.Dial(t, b.Addr())
	for range 3 {
		assert.Equal(t, p.Call(testclient.SendMessage("PG", "T1", 0, "", []byte("m"))).ResponseCode(), protocol.Success)
	}
	assert.NilError(t, c.SetConsumerOffset(ctx, "CG", "T1", 0, 1))
	offs, err := c.ConsumerOffsets(ctx, "CG")
	assert.NilError(t, err)
	assert.Equal(t, offs.Offsets[0], ConsumerOffset{Topic: "T1", QueueID: 0, Offset: 1, MaxOffset: 3, Lag: 2})
	assert.Equal(t, offs.Lag, int64(2))
	assert.Assert(t, errors.Is(c.SetConsumerOffset(ctx, "CG", "T1", 0, -1), mockbroker.ErrInvalidOffset))
	set, err := c.ResetConsumerOffsets(ctx, "CG", "T1", time.UnixMilli(0))
	assert.NilError(t, err)
	assert.Equal(t, set[0], QueueOffset{0, 0})
	assert.NilError(t, c.SetConsumerOffset(ctx, "CG", "T1", 0, 3))
	assert.NilError(t, c.WaitConsumed(ctx, "CG", "T1", 3))

	assert.NilError(t, c.ExpireConsumer(ctx, "CG", "c@1"))
	_, err = c.Consumers(ctx, "CG")
	assert.Assert(t, errors.Is(err, mockbroker.ErrUnknownGroup))
}
