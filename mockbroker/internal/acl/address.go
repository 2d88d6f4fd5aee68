package acl

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// addressMatcher is a RemoteAddressStrategy: it matches the client's
// address as the broker sees it (no port).
type addressMatcher interface {
	match(addr string) bool
}

type matchAll struct{}   // NullRemoteAddressStrategy: "*", "*.*.*.*"
type matchNone struct{}  // BlankRemoteAddressStrategy: no address given
type matchOne string     // OneRemoteAddressStrategy, expanded
type matchSet []string   // MultipleRemoteAddressStrategy: "a,b" or "1.2.3.{4,5}"
type matchRange struct { // RangeRemoteAddressStrategy: "1.2.3.*", "1.2.3-9.*", "1:2:3:4:5:6:7:*"
	head       string
	start, end int
	index      int
	v6         bool
}

func (matchAll) match(string) bool  { return true }
func (matchNone) match(string) bool { return false }
func (m matchOne) match(addr string) bool {
	return strings.ToUpper(expandIP(addr, 8)) == string(m)
}

func (m matchSet) match(addr string) bool {
	if validIPv6(addr) {
		addr = expandIP(addr, 8)
	}
	for _, a := range m {
		if a == addr {
			return true
		}
	}
	return false
}

func (m *matchRange) match(addr string) bool {
	if m.v6 {
		if !validIPv6(addr) {
			return false
		}
		addr = strings.ToUpper(expandIP(addr, 8))
		if !strings.HasPrefix(addr, m.head) || len(addr) < 5*m.index+4 {
			return false
		}
		n, err := strconv.ParseInt(addr[5*m.index:5*m.index+4], 16, 32)
		return err == nil && int(n) >= m.start && int(n) <= m.end
	}
	if !validIPv4(addr) || !strings.HasPrefix(addr, m.head) {
		return false
	}
	var value string
	switch m.index {
	case 3:
		value = addr[len(m.head):]
	case 2:
		value = addr[len(m.head):strings.LastIndexByte(addr, '.')]
	default:
		last := strings.LastIndexByte(addr, '.')
		prev := strings.LastIndexByte(addr[:last], '.')
		if prev < len(m.head) {
			return false
		}
		value = addr[len(m.head):prev]
	}
	n, err := strconv.Atoi(value)
	return err == nil && n >= m.start && n <= m.end
}

// newAddressMatcher is RemoteAddressStrategyFactory.getRemoteAddressStrategy;
// errors carry the AclException messages of the Java factory.
func newAddressMatcher(pattern string) (addressMatcher, error) {
	if strings.TrimSpace(pattern) == "" {
		return matchNone{}, nil
	}
	if pattern == "*" || pattern == "*.*.*.*" || pattern == "*:*:*:*:*:*:*:*" {
		return matchAll{}, nil
	}
	if strings.HasSuffix(pattern, "}") {
		sep := "."
		if strings.Contains(pattern, ":") {
			sep = ":"
		}
		parts := splitNonEmpty(pattern, sep)
		if sep == "." && len(parts) < 4 {
			return nil, fmt.Errorf("MultipleRemoteAddressStrategy has got a/some wrong format IP(s) %s", pattern)
		}
		last := parts[len(parts)-1]
		if !strings.HasPrefix(last, "{") {
			return nil, fmt.Errorf("MultipleRemoteAddressStrategy netaddress examine scope Exception netaddress %s", pattern)
		}
		head := pattern[:strings.Index(pattern, "{")]
		var addrs []string
		for _, p := range splitNonEmpty(last[1:len(last)-1], ",") {
			addrs = append(addrs, head+p)
		}
		return newMatchSet(addrs)
	}
	if strings.Contains(pattern, ",") {
		return newMatchSet(splitNonEmpty(pattern, ","))
	}
	if strings.ContainsAny(pattern, "*-") {
		return newMatchRange(pattern)
	}
	if !validIPv4(pattern) && !validIPv6(pattern) {
		return nil, fmt.Errorf("Netaddress examine Exception netaddress is %s", pattern)
	}
	return matchOne(strings.ToUpper(expandIP(pattern, 8))), nil
}

