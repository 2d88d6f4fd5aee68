package testsuite

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// unsupportedCode is a request code no RocketMQ release defines.
const unsupportedCode = 9999

func notSupported(code int32) reply {
	return wantReply(protocol.RequestCodeNotSupported, fmt.Sprintf(" request type %d not supported", code))
}

func unknownRequestCode(t T, s *session) {
	c := s.dialBroker(t)
	resp := s.call(t, c, protocol.NewRequest(protocol.RequestCode(unsupportedCode), nil, nil))
	s.expectReply(t, "request code 9999", resp, notSupported(unsupportedCode))
	// The connection stays usable.
	resp = s.call(t, c, protocol.NewRequest(protocol.RequestCode(unsupportedCode), map[string]string{"k": "v"}, []byte("body")))
	s.expectReply(t, "request code 9999 again, with extFields and a body", resp, notSupported(unsupportedCode))
}

func jsonAndRocketMQHeaders(t T, s *session) {
	g := s.group(t)
	admin := s.dialBroker(t)
	c1 := s.newClient(t, "c1", java533)
	c2 := s.newClient(t, "c2", goClient)
	for _, step := range []struct {
		c   *client
		typ protocol.SerializeType
	}{{c1, protocol.RocketMQ}, {c2, protocol.JSON}} {
		req := step.c.heartbeatRequest(s.target.Release, g)
		req.Serialize = step.typ
		resp := s.call(t, step.c.Conn, req)
		what := fmt.Sprintf("heartbeat with a %s header", step.typ)
		s.expectReply(t, what, resp, s.heartbeatReply())
		s.checkReplyType(t, what, req, resp)
	}
	for _, typ := range []protocol.SerializeType{protocol.RocketMQ, protocol.JSON} {
		h := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: g}
		req := protocol.NewRequest(protocol.GetProducerConnectionList, h.Encode(), nil)
		req.Serialize = typ
		resp := s.call(t, admin, req)
		what := fmt.Sprintf("204 with a %s header", typ)
		s.expectConnections(t, what, resp, c1, c2)
		s.checkReplyType(t, what, req, resp)
		bad := protocol.NewRequest(protocol.RequestCode(unsupportedCode), nil, nil)
		bad.Serialize = typ
		what = fmt.Sprintf("request code 9999 with a %s header", typ)
		resp = s.call(t, admin, bad)
		s.expectReply(t, what, resp, notSupported(unsupportedCode))
		s.checkReplyType(t, what, bad, resp)
	}
}

// checkReplyType checks the serialize type of a reply: 4.9.4 to 4.9.8
// answer in the request's type; 5.x answers in its configured default
// (JSON unless changed), and clients accept either, so under 5.x any type
// passes and a difference is only logged.
func (s *session) checkReplyType(t T, what string, req, resp *protocol.Command) {
	t.Helper()
	if s.target.Release.RepliesInRequestSerialize() {
		if resp.Serialize != req.Serialize {
			t.Errorf("%s: reply header is %s, want %s (4.9.4+ answers in the request's type)", what, resp.Serialize, req.Serialize)
		}
		return
	}
	if resp.Serialize != protocol.JSON {
		t.Logf("%s: reply header is %s; a 5.x broker with default settings answers JSON", what, resp.Serialize)
	}
}

