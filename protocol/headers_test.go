package protocol

import (
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// headerCodec is what every typed header implements.
type headerCodec interface {
	Decode(map[string]string) error
	Encode() map[string]string
}

// headerCase is one decode and encode round trip of a typed header.
type headerCase struct {
	name string
	ext  map[string]string
	new  func() headerCodec
	want headerCodec
	enc  map[string]string // what Encode gives back, when not ext
}

// checkHeaderCases decodes each case's ext into want, checks that Encode
// gives back ext (or enc) and that this decodes into want again.
func checkHeaderCases(t *testing.T, cases []headerCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.new()
			assert.NilError(t, got.Decode(tc.ext))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("decoded (-want +got):\n%s", diff)
			}
			enc := tc.enc
			if enc == nil {
				enc = tc.ext
			}
			assert.DeepEqual(t, got.Encode(), enc)
			again := tc.new()
			assert.NilError(t, again.Decode(got.Encode()))
			assert.DeepEqual(t, again, tc.want)
		})
	}
}

func TestHeadersDecodeEncode(t *testing.T) {
	checkHeaderCases(t, []headerCase{
		{
			name: "heartbeat 5.x empty",
			ext:  map[string]string{},
			new:  func() headerCodec { return new(HeartbeatRequestHeader) },
			want: &HeartbeatRequestHeader{},
		},
		{
			name: "heartbeat with rpc keys",
			ext:  map[string]string{"ns": "NS1", "nsd": "true", "bname": "broker-a", "oway": "false"},
			new:  func() headerCodec { return new(HeartbeatRequestHeader) },
			want: &HeartbeatRequestHeader{RPCHeader{Namespace: "NS1", NamespaceDefined: Bool(true), BrokerName: "broker-a", Oneway: Bool(false)}},
		},
		{
			name: "unregister producer",
			ext:  map[string]string{"clientID": "10.0.0.1@123#456", "producerGroup": "PG"},
			new:  func() headerCodec { return new(UnregisterClientRequestHeader) },
			want: &UnregisterClientRequestHeader{ClientID: "10.0.0.1@123#456", ProducerGroup: "PG"},
		},
		{
			name: "unregister consumer",
			ext:  map[string]string{"clientID": "c1", "consumerGroup": "CG"},
			new:  func() headerCodec { return new(UnregisterClientRequestHeader) },
			want: &UnregisterClientRequestHeader{ClientID: "c1", ConsumerGroup: "CG"},
		},
		{
			name: "producer connection list",
			ext:  map[string]string{"producerGroup": "PG"},
			new:  func() headerCodec { return new(GetProducerConnectionListRequestHeader) },
			want: &GetProducerConnectionListRequestHeader{ProducerGroup: "PG"},
		},
		{
			name: "route info",
			ext:  map[string]string{"topic": "T"},
			new:  func() headerCodec { return new(GetRouteInfoRequestHeader) },
			want: &GetRouteInfoRequestHeader{Topic: "T"},
		},
		{
			name: "route info all keys",
			ext:  map[string]string{"topic": "T", "acceptStandardJsonOnly": "true", "lo": "false", "bname": "b"},
			new:  func() headerCodec { return new(GetRouteInfoRequestHeader) },
			want: &GetRouteInfoRequestHeader{RPCHeader: RPCHeader{BrokerName: "b"}, Topic: "T", AcceptStandardJsonOnly: Bool(true), Logical: Bool(false)},
		},
		{
			name: "send response 5.x",
			ext: map[string]string{"queueId": "1", "transactionId": "7F000001B3E418B4AAC25C3B7E4E0000",
				"msgId": "7F00000100002A9F0000000000000000", "TRACE_ON": "true", "MSG_REGION": "DefaultRegion", "queueOffset": "0"},
			new: func() headerCodec { return new(SendMessageResponseHeader) },
			want: &SendMessageResponseHeader{MsgID: "7F00000100002A9F0000000000000000", QueueID: 1, QueueOffset: 0,
				TransactionID: "7F000001B3E418B4AAC25C3B7E4E0000", MsgRegion: "DefaultRegion", TraceOn: Bool(true)},
		},
		{
			name: "send response batch extras",
			ext:  map[string]string{"msgId": "A,B", "queueId": "3", "queueOffset": "9000000000", "batchUniqId": "U", "recallHandle": "R"},
			new:  func() headerCodec { return new(SendMessageResponseHeader) },
			want: &SendMessageResponseHeader{MsgID: "A,B", QueueID: 3, QueueOffset: 9000000000, BatchUniqID: "U", RecallHandle: "R"},
		},
		{
			name: "end transaction java",
			ext: map[string]string{"producerGroup": "PG", "tranStateTableOffset": "5", "commitLogOffset": "1024",
				"commitOrRollback": "8", "fromTransactionCheck": "false", "msgId": "UNIQ", "transactionId": "UNIQ",
				"bname": "broker-a", "topic": "T"},
			new: func() headerCodec { return new(EndTransactionRequestHeader) },
			want: &EndTransactionRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, Topic: "T", ProducerGroup: "PG",
				TranStateTableOffset: 5, CommitLogOffset: 1024, CommitOrRollback: TransactionCommitType,
				MsgID: "UNIQ", TransactionID: "UNIQ"},
		},
		{
			name: "end transaction from check rollback",
			ext: map[string]string{"producerGroup": "PG", "tranStateTableOffset": "0", "commitLogOffset": "0",
				"commitOrRollback": "12", "fromTransactionCheck": "true", "msgId": "M"},
			new: func() headerCodec { return new(EndTransactionRequestHeader) },
			want: &EndTransactionRequestHeader{ProducerGroup: "PG", CommitOrRollback: TransactionRollbackType,
				FromTransactionCheck: true, MsgID: "M"},
		},
		{
			name: "check transaction state",
			ext: map[string]string{"tranStateTableOffset": "7", "commitLogOffset": "4096", "msgId": "U",
				"transactionId": "U", "offsetMsgId": "7F00000100002A9F0000000000001000", "topic": "T", "bname": "broker-a"},
			new: func() headerCodec { return new(CheckTransactionStateRequestHeader) },
			want: &CheckTransactionStateRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, Topic: "T",
				TranStateTableOffset: 7, CommitLogOffset: 4096, MsgID: "U", TransactionID: "U",
				OffsetMsgID: "7F00000100002A9F0000000000001000"},
		},
	})
}

