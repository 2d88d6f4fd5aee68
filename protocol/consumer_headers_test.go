package protocol

import (
	"errors"
	"testing"

	"gotest.tools/v3/assert"
)

// Consumer request headers as each client writes them (keys and value
// forms from the clients' header classes: Java 4.9.8 and 5.3.3 by
// reflection or FastCodesHeader.encode, rocketmq-client-go v2.1.2's Encode
// maps, ali-ons 3.12.0's requestHeader objects).
var (
	pullJava498 = map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "1", "queueOffset": "0",
		"maxMsgNums": "32", "sysFlag": "2", "commitOffset": "0", "suspendTimeoutMillis": "15000",
		"subVersion": "1700000000000", "expressionType": "TAG", "bname": "broker-a"}
	pullJava533 = map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "1", "queueOffset": "7",
		"maxMsgNums": "32", "sysFlag": "3", "commitOffset": "5", "suspendTimeoutMillis": "15000",
		"subVersion": "1700000000000", "expressionType": "TAG", "maxMsgBytes": "262144", "bname": "broker-a"}
	// Go writes every key, the empty subscription and expressionType too.
	pullGo = map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "0", "queueOffset": "3",
		"maxMsgNums": "32", "sysFlag": "3", "commitOffset": "3", "suspendTimeoutMillis": "20000",
		"subscription": "", "subVersion": "1700000000000000000", "expressionType": ""}
	// ali-ons sends the subscription with its bit and no expressionType.
	pullAliOns = map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "2", "queueOffset": "0",
		"maxMsgNums": "32", "sysFlag": "6", "commitOffset": "0", "suspendTimeoutMillis": "15000",
		"subscription": "TagA || TagB", "subVersion": "1700000000000"}
)

