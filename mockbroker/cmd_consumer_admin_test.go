package mockbroker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// serializations are both header types a client may use.
var serializations = []protocol.SerializeType{protocol.JSON, protocol.RocketMQ}

// connOfClient returns the broker's conn of a raw client, after a request
// made sure the broker has seen it.
func connOfClient(t *testing.T, b *Broker, c *rawClient) *conn {
	t.Helper()
	c.call(protocol.NewRequest(protocol.GetBrokerRuntimeInfo, map[string]string{}, nil))
	addr := c.LocalAddr()
	b.connsMu.Lock()
	defer b.connsMu.Unlock()
	for bc := range b.conns {
		if bc.addr == addr {
			return bc
		}
	}
	t.Fatalf("the broker has no connection from %s", addr)
	return nil
}

// registerConsumer registers a consumer of group on the client's
// connection as a heartbeat would.
func registerConsumer(t *testing.T, b *Broker, c *rawClient, group, clientID string, topics ...string) {
	t.Helper()
	bc := connOfClient(t, b, c)
	reg := consumers.Registration{Group: group, ConsumeType: consumers.ConsumePassively, MessageModel: consumers.Clustering,
		ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET", NotifyEnabled: false,
		Client: consumers.ClientInfo{Channel: bc, ClientID: clientID, Language: protocol.Java, Version: int32(protocol.V4_9_8)}}
	for _, tp := range topics {
		reg.Subscriptions = append(reg.Subscriptions, consumers.Subscription{Topic: tp, SubString: "*", SubVersion: 7, ExpressionType: "TAG"})
	}
	b.consumers.Register(reg)
}

func adminReq(code protocol.RequestCode, ext map[string]string, body []byte, ser protocol.SerializeType) *protocol.Command {
	r := protocol.NewRequest(code, ext, body)
	r.Serialize = ser
	return r
}

func TestConsumerConnectionList(t *testing.T) {
	for _, ser := range serializations {
		t.Run(ser.String(), func(t *testing.T) {
			b := Start(t)
			admin := dial(t, b.Addr())
			ext := map[string]string{"consumerGroup": "CG"}
			resp := admin.call(adminReq(protocol.GetConsumerConnectionList, ext, nil, ser))
			assert.Equal(t, resp.ResponseCode(), protocol.ConsumerNotOnline)
			assert.Equal(t, resp.Remark, "the consumer group[CG] not online")
			assert.Equal(t, resp.Serialize, ser)

			c := dial(t, b.Addr())
			registerConsumer(t, b, c, "CG", "10.0.0.1@1", "T1")
			resp = admin.call(adminReq(protocol.GetConsumerConnectionList, ext, nil, ser))
			assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
			want := fmt.Sprintf(`{"connectionSet":[{"clientAddr":"%s","clientId":"10.0.0.1@1","language":"JAVA","version":%d}],`+
				`"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",`+
				`"subscriptionTable":{"T1":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":7,"tagsSet":[],"topic":"T1"}}}`,
				c.LocalAddr(), protocol.V4_9_8)
			assert.Equal(t, string(resp.Body), want)
		})
	}
}

