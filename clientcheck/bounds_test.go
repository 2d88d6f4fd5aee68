package clientcheck

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/fake"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// entries counts what the watch keeps.
func (w *Watch) entries() (conns, opaques, heartbeats, findings, queued int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.conns {
		opaques += len(c.opaques) + len(c.opaqueRing)
		heartbeats += len(c.heartbeats)
	}
	return len(w.conns), opaques, heartbeats, len(w.findings), len(w.opened) + len(w.closed)
}

// A long run keeps what the watch holds bounded: per connection a window
// of opaques and heartbeat times, a cap on connections followed, a cap on
// findings per check with a count of the rest (issue 12, item 10).
func TestWatchStaysBoundedOverALongRun(t *testing.T) {
	clock := fake.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	w := NewWatch()
	w.now = clock.Now
	w.opaqueWindow, w.heartbeatWindow, w.maxConns, w.maxFindings = 16, 8, 20, 5
	b := mockbroker.Start(t, w.Option())
	w.Watch(b)

	// One connection, 2,000 heartbeats 5 s apart.
	eager := dialT(t, b.Addr())
	var last int32 // the opaque of the latest heartbeat
	for range 2000 {
		clock.Advance(5 * time.Second)
		resp, err := eager.Call(heartbeatCmd("10.0.0.7@eager"))
		assert.NilError(t, err)
		assert.Equal(t, resp.Code, int32(0))
		last = resp.Opaque
	}
	_, opaques, heartbeats, _, _ := w.entries()
	assert.Assert(t, opaques <= 2*16, "opaques kept: %d", opaques)
	assert.Assert(t, heartbeats <= 8, "heartbeat times kept: %d", heartbeats)
	// A recent opaque reused is found; one out of the window is not kept.
	again := heartbeatCmd("10.0.0.7@eager")
	again.Opaque = last
	assert.NilError(t, eager.Send(again))
	_, err := eager.ReadResponse()
	assert.NilError(t, err)
	r := w.Report()
	assert.Equal(t, len(r.Of(CheckDuplicateOpaque)), 1)
	assert.Equal(t, len(r.Of(CheckHeartbeatInterval)), 1)
	assert.Equal(t, r.Of(CheckHeartbeatInterval)[0].Detail, "heartbeats every 5s (median of 7 intervals); documented: every 30s")

	// 100 producers close without unregistering; 50 connections that never
	// register come and go.
	for i := range 100 {
		c := dialT(t, b.Addr())
		_, err := c.Call(heartbeatCmd(fmt.Sprintf("10.0.1.%d@go", i), "PG"))
		assert.NilError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		assert.NilError(t, b.WaitProducers(ctx, "PG", 1))
		cancel()
		c.Close()
		ctx, cancel = context.WithTimeout(t.Context(), 5*time.Second)
		assert.NilError(t, b.WaitProducers(ctx, "PG", 0))
		cancel()
	}
	for range 50 {
		c := dialT(t, b.Addr())
		_, err := c.Call(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
		assert.NilError(t, err)
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = w.Report()
		if r.Omitted[CheckCloseWithoutUnregister]+len(r.Of(CheckCloseWithoutUnregister)) >= 100 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	conns, _, _, findings, queued := w.entries()
	assert.Assert(t, conns <= 20, "connections followed: %d", conns)
	assert.Assert(t, queued <= 2*(2*20+16), "eviction queues: %d", queued)
	assert.Assert(t, findings <= 4*5, "findings kept: %d", findings)
	assert.Equal(t, r.Connections, 151)
	assert.Equal(t, r.Requests, 2001+100+50)
	assert.Equal(t, len(r.Of(CheckCloseWithoutUnregister)), 5)
	assert.Equal(t, r.Omitted[CheckCloseWithoutUnregister], 95)
	assert.Assert(t, r.Forgotten >= 151-20, "forgotten: %d", r.Forgotten)
	assert.Assert(t, len(r.String()) < 4000, "%d bytes:\n%s", len(r.String()), r)
	assert.Assert(t, containsLine(r.String(), "  … and 95 more close-without-unregister findings"), r.String())
}

// With the default bounds, 30,000 short connections and 200,000 requests
// leave at most MaxTrackedConns connections behind.
func TestWatchDefaultBoundsOverManyConnections(t *testing.T) {
	w := NewWatch()
	frame := func(opaque int32) mockbroker.Received {
		cmd := protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil)
		cmd.Opaque = opaque
		return mockbroker.Received{Remote: "", Command: cmd}
	}
	n := 0
	for i := range 30_000 {
		addr := fmt.Sprintf("10.%d.%d.%d:%d", i>>16, (i>>8)&255, i&255, 1000+i%50000)
		for range 6 {
			r := frame(int32(n))
			r.Remote = addr
			w.observe(r)
			n++
		}
	}
	// One connection with 20,000 requests more.
	for i := range 20_000 {
		r := frame(int32(i))
		r.Remote = "10.9.9.9:1"
		w.observe(r)
	}
	conns, opaques, _, _, queued := w.entries()
	assert.Equal(t, conns, MaxTrackedConns)
	assert.Assert(t, opaques <= 2*OpaqueWindow*MaxTrackedConns, "%d", opaques)
	assert.Assert(t, queued <= 2*(2*MaxTrackedConns+16), "%d", queued)
	r := w.Report()
	assert.Equal(t, r.Connections, 30_001)
	assert.Equal(t, r.Requests, 200_000)
	assert.Equal(t, r.Forgotten, 30_001-MaxTrackedConns)
}

func containsLine(s, line string) bool {
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		if s[:i] == line {
			return true
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return false
}
