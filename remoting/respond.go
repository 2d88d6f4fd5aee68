package remoting

import (
	"fmt"

	"github.com/rocketmock/rocketmock/protocol"
)

// WriteResponse writes a response decided after its handler returned
// nothing, such as a long-polling pull answered when a message arrives:
// the command as given, opaque included (protocol.NewResponse of the
// request). It goes out at once, so it may overtake or follow replies to
// later requests, as a Java broker's asynchronous answers do; the caller
// sets version and language.
func (c *Conn) WriteResponse(resp *protocol.Command) error {
	frame, err := resp.Encode()
	if err != nil {
		return fmt.Errorf("encoding the response to opaque %d for %s: %w", resp.Opaque, c.addr, err)
	}
	if !c.active.Load() {
		return fmt.Errorf("writing the response to opaque %d to %s: %w", resp.Opaque, c.addr, ErrConnClosed)
	}
	if c.lb != nil {
		return c.lb.sentFrame(frame)
	}
	if err := c.srv.async(func() error { return c.gc.AsyncWrite(frame, nil) }); err != nil {
		return fmt.Errorf("writing the response to opaque %d to %s: %w", resp.Opaque, c.addr, err)
	}
	return nil
}
