package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Fuzz targets for every decoder of the package. Under plain `go test` they
// run their seeds only (fuzzseed_test.go); run one for real with
//
//	go test -run XXX -fuzz '^FuzzDecodeFrame$' -fuzztime 60s ./protocol/
//
// Each checks that the decoder never panics, that its errors are the
// documented ones, and that whatever decodes survives an encode/decode round
// trip unchanged.

// FuzzDecodeFrame feeds arbitrary bytes to PeekFrame and DecodeFrame, as a
// server's read loop would.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range seedFrames(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, limit := range []int{0, 64} {
			n, err := PeekFrame(data, limit)
			switch {
			case err != nil:
				if !errors.Is(err, ErrCorrupt) || n != 0 {
					t.Fatalf("PeekFrame(limit %d) = %d, %v: want 0 and an ErrCorrupt", limit, n, err)
				}
			case n == 0:
				if len(data) >= 4 {
					if want, _ := FrameSize(data[:4], limit); want <= len(data) {
						t.Fatalf("PeekFrame(limit %d) wants more bytes, but the frame of %d is there", limit, want)
					}
				}
			case n < 4 || n > len(data):
				t.Fatalf("PeekFrame(limit %d) = %d for %d bytes", limit, n, len(data))
			default:
				checkDecodeFrame(t, data[:n:n])
			}
		}
		// The whole input as one frame: the length field rarely agrees.
		checkDecodeFrame(t, data)
		// What follows the length field, so that the headers get fuzzed
		// without the length having to match.
		if c, err := decodeCommand(data); err != nil {
			checkCorrupt(t, err)
		} else {
			checkCommandRoundTrip(t, c)
		}
	})
}

// checkDecodeFrame decodes one frame and checks the result.
func checkDecodeFrame(t *testing.T, f []byte) {
	t.Helper()
	buf := append([]byte(nil), f...)
	c, err := DecodeFrame(buf)
	if err != nil {
		checkCorrupt(t, err)
		return
	}
	if n, err := FrameSize(f, math.MaxInt32); err != nil || n != len(f) {
		t.Fatalf("DecodeFrame accepted %d bytes whose length field says %d (%v)", len(f), n, err)
	}
	// The command must not alias the frame: overwrite it and compare.
	for i := range buf {
		buf[i] ^= 0xFF
	}
	again, err := DecodeFrame(f)
	if err != nil {
		t.Fatalf("decoding the same frame again failed: %v", err)
	}
	if diff := cmp.Diff(again, c); diff != "" {
		t.Fatalf("command aliases the frame bytes (-fresh +first):\n%s", diff)
	}
	checkCommandRoundTrip(t, c)
}

// checkCorrupt checks that a frame decoding error is one of the typed ones.
func checkCorrupt(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %T %q does not wrap ErrCorrupt", err, err)
	}
	var (
		e1 *FrameTooLargeError
		e2 *NegativeLengthError
		e3 *HeaderLengthError
		e4 *SerializeTypeError
		e5 *HeaderError
	)
	if !errors.As(err, &e1) && !errors.As(err, &e2) && !errors.As(err, &e3) && !errors.As(err, &e4) && !errors.As(err, &e5) {
		t.Fatalf("untyped frame error %T %q", err, err)
	}
	if err.Error() == "" {
		t.Fatal("empty error message")
	}
}

// normalized returns what c decodes to once written: the fields a frame
// cannot carry are reset to what the decoder gives.
func normalized(c Command) *Command {
	if !c.Language.Known() {
		c.Language = LanguageUnknown
	}
	if len(c.Body) == 0 {
		c.Body = nil
	}
	if c.Serialize == RocketMQ && c.ExtFields != nil && len(c.ExtFields) == 0 {
		c.ExtFields = nil // an empty extFields area reads as absent
	}
	if c.Serialize == JSON {
		// The JSON writer, like Java, writes invalid UTF-8 as U+FFFD; keys
		// that become equal collide, the last written winning.
		c.Remark = validUTF8(c.Remark)
		if c.ExtFields != nil {
			m := make(map[string]string, len(c.ExtFields))
			for _, k := range javaMapOrder(c.ExtFields, c.ExtFieldsTable, nil) {
				m[validUTF8(k)] = validUTF8(c.ExtFields[k])
			}
			c.ExtFields = m
		}
	}
	c.ExtFieldsTable = 0
	return &c
}