func pipelinedOpaques(t T, s *session) {
	g := s.group(t)
	c1 := s.newClient(t, "c1", java533)
	s.heartbeat(t, c1, g)
	unknown := s.group(t)
	conns := func(group string) *protocol.Command {
		h := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: group}
		return protocol.NewRequest(protocol.GetProducerConnectionList, h.Encode(), nil)
	}
	// Opaques are the client's business: zero, negative and extreme
	// values must come back unchanged.
	reqs := []struct {
		opaque int32
		cmd    *protocol.Command
		check  func(what string, resp *protocol.Command)
	}{
		{0, conns(g), func(what string, r *protocol.Command) { s.expectConnections(t, what, r, c1) }},
		{-7, conns(unknown), func(what string, r *protocol.Command) { s.expectReply(t, what, r, groupMissing(unknown)) }},
		{math.MaxInt32, protocol.NewRequest(protocol.RequestCode(unsupportedCode), nil, nil),
			func(what string, r *protocol.Command) { s.expectReply(t, what, r, notSupported(unsupportedCode)) }},
		{math.MinInt32, c1.heartbeatRequest(s.target.Release, g),
			func(what string, r *protocol.Command) { s.expectReply(t, what, r, s.heartbeatReply()) }},
		{42, conns(g), func(what string, r *protocol.Command) { s.expectConnections(t, what, r, c1) }},
	}
	var batch []byte
	for _, r := range reqs {
		if r.cmd.Version == 0 {
			r.cmd.Version = protocol.MQVersion(c1.Version)
		}
		r.cmd.Opaque = r.opaque
		var err error
		if batch, err = r.cmd.AppendFrame(batch); err != nil {
			t.Fatalf("encoding: %v", err)
		}
	}
	if err := c1.WriteRaw(batch); err != nil {
		t.Fatalf("writing %d pipelined requests in one write: %v", len(reqs), err)
	}
	got := map[int32]*protocol.Command{}
	for range reqs {
		resp, err := c1.ReadResponse()
		if err != nil {
			t.Fatalf("after %d of %d replies: %v", len(got), len(reqs), err)
		}
		if got[resp.Opaque] != nil {
			t.Errorf("two replies with opaque %d", resp.Opaque)
		}
		got[resp.Opaque] = resp
	}
	for i, r := range reqs {
		resp := got[r.opaque]
		if resp == nil {
			t.Errorf("request %d (%s, opaque %d): no reply with its opaque; replies had opaques %v",
				i, protocol.RequestCode(r.cmd.Code), r.opaque, keys(got))
			continue
		}
		r.check(fmt.Sprintf("pipelined request %d (%s, opaque %d)", i, protocol.RequestCode(r.cmd.Code), r.opaque), resp)
	}
	// Nothing more: every request was answered exactly once.
	c1.SetTimeout(100 * time.Millisecond)
	if extra, err := c1.Read(); err == nil {
		t.Errorf("an extra frame after the %d replies: code %d opaque %d", len(reqs), extra.Code, extra.Opaque)
	}
}

func keys(m map[int32]*protocol.Command) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// lengthField returns a bare 4-byte length field.
func lengthField(n uint32) []byte {
	return binary.BigEndian.AppendUint32(nil, n)
}

func oversizedFrameCloses(t T, s *session) {
	// 16 777 213 + 4 is one byte past Netty's 16 MiB frameMaxLength; the
	// decoder fails fast, on the length field alone, once it sees it.
	badFrameCloses(t, s, preface(lengthField(protocol.DefaultMaxFrame-3)), "length field 16777213")
}

func negativeLengthCloses(t T, s *session) {
	badFrameCloses(t, s, preface(lengthField(0x80000000)), "length field -2147483648")
}

// prefaceDetectLen is how many bytes a 5.x broker needs before it frames
// anything: Netty's HAProxyMessageDecoder.detectProtocol answers
// NEEDS_MORE_DATA below 12 (see prefaceRule).
const prefaceDetectLen = 12

// preface pads the start of a connection with zero bytes to
// prefaceDetectLen + 4, so that a 5.x broker's handshake handler has
// decided and the frame decoder sees the length field; a 4.9.8 broker
// needs only the length field.
func preface(b []byte) []byte {
	return append(b, make([]byte, max(0, prefaceDetectLen+4-len(b)))...)
}

