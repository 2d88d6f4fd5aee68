package mockbroker

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// Panic is a panic the broker recovered from while serving a request: in
// a handler, an interceptor or a request observer. The broker logged it,
// closed the connection it happened on and carried on.
type Panic struct {
	Conn  ConnInfo
	Code  protocol.RequestCode
	Value string // the panic value, formatted with %v
	Stack string
}

// String describes the panic on one line, without the stack.
func (p Panic) String() string {
	return fmt.Sprintf("panic serving %s from %s: %s", p.Code, p.Conn.Addr, p.Value)
}

// maxPanics is how many panics a broker keeps until TakePanics.
const maxPanics = 100

// panicLog keeps recovered panics for TakePanics and Start.
type panicLog struct {
	mu      sync.Mutex
	list    []Panic
	dropped int
}

// recovered logs and keeps a panic recovered on the event loop.
func (b *Broker) recovered(c *conn, code protocol.RequestCode, where string, v any) {
	p := Panic{Conn: c.info(), Code: code, Value: fmt.Sprint(v), Stack: string(debug.Stack())}
	b.log.Error(where+" panicked; closing the connection", "remote", c.addr,
		"code", code.String(), "panic", p.Value, "stack", p.Stack)
	b.panics.mu.Lock()
	defer b.panics.mu.Unlock()
	if len(b.panics.list) >= maxPanics {
		b.panics.dropped++
		return
	}
	b.panics.list = append(b.panics.list, p)
}

// TakePanics returns the panics recovered since the start (or the last
// TakePanics) and forgets them. A broker from Start fails its test with
// those still kept when the test ends; a test that provokes a panic on
// purpose takes it with TakePanics.
func (b *Broker) TakePanics() []Panic {
	b.panics.mu.Lock()
	defer b.panics.mu.Unlock()
	out := b.panics.list
	if b.panics.dropped > 0 {
		out = append(out, Panic{Value: fmt.Sprintf("%d more panics were not kept", b.panics.dropped)})
	}
	b.panics.list, b.panics.dropped = nil, 0
	return out
}

// failOnPanics makes t fail at cleanup with the panics not taken.
// Registered before Close's cleanup, it runs after it, when nothing can
// panic any more.
func (b *Broker) failOnPanics(t TB) {
	t.Cleanup(func() {
		ps := b.TakePanics()
		if len(ps) == 0 {
			return
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "mockbroker: %d panic(s) recovered while serving requests (take expected ones with TakePanics):", len(ps))
		for _, p := range ps {
			sb.WriteString("\n  ")
			sb.WriteString(p.String())
			if p.Stack != "" {
				sb.WriteString("\n")
				sb.WriteString(p.Stack)
			}
		}
		t.Errorf("%s", sb.String())
	})
}

// recovering is the pipeline's recover step: a handler or interceptor that
// panics closes its connection, after the replies already decided, and the
// panic is logged and kept.
func (b *Broker) recovering(next remoting.Handler) remoting.Handler {
	return func(rc *remoting.Conn, req *protocol.Command) (r remoting.Reply) {
		defer func() {
			if p := recover(); p != nil {
				c := connOf(rc)
				b.recovered(c, req.RequestCode(), "handler or interceptor", p)
				c.req.outcome = OutcomeFailed
				r = remoting.Reply{Close: true}
			}
		}()
		return next(rc, req)
	}
}

// observing hands each request frame to the request observer.
func (b *Broker) observing(rc *remoting.Conn, frame []byte, req *protocol.Command) bool {
	c := connOf(rc)
	return b.observe(c, Received{Remote: c.addr, Frame: append([]byte(nil), frame...), Command: req})
}

// observe calls the request observer; it reports false, after logging and
// keeping the panic, if the observer panicked.
func (b *Broker) observe(c *conn, r Received) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			b.recovered(c, r.Command.RequestCode(), "request observer", v)
			ok = false
		}
	}()
	b.cfg.observer(r)
	return true
}
