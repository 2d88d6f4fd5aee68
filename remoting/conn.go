package remoting

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/rocketmock/rocketmock/protocol"
)

// DefaultWriteHighWater is the outbound backlog from which a connection
// stops being writable: Netty's default WriteBufferWaterMark high mark.
const DefaultWriteHighWater = 64 << 10

// Conn is one client connection of a Server (or of a Loopback). Its
// methods are safe for concurrent use.
type Conn struct {
	srv  *Server   // nil for a Loopback's
	lb   *Loopback // nil for a socket's
	gc   gnet.Conn
	id   uint64
	addr string // the socket's peer

	inPreface  bool                   // the preface stage is not over (event loop only)
	tlsPending bool                   // the TLS decision on the first byte is to come (event loop only)
	tls        *tlsPipe               // a TLS connection's relay (set on the event loop, before it runs)
	proxied    atomic.Pointer[string] // the client address a PROXY header carried

	active     atomic.Bool
	outbound   atomic.Int64 // gnet's outbound backlog after the last write on the loop
	refreshing atomic.Bool  // an outbound refresh is under way
	lastActive atomic.Int64 // UnixNano of the last read, on the server's clock
	val        atomic.Pointer[valueBox]

	out []byte     // replies of the OnTraffic call in progress (event loop only)
	q   replyQueue // replies waiting behind a delayed one

	stallAt  time.Time   // since when the client read none of its pending output (event loop only)
	stallOut int         // gnet's outbound backlog then
	resuming atomic.Bool // a wake-up for held-back requests is due
	// resumeAfter is when to look at held-back requests again, and
	// lastPending the pending output when last looked (event loop only).
	resumeAfter time.Duration
	lastPending int

	partialSeen   int64 // bytes of an incomplete frame last accounted (event loop only)
	partialDoomed bool  // closed for the partial-frame budget (under srv.partials.mu)

	pendingMu sync.Mutex
	pending   map[int32]chan *protocol.Command // requests of the server awaiting a response
}

type valueBox struct{ v any }

// ID numbers the server's connections from 1, in accept order.
func (c *Conn) ID() uint64 { return c.id }

// RemoteAddr returns the client's "ip:port": the source address of the
// connection's PROXY protocol header if it had one (Config.Preface), as
// RocketMQ 5.x's RemotingHelper.parseChannelRemoteAddr reports it, else
// the socket's peer.
func (c *Conn) RemoteAddr() string {
	if p := c.proxied.Load(); p != nil {
		return *p
	}
	return c.addr
}

// SocketAddr returns the socket's peer "ip:port", whatever a PROXY header
// said.
func (c *Conn) SocketAddr() string { return c.addr }

// IsActive reports whether the connection is open.
func (c *Conn) IsActive() bool { return c.active.Load() }

// IsWritable reports whether the connection is open and the replies the
// client has not read yet (gnet's outbound buffer) are under the write
// high-water mark, as Netty's Channel.isWritable does.
func (c *Conn) IsWritable() bool {
	if !c.active.Load() {
		return false
	}
	if c.srv == nil || c.outbound.Load() < int64(c.srv.highWater) {
		return true
	}
	c.refreshOutbound()
	return false
}

// refreshOutbound asks the event loop to read the outbound backlog again:
// gnet drains it without telling the handler.
func (c *Conn) refreshOutbound() {
	if !c.refreshing.CompareAndSwap(false, true) {
		return
	}
	err := c.srv.async(func() error {
		return c.gc.Wake(func(gc gnet.Conn, _ error) error {
			if gc.Context() == c { // not closed meanwhile
				c.outbound.Store(int64(gc.OutboundBuffered()))
			}
			c.refreshing.Store(false)
			return nil
		})
	})
	if err != nil {
		c.refreshing.Store(false)
	}
}

// LastActive returns when the connection last received bytes (or opened),
// on the server's clock (Config.Now).
func (c *Conn) LastActive() time.Time { return time.Unix(0, c.lastActive.Load()) }

// Value returns what SetValue stored, nil before.
func (c *Conn) Value() any {
	if b := c.val.Load(); b != nil {
		return b.v
	}
	return nil
}