func TestConsumeStats(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			start := time.UnixMilli(1_700_000_000_000)
			b := Start(t, WithRelease(rel), WithVirtualClock(start))
			for i := range 3 {
				_, err := b.store.Append("T1", 1, []store.Message{{MessageExt: protocol.MessageExt{Body: []byte{byte(i)}}}})
				assert.NilError(t, err)
			}
			b.store.CommitOffset("CG", "T1", 1, 2)
			admin := dial(t, b.Addr())
			for _, ext := range []map[string]string{{"consumerGroup": "CG"}, {"consumerGroup": "CG", "topic": "T1"}} {
				resp := admin.call(adminReq(protocol.GetConsumeStats, ext, nil, protocol.RocketMQ))
				assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
				got, err := protocol.DecodeConsumeStats(resp.Body)
				assert.NilError(t, err)
				mq := func(q int32) protocol.MessageQueue {
					return protocol.MessageQueue{Topic: "T1", BrokerName: "broker-a", QueueID: q}
				}
				want := map[protocol.MessageQueue]protocol.OffsetWrapper{mq(0): {}, mq(2): {}, mq(3): {},
					mq(1): {BrokerOffset: 3, ConsumerOffset: 2, LastTimestamp: start.UnixMilli()}}
				if rel != protocol.Release498 {
					w := want[mq(1)]
					w.PullOffset = 2
					want[mq(1)] = w
				}
				assert.DeepEqual(t, got.OffsetTable, want)
				assert.Equal(t, string(resp.Body), string((&protocol.ConsumeStats{OffsetTable: want}).MarshalAs(rel)))
			}
			// A group with no offsets: an empty table, still SUCCESS.
			resp := admin.call(adminReq(protocol.GetConsumeStats, map[string]string{"consumerGroup": "none"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			assert.Equal(t, string(resp.Body), `{"consumeTps":0.0,"offsetTable":{}}`)
			// A live group that does not subscribe to the topic asked.
			c := dial(t, b.Addr())
			registerConsumer(t, b, c, "CG", "c@1", "Other")
			resp = admin.call(adminReq(protocol.GetConsumeStats, map[string]string{"consumerGroup": "CG", "topic": "T1"}, nil, protocol.JSON))
			assert.Equal(t, string(resp.Body), `{"consumeTps":0.0,"offsetTable":{}}`)
		})
	}
}

func TestConsumerRunningInfoForwarded(t *testing.T) {
	b := Start(t)
	admin := dial(t, b.Addr())
	ext := map[string]string{"consumerGroup": "CG", "clientId": "c@1", "jstackEnable": "false"}
	resp := admin.call(adminReq(protocol.GetConsumerRunningInfo, ext, nil, protocol.JSON))
	assert.Equal(t, resp.ResponseCode(), protocol.SystemError)
	assert.Equal(t, resp.Remark, "The Consumer <CG> <c@1> not online")

	c := dial(t, b.Addr())
	registerConsumer(t, b, c, "CG", "c@1", "T1")
	for _, ser := range serializations {
		op := admin.send(adminReq(protocol.GetConsumerRunningInfo, ext, nil, ser))
		fwd := c.read()
		assert.Equal(t, fwd.RequestCode(), protocol.GetConsumerRunningInfo)
		assert.Assert(t, !fwd.IsResponse())
		assert.DeepEqual(t, fwd.ExtFields, ext)
		answer := protocol.NewResponse(fwd, protocol.Success, "")
		answer.Language, answer.Version = protocol.Go, protocol.V4_5_2
		answer.Body = []byte(`{"properties":{"PROP_CLIENT_VERSION":"v2.1.2"}}`)
		frame, err := answer.Encode()
		assert.NilError(t, err)
		_, err = c.Write(frame) // as is: send would renumber it
		assert.NilError(t, err)
		got := admin.read()
		assert.Equal(t, got.Opaque, op)
		assert.Assert(t, got.IsResponse())
		assert.Equal(t, got.ResponseCode(), protocol.Success)
		assert.Equal(t, got.Language, protocol.Go, "the client's own answer comes back")
		assert.Equal(t, string(got.Body), `{"properties":{"PROP_CLIENT_VERSION":"v2.1.2"}}`)
	}
}

func TestViewMessageByID(t *testing.T) {
	b := Start(t)
	res, err := b.store.Append("T1", 0, []store.Message{
		{MessageExt: protocol.MessageExt{Body: []byte("one")}},
		{MessageExt: protocol.MessageExt{Body: []byte("two"), Properties: map[string]string{"TAGS": "a"}}},
	})
	assert.NilError(t, err)
	admin := dial(t, b.Addr())
	for _, ser := range serializations {
		second := res.Messages[1]
		resp := admin.call(adminReq(protocol.ViewMessageByID, map[string]string{"offset": fmt.Sprint(second.CommitLogOffset)}, nil, ser))
		assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
		got, n, err := protocol.DecodeMessageExt(resp.Body)
		assert.Equal(t, n, len(resp.Body))
		assert.NilError(t, err)
		assert.Equal(t, string(got.Body), "two")
		assert.Equal(t, got.CommitLogOffset, second.CommitLogOffset)
		assert.Equal(t, got.QueueOffset, int64(1))
		assert.Equal(t, got.StorePort, b.storeHost().port)

		resp = admin.call(adminReq(protocol.ViewMessageByID, map[string]string{"offset": "5"}, nil, ser))
		assert.Equal(t, resp.ResponseCode(), protocol.SystemError)
		assert.Equal(t, resp.Remark, "can not find message by the offset, 5")
	}
}