// validUTF8 replaces each byte of s that is not part of valid UTF-8 with
// U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s { // an invalid byte reads as one RuneError
		b.WriteRune(r)
	}
	return b.String()
}

// fitsBinary reports whether c can be written with a ROCKETMQ header.
func fitsBinary(c *Command) bool {
	if c.Code < math.MinInt16 || c.Code > math.MaxInt16 || c.Version < math.MinInt16 || c.Version > math.MaxInt16 {
		return false
	}
	for k := range c.ExtFields {
		if len(k) > math.MaxInt16 {
			return false
		}
	}
	return true
}

// checkCommandRoundTrip checks that a decoded command is written again in
// its own header type, decodes to the same command, and that encoding is a
// fixed point; and that the other header type carries it too where it can.
func checkCommandRoundTrip(t *testing.T, c *Command) {
	t.Helper()
	if c.Language != LanguageUnknown && !c.Language.Known() {
		t.Fatalf("decoded language %d is neither known nor LanguageUnknown", c.Language)
	}
	if c.Body != nil && len(c.Body) == 0 {
		t.Fatal("decoded an empty non-nil body")
	}
	enc, err := c.Encode()
	if err != nil {
		t.Fatalf("a decoded %s command does not encode: %v\n%#v", c.Serialize, err, c)
	}
	if n, err := PeekFrame(enc, math.MaxInt32); err != nil || n != len(enc) {
		t.Fatalf("PeekFrame of an encoded frame of %d bytes = %d, %v", len(enc), n, err)
	}
	back, err := DecodeFrame(enc)
	if err != nil {
		t.Fatalf("re-encoded frame does not decode: %v\n%q", err, enc)
	}
	if diff := cmp.Diff(normalized(*c), back); diff != "" {
		t.Fatalf("%s round trip changed the command (-decoded +again):\n%s\nframe %q", c.Serialize, diff, enc)
	}
	enc2, err := back.Encode()
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("encoding is not a fixed point (%v):\n%q\n%q", err, enc, enc2)
	}

	other := *c
	other.Serialize = RocketMQ + JSON - c.Serialize
	enc, err = other.Encode()
	if other.Serialize == RocketMQ && !fitsBinary(&other) {
		var ee *EncodeError
		if !errors.As(err, &ee) {
			t.Fatalf("encoding code %d version %d in ROCKETMQ: got %v, want an EncodeError", other.Code, other.Version, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s command does not encode as %s: %v", c.Serialize, other.Serialize, err)
	}
	back, err = DecodeFrame(enc)
	if err != nil {
		t.Fatalf("%s frame does not decode: %v\n%q", other.Serialize, err, enc)
	}
	if diff := cmp.Diff(normalized(other), back); diff != "" {
		t.Fatalf("%s to %s changed the command (-want +got):\n%s", c.Serialize, other.Serialize, diff)
	}
}

// FuzzDecodeJSONHeader fuzzes the JSON header alone.
func FuzzDecodeJSONHeader(f *testing.F) {
	for _, h := range seedJSONHeaders() {
		f.Add([]byte(h))
	}
	for _, c := range append(seedCommands(), fixtureCommands(f)...) {
		f.Add(appendJSONHeader(nil, c))
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		var c Command
		err := decodeJSONHeader(header, &c)
		if err != nil {
			checkHeaderError(t, err, JSON, len(header))
			return
		}
		if len(header) <= 0xFFFFFF {
			fc, err := DecodeFrame(frame(JSON, header, nil))
			if err != nil {
				t.Fatalf("header decodes alone but not in a frame: %v", err)
			}
			if diff := cmp.Diff(&c, fc); diff != "" {
				t.Fatalf("header alone and in a frame differ:\n%s", diff)
			}
		}
		checkCommandRoundTrip(t, &c)
	})
}

