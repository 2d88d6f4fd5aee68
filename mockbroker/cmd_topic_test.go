package mockbroker

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
)

func createTopicExt(topic string, read, write, perm int) map[string]string {
	return map[string]string{"topic": topic, "defaultTopic": "TBW102", "readQueueNums": itoa(read),
		"writeQueueNums": itoa(write), "perm": itoa(perm), "topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false"}
}

func itoa(n int) string { return strconv.Itoa(n) }

func routeOf(t *testing.T, c *rawClient, topic string) (*protocol.TopicRouteData, *protocol.Command) {
	t.Helper()
	resp := c.call(protocol.NewRequest(protocol.GetRouteInfoByTopic, map[string]string{"topic": topic}, nil))
	if resp.ResponseCode() != protocol.Success {
		return nil, resp
	}
	rd, err := protocol.DecodeTopicRouteData(resp.Body)
	assert.NilError(t, err)
	return rd, resp
}

func TestCreateRouteStatsDeleteTopic(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel))
			c := dial(t, b.Addr())
			resp := c.call(adminReq(protocol.UpdateAndCreateTopic, createTopicExt("T8", 8, 8, 6), nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
			rd, _ := routeOf(t, c, "T8")
			assert.Equal(t, rd.QueueDatas[0].ReadQueueNums, int32(8))
			assert.Equal(t, rd.QueueDatas[0].WriteQueueNums, int32(8))
			assert.Equal(t, rd.QueueDatas[0].Perm, int32(6))

			// Read-only: the route says so.
			resp = c.call(adminReq(protocol.UpdateAndCreateTopic, createTopicExt("T8", 8, 2, 4), nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			rd, _ = routeOf(t, c, "T8")
			assert.Equal(t, rd.QueueDatas[0].WriteQueueNums, int32(2))
			assert.Equal(t, rd.QueueDatas[0].Perm, int32(4))

			// Stats: one line per write queue, offsets from the store.
			_, err := b.store.Append("T8", 1, []store.Message{{MessageExt: protocol.MessageExt{Body: []byte("x")}}})
			assert.NilError(t, err)
			resp = c.call(adminReq(protocol.GetTopicStatsInfo, map[string]string{"topic": "T8"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			st, err := protocol.DecodeTopicStatsTable(resp.Body)
			assert.NilError(t, err)
			assert.Equal(t, len(st.OffsetTable), 2)
			q1 := st.OffsetTable[protocol.MessageQueue{Topic: "T8", BrokerName: "broker-a", QueueID: 1}]
			assert.Equal(t, q1.MaxOffset, int64(1))
			assert.Assert(t, q1.LastUpdateTimestamp > 0)
			resp = c.call(adminReq(protocol.GetTopicStatsInfo, map[string]string{"topic": "nope"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.TopicNotExist)
			assert.Equal(t, resp.Remark, "topic[nope] not exist")

			// 21 holds it and the system topics.
			resp = c.call(adminReq(protocol.GetAllTopicConfig, nil, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			body := string(resp.Body)
			for _, want := range []string{`"T8":{`, `"TBW102":{`, `"SCHEDULE_TOPIC_XXXX":{`, `"DefaultCluster":{`, `"broker-a":{`, `"topicConfigTable":{`, `"dataVersion":{"counter":`} {
				assert.Assert(t, strings.Contains(body, want), "%s not in %s", want, body)
			}
			assert.Equal(t, strings.Contains(body, `"attributes":{}`), rel != protocol.Release498)
			assert.Equal(t, strings.HasSuffix(body, `},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}`), rel != protocol.Release498)
			assert.Assert(t, json.Valid(resp.Body), body)

			// 224 lists the cluster's topics.
			resp = c.call(adminReq(protocol.GetTopicsByCluster, map[string]string{"cluster": "DefaultCluster"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			assert.Assert(t, strings.Contains(string(resp.Body), `"T8"`) && strings.Contains(string(resp.Body), `"TBW102"`), string(resp.Body))

			// System topics and bad names are refused.
			resp = c.call(adminReq(protocol.UpdateAndCreateTopic, createTopicExt("SCHEDULE_TOPIC_XXXX", 1, 1, 6), nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.SystemError)
			assert.Equal(t, resp.Remark, "The topic[SCHEDULE_TOPIC_XXXX] is conflict with system topic.")
			resp = c.call(adminReq(protocol.UpdateAndCreateTopic, createTopicExt("a b", 1, 1, 6), nil, protocol.JSON))
			assert.Equal(t, resp.Remark, "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$")
			resp = c.call(adminReq(protocol.UpdateAndCreateTopic, map[string]string{"topic": "X"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.SystemError)

			// Delete in broker and name server: the route is gone.
			resp = c.call(adminReq(protocol.DeleteTopicInBroker, map[string]string{"topic": "T8"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			resp = c.call(adminReq(protocol.DeleteTopicInNamesrv, map[string]string{"topic": "T8"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			_, resp = routeOf(t, c, "T8")
			assert.Equal(t, resp.ResponseCode(), protocol.TopicNotExist)
			_, ok := b.Topic("T8")
			assert.Assert(t, !ok)

			// Created again, it is routed again.
			assert.NilError(t, b.CreateTopic(TopicConfig{Name: "T8", ReadQueueNums: 3, WriteQueueNums: 3}))
			rd, _ = routeOf(t, c, "T8")
			assert.Equal(t, rd.QueueDatas[0].ReadQueueNums, int32(3))
		})
	}
}

func TestAutoCreateTopicOff(t *testing.T) {
	b := Start(t, WithAutoCreateTopic(false))
	c := dial(t, b.Addr())
	for _, topic := range []string{"Unknown", "TBW102"} {
		_, resp := routeOf(t, c, topic)
		assert.Equal(t, resp.ResponseCode(), protocol.TopicNotExist, topic)
		assert.Assert(t, strings.HasPrefix(resp.Remark, "No topic route info in name server for the topic: "+topic))
	}
	assert.NilError(t, b.CreateTopic(TopicConfig{Name: "Known", WriteQueueNums: 2, ReadQueueNums: 2}))
	rd, _ := routeOf(t, c, "Known")
	assert.Equal(t, rd.QueueDatas[0].WriteQueueNums, int32(2))
	_, ok := b.Topic("TBW102")
	assert.Assert(t, !ok)

	// UPDATE_BROKER_CONFIG turns it back on.
	resp := c.call(adminReq(protocol.UpdateBrokerConfig, nil, []byte("autoCreateTopicEnable=true\n"), protocol.JSON))
	assert.Equal(t, resp.ResponseCode(), protocol.Success)
	_, resp = routeOf(t, c, "Unknown")
	assert.Equal(t, resp.ResponseCode(), protocol.Success)
	_, ok = b.Topic("TBW102")
	assert.Assert(t, ok)
}

func TestTopicHooks(t *testing.T) {
	b := Start(t)
	assert.ErrorIs(t, b.CreateTopic(TopicConfig{Name: "TBW102"}), ErrInvalidTopic)
	assert.ErrorIs(t, b.CreateTopic(TopicConfig{Name: ""}), ErrInvalidTopic)
	assert.NilError(t, b.CreateTopic(TopicConfig{Name: "A", ReadQueueNums: 8, WriteQueueNums: 8, Order: true}))
	got, ok := b.Topic("A")
	assert.Assert(t, ok)
	want := TopicConfig{Name: "A", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 6, TopicFilterType: "SINGLE_TAG", Order: true}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
	assert.Assert(t, b.DeleteTopic("A"))
	assert.Assert(t, !b.DeleteTopic("A"))
}

func TestSubscriptionGroups(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel))
			c := dial(t, b.Addr())
			resp := c.call(adminReq(protocol.UpdateAndCreateSubscription, nil,
				[]byte(`{"groupName":"G1","consumeEnable":false,"retryMaxTimes":3}`), protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			g, ok := b.SubscriptionGroup("G1")
			assert.Assert(t, ok)
			want := DefaultGroupConfig("G1")
			want.ConsumeEnable, want.RetryMaxTimes = false, 3
			if d := cmp.Diff(want, g); d != "" {
				t.Error(d)
			}

			resp = c.call(adminReq(protocol.GetAllSubscriptionGroupConfig, nil, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			body := string(resp.Body)
			for _, w := range []string{`"G1":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":false,`, `"TOOLS_CONSUMER":{`, `"subscriptionGroupTable":{`} {
				assert.Assert(t, strings.Contains(body, w), "%s not in %s", w, body)
			}
			assert.Equal(t, strings.Contains(body, `"groupSysFlag":0`), rel != protocol.Release498)

			// consumeEnable=false: pulls are refused.
			assert.NilError(t, b.CreateTopic(TopicConfig{Name: "T"}))
			resp = c.call(pullCmd("G1", "T", 0, 0, protocol.PullSysFlag(0)))
			assert.Equal(t, resp.ResponseCode(), protocol.NoPermission)
			assert.Equal(t, resp.Remark, "subscription group no permission, G1")

			resp = c.call(adminReq(protocol.DeleteSubscriptionGroup, map[string]string{"groupName": "G1", "removeOffset": "true"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			_, ok = b.SubscriptionGroup("G1")
			assert.Assert(t, !ok)
			// A pull auto-creates it again, enabled.
			resp = c.call(pullCmd("G1", "T", 0, 0, protocol.PullSysFlag(0)))
			assert.Assert(t, resp.ResponseCode() != protocol.NoPermission)
			_, ok = b.SubscriptionGroup("G1")
			assert.Assert(t, ok)
		})
	}
}

func TestBrokerConfig(t *testing.T) {
	b := Start(t, WithBrokerName("bx"))
	c := dial(t, b.Addr())
	resp := c.call(adminReq(protocol.GetBrokerConfig, nil, nil, protocol.JSON))
	assert.Equal(t, resp.ResponseCode(), protocol.Success)
	body := string(resp.Body)
	for _, w := range []string{"brokerName=bx\n", "autoCreateTopicEnable=true\n", "brokerClusterName=DefaultCluster\n", "brokerPermission=6\n"} {
		assert.Assert(t, strings.Contains(body, w), "%q not in %s", w, body)
	}
	assert.Assert(t, strings.HasPrefix(resp.ExtFields["version"], `{"counter":`))

	// brokerPermission=4: every route turns read-only.
	resp = c.call(adminReq(protocol.UpdateBrokerConfig, nil, []byte("brokerPermission=4\n"), protocol.JSON))
	assert.Equal(t, resp.ResponseCode(), protocol.Success)
	rd, _ := routeOf(t, c, "Any")
	assert.Equal(t, rd.QueueDatas[0].Perm, int32(4))
	resp = c.call(adminReq(protocol.GetBrokerConfig, nil, nil, protocol.JSON))
	assert.Assert(t, strings.Contains(string(resp.Body), "brokerPermission=4\n"))
}

func TestFixtureTopicsAndGroups(t *testing.T) {
	f, err := ReadFixture("../fixtures/state/topics.json")
	assert.NilError(t, err)
	b := Start(t)
	assert.NilError(t, b.LoadFixture(f))
	got, ok := b.Topic("audit")
	assert.Assert(t, ok)
	if d := cmp.Diff(TopicConfig{Name: "audit", ReadQueueNums: 2, WriteQueueNums: 2, Perm: 4, TopicFilterType: "SINGLE_TAG", Order: true}, got); d != "" {
		t.Error(d)
	}
	orders, _ := b.Topic("orders")
	assert.Equal(t, orders.WriteQueueNums, int32(8))
	paused, ok := b.SubscriptionGroup("CG_paused")
	assert.Assert(t, ok)
	assert.Equal(t, paused.ConsumeEnable, false)
	assert.Equal(t, paused.RetryMaxTimes, int32(3))

	for _, tc := range []struct{ json, want string }{
		{`{"topics":[{"name":"a b"}]}`, `topics[0].name: "a b": The specified topic contains illegal characters`},
		{`{"topics":[{"name":"A"},{"name":"A"}]}`, `topics[1].name: "A" is also topics[0]`},
		{`{"topics":[{"name":"A","perm":9}]}`, `want counts >= 0 and a perm 0-7`},
		{`{"topics":[{"name":"A","queues":1}]}`, `unknown field "queues"`},
		{`{"subscriptionGroups":[{"groupName":""}]}`, `subscriptionGroups[0].groupName: ""`},
	} {
		_, err := ParseFixture([]byte(tc.json))
		assert.ErrorIs(t, err, ErrInvalidFixture)
		assert.ErrorContains(t, err, tc.want)
	}
	sys, err := ParseFixture([]byte(`{"topics":[{"name":"TBW102"}]}`))
	assert.NilError(t, err)
	assert.ErrorContains(t, Start(t).LoadFixture(sys), `topics[0].name: "TBW102" is a system topic`)
}

// Sends check the topic's config: its write queue count and perm, and with
// autoCreateTopicEnable off its existence (msgCheck).
func TestSendFollowsTopicConfig(t *testing.T) {
	b := Start(t, WithAutoCreateTopic(false))
	c := dial(t, b.Addr())
	resp := c.call(sendCmd("PG", "Nope", 0, "", []byte("x")))
	assert.Equal(t, resp.ResponseCode(), protocol.TopicNotExist)
	assert.Assert(t, strings.HasPrefix(resp.Remark, "topic[Nope] not exist, apply first please! \nSee "), resp.Remark)

	assert.NilError(t, b.CreateTopic(TopicConfig{Name: "T8", ReadQueueNums: 8, WriteQueueNums: 8}))
	resp = c.call(sendCmd("PG", "T8", 7, "", []byte("x")))
	assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
	resp = c.call(sendCmd("PG", "T8", 8, "", []byte("x")))
	assert.Assert(t, resp.ResponseCode() != protocol.Success)
	assert.Assert(t, strings.Contains(resp.Remark, "writeQueueNums:8"), resp.Remark)

	assert.NilError(t, b.CreateTopic(TopicConfig{Name: "RO", Perm: 4}))
	resp = c.call(sendCmd("PG", "RO", 0, "", []byte("x")))
	assert.Equal(t, resp.ResponseCode(), protocol.NoPermission)
	assert.Equal(t, resp.Remark, "the topic[RO] sending message is forbidden")
}

// GET_BROKER_RUNTIME_INFO counts what the mock stored and delivered.
func TestRuntimeInfoIsLive(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_000)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	for range 5 {
		assert.Equal(t, c.call(sendCmd("PG", "T", 0, "", []byte("x"))).ResponseCode(), protocol.Success)
	}
	resp := c.call(pullCmd("CG", "T", 0, 0, protocol.BuildPullSysFlag(false, false, true, false)))
	assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
	resp = c.call(adminReq(protocol.GetBrokerRuntimeInfo, nil, nil, protocol.JSON))
	kv, err := protocol.DecodeKVTable(resp.Body)
	assert.NilError(t, err)
	assert.Equal(t, kv.Table["msgPutTotalTodayNow"], "5")
	assert.Equal(t, kv.Table["msgGetTotalTodayNow"], "5")
	assert.Equal(t, kv.Table["putTps"], "0.5 0.08333333333333333 0.008333333333333333")
	b.Advance(30 * time.Second)
	resp = c.call(adminReq(protocol.GetBrokerRuntimeInfo, nil, nil, protocol.JSON))
	kv, err = protocol.DecodeKVTable(resp.Body)
	assert.NilError(t, err)
	assert.Equal(t, kv.Table["putTps"], "0.0 0.08333333333333333 0.008333333333333333")
}

// With autoCreateSubscriptionGroup off, a pull for an unknown group gets
// SUBSCRIPTION_GROUP_NOT_EXIST; a created one pulls.
func TestAutoCreateSubscriptionGroupOff(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	resp := c.call(adminReq(protocol.UpdateBrokerConfig, nil, []byte("autoCreateSubscriptionGroup=false\n"), protocol.JSON))
	assert.Equal(t, resp.ResponseCode(), protocol.Success)
	assert.NilError(t, b.CreateTopic(TopicConfig{Name: "T"}))
	withSub := protocol.BuildPullSysFlag(false, false, true, false)
	resp = c.call(pullCmd("CG_none", "T", 0, 0, withSub))
	assert.Equal(t, resp.ResponseCode(), protocol.SubscriptionGroupNotExist)
	assert.Assert(t, strings.HasPrefix(resp.Remark, "subscription group [CG_none] does not exist, \nSee "), resp.Remark)
	_, ok := b.SubscriptionGroup("CG_none")
	assert.Assert(t, !ok)
	assert.NilError(t, b.CreateGroup(DefaultGroupConfig("CG_made")))
	resp = c.call(pullCmd("CG_made", "T", 0, 0, withSub))
	assert.Assert(t, resp.ResponseCode() != protocol.SubscriptionGroupNotExist, resp.Remark)
}
