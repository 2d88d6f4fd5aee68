package remoting

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/rocketmock/rocketmock/protocol"
)

// Loopback serves requests with a Handler as a Server does on one
// connection, without a socket: for unit tests and benchmarks. Replies
// are the bytes the server would write; delayed ones, and requests the
// server sends (Conn.Send), arrive later through Sent. It is not safe for
// concurrent Serve calls, like requests of one connection.
type Loopback struct {
	h       Handler
	log     *slog.Logger
	conn    *Conn
	onClose func(*Conn)
	delays  delays
	opaque  atomic.Int32
	done    atomic.Bool // the connection closed

	mu   sync.Mutex
	sent []byte // bytes written outside Serve
}

// NewLoopback returns a connection from remote ("ip:port") served by h,
// numbered id. onOpen, if not nil, runs at once (as Config.OnOpen would),
// onClose when the connection closes.
func NewLoopback(h Handler, id uint64, remote string, onOpen, onClose func(*Conn)) *Loopback {
	l := &Loopback{h: h, log: slog.New(slog.DiscardHandler), onClose: onClose}
	l.conn = &Conn{lb: l, id: id, addr: remote}
	l.conn.active.Store(true)
	if onOpen != nil {
		onOpen(l.conn)
	}
	return l
}

// Conn returns the loopback's connection.
func (l *Loopback) Conn() *Conn { return l.conn }

// Serve handles one request frame and returns the bytes the server would
// write for it at once (nil for none), valid until the next Serve. A
// frame that does not decode is an error and closes the connection.
func (l *Loopback) Serve(frame []byte) ([]byte, error) {
	c := l.conn
	c.out = c.out[:0]
	if !c.active.Load() || c.q.isClosing() {
		return nil, fmt.Errorf("loopback %s: %w", c.addr, ErrConnClosed)
	}
	cmd, err := protocol.DecodeFrame(frame)
	if err != nil {
		l.closeConn()
		return nil, fmt.Errorf("loopback %s: %w", c.addr, err)
	}
	if cmd.IsResponse() && c.deliver(cmd) {
		return nil, nil
	}
	if serve(l.h, c, cmd, l.log) == serveClose {
		defer l.closeConn()
	}
	return c.out, nil
}

// RoundTrip encodes req, serves it and decodes what the server wrote at
// once: nil when it wrote nothing.
func (l *Loopback) RoundTrip(req *protocol.Command) (*protocol.Command, error) {
	frame, err := req.Encode()
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", req.RequestCode(), err)
	}
	out, err := l.Serve(frame)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return protocol.DecodeFrame(out)
}

// Sent returns, and forgets, the bytes written since the last call outside
// Serve: delayed replies and requests of the server.
func (l *Loopback) Sent() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sent
	l.sent = nil
	return out
}

// Close closes the connection and stops its delayed replies.
func (l *Loopback) Close() {
	l.closeConn()
	l.delays.close()
}

func (l *Loopback) sentFrame(p []byte) error {
	l.mu.Lock()
	l.sent = append(l.sent, p...)
	l.mu.Unlock()
	return nil
}

// asyncWrite writes delayed replies that came due, as AsyncWrite and its
// callback do for a socket.
func (l *Loopback) asyncWrite(c *Conn, data []byte, n int, closeAfter bool) {
	_ = l.sentFrame(data)
	c.written(l.sentFrame, n, closeAfter, nil)
}

func (l *Loopback) closeConn() {
	c := l.conn
	if !l.done.CompareAndSwap(false, true) {
		return
	}
	c.closed()
	c.q.connClosed(&l.delays)
	if l.onClose != nil {
		l.onClose(c)
	}
}
