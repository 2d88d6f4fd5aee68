package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Fuzz targets for the consumer bodies and the stored-message decoder; run
// one with
//
//	go test -run '^$' -fuzz '^FuzzDecodeConsumeStats$' -fuzztime 30s ./protocol

// FuzzDecodeConsumerConnection fuzzes the GET_CONSUMER_CONNECTION_LIST reply
// body. Marshal puts sets in Java order, so the round trip starts from the
// first re-encoding.
func FuzzDecodeConsumerConnection(f *testing.F) {
	fuzzDecode(f, "ConsumerConnection", DecodeConsumerConnection, func(t *testing.T, c *ConsumerConnection) {
		c, err := DecodeConsumerConnection(c.Marshal())
		if err != nil {
			t.Fatalf("marshalled body does not decode: %v", err)
		}
		checkBodyRoundTrip(t, "ConsumerConnection", c, (*ConsumerConnection).Marshal, DecodeConsumerConnection)
	})
}

// FuzzDecodeConsumeStats fuzzes the GET_CONSUME_STATS reply body, in both
// releases' forms.
func FuzzDecodeConsumeStats(f *testing.F) {
	fuzzDecode(f, "ConsumeStats", DecodeConsumeStats, func(t *testing.T, s *ConsumeStats) {
		checkObjectKeyedRoundTrip(t, "ConsumeStats", s, (*ConsumeStats).Marshal, DecodeConsumeStats)
		v4 := &ConsumeStats{ConsumeTps: s.ConsumeTps}
		for q, o := range s.OffsetTable {
			o.PullOffset = 0
			if v4.OffsetTable == nil {
				v4.OffsetTable = map[MessageQueue]OffsetWrapper{}
			}
			v4.OffsetTable[q] = o
		}
		checkObjectKeyedRoundTrip(t, "ConsumeStats V4", v4, func(s *ConsumeStats) []byte { return s.MarshalAs(Release498) }, DecodeConsumeStats)
	})
}

// checkObjectKeyedRoundTrip is checkBodyRoundTrip for bodies with
// fastjson's object-keyed maps, which are not JSON: the output must scan
// with fjObjectMembers instead.
func checkObjectKeyedRoundTrip[T any](t *testing.T, name string, v *T, marshal func(*T) []byte, decode func([]byte) (*T, error)) {
	t.Helper()
	checkRoundTrip(t, name, v, marshal, decode, func(enc []byte) error {
		if _, err := fjObjectMembers(enc); err != nil {
			return fmt.Errorf("does not scan: %w", err)
		}
		return nil
	})
}

// FuzzDecodeConsumerRunningInfo fuzzes the GET_CONSUMER_RUNNING_INFO reply body.
func FuzzDecodeConsumerRunningInfo(f *testing.F) {
	fuzzDecode(f, "ConsumerRunningInfo", DecodeConsumerRunningInfo, func(*testing.T, *ConsumerRunningInfo) {})
}

// FuzzDecodeLockBatchBodies fuzzes the LOCK_BATCH_MQ / UNLOCK_BATCH_MQ
// request and reply bodies and the GET_CONSUMER_LIST_BY_GROUP reply body.
func FuzzDecodeLockBatchBodies(f *testing.F) {
	fuzzBody(f, func(t *testing.T, data []byte) {
		if req, err := DecodeLockBatchRequestBody(data); err != nil {
			checkBodyError(t, "LockBatchRequestBody", err)
		} else {
			checkBodyRoundTrip(t, "LockBatchRequestBody", req, (*LockBatchRequestBody).Marshal, DecodeLockBatchRequestBody)
			v4 := *req
			v4.OnlyThisBroker = false
			checkBodyRoundTrip(t, "LockBatchRequestBody V4", &v4, func(b *LockBatchRequestBody) []byte { return b.MarshalAs(Release498) }, DecodeLockBatchRequestBody)
		}
		if resp, err := DecodeLockBatchResponseBody(data); err != nil {
			checkBodyError(t, "LockBatchResponseBody", err)
		} else {
			checkBodyRoundTrip(t, "LockBatchResponseBody", resp, (*LockBatchResponseBody).Marshal, DecodeLockBatchResponseBody)
		}
		if list, err := DecodeGetConsumerListByGroupResponseBody(data); err != nil {
			checkBodyError(t, "GetConsumerListByGroupResponseBody", err)
		} else {
			checkBodyRoundTrip(t, "GetConsumerListByGroupResponseBody", list, (*GetConsumerListByGroupResponseBody).Marshal, DecodeGetConsumerListByGroupResponseBody)
		}
	})
}

