package protocol

import (
	"encoding/binary"
	"hash/crc32"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// decodeMessageExt reads a V1 MessageExt field by field, as
// rocketmq-client-go's DecodeMessage does, and checks storeSize, magic and
// bodyCRC on the way.
func decodeMessageExt(t *testing.T, b []byte) MessageExt {
	t.Helper()
	total := len(b)
	u32 := func() uint32 { v := binary.BigEndian.Uint32(b); b = b[4:]; return v }
	i64 := func() int64 { v := int64(binary.BigEndian.Uint64(b)); b = b[8:]; return v }
	assert.Equal(t, int(u32()), total, "storeSize")
	assert.Equal(t, u32(), MessageMagicV1)
	crc := u32()
	var m MessageExt
	m.QueueID, m.Flag = int32(u32()), int32(u32())
	m.QueueOffset, m.CommitLogOffset = i64(), i64()
	m.SysFlag = int32(u32())
	host := func(v6 bool) (net.IP, int32) {
		n := 4
		if v6 {
			n = 16
		}
		ip := net.IP(append([]byte(nil), b[:n]...))
		b = b[n:]
		return ip, int32(u32())
	}
	m.BornTimestamp = time.UnixMilli(i64())
	m.BornHost, m.BornPort = host(m.SysFlag&SysFlagBornHostV6 != 0)
	m.StoreTimestamp = time.UnixMilli(i64())
	m.StoreHost, m.StorePort = host(m.SysFlag&SysFlagStoreHostV6 != 0)
	m.ReconsumeTimes, m.PreparedTransactionOffset = int32(u32()), i64()
	n := u32()
	m.Body, b = b[:n], b[n:]
	assert.Equal(t, crc, crc32.ChecksumIEEE(m.Body)&0x7FFFFFFF, "bodyCRC")
	tl := int(b[0])
	m.Topic, b = string(b[1:1+tl]), b[1+tl:]
	pl := int(binary.BigEndian.Uint16(b))
	m.Properties, b = ParseProperties(string(b[2:2+pl])), b[2+pl:]
	assert.Equal(t, len(b), 0, "bytes after the properties")
	return m
}

func TestEncodeMessageExt(t *testing.T) {
	born, stored := time.UnixMilli(1_700_000_000_123), time.UnixMilli(1_700_000_000_456)
	v4 := MessageExt{
		Topic: "T", QueueID: 3, Flag: 7, QueueOffset: 11, CommitLogOffset: 4096,
		SysFlag: SysFlagMultiTags, BornTimestamp: born, BornHost: net.ParseIP("10.0.0.1"), BornPort: 50001,
		StoreTimestamp: stored, StoreHost: net.IPv4(127, 0, 0, 1), StorePort: 10911,
		ReconsumeTimes: 2, PreparedTransactionOffset: 99, Body: []byte("hello"),
		Properties: map[string]string{"UNIQ_KEY": "U1", "TAGS": "a"},
	}
	v6 := v4
	v6.BornHost, v6.StoreHost = net.ParseIP("fe80::1"), net.ParseIP("::1")
	v6.SysFlag |= SysFlagBornHostV6 // recomputed from the hosts either way
	noBorn := v4
	noBorn.BornHost, noBorn.BornPort = nil, 0
	noBorn.SysFlag = SysFlagBornHostV6 | SysFlagStoreHostV6

	for name, tc := range map[string]struct {
		in      MessageExt
		sysFlag int32
		born    net.IP
	}{
		"ipv4":    {v4, SysFlagMultiTags, net.IPv4(10, 0, 0, 1).To4()},
		"ipv6":    {v6, SysFlagMultiTags | SysFlagBornHostV6 | SysFlagStoreHostV6, net.ParseIP("fe80::1")},
		"no born": {noBorn, 0, net.IPv4zero.To4()},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := EncodeMessageExt(&tc.in)
			assert.NilError(t, err)
			got := decodeMessageExt(t, b)
			want := tc.in
			want.SysFlag, want.BornHost = tc.sysFlag, tc.born
			if ip4 := want.StoreHost.To4(); ip4 != nil {
				want.StoreHost = ip4
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decoded message differs (-want +got):\n%s", diff)
			}
			// Appending writes the same bytes after what dst holds.
			app, err := AppendMessageExt([]byte("xy"), &tc.in)
			assert.NilError(t, err)
			assert.Equal(t, string(app), "xy"+string(b))
		})
	}

	// The fixed part: 4+4+4+4+4+8+8+4+8+8+8+8+4+8+4 bytes, then the body,
	// topic and properties with their lengths.
	b, err := EncodeMessageExt(&MessageExt{Topic: "T", BornHost: net.IPv4zero, StoreHost: net.IPv4zero})
	assert.NilError(t, err)
	assert.Equal(t, len(b), 88+1+1+2)
}

func TestEncodeMessageExtLimits(t *testing.T) {
	_, err := EncodeMessageExt(&MessageExt{Topic: strings.Repeat("t", 256)})
	assert.ErrorContains(t, err, "is 256 bytes: a V1 message holds at most 255")
	dst := []byte("keep")
	out, err := AppendMessageExt(dst, &MessageExt{Topic: "T", Properties: map[string]string{"k": strings.Repeat("v", 32767)}})
	assert.ErrorContains(t, err, "a message holds at most 32767")
	assert.Equal(t, string(out), "keep", "dst comes back unchanged")
}