// FuzzDecodeBinaryHeader fuzzes the ROCKETMQ header alone.
func FuzzDecodeBinaryHeader(f *testing.F) {
	for _, h := range seedBinaryHeaders(f) {
		f.Add(h)
	}
	for _, c := range append(seedCommands(), fixtureCommands(f)...) {
		if h, err := appendBinaryHeader(nil, c); err == nil {
			f.Add(h)
		}
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		c := Command{Serialize: RocketMQ}
		err := decodeBinaryHeader(header, &c)
		if err != nil {
			checkHeaderError(t, err, RocketMQ, len(header))
			return
		}
		if c.ExtFields != nil && len(c.ExtFields) == 0 {
			t.Fatal("decoded an empty non-nil extFields")
		}
		checkCommandRoundTrip(t, &c)
		// A header written the way the encoder writes it is read back byte
		// for byte (the encoder's extFields order is deterministic).
		again, err := appendBinaryHeader(nil, &c)
		if err != nil {
			t.Fatal(err)
		}
		var c2 Command
		c2.Serialize = RocketMQ
		if err := decodeBinaryHeader(again, &c2); err != nil {
			t.Fatal(err)
		}
		if again2, _ := appendBinaryHeader(nil, &c2); !bytes.Equal(again, again2) {
			t.Fatalf("binary header is not a fixed point:\n%x\n%x", again, again2)
		}
	})
}

// checkHeaderError checks a header decoding error: a *HeaderError of the
// right type whose offset lies within the header.
func checkHeaderError(t *testing.T, err error, st SerializeType, n int) {
	t.Helper()
	var he *HeaderError
	if !errors.As(err, &he) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("header error %T %q is not a *HeaderError", err, err)
	}
	if he.Serialize != st || he.Offset < 0 || he.Offset > n || he.Reason == "" {
		t.Fatalf("header error %+v for a %s header of %d bytes", he, st, n)
	}
}

// sendV2Codec reads and writes SendMessageRequestHeader with V2 short keys.
type sendV2Codec struct{ SendMessageRequestHeader }

func (h *sendV2Codec) Decode(ext map[string]string) error { return h.DecodeV2(ext) }
func (h *sendV2Codec) Encode() map[string]string          { return h.EncodeV2() }

// fuzzHeaderCodecs are the typed headers FuzzDecodeHeaders decodes.
var fuzzHeaderCodecs = []func() headerCodec{
	func() headerCodec { return new(HeartbeatRequestHeader) },
	func() headerCodec { return new(UnregisterClientRequestHeader) },
	func() headerCodec { return new(GetProducerConnectionListRequestHeader) },
	func() headerCodec { return new(GetRouteInfoRequestHeader) },
	func() headerCodec { return new(SendMessageRequestHeader) },
	func() headerCodec { return new(sendV2Codec) },
	func() headerCodec { return new(SendMessageResponseHeader) },
	func() headerCodec { return new(EndTransactionRequestHeader) },
	func() headerCodec { return new(CheckTransactionStateRequestHeader) },
	func() headerCodec { return new(GetConsumerListByGroupRequestHeader) },
	func() headerCodec { return new(QueryConsumerOffsetRequestHeader) },
	func() headerCodec { return new(UpdateConsumerOffsetRequestHeader) },
	func() headerCodec { return new(GetMaxOffsetRequestHeader) },
	func() headerCodec { return new(GetMinOffsetRequestHeader) },
	func() headerCodec { return new(SearchOffsetRequestHeader) },
	func() headerCodec { return new(OffsetResponseHeader) },
	func() headerCodec { return new(PullMessageRequestHeader) },
	func() headerCodec { return new(PullMessageResponseHeader) },
	func() headerCodec { return new(ConsumerSendMsgBackRequestHeader) },
	func() headerCodec { return new(ViewMessageRequestHeader) },
	func() headerCodec { return new(NotifyConsumerIdsChangedRequestHeader) },
	func() headerCodec { return new(GetConsumerRunningInfoRequestHeader) },
	func() headerCodec { return new(GetConsumerConnectionListRequestHeader) },
	func() headerCodec { return new(GetConsumeStatsRequestHeader) },
}

