package controlapi

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/mockbroker"
)

func TestTopicEndpoints(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	a.expect("PUT", "/v1/topics/T8", `{"readQueueNums":8,"writeQueueNums":8}`, 200,
		`{"name":"T8","readQueueNums":8,"writeQueueNums":8,"perm":6,"topicFilterType":"SINGLE_TAG","topicSysFlag":0,"order":false}`)
	a.expect("PUT", "/v1/topics/TBW102", ``, 400, `{"error":"creating topic \"TBW102\": a system topic"}`)
	status, _ := a.do("PUT", "/v1/topics/T9", `{"queues":1}`)
	assert.Equal(t, status, 400)
	a.expect("DELETE", "/v1/topics/T8", ``, 200, `{"topic":"T8","existed":true}`)
	a.expect("DELETE", "/v1/topics/T8", ``, 200, `{"topic":"T8","existed":false}`)

	a.expect("PUT", "/v1/subscription-groups/CG", `{"consumeEnable":false,"retryMaxTimes":3}`, 200,
		`{"groupName":"CG","consumeEnable":false,"consumeFromMinEnable":true,"consumeBroadcastEnable":true,"consumeMessageOrderly":false,"retryQueueNums":1,"retryMaxTimes":3,"brokerId":0,"whichBrokerWhenConsumeSlowly":1,"notifyConsumerIdsChangedEnable":true}`)
	a.expect("PUT", "/v1/subscription-groups/CG", `{"groupName":"other"}`, 400, `{"error":"groupName \"other\" differs from the path's \"CG\""}`)
	a.expect("DELETE", "/v1/subscription-groups/CG?removeOffset=true", ``, 200, `{"groupName":"CG","existed":true}`)
}

func TestTopicClient(t *testing.T) {
	b := mockbroker.Start(t)
	c := newClient(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := c.CreateTopic(ctx, Topic{Name: "orders", ReadQueueNums: 8, WriteQueueNums: 8, Order: true})
	assert.NilError(t, err)
	want := Topic{Name: "orders", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 6, TopicFilterType: "SINGLE_TAG", Order: true}
	if d := cmp.Diff(&want, got); d != "" {
		t.Error(d)
	}
	_, err = c.CreateTopic(ctx, Topic{Name: "a b"})
	assert.Assert(t, errors.Is(err, mockbroker.ErrInvalidTopic), "%v", err)
	ts, err := c.Topics(ctx)
	assert.NilError(t, err)
	names := map[string]bool{}
	for _, t := range ts {
		names[t.Name] = true
	}
	assert.Assert(t, names["orders"] && names["TBW102"] && names["SCHEDULE_TOPIC_XXXX"], "%v", names)
	existed, err := c.DeleteTopic(ctx, "orders")
	assert.NilError(t, err)
	assert.Assert(t, existed)

	off, three := false, int32(3)
	g, err := c.CreateSubscriptionGroup(ctx, mockbroker.FixtureSubscriptionGroup{GroupName: "CG", ConsumeEnable: &off, RetryMaxTimes: &three})
	assert.NilError(t, err)
	assert.Equal(t, g.ConsumeEnable, false)
	assert.Equal(t, g.RetryMaxTimes, int32(3))
	gs, err := c.SubscriptionGroups(ctx)
	assert.NilError(t, err)
	assert.Assert(t, len(gs) >= 8, "%v", gs) // 7 system groups and CG
	existed, err = c.DeleteSubscriptionGroup(ctx, "CG", true)
	assert.NilError(t, err)
	assert.Assert(t, existed)
	_, err = c.CreateSubscriptionGroup(ctx, mockbroker.FixtureSubscriptionGroup{GroupName: "a b"})
	assert.Assert(t, errors.Is(err, mockbroker.ErrInvalidGroup), "%v", err)
}
