package remoting

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// DefaultTimeout bounds each read or write of a Client unless SetTimeout
// says otherwise (mqadmin's own RPC timeout is 5 s).
const DefaultTimeout = 5 * time.Second

// Client is a minimal RocketMQ remoting client over one TCP connection: it
// writes requests and reads replies, nothing in the background. It is not
// safe for concurrent use.
type Client struct {
	nc      net.Conn
	r       *bufio.Reader
	opaque  atomic.Int32
	timeout time.Duration
	// Version and Language stamp requests whose fields are zero.
	Version  protocol.MQVersion
	Language protocol.LanguageCode
}

// Dial connects to a remoting server ("ip:port"). Requests it sends carry
// version 479 (5.3.3) and language JAVA unless the caller sets them.
func Dial(ctx context.Context, addr string) (*Client, error) {
	d := net.Dialer{Timeout: DefaultTimeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Client{nc: nc, r: bufio.NewReader(nc), timeout: DefaultTimeout,
		Version: protocol.V5_3_3, Language: protocol.Java}, nil
}

// SetTimeout sets how long a read or write may take (default DefaultTimeout).
func (c *Client) SetTimeout(d time.Duration) { c.timeout = d }

// LocalAddr returns this side's "ip:port".
func (c *Client) LocalAddr() string { return c.nc.LocalAddr().String() }

// RemoteAddr returns the server's "ip:port".
func (c *Client) RemoteAddr() string { return c.nc.RemoteAddr().String() }

// Close closes the connection.
func (c *Client) Close() error { return c.nc.Close() }

// NextOpaque returns a fresh opaque (1, 2, ...).
func (c *Client) NextOpaque() int32 { return c.opaque.Add(1) }

// Send writes one request as is: its Opaque, Version and Language are the
// caller's (see Prepare).
func (c *Client) Send(cmd *protocol.Command) error {
	frame, err := cmd.Encode()
	if err != nil {
		return fmt.Errorf("encoding %s: %w", protocol.RequestCode(cmd.Code), err)
	}
	return c.WriteRaw(frame)
}

// Prepare gives cmd a fresh opaque, and the connection's version and
// language where cmd has none, and returns cmd.
func (c *Client) Prepare(cmd *protocol.Command) *protocol.Command {
	cmd.Opaque = c.NextOpaque()
	if cmd.Version == 0 {
		cmd.Version = c.Version
	}
	if cmd.Language == protocol.Java && c.Language != protocol.Java {
		cmd.Language = c.Language
	}
	return cmd
}

// WriteRaw writes bytes as they are, e.g. several frames at once or a
// deliberately broken one.
func (c *Client) WriteRaw(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.nc.Write(b)
	return err
}

// Read reads the next frame, whatever it is.
func (c *Client) Read() (*protocol.Command, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.timeout))
	cmd, err := protocol.ReadFrame(c.r, 0)
	if errors.Is(err, protocol.ErrCorrupt) {
		return nil, fmt.Errorf("reply frame from %s: %w", c.RemoteAddr(), err)
	}
	return cmd, err
}

// ReadResponse reads frames until a response arrives, skipping requests the
// server sends on its own (a broker may, e.g. NOTIFY_CONSUMER_IDS_CHANGED).
func (c *Client) ReadResponse() (*protocol.Command, error) {
	for {
		cmd, err := c.Read()
		if err != nil || cmd.IsResponse() {
			return cmd, err
		}
	}
}

// Call prepares and sends a request and returns the response with its
// opaque. Responses to other opaques (earlier pipelined requests) are an
// error: Call is for one request at a time.
func (c *Client) Call(cmd *protocol.Command) (*protocol.Command, error) {
	c.Prepare(cmd)
	if err := c.Send(cmd); err != nil {
		return nil, fmt.Errorf("sending %s to %s: %w", protocol.RequestCode(cmd.Code), c.RemoteAddr(), err)
	}
	resp, err := c.ReadResponse()
	if err != nil {
		return nil, fmt.Errorf("waiting for the reply to %s from %s: %w", protocol.RequestCode(cmd.Code), c.RemoteAddr(), err)
	}
	if resp.Opaque != cmd.Opaque {
		return resp, fmt.Errorf("reply to %s from %s has opaque %d, want %d", protocol.RequestCode(cmd.Code), c.RemoteAddr(), resp.Opaque, cmd.Opaque)
	}
	return resp, nil
}

// WaitClosed reads until the server closes the connection, within d, and
// returns how many bytes arrived meanwhile (they are discarded). The error
// says the connection was still open at the deadline.
func (c *Client) WaitClosed(d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	_ = c.nc.SetReadDeadline(deadline)
	buf := make([]byte, 4096)
	total := 0
	for {
		n, err := c.r.Read(buf)
		total += n
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return total, fmt.Errorf("the server kept the connection %s -> %s open for %v", c.LocalAddr(), c.RemoteAddr(), d)
		}
		return total, nil // EOF or reset: closed
	}
}