func TestConsumerHeadersDecodeEncode(t *testing.T) {
	checkHeaderCases(t, []headerCase{
		{
			name: "38 java 4.9.8 and go",
			ext:  map[string]string{"consumerGroup": "CG"},
			new:  func() headerCodec { return new(GetConsumerListByGroupRequestHeader) },
			want: &GetConsumerListByGroupRequestHeader{ConsumerGroup: "CG"},
		},
		{
			name: "38 java 5.x",
			ext:  map[string]string{"consumerGroup": "CG", "bname": "broker-a"},
			new:  func() headerCodec { return new(GetConsumerListByGroupRequestHeader) },
			want: &GetConsumerListByGroupRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, ConsumerGroup: "CG"},
		},
		{
			name: "14 java 4.9.8",
			ext:  map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "3", "bname": "broker-a"},
			new:  func() headerCodec { return new(QueryConsumerOffsetRequestHeader) },
			want: &QueryConsumerOffsetRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, ConsumerGroup: "CG", Topic: "T", QueueID: 3},
		},
		{
			name: "14 java 5.x setZeroIfNotFound",
			ext:  map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "0", "setZeroIfNotFound": "false", "lo": "false"},
			new:  func() headerCodec { return new(QueryConsumerOffsetRequestHeader) },
			want: &QueryConsumerOffsetRequestHeader{ConsumerGroup: "CG", Topic: "T", SetZeroIfNotFound: Bool(false), Logical: Bool(false)},
		},
		{
			name: "15 go",
			ext:  map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "1", "commitOffset": "42"},
			new:  func() headerCodec { return new(UpdateConsumerOffsetRequestHeader) },
			want: &UpdateConsumerOffsetRequestHeader{ConsumerGroup: "CG", Topic: "T", QueueID: 1, CommitOffset: 42},
		},
		{
			name: "30 java 5.x committed",
			ext:  map[string]string{"topic": "T", "queueId": "1", "committed": "true", "bname": "b"},
			new:  func() headerCodec { return new(GetMaxOffsetRequestHeader) },
			want: &GetMaxOffsetRequestHeader{RPCHeader: RPCHeader{BrokerName: "b"}, Topic: "T", QueueID: 1, Committed: Bool(true)},
		},
		{
			name: "31",
			ext:  map[string]string{"topic": "T", "queueId": "2"},
			new:  func() headerCodec { return new(GetMinOffsetRequestHeader) },
			want: &GetMinOffsetRequestHeader{Topic: "T", QueueID: 2},
		},
		{
			name: "29 java 5.x",
			ext:  map[string]string{"topic": "T", "queueId": "0", "timestamp": "1700000000000", "boundaryType": "LOWER", "bname": "b"},
			new:  func() headerCodec { return new(SearchOffsetRequestHeader) },
			want: &SearchOffsetRequestHeader{RPCHeader: RPCHeader{BrokerName: "b"}, Topic: "T", Timestamp: 1700000000000, BoundaryType: BoundaryLower},
		},
		{
			name: "offset reply",
			ext:  map[string]string{"offset": "-1"},
			new:  func() headerCodec { return new(OffsetResponseHeader) },
			want: &OffsetResponseHeader{Offset: -1},
		},
		{
			name: "11 java 4.9.8",
			ext:  pullJava498,
			new:  func() headerCodec { return new(PullMessageRequestHeader) },
			want: &PullMessageRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, ConsumerGroup: "CG", Topic: "T", QueueID: 1,
				MaxMsgNums: 32, SysFlag: PullSuspend, SuspendTimeoutMillis: 15000, SubVersion: 1700000000000, ExpressionType: ExpressionTypeTag},
		},
		{
			name: "11 java 5.x",
			ext:  pullJava533,
			new:  func() headerCodec { return new(PullMessageRequestHeader) },
			want: &PullMessageRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, ConsumerGroup: "CG", Topic: "T", QueueID: 1,
				QueueOffset: 7, MaxMsgNums: 32, SysFlag: PullSuspend | PullCommitOffset, CommitOffset: 5, SuspendTimeoutMillis: 15000,
				SubVersion: 1700000000000, ExpressionType: ExpressionTypeTag, MaxMsgBytes: Int32(262144)},
		},
		{
			name: "11 go",
			ext:  pullGo,
			new:  func() headerCodec { return new(PullMessageRequestHeader) },
			want: &PullMessageRequestHeader{ConsumerGroup: "CG", Topic: "T", QueueOffset: 3, MaxMsgNums: 32,
				SysFlag: PullSuspend | PullCommitOffset, CommitOffset: 3, SuspendTimeoutMillis: 20000, SubVersion: 1700000000000000000},
			enc: map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "0", "queueOffset": "3",
				"maxMsgNums": "32", "sysFlag": "3", "commitOffset": "3", "suspendTimeoutMillis": "20000", "subVersion": "1700000000000000000"},
		},
		{
			name: "11 ali-ons",
			ext:  pullAliOns,
			new:  func() headerCodec { return new(PullMessageRequestHeader) },
			want: &PullMessageRequestHeader{ConsumerGroup: "CG", Topic: "T", QueueID: 2, MaxMsgNums: 32,
				SysFlag: PullSuspend | PullSubscription, SuspendTimeoutMillis: 15000, Subscription: "TagA || TagB", SubVersion: 1700000000000},
		},
		{
			name: "11 5.x proxy keys",
			ext: map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "0", "queueOffset": "0", "maxMsgNums": "1",
				"sysFlag": "16", "commitOffset": "0", "suspendTimeoutMillis": "0", "subVersion": "0", "requestSource": "1",
				"proxyFrowardClientId": "c1", "lo": "true", "ns": "NS", "nsd": "true", "oway": "false"},
			new: func() headerCodec { return new(PullMessageRequestHeader) },
			want: &PullMessageRequestHeader{RPCHeader: RPCHeader{Namespace: "NS", NamespaceDefined: Bool(true), Oneway: Bool(false)},
				ConsumerGroup: "CG", Topic: "T", MaxMsgNums: 1, SysFlag: PullLitePull, RequestSource: Int32(1),
				ProxyForwardClientID: "c1", Logical: Bool(true)},
		},
		{
			name: "11 reply 4.9.8",
			ext:  map[string]string{"suggestWhichBrokerId": "0", "nextBeginOffset": "3", "minOffset": "0", "maxOffset": "3"},
			new:  func() headerCodec { return new(PullMessageResponseHeader) },
			want: &PullMessageResponseHeader{NextBeginOffset: 3, MaxOffset: 3},
		},
		{
			name: "11 reply 5.x",
			ext: map[string]string{"suggestWhichBrokerId": "0", "nextBeginOffset": "3", "minOffset": "1", "maxOffset": "3",
				"topicSysFlag": "0", "groupSysFlag": "0", "offsetDelta": "-2", "forbiddenType": "1"},
			new: func() headerCodec { return new(PullMessageResponseHeader) },
			want: &PullMessageResponseHeader{NextBeginOffset: 3, MinOffset: 1, MaxOffset: 3, TopicSysFlag: Int32(0),
				GroupSysFlag: Int32(0), OffsetDelta: new(int64(-2)), ForbiddenType: Int32(1)},
		},
		{
			name: "36 java",
			ext: map[string]string{"offset": "4096", "group": "CG", "delayLevel": "0", "originMsgId": "AC11000100002A9F0000000000001000",
				"originTopic": "T", "unitMode": "false", "maxReconsumeTimes": "16", "bname": "broker-a"},
			new: func() headerCodec { return new(ConsumerSendMsgBackRequestHeader) },
			want: &ConsumerSendMsgBackRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, Offset: 4096, Group: "CG",
				OriginMsgID: "AC11000100002A9F0000000000001000", OriginTopic: "T", MaxReconsumeTimes: Int32(16)},
		},
		{
			name: "36 dead letter, no maxReconsumeTimes",
			ext:  map[string]string{"offset": "0", "group": "CG", "delayLevel": "-1", "unitMode": "true"},
			new:  func() headerCodec { return new(ConsumerSendMsgBackRequestHeader) },
			want: &ConsumerSendMsgBackRequestHeader{Group: "CG", DelayLevel: -1, UnitMode: true},
		},
		{
			name: "33 4.9.8",
			ext:  map[string]string{"offset": "1234"},
			new:  func() headerCodec { return new(ViewMessageRequestHeader) },
			want: &ViewMessageRequestHeader{Offset: 1234},
		},
		{
			name: "33 5.x",
			ext:  map[string]string{"offset": "1234", "topic": "T"},
			new:  func() headerCodec { return new(ViewMessageRequestHeader) },
			want: &ViewMessageRequestHeader{Topic: "T", Offset: 1234},
		},
		{
			name: "40",
			ext:  map[string]string{"consumerGroup": "CG"},
			new:  func() headerCodec { return new(NotifyConsumerIdsChangedRequestHeader) },
			want: &NotifyConsumerIdsChangedRequestHeader{ConsumerGroup: "CG"},
		},
		{
			name: "307",
			ext:  map[string]string{"consumerGroup": "CG", "clientId": "10.0.0.1@1", "jstackEnable": "false"},
			new:  func() headerCodec { return new(GetConsumerRunningInfoRequestHeader) },
			want: &GetConsumerRunningInfoRequestHeader{ConsumerGroup: "CG", ClientID: "10.0.0.1@1"},
		},
		{
			name: "203",
			ext:  map[string]string{"consumerGroup": "CG"},
			new:  func() headerCodec { return new(GetConsumerConnectionListRequestHeader) },
			want: &GetConsumerConnectionListRequestHeader{ConsumerGroup: "CG"},
		},
		{
			name: "208 all topics",
			ext:  map[string]string{"consumerGroup": "CG"},
			new:  func() headerCodec { return new(GetConsumeStatsRequestHeader) },
			want: &GetConsumeStatsRequestHeader{ConsumerGroup: "CG"},
		},
		{
			name: "208 5.x topicList",
			ext:  map[string]string{"consumerGroup": "CG", "topic": "T", "topicList": "A;B;"},
			new:  func() headerCodec { return new(GetConsumeStatsRequestHeader) },
			want: &GetConsumeStatsRequestHeader{ConsumerGroup: "CG", Topic: "T", TopicList: "A;B;"},
		},
	})
}

