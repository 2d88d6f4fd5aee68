package remoting_test

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
	"gotest.tools/v3/assert"
)

// addrMux answers codeEcho with the connection's RemoteAddr as remark.
func addrMux() *remoting.Mux {
	m := remoting.NewMux()
	m.Handle(codeEcho, func(c *remoting.Conn, req *protocol.Command) remoting.Reply {
		resp := echoReply(req)
		resp.Remark = c.RemoteAddr()
		return remoting.Respond(resp)
	})
	return m
}

// callOver writes one request frame on nc and reads the reply frame.
func callOver(t *testing.T, nc net.Conn, body string) (*protocol.Command, error) {
	t.Helper()
	req := protocol.NewRequest(codeEcho, nil, []byte(body))
	req.Opaque = 7
	f, err := req.Encode()
	assert.NilError(t, err)
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write(f); err != nil {
		return nil, err
	}
	head := make([]byte, 4)
	if _, err := io.ReadFull(nc, head); err != nil {
		return nil, err
	}
	frame := make([]byte, 4+binary.BigEndian.Uint32(head))
	copy(frame, head)
	if _, err := io.ReadFull(nc, frame[4:]); err != nil {
		return nil, err
	}
	return protocol.DecodeFrame(frame)
}

func tlsDial(addr string) (*tls.Conn, error) {
	d := &net.Dialer{Timeout: 2 * time.Second}
	return tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) // the self-signed certificate
}

// One test per tlsMode, with crypto/tls as the client (rocketmq-client-go
// v2.1.2 has no TLS option) and the remoting framing by hand.
func TestTLSModes(t *testing.T) {
	for _, tc := range []struct {
		mode           remoting.TLSMode
		preface        remoting.Preface
		tlsOK, plainOK bool
	}{
		{remoting.TLSDisabled, remoting.PrefaceDetect, false, true},
		{remoting.TLSPermissive, remoting.PrefaceDetect, true, true},
		{remoting.TLSPermissive, remoting.PrefaceNone, true, true},
		{remoting.TLSEnforcing, remoting.PrefaceDetect, true, false},
	} {
		t.Run(tc.mode.String()+"/"+tc.preface.String(), func(t *testing.T) {
			ts := startServer(t, addrMux().Serve, remoting.Config{TLSMode: tc.mode, Preface: tc.preface})

			tc1, err := tlsDial(ts.srv.Addr())
			if err == nil {
				t.Cleanup(func() { tc1.Close() })
				var resp *protocol.Command
				resp, err = callOver(t, tc1, "secret")
				if err == nil {
					assert.Equal(t, string(resp.Body), "secret")
					assert.Equal(t, resp.Opaque, int32(7))
					// The client's address, not the relay's.
					assert.Equal(t, resp.Remark, tc1.LocalAddr().String())
				}
			}
			assert.Equal(t, err == nil, tc.tlsOK, "TLS: %v", err)

			plain, err := net.DialTimeout("tcp", ts.srv.Addr(), 2*time.Second)
			assert.NilError(t, err)
			t.Cleanup(func() { plain.Close() })
			resp, err := callOver(t, plain, "clear")
			if err == nil {
				assert.Equal(t, string(resp.Body), "clear")
				assert.Equal(t, resp.Remark, plain.LocalAddr().String())
			}
			assert.Equal(t, err == nil, tc.plainOK, "plaintext: %v", err)
		})
	}
}

// A TLS connection behind a PROXY header reports the carried address.
func TestTLSBehindProxyHeader(t *testing.T) {
	ts := startServer(t, addrMux().Serve, remoting.Config{TLSMode: remoting.TLSPermissive, Preface: remoting.PrefaceDetect})
	hdr, err := remoting.ProxyV2Header("192.0.2.7:50001", "10.0.0.1:10911")
	assert.NilError(t, err)
	nc, err := net.DialTimeout("tcp", ts.srv.Addr(), 2*time.Second)
	assert.NilError(t, err)
	t.Cleanup(func() { nc.Close() })
	_, err = nc.Write(hdr)
	assert.NilError(t, err)
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
	resp, err := callOver(t, tc, "x")
	assert.NilError(t, err)
	assert.Equal(t, resp.Remark, "192.0.2.7:50001")
}

// Closing the TLS client removes the relay's inner connection too.
func TestTLSCloseEndsTheRelay(t *testing.T) {
	ts := startServer(t, addrMux().Serve, remoting.Config{TLSMode: remoting.TLSEnforcing})
	tc, err := tlsDial(ts.srv.Addr())
	assert.NilError(t, err)
	_, err = callOver(t, tc, "x")
	assert.NilError(t, err)
	assert.Equal(t, ts.srv.Conns(), 2) // the TLS socket and its relay
	assert.NilError(t, tc.Close())
	deadline := time.Now().Add(5 * time.Second)
	for ts.srv.Conns() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, ts.srv.Conns(), 0)
}

// Close returns with a TLS connection open, and ends its relay.
func TestCloseWithATLSConnection(t *testing.T) {
	ts := startServer(t, addrMux().Serve, remoting.Config{TLSMode: remoting.TLSPermissive})
	tc, err := tlsDial(ts.srv.Addr())
	assert.NilError(t, err)
	t.Cleanup(func() { tc.Close() })
	_, err = callOver(t, tc, "x")
	assert.NilError(t, err)
	// One more, mid-handshake: a ClientHello's first byte and nothing else.
	half, err := net.DialTimeout("tcp", ts.srv.Addr(), 2*time.Second)
	assert.NilError(t, err)
	t.Cleanup(func() { half.Close() })
	_, err = half.Write([]byte{0x16})
	assert.NilError(t, err)
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { ts.srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return with TLS connections open")
	}
	_, err = callOver(t, tc, "y")
	assert.Assert(t, err != nil, "the TLS connection must be closed")
}
