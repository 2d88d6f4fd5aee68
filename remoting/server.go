package remoting

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
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
	// MaxPending bounds the reply bytes a client has not read: what gnet
	// holds unwritten plus replies waiting in the connection's queue (behind
	// a Delay). While they exceed it the client's next requests are held
	// back until it reads; one reply of any size still goes out. The
	// connection closes if the client reads nothing for 2 s meanwhile, or
	// sends more than MaxPending+MaxFrame of requests. 0: no bound.
	MaxPending int
	// MaxConns bounds open connections: past it a new connection is closed
	// at once, with one log line per second at most; existing ones carry
	// on. 0: ReadFDLimits().MaxConns(), derived from RLIMIT_NOFILE;
	// negative: no bound (the descriptor headroom is still kept).
	MaxConns int
	// MaxPartial bounds the bytes buffered in incomplete frames across all
	// connections; past it the connection holding the most is closed.
	// 0: DefaultMaxPartial; negative: no bound.
	MaxPartial int
	// WriteHighWater is the unread reply backlog from which
	// Conn.IsWritable reports false; default DefaultWriteHighWater.
	WriteHighWater int
	// Preface is what a connection may send before its first frame
	// (preface.go); the zero value, PrefaceNone, frames from the first
	// byte.
	Preface Preface
	// TLSMode is the broker's tlsMode (tls.go); the zero value,
	// TLSDisabled, is plaintext only. TLS is the server's certificate and
	// settings; nil with a TLS mode: a self-signed certificate made at
	// Listen (SelfSignedTLS).
	TLSMode TLSMode
	TLS     *tls.Config
	Logger  *slog.Logger     // default: discard
	Now     func() time.Time // the clock of Conn.LastActive; default time.Now

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
	cfg        Config
	h          Handler
	log        *slog.Logger
	now        func() time.Time
	maxFrame   int
	highWater  int
	maxConns   int // <= 0: none
	fdCeiling  int // accepted descriptors numbered this high are refused
	backlog    int
	maxPartial int64 // <= 0: none

	addr    string
	engine  gnet.Engine
	done    chan struct{} // closed once gnet.Run has returned
	closing atomic.Bool   // Close was called: the engine stops on purpose
	booted  atomic.Bool   // OnBoot succeeded: the server served
	stopErr atomic.Pointer[error]
	gnetErr atomic.Pointer[string] // the last error gnet logged

	open     atomic.Int64 // connections served (not refused) and not closed
	refusals refusals
	partials partials
	loops    loops // event loops seen, for LoopLag (looplag.go)

	inners    tlsInners // the loopback connections relaying TLS ones (tls.go)
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
		highWater: cfg.WriteHighWater, maxConns: cfg.MaxConns, maxPartial: int64(cfg.MaxPartial),
		done: make(chan struct{})}
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
	if s.maxPartial == 0 {
		s.maxPartial = DefaultMaxPartial
	}
	if s.cfg.TLSMode != TLSDisabled && s.cfg.TLS == nil {
		tc, err := SelfSignedTLS()
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		s.cfg.TLS = tc
	}
	fds, err := ReadFDLimits()
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.fdCeiling, s.backlog = fds.ceiling(), fds.Backlog()
	if s.maxConns == 0 {
		s.maxConns = fds.MaxConns()
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
		defer close(s.done)
		err := gnet.Run(&engine{s: s, booted: booted}, "tcp://"+addr,
			gnet.WithNumEventLoop(loops),
			gnet.WithLogger(gnetLogger{s}),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithReuseAddr(true), // so the port can be bound again at once after Close
		)
		booted <- err // only read if OnBoot never ran
		if s.booted.Load() {
			s.stoppedOnItsOwn()
		}
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

// MaxConns returns the connection limit in force; 0: none.
func (s *Server) MaxConns() int { return max(s.maxConns, 0) }

// Conns returns how many connections are open (refused ones excluded).
func (s *Server) Conns() int { return int(s.open.Load()) }

// Refused returns how many connections were closed at once because the
// server was at its connection limit or the process near its descriptor
// limit.
func (s *Server) Refused() int64 { return s.refusals.count.Load() }

// Partial returns the bytes buffered in incomplete frames across all
// connections.
func (s *Server) Partial() int64 { return s.partials.total.Load() }

// Done is closed once the server has stopped: after Close, or when its
// event loops stopped on their own (see Err).
func (s *Server) Done() <-chan struct{} { return s.done }

// Err returns nil while the server runs and after Close; an error wrapping
// ErrEngineStopped, with gnet's reason, once the event loops stopped
// without Close (every connection is then gone and the port closed).
func (s *Server) Err() error {
	if p := s.stopErr.Load(); p != nil {
		return *p
	}
	return nil
}

// ErrEngineStopped is wrapped by Server.Err when the event loops stopped
// without Close.
var ErrEngineStopped = errors.New("remoting: the event loops stopped unexpectedly")

// Close closes every connection, stops the delayed replies, frees the port
// and returns once nothing of the server runs any more. It is safe to call
// twice.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		s.stopAsync() // no AsyncWrite or Close into a stopping engine
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Stop only signals; waiting for Run is faster than its 500 ms poll
		if err := s.engine.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) && s.Err() == nil {
			s.log.Warn("stopping the event loop", "err", err)
		}
		<-s.done
		s.inners.stop()
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

