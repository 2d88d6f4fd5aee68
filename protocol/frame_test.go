package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "|", "").Replace(s))
	assert.NilError(t, err)
	return b
}

// frame builds a frame from a header and body by hand.
func frame(st SerializeType, header, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(4+len(header)+len(body)))
	b = binary.BigEndian.AppendUint32(b, uint32(st)<<24|uint32(len(header)))
	return append(append(b, header...), body...)
}

// Spec 1.10 (a): the Go client's heartbeat, checked against its real encoder.
const goHeartbeatHex = `000000b4000000587b22636f6465223a33342c226c616e6775616765223a22474f222c2276657273696f6e223a3331372c226f7061717565223a312c22666c6167223a302c2272656d61726b223a22222c226578744669656c6473223a7b7d7d7b22636c69656e744944223a2231302e302e302e354034323432222c2270726f64756365724461746153657422 3a5b7b2267726f75704e616d65223a225047227d5d2c22636f6e73756d65724461746153657422 3a5b5d7d`

func TestDecodeSpecFrames(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  *Command
	}{
		{
			name:  "go heartbeat (1.10a)",
			frame: unhex(t, goHeartbeatHex),
			want: &Command{Code: 34, Language: Go, Version: 317, Opaque: 1, ExtFields: map[string]string{},
				Body: []byte(`{"clientID":"10.0.0.5@4242","producerDataSet":[{"groupName":"PG"}],"consumerDataSet":[]}`)},
		},
		{
			name:  "4.9.8 response (1.10b)",
			frame: frame(JSON, []byte(`{"code":0,"flag":1,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":409}`), nil),
			want:  &Command{Code: 0, Language: Java, Version: 409, Opaque: 1, Flag: 1},
		},
		{
			name:  "5.x response binary (1.10d)",
			frame: unhex(t, "00000052 0100004e 0000 00 01df 00000001 00000001 00000000 00000039 0018"+hex.EncodeToString([]byte("IS_SUPPORT_HEART_BEAT_V2"))+"00000004"+hex.EncodeToString([]byte("true"))+"000d"+hex.EncodeToString([]byte("IS_SUB_CHANGE"))+"00000004"+hex.EncodeToString([]byte("true"))),
			want: &Command{Code: 0, Language: Java, Version: 479, Opaque: 1, Flag: 1, Serialize: RocketMQ,
				ExtFields: map[string]string{"IS_SUPPORT_HEART_BEAT_V2": "true", "IS_SUB_CHANGE": "true"}},
		},
		{
			name:  "java heartbeat binary header (1.10e)",
			frame: frame(RocketMQ, unhex(t, "0022 00 01df 00000001 00000000 00000000 00000000"), []byte(`{}`)),
			want:  &Command{Code: 34, Language: Java, Version: 479, Opaque: 1, Serialize: RocketMQ, Body: []byte(`{}`)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := PeekFrame(tt.frame, 0)
			assert.NilError(t, err)
			assert.Equal(t, n, len(tt.frame))
			got, err := DecodeFrame(tt.frame)
			assert.NilError(t, err)
			assert.Assert(t, cmp.Equal(got, tt.want), cmp.Diff(tt.want, got))
		})
	}
}

