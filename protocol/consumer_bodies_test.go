package protocol

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// The expected bodies below are derived by hand from the Java classes:
// fastjson writes bean properties in alphabetical order, Java HashSet /
// HashMap iterate by bucket (hashCode ^ hashCode>>>16, masked by the table
// size), and the table sizes are HashMap's (16, doubled past 3/4 full) or
// ConcurrentHashMap's (putAll presizes to tableSizeFor(n + n/2 + 1); put
// doubles when 3/4 full). Hash codes used (String.hashCode):
//
//	"TopicTest" -1902610879: bucket 1 of 2 or 4
//	"%RETRY%CG" -1978267930: bucket 0 of 2 or 4
//	"TagA" 2598919 (bucket 0 of 16), "TagB" 2598920 (15), "TagC" 2598921 (14)
//	MessageQueue(TopicTest, broker-a, q).hashCode for q = 0..3:
//	  -222122291 (bucket 15 of 16), -222122260 (14), -222122229 (9), -222122198 (8)

// ali-ons 3.12.0's consumer heartbeat (JSON.stringify of the objects built
// in mq_client.js _prepareHeartbeatData and buildSubscriptionData): key
// order as built, codeSet as numbers, no expressionType for tags.
const hbAliOnsConsumerBody = `{"clientID":"10.0.0.9@capture","consumerDataSet":[{"groupName":"CG","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","subscriptionDataSet":[{"topic":"T","subString":"TagA || TagB","classFilterMode":false,"tagsSet":["TagA","TagB"],"codeSet":[2598919,2598920],"subVersion":1700000000000},{"topic":"%RETRY%CG","subString":"*","classFilterMode":false,"tagsSet":[],"codeSet":[],"subVersion":1700000000001}],"unitMode":false}],"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}]}`

func TestDecodeHeartbeatDataAliOnsConsumer(t *testing.T) {
	got, err := DecodeHeartbeatData([]byte(hbAliOnsConsumerBody))
	assert.NilError(t, err)
	// The Java client's heartbeat (heartbeat_test.go) but for the client id.
	want := *hbJavaConsumer
	want.ClientID = "10.0.0.9@capture"
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// The three clients' consumer heartbeats describe the same subscription.
	for _, body := range []string{hbJavaConsumerBody, hbGoConsumerBody} {
		other, err := DecodeHeartbeatData([]byte(body))
		assert.NilError(t, err)
		assert.DeepEqual(t, other.ConsumerDataSet[0].SubscriptionDataSet[0].CodeSet, []int32{2598919, 2598920})
		assert.DeepEqual(t, other.ConsumerDataSet[0].SubscriptionDataSet[0].TagsSet, []string{"TagA", "TagB"})
	}
}

var consumerConnection = &ConsumerConnection{
	ConnectionSet: []Connection{{ClientAddr: "127.0.0.1:54321", ClientID: "192.168.1.20@31337#8837465123456", Language: Java, Version: 479}},
	SubscriptionTable: map[string]SubscriptionData{
		"TopicTest": {CodeSet: []int32{2598920, 2598921, 2598919}, ExpressionType: ExpressionTypeTag, SubString: "TagA || TagB || TagC",
			SubVersion: 1700000000000, TagsSet: []string{"TagB", "TagC", "TagA"}, Topic: "TopicTest"},
		"%RETRY%CG": {ExpressionType: ExpressionTypeTag, SubString: "*", SubVersion: 1700000000001, Topic: "%RETRY%CG"},
	},
	ConsumeType:      ConsumePassively,
	MessageModel:     MessageModelClustering,
	ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
}

// putAll of 2 entries: a table of 4, %RETRY%CG (bucket 0) before
// TopicTest (bucket 1); tags and codes by bucket 0, 14, 15.
const consumerConnectionBody = `{"connectionSet":[{"clientAddr":"127.0.0.1:54321","clientId":"192.168.1.20@31337#8837465123456","language":"JAVA","version":479}],` +
	`"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",` +
	`"subscriptionTable":{"%RETRY%CG":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000001,"tagsSet":[],"topic":"%RETRY%CG"},` +
	`"TopicTest":{"classFilterMode":false,"codeSet":[2598919,2598921,2598920],"expressionType":"TAG","subString":"TagA || TagB || TagC","subVersion":1700000000000,"tagsSet":["TagA","TagC","TagB"],"topic":"TopicTest"}}}`

