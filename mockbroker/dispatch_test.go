package mockbroker

import (
	"testing"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// loopback is a connection to b without a socket.
func loopback(b *Broker, remote string) *remoting.Loopback {
	l := remoting.NewLoopback(b.handler, 1000, remote, b.connOpened, func(rc *remoting.Conn) { b.connClosed(rc, nil) })
	return l
}

// The whole pipeline runs without a socket: handler, interception, journal,
// the broker's stamp on the reply, and the close path.
func TestPipelineOverLoopback(t *testing.T) {
	b := Start(t)
	l := loopback(b, "10.1.1.1:4000")
	resp, err := l.RoundTrip(heartbeatCmd("lb@1", protocol.Java, 479, "PG_lb"))
	assert.NilError(t, err)
	assert.Equal(t, resp.ResponseCode(), protocol.Success)
	assert.Equal(t, resp.Version, protocol.V5_3_3)
	assert.DeepEqual(t, b.Groups(), []string{"PG_lb"})

	b.Intercept(protocol.HeartBeat, FaultCode(protocol.SystemBusy, "busy"), Once())
	resp, err = l.RoundTrip(heartbeatCmd("lb@1", protocol.Java, 479, "PG_lb"))
	assert.NilError(t, err)
	assert.Equal(t, resp.ResponseCode(), protocol.SystemBusy)
	j := b.Journal()
	assert.Equal(t, len(j), 2)
	assert.Equal(t, j[1].Conn, ConnInfo{ID: 1000, Addr: "10.1.1.1:4000", ClientID: "lb@1"})
	assert.Assert(t, j[1].Intercepted)
	assert.Equal(t, j[1].Result, protocol.SystemBusy)

	b.Intercept(protocol.HeartBeat, FaultDisconnect(), Once())
	resp, err = l.RoundTrip(heartbeatCmd("lb@1", protocol.Java, 479, "PG_lb"))
	assert.NilError(t, err)
	assert.Assert(t, resp == nil)
	assert.Equal(t, b.Journal()[2].Outcome, OutcomeDisconnected)
	assert.Equal(t, len(b.Groups()), 0, "the close path ran")
}

func TestACodeRegisteredTwicePanics(t *testing.T) {
	b := Start(t)
	defer func() {
		p := recover()
		assert.Assert(t, p != nil)
		assert.Assert(t, is.Contains(p.(string), "SEND_MESSAGE"))
	}()
	b.registerSendCodes(b.mux)
}