// seedMessageExts are pull bodies: the test messages one by one and
// together, and damaged copies.
func seedMessageExts(tb testing.TB) [][]byte {
	var all []byte
	out := [][]byte{nil}
	for _, m := range pullMessages() {
		b, err := EncodeMessageExt(m)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
		all = append(all, b...)
	}
	return append(out, all, all[:len(all)-3], append(append([]byte(nil), all...), 0, 0, 0, 91))
}

// v4Mapped reports whether ip is an IPv4 address in 16-byte form, which the
// encoder writes in 4.
func v4Mapped(ip net.IP) bool { return len(ip) == net.IPv6len && ip.To4() != nil }

// FuzzDecodeMessageExt fuzzes the stored-message decoder: whatever decodes
// re-encodes to the same bytes (V1 records with canonical hosts) or at
// least to the same message.
func FuzzDecodeMessageExt(f *testing.F) {
	for _, b := range seedMessageExts(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var msgs []*MessageExt
		n, err := WalkMessageExts(body, func(i int, m *MessageExt) error {
			msgs = append(msgs, m)
			return nil
		})
		if n != len(msgs) {
			t.Fatalf("WalkMessageExts returned %d after %d messages", n, len(msgs))
		}
		if err != nil && !errors.Is(err, ErrBadMessageExt) {
			t.Fatalf("error %q does not wrap ErrBadMessageExt", err)
		}
		off := 0
		for _, m := range msgs {
			rec := body[off:]
			size := int(binary.BigEndian.Uint32(rec))
			off += size
			enc, err := EncodeMessageExt(m)
			if err != nil {
				if len(m.Topic) > 255 {
					continue // a V2 record
				}
				t.Fatalf("decoded message does not encode: %v", err)
			}
			canonical := binary.BigEndian.Uint32(rec[4:]) == MessageMagicV1 && !v4Mapped(m.BornHost) && !v4Mapped(m.StoreHost)
			if canonical && !bytes.Equal(enc, rec[:size]) {
				t.Fatalf("re-encoded record differs:\n%q\n%q", rec[:size], enc)
			}
			back, n, err := DecodeMessageExt(enc)
			if err != nil || n != len(enc) {
				t.Fatalf("re-encoded record does not decode: %d, %v", n, err)
			}
			want := *m
			if v4Mapped(want.BornHost) {
				want.BornHost, want.SysFlag = want.BornHost.To4(), want.SysFlag&^SysFlagBornHostV6
			}
			if v4Mapped(want.StoreHost) {
				want.StoreHost, want.SysFlag = want.StoreHost.To4(), want.SysFlag&^SysFlagStoreHostV6
			}
			if diff := cmp.Diff(&want, back); diff != "" {
				t.Fatalf("round trip (-decoded +again):\n%s", diff)
			}
			for k, v := range m.Properties {
				if got, _ := LookupProperty(m.PropertiesString, k); got != v {
					t.Fatalf("LookupProperty(%q) = %q, Properties has %q", k, got, v)
				}
			}
			if tags := m.Tags(); tags != "" && !strings.Contains(m.PropertiesString, tags) {
				t.Fatalf("Tags() = %q is not in the properties", tags)
			}
		}
		if err == nil && off != len(body) {
			t.Fatalf("walked %d bytes of %d", off, len(body))
		}
	})
}