func TestConsumerConnectionMarshal(t *testing.T) {
	assert.Equal(t, string(consumerConnection.Marshal()), consumerConnectionBody)
	// Marshal leaves the caller's slices alone.
	assert.DeepEqual(t, consumerConnection.SubscriptionTable["TopicTest"].TagsSet, []string{"TagB", "TagC", "TagA"})

	got, err := DecodeConsumerConnection([]byte(consumerConnectionBody))
	assert.NilError(t, err)
	want := *consumerConnection
	want.SubscriptionTable = map[string]SubscriptionData{
		"TopicTest": {CodeSet: []int32{2598919, 2598921, 2598920}, ExpressionType: ExpressionTypeTag, SubString: "TagA || TagB || TagC",
			SubVersion: 1700000000000, TagsSet: []string{"TagA", "TagC", "TagB"}, Topic: "TopicTest"},
		"%RETRY%CG": consumerConnection.SubscriptionTable["%RETRY%CG"],
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	assert.Equal(t, string(got.Marshal()), consumerConnectionBody)

	// Empty: the enums are null and left out.
	assert.Equal(t, string((&ConsumerConnection{}).Marshal()), `{"connectionSet":[],"subscriptionTable":{}}`)
}

var consumeStatsTable = map[MessageQueue]OffsetWrapper{
	{Topic: "TopicTest", BrokerName: "broker-a", QueueID: 0}: {BrokerOffset: 5, ConsumerOffset: 5, PullOffset: 5, LastTimestamp: 1700000000123},
	{Topic: "TopicTest", BrokerName: "broker-a", QueueID: 1}: {BrokerOffset: 4, ConsumerOffset: 2, PullOffset: 3, LastTimestamp: 1700000000456},
	{Topic: "TopicTest", BrokerName: "broker-a", QueueID: 2}: {},
	{Topic: "TopicTest", BrokerName: "broker-a", QueueID: 3}: {BrokerOffset: 1},
}

// Queues 3, 2, 1, 0: buckets 8, 9, 14, 15 of 16 (HashMap and
// ConcurrentHashMap alike for four entries).
const (
	consumeStats498Body = `{"consumeTps":0.0,"offsetTable":{` +
		`{"brokerName":"broker-a","queueId":3,"topic":"TopicTest"}:{"brokerOffset":1,"consumerOffset":0,"lastTimestamp":0},` +
		`{"brokerName":"broker-a","queueId":2,"topic":"TopicTest"}:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0},` +
		`{"brokerName":"broker-a","queueId":1,"topic":"TopicTest"}:{"brokerOffset":4,"consumerOffset":2,"lastTimestamp":1700000000456},` +
		`{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}:{"brokerOffset":5,"consumerOffset":5,"lastTimestamp":1700000000123}}}`
	consumeStats533Body = `{"consumeTps":1.5,"offsetTable":{` +
		`{"brokerName":"broker-a","queueId":3,"topic":"TopicTest"}:{"brokerOffset":1,"consumerOffset":0,"lastTimestamp":0,"pullOffset":0},` +
		`{"brokerName":"broker-a","queueId":2,"topic":"TopicTest"}:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0,"pullOffset":0},` +
		`{"brokerName":"broker-a","queueId":1,"topic":"TopicTest"}:{"brokerOffset":4,"consumerOffset":2,"lastTimestamp":1700000000456,"pullOffset":3},` +
		`{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}:{"brokerOffset":5,"consumerOffset":5,"lastTimestamp":1700000000123,"pullOffset":5}}}`
)

func TestConsumeStatsMarshal(t *testing.T) {
	v4 := &ConsumeStats{OffsetTable: consumeStatsTable}
	assert.Equal(t, string(v4.MarshalAs(Release498)), consumeStats498Body)
	v5 := &ConsumeStats{OffsetTable: consumeStatsTable, ConsumeTps: 1.5}
	assert.Equal(t, string(v5.Marshal()), consumeStats533Body)
	assert.Equal(t, string((&ConsumeStats{}).MarshalAs(Release498)), `{"consumeTps":0.0,"offsetTable":{}}`)

	got, err := DecodeConsumeStats([]byte(consumeStats533Body))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, v5)
	got, err = DecodeConsumeStats([]byte(consumeStats498Body))
	assert.NilError(t, err)
	want := map[MessageQueue]OffsetWrapper{}
	for q, o := range consumeStatsTable {
		o.PullOffset = 0
		want[q] = o
	}
	assert.DeepEqual(t, got, &ConsumeStats{OffsetTable: want})

	// Keys written as JSON text, white space, and a null table.
	got, err = DecodeConsumeStats([]byte(` { "offsetTable" : { "{\"topic\":\"T\",\"queueId\":1}" : {"brokerOffset":2} } , "consumeTps" : 2 } `))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, &ConsumeStats{OffsetTable: map[MessageQueue]OffsetWrapper{{Topic: "T", QueueID: 1}: {BrokerOffset: 2}}, ConsumeTps: 2})
	got, err = DecodeConsumeStats([]byte(`{"offsetTable":null,"consumeTps":null}`))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, &ConsumeStats{})

	for body, msg := range map[string]string{
		"":                                     "ConsumeStats: empty body, want a JSON object",
		"null":                                 "ConsumeStats: body is JSON null, want a JSON object",
		`{"offsetTable":{{"topic":"T"}}}`:      `ConsumeStats: want ':' after an object key at byte 29`,
		`{"offsetTable":{[1]:{}}}`:             `ConsumeStats: offsetTable: key [1]: want a MessageQueue object: json: cannot unmarshal array into Go value of type protocol.messageQueueWire`,
		`{"offsetTable":{{"queueId":"x"}:{}}}`: `ConsumeStats: offsetTable: key {"queueId":"x"}: want a MessageQueue object: json: cannot unmarshal string into Go struct field messageQueueWire.queueId of type int32`,
		`{"consumeTps":"fast"}`:                `ConsumeStats: consumeTps: json: cannot unmarshal string into Go value of type float64`,
		`{"a":1} x`:                            `ConsumeStats: unexpected 'x' after the object at byte 8`,
	} {
		_, err := DecodeConsumeStats([]byte(body))
		assert.Error(t, err, msg, "body %q", body)
	}
}