// prefaceRule checks when a broker starts framing. 5.x
// (NettyRemotingServer.HandshakeHandler.decode, 5.3.3 lines 458-482)
// calls HAProxyMessageDecoder.detectProtocol, which needs 12 bytes: after
// 8 bytes 7fffffff00000000 the connection stays open and nothing is
// answered; 8 more bytes and the frame decoder sees the bad length field
// and closes it. 4.9.8 frames from the first byte and closes after the 8.
func prefaceRule(t T, s *session) {
	c := s.dialBroker(t)
	start := []byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0}
	if err := c.WriteRaw(start); err != nil {
		t.Fatalf("writing 8 bytes: %v", err)
	}
	if !s.target.Release.DetectsConnectionPreface() {
		s.expectClosedSilently(t, c, "after 8 bytes", " 7fffffff00000000 (4.9: frames from the first byte)")
		return
	}
	wait := min(500*time.Millisecond, s.timeout)
	n, err := c.WaitClosed(wait)
	if err == nil {
		t.Fatalf("after 8 bytes 7fffffff00000000 the broker closed the connection; 5.x waits for 12 bytes before it frames")
	}
	if n > 0 {
		t.Fatalf("after 8 bytes: the broker sent %d bytes; 5.x answers nothing while it waits", n)
	}
	if err := c.WriteRaw(make([]byte, 8)); err != nil {
		t.Fatalf("writing 8 more bytes: %v", err)
	}
	s.expectClosedSilently(t, c, "after 16 bytes", " (7fffffff and 12 zeros)")
}

// expectClosedSilently waits until the broker closes c, and fails the
// test if it does not, or if it sent anything first: after says what was
// written, detail what the broker is expected to make of it.
func (s *session) expectClosedSilently(t T, c *Conn, after, detail string) {
	t.Helper()
	n, err := c.WaitClosed(s.timeout)
	if err != nil {
		t.Errorf("%s%s: %v", after, detail, err)
	}
	if n > 0 {
		t.Errorf("%s: the broker sent %d bytes; it must close without a reply", after, n)
	}
}

// proxyClientAddr is the client address the suite's PROXY header carries
// (TEST-NET-1, so no real client has it).
const proxyClientAddr = "192.0.2.7:50001"

// proxyProtocolAddress sends a HAProxy PROXY v2 header, then a heartbeat:
// a 5.x broker takes the carried source address as the client's
// (NettyRemotingServer.HAProxyMessageHandler, 5.3.3 lines 759-800;
// RemotingHelper.parseChannelRemoteAddr prefers it) and 204 lists it. 4.9.8
// reads the header as a length field 0x0d0a0d0a, beyond 16 MiB, and
// closes the connection without a reply.
func proxyProtocolAddress(t T, s *session) {
	hdr, err := remoting.ProxyV2Header(proxyClientAddr, "10.0.0.1:10911")
	if err != nil {
		t.Fatalf("%v", err)
	}
	g := s.group(t)
	c := s.newClient(t, "c1", goClient)
	if err := c.WriteRaw(hdr); err != nil {
		t.Fatalf("writing the PROXY header: %v", err)
	}
	if !s.target.Release.DetectsConnectionPreface() {
		s.expectClosedSilently(t, c.Conn, "after a PROXY v2 header", " (4.9: a length field 0x0d0a0d0a)")
		return
	}
	s.heartbeat(t, c, g)
	admin := s.dialBroker(t)
	resp := s.producerConnections(t, admin, g)
	s.expectHeader(t, "204 after a heartbeat behind a PROXY header", resp, wantReply(protocol.Success, ""))
	pc, err := protocol.DecodeProducerConnection(resp.Body)
	if err != nil {
		t.Fatalf("204 body %q: %v", resp.Body, err)
	}
	var got []string
	for _, pcc := range pc.ConnectionSet {
		got = append(got, pcc.ClientID+" "+pcc.ClientAddr)
	}
	if want := []string{c.id + " " + proxyClientAddr}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("204 connectionSet: got %q, want %q (the address the PROXY header carried)", got, want)
	}
}

// badFrameCloses sends bytes that break framing and checks that the broker
// closes that connection without replying while a producer registered on
// another connection stays registered and served.
func badFrameCloses(t T, s *session, bytes []byte, what string) {
	g := s.group(t)
	c1 := s.newClient(t, "c1", goClient)
	s.heartbeat(t, c1, g)
	victim := s.dialBroker(t)
	if err := victim.WriteRaw(bytes); err != nil {
		t.Fatalf("writing %s: %v", what, err)
	}
	s.expectClosedSilently(t, victim, "after a "+what, "")
	s.expectConnections(t, "204 on another connection afterwards", s.producerConnections(t, c1.Conn, g), c1)
	s.heartbeat(t, c1, g)
}
