package remoting

import (
	"bytes"
	"fmt"

	"github.com/panjf2000/gnet/v2"
)

// Preface is what a server reads at the start of a connection, before its
// first frame.
type Preface uint8

const (
	// PrefaceNone: frames from the first byte (RocketMQ 4.9.8, whose
	// pipeline starts with the frame decoder once a first byte other than
	// a TLS record's has come).
	PrefaceNone Preface = iota
	// PrefaceDetect: RocketMQ 5.x's HandshakeHandler
	// (NettyRemotingServer.java:452-483 in 5.3.3) runs Netty's
	// HAProxyMessageDecoder.detectProtocol on the first bytes. It waits
	// until 12 bytes have come (NEEDS_MORE_DATA: the connection stays
	// open and nothing is answered); then a version 2 signature or the
	// text "PROXY" starts a PROXY protocol header, read whole and removed,
	// whose source address becomes the client's (RemotingHelper
	// .parseChannelRemoteAddr); anything else is framed from its first
	// byte, so a bad length field closes the connection only once 12
	// bytes have come.
	PrefaceDetect
)

// prefaceDetectLen is how many bytes detectProtocol needs before it
// decides: the v2 signature's length (BINARY_PREFIX_LENGTH).
const prefaceDetectLen = 12

// String names the preface rule.
func (p Preface) String() string {
	switch p {
	case PrefaceNone:
		return "none"
	case PrefaceDetect:
		return "detect"
	}
	return fmt.Sprintf("Preface(%d)", uint8(p))
}

// readPreface runs the preface stage of a connection on what is buffered.
// wait: it needs more bytes; err: close the connection. Once it returns
// neither, the stage is over (c.inPreface false) and what remains buffered
// is framed. Event loop only.
func (s *Server) readPreface(c *Conn, gc gnet.Conn) (wait bool, err error) {
	n := gc.InboundBuffered()
	if n < prefaceDetectLen {
		return true, nil
	}
	head, _ := gc.Peek(prefaceDetectLen)
	var h ProxyHeader
	switch {
	case bytes.Equal(head, proxyV2Sig):
		if n < proxyV2Head {
			return true, nil
		}
		fixed, _ := gc.Peek(proxyV2Head)
		total := proxyV2Head + (int(fixed[14])<<8 | int(fixed[15]))
		if n < total {
			return true, nil
		}
		raw, _ := gc.Peek(total)
		h, err = parseProxyV2(raw)
		_, _ = gc.Discard(total)
	case bytes.HasPrefix(head, proxyV1Prefix):
		buf, _ := gc.Peek(min(n, proxyV1MaxLen))
		eol := bytes.Index(buf, []byte("\r\n"))
		switch {
		case eol < 0 && n > proxyV1MaxLen, eol > proxyV1MaxLen-2:
			return false, fmt.Errorf("%w: v1 line longer than %d bytes", ErrProxyHeader, proxyV1MaxLen-2)
		case eol < 0:
			return true, nil
		}
		h, err = parseProxyV1(string(buf[:eol]))
		_, _ = gc.Discard(eol + 2)
	}
	if err != nil {
		return false, err
	}
	c.inPreface = false
	if h.Source != "" {
		src := h.Source
		c.proxied.Store(&src)
		s.log.Debug("PROXY protocol header", "remote", c.addr, "client", src, "version", h.Version)
	}
	return false, nil
}