func TestConsumerHeadersErrors(t *testing.T) {
	tests := []struct {
		name string
		h    headerCodec
		ext  map[string]string
		err  string
	}{
		{"38 no group", new(GetConsumerListByGroupRequestHeader), map[string]string{},
			`GetConsumerListByGroupRequestHeader: required field "consumerGroup" is missing`},
		{"14 bad queueId", new(QueryConsumerOffsetRequestHeader), map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "x"},
			`QueryConsumerOffsetRequestHeader: field "queueId": want a 32-bit integer, got "x" (invalid syntax)`},
		{"11 no subVersion", new(PullMessageRequestHeader), map[string]string{"consumerGroup": "CG", "topic": "T", "queueId": "0",
			"queueOffset": "0", "maxMsgNums": "32", "sysFlag": "2", "commitOffset": "0", "suspendTimeoutMillis": "15000"},
			`PullMessageRequestHeader: required field "subVersion" is missing`},
		{"11 reply no maxOffset", new(PullMessageResponseHeader), map[string]string{"suggestWhichBrokerId": "0", "nextBeginOffset": "0", "minOffset": "0"},
			`PullMessageResponseHeader: required field "maxOffset" is missing`},
		{"36 bad unitMode", new(ConsumerSendMsgBackRequestHeader), map[string]string{"offset": "0", "group": "G", "delayLevel": "0", "unitMode": "yes"},
			`ConsumerSendMsgBackRequestHeader: field "unitMode": want "true" or "false", got "yes" (invalid syntax)`},
		{"33 no offset", new(ViewMessageRequestHeader), nil, `ViewMessageRequestHeader: required field "offset" is missing`},
		{"307 no clientId", new(GetConsumerRunningInfoRequestHeader), map[string]string{"consumerGroup": "CG"},
			`GetConsumerRunningInfoRequestHeader: required field "clientId" is missing`},
		{"offset reply overflow", new(OffsetResponseHeader), map[string]string{"offset": "9223372036854775808"},
			`OffsetResponseHeader: field "offset": want a 64-bit integer, got "9223372036854775808" (value out of range)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.Decode(tc.ext)
			assert.Error(t, err, tc.err)
			var mf *MissingFieldError
			var fe *FieldError
			assert.Assert(t, errors.As(err, &mf) || errors.As(err, &fe), "%T", err)
		})
	}
}

func TestPullSysFlag(t *testing.T) {
	// PullSysFlag.buildSysFlag as the clients call it.
	assert.Equal(t, BuildPullSysFlag(false, true, false, false), PullSysFlag(2)) // J, G: nothing committed yet
	assert.Equal(t, BuildPullSysFlag(true, true, false, false), PullSysFlag(3))
	assert.Equal(t, BuildPullSysFlag(false, true, true, false), PullSysFlag(6)) // ali-ons
	assert.Equal(t, BuildPullSysFlag(true, true, true, true), PullSysFlag(15))
	f := PullSysFlag(0x1F)
	assert.Assert(t, f.HasCommitOffset() && f.HasSuspend() && f.HasSubscription() && f.HasClassFilter() && f.HasLitePull())
	assert.Equal(t, f.ClearCommitOffset(), PullSysFlag(0x1E))
	assert.Equal(t, f.ClearSuspend(), PullSysFlag(0x1D))
	assert.Assert(t, !PullSysFlag(0).HasSuspend())
}

func TestConsumerHeaderHelpers(t *testing.T) {
	q := QueryConsumerOffsetRequestHeader{}
	assert.Assert(t, q.ZeroIfNotFound())
	q.SetZeroIfNotFound = Bool(false)
	assert.Assert(t, !q.ZeroIfNotFound())
	assert.Assert(t, (&SearchOffsetRequestHeader{BoundaryType: "upper"}).IsUpper())
	assert.Assert(t, !(&SearchOffsetRequestHeader{BoundaryType: "anything"}).IsUpper())
	for _, tc := range []struct {
		list string
		want []string
	}{{"", nil}, {"  ", nil}, {"A;B;", []string{"A", "B"}}, {";;A;;", []string{"A"}}, {"A; B", []string{"A", " B"}}} {
		assert.DeepEqual(t, (&GetConsumeStatsRequestHeader{TopicList: tc.list}).Topics(), tc.want)
	}
}
