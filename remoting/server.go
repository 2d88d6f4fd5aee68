package remoting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/rocketmock/rocketmock/internal/gnetaddr"
	"github.com/rocketmock/rocketmock/protocol"
)

// ErrServerClosed is returned by work handed to a server that is closing.
var ErrServerClosed = errors.New("remoting: server closed")

// ErrConnClosed is returned for a request sent on, or awaiting a response
// from, a closed connection.
var ErrConnClosed = errors.New("remoting: connection closed")

// Config configures a Server. The zero Config listens on a free port of
// 127.0.0.1 with one event loop.
type Config struct {
	Addr  string // "ip:port" to listen on; default "127.0.0.1:0"
	Loops int    // gnet event loops; default 1
	// MaxFrame bounds a request frame, length field included; a larger one
	// closes the connection. Default protocol.DefaultMaxFrame.
	MaxFrame int
	// MaxPending bounds the reply bytes a client has not read; beyond it
	// the connection closes. 0: no bound.
	MaxPending int
	// WriteHighWater is the unread reply backlog from which
	// Conn.IsWritable reports false; default DefaultWriteHighWater.
	WriteHighWater int
	Logger         *slog.Logger     // default: discard
	Now            func() time.Time // the clock of Conn.LastActive; default time.Now

	// OnBoot runs once the address is bound (as returned by Addr), before
	// any connection is served; an error stops the server and Listen
	// returns it.
	OnBoot func(addr string) error
	// OnOpen runs on the event loop when a connection opens, before its
	// first request; OnClose when it has closed (err says why, nil for a
	// close asked for).
	OnOpen  func(c *Conn)
	OnClose func(c *Conn, err error)
	// Observe sees every request frame that decodes, before it is handled,
	// on the event loop; frame is only valid during the call. Returning
	// false closes the connection without handling the request.
	Observe func(c *Conn, frame []byte, req *protocol.Command) bool
}

// Server is a RocketMQ remoting server on a gnet event loop: it splits the
// byte stream into frames, hands each request to its Handler and writes
// the replies in request order.
type Server struct {
	cfg       Config
	h         Handler
	log       *slog.Logger
	now       func() time.Time
	maxFrame  int
	highWater int

	addr    string
	engine  gnet.Engine
	runDone chan error

	connSeq   atomic.Uint64
	opaque    atomic.Int32 // of requests the server sends
	delays    delays
	asyncMu   sync.RWMutex // async calls vs. Close
	asyncDone bool
	closeOnce sync.Once
}

// Listen starts a server that answers requests with h and returns once it
// listens. Close stops it.
func Listen(h Handler, cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, h: h, log: cfg.Logger, now: cfg.Now, maxFrame: cfg.MaxFrame,
		highWater: cfg.WriteHighWater, runDone: make(chan error, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxFrame <= 0 {
		s.maxFrame = protocol.DefaultMaxFrame
	}
	if s.highWater <= 0 {
		s.highWater = DefaultWriteHighWater
	}
	addr, loops := cfg.Addr, cfg.Loops
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if loops <= 0 {
		loops = 1
	}
	booted := make(chan error, 1)
	go func() {
		err := gnet.Run(&engine{s: s, booted: booted}, "tcp://"+addr,
			gnet.WithNumEventLoop(loops),
			gnet.WithLogger(quietGnetLogger{}),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithReuseAddr(true), // so the port can be bound again at once after Close
		)
		booted <- err // only read if OnBoot never ran
		s.runDone <- err
	}()
	if err := <-booted; err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s, nil
}

// Addr returns the "ip:port" the server listens on.
func (s *Server) Addr() string { return s.addr }

// Delayed returns how many replies wait for their Delay.
func (s *Server) Delayed() int { return s.delays.len() }

// Close closes every connection, stops the delayed replies, frees the port
// and returns once nothing of the server runs any more. It is safe to call
// twice.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.asyncMu.Lock()
		s.asyncDone = true // no AsyncWrite or Close into a stopping engine
		s.asyncMu.Unlock()
		s.delays.close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Stop only signals; waiting for Run is faster than its 500 ms poll
		if err := s.engine.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("stopping the event loop", "err", err)
		}
		<-s.runDone
	})
}