// FuzzDecodeHeaders decodes every typed header from fuzzed extFields (one
// "key=value" per line, see parseExt).
func FuzzDecodeHeaders(f *testing.F) {
	for _, ext := range seedExts(f) {
		f.Add(formatExt(ext))
	}
	f.Fuzz(func(t *testing.T, s string) {
		ext := parseExt(s)
		for _, newCodec := range fuzzHeaderCodecs {
			h := newCodec()
			err := h.Decode(ext)
			if err != nil {
				checkFieldError(t, err, ext)
				continue
			}
			out := h.Encode()
			h2 := newCodec()
			if err := h2.Decode(out); err != nil {
				// Encode leaves out empty strings (Java's null), so a
				// required key that was present but empty goes missing.
				var mf *MissingFieldError
				if !errors.As(err, &mf) || !emptyIn(ext, mf) {
					t.Fatalf("%T: decode(encode(h)) failed: %v\next %q\nencoded %q", h, err, ext, out)
				}
				continue
			}
			if diff := cmp.Diff(h, h2); diff != "" {
				t.Fatalf("%T round trip changed the header (-first +again):\n%s\next %q\nencoded %q", h, diff, ext, out)
			}
		}
		// DecodeSendMessageHeader picks the key style by code; V1 and V2
		// carry the same header.
		for _, code := range []RequestCode{SendMessage, SendMessageV2, SendBatchMessage, SendReplyMessageV2} {
			h, err := DecodeSendMessageHeader(code, ext)
			direct := new(SendMessageRequestHeader)
			var derr error
			if IsSendV2(code) {
				derr = direct.DecodeV2(ext)
			} else {
				derr = direct.Decode(ext)
			}
			if (err == nil) != (derr == nil) || err != nil && err.Error() != derr.Error() {
				t.Fatalf("DecodeSendMessageHeader(%d) error %v, direct %v", code, err, derr)
			}
			if diff := cmp.Diff(direct, h); diff != "" {
				t.Fatalf("DecodeSendMessageHeader(%d) differs from the direct decode:\n%s", code, diff)
			}
			if err != nil {
				continue
			}
			v1, v2 := new(SendMessageRequestHeader), new(SendMessageRequestHeader)
			if err := v1.Decode(h.Encode()); err == nil {
				if diff := cmp.Diff(h, v1); diff != "" {
					t.Fatalf("V1 round trip of code %d:\n%s", code, diff)
				}
			}
			if err := v2.DecodeV2(h.EncodeV2()); err == nil {
				if diff := cmp.Diff(h, v2); diff != "" {
					t.Fatalf("V2 round trip of code %d:\n%s", code, diff)
				}
			}
		}
	})
}

// headerKeyAliases returns a key and, for the send headers, its V1/V2
// counterpart (they read either).
func headerKeyAliases(header, key string) []string {
	keys := []string{key}
	if !strings.HasPrefix(header, "SendMessageRequestHeader") {
		return keys
	}
	if long, ok := SendHeaderV2Keys[key]; ok {
		keys = append(keys, long)
	}
	if short, ok := SendHeaderV2Key(key); ok {
		keys = append(keys, short)
	}
	return keys
}

// emptyIn reports whether ext holds the missing key of mf (or an alias of
// it) with an empty value.
func emptyIn(ext map[string]string, mf *MissingFieldError) bool {
	for _, k := range headerKeyAliases(mf.Header, mf.Field) {
		if v, ok := ext[k]; ok && v == "" {
			return true
		}
	}
	return false
}

// checkFieldError checks a typed header error against the extFields.
func checkFieldError(t *testing.T, err error, ext map[string]string) {
	t.Helper()
	var (
		mf *MissingFieldError
		fe *FieldError
	)
	switch {
	case errors.As(err, &mf):
		for _, k := range headerKeyAliases(mf.Header, mf.Field) {
			if _, ok := ext[k]; ok {
				t.Fatalf("%v, but extFields has %q", err, k)
			}
		}
	case errors.As(err, &fe):
		if v, ok := ext[fe.Field]; !ok || v != fe.Value {
			t.Fatalf("%v, but extFields[%q] = %q, %v", err, fe.Field, v, ok)
		}
	default:
		t.Fatalf("header error %T %q is neither a MissingFieldError nor a FieldError", err, err)
	}
	if !strings.Contains(err.Error(), ": ") {
		t.Fatalf("error %q names no header", err)
	}
}

// bodyCmp compares decoded bodies: nil and empty sets and maps are the same
// on the wire ([] and {}).
var bodyCmp = cmpopts.EquateEmpty()

