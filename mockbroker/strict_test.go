package mockbroker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// recordingT is a testing.TB whose cleanups and errors the test runs and
// reads itself.
type recordingT struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *recordingT) Helper()                   {}
func (r *recordingT) Cleanup(f func())          { r.cleanups = append(r.cleanups, f) }
func (r *recordingT) Error(args ...any)         { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recordingT) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recordingT) Log(...any)                {}
func (r *recordingT) Logf(string, ...any)       {}

func (r *recordingT) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestStrictFailsTheTestWithAReport(t *testing.T) {
	rt := &recordingT{TB: t}
	b := Start(rt, WithStrict())
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	for range 2 {
		resp := c.call(&protocol.Command{Code: 9999})
		assert.Equal(t, resp.Code, int32(3), "still answered like a real broker")
	}
	c.call(protocol.NewRequest(protocol.QueryMessage, map[string]string{}, nil))
	// Intercepted codes count as handled, whatever the handler table says.
	b.Intercept(protocol.QueryConsumerOffset, FaultCode(protocol.QueryNotFound, "Not found"))
	c.call(protocol.NewRequest(protocol.QueryConsumerOffset, map[string]string{}, nil))

	rt.runCleanups()
	assert.Equal(t, len(rt.errors), 1)
	lines := strings.Split(rt.errors[0], "\n")
	assert.Equal(t, len(lines), 3, rt.errors[0])
	assert.Assert(t, is.Contains(lines[0], "3 request(s) were not handled"))
	assert.Assert(t, is.Contains(lines[1], "code 9999, which RocketMQ does not define, from "+localAddr(c)+" (client c@1): 2 times, first at "))
	assert.Assert(t, is.Contains(lines[2], "QUERY_MESSAGE (12), which the mock does not serve, from "+localAddr(c)+" (client c@1): once"))

	got := b.Unhandled()
	assert.Equal(t, len(got), 2)
	assert.Equal(t, got[0].Known, false)
	assert.Equal(t, got[1].Known, true)
}

func TestStrictQuietWhenEverythingWasHandled(t *testing.T) {
	rt := &recordingT{TB: t}
	b := Start(rt, WithStrict())
	dial(t, b.Addr()).call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	rt.runCleanups()
	assert.Equal(t, len(rt.errors), 0)
	assert.Equal(t, b.StrictReport(), "")

	// Without WithStrict, New and Start keep the report for whoever asks.
	loose, err := New()
	assert.NilError(t, err)
	defer loose.Close()
	dial(t, loose.Addr()).call(&protocol.Command{Code: 9999})
	assert.Assert(t, is.Contains(loose.StrictReport(), "code 9999"))
}

func TestUnhandledLogIsBounded(t *testing.T) {
	var l unhandledLog
	for i := range maxUnhandledKinds + 5 {
		l.add(protocol.RequestCode(20000+i), ConnInfo{ID: 1}, time.Unix(0, 0))
	}
	l.add(protocol.RequestCode(20000), ConnInfo{ID: 1}, time.Unix(0, 0)) // a kept kind still counts
	assert.Equal(t, len(l.list), maxUnhandledKinds)
	assert.Equal(t, l.overflow, 5)
	assert.Equal(t, l.list[0].Count, 2)
}