func TestJavaTableSizes(t *testing.T) {
	// ConcurrentHashMap doubles on reaching 3/4, HashMap on passing it.
	for n, want := range map[int]int{0: 16, 11: 16, 12: 32, 23: 32, 24: 64} {
		assert.Equal(t, javaConcurrentTable(n), want, "n=%d", n)
	}
	// 12 queues: HashMap (table 16) and ConcurrentHashMap (table 32) differ.
	var mqs []MessageQueue
	for _, topic := range []string{"TopicTest", "%RETRY%CG", "X"} {
		for q := int32(0); q < 4; q++ {
			mqs = append(mqs, MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: q})
		}
	}
	table := map[MessageQueue]OffsetWrapper{}
	for _, q := range mqs {
		table[q] = OffsetWrapper{}
	}
	s := &ConsumeStats{OffsetTable: table}
	assert.Assert(t, string(s.MarshalAs(Release498)) != string(s.MarshalAs(Release533)))
	assert.Equal(t, JavaMessageQueueOrder(mqs, 0)[0], MessageQueue{Topic: "%RETRY%CG", BrokerName: "broker-a", QueueID: 2})
}

func TestFjAppendDouble(t *testing.T) {
	a, b := 0.1, 0.2
	point3 := a + b // at run time: not 0.3
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1, "1.0"}, {1.5, "1.5"}, {-2.5, "-2.5"}, {100, "100.0"},
		{123.456, "123.456"}, {0.001, "0.001"}, {0.0001, "1.0E-4"}, {1234567, "1234567.0"}, {1e7, "1.0E7"},
		{12345678.9, "1.23456789E7"}, {point3, "0.30000000000000004"}, {1e-10, "1.0E-10"}, {1.5e300, "1.5E300"},
		{math.NaN(), "null"}, {math.Inf(1), "null"}, {math.Inf(-1), "null"},
	} {
		assert.Equal(t, string(fjAppendDouble(nil, tc.v)), tc.want, "%v", tc.v)
	}
}

