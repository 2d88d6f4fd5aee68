package mockbroker

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/rocketmock/rocketmock/protocol"
)

// server is the gnet event handler: bytes in, frames, commands, replies out.
type server struct {
	gnet.BuiltinEventEngine
	b      *Broker
	booted chan<- error
}

// conn is one client connection; it is the producers.Channel the producer
// table keys by.
type conn struct {
	b        *Broker
	gc       gnet.Conn
	id       uint64 // ConnInfo.ID
	addr     string // peer "ip:port"
	active   atomic.Bool
	clientID atomic.Pointer[string] // from the first heartbeat
	out      []byte                 // replies of the OnTraffic call in progress (event loop only)
	q        replyQueue             // replies waiting behind a delayed one
	// lastActive is the broker-clock time (UnixNano) of the last read or
	// reply on the connection, for the idle close.
	lastActive atomic.Int64
	hb         lastHeartbeat // event loop only
}

func (c *conn) RemoteAddr() string { return c.addr }
func (c *conn) IsActive() bool     { return c.active.Load() }
func (c *conn) IsWritable() bool   { return c.active.Load() }

// Close asks the event loop to close the connection; OnClose follows.
// After Broker.Close it does nothing.
func (c *conn) Close() error {
	if !c.active.Load() {
		return nil
	}
	err := c.b.async(c.gc.Close)
	if errors.Is(err, ErrClosed) {
		return nil // the engine closed every connection
	}
	return err
}

// setClientID records the client id a heartbeat (or an unregister)
// names; the first one stays.
func (c *conn) setClientID(id string) {
	if id != "" && c.clientID.Load() == nil {
		v := id // allocated only here, not on every heartbeat
		c.clientID.CompareAndSwap(nil, &v)
	}
}

// info describes the connection for interceptors and records.
func (c *conn) info() ConnInfo {
	ci := ConnInfo{ID: c.id, Addr: c.addr}
	if p := c.clientID.Load(); p != nil {
		ci.ClientID = *p
	}
	return ci
}

func (s *server) OnBoot(eng gnet.Engine) gnet.Action {
	if err := s.b.bound(eng); err != nil {
		s.booted <- err
		return gnet.Shutdown
	}
	s.booted <- nil
	return gnet.None
}

func (s *server) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	c := &conn{b: s.b, gc: gc, id: s.b.connSeq.Add(1), addr: gc.RemoteAddr().String()}
	c.lastActive.Store(s.b.Now().UnixNano())
	c.active.Store(true)
	gc.SetContext(c)
	s.b.connOpened(c)
	s.b.connsMu.Lock()
	s.b.conns[c] = struct{}{}
	s.b.connsMu.Unlock()
	s.b.log.Debug("connection opened", "remote", c.addr)
	return nil, gnet.None
}

func (s *server) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.None
	}
	c.active.Store(false)
	c.q.connClosed(&s.b.delays)
	s.b.connsMu.Lock()
	delete(s.b.conns, c)
	s.b.connsMu.Unlock()
	s.b.log.Debug("connection closed", "remote", c.addr, "err", err)
	s.b.connClosed(c)
	return gnet.None
}