func TestEncodeSpecFrames(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want []byte
	}{
		{
			name: "4.9.8 heartbeat response (1.10b)",
			cmd:  Command{Code: 0, Language: Java, Version: 409, Opaque: 1, Flag: 1},
			want: unhex(t, "000000630000005f7b22636f6465223a302c22666c6167223a312c226c616e6775616765223a224a415641222c226f7061717565223a312c2273657269616c697a655479706543757272656e74525043223a224a534f4e222c2276657273696f6e223a3430397d"),
		},
		{
			name: "5.x heartbeat response JSON (1.10c)",
			cmd: Command{Code: 0, Language: Java, Version: 479, Opaque: 1, Flag: 1,
				ExtFields: map[string]string{"IS_SUB_CHANGE": "true", "IS_SUPPORT_HEART_BEAT_V2": "true"}, ExtFieldsTable: JavaAddExtFieldTable},
			want: unhex(t, "000000aa000000a67b22636f6465223a302c226578744669656c6473223a7b2249535f535550504f52545f48454152545f424541545f5632223a2274727565222c2249535f5355425f4348414e4745223a2274727565227d2c22666c6167223a312c226c616e6775616765223a224a415641222c226f7061717565223a312c2273657269616c697a655479706543757272656e74525043223a224a534f4e222c2276657273696f6e223a3437397d"),
		},
		{
			name: "5.x heartbeat response binary (1.10d)",
			cmd: Command{Code: 0, Language: Java, Version: 479, Opaque: 1, Flag: 1, Serialize: RocketMQ,
				ExtFields: map[string]string{"IS_SUB_CHANGE": "true", "IS_SUPPORT_HEART_BEAT_V2": "true"}, ExtFieldsTable: JavaAddExtFieldTable},
			want: unhex(t, "00000052 0100004e 0000 00 01df 00000001 00000001 00000000 00000039 0018"+hex.EncodeToString([]byte("IS_SUPPORT_HEART_BEAT_V2"))+"00000004"+hex.EncodeToString([]byte("true"))+"000d"+hex.EncodeToString([]byte("IS_SUB_CHANGE"))+"00000004"+hex.EncodeToString([]byte("true"))),
		},
		{
			name: "5.x request with empty header object (1.4)",
			cmd:  Command{Code: 34, Language: Java, Version: 479, Opaque: 1, ExtFields: map[string]string{}},
			want: frame(JSON, []byte(`{"code":34,"extFields":{},"flag":0,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":479}`), nil),
		},
		{
			name: "unknown code error response (1.4)",
			cmd:  Command{Code: 3, Language: Java, Version: 479, Opaque: 7, Flag: 1, Remark: " request type 9999 not supported"},
			want: frame(JSON, []byte(`{"code":3,"flag":1,"language":"JAVA","opaque":7,"remark":" request type 9999 not supported","serializeTypeCurrentRPC":"JSON","version":479}`), nil),
		},
		{
			name: "5.x send response: extFields in Java HashMap order (8.4)",
			cmd: Command{Code: 0, Language: Java, Version: 479, Opaque: 12, Flag: 1, ExtFields: map[string]string{
				"msgId": "7F00000100002A9F0000000000000000", "queueId": "1", "queueOffset": "0",
				"transactionId": "7F000001B3E418B4AAC25C3B7E4E0000", "MSG_REGION": "DefaultRegion", "TRACE_ON": "true"},
				ExtFieldsTable: JavaAddExtFieldTable},
			want: frame(JSON, []byte(`{"code":0,"extFields":{"queueId":"1","transactionId":"7F000001B3E418B4AAC25C3B7E4E0000","msgId":"7F00000100002A9F0000000000000000","TRACE_ON":"true","MSG_REGION":"DefaultRegion","queueOffset":"0"},"flag":1,"language":"JAVA","opaque":12,"serializeTypeCurrentRPC":"JSON","version":479}`), nil),
		},
		{
			name: "remark escaping like fastjson",
			cmd:  Command{Code: 17, Language: Java, Version: 479, Opaque: 2, Flag: 1, Remark: "No topic route info in name server for the topic: T\nSee \"x\" \\ \x01 ünï"},
			want: frame(JSON, []byte(`{"code":17,"flag":1,"language":"JAVA","opaque":2,"remark":"No topic route info in name server for the topic: T\nSee \"x\" \\ \u0001 ünï","serializeTypeCurrentRPC":"JSON","version":479}`), nil),
		},
		{
			name: "body after header",
			cmd:  Command{Code: 0, Language: Java, Version: 409, Opaque: 5, Flag: 1, Body: []byte(`{"connectionSet":[]}`)},
			want: frame(JSON, []byte(`{"code":0,"flag":1,"language":"JAVA","opaque":5,"serializeTypeCurrentRPC":"JSON","version":409}`), []byte(`{"connectionSet":[]}`)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Encode()
			assert.NilError(t, err)
			assert.Assert(t, cmp.Equal(got, tt.want), "got  %q\nwant %q", got, tt.want)
			back, err := DecodeFrame(got)
			assert.NilError(t, err)
			want := tt.cmd
			want.ExtFieldsTable = 0
			assert.Assert(t, cmp.Equal(back, &want), cmp.Diff(&want, back))
		})
	}
}

func TestPeekFrameIncremental(t *testing.T) {
	f := unhex(t, goHeartbeatHex)
	two := append(append([]byte(nil), f...), f...)
	for i := 0; i < len(f); i++ {
		n, err := PeekFrame(two[:i], 0)
		assert.NilError(t, err)
		assert.Equal(t, n, 0, "prefix of %d bytes", i)
	}
	for i := len(f); i <= len(two); i++ {
		n, err := PeekFrame(two[:i], 0)
		assert.NilError(t, err)
		assert.Equal(t, n, len(f))
	}
}

