package mockbroker

import (
	"bufio"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// rawClient speaks remoting over one TCP connection, one request at a time
// unless the test pipelines by hand.
type rawClient struct {
	t      testing.TB
	conn   net.Conn
	r      *bufio.Reader
	opaque atomic.Int32
}

func dial(t testing.TB, addr string) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	assert.NilError(t, err)
	t.Cleanup(func() { c.Close() })
	return &rawClient{t: t, conn: c, r: bufio.NewReader(c)}
}

// send writes a request, numbering it, and returns its opaque.
func (c *rawClient) send(cmd *protocol.Command) int32 {
	c.t.Helper()
	cmd.Opaque = c.opaque.Add(1)
	b, err := cmd.Encode()
	assert.NilError(c.t, err)
	_, err = c.conn.Write(b)
	assert.NilError(c.t, err)
	return cmd.Opaque
}

// read reads one frame.
func (c *rawClient) read() *protocol.Command {
	c.t.Helper()
	cmd, err := c.tryRead(2 * time.Second)
	assert.NilError(c.t, err)
	return cmd
}

func (c *rawClient) tryRead(timeout time.Duration) (*protocol.Command, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	return protocol.ReadFrame(c.r, 0)
}

// call sends a request and reads its reply, checking the opaque.
func (c *rawClient) call(cmd *protocol.Command) *protocol.Command {
	c.t.Helper()
	op := c.send(cmd)
	resp := c.read()
	assert.Equal(c.t, resp.Opaque, op, "reply opaque")
	assert.Assert(c.t, resp.IsResponse(), "reply lacks the response flag: %+v", resp)
	return resp
}

// heartbeat builds a Go-client style heartbeat for the groups.
func heartbeatCmd(clientID string, lang protocol.LanguageCode, version protocol.MQVersion, groups ...string) *protocol.Command {
	hb := protocol.HeartbeatData{ClientID: clientID}
	for _, g := range groups {
		hb.ProducerDataSet = append(hb.ProducerDataSet, protocol.ProducerData{GroupName: g})
	}
	cmd := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.Marshal())
	cmd.Language, cmd.Version = lang, version
	return cmd
}
