package remoting_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// stillOpen is how long a connection must stay open, answering nothing,
// for the preface stage to count as waiting.
const stillOpen = 300 * time.Millisecond

// A 5.x server (PrefaceDetect) decides nothing before 12 bytes: after a
// bad 8-byte start the connection stays open and silent; 8 more bytes
// close it. Without a preface the first 4 bytes close it.
func TestPrefaceWaitsForTwelveBytes(t *testing.T) {
	start, _ := hex.DecodeString("7fffffff00000000")
	t.Run("detect", func(t *testing.T) {
		ts := startServer(t, testMux().Serve, remoting.Config{Preface: remoting.PrefaceDetect})
		c := dial(t, ts.srv.Addr())
		assert.NilError(t, c.WriteRaw(start))
		n, err := c.WaitClosed(stillOpen)
		assert.ErrorContains(t, err, "open for")
		assert.Equal(t, n, 0)
		assert.NilError(t, c.WriteRaw(make([]byte, 8)))
		n, err = c.WaitClosed(2 * time.Second)
		assert.NilError(t, err)
		assert.Equal(t, n, 0)
		assert.Assert(t, is.Contains(ts.logs.String(), "closing connection: bad frame"))
	})
	t.Run("none", func(t *testing.T) {
		ts := startServer(t, testMux().Serve, remoting.Config{})
		c := dial(t, ts.srv.Addr())
		assert.NilError(t, c.WriteRaw(start))
		n, err := c.WaitClosed(2 * time.Second)
		assert.NilError(t, err)
		assert.Equal(t, n, 0)
	})
	t.Run("detect, a request sent in pieces", func(t *testing.T) {
		ts := startServer(t, testMux().Serve, remoting.Config{Preface: remoting.PrefaceDetect})
		c := dial(t, ts.srv.Addr())
		f := frame(t, request(c, codeEcho, "pieces"))
		for i := range f {
			assert.NilError(t, c.WriteRaw(f[i:i+1]))
		}
		resp, err := c.Read()
		assert.NilError(t, err)
		assert.Equal(t, string(resp.Body), "pieces")
	})
}

// A PROXY header before the first request: the source address it carries
// becomes Conn.RemoteAddr; SocketAddr stays the socket's peer.
func TestPrefaceProxyHeaderSetsTheClientAddress(t *testing.T) {
	v2, err := remoting.ProxyV2Header("192.0.2.7:50001", "10.0.0.1:10911")
	assert.NilError(t, err)
	v2local, _ := hex.DecodeString("0d0a0d0a000d0a515549540a" + "20000000")
	for _, tc := range []struct {
		name    string
		preface []byte
		want    string // "": the socket's peer
	}{
		{"v2", v2, "192.0.2.7:50001"},
		{"v1", []byte("PROXY TCP4 198.51.100.9 10.0.0.1 40404 10911\r\n"), "198.51.100.9:40404"},
		{"v1 tcp6", []byte("PROXY TCP6 2001:db8::9 ::1 40404 10911\r\n"), "2001:db8::9:40404"},
		{"v1 unknown", []byte("PROXY UNKNOWN\r\n"), ""},
		{"v2 local", v2local, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := remoting.NewMux()
			m.Handle(codeEcho, func(c *remoting.Conn, req *protocol.Command) remoting.Reply {
				resp := echoReply(req)
				resp.Remark = c.RemoteAddr() + " " + c.SocketAddr()
				return remoting.Respond(resp)
			})
			ts := startServer(t, m.Serve, remoting.Config{Preface: remoting.PrefaceDetect})
			c := dial(t, ts.srv.Addr())
			req := frame(t, request(c, codeEcho, "hi"))
			// The header and the request in one write: the header is
			// removed and the rest framed.
			assert.NilError(t, c.WriteRaw(append(append([]byte(nil), tc.preface...), req...)))
			resp, err := c.Read()
			assert.NilError(t, err)
			want := tc.want
			if want == "" {
				want = c.LocalAddr()
			}
			assert.Equal(t, resp.Remark, want+" "+c.LocalAddr())
		})
	}
}

// A malformed PROXY header closes the connection, as Netty's decoder
// failing does; so does a v1 line without its CRLF past 108 bytes.
func TestPrefaceBadProxyHeaderCloses(t *testing.T) {
	long := append([]byte("PROXY TCP4 "), make([]byte, 120)...)
	for name, b := range map[string][]byte{
		"v1 bad family": []byte("PROXY UDP9 1.2.3.4 5.6.7.8 1 2\r\n"),
		"v1 too long":   long,
		"v2 version 3":  append(append([]byte(nil), "\r\n\r\n\x00\r\nQUIT\n"...), 0x31, 0x11, 0, 0),
	} {
		t.Run(name, func(t *testing.T) {
			ts := startServer(t, testMux().Serve, remoting.Config{Preface: remoting.PrefaceDetect})
			c := dial(t, ts.srv.Addr())
			assert.NilError(t, c.WriteRaw(b))
			n, err := c.WaitClosed(2 * time.Second)
			assert.NilError(t, err)
			assert.Equal(t, n, 0)
			assert.Assert(t, is.Contains(ts.logs.String(), "bad preface"))
		})
	}
}