func TestLockBatchBodies(t *testing.T) {
	mqs := []MessageQueue{{Topic: "T", BrokerName: "broker-a", QueueID: 0}, {Topic: "T", BrokerName: "broker-a", QueueID: 1}}
	req := &LockBatchRequestBody{ConsumerGroup: "CG", ClientID: "10.0.0.1@1", MQSet: mqs}
	const v5 = `{"clientId":"10.0.0.1@1","consumerGroup":"CG","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"T"},{"brokerName":"broker-a","queueId":1,"topic":"T"}],"onlyThisBroker":false}`
	const v4 = `{"clientId":"10.0.0.1@1","consumerGroup":"CG","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"T"},{"brokerName":"broker-a","queueId":1,"topic":"T"}]}`
	assert.Equal(t, string(req.Marshal()), v5)
	assert.Equal(t, string(req.MarshalAs(Release498)), v4)
	// rocketmq-client-go v2.1.2 (encoding/json, declaration order).
	const goBody = `{"consumerGroup":"CG","clientId":"10.0.0.1@1","mqSet":[{"topic":"T","brokerName":"broker-a","queueId":0},{"topic":"T","brokerName":"broker-a","queueId":1}]}`
	for _, body := range []string{v5, v4, goBody} {
		got, err := DecodeLockBatchRequestBody([]byte(body))
		assert.NilError(t, err)
		assert.DeepEqual(t, got, req)
	}
	var unlock *UnlockBatchRequestBody = req
	assert.Equal(t, string(unlock.MarshalAs(Release498)), v4)

	resp := &LockBatchResponseBody{LockOKMQSet: JavaMessageQueueOrder(append([]MessageQueue(nil), mqs...), 0)}
	const respBody = `{"lockOKMQSet":[{"brokerName":"broker-a","queueId":1,"topic":"T"},{"brokerName":"broker-a","queueId":0,"topic":"T"}]}`
	assert.Equal(t, string(resp.Marshal()), respBody)
	got, err := DecodeLockBatchResponseBody([]byte(respBody))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, resp)
	assert.Equal(t, string((&LockBatchResponseBody{}).Marshal()), `{"lockOKMQSet":[]}`)
}

func TestGetConsumerListByGroupResponseBody(t *testing.T) {
	b := &GetConsumerListByGroupResponseBody{ConsumerIDList: []string{"10.0.0.1@1", "10.0.0.2@2"}}
	const body = `{"consumerIdList":["10.0.0.1@1","10.0.0.2@2"]}`
	assert.Equal(t, string(b.Marshal()), body)
	got, err := DecodeGetConsumerListByGroupResponseBody([]byte(body))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, b)
	assert.Equal(t, string((&GetConsumerListByGroupResponseBody{}).Marshal()), `{}`)
	_, err = DecodeGetConsumerListByGroupResponseBody(nil)
	assert.Error(t, err, "GetConsumerListByGroupResponseBody: empty body, want a JSON object")
}

