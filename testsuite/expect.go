package testsuite

import (
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/rocketmock/rocketmock/internal/textdiff"
	"github.com/rocketmock/rocketmock/protocol"
)

// reply is the part of a response the suite compares exactly. The version
// is checked apart (checkVersion): brokers of one release family differ.
type reply struct {
	Code      protocol.ResponseCode
	Flag      int32
	Language  string
	Remark    string
	ExtFields map[string]string
	Body      string
}

func viewReply(c *protocol.Command) reply {
	return reply{Code: c.ResponseCode(), Flag: c.Flag, Language: c.Language.String(),
		Remark: c.Remark, ExtFields: c.ExtFields, Body: string(c.Body)}
}

// wantReply is a JAVA response with the given code and remark, no
// extFields and no body, as createResponseCommand builds it.
func wantReply(code protocol.ResponseCode, remark string) reply {
	return reply{Code: code, Flag: protocol.FlagResponse, Language: "JAVA", Remark: remark}
}

// expectReply compares a response with want, body included, and checks its
// version; it reports a diff.
func (s *session) expectReply(t T, what string, got *protocol.Command, want reply) {
	t.Helper()
	if d := textdiff.Values(want, viewReply(got)); d != "" {
		t.Errorf("%s: reply differs (-want +got):\n%s", what, d)
	}
	s.checkVersion(t, what, got)
}

// expectHeader is expectReply without the body.
func (s *session) expectHeader(t T, what string, got *protocol.Command, want reply) {
	t.Helper()
	v := viewReply(got)
	v.Body, want.Body = "", ""
	if d := textdiff.Values(want, v); d != "" {
		t.Errorf("%s: reply header differs (-want +got):\n%s", what, d)
	}
	s.checkVersion(t, what, got)
}

// checkVersion checks that a reply carries a version of the target's
// release family (5.x: V5_*, 4.9: V4_9_*).
func (s *session) checkVersion(t T, what string, got *protocol.Command) {
	t.Helper()
	name := got.Version.String()
	prefix := s.target.Release.VersionPrefix()
	if !strings.HasPrefix(name, prefix) {
		t.Errorf("%s: reply version %d (%s), want a %s* release (compat %s)", what, got.Version, name, prefix, s.target.Release)
	}
}

// heartbeatReply is what a broker of the target's release answers to a
// heartbeat.
func (s *session) heartbeatReply() reply {
	r := wantReply(protocol.Success, "")
	r.ExtFields = s.target.Release.HeartbeatReplyExtFields()
	return r
}

// groupMissing is the 204 reply for a group the broker does not have.
func groupMissing(group string) reply {
	return wantReply(protocol.SystemError, "the producer group["+group+"] not exist")
}

// conn is one entry of a 204 connectionSet as the suite compares it:
// Addr is the label of the suite's connection it names.
type conn struct {
	ClientID string
	Addr     string
	Language string
	Version  int32
}

func (c *client) want() conn {
	return conn{ClientID: c.id, Addr: c.label, Language: c.lang.String(), Version: c.version}
}

// expectConnections checks a 204 reply: success, and exactly the clients'
// connections (in any order: Java keeps them in a HashSet).
func (s *session) expectConnections(t T, what string, got *protocol.Command, clients ...*client) {
	t.Helper()
	s.expectHeader(t, what, got, wantReply(protocol.Success, ""))
	if got.ResponseCode() != protocol.Success {
		return
	}
	if body := string(got.Body); !strings.HasPrefix(body, `{"connectionSet":[`) {
		t.Errorf("%s: body %q does not start with {\"connectionSet\":[", what, body)
	}
	pc, err := protocol.DecodeProducerConnection(got.Body)
	if err != nil {
		t.Errorf("%s: body %q: %v", what, got.Body, err)
		return
	}
	want := make([]conn, 0, len(clients))
	for _, c := range clients {
		want = append(want, c.want())
	}
	have := make([]conn, 0, len(pc.ConnectionSet))
	for _, pcc := range pc.ConnectionSet {
		have = append(have, conn{ClientID: pcc.ClientID, Addr: addrLabel(pcc.ClientAddr, pcc.ClientID, clients),
			Language: pcc.Language.String(), Version: pcc.Version})
	}
	byID := func(c []conn) { sort.Slice(c, func(i, j int) bool { return c[i].ClientID < c[j].ClientID }) }
	byID(want)
	byID(have)
	if d := textdiff.Values(want, have); d != "" {
		t.Errorf("%s: connectionSet differs (-want +got):\n%s\nbody: %s", what, d, got.Body)
	}
}

// addrLabel names the suite connection a clientAddr stands for. An
// address equal to a connection's local address gets its label. Through
// NAT or a container port mapping the broker sees another address: that
// legitimately differs, so a well-formed "ip:port" then stands for the
// connection that registered the client id. A malformed one (say, with
// the leading slash of SocketAddress.toString) is returned as is, so the
// diff shows it.
func addrLabel(addr, clientID string, clients []*client) string {
	for _, c := range clients {
		if c.LocalAddr() == addr {
			return c.label
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) == nil {
		return addr
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return addr
	}
	for _, c := range clients {
		if c.id == clientID {
			return c.label
		}
	}
	return addr
}
