package remoting

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The HAProxy PROXY protocol (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt)
// as Netty's HAProxyMessageDecoder reads it: a load balancer writes one
// header before the client's bytes, naming the client's address.

// proxyV2Sig is the 12-byte signature of a version 2 (binary) header.
var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// proxyV1Prefix is what a version 1 (text) header starts with: Netty's
// TEXT_PREFIX is these five bytes, without the space.
var proxyV1Prefix = []byte("PROXY")

// Limits of Netty's HAProxyMessageDecoder.
const (
	proxyV1MaxLen = 108 // V1_MAX_LENGTH, the line with its CRLF
	proxyV2Head   = 16  // signature, version and command, family, length
)

// ErrProxyHeader is wrapped by the errors of a malformed PROXY header.
var ErrProxyHeader = errors.New("remoting: malformed PROXY protocol header")

// ProxyHeader is what a PROXY protocol header says. Source is the
// client's "ip:port" the broker then reports (RemotingHelper
// .parseChannelRemoteAddr prefers it), "" when the header names none
// (v1 UNKNOWN, v2 LOCAL or UNSPEC, a unix socket, or source port 0).
type ProxyHeader struct {
	Version int // 1 or 2
	Source  string
	Dest    string
}

// parseProxyV1 parses a version 1 line, CRLF excluded, as Netty's
// HAProxyMessage.decodeHeader(String) does.
func parseProxyV1(line string) (ProxyHeader, error) {
	h := ProxyHeader{Version: 1}
	parts := strings.Split(line, " ")
	if len(parts) < 2 || parts[0] != "PROXY" {
		return h, fmt.Errorf("%w: v1 line %q: want \"PROXY TCP4|TCP6|UNKNOWN ...\"", ErrProxyHeader, line)
	}
	var want4 bool
	switch parts[1] {
	case "UNKNOWN":
		return h, nil
	case "TCP4":
		want4 = true
	case "TCP6":
	default:
		return h, fmt.Errorf("%w: v1 protocol %q: want TCP4, TCP6 or UNKNOWN", ErrProxyHeader, parts[1])
	}
	if len(parts) != 6 {
		return h, fmt.Errorf("%w: v1 line %q: want 6 fields, got %d", ErrProxyHeader, line, len(parts))
	}
	for _, a := range parts[2:4] {
		ip, err := netip.ParseAddr(a)
		if err != nil || ip.Is4() != want4 || ip.Zone() != "" {
			return h, fmt.Errorf("%w: v1 address %q is not an %s address", ErrProxyHeader, a, parts[1])
		}
	}
	ports := [2]int{}
	for i, p := range parts[4:6] {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return h, fmt.Errorf("%w: v1 port %q: want 0 to 65535", ErrProxyHeader, p)
		}
		ports[i] = n
	}
	h.Source = hostPort(parts[2], ports[0])
	h.Dest = hostPort(parts[3], ports[1])
	return h, nil
}

// hostPort joins as RemotingHelper does, address + ":" + port, with no
// brackets around an IPv6 address; "" for port 0 (Netty reports no port,
// and the broker then keeps the socket's address).
func hostPort(ip string, port int) string {
	if port <= 0 {
		return ""
	}
	return ip + ":" + strconv.Itoa(port)
}

// parseProxyV2 parses a whole version 2 header (16 bytes and the length
// they announce), as Netty's HAProxyMessage.decodeHeader(ByteBuf) does.
func parseProxyV2(b []byte) (ProxyHeader, error) {
	h := ProxyHeader{Version: 2}
	if len(b) < proxyV2Head || !bytes.Equal(b[:12], proxyV2Sig) {
		return h, fmt.Errorf("%w: v2 header: want the 12-byte signature and 4 more bytes", ErrProxyHeader)
	}
	verCmd, famProto := b[12], b[13]
	if verCmd>>4 != 2 {
		return h, fmt.Errorf("%w: v2 version %d: want 2", ErrProxyHeader, verCmd>>4)
	}
	switch verCmd & 0xf {
	case 0: // LOCAL: the proxy's own connection, no address
		return h, nil
	case 1: // PROXY
	default:
		return h, fmt.Errorf("%w: v2 command %d: want 0 (LOCAL) or 1 (PROXY)", ErrProxyHeader, verCmd&0xf)
	}
	if p := famProto & 0xf; p > 2 {
		return h, fmt.Errorf("%w: v2 transport %d: want 0 (UNSPEC), 1 (STREAM) or 2 (DGRAM)", ErrProxyHeader, p)
	}
	body := b[proxyV2Head:]
	var n int
	switch famProto >> 4 {
	case 0: // UNSPEC
		return h, nil
	case 1:
		n = 4
	case 2:
		n = 16
	case 3: // UNIX: paths, no port, so no client address
		if len(body) < 216 {
			return h, fmt.Errorf("%w: v2 unix addresses take 216 bytes, the header has %d", ErrProxyHeader, len(body))
		}
		return h, nil
	default:
		return h, fmt.Errorf("%w: v2 address family %d: want 0 to 3", ErrProxyHeader, famProto>>4)
	}
	if len(body) < 2*n+4 {
		return h, fmt.Errorf("%w: v2 addresses take %d bytes, the header has %d", ErrProxyHeader, 2*n+4, len(body))
	}
	src, dst := ipString(body[:n]), ipString(body[n:2*n])
	h.Source = hostPort(src, int(binary.BigEndian.Uint16(body[2*n:])))
	h.Dest = hostPort(dst, int(binary.BigEndian.Uint16(body[2*n+2:])))
	return h, nil
}

// ipString writes an address as Netty's HAProxyMessage.ipBytesToString:
// dotted IPv4, or eight uncompressed hexadecimal groups.
func ipString(b []byte) string {
	var sb strings.Builder
	if len(b) == 4 {
		for i, x := range b {
			if i > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(strconv.Itoa(int(x)))
		}
		return sb.String()
	}
	for i := 0; i < len(b); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(strconv.FormatUint(uint64(binary.BigEndian.Uint16(b[i:])), 16))
	}
	return sb.String()
}

// ProxyV2Header returns a version 2 PROXY header for a TCP connection from
// src to dst ("ip:port" each, both IPv4 or both IPv6): what a load
// balancer writes first. For tests and the test suite.
func ProxyV2Header(src, dst string) ([]byte, error) {
	s, err := netip.ParseAddrPort(src)
	if err != nil {
		return nil, fmt.Errorf("proxy v2 source: %w", err)
	}
	d, err := netip.ParseAddrPort(dst)
	if err != nil {
		return nil, fmt.Errorf("proxy v2 destination: %w", err)
	}
	if s.Addr().Is4() != d.Addr().Is4() {
		return nil, fmt.Errorf("proxy v2: source %s and destination %s: want the same address family", src, dst)
	}
	fam, n := byte(0x11), 4 // INET, STREAM
	if !s.Addr().Is4() {
		fam, n = 0x21, 16
	}
	b := append([]byte(nil), proxyV2Sig...)
	b = append(b, 0x21, fam)
	b = binary.BigEndian.AppendUint16(b, uint16(2*n+4))
	b = append(b, s.Addr().AsSlice()...)
	b = append(b, d.Addr().AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, s.Port())
	b = binary.BigEndian.AppendUint16(b, d.Port())
	return b, nil
}
