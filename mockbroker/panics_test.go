package mockbroker

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// ownerTB stands in for the test that owns a broker from Start: it keeps
// what Start reports with Error and runs the cleanups when told, so a
// test can check that Start fails its owner.
type ownerTB struct {
	testing.TB // the real test, for logging and helpers

	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (o *ownerTB) Error(args ...any) { o.record(fmt.Sprint(args...)) }
func (o *ownerTB) Errorf(format string, args ...any) {
	o.record(fmt.Sprintf(format, args...))
}

func (o *ownerTB) record(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.errors = append(o.errors, s)
}

func (o *ownerTB) Cleanup(f func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cleanups = append(o.cleanups, f)
}

// end runs the cleanups, last first, as the testing package does when the
// owner ends, and returns what they reported.
func (o *ownerTB) end() []string {
	o.mu.Lock()
	fs := o.cleanups
	o.cleanups = nil
	o.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.errors
}

// A panic in a handler, an interceptor or a request observer closes only
// the connection it happened on, is logged with its stack, fails the test
// that owns the broker when it ends, and the broker carries on.
func TestPanicsAreRecoveredReportedAndFailTheOwner(t *testing.T) {
	const boomCode = protocol.RequestCode(9998)
	tests := []struct {
		name  string
		opts  func(panicking func() bool) []Option
		arm   func(b *Broker, from func() string)
		where string
	}{
		{
			name: "handler",
			arm: func(b *Broker, _ func() string) {
				b.mux.Handle(boomCode, handle(func(*conn, *protocol.Command) *protocol.Command { panic("boom in a handler") }))
			},
			where: "handler or interceptor",
		},
		{
			name: "interceptor",
			arm: func(b *Broker, from func() string) {
				b.Intercept(boomCode, func(r *Request) Action {
					if r.Conn.Addr == from() {
						panic("boom in an interceptor")
					}
					return Pass()
				})
			},
			where: "handler or interceptor",
		},
		{
			name: "request observer",
			opts: func(panicking func() bool) []Option {
				return []Option{WithRequestObserver(func(r Received) {
					if r.Command.Code == int32(boomCode) && panicking() {
						panic("boom in an observer")
					}
				})}
			},
			where: "request observer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner := &ownerTB{TB: t}
			logs := newLogCapture(0)
			var mu sync.Mutex
			badAddr := ""
			from := func() string { mu.Lock(); defer mu.Unlock(); return badAddr }
			opts := []Option{WithLogger(logs.logger(nil))}
			if tt.opts != nil {
				opts = append(opts, tt.opts(func() bool { return from() != "" })...)
			}
			b := Start(owner, opts...)
			if tt.arm != nil {
				tt.arm(b, from)
			}
			good := dial(t, b.Addr())
			assert.Equal(t, good.call(heartbeatCmd("good@1", protocol.Go, 317, "PG")).Code, int32(0))
			bad := dial(t, b.Addr())
			bad.call(heartbeatCmd("bad@1", protocol.Go, 317, "BAD"))
			mu.Lock()
			badAddr = localAddr(bad)
			mu.Unlock()

			bad.send(&protocol.Command{Code: int32(boomCode), Language: protocol.Go, Version: 317})
			_, err := bad.tryRead(5 * time.Second)
			assert.Assert(t, err == io.EOF || (err != nil && !isTimeout(err)), "want the connection closed, got %v", err)
			assert.NilError(t, b.WaitProducers(ctxT(t), "BAD", 0))
			rec, ok := logs.wait(2*time.Second, remoteIs(badAddr, tt.where+" panicked; closing the connection", ""))
			assert.Assert(t, ok, "want the panic logged:\n%s", logs.dump())
			assert.Equal(t, rec.Level.String(), "ERROR")
			assert.Assert(t, is.Contains(rec.Attrs["panic"], "boom"))
			assert.Assert(t, is.Contains(rec.Attrs["stack"], "panics_test.go"), "the stack shows where")

			// The broker carries on: the good client is served, its state intact.
			_, pc := connections(t, good, "PG", protocol.JSON)
			assert.DeepEqual(t, pc.ConnectionSet, []protocol.Connection{{ClientAddr: localAddr(good), ClientID: "good@1", Language: protocol.Go, Version: 317}})

			errs := owner.end()
			assert.Equal(t, len(errs), 1, "Start fails its owner once: %q", errs)
			assert.Assert(t, is.Contains(errs[0], "1 panic(s) recovered while serving requests"))
			assert.Assert(t, is.Contains(errs[0], "panic serving RequestCode(9998) from "+badAddr+": boom"))
			assert.Assert(t, b.closed.Load(), "the broker was closed by the cleanup, before the report")
		})
	}
}

func TestTakePanicsKeepsTheOwnerPassing(t *testing.T) {
	owner := &ownerTB{TB: t}
	b := Start(owner, WithLogger(newLogCapture(0).logger(nil)))
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { panic("expected") })
	c := dial(t, b.Addr())
	c.send(clusterInfoCmd())
	_, err := c.tryRead(5 * time.Second)
	assert.Assert(t, err != nil && !isTimeout(err), "want the connection closed, got %v", err)
	ps := b.TakePanics()
	assert.Equal(t, len(ps), 1)
	assert.Equal(t, ps[0].Value, "expected")
	assert.Equal(t, ps[0].Code, protocol.GetBrokerClusterInfo)
	assert.Equal(t, ps[0].Conn.Addr, localAddr(c))
	assert.Assert(t, strings.Contains(ps[0].Stack, "panics_test.go"))
	assert.Equal(t, len(b.TakePanics()), 0, "taken panics are forgotten")
	assert.DeepEqual(t, owner.end(), []string(nil))
}