func TestHeadersMissingField(t *testing.T) {
	tests := []struct {
		name   string
		h      headerCodec
		ext    map[string]string
		header string
		field  string
	}{
		{"unregister", new(UnregisterClientRequestHeader), map[string]string{"producerGroup": "PG"}, "UnregisterClientRequestHeader", "clientID"},
		{"unregister nil ext", new(UnregisterClientRequestHeader), nil, "UnregisterClientRequestHeader", "clientID"},
		{"producer connection", new(GetProducerConnectionListRequestHeader), map[string]string{}, "GetProducerConnectionListRequestHeader", "producerGroup"},
		{"route", new(GetRouteInfoRequestHeader), map[string]string{"acceptStandardJsonOnly": "true"}, "GetRouteInfoRequestHeader", "topic"},
		{"send v1 topic", new(SendMessageRequestHeader), map[string]string{
			"producerGroup": "PG", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4", "queueId": "0",
			"sysFlag": "0", "bornTimestamp": "1", "flag": "0"}, "SendMessageRequestHeader", "topic"},
		{"send v1 flag", new(SendMessageRequestHeader), map[string]string{
			"producerGroup": "PG", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4", "queueId": "0",
			"sysFlag": "0", "bornTimestamp": "1"}, "SendMessageRequestHeader", "flag"},
		{"send response", new(SendMessageResponseHeader), map[string]string{"msgId": "X", "queueId": "0"}, "SendMessageResponseHeader", "queueOffset"},
		{"end tx msgId", new(EndTransactionRequestHeader), map[string]string{"producerGroup": "PG", "tranStateTableOffset": "1",
			"commitLogOffset": "2", "commitOrRollback": "0"}, "EndTransactionRequestHeader", "msgId"},
		{"end tx commitOrRollback", new(EndTransactionRequestHeader), map[string]string{"producerGroup": "PG", "tranStateTableOffset": "1",
			"commitLogOffset": "2", "msgId": "M"}, "EndTransactionRequestHeader", "commitOrRollback"},
		{"check tx", new(CheckTransactionStateRequestHeader), map[string]string{"tranStateTableOffset": "1"}, "CheckTransactionStateRequestHeader", "commitLogOffset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.Decode(tc.ext)
			var mf *MissingFieldError
			assert.Assert(t, errors.As(err, &mf), "got %v", err)
			assert.DeepEqual(t, mf, &MissingFieldError{Header: tc.header, Field: tc.field})
			assert.Equal(t, err.Error(), tc.header+": required field \""+tc.field+"\" is missing")
		})
	}
}