// async runs fn, which hands work to gnet from outside the event loop
// (AsyncWrite, Close, Wake), unless the server is closing: once the engine
// has stopped, gnet's wake-up descriptor is closed and its number may
// belong to another file. It returns ErrServerClosed then.
func (s *Server) async(fn func() error) error {
	s.asyncMu.RLock()
	defer s.asyncMu.RUnlock()
	if s.asyncDone {
		return ErrServerClosed
	}
	return fn()
}

// engine is the gnet event handler: bytes in, frames, requests, replies out.
type engine struct {
	gnet.BuiltinEventEngine
	s      *Server
	booted chan<- error
}

func (e *engine) OnBoot(eng gnet.Engine) gnet.Action {
	s := e.s
	addr, err := gnetaddr.Of(eng)
	if err == nil {
		s.engine, s.addr = eng, addr
		if s.cfg.OnBoot != nil {
			err = s.cfg.OnBoot(addr)
		}
	} else {
		err = fmt.Errorf("reading the bound address: %w", err)
	}
	e.booted <- err
	if err != nil {
		return gnet.Shutdown
	}
	return gnet.None
}

func (e *engine) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	s := e.s
	c := &Conn{srv: s, gc: gc, id: s.connSeq.Add(1), addr: gc.RemoteAddr().String()}
	c.lastActive.Store(s.now().UnixNano())
	c.active.Store(true)
	gc.SetContext(c)
	if s.cfg.OnOpen != nil {
		s.cfg.OnOpen(c)
	}
	s.log.Debug("connection opened", "remote", c.addr)
	return nil, gnet.None
}

func (e *engine) OnClose(gc gnet.Conn, err error) gnet.Action {
	s := e.s
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.None
	}
	c.closed()
	c.q.connClosed(&s.delays)
	s.log.Debug("connection closed", "remote", c.addr, "err", err)
	if s.cfg.OnClose != nil {
		s.cfg.OnClose(c, err)
	}
	return gnet.None
}

// OnTraffic decodes every whole frame buffered so far, answers each in
// order and writes the replies at once. A corrupt stream closes the
// connection, as Netty's decoder does; other connections carry on.
func (e *engine) OnTraffic(gc gnet.Conn) gnet.Action {
	s := e.s
	c := gc.Context().(*Conn)
	if gc.InboundBuffered() == 0 { // a Wake from IsWritable
		c.outbound.Store(int64(gc.OutboundBuffered()))
		return gnet.None
	}
	c.lastActive.Store(s.now().UnixNano())
	c.out = c.out[:0]
	action := gnet.None
	if c.q.isClosing() {
		// A queued close ends the connection: read no further request.
		_, _ = gc.Discard(gc.InboundBuffered())
		return gnet.None
	}
	for gc.InboundBuffered() >= 4 {
		if s.pendingOverLimit(c, gc) {
			action = gnet.Close
			break
		}
		head, _ := gc.Peek(4)
		n, err := protocol.FrameSize(head, s.maxFrame)
		if err != nil {
			s.log.Warn("closing connection: bad frame", "remote", c.addr, "err", err)
			action = gnet.Close
			break
		}
		if gc.InboundBuffered() < n {
			break
		}
		raw, _ := gc.Peek(n)
		cmd, err := protocol.DecodeFrame(raw)
		if err == nil && s.cfg.Observe != nil && !s.cfg.Observe(c, raw, cmd) {
			_, _ = gc.Discard(n)
			action = gnet.Close
			break
		}
		_, _ = gc.Discard(n)
		if err != nil {
			s.log.Warn("closing connection: bad frame", "remote", c.addr, "err", err)
			action = gnet.Close
			break
		}
		if cmd.IsResponse() && c.deliver(cmd) {
			continue
		}
		if res := serve(s.h, c, cmd, s.log); res == serveClose {
			action = gnet.Close
			break
		} else if res == serveStop {
			_, _ = gc.Discard(gc.InboundBuffered())
			break
		}
	}
	if len(c.out) > 0 {
		if _, err := gc.Write(c.out); err != nil {
			s.log.Warn("writing replies", "remote", c.addr, "err", err)
			return gnet.Close
		}
	}
	c.outbound.Store(int64(gc.OutboundBuffered()))
	if action == gnet.None && s.pendingOverLimit(c, gc) {
		action = gnet.Close
	}
	if cap(c.out) > 64<<10 {
		c.out = nil // do not pin a large buffer on an idle connection
	}
	return action
}