// A Java consumer's GET_CONSUMER_RUNNING_INFO reply (fastjson, TreeMap /
// TreeSet order, object keys) and a Go v2.1.2 one (ConsumerRunningInfo.Encode).
const (
	runningInfoJava = `{"jstack":"","mqPopTable":{},"mqTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"cachedMsgCount":0,"cachedMsgMaxOffset":0,"cachedMsgMinOffset":0,"cachedMsgSizeInMiB":0,"commitOffset":12,"droped":false,"lastConsumeTimestamp":1700000000000,"lastLockTimestamp":1699999999000,"lastPullTimestamp":1700000000001,"locked":false,"transactionMsgCount":0,"transactionMsgMaxOffset":0,"transactionMsgMinOffset":0,"tryUnlockTimes":0}},` +
		`"properties":{"PROP_CLIENT_VERSION":"V5_3_3","PROP_CONSUMEORDERLY":"false","PROP_THREADPOOL_CORE_SIZE":"20","consumerGroup":"CG","pullBatchSize":32},` +
		`"statusTable":{"T":{"consumeFailedMsgs":0,"consumeFailedTPS":0.0,"consumeOKTPS":1.5,"consumeRT":2.0,"pullRT":3.25,"pullTPS":4.0}},` +
		`"subscriptionSet":[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000000,"tagsSet":[],"topic":"T"}],"userConsumerInfo":{}}`
	runningInfoGo = `{"properties":{"PROP_CLIENT_VERSION":"v2.1.2","PROP_CONSUMEORDERLY":"false"},"statusTable":{"T":{"pullRT":3.25,"pullTPS":4,"consumeRT":2,"consumeOKTPS":1.5,"consumeFailedTPS":0,"consumeFailedMsgs":0}},` +
		`"subscriptionSet":[{"classFilterMode":false,"topic":"T","subString":"*","tagsSet":[],"codeSet":[],"subVersion":1700000000000,"expressionType":"TAG"}],` +
		`"mqTable":{{"topic":"T","brokerName":"broker-a","queueId":0}:{"commitOffset":12,"cachedMsgMinOffset":0,"cachedMsgMaxOffset":0,"cachedMsgCount":0,"cachedMsgSizeInMiB":0,"transactionMsgMinOffset":0,"transactionMsgMaxOffset":0,"transactionMsgCount":0,"locked":false,"tryUnlockTimes":0,"lastLockTimestamp":1699999999000,"dropped":true,"lastPullTimestamp":1700000000001,"lastConsumeTimestamp":1700000000000}}, "jstack":"" }`
)

func TestDecodeConsumerRunningInfo(t *testing.T) {
	q := MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}
	pq := ProcessQueueInfo{CommitOffset: 12, LastLockTimestamp: 1699999999000, LastPullTimestamp: 1700000000001, LastConsumeTimestamp: 1700000000000}
	status := map[string]ConsumeStatus{"T": {PullRT: 3.25, PullTPS: 4, ConsumeRT: 2, ConsumeOKTPS: 1.5}}
	sub := []SubscriptionData{{ExpressionType: ExpressionTypeTag, SubString: "*", SubVersion: 1700000000000, Topic: "T"}}

	got, err := DecodeConsumerRunningInfo([]byte(runningInfoJava))
	assert.NilError(t, err)
	want := &ConsumerRunningInfo{
		Properties: map[string]string{"PROP_CLIENT_VERSION": "V5_3_3", "PROP_CONSUMEORDERLY": "false",
			"PROP_THREADPOOL_CORE_SIZE": "20", "consumerGroup": "CG", "pullBatchSize": "32"},
		SubscriptionSet: sub, MQTable: map[MessageQueue]ProcessQueueInfo{q: pq}, StatusTable: status,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("java (-want +got):\n%s", diff)
	}

	got, err = DecodeConsumerRunningInfo([]byte(runningInfoGo))
	assert.NilError(t, err)
	pq.Dropped = true
	want = &ConsumerRunningInfo{
		Properties:      map[string]string{"PROP_CLIENT_VERSION": "v2.1.2", "PROP_CONSUMEORDERLY": "false"},
		SubscriptionSet: sub, MQTable: map[MessageQueue]ProcessQueueInfo{q: pq}, StatusTable: status,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("go (-want +got):\n%s", diff)
	}

	_, err = DecodeConsumerRunningInfo([]byte(`{"mqTable":{{"topic":"T"}:[]}}`))
	assert.ErrorContains(t, err, `ConsumerRunningInfo: mqTable: value of {"topic":"T"}: json: cannot unmarshal array`)
}

func TestMessageQueue(t *testing.T) {
	q := MessageQueue{Topic: "TopicTest", BrokerName: "broker-a", QueueID: 3}
	assert.Equal(t, q.JavaHash(), int32(-222122198))
	assert.Equal(t, q.String(), "MessageQueue [topic=TopicTest, brokerName=broker-a, queueId=3]")
	assert.Assert(t, q.Compare(MessageQueue{Topic: "TopicTest", BrokerName: "broker-a", QueueID: 4}) < 0)
	assert.Assert(t, q.Compare(MessageQueue{Topic: "TopicTest", BrokerName: "broker-b"}) < 0)
	assert.Assert(t, q.Compare(MessageQueue{Topic: "A", BrokerName: "z", QueueID: 9}) > 0)
}