func TestFrameErrors(t *testing.T) {
	be := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	tests := []struct {
		name   string
		peek   []byte // bytes given to PeekFrame
		max    int
		decode []byte // bytes given to DecodeFrame (when the length passes)
		target any
		msg    string
	}{
		{name: "too large", peek: be(16777213), target: new(*FrameTooLargeError), msg: "frame length 16777213 (+4) exceeds the limit of 16777216 bytes"},
		{name: "largest legal with small limit", peek: be(1021), max: 1024, target: new(*FrameTooLargeError), msg: "frame length 1021 (+4) exceeds the limit of 1024 bytes"},
		{name: "negative", peek: be(0x80000000), target: new(*NegativeLengthError), msg: "negative frame length -2147483648"},
		{name: "no room for header length", decode: append(be(2), 0, 0), target: new(*HeaderLengthError), msg: "frame of 2 bytes is too short for the header-length field (4 bytes)"},
		{name: "header beyond frame", decode: append(be(8), 0, 0, 0, 9, '{', '}', ' ', ' '), target: new(*HeaderLengthError), msg: "header length 9 is beyond the frame (4 bytes left)"},
		{name: "unknown serialize type", decode: frame(2, []byte("{}"), nil), target: new(*SerializeTypeError), msg: "unknown serialize type 2 (want 0 JSON or 1 ROCKETMQ)"},
		{name: "bad json", decode: frame(JSON, []byte(`{"code":}`), nil), target: new(*HeaderError), msg: "malformed JSON header at byte 8: want a value"},
		{name: "json code not a number", decode: frame(JSON, []byte(`{"code":"x"}`), nil), target: new(*HeaderError), msg: `malformed JSON header at byte 11: code wants a 32-bit integer, found "x"`},
		{name: "json trailing data", decode: frame(JSON, []byte(`{"code":1}x`), nil), target: new(*HeaderError), msg: "malformed JSON header at byte 10: unexpected data after the header object"},
		{name: "json nesting", decode: frame(JSON, []byte(`{"x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`), nil), target: new(*HeaderError), msg: "malformed JSON header at byte 69: nesting deeper than 64"},
		{name: "binary too short", decode: frame(RocketMQ, make([]byte, 20), nil), target: new(*HeaderError), msg: "malformed ROCKETMQ header at byte 20: header of 20 bytes is shorter than the fixed 21"},
		{name: "binary remark too long", decode: frame(RocketMQ, unhex(t, "0022 00 01df 00000001 00000000 00000005 00000000"), nil), target: new(*HeaderError), msg: "malformed ROCKETMQ header at byte 13: remark length 5 is beyond the header (0 bytes left)"},
		{name: "binary huge ext length", decode: frame(RocketMQ, unhex(t, "0022 00 01df 00000001 00000000 00000000 7fffffff"), nil), target: new(*HeaderError), msg: "malformed ROCKETMQ header at byte 17: extFields length 2147483647 is beyond the header (0 bytes left)"},
		{name: "binary key beyond ext", decode: frame(RocketMQ, unhex(t, "0022 00 01df 00000001 00000000 00000000 00000003 0005 6162"), nil), target: new(*HeaderError), msg: "malformed ROCKETMQ header at byte 21: extFields key length 5 is beyond the extFields area"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.peek != nil {
				_, err = PeekFrame(tt.peek, tt.max)
			} else {
				_, err = DecodeFrame(tt.decode)
			}
			assert.ErrorContains(t, err, "")
			assert.Assert(t, errors.As(err, tt.target), "%T", err)
			assert.Assert(t, errors.Is(err, ErrCorrupt))
			assert.Equal(t, err.Error(), tt.msg)
		})
	}
}