// SetValue keeps v with the connection, typically who the client is;
// set it in Config.OnOpen so handlers always find it.
func (c *Conn) SetValue(v any) { c.val.Store(&valueBox{v}) }

// Close asks the event loop to close the connection; the close callback
// follows. After the server's Close it does nothing.
func (c *Conn) Close() error {
	if c.lb != nil {
		c.lb.closeConn()
		return nil
	}
	if !c.active.Load() {
		return nil
	}
	err := c.srv.async(c.gc.Close)
	if errors.Is(err, ErrServerClosed) {
		return nil // the engine closed every connection
	}
	return err
}

// Send writes a request of the server to the client, such as
// CHECK_TRANSACTION_STATE or NOTIFY_CONSUMER_IDS_CHANGED, without waiting
// for an answer: mark it oneway if the client should not answer. It sets
// req.Opaque to the server's next number; the caller sets the rest
// (version, language). The request may go out before replies already
// decided but held back by a Delay.
func (c *Conn) Send(req *protocol.Command) error {
	_, err := c.send(req, false)
	return err
}

// Request sends a request of the server to the client, as Send does, and
// waits for the client's response with the same opaque, until ctx ends or
// the connection closes.
func (c *Conn) Request(ctx context.Context, req *protocol.Command) (*protocol.Command, error) {
	ch, err := c.send(req, true)
	if err != nil {
		return nil, err
	}
	defer c.forget(req.Opaque)
	select {
	case resp, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("waiting for the response to %s (opaque %d) from %s: %w", req.RequestCode(), req.Opaque, c.addr, ErrConnClosed)
		}
		return resp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the response to %s (opaque %d) from %s: %w", req.RequestCode(), req.Opaque, c.addr, ctx.Err())
	}
}

func (c *Conn) send(req *protocol.Command, await bool) (chan *protocol.Command, error) {
	if c.lb != nil {
		req.Opaque = c.lb.opaque.Add(1)
	} else {
		req.Opaque = c.srv.opaque.Add(1)
	}
	frame, err := req.Encode()
	if err != nil {
		return nil, fmt.Errorf("encoding %s for %s: %w", req.RequestCode(), c.addr, err)
	}
	var ch chan *protocol.Command
	if await {
		ch = make(chan *protocol.Command, 1)
		c.pendingMu.Lock()
		if !c.active.Load() {
			c.pendingMu.Unlock()
			return nil, fmt.Errorf("sending %s to %s: %w", req.RequestCode(), c.addr, ErrConnClosed)
		}
		if c.pending == nil {
			c.pending = map[int32]chan *protocol.Command{}
		}
		c.pending[req.Opaque] = ch
		c.pendingMu.Unlock()
	}
	if c.lb != nil {
		_ = c.lb.sentFrame(frame)
		return ch, nil
	}
	if !c.active.Load() {
		c.forget(req.Opaque)
		return nil, fmt.Errorf("sending %s to %s: %w", req.RequestCode(), c.addr, ErrConnClosed)
	}
	if err := c.srv.async(func() error { return c.gc.AsyncWrite(frame, nil) }); err != nil {
		c.forget(req.Opaque)
		return nil, fmt.Errorf("sending %s to %s: %w", req.RequestCode(), c.addr, err)
	}
	return ch, nil
}

func (c *Conn) forget(opaque int32) {
	c.pendingMu.Lock()
	delete(c.pending, opaque)
	c.pendingMu.Unlock()
}

// deliver hands a response to the request of the server it answers; it
// reports false if none awaits it.
func (c *Conn) deliver(resp *protocol.Command) bool {
	c.pendingMu.Lock()
	ch, ok := c.pending[resp.Opaque]
	delete(c.pending, resp.Opaque)
	c.pendingMu.Unlock()
	if ok {
		ch <- resp
	}
	return ok
}

// closed marks the connection closed and fails the requests awaiting a
// response.
func (c *Conn) closed() {
	c.pendingMu.Lock()
	c.active.Store(false)
	for op, ch := range c.pending {
		close(ch)
		delete(c.pending, op)
	}
	c.pendingMu.Unlock()
}