// fuzzBody registers the body seeds and runs check on every input.
func fuzzBody(f *testing.F, check func(t *testing.T, data []byte)) {
	for _, b := range seedBodies(f) {
		f.Add(b)
	}
	f.Fuzz(check)
}

// checkBodyRoundTrip checks that marshal(v) is JSON once bare keys are
// quoted, decodes to v again, and that marshalling is a fixed point.
func checkBodyRoundTrip[T any](t *testing.T, name string, v *T, marshal func(*T) []byte, decode func([]byte) (*T, error)) {
	t.Helper()
	checkRoundTrip(t, name, v, marshal, decode, func(enc []byte) error {
		if !json.Valid(QuoteBareKeys(enc)) {
			return errors.New("is not JSON")
		}
		return nil
	})
}

// checkRoundTrip checks that marshal(v) passes form, decodes to v again,
// and that marshalling is a fixed point.
func checkRoundTrip[T any](t *testing.T, name string, v *T, marshal func(*T) []byte, decode func([]byte) (*T, error), form func([]byte) error) {
	t.Helper()
	enc := marshal(v)
	if err := form(enc); err != nil {
		t.Fatalf("%s: marshalled body %v: %q", name, err, enc)
	}
	back, err := decode(enc)
	if err != nil {
		t.Fatalf("%s: marshalled body does not decode: %v\n%q", name, err, enc)
	}
	if diff := cmp.Diff(v, back, bodyCmp); diff != "" {
		t.Fatalf("%s: round trip changed the body (-decoded +again):\n%s\nmarshalled %q", name, diff, enc)
	}
	if enc2 := marshal(back); !bytes.Equal(enc, enc2) {
		t.Fatalf("%s: marshalling is not a fixed point:\n%q\n%q", name, enc, enc2)
	}
}

// fuzzDecode registers the body seeds and decodes every input: one that
// does not decode must fail with an error naming the body; one that does
// goes to check.
func fuzzDecode[T any](f *testing.F, name string, decode func([]byte) (*T, error), check func(t *testing.T, v *T)) {
	fuzzBody(f, func(t *testing.T, data []byte) {
		v, err := decode(data)
		if err != nil {
			checkBodyError(t, name, err)
			return
		}
		check(t, v)
	})
}

// fuzzBodyRoundTrip is fuzzDecode with checkBodyRoundTrip as the check.
func fuzzBodyRoundTrip[T any](f *testing.F, name string, decode func([]byte) (*T, error), marshal func(*T) []byte) {
	fuzzDecode(f, name, decode, func(t *testing.T, v *T) { checkBodyRoundTrip(t, name, v, marshal, decode) })
}

func checkBodyError(t *testing.T, name string, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), name+": ") {
		t.Fatalf("error %q does not name the body %s", err, name)
	}
}

// FuzzDecodeHeartbeatData fuzzes the HEART_BEAT body.
func FuzzDecodeHeartbeatData(f *testing.F) {
	fuzzDecode(f, "HeartbeatData", DecodeHeartbeatData, func(t *testing.T, h *HeartbeatData) {
		checkBodyRoundTrip(t, "HeartbeatData", h, (*HeartbeatData).Marshal, DecodeHeartbeatData)
		v4 := *h
		v4.HeartbeatFingerprint, v4.WithoutSub = 0, false
		checkBodyRoundTrip(t, "HeartbeatData V4", &v4, func(h *HeartbeatData) []byte { return h.MarshalAs(Release498) }, DecodeHeartbeatData)
	})
}

// FuzzDecodeProducerConnection fuzzes the GET_PRODUCER_CONNECTION_LIST reply body.
func FuzzDecodeProducerConnection(f *testing.F) {
	fuzzDecode(f, "ProducerConnection", DecodeProducerConnection, func(t *testing.T, pc *ProducerConnection) {
		for _, c := range pc.ConnectionSet {
			if c.Language != LanguageUnknown && !c.Language.Known() {
				t.Fatalf("language %d is neither known nor LanguageUnknown", c.Language)
			}
		}
		checkBodyRoundTrip(t, "ProducerConnection", pc, (*ProducerConnection).Marshal, DecodeProducerConnection)
	})
}