// OnTraffic decodes every whole frame buffered so far, answers each in
// order and writes the replies at once. A corrupt stream closes the
// connection, as Netty's decoder does; other connections carry on.
func (s *server) OnTraffic(gc gnet.Conn) gnet.Action {
	c := gc.Context().(*conn)
	c.lastActive.Store(s.b.Now().UnixNano())
	c.out = c.out[:0]
	action := gnet.None
	if c.q.isClosing() {
		// A queued close ends the connection: read no further request.
		_, _ = gc.Discard(gc.InboundBuffered())
		return gnet.None
	}
	for gc.InboundBuffered() >= 4 {
		if s.b.pendingOverLimit(c, gc) {
			action = gnet.Close
			break
		}
		head, _ := gc.Peek(4)
		n, err := protocol.FrameSize(head, s.b.cfg.maxFrame)
		if err != nil {
			s.b.log.Warn("closing connection: bad frame", "remote", c.addr, "err", err)
			action = gnet.Close
			break
		}
		if gc.InboundBuffered() < n {
			break
		}
		raw, _ := gc.Peek(n)
		cmd, err := protocol.DecodeFrame(raw)
		if err == nil && s.b.cfg.observer != nil &&
			!s.b.observe(c, Received{Remote: c.addr, Frame: append([]byte(nil), raw...), Command: cmd}) {
			_, _ = gc.Discard(n)
			action = gnet.Close
			break
		}
		_, _ = gc.Discard(n)
		if err != nil {
			s.b.log.Warn("closing connection: bad frame", "remote", c.addr, "err", err)
			action = gnet.Close
			break
		}
		if res := s.b.serve(c, cmd); res == serveClose {
			action = gnet.Close
			break
		} else if res == serveStop {
			_, _ = gc.Discard(gc.InboundBuffered())
			break
		}
	}
	if len(c.out) > 0 {
		if _, err := gc.Write(c.out); err != nil {
			s.b.log.Warn("writing replies", "remote", c.addr, "err", err)
			return gnet.Close
		}
	}
	if action == gnet.None && s.b.pendingOverLimit(c, gc) {
		action = gnet.Close
	}
	if cap(c.out) > 64<<10 {
		c.out = nil // do not pin a large buffer on an idle connection
	}
	return action
}

// pendingOverLimit reports, and logs, that the replies the client has not
// read (gnet's outbound buffer, beyond the kernel's) and those of the
// OnTraffic call in progress exceed WithMaxPendingOutput: a client that
// sends requests and never reads its replies must not grow the broker's
// memory without bound. Event loop only.
func (b *Broker) pendingOverLimit(c *conn, gc gnet.Conn) bool {
	limit := b.cfg.maxPending
	if limit <= 0 {
		return false
	}
	pending := gc.OutboundBuffered() + len(c.out)
	if pending <= limit {
		return false
	}
	b.log.Warn("closing connection: pending output", "remote", c.addr,
		"err", fmt.Sprintf("%d bytes of replies the client has not read exceed the limit of %d bytes (WithMaxPendingOutput)", pending, limit))
	return true
}

// handlerFunc answers one request; a nil reply sends nothing.
type handlerFunc func(c *conn, req *protocol.Command) *protocol.Command

// serveResult tells OnTraffic how to go on after one request.
type serveResult uint8

const (
	serveNext  serveResult = iota // read the next request
	serveClose                    // write what is in c.out, then close
	serveStop                     // a close is queued: read no further request
)

