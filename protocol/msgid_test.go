package protocol

import (
	"net"
	"testing"

	"gotest.tools/v3/assert"
)

func TestOffsetMsgID(t *testing.T) {
	tests := []struct {
		name   string
		ip     net.IP
		port   int32
		offset int64
		want   string
		back   net.IP
	}{
		{"spec", net.IPv4(127, 0, 0, 1), 10911, 0, "7F00000100002A9F0000000000000000", net.IP{127, 0, 0, 1}},
		{"4-byte ip", net.IP{192, 168, 1, 20}, 10911, 1<<40 + 255, "C0A8011400002A9F00000100000000FF", net.IP{192, 168, 1, 20}},
		{"max", net.IPv4(255, 255, 255, 255), -1, -1, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", net.IP{255, 255, 255, 255}},
		{"ipv6", net.ParseIP("::1"), 10911, 4096, "0000000000000000000000000000000100002A9F0000000000001000", net.ParseIP("::1")},
		{"nil ip", nil, 1, 2, "00000000000000010000000000000002", net.IP{0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FormatOffsetMsgID(tc.ip, tc.port, tc.offset)
			assert.Equal(t, got, tc.want)
			ip, port, offset, err := ParseOffsetMsgID(got)
			assert.NilError(t, err)
			assert.DeepEqual(t, ip, tc.back)
			assert.Equal(t, port, tc.port)
			assert.Equal(t, offset, tc.offset)
		})
	}
}

func TestParseOffsetMsgID(t *testing.T) {
	ip, port, offset, err := ParseOffsetMsgID("7f00000100002a9f0000000000000010")
	assert.NilError(t, err)
	assert.Equal(t, ip.String(), "127.0.0.1")
	assert.Equal(t, port, int32(10911))
	assert.Equal(t, offset, int64(16))

	_, _, _, err = ParseOffsetMsgID("7F000001")
	assert.Error(t, err, `offset message id "7F000001": want 32 (IPv4) or 56 (IPv6) hex digits, got 8`)
	_, _, _, err = ParseOffsetMsgID("7F00000100002A9F000000000000000G")
	assert.ErrorContains(t, err, `offset message id "7F00000100002A9F000000000000000G": want hex digits: encoding/hex: invalid byte`)
}

func BenchmarkFormatOffsetMsgID(b *testing.B) {
	ip := net.IPv4(127, 0, 0, 1)
	b.ReportAllocs()
	for b.Loop() {
		_ = FormatOffsetMsgID(ip, 10911, 123456789)
	}
}
