package mockbroker

import (
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"
	"github.com/rocketmock/rocketmock/protocol"
)

// server is the gnet event handler: bytes in, frames, commands, replies out.
type server struct {
	gnet.BuiltinEventEngine
	b      *Broker
	booted chan<- error
}

// conn is one client connection; it is the Channel ProducerManager keys by.
type conn struct {
	gc     gnet.Conn
	addr   string // peer "ip:port"
	active atomic.Bool
	out    []byte // replies of the OnTraffic call in progress (event loop only)
}

func (c *conn) RemoteAddr() string { return c.addr }
func (c *conn) IsActive() bool     { return c.active.Load() }
func (c *conn) IsWritable() bool   { return c.active.Load() }

// Close asks the event loop to close the connection; OnClose follows.
func (c *conn) Close() error {
	if !c.active.Load() {
		return nil
	}
	return c.gc.Close()
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
	c := &conn{gc: gc, addr: gc.RemoteAddr().String()}
	c.active.Store(true)
	gc.SetContext(c)
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
	s.b.connsMu.Lock()
	delete(s.b.conns, c)
	s.b.connsMu.Unlock()
	s.b.log.Debug("connection closed", "remote", c.addr, "err", err)
	s.b.producers.DoChannelCloseEvent(c.addr, c)
	return gnet.None
}

// OnTraffic decodes every whole frame buffered so far, answers each in
// order and writes the replies at once. A corrupt stream closes the
// connection, as Netty's decoder does; other connections carry on.
func (s *server) OnTraffic(gc gnet.Conn) gnet.Action {
	c := gc.Context().(*conn)
	c.out = c.out[:0]
	action := gnet.None
	for gc.InboundBuffered() >= 4 {
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
		if err == nil && s.b.cfg.observer != nil {
			s.b.cfg.observer(Received{Remote: c.addr, Frame: append([]byte(nil), raw...), Command: cmd})
		}
		_, _ = gc.Discard(n)
		if err != nil {
			s.b.log.Warn("closing connection: bad frame", "remote", c.addr, "err", err)
			action = gnet.Close
			break
		}
		if !s.b.serve(c, cmd) {
			action = gnet.Close
			break
		}
	}
	if len(c.out) > 0 {
		if _, err := gc.Write(c.out); err != nil {
			s.b.log.Warn("writing replies", "remote", c.addr, "err", err)
			return gnet.Close
		}
	}
	if cap(c.out) > 64<<10 {
		c.out = nil // do not pin a large buffer on an idle connection
	}
	return action
}

// handlerFunc answers one request; a nil reply sends nothing.
type handlerFunc func(c *conn, req *protocol.Command) *protocol.Command

// serve dispatches one command and appends its reply to c.out. It reports
// false when the connection must close (a handler panicked).
func (b *Broker) serve(c *conn, req *protocol.Command) (ok bool) {
	if req.IsResponse() {
		// Nothing the broker sends expects a reply yet; drop it as Java
		// drops responses it has no pending request for.
		b.log.Debug("dropping unmatched response", "remote", c.addr, "opaque", req.Opaque, "code", req.Code)
		return true
	}
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("handler panicked; closing the connection", "remote", c.addr,
				"code", req.RequestCode().String(), "panic", p, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	h := b.handlers[req.RequestCode()]
	if h == nil {
		h = b.notSupported
	}
	resp := h(c, req)
	if resp == nil || req.IsOneway() {
		return true
	}
	b.appendReply(c, resp)
	return true
}

// appendReply stamps the broker's version and writes the reply to c.out.
func (b *Broker) appendReply(c *conn, resp *protocol.Command) {
	resp.Version = b.version
	resp.Language = protocol.Java
	if resp.ExtFieldsTable == 0 {
		resp.ExtFieldsTable = b.extTable
	}
	out, err := resp.AppendFrame(c.out)
	if err != nil && resp.Serialize != protocol.JSON {
		b.log.Warn("reply does not fit the request's header type; answering in JSON", "remote", c.addr, "err", err)
		resp.Serialize = protocol.JSON
		out, err = resp.AppendFrame(c.out)
	}
	if err != nil {
		b.log.Error("encoding reply", "remote", c.addr, "err", err)
		return
	}
	c.out = out
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