// stopAsync makes async refuse from now on, after the calls in progress,
// and stops the delayed replies.
func (s *Server) stopAsync() {
	s.asyncMu.Lock()
	s.asyncDone = true
	s.asyncMu.Unlock()
	s.delays.close()
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
	if err == nil {
		// Connections accepted before OnOpen can refuse them each hold a
		// descriptor: keep that queue within the headroom (limits.go).
		if berr := setBacklog(eng.Dup, s.backlog); berr != nil {
			s.log.Warn("lowering the listen backlog", "backlog", s.backlog, "err", berr)
		}
	}
	s.booted.Store(err == nil)
	e.booted <- err
	if err != nil {
		return gnet.Shutdown
	}
	return gnet.None
}

// OnShutdown runs when the engine stops. Without Close, that is gnet
// giving up (an accept error it deems fatal, a failing poller): Err tells
// why, and nothing is handed to the dead engine any more.
func (e *engine) OnShutdown(gnet.Engine) { e.s.stoppedOnItsOwn() }

// stoppedOnItsOwn records why the engine stopped without Close, once: from
// OnShutdown, or when gnet.Run returns (gnet does not call OnShutdown on
// every way out, e.g. when a poller cannot be created).
func (s *Server) stoppedOnItsOwn() {
	if s.closing.Load() || s.stopErr.Load() != nil {
		return
	}
	reason := "no reason logged"
	if p := s.gnetErr.Load(); p != nil {
		reason = *p
	}
	err := fmt.Errorf("%w: %s", ErrEngineStopped, reason)
	if !s.stopErr.CompareAndSwap(nil, &err) {
		return
	}
	s.stopAsync()
	s.log.Error("the server stopped serving: every connection is closed and the port no longer accepts", "addr", s.addr, "err", err)
}

func (e *engine) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	s := e.s
	s.loops.note(gc.EventLoop())
	if why := s.refusal(gc); why != "" {
		// No context: OnClose, which gnet calls next, ignores the
		// connection, and Config.OnOpen/OnClose never see it.
		if log, n := s.refusals.refuse(s.now()); log {
			s.log.Warn("refusing connections", "remote", gc.RemoteAddr().String(), "err", why, "refused", n)
		}
		return nil, gnet.Close
	}
	s.open.Add(1)
	c := &Conn{srv: s, gc: gc, id: s.connSeq.Add(1), addr: gc.RemoteAddr().String(),
		inPreface: s.cfg.Preface == PrefaceDetect, tlsPending: s.cfg.TLSMode != TLSDisabled}
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
	s.open.Add(-1)
	if c.tls != nil {
		c.tls.shut()
	}
	s.partials.forget(c)
	c.closed()
	c.q.connClosed(&s.delays)
	s.log.Debug("connection closed", "remote", c.addr, "err", err)
	if s.cfg.OnClose != nil {
		s.cfg.OnClose(c, err)
	}
	return gnet.None
}