func TestHeadersFieldError(t *testing.T) {
	// sendExt is a valid SEND_MESSAGE header but for key = value.
	sendExt := func(key, value string) map[string]string {
		ext := map[string]string{"producerGroup": "PG", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
			"queueId": "0", "sysFlag": "0", "bornTimestamp": "1", "flag": "0"}
		ext[key] = value
		return ext
	}
	tests := []struct {
		name    string
		h       headerCodec
		ext     map[string]string
		field   string
		value   string
		message string
		cause   error
	}{
		{
			name: "queueId not a number", h: new(SendMessageRequestHeader),
			ext:   sendExt("queueId", "abc"),
			field: "queueId", value: "abc", cause: strconv.ErrSyntax,
			message: `SendMessageRequestHeader: field "queueId": want a 32-bit integer, got "abc" (invalid syntax)`,
		},
		{
			name: "queueId out of range", h: new(SendMessageRequestHeader),
			ext:   sendExt("queueId", "4294967296"),
			field: "queueId", value: "4294967296", cause: strconv.ErrRange,
			message: `SendMessageRequestHeader: field "queueId": want a 32-bit integer, got "4294967296" (value out of range)`,
		},
		{
			name: "bornTimestamp empty", h: new(SendMessageRequestHeader),
			ext:   sendExt("bornTimestamp", ""),
			field: "bornTimestamp", value: "", cause: strconv.ErrSyntax,
			message: `SendMessageRequestHeader: field "bornTimestamp": want a 64-bit integer, got "" (invalid syntax)`,
		},
		{
			name: "bool", h: new(GetRouteInfoRequestHeader),
			ext:   map[string]string{"topic": "T", "acceptStandardJsonOnly": "yes"},
			field: "acceptStandardJsonOnly", value: "yes", cause: strconv.ErrSyntax,
			message: `GetRouteInfoRequestHeader: field "acceptStandardJsonOnly": want "true" or "false", got "yes" (invalid syntax)`,
		},
		{
			name: "rpc bool", h: new(HeartbeatRequestHeader),
			ext:   map[string]string{"oway": "1"},
			field: "oway", value: "1", cause: strconv.ErrSyntax,
			message: `HeartbeatRequestHeader: field "oway": want "true" or "false", got "1" (invalid syntax)`,
		},
		{
			name: "commitOrRollback wrong", h: new(EndTransactionRequestHeader),
			ext: map[string]string{"producerGroup": "PG", "tranStateTableOffset": "1", "commitLogOffset": "2",
				"commitOrRollback": "4", "msgId": "M"},
			field: "commitOrRollback", value: "4", cause: ErrBadCommitOrRollback,
			message: `EndTransactionRequestHeader: field "commitOrRollback": want 0 (not type), 8 (commit) or 12 (rollback), got "4" (commitOrRollback field wrong)`,
		},
		{
			name: "check tx offset", h: new(CheckTransactionStateRequestHeader),
			ext:   map[string]string{"tranStateTableOffset": "x1", "commitLogOffset": "2"},
			field: "tranStateTableOffset", value: "x1", cause: strconv.ErrSyntax,
			message: `CheckTransactionStateRequestHeader: field "tranStateTableOffset": want a 64-bit integer, got "x1" (invalid syntax)`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.Decode(tc.ext)
			var fe *FieldError
			assert.Assert(t, errors.As(err, &fe), "got %v", err)
			assert.Equal(t, fe.Field, tc.field)
			assert.Equal(t, fe.Value, tc.value)
			assert.Equal(t, err.Error(), tc.message)
			assert.Assert(t, errors.Is(err, tc.cause), "%v does not wrap %v", err, tc.cause)
		})
	}
}

