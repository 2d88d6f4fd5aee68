package protocol

import (
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// pullMessages are stored messages as a pull returns them: IPv4 and IPv6
// hosts, a compressed body, retry properties, an empty body.
func pullMessages() []*MessageExt {
	born, stored := time.UnixMilli(1_700_000_000_123), time.UnixMilli(1_700_000_000_456)
	return []*MessageExt{
		{Topic: "TopicTest", QueueID: 1, QueueOffset: 0, CommitLogOffset: 0, BornTimestamp: born,
			BornHost: net.IPv4(10, 0, 0, 5).To4(), BornPort: 50001, StoreTimestamp: stored,
			StoreHost: net.IPv4(127, 0, 0, 1).To4(), StorePort: 10911, Body: []byte("hello"),
			PropertiesString: "UNIQ_KEY\x01AC110001000118B4AAC2000000000000\x02TAGS\x01TagA\x02WAIT\x01true\x02CLUSTER\x01DefaultCluster\x02"},
		{Topic: "TopicTest", QueueID: 1, Flag: 7, QueueOffset: 1, CommitLogOffset: 200,
			SysFlag: SysFlagCompressed | SysFlagCompressionZLIB | SysFlagBornHostV6 | SysFlagStoreHostV6, BornTimestamp: born,
			BornHost: net.ParseIP("fe80::1"), BornPort: 1, StoreTimestamp: stored, StoreHost: net.ParseIP("::1"), StorePort: 10911,
			Body: []byte{0x78, 0x9c, 0, 1, 2}, PropertiesString: "TAGS\x01TagB"},
		{Topic: "%RETRY%CG", QueueID: 0, QueueOffset: 9, CommitLogOffset: 9000, BornTimestamp: born,
			BornHost: net.IPv4(10, 0, 0, 5).To4(), StoreTimestamp: stored, StoreHost: net.IPv4(127, 0, 0, 1).To4(),
			StorePort: 10911, ReconsumeTimes: 3, PreparedTransactionOffset: 0},
	}
}

func TestDecodeMessageExt(t *testing.T) {
	var body []byte
	var sizes []int
	for _, m := range pullMessages() {
		before := len(body)
		var err error
		body, err = AppendMessageExt(body, m)
		assert.NilError(t, err)
		sizes = append(sizes, len(body)-before)
	}
	// IPv4 size = 91 + body + topic + properties; IPv6 hosts add 24.
	ms := pullMessages()
	assert.Equal(t, sizes[0], 91+5+9+len(ms[0].PropertiesString))
	assert.Equal(t, sizes[1], 91+24+5+9+len(ms[1].PropertiesString))

	got, err := DecodeMessageExts(body)
	assert.NilError(t, err)
	want := pullMessages()
	for _, m := range want {
		if m.PropertiesString != "" {
			m.Properties = ParseProperties(m.PropertiesString)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	assert.Equal(t, got[0].Tags(), "TagA")
	assert.Equal(t, got[0].Properties[PropertyCluster], "DefaultCluster")
	assert.Equal(t, got[0].OffsetMsgID(), "7F00000100002A9F0000000000000000")
	assert.Equal(t, got[2].Tags(), "")

	// Re-encoding the decoded messages gives the same bytes.
	var again []byte
	for _, m := range got {
		again, err = AppendMessageExt(again, m)
		assert.NilError(t, err)
	}
	assert.DeepEqual(t, again, body)

	// WalkMessageExts stops at fn's error.
	stop := errors.New("stop")
	n, err := WalkMessageExts(body, func(i int, m *MessageExt) error {
		if i == 1 {
			return stop
		}
		return nil
	})
	assert.Equal(t, n, 1)
	assert.Assert(t, errors.Is(err, stop))
	n, err = WalkMessageExts(nil, func(int, *MessageExt) error { return stop })
	assert.NilError(t, err)
	assert.Equal(t, n, 0)
}

func TestDecodeMessageExtV2(t *testing.T) {
	// A 5.x record of a long topic: magic V2, two-byte topic length.
	long := strings.Repeat("t", 300)
	v1, err := EncodeMessageExt(&MessageExt{Topic: "x", StoreHost: net.IPv4zero, Body: []byte("b")})
	assert.NilError(t, err)
	rec := append([]byte(nil), v1[:len(v1)-4]...) // up to the topic length byte
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(long)))
	rec = append(rec, long...)
	rec = append(rec, 0, 0)
	binary.BigEndian.PutUint32(rec, uint32(len(rec)))
	binary.BigEndian.PutUint32(rec[4:], MessageMagicV2)
	m, size, err := DecodeMessageExt(rec)
	assert.NilError(t, err)
	assert.Equal(t, size, len(rec))
	assert.Equal(t, m.Topic, long)
	assert.Equal(t, string(m.Body), "b")
}

func TestDecodeMessageExtErrors(t *testing.T) {
	good, err := EncodeMessageExt(pullMessages()[0])
	assert.NilError(t, err)
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		in   []byte
		err  string
	}{
		{"short", good[:5], "malformed stored message: 5 bytes, want at least 8 for storeSize and magicCode"},
		{"size over input", good[:100], "malformed stored message: storeSize 190, want at least 91 and at most the 100 bytes left"},
		{"size too small", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 20); return b }),
			"malformed stored message: storeSize 20, want at least 91 and at most the 190 bytes left"},
		{"magic", mutate(func(b []byte) []byte { b[7] = 0; return b }),
			"malformed stored message: magicCode 0xdaa32000, want 0xdaa320a7 or 0xdaa320ab"},
		{"crc", mutate(func(b []byte) []byte { b[8] ^= 1; return b }),
			"malformed stored message: bodyCRC 923838086, want 907060870 (CRC32 of the 5-byte body)"},
		{"body length", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[84:], 1000); return b }),
			"malformed stored message: body needs 1000 bytes at offset 88, the record (storeSize 190) has 102 left"},
		{"trailing bytes", mutate(func(b []byte) []byte {
			b = append(b, 0)
			binary.BigEndian.PutUint32(b, uint32(len(b)))
			return b
		}), "malformed stored message: storeSize 191, but the fields end after 190 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodeMessageExt(tc.in)
			assert.Error(t, err, tc.err)
			assert.Assert(t, errors.Is(err, ErrBadMessageExt))
		})
	}
	_, err = WalkMessageExts(append(append([]byte(nil), good...), good[:9]...), func(int, *MessageExt) error { return nil })
	assert.Error(t, err, "message 1 at byte 190: malformed stored message: storeSize 190, want at least 91 and at most the 9 bytes left")
}

func TestFormatPropertiesAs(t *testing.T) {
	props := map[string]string{"KEYS": "k1", "TAGS": "TagA", "WAIT": "true", "CLUSTER": "DefaultCluster"}
	// Hand-derived HashMap order: String.hashCode, spread, masked by 16
	// (4.9.8: KEYS 7, CLUSTER 12, WAIT 13, TAGS 14) or 128 (5.x's
	// HashMap(128): CLUSTER 28, TAGS 62, KEYS 87, WAIT 93).
	assert.Equal(t, FormatPropertiesAs(Release498, props), want498Props)
	assert.Equal(t, FormatPropertiesAs(Release533, props), want533Props)
	assert.Equal(t, FormatPropertiesAs(Release498, nil), "")
	assert.DeepEqual(t, ParseProperties(FormatPropertiesAs(Release498, props)), props)
	assert.DeepEqual(t, ParseProperties(FormatPropertiesAs(Release533, props)), props)
}

const (
	want498Props = "KEYS\x01k1\x02CLUSTER\x01DefaultCluster\x02WAIT\x01true\x02TAGS\x01TagA"
	want533Props = "CLUSTER\x01DefaultCluster\x02TAGS\x01TagA\x02KEYS\x01k1\x02WAIT\x01true\x02"
)
