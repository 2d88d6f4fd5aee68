package protocol

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
)

// The offset message id a broker returns as a send reply's msgId: uppercase
// hex of the store host's IP (4 bytes, or 16 for IPv6), its port (int32) and
// the message's commit-log offset (int64). 32 hex digits for IPv4, 56 for
// IPv6.

// Lengths of an offset message id.
const (
	OffsetMsgIDLen   = 2 * (4 + 4 + 8)  // IPv4 store host
	OffsetMsgIDLenV6 = 2 * (16 + 4 + 8) // IPv6 store host
)

// FormatOffsetMsgID returns the offset message id of a message stored at
// offset by the broker at ip:port, e.g. 127.0.0.1:10911 offset 0 gives
// "7F00000100002A9F0000000000000000". IPv4 and IPv4-mapped addresses give the
// 32-digit form, other IPv6 addresses the 56-digit one; an ip that is
// neither (nil) is written as 0.0.0.0, which clients cannot use.
func FormatOffsetMsgID(ip net.IP, port int32, offset int64) string {
	var raw [16 + 4 + 8]byte
	var b []byte
	switch v4 := ip.To4(); {
	case v4 != nil:
		b = append(raw[:0], v4...)
	case len(ip) == net.IPv6len:
		b = append(raw[:0], ip...)
	default:
		b = append(raw[:0], 0, 0, 0, 0)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(port))
	b = binary.BigEndian.AppendUint64(b, uint64(offset))
	var out [2 * len(raw)]byte
	for i, c := range b {
		out[2*i] = fjHexUpper[c>>4]
		out[2*i+1] = fjHexUpper[c&0xF]
	}
	return string(out[:2*len(b)])
}

// ParseOffsetMsgID splits an offset message id (32 or 56 hex digits, either
// case) into the store host's IP and port and the commit-log offset.
func ParseOffsetMsgID(s string) (ip net.IP, port int32, offset int64, err error) {
	ipLen := 0
	switch len(s) {
	case OffsetMsgIDLen:
		ipLen = net.IPv4len
	case OffsetMsgIDLenV6:
		ipLen = net.IPv6len
	default:
		return nil, 0, 0, fmt.Errorf("offset message id %q: want %d (IPv4) or %d (IPv6) hex digits, got %d",
			s, OffsetMsgIDLen, OffsetMsgIDLenV6, len(s))
	}
	var raw [16 + 4 + 8]byte
	b := raw[:len(s)/2]
	if _, err := hex.Decode(b, []byte(s)); err != nil {
		return nil, 0, 0, fmt.Errorf("offset message id %q: want hex digits: %w", s, err)
	}
	ip = make(net.IP, ipLen)
	copy(ip, b[:ipLen])
	port = int32(binary.BigEndian.Uint32(b[ipLen:]))
	offset = int64(binary.BigEndian.Uint64(b[ipLen+4:]))
	return ip, port, offset, nil
}