func TestFieldErrorUnwrapsNumError(t *testing.T) {
	var h CheckTransactionStateRequestHeader
	err := h.Decode(map[string]string{"tranStateTableOffset": "1", "commitLogOffset": "zz"})
	var ne *strconv.NumError
	assert.Assert(t, errors.As(err, &ne))
	assert.Equal(t, ne.Num, "zz")
	// The other fields still decode.
	assert.Equal(t, h.TranStateTableOffset, int64(1))
}

func TestBoolIsCaseInsensitive(t *testing.T) {
	var h GetRouteInfoRequestHeader
	assert.NilError(t, h.Decode(map[string]string{"topic": "T", "acceptStandardJsonOnly": "TRUE", "lo": "False"}))
	assert.DeepEqual(t, h.AcceptStandardJsonOnly, Bool(true))
	assert.DeepEqual(t, h.Logical, Bool(false))
}

func TestFirstErrorWins(t *testing.T) {
	var h UnregisterClientRequestHeader
	err := h.Decode(map[string]string{"consumerGroup": "CG", "nsd": "maybe"})
	var mf *MissingFieldError
	assert.Assert(t, errors.As(err, &mf))
	assert.Equal(t, mf.Field, "clientID")
	assert.Equal(t, h.ConsumerGroup, "CG")
}

// Go client's V1 header (internal/request.go: SendMessageRequestHeader.Encode).
var goSendV1 = map[string]string{
	"producerGroup": "PG", "topic": "T", "queueId": "2", "sysFlag": "0", "bornTimestamp": "1700000000000",
	"flag": "0", "reconsumeTimes": "0", "unitMode": "false", "maxReconsumeTimes": "0",
	"defaultTopic": "TBW102", "defaultTopicQueueNums": "4", "batch": "false",
	"properties": "UNIQ_KEY\x01AC1100010001\x02WAIT\x01true\x02", "bname": "broker-a",
}

// Java client's V2 header for a single send (SendMessageRequestHeaderV2).
var javaSendV2 = map[string]string{
	"a": "PG", "b": "T", "c": "TBW102", "d": "4", "e": "1", "f": "0", "g": "1700000000001", "h": "0",
	"i": "UNIQ_KEY\x017F000001B3E418B4AAC25C3B7E4E0000\x02WAIT\x01true\x02TAGS\x01TagA\x02",
	"j": "0", "k": "false", "m": "false", "n": "broker-a",
}