// pendingOverLimit reports, and logs, that the replies the client has not
// read (gnet's outbound buffer, beyond the kernel's) and those of the
// OnTraffic call in progress exceed MaxPending: a client that sends
// requests and never reads its replies must not grow the server's memory
// without bound. Event loop only.
func (s *Server) pendingOverLimit(c *Conn, gc gnet.Conn) bool {
	limit := s.cfg.MaxPending
	if limit <= 0 {
		return false
	}
	pending := gc.OutboundBuffered() + len(c.out)
	if pending <= limit {
		return false
	}
	s.log.Warn("closing connection: pending output", "remote", c.addr,
		"err", fmt.Sprintf("%d bytes of replies the client has not read exceed the limit of %d bytes", pending, limit))
	return true
}

// serveResult tells OnTraffic how to go on after one request.
type serveResult uint8

const (
	serveNext  serveResult = iota // read the next request
	serveClose                    // write what is in c.out, then close
	serveStop                     // a close is queued: read no further request
)

// serve answers one request with h and puts the reply in c.out, or in the
// connection's reply queue when it is delayed or waits behind a delayed
// one (replies.go). A handler that panics closes the connection.
func serve(h Handler, c *Conn, req *protocol.Command, log *slog.Logger) (res serveResult) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("handler panicked; closing the connection", "remote", c.addr,
				"code", req.Code, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = serveClose
		}
	}()
	r := h(c, req)
	// Fast path: nothing delayed on this connection, so the reply goes
	// straight into c.out.
	fast := r.Delay <= 0 && c.q.isEmpty()
	var data []byte
	switch {
	case r.Raw != nil:
		data = r.Raw
		if fast {
			c.out, data = append(c.out, data...), nil
		}
	case r.Command != nil && !req.IsOneway():
		if fast {
			start := len(c.out)
			c.out = appendReply(c.out, c, r.Command, log)
			if r.Truncate {
				c.out = c.out[:start+cut(len(c.out)-start, r.TruncateAt)]
			}
			break
		}
		data = appendReply(nil, c, r.Command, log)
		if r.Truncate {
			data = data[:cut(len(data), r.TruncateAt)]
		}
	}
	if fast {
		if r.Close {
			return serveClose
		}
		return serveNext
	}
	closeNow, stop := c.emit(data, r.Delay, r.Close)
	switch {
	case closeNow:
		return serveClose
	case stop:
		return serveStop
	}
	return serveNext
}

// cut returns how many bytes of an n-byte frame a truncated reply keeps.
func cut(n, at int) int {
	if at <= 0 || at >= n {
		return n / 2
	}
	return at
}

// appendReply appends the reply frame to dst; it returns dst unchanged if
// the reply cannot be encoded. A reply whose header does not fit the
// binary ROCKETMQ format goes out in JSON.
func appendReply(dst []byte, c *Conn, resp *protocol.Command, log *slog.Logger) []byte {
	out, err := resp.AppendFrame(dst)
	if err != nil && resp.Serialize != protocol.JSON {
		log.Warn("reply does not fit the request's header type; answering in JSON", "remote", c.addr, "err", err)
		resp.Serialize = protocol.JSON
		out, err = resp.AppendFrame(dst)
	}
	if err != nil {
		log.Error("encoding reply", "remote", c.addr, "err", err)
		return dst
	}
	return out
}

// quietGnetLogger drops gnet's own chatter; its errors go to slog.Default.
type quietGnetLogger struct{}

func (quietGnetLogger) Debugf(string, ...any) {}
func (quietGnetLogger) Infof(string, ...any)  {}
func (quietGnetLogger) Warnf(f string, a ...any) {
	slog.Default().Warn("gnet: " + fmt.Sprintf(f, a...))
}
func (quietGnetLogger) Errorf(f string, a ...any) {
	slog.Default().Error("gnet: " + fmt.Sprintf(f, a...))
}
func (quietGnetLogger) Fatalf(f string, a ...any) {
	slog.Default().Error("gnet: " + fmt.Sprintf(f, a...))
}