func newMatchSet(addrs []string) (addressMatcher, error) {
	m := make(matchSet, 0, len(addrs))
	for _, a := range addrs {
		switch {
		case validIPv4(a):
			m = append(m, a)
		case validIPv6(a):
			m = append(m, expandIP(a, 8))
		default:
			return nil, fmt.Errorf("Netaddress examine Exception netaddress is %s", a)
		}
	}
	return m, nil
}

// newMatchRange is the IPv4 RangeRemoteAddressStrategy: the first of the
// second, third and fourth parts that is "*" or "a-b" gives the range,
// the parts before it the head; later parts are not looked at.
func newMatchRange(pattern string) (addressMatcher, error) {
	if strings.Contains(pattern, ":") {
		return newMatchRangeV6(pattern)
	}
	parts := splitNonEmpty(pattern, ".")
	m := &matchRange{}
	found := false
	for i := 1; i <= 3 && i < len(parts); i++ {
		m.index = i
		var err error
		if m.start, m.end, err = rangePart(pattern, parts[i], 255, strconv.Atoi); err != nil {
			return nil, err
		}
		if m.end > 0 {
			found = true
			break
		}
	}
	if !found {
		// Java builds a strategy without a head that fails on first use;
		// the mock refuses it up front.
		return nil, fmt.Errorf("address pattern %s: no range (\"*\" or \"a-b\" with b > 0) in its second, third or fourth part", pattern)
	}
	if len(parts) != 4 {
		return nil, fmt.Errorf("Netaddress examine scope Exception netaddress is %s", pattern)
	}
	for j := 0; j < m.index-1; j++ {
		n, err := strconv.Atoi(strings.TrimSpace(parts[j]))
		if err != nil || !inByte(n) {
			return nil, fmt.Errorf("Netaddress examine scope Exception netaddress is %s", pattern)
		}
	}
	var head strings.Builder
	for j := 0; j < m.index; j++ {
		head.WriteString(strings.TrimSpace(parts[j]))
		head.WriteByte('.')
	}
	m.head = head.String()
	return m, nil
}

// newMatchRangeV6 is the IPv6 RangeRemoteAddressStrategy: the first part
// after the first that is "*" or "a-b" (hex) gives the range; the address
// before it, expanded, is the head.
func newMatchRangeV6(pattern string) (addressMatcher, error) {
	scopeErr := fmt.Errorf("Netaddress examine scope Exception netaddress is %s", pattern)
	star, minus := strings.Index(pattern, "*"), strings.Index(pattern, "-")
	if star > -1 && star != len(pattern)-1 {
		return nil, scopeErr // '*' must end the pattern (AclUtils.IPv6AddressCheck)
	}
	if minus > -1 {
		last := strings.LastIndex(pattern, ":")
		if star == -1 && minus <= last {
			return nil, scopeErr
		}
		if star > -1 && minus <= strings.LastIndex(pattern[:max(last, 0)], ":") {
			return nil, scopeErr
		}
	}
	parts := splitNonEmpty(pattern, ":")
	m := &matchRange{v6: true}
	for i := 1; i < len(parts); i++ {
		var err error
		if m.start, m.end, err = rangePart(pattern, parts[i], 0xffff, parseHex); err != nil {
			return nil, err
		}
		if m.end <= 0 {
			continue
		}
		// AclUtils.verify(pattern, i-1): the groups before must be hex.
		groups := strings.Split(expandIP(pattern, 8), ":")
		for j := 0; j < i-1 && j < len(groups); j++ {
			if n, err := strconv.ParseInt(groups[j], 16, 32); err != nil || n < 0 || n > 0xffff {
				return nil, scopeErr
			}
		}
		// AclUtils.v6ipProcess: the address before the range, expanded.
		var sub string
		var part int
		last := strings.LastIndex(pattern, ":")
		switch {
		case star > -1 && minus > -1:
			part, sub = 6, pattern[:strings.LastIndex(pattern[:last], ":")]
		default:
			part, sub = 7, pattern[:last]
		}
		m.head = expandIP(sub, part)
		m.index = len(splitNonEmpty(m.head, ":"))
		return m, nil
	}
	return nil, fmt.Errorf("address pattern %s: no range (\"*\" or \"a-b\" with b > 0) after its first part", pattern)
}

