package remoting

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// Handler answers one request on a connection. It runs on the
// connection's event loop: it must not block. Requests of one connection
// reach it one at a time, in order.
type Handler func(c *Conn, req *protocol.Command) Reply

// Middleware wraps a Handler, e.g. to recover panics, log requests or
// replace replies.
type Middleware func(Handler) Handler

// Chain wraps h in the middleware; the first one is the outermost.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Reply is what a handler writes back for one request. The zero Reply
// writes nothing.
type Reply struct {
	// Command is encoded and written, except to a oneway request (the
	// client reads no reply to it). The server writes it as given: set the
	// opaque (protocol.NewResponse does), version and language.
	Command *protocol.Command
	// Raw, if not nil, is written as is instead of Command, to oneway
	// requests too.
	Raw []byte
	// Delay holds the reply back. Replies to later requests on the
	// connection wait behind it: nothing overtakes.
	Delay time.Duration
	// Truncate writes only the first TruncateAt bytes of Command's frame
	// (TruncateAt <= 0 or beyond the frame: half of it); combine it with
	// Close to leave the client with a frame cut short.
	Truncate   bool
	TruncateAt int
	// Close closes the connection once the reply is written (at once if
	// there is nothing to write); requests after this one are not served.
	Close bool
}

// Respond returns a Reply that writes cmd.
func Respond(cmd *protocol.Command) Reply { return Reply{Command: cmd} }

// Mux routes requests to handlers by request code. Responses the client
// sends that answer no request of the server (see Conn.Request), and
// requests of codes nobody registered, go to their fallbacks.
type Mux struct {
	mu sync.Mutex // serializes Handle
	// dense holds the handlers of codes below denseCodes (every code a
	// RocketMQ server serves), sparse the others; both are read per
	// request without locking, and Handle is O(1) for dense codes.
	dense     [denseCodes]atomic.Pointer[Handler]
	sparse    atomic.Pointer[map[protocol.RequestCode]Handler]
	fallback  Handler
	responses Handler
}

// denseCodes bounds the request codes the mux keeps in its array.
const denseCodes = 1024

// lookup returns the handler of code, nil if none.
func (m *Mux) lookup(code protocol.RequestCode) Handler {
	if code >= 0 && code < denseCodes {
		if p := m.dense[code].Load(); p != nil {
			return *p
		}
		return nil
	}
	if sp := m.sparse.Load(); sp != nil {
		return (*sp)[code]
	}
	return nil
}

// NewMux returns a mux that answers unregistered codes with
// REQUEST_CODE_NOT_SUPPORTED (3), as a RocketMQ server does, and ignores
// unmatched responses.
func NewMux() *Mux {
	return &Mux{fallback: NotSupported, responses: func(*Conn, *protocol.Command) Reply { return Reply{} }}
}

// Handle registers h for code. It panics if code already has a handler:
// two handlers for one code is a programming error.
func (m *Mux) Handle(code protocol.RequestCode, h Handler) {
	if h == nil {
		panic(fmt.Sprintf("remoting: nil handler for %s", code))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lookup(code) != nil {
		panic(fmt.Sprintf("remoting: %s (%d) registered twice", code, int32(code)))
	}
	if code >= 0 && code < denseCodes {
		m.dense[code].Store(&h)
		return
	}
	var old map[protocol.RequestCode]Handler
	if sp := m.sparse.Load(); sp != nil {
		old = *sp
	}
	next := make(map[protocol.RequestCode]Handler, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[code] = h
	m.sparse.Store(&next)
}

// Fallback sets the handler of requests whose code has none. Call it
// before serving.
func (m *Mux) Fallback(h Handler) { m.fallback = h }

// Responses sets the handler of responses that answer no request of the
// server. Call it before serving.
func (m *Mux) Responses(h Handler) { m.responses = h }

// Handles reports whether code has a handler.
func (m *Mux) Handles(code protocol.RequestCode) bool {
	return m.lookup(code) != nil
}

// Serve routes one request; it is the mux as a Handler.
func (m *Mux) Serve(c *Conn, req *protocol.Command) Reply {
	if req.IsResponse() {
		return m.responses(c, req)
	}
	if h := m.lookup(req.RequestCode()); h != nil {
		return h(c, req)
	}
	return m.fallback(c, req)
}

// NotSupported answers REQUEST_CODE_NOT_SUPPORTED (3) with the remark a
// RocketMQ server gives.
func NotSupported(_ *Conn, req *protocol.Command) Reply {
	return Respond(protocol.NewResponse(req, protocol.RequestCodeNotSupported,
		fmt.Sprintf(" request type %d not supported", req.Code)))
}
