package remoting

import (
	"fmt"

	"github.com/rocketmock/rocketmock/protocol"
)

// RespondLater writes resp, a response to a request this connection's
// handler answered with the zero Reply, from any goroutine: it is how a
// handler that must wait for something (the client's answer to a request
// the server forwarded, say) answers without blocking the event loop. The
// caller sets resp's opaque, flags, version and language. It does not
// wait behind delayed replies: like Java's remoting, responses may leave
// out of request order.
func (c *Conn) RespondLater(resp *protocol.Command) error {
	frame, err := resp.Encode()
	if err != nil {
		return fmt.Errorf("encoding the response to opaque %d for %s: %w", resp.Opaque, c.addr, err)
	}
	if c.lb != nil {
		return c.lb.sentFrame(frame)
	}
	if !c.active.Load() {
		return fmt.Errorf("responding to opaque %d on %s: %w", resp.Opaque, c.addr, ErrConnClosed)
	}
	if err := c.srv.async(func() error { return c.gc.AsyncWrite(frame, nil) }); err != nil {
		return fmt.Errorf("responding to opaque %d on %s: %w", resp.Opaque, c.addr, err)
	}
	return nil
}