func TestDecodeSendMessageHeader(t *testing.T) {
	// What goSendV1 and javaSendV2 decode to, under their own code or,
	// leniently, the other one.
	goV1 := &SendMessageRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, ProducerGroup: "PG", Topic: "T",
		DefaultTopic: "TBW102", DefaultTopicQueueNums: 4, QueueID: 2, BornTimestamp: 1700000000000,
		Properties: "UNIQ_KEY\x01AC1100010001\x02WAIT\x01true\x02", ReconsumeTimes: Int32(0), UnitMode: Bool(false),
		Batch: Bool(false), MaxReconsumeTimes: Int32(0)}
	javaV2 := &SendMessageRequestHeader{RPCHeader: RPCHeader{BrokerName: "broker-a"}, ProducerGroup: "PG", Topic: "T",
		DefaultTopic: "TBW102", DefaultTopicQueueNums: 4, QueueID: 1, BornTimestamp: 1700000000001,
		Properties:     "UNIQ_KEY\x017F000001B3E418B4AAC25C3B7E4E0000\x02WAIT\x01true\x02TAGS\x01TagA\x02",
		ReconsumeTimes: Int32(0), UnitMode: Bool(false), Batch: Bool(false)}
	tests := []struct {
		name string
		code RequestCode
		ext  map[string]string
		want *SendMessageRequestHeader
	}{
		{name: "go v1 on 10", code: SendMessage, ext: goSendV1, want: goV1},
		{name: "java v2 on 310", code: SendMessageV2, ext: javaSendV2, want: javaV2},
		{
			name: "go batch v2 on 320", code: SendBatchMessage,
			ext: map[string]string{"a": "PG", "b": "T", "c": "TBW102", "d": "4", "e": "0", "f": "0", "g": "5", "h": "0",
				"i": "", "j": "0", "k": "false", "l": "16", "m": "true", "n": ""},
			want: &SendMessageRequestHeader{ProducerGroup: "PG", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
				BornTimestamp: 5, ReconsumeTimes: Int32(0), UnitMode: Bool(false), MaxReconsumeTimes: Int32(16), Batch: Bool(true)},
		},
		{name: "v1 keys on 310 (lenient)", code: SendMessageV2, ext: goSendV1, want: goV1},
		{name: "v2 keys on 10 (lenient)", code: SendMessage, ext: javaSendV2, want: javaV2},
		{
			name: "mixed keys", code: SendMessage,
			ext: map[string]string{"a": "PG", "topic": "T", "c": "TBW102", "defaultTopicQueueNums": "4", "e": "-1",
				"sysFlag": "1", "g": "9", "flag": "3", "lo": "true", "ns": "N"},
			want: &SendMessageRequestHeader{RPCHeader: RPCHeader{Namespace: "N"}, ProducerGroup: "PG", Topic: "T",
				DefaultTopic: "TBW102", DefaultTopicQueueNums: 4, QueueID: -1, SysFlag: 1, BornTimestamp: 9, Flag: 3,
				Logical: Bool(true)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeSendMessageHeader(tc.code, tc.ext)
			assert.NilError(t, err)
			assert.DeepEqual(t, got, tc.want)
		})
	}
}

func TestSendMessageHeaderRoundTrip(t *testing.T) {
	h, err := DecodeSendMessageHeader(SendMessageV2, javaSendV2)
	assert.NilError(t, err)
	assert.DeepEqual(t, h.EncodeV2(), javaSendV2)

	h, err = DecodeSendMessageHeader(SendMessage, goSendV1)
	assert.NilError(t, err)
	assert.DeepEqual(t, h.Encode(), goSendV1)

	// V1 -> V2 -> V1 through the key maps.
	v2 := h.EncodeV2()
	for short, v := range v2 {
		long, ok := SendHeaderV2Keys[short]
		assert.Assert(t, ok, "unexpected V2 key %q", short)
		assert.Equal(t, goSendV1[long], v)
	}
	back, err := DecodeSendMessageHeader(SendBatchMessage, v2)
	assert.NilError(t, err)
	assert.DeepEqual(t, back, h)
	assert.Assert(t, !back.IsBatch())
}

func TestSendHeaderV2Key(t *testing.T) {
	for short, long := range SendHeaderV2Keys {
		got, ok := SendHeaderV2Key(long)
		assert.Assert(t, ok)
		assert.Equal(t, got, short)
	}
	_, ok := SendHeaderV2Key("nope")
	assert.Assert(t, !ok)
	assert.Equal(t, len(SendHeaderV2Keys), 14)
}