// FuzzDecodeProducerTableInfo fuzzes the GET_ALL_PRODUCER_INFO reply body.
func FuzzDecodeProducerTableInfo(f *testing.F) {
	fuzzBodyRoundTrip(f, "ProducerTableInfo", DecodeProducerTableInfo, (*ProducerTableInfo).Marshal)
}

// FuzzDecodeTopicRouteData fuzzes the GET_ROUTEINFO_BY_TOPIC reply body, in
// both key styles.
func FuzzDecodeTopicRouteData(f *testing.F) {
	fuzzDecode(f, "TopicRouteData", DecodeTopicRouteData, func(t *testing.T, r *TopicRouteData) {
		for _, quote := range []bool{false, true} {
			checkBodyRoundTrip(t, "TopicRouteData", r, func(r *TopicRouteData) []byte { return r.Marshal(quote) }, DecodeTopicRouteData)
		}
	})
}

// FuzzDecodeClusterInfo fuzzes the GET_BROKER_CLUSTER_INFO reply body.
func FuzzDecodeClusterInfo(f *testing.F) {
	fuzzBodyRoundTrip(f, "ClusterInfo", DecodeClusterInfo, (*ClusterInfo).Marshal)
}

// FuzzDecodeKVTable fuzzes the KVTable body.
func FuzzDecodeKVTable(f *testing.F) {
	fuzzBodyRoundTrip(f, "KVTable", DecodeKVTable, (*KVTable).Marshal)
}

// FuzzQuoteBareKeys checks that quoting bare keys leaves valid JSON alone,
// is idempotent, and only ever inserts quotes.
func FuzzQuoteBareKeys(f *testing.F) {
	fuzzBody(f, func(t *testing.T, data []byte) {
		out := QuoteBareKeys(data)
		if json.Valid(data) && !bytes.Equal(out, data) {
			t.Fatalf("valid JSON changed:\n%q\n%q", data, out)
		}
		if again := QuoteBareKeys(out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
		// Removing the inserted quotes gives the input back.
		i := 0
		for _, c := range out {
			if i < len(data) && data[i] == c {
				i++
			} else if c != '"' {
				t.Fatalf("output is not the input with quotes inserted:\n%q\n%q", data, out)
			}
		}
		if i != len(data) {
			t.Fatalf("output is not the input with quotes inserted:\n%q\n%q", data, out)
		}
	})
}

// FuzzWalkBatch fuzzes the SEND_BATCH_MESSAGE body walker and the message
// properties parser.
func FuzzWalkBatch(f *testing.F) {
	for _, b := range seedBatches(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var msgs []BatchMessage
		n, err := WalkBatch(body, func(i int, m BatchMessage) error {
			if i != len(msgs) {
				t.Fatalf("index %d, want %d", i, len(msgs))
			}
			msgs = append(msgs, m)
			return nil
		})
		if n != len(msgs) {
			t.Fatalf("WalkBatch returned %d after %d records", n, len(msgs))
		}
		count, cerr := CountBatch(body)
		if count != n || (cerr == nil) != (err == nil) {
			t.Fatalf("CountBatch = %d, %v; WalkBatch = %d, %v", count, cerr, n, err)
		}
		all, derr := DecodeBatch(body)
		if (derr == nil) != (err == nil) || err == nil && len(all) != n {
			t.Fatalf("DecodeBatch = %d records, %v; WalkBatch = %d, %v", len(all), derr, n, err)
		}
		if err != nil && !errors.Is(err, ErrBadBatch) {
			t.Fatalf("error %q does not wrap ErrBadBatch", err)
		}
		// The records are re-encoded as they were (magic code and CRC aside).
		var again []byte
		for _, m := range msgs {
			if m.Offset != len(again) {
				t.Fatalf("record at offset %d, want %d", m.Offset, len(again))
			}
			again = AppendBatchMessage(again, m.Flag, m.Body, m.Properties)
			props := m.PropertiesMap()
			for k, v := range props {
				if got, ok := m.Property(k); !ok || got != v {
					t.Fatalf("Property(%q) = %q, %v; PropertiesMap has %q", k, got, ok, v)
				}
			}
			if diff := cmp.Diff(props, ParseProperties(FormatProperties(props))); diff != "" {
				t.Fatalf("properties round trip:\n%s", diff)
			}
		}
		if err == nil && len(again) != len(body) {
			t.Fatalf("re-encoded %d bytes of %d", len(again), len(body))
		}
		back, err := DecodeBatch(again)
		if err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if diff := cmp.Diff(msgs, back, bodyCmp); diff != "" {
			t.Fatalf("batch round trip (-walked +again):\n%s", diff)
		}
	})
}

