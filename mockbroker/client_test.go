package mockbroker

import (
	"net"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/protocol"
)

// rawClient is the shared raw remoting test client (internal/testclient)
// under the short names this package's tests use.
type rawClient struct{ *testclient.Client }

func dial(t testing.TB, addr string) *rawClient {
	t.Helper()
	return &rawClient{testclient.Dial(t, addr)}
}

// newRawClient wraps a connection that the test dialled, and closes, itself.
func newRawClient(t testing.TB, nc net.Conn) *rawClient {
	return &rawClient{testclient.New(t, nc)}
}

// send, read, tryRead and call are Send, Read, TryRead and Call.

func (c *rawClient) send(cmd *protocol.Command) int32 {
	c.T.Helper()
	return c.Send(cmd)
}

func (c *rawClient) read() *protocol.Command {
	c.T.Helper()
	return c.Read()
}

func (c *rawClient) tryRead(d time.Duration) (*protocol.Command, error) { return c.TryRead(d) }

func (c *rawClient) call(cmd *protocol.Command) *protocol.Command {
	c.T.Helper()
	return c.Call(cmd)
}

// heartbeatCmd is testclient.Heartbeat.
func heartbeatCmd(clientID string, lang protocol.LanguageCode, version protocol.MQVersion, groups ...string) *protocol.Command {
	return testclient.Heartbeat(clientID, lang, version, groups...)
}