func TestLockBatchMQLifetime(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel), WithVirtualClock(time.UnixMilli(1_700_000_000_000)))
			c := dial(t, b.Addr())
			mqs := make([]protocol.MessageQueue, 4)
			for i := range mqs {
				mqs[i] = protocol.MessageQueue{Topic: "T1", BrokerName: "broker-a", QueueID: int32(i)}
			}
			lock := func(client string, set []protocol.MessageQueue) []protocol.MessageQueue {
				t.Helper()
				body := (&protocol.LockBatchRequestBody{ConsumerGroup: "CG", ClientID: client, MQSet: set}).MarshalAs(rel)
				resp := c.call(adminReq(protocol.LockBatchMQ, map[string]string{}, body, protocol.JSON))
				assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
				got, err := protocol.DecodeLockBatchResponseBody(resp.Body)
				assert.NilError(t, err)
				return got.LockOKMQSet
			}
			// tryLockBatch's HashSet has the request's size as capacity.
			order := func(s []protocol.MessageQueue, asked int) []protocol.MessageQueue {
				return protocol.JavaMessageQueueOrder(append([]protocol.MessageQueue(nil), s...), asked)
			}
			assert.DeepEqual(t, lock("A", mqs[:2]), order(mqs[:2], 2))
			assert.DeepEqual(t, lock("B", mqs), order(mqs[2:], 4))
			b.Advance(30 * time.Second)
			assert.DeepEqual(t, lock("A", mqs[:2]), order(mqs[:2], 2)) // renewed
			b.Advance(59 * time.Second)
			// B's locks were taken at 0 s: expired after 60 s; A's live.
			assert.DeepEqual(t, lock("A", mqs), order(mqs, 4))
			unlock := (&protocol.LockBatchRequestBody{ConsumerGroup: "CG", ClientID: "B", MQSet: mqs}).MarshalAs(rel)
			resp := c.call(adminReq(protocol.UnlockBatchMQ, map[string]string{}, unlock, protocol.RocketMQ))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			assert.Equal(t, len(resp.Body), 0)
			assert.DeepEqual(t, lock("B", mqs), []protocol.MessageQueue(nil), cmp.Comparer(func(a, b []protocol.MessageQueue) bool { return len(a) == len(b) }))
			unlock = (&protocol.LockBatchRequestBody{ConsumerGroup: "CG", ClientID: "A", MQSet: mqs[:1]}).MarshalAs(rel)
			c.call(adminReq(protocol.UnlockBatchMQ, map[string]string{}, unlock, protocol.RocketMQ))
			assert.DeepEqual(t, lock("B", mqs), []protocol.MessageQueue{mqs[0]})
		})
	}
}

func TestCheckClientConfig(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	for _, tc := range []struct {
		body   string
		code   protocol.ResponseCode
		remark string
	}{
		{`{"clientId":"c@1","group":"CG","subscriptionData":{"expressionType":"TAG","subString":"*","topic":"T"}}`, protocol.Success, ""},
		{`{"clientId":"c@1","group":"CG","subscriptionData":{"subString":"*","topic":"T"}}`, protocol.Success, ""},
		{`{"clientId":"c@1","group":"CG"}`, protocol.Success, ""},
		{`{"clientId":"c@1","group":"CG","subscriptionData":{"expressionType":"SQL92","subString":"a > 1","topic":"T"}}`,
			protocol.SystemError, "The broker does not support consumer to filter message by SQL92"},
	} {
		resp := c.call(adminReq(protocol.CheckClientConfig, map[string]string{}, []byte(tc.body), protocol.JSON))
		assert.Equal(t, resp.ResponseCode(), tc.code, tc.body)
		assert.Equal(t, resp.Remark, tc.remark)
	}
}