// FuzzParseOffsetMsgID fuzzes the offset message id parser.
func FuzzParseOffsetMsgID(f *testing.F) {
	for _, s := range []string{
		"7F00000100002A9F0000000000000000", "7f00000100002a9f0000000000000010", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		"0000000000000000000000000000000100002A9F0000000000001000", "00000000000000000000FFFF7F00000100002A9F0000000000001000",
		"7F000001", "7F00000100002A9F000000000000000G", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ip, port, offset, err := ParseOffsetMsgID(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "offset message id ") {
				t.Fatalf("error %q does not say what it parsed", err)
			}
			return
		}
		if len(s) != OffsetMsgIDLen && len(s) != OffsetMsgIDLenV6 {
			t.Fatalf("accepted %d digits", len(s))
		}
		id := FormatOffsetMsgID(ip, port, offset)
		// An IPv4-mapped IPv6 address is written in the short form.
		if (len(s) == OffsetMsgIDLen || ip.To4() == nil) && id != strings.ToUpper(s) {
			t.Fatalf("FormatOffsetMsgID(ParseOffsetMsgID(%q)) = %q", s, id)
		}
		ip2, port2, offset2, err := ParseOffsetMsgID(id)
		if err != nil || !ip2.Equal(ip) || port2 != port || offset2 != offset {
			t.Fatalf("%q: %v %d %d, then %q: %v %d %d %v", s, ip, port, offset, id, ip2, port2, offset2, err)
		}
	})
}

// FuzzEncodeDecode builds a command from fuzzed fields, writes it with
// AppendFrame after some prefix, and checks that it decodes to itself.
func FuzzEncodeDecode(f *testing.F) {
	for i, c := range append(seedCommands(), fixtureCommands(f)...) {
		f.Add(c.Code, int16(c.Language), int32(c.Version), c.Opaque, c.Flag, c.Remark, formatExt(c.ExtFields), c.Body,
			i%2 == 1, c.ExtFieldsTable, []byte("prefix"[:i%7]))
	}
	f.Fuzz(func(t *testing.T, code int32, lang int16, version, opaque, flag int32, remark, ext string, body []byte,
		binary bool, table int, prefix []byte) {
		c := &Command{Code: code, Language: LanguageCode(lang), Version: MQVersion(version), Opaque: opaque, Flag: flag,
			Remark: remark, ExtFields: parseExt(ext), Body: body, ExtFieldsTable: table}
		if binary {
			c.Serialize = RocketMQ
		}
		before := *c
		out, err := c.AppendFrame(append([]byte(nil), prefix...))
		if diff := cmp.Diff(&before, c); diff != "" {
			t.Fatalf("AppendFrame changed the command:\n%s", diff)
		}
		if binary && !fitsBinary(c) {
			var ee *EncodeError
			if !errors.As(err, &ee) || !bytes.Equal(out, prefix) {
				t.Fatalf("got %v and %d bytes, want an EncodeError and the prefix alone", err, len(out))
			}
			return
		}
		if err != nil {
			t.Fatalf("AppendFrame: %v", err)
		}
		if !bytes.Equal(out[:len(prefix)], prefix) {
			t.Fatal("AppendFrame changed the bytes before the frame")
		}
		fr := out[len(prefix):]
		if n, err := PeekFrame(fr, math.MaxInt32); err != nil || n != len(fr) {
			t.Fatalf("PeekFrame = %d, %v for a frame of %d bytes", n, err, len(fr))
		}
		got, err := DecodeFrame(fr)
		if err != nil {
			t.Fatalf("DecodeFrame: %v\n%q", err, fr)
		}
		if diff := cmp.Diff(normalized(*c), got); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		// Encode gives the same frame as AppendFrame.
		if enc, err := c.Encode(); err != nil || !bytes.Equal(enc, fr) {
			t.Fatalf("Encode differs from AppendFrame (%v)", err)
		}
	})
}