// refusal says why a new connection is refused, "" if it is served: the
// connection limit, or a descriptor number that shows the whole process
// near RLIMIT_NOFILE (limits.go).
func (s *Server) refusal(gc gnet.Conn) string {
	if s.maxConns > 0 && s.open.Load() >= int64(s.maxConns) {
		return fmt.Sprintf("%d connections are open, the limit: new ones are closed at once until some close", s.maxConns)
	}
	if fd := gc.Fd(); fd >= s.fdCeiling {
		return fmt.Sprintf("descriptor %d is near the process limit (RLIMIT_NOFILE); new connections are closed at once until some close", fd)
	}
	return ""
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
	if c.tls != nil {
		return s.feedTLS(c, gc)
	}
	if c.inPreface {
		wait, err := s.readPreface(c, gc)
		if err != nil {
			s.log.Warn("closing connection: bad preface", "remote", c.addr, "err", err)
			return gnet.Close
		}
		if wait {
			if s.overPartialBudget(c, gc.InboundBuffered()) {
				return gnet.Close
			}
			return gnet.None
		}
	}
	if c.tlsPending && gc.InboundBuffered() > 0 {
		if err := s.decideTLS(c, gc); err != nil {
			s.log.Warn("closing connection", "remote", c.addr, "err", err)
			return gnet.Close
		}
		if c.tls != nil {
			return s.feedTLS(c, gc)
		}
	}
	held := false
	for gc.InboundBuffered() >= 4 {
		if !s.flushOut(c, gc) {
			action = gnet.Close
			break
		}
		if hold, closeIt := s.holdBack(c, gc); closeIt {
			action = gnet.Close
			break
		} else if hold {
			held = true
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
	if cap(c.out) > 64<<10 {
		c.out = nil // do not pin a large buffer on an idle connection
	}
	partial := gc.InboundBuffered()
	if held {
		partial = 0 // whole requests held back, bounded by MaxPending
	}
	if action == gnet.None && s.overPartialBudget(c, partial) {
		action = gnet.Close
	}
	return action
}

// flushAt is how many reply bytes OnTraffic gathers before it hands them
// to gnet, so that the pending-output check sees what the kernel did not
// take instead of a whole batch of replies.
const flushAt = 64 << 10

// flushOut hands the replies gathered so far to gnet once they reach
// flushAt; false: the write failed (logged), close.
func (s *Server) flushOut(c *Conn, gc gnet.Conn) bool {
	if len(c.out) < flushAt {
		return true
	}
	if _, err := gc.Write(c.out); err != nil {
		s.log.Warn("writing replies", "remote", c.addr, "err", err)
		return false
	}
	c.out = c.out[:0]
	return true
}

// Pending output. A client that sends requests and never reads the
// replies must not grow the server's memory without bound; one that reads
// them, however large, must not be cut off. Before each request OnTraffic
// looks at what the client has not read: what gnet holds unwritten (beyond
// what the kernel took), replies gathered but not handed to gnet yet, and
// replies waiting in the connection's queue behind a Delay. Over
// MaxPending it holds the request back, in gnet's inbound buffer, and
// looks again a moment later (resumeLater); so one reply of any size goes
// out, and a client that reads gets the rest as it reads. The connection
// closes only if the client reads nothing of what gnet holds for
// stallTimeout, or sends more than MaxPending+MaxFrame of requests
// meanwhile.

// stallTimeout is how long a client may read nothing of its pending
// replies, over MaxPending, before the connection closes.
const stallTimeout = 2 * time.Second

// Held-back requests are looked at again resumeEvery after the client
// last read some of its replies, less and less often up to resumeAtMost
// while it reads nothing (replies held by a long Delay).
const (
	resumeEvery  = 2 * time.Millisecond
	resumeAtMost = 250 * time.Millisecond
)

// holdBack decides about the next request while output is pending: hold
// it back for now, or close the connection (logged). Event loop only.
func (s *Server) holdBack(c *Conn, gc gnet.Conn) (hold, closeIt bool) {
	limit := s.cfg.MaxPending
	if limit <= 0 {
		return false, false
	}
	out := gc.OutboundBuffered()
	pending := out + len(c.out) + int(c.q.bytes.Load())
	if pending <= limit {
		c.stallAt, c.resumeAfter = time.Time{}, 0
		return false, false
	}
	now := time.Now()
	if c.stallAt.IsZero() || out < c.stallOut || out == 0 {
		// Progress (or nothing of the client's to read yet: replies wait
		// for their Delay): the stall starts again.
		c.stallAt, c.stallOut = now, out
	}
	if c.resumeAfter == 0 || pending < c.lastPending {
		c.resumeAfter = resumeEvery // the client reads: look again soon
	} else {
		c.resumeAfter = min(2*c.resumeAfter, resumeAtMost)
	}
	c.lastPending = pending
	var why string
	switch {
	case gc.InboundBuffered() > limit+s.maxFrame:
		why = fmt.Sprintf("%d bytes of replies the client has not read exceed the limit of %d bytes, and it sent %d bytes of requests meanwhile", pending, limit, gc.InboundBuffered())
	case now.Sub(c.stallAt) >= stallTimeout:
		why = fmt.Sprintf("%d bytes of replies the client has not read exceed the limit of %d bytes, and it read none of them for %v", pending, limit, stallTimeout)
	}
	if why != "" {
		s.log.Warn("closing connection: pending output", "remote", c.addr, "err", why)
		return false, true
	}
	s.resumeLater(c)
	return true, false
}

// resumeLater wakes the connection's event loop a moment from now, so that
// OnTraffic serves the requests held back (gnet tells nothing when its
// outbound buffer drains).
func (s *Server) resumeLater(c *Conn) {
	if !c.resuming.CompareAndSwap(false, true) {
		return
	}
	time.AfterFunc(c.resumeAfter, func() {
		c.resuming.Store(false)
		if c.active.Load() {
			_ = s.async(func() error { return c.gc.Wake(nil) })
		}
	})
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

// appendReply appends the reply frame to dst. A reply whose header does
// not fit the binary ROCKETMQ format goes out in JSON; one that cannot be
// encoded at all (a header beyond the 24-bit header length) is answered
// with ReplyNotSent instead, so the client is not left waiting.
func appendReply(dst []byte, c *Conn, resp *protocol.Command, log *slog.Logger) []byte {
	out, err := EncodeReply(dst, resp)
	if err == nil {
		return out
	}
	log.Warn("reply cannot be encoded; answering SYSTEM_ERROR", "remote", c.addr, "opaque", resp.Opaque, "err", err)
	out, err = EncodeReply(dst, ReplyNotSent(resp, err))
	if err != nil {
		log.Error("encoding reply", "remote", c.addr, "err", err)
		return dst
	}
	return out
}

// EncodeReply appends resp as one frame to dst, as the server writes a
// reply: in JSON when its header does not fit the binary ROCKETMQ format
// (resp.Serialize is changed then). It returns dst unchanged and the
// error when the reply cannot be encoded either way.
func EncodeReply(dst []byte, resp *protocol.Command) ([]byte, error) {
	out, err := resp.AppendFrame(dst)
	if err != nil && resp.Serialize != protocol.JSON {
		resp.Serialize = protocol.JSON
		out, err = resp.AppendFrame(dst)
	}
	if err != nil {
		return dst, fmt.Errorf("encoding the reply (opaque %d): %w", resp.Opaque, err)
	}
	return out, nil
}

// MaxHeader is the largest header a frame can carry: its length is a
// 24-bit field.
const MaxHeader = 1<<24 - 1

// ReplyNotSent is the reply the server writes instead of resp when resp
// cannot be encoded (err from EncodeReply): SYSTEM_ERROR with the same
// opaque, and a remark saying why, in JSON.
func ReplyNotSent(resp *protocol.Command, err error) *protocol.Command {
	return &protocol.Command{
		Code:      int32(protocol.SystemError),
		Language:  resp.Language,
		Version:   resp.Version,
		Opaque:    resp.Opaque,
		Flag:      protocol.FlagResponse,
		Remark:    fmt.Sprintf("the reply could not be sent: %v (a frame header may hold at most %d bytes)", err, MaxHeader),
		Serialize: protocol.JSON,
	}
}

// gnetLogger drops gnet's chatter and logs its warnings and errors with
// the server's logger; it keeps the last error, which says why the engine
// stopped if it stops on its own.
type gnetLogger struct{ s *Server }

func (gnetLogger) Debugf(string, ...any) {}
func (gnetLogger) Infof(string, ...any)  {}
func (l gnetLogger) Warnf(f string, a ...any) {
	l.s.log.Warn("gnet: " + fmt.Sprintf(f, a...))
}
func (l gnetLogger) Errorf(f string, a ...any) { l.errorf(f, a...) }
func (l gnetLogger) Fatalf(f string, a ...any) { l.errorf(f, a...) }

func (l gnetLogger) errorf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	consequence := strings.Contains(msg, "exiting due to error") || strings.Contains(msg, "shutdown with error") ||
		strings.Contains(msg, "engine shutdown error")
	if l.s.gnetErr.Load() == nil || !consequence {
		// Keep the cause ("Accept() failed due to error: too many open
		// files"), not the lines about stopping that follow it.
		l.s.gnetErr.Store(&msg)
	}
	l.s.log.Error("gnet: " + msg)
}