// rangePart reads one part of a range pattern as the Java strategies do:
// "*" is 0..maxV, "a-b" is a..b (numbers as parse reads them, within
// 0..maxV), anything else 0..0 (no range).
func rangePart(pattern, part string, maxV int, parse func(string) (int, error)) (start, end int, err error) {
	v := strings.TrimSpace(part)
	if v == "*" {
		return 0, maxV, nil
	}
	if !strings.Contains(v, "-") {
		return 0, 0, nil
	}
	if strings.HasPrefix(v, "-") {
		return 0, 0, fmt.Errorf("RangeRemoteAddressStrategy netaddress examine scope Exception value %s ", v)
	}
	se := splitNonEmpty(v, "-")
	if len(se) < 2 {
		return 0, 0, fmt.Errorf("address pattern %s: want a range a-b in %q", pattern, v)
	}
	start, err1 := parse(se[0])
	end, err2 := parse(se[1])
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("address pattern %s: For input string: %q", pattern, v)
	}
	if !(end >= 0 && end <= maxV && start >= 0 && start <= maxV && start <= end) {
		return 0, 0, fmt.Errorf("RangeRemoteAddressStrategy netaddress examine scope Exception start is %d , end is %d", start, end)
	}
	return start, end, nil
}

// parseHex reads an IPv6 group as Java's Integer.parseInt(s, 16).
func parseHex(s string) (int, error) {
	n, err := strconv.ParseInt(s, 16, 32)
	return int(n), err
}

func inByte(n int) bool { return n >= 0 && n <= 255 }

// validIPv4 is commons-validator's InetAddressValidator.isValidInet4Address.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 3 || (len(p) > 1 && p[0] == '0') {
			return false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n > 255 || p[0] == '+' || p[0] == '-' {
			return false
		}
	}
	return true
}

// validIPv6 reports whether s is an IPv6 address (without brackets).
func validIPv6(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

// expandIP is AclUtils.expandIP: IPv6 with "::" filled in and every part
// padded to 4 digits, upper case; an IPv4 address comes back (upper-cased)
// as given.
func expandIP(addr string, part int) string {
	addr = strings.ToUpper(addr)
	if pad := part - strings.Count(addr, ":"); pad > 0 {
		addr = strings.Replace(addr, "::", ":"+strings.Repeat(":", pad), -1)
	}
	parts := strings.Split(addr, ":")
	for i, p := range parts {
		if len(p) < 4 {
			parts[i] = strings.Repeat("0", 4-len(p)) + p
		}
	}
	return strings.Join(parts, ":")
}

// RemoteHost is the address the broker matches whitelists against: the
// client's "ip:port" up to its last colon, as PlainAccessValidator.parse
// cuts it; an IPv6 host is written as Java 8's Inet6Address does
// (0:0:0:0:0:0:0:1, no brackets).
func RemoteHost(remote string) string {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		a := ap.Addr().Unmap()
		if a.Is4() {
			return a.String()
		}
		b := a.As16()
		var sb strings.Builder
		for i := 0; i < 16; i += 2 {
			if i > 0 {
				sb.WriteByte(':')
			}
			sb.WriteString(strconv.FormatUint(uint64(b[i])<<8|uint64(b[i+1]), 16))
		}
		return sb.String()
	}
	if i := strings.LastIndexByte(remote, ':'); i >= 0 {
		return remote[:i]
	}
	return remote
}