func TestConsumerRunningInfoClientGone(t *testing.T) {
	b := Start(t)
	admin := dial(t, b.Addr())
	c := dial(t, b.Addr())
	registerConsumer(t, b, c, "CG", "c@1", "T1")
	ext := map[string]string{"consumerGroup": "CG", "clientId": "c@1", "jstackEnable": "false"}
	op := admin.send(adminReq(protocol.GetConsumerRunningInfo, ext, nil, protocol.JSON))
	fwd := c.read()
	assert.Equal(t, fwd.RequestCode(), protocol.GetConsumerRunningInfo)
	c.Close() // the client goes away without answering
	got := admin.read()
	assert.Equal(t, got.Opaque, op)
	assert.Equal(t, got.ResponseCode(), protocol.SystemError)
	assert.Assert(t, strings.HasPrefix(got.Remark, "invoke consumer <CG> <c@1> Exception: "), got.Remark)

	// A client older than V3_1_8_SNAPSHOT is refused.
	old := dial(t, b.Addr())
	bc := connOfClient(t, b, old)
	b.consumers.Register(consumers.Registration{Group: "CG2", Client: consumers.ClientInfo{Channel: bc, ClientID: "old@1", Language: protocol.Java, Version: 10}})
	got = admin.call(adminReq(protocol.GetConsumerRunningInfo, map[string]string{"consumerGroup": "CG2", "clientId": "old@1"}, nil, protocol.JSON))
	assert.Equal(t, got.ResponseCode(), protocol.SystemError)
	assert.Equal(t, got.Remark, fmt.Sprintf("The Consumer <old@1> Version <%s> too low to finish, please upgrade it to V3_1_8_SNAPSHOT", protocol.MQVersion(10)))
}

func TestTopicListAndTopicConfig(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel))
			_, err := b.store.Append("T1", 0, []store.Message{{MessageExt: protocol.MessageExt{Body: []byte("x")}}})
			assert.NilError(t, err)
			c := dial(t, b.Addr())
			registerConsumer(t, b, c, "CG", "c@1", "T2")
			resp := c.call(adminReq(protocol.GetAllTopicListFromNameServer, nil, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			// The system topics the broker registers come too, as from a real name server.
			assert.Equal(t, string(resp.Body), `{"topicList":["%RETRY%CG","BenchmarkTest","DefaultCluster","DefaultCluster_REPLY_TOPIC","OFFSET_MOVED_EVENT","SCHEDULE_TOPIC_XXXX","SELF_TEST_TOPIC","T1","T2","TBW102","broker-a"]}`)

			resp = c.call(adminReq(protocol.GetTopicConfig, map[string]string{"topic": "T1", "lo": "true"}, nil, protocol.JSON))
			if rel == protocol.Release498 {
				assert.Equal(t, resp.ResponseCode(), protocol.RequestCodeNotSupported)
				return
			}
			assert.Equal(t, resp.ResponseCode(), protocol.Success)
			assert.Equal(t, string(resp.Body), `{"attributes":{},"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"T1","topicSysFlag":0,"writeQueueNums":4}`)
			resp = c.call(adminReq(protocol.GetTopicConfig, map[string]string{"topic": "nope"}, nil, protocol.JSON))
			assert.Equal(t, resp.ResponseCode(), protocol.TopicNotExist)
			assert.Equal(t, resp.Remark, "No topic in this broker. topic: nope")
		})
	}
}

func TestConsumeStatsTopicList(t *testing.T) {
	b := Start(t) // 5.x
	_, err := b.store.Append("T1", 0, []store.Message{{MessageExt: protocol.MessageExt{Body: []byte("x")}}})
	assert.NilError(t, err)
	c := dial(t, b.Addr())
	registerConsumer(t, b, c, "CG", "c@1", "Other")
	// topicList skips the subscription check that topic makes.
	resp := c.call(adminReq(protocol.GetConsumeStats, map[string]string{"consumerGroup": "CG", "topicList": "T1;"}, nil, protocol.JSON))
	got, err := protocol.DecodeConsumeStats(resp.Body)
	assert.NilError(t, err)
	assert.Equal(t, len(got.OffsetTable), 4)
	resp = c.call(adminReq(protocol.GetConsumeStats, map[string]string{"consumerGroup": "CG", "topic": "T1"}, nil, protocol.JSON))
	assert.Equal(t, string(resp.Body), `{"consumeTps":0.0,"offsetTable":{}}`)
}