func TestJSONHeaderLenient(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   Command
	}{
		{"numbers and bools in extFields", `{"code":10,"extFields":{"queueId":3,"unitMode":false,"x":null,"o":{"a":[1]}},"opaque":2}`,
			Command{Code: 10, Language: LanguageUnknown, Opaque: 2, ExtFields: map[string]string{"queueId": "3", "unitMode": "false", "o": `{"a":[1]}`}}},
		{"unknown keys and spaces", "{ \"foo\" : [1,{\"b\":true}], \"code\" : \"34\" ,\n\"language\":\"NODE_JS\", \"remark\":null, \"extFields\":null}",
			Command{Code: 34, Language: NodeJS}},
		{"ordinal language, escapes", `{"code":1,"language":9,"remark":"a\"b\\c\u00e9\ud83d\ude00\/"}`,
			Command{Code: 1, Language: Go, Remark: "a\"b\\cé😀/"}},
		{"unknown language is null", `{"code":1,"language":"KLINGON"}`, Command{Code: 1, Language: LanguageUnknown}},
		{"empty object", `{}`, Command{Language: LanguageUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeFrame(frame(JSON, []byte(tt.header), nil))
			assert.NilError(t, err)
			assert.Assert(t, cmp.Equal(*got, tt.want), cmp.Diff(tt.want, *got))
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	_, err := (&Command{Code: 200050, Serialize: RocketMQ}).Encode()
	assert.Error(t, err, "cannot encode command: code 200050 does not fit the ROCKETMQ header's int16")
	_, err = (&Command{Serialize: 7}).Encode()
	assert.Error(t, err, "cannot encode command: unknown serialize type 7")
}

// TestAppendFrameDoesNotAllocate: writing a reply with extFields into a
// buffer that is large enough allocates nothing (the key order is sorted in
// a stack buffer).
func TestAppendFrameDoesNotAllocate(t *testing.T) {
	for _, st := range []SerializeType{JSON, RocketMQ} {
		c := &Command{Code: 0, Language: Java, Version: 479, Opaque: 1, Flag: 1, Serialize: st,
			ExtFields: map[string]string{"msgId": "7F00000100002A9F0000000000000000", "queueId": "1", "queueOffset": "0",
				"MSG_REGION": "DefaultRegion", "TRACE_ON": "true"}, ExtFieldsTable: JavaAddExtFieldTable}
		buf := make([]byte, 0, 1024)
		allocs := testing.AllocsPerRun(100, func() {
			var err error
			if buf, err = c.AppendFrame(buf[:0]); err != nil {
				t.Fatal(err)
			}
		})
		assert.Equal(t, allocs, 0.0, "%s", st)
	}
}

func TestStringers(t *testing.T) {
	assert.Equal(t, MQVersion(317).String(), "V4_5_2")
	assert.Equal(t, MQVersion(409).String(), "V4_9_8")
	assert.Equal(t, MQVersion(479).String(), "V5_3_3")
	assert.Equal(t, MQVersion(612).String(), "HIGHER_VERSION")
	assert.Equal(t, MQVersion(5000).String(), "HIGHER_VERSION")
	assert.Equal(t, MQVersion(0).String(), "V3_0_0_SNAPSHOT")
	assert.Equal(t, HigherVersion, MQVersion(612))
	assert.Equal(t, GetProducerConnectionList.String(), "GET_PRODUCER_CONNECTION_LIST")
	assert.Equal(t, RequestCode(9999).String(), "RequestCode(9999)")
	assert.Equal(t, TopicNotExist.String(), "TOPIC_NOT_EXIST")
	assert.Equal(t, NodeJS.String(), "NODE_JS")
	assert.Equal(t, LanguageUnknown.String(), "null")
	assert.Equal(t, RocketMQ.String(), "ROCKETMQ")
}

func TestResponseHelpers(t *testing.T) {
	req := &Command{Code: 34, Opaque: 77, Serialize: RocketMQ, Flag: FlagOneway}
	assert.Assert(t, req.IsOneway() && !req.IsResponse())
	resp := NewResponse(req, SystemBusy, "busy")
	assert.DeepEqual(t, resp, &Command{Code: 2, Language: Java, Opaque: 77, Flag: FlagResponse, Remark: "busy", Serialize: RocketMQ})
	assert.Assert(t, resp.IsResponse() && !resp.IsOneway())
}

func BenchmarkDecodeHeartbeat(b *testing.B) {
	f := unhex(b, goHeartbeatHex)
	b.ReportAllocs()
	b.SetBytes(int64(len(f)))
	for b.Loop() {
		if _, err := DecodeFrame(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeHeartbeatHeader(b *testing.B) {
	f := unhex(b, goHeartbeatHex)
	header := f[8:96]
	b.ReportAllocs()
	for b.Loop() {
		var c Command
		if err := decodeJSONHeader(header, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeHeartbeatResponse(b *testing.B) {
	c := &Command{Code: 0, Language: Java, Version: 479, Opaque: 1, Flag: 1,
		ExtFields: map[string]string{"IS_SUB_CHANGE": "true", "IS_SUPPORT_HEART_BEAT_V2": "true"}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.AppendFrame(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReadFrame(t *testing.T) {
	f := unhex(t, goHeartbeatHex)
	r := bytes.NewReader(append(append([]byte(nil), f...), f...))
	for range 2 {
		c, err := ReadFrame(r, 0)
		assert.NilError(t, err)
		assert.Equal(t, c.Code, int32(34))
	}
	_, err := ReadFrame(r, 0)
	assert.Equal(t, err, io.EOF)
	_, err = ReadFrame(bytes.NewReader(f[:50]), 0)
	assert.Equal(t, err, io.ErrUnexpectedEOF)
	_, err = ReadFrame(bytes.NewReader(f[:2]), 0)
	assert.Equal(t, err, io.ErrUnexpectedEOF)
	// A 16 MiB claim with 10 bytes behind it: refused by the limit, or
	// cut short without allocating the claim.
	claim := binary.BigEndian.AppendUint32(nil, 16777212)
	_, err = ReadFrame(bytes.NewReader(claim), 1024)
	assert.Assert(t, errors.As(err, new(*FrameTooLargeError)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = ReadFrame(bytes.NewReader(append(claim, make([]byte, 10)...)), 0)
	runtime.ReadMemStats(&after)
	assert.Equal(t, err, io.ErrUnexpectedEOF)
	assert.Assert(t, after.TotalAlloc-before.TotalAlloc < 1<<20, "allocated %d bytes for a 16 MiB claim", after.TotalAlloc-before.TotalAlloc)
}
