package remoting_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
	"gotest.tools/v3/assert"
)

// LoopLag is 0 before any connection, small on an idle loop, and at least
// the time a handler holds the loop.
func TestLoopLag(t *testing.T) {
	const codeHold = protocol.RequestCode(9100)
	entered, release := make(chan struct{}), make(chan struct{})
	m := remoting.NewMux()
	m.Handle(codeHold, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		close(entered)
		<-release
		return remoting.Reply{Command: echoReply(req)}
	})
	ts := startServer(t, m.Serve, remoting.Config{})
	lag, err := ts.srv.LoopLag(t.Context())
	assert.NilError(t, err)
	assert.Equal(t, lag, time.Duration(0))

	c := dial(t, ts.srv.Addr())
	assert.NilError(t, c.Send(request(c, codeHold, "hold")))
	<-entered
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	lag, err = ts.srv.LoopLag(ctx)
	cancel()
	assert.Assert(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.Assert(t, lag >= 30*time.Millisecond, "lag %v", lag)
	close(release)
	_, err = c.Read()
	assert.NilError(t, err)

	lag, err = ts.srv.LoopLag(t.Context())
	assert.NilError(t, err)
	assert.Assert(t, lag > 0 && lag < time.Second, "lag %v", lag)
	ts.srv.Close()
	_, err = ts.srv.LoopLag(t.Context())
	assert.Assert(t, errors.Is(err, remoting.ErrServerClosed), "%v", err)
}