func TestSendMessageV2MissingField(t *testing.T) {
	ext := map[string]string{"b": "T", "c": "TBW102", "d": "4", "e": "0", "f": "0", "g": "1", "h": "0"}
	_, err := DecodeSendMessageHeader(SendMessageV2, ext)
	assert.Error(t, err, `SendMessageRequestHeaderV2: required field "a" (producerGroup) is missing`)
}

func TestSendMessageResponseHeaderEncode(t *testing.T) {
	h := SendMessageResponseHeader{MsgID: FormatOffsetMsgID([]byte{127, 0, 0, 1}, 10911, 0), QueueID: 1,
		TransactionID: "7F000001B3E418B4AAC25C3B7E4E0000", MsgRegion: "DefaultRegion", TraceOn: Bool(true)}
	want := map[string]string{"queueId": "1", "transactionId": "7F000001B3E418B4AAC25C3B7E4E0000",
		"msgId": "7F00000100002A9F0000000000000000", "TRACE_ON": "true", "MSG_REGION": "DefaultRegion", "queueOffset": "0"}
	assert.DeepEqual(t, h.Encode(), want)
}

func TestEndTransactionAlwaysSendsFromTransactionCheck(t *testing.T) {
	h := EndTransactionRequestHeader{ProducerGroup: "PG", CommitOrRollback: TransactionNotType, MsgID: "M"}
	want := map[string]string{"producerGroup": "PG", "tranStateTableOffset": "0", "commitLogOffset": "0",
		"commitOrRollback": "0", "fromTransactionCheck": "false", "msgId": "M"}
	assert.DeepEqual(t, h.Encode(), want)
}

func TestSysFlag(t *testing.T) {
	assert.Equal(t, TransactionType(SysFlagCompressed|TransactionPreparedType|SysFlagBornHostV6), TransactionPreparedType)
	assert.Equal(t, TransactionType(0x30C), TransactionRollbackType)
	assert.Equal(t, SysFlagCompressionZLIB&SysFlagCompressionMask, int32(0x300))
}

func TestProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"java", "UNIQ_KEY\x01ABC\x02WAIT\x01true\x02TAGS\x01TagA\x02", map[string]string{"UNIQ_KEY": "ABC", "WAIT": "true", "TAGS": "TagA"}},
		{"no trailing separator", "KEYS\x01k1 k2", map[string]string{"KEYS": "k1 k2"}},
		{"empty value skipped", "A\x01\x02B\x01b\x02", map[string]string{"B": "b"}},
		{"empty name skipped", "\x01x\x02B\x01b\x02", map[string]string{"B": "b"}},
		{"no name separator skipped", "junk\x02B\x01b\x02", map[string]string{"B": "b"}},
		{"value keeps later \\x01", "A\x01x\x01y\x02", map[string]string{"A": "x\x01y"}},
		{"last wins", "A\x011\x02A\x012\x02", map[string]string{"A": "2"}},
		{"utf8", "TAGS\x01标签\x02", map[string]string{"TAGS": "标签"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseProperties(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("ParseProperties(%q) (-want +got):\n%s", tc.in, diff)
			}
			for k, v := range tc.want {
				lv, ok := LookupProperty(tc.in, k)
				assert.Assert(t, ok)
				assert.Equal(t, lv, v)
			}
			assert.DeepEqual(t, ParseProperties(FormatProperties(got)), got)
		})
	}
	_, ok := LookupProperty("A\x01\x02", "A")
	assert.Assert(t, !ok)
	assert.Equal(t, FormatProperties(map[string]string{"WAIT": "true", "UNIQ_KEY": "X", "A": "1"}),
		"A\x011\x02UNIQ_KEY\x01X\x02WAIT\x01true\x02")
	assert.Equal(t, FormatProperties(nil), "")
}