// serve decides one request: the interceptions first (intercept.go), else
// its handler; it journals the outcome and writes the reply to c.out, or
// to the connection's reply queue when the reply is delayed or waits
// behind a delayed one (replies.go). A handler or interceptor that panics
// closes the connection.
func (b *Broker) serve(c *conn, req *protocol.Command) (res serveResult) {
	start := time.Now()
	at := start // the broker's clock, read once more only when virtual
	if b.sched.virtual {
		at = b.Now()
	}
	info := c.info()
	entry := JournalEntry{Time: at, Conn: info, Opaque: req.Opaque}
	if req.IsResponse() {
		// Nothing the broker sends expects a reply (CHECK_TRANSACTION_STATE
		// is oneway); drop it as Java drops responses it has no pending
		// request for.
		b.log.Debug("dropping unmatched response", "remote", c.addr, "opaque", req.Opaque, "code", req.Code)
		entry.Outcome, entry.Result, entry.Remark = OutcomeIgnored, req.ResponseCode(), req.Remark
		b.record(entry, start)
		return serveNext
	}
	entry.Code, entry.Oneway = req.RequestCode(), req.IsOneway()
	defer func() {
		if p := recover(); p != nil {
			b.recovered(c, req.RequestCode(), "handler or interceptor", p)
			entry.Outcome = OutcomeFailed
			b.record(entry, start)
			res = serveClose
		}
	}()
	act, by := b.intercept(&Request{Command: req, Conn: info, Group: requestGroup(req)})
	entry.Intercepted, entry.Delay = by != nil, act.delay

	var resp *protocol.Command
	switch act.kind {
	case actPass, actTruncate:
		h := b.handlers[req.RequestCode()]
		if h == nil {
			if by == nil {
				b.unhandled.add(req.RequestCode(), info, entry.Time)
			}
			h = b.notSupported
		}
		resp = h(c, req)
		if resp != nil && resp.ResponseCode() == protocol.SystemError {
			b.log.Info("request answered with an error", "remote", c.addr, "code", req.RequestCode().String(), "err", resp.Remark)
		}
	case actRespond:
		resp = act.reply
	case actRespondErr:
		resp = protocol.NewResponse(req, act.code, act.remark)
	}

	// Fast path: nothing delayed on this connection, so the reply goes
	// straight into c.out.
	fast := act.delay <= 0 && act.kind != actTruncate && c.q.isEmpty()
	var data []byte
	switch {
	case act.kind == actRaw:
		entry.Outcome, data = OutcomeRaw, act.raw
		if fast {
			c.out, data = append(c.out, data...), nil
		}
	case act.kind == actDrop:
		entry.Outcome = OutcomeDropped
	case act.kind == actDisconnect:
		entry.Outcome = OutcomeDisconnected
	case resp == nil || req.IsOneway():
		entry.Outcome = OutcomeNoReply
		if act.kind == actTruncate {
			entry.Outcome = OutcomeDisconnected
		}
	default:
		entry.Outcome, entry.Result, entry.Remark = OutcomeReplied, resp.ResponseCode(), resp.Remark
		if fast {
			c.out = b.appendReply(c.out, c, resp)
			break
		}
		data = b.appendReply(nil, c, resp)
		if act.kind == actTruncate {
			entry.Outcome = OutcomeTruncated
			n := act.cut
			if n <= 0 || n >= len(data) {
				n = len(data) / 2
			}
			data = data[:n]
		}
	}
	b.record(entry, start)
	if fast {
		if act.disconnect {
			return serveClose
		}
		return serveNext
	}
	closeNow, stop := b.emit(c, data, act.delay, act.disconnect)
	switch {
	case closeNow:
		return serveClose
	case stop:
		return serveStop
	}
	return serveNext
}

// record journals a request's outcome.
func (b *Broker) record(e JournalEntry, start time.Time) {
	e.Duration = time.Since(start)
	b.addJournal(e)
}

// appendReply stamps the broker's version and appends the reply frame to
// dst; it returns dst unchanged if the reply cannot be encoded.
func (b *Broker) appendReply(dst []byte, c *conn, resp *protocol.Command) []byte {
	resp.Version = b.version
	resp.Language = protocol.Java
	if resp.ExtFieldsTable == 0 {
		resp.ExtFieldsTable = b.extTable
	}
	out, err := resp.AppendFrame(dst)
	if err != nil && resp.Serialize != protocol.JSON {
		b.log.Warn("reply does not fit the request's header type; answering in JSON", "remote", c.addr, "err", err)
		resp.Serialize = protocol.JSON
		out, err = resp.AppendFrame(dst)
	}
	if err != nil {
		b.log.Error("encoding reply", "remote", c.addr, "err", err)
		return dst
	}
	return out
}

// notSupported answers codes without a handler as the real broker's
// default processor does.
func (b *Broker) notSupported(c *conn, req *protocol.Command) *protocol.Command {
	b.log.Info("request code not supported", "remote", c.addr, "code", req.Code)
	return protocol.NewResponse(req, protocol.RequestCodeNotSupported,
		fmt.Sprintf(" request type %d not supported", req.Code))
}

// errorReply answers a request whose header or body does not decode.
func errorReply(req *protocol.Command, err error) *protocol.Command {
	return protocol.NewResponse(req, protocol.SystemError, err.Error())
}

// errMissingBody says which request came without the body it needs.
func errMissingBody(request, body string) error {
	return fmt.Errorf("%s: the body (%s) is missing", request, body)
}
