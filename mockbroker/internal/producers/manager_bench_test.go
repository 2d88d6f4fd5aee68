package producers

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/fake"
	"github.com/rocketmock/rocketmock/protocol"
)

// Benchmarks of the Manager operations behind HEART_BEAT (register
// and refresh), 204 (Group), connection close and the expiry scan, at the
// sizes of issue 7: 8,000 producers in a group, 100,000 in the table.

// benchChannel is a Channel without locks. Closing it runs the close
// event at once, as a virtual producer's does (a TCP connection's follows
// on its event loop).
type benchChannel struct {
	addr   string
	pm     *Manager
	closed atomic.Bool
}

func (c *benchChannel) RemoteAddr() string { return c.addr }
func (c *benchChannel) IsActive() bool     { return !c.closed.Load() }
func (c *benchChannel) IsWritable() bool   { return !c.closed.Load() }
func (c *benchChannel) Close() error {
	if c.closed.CompareAndSwap(false, true) && c.pm != nil {
		c.pm.DoChannelCloseEvent(c.addr, c)
	}
	return nil
}

func benchChannels(n int) []*benchChannel {
	out := make([]*benchChannel, n)
	for i := range out {
		out[i] = &benchChannel{addr: fmt.Sprintf("10.%d.%d.%d:%d", i>>16&255, i>>8&255, i&255, 40000+i%20000)}
	}
	return out
}

func benchInfo(ch *benchChannel, i int) ClientChannelInfo {
	return ClientChannelInfo{Channel: ch, ClientID: fmt.Sprintf("10.0.0.1@%d", i), Language: protocol.Java, Version: int32(protocol.V5_3_3)}
}

// benchManager is a manager as the broker makes it: a listener that takes
// a lock per event, as the broker's event hub does, and a logger at the
// broker's default level (warn), so info lines are skipped and the scan's
// warnings are written (to nowhere).
func benchManager(clock *fake.Clock) (*Manager, *benchListener) {
	l := &benchListener{}
	cfg := Config{
		OnEvent: l.publish,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if clock != nil {
		cfg.Now = clock.Now
	}
	return New(cfg), l
}

// benchListener counts events under a lock.
type benchListener struct {
	mu     sync.Mutex
	events int
}

func (l *benchListener) publish(Event) {
	l.mu.Lock()
	l.events++
	l.mu.Unlock()
}

// fill registers n producers spread over groups groups ("PG_0"...).
func fill(pm *Manager, chans []*benchChannel, groups int) {
	for i, ch := range chans {
		ch.pm = pm
		pm.RegisterProducer(fmt.Sprintf("PG_%d", i%groups), benchInfo(ch, i))
	}
}

// BenchmarkProducerRegister adds a new producer to a group of n.
func BenchmarkProducerRegister(b *testing.B) {
	for _, n := range []int{0, 8000} {
		b.Run(fmt.Sprintf("group=%d", n), func(b *testing.B) {
			pm, _ := benchManager(nil)
			fill(pm, benchChannels(n), 1)
			chans := benchChannels(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				pm.RegisterProducers([]string{"PG_0"}, benchInfo(chans[i], i))
			}
		})
	}
}

// BenchmarkProducerRefresh is a heartbeat of a registered producer: the
// hot path of HEART_BEAT load.
func BenchmarkProducerRefresh(b *testing.B) {
	for _, n := range []int{64, 8000} {
		b.Run(fmt.Sprintf("group=%d", n), func(b *testing.B) {
			pm, _ := benchManager(nil)
			chans := benchChannels(n)
			fill(pm, chans, 1)
			groups := []string{"PG_0"}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				pm.RegisterProducers(groups, benchInfo(chans[i], i))
				if i++; i == n {
					i = 0
				}
			}
		})
	}
}

// BenchmarkProducerLookup reads a group as 204 and WaitProducers do, and
// finds a channel by client id.
func BenchmarkProducerLookup(b *testing.B) {
	for _, n := range []int{64, 8000} {
		pm, _ := benchManager(nil)
		chans := benchChannels(n)
		fill(pm, chans, 1)
		b.Run(fmt.Sprintf("Group/group=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if infos, ok := pm.Group("PG_0"); !ok || len(infos) != n {
					b.Fatal(len(infos), ok)
				}
			}
		})
		b.Run(fmt.Sprintf("FindChannel/group=%d", n), func(b *testing.B) {
			id := benchInfo(chans[n/2], n/2).ClientID
			b.ReportAllocs()
			for b.Loop() {
				if pm.FindChannel(id) == nil {
					b.Fatal("not found")
				}
			}
		})
	}
}

// BenchmarkProducerClose is the close event of one connection among n in
// groups groups (the connection is registered again outside the timer).
func BenchmarkProducerClose(b *testing.B) {
	for _, shape := range []struct{ n, groups int }{{8000, 1}, {100_000, 1000}} {
		b.Run(fmt.Sprintf("producers=%d/groups=%d", shape.n, shape.groups), func(b *testing.B) {
			pm, _ := benchManager(nil)
			chans := benchChannels(shape.n)
			fill(pm, chans, shape.groups)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				j := (i * 7919) % shape.n
				ch := chans[j]
				if !pm.DoChannelCloseEvent(ch.addr, ch) {
					b.Fatal("not registered")
				}
				b.StopTimer()
				pm.RegisterProducer(fmt.Sprintf("PG_%d", j%shape.groups), benchInfo(ch, j))
				b.StartTimer()
			}
		})
	}
}

// scanShapes are ways to hold 100,000 producers: one huge group, a
// thousand groups of a hundred, and a group per producer.
var scanShapes = []struct{ n, groups int }{{100_000, 1}, {100_000, 1000}, {100_000, 100_000}}

// stallProbe takes the manager's lock over and over from another
// goroutine, as heartbeats do, and keeps the longest wait: how long request
// handling was held up.
type stallProbe struct {
	stop  chan struct{}
	done  chan time.Duration
	armed atomic.Bool
}

func probeStalls(pm *Manager) *stallProbe {
	p := &stallProbe{stop: make(chan struct{}), done: make(chan time.Duration)}
	go func() {
		var worst time.Duration
		for {
			select {
			case <-p.stop:
				p.done <- worst
				return
			default:
			}
			armed := p.armed.Load()
			t0 := time.Now()
			pm.GroupOnline("PG_0")
			if d := time.Since(t0); armed && d > worst {
				worst = d
			}
			time.Sleep(20 * time.Microsecond)
		}
	}()
	return p
}

// report stops the probe and reports the longest wait as stall-ms.
func (p *stallProbe) report(b *testing.B) {
	close(p.stop)
	b.ReportMetric(float64((<-p.done).Microseconds())/1e3, "stall-ms")
}

// BenchmarkScan is the expiry scan over 100,000 producers of which none
// has expired: what every 10 s scan of a busy broker does. (Its effect on
// requests is BenchmarkHeartbeatDuringScan's.)
func BenchmarkScan(b *testing.B) {
	for _, shape := range scanShapes {
		b.Run(fmt.Sprintf("producers=%d/groups=%d", shape.n, shape.groups), func(b *testing.B) {
			pm, _ := benchManager(nil)
			fill(pm, benchChannels(shape.n), shape.groups)
			b.ReportAllocs()
			for b.Loop() {
				if n := pm.ScanNotActiveChannel(); n != 0 {
					b.Fatal(n)
				}
			}
		})
	}
}

// BenchmarkScanAllExpired is the scan after 100,000 producers all went
// silent: every entry is dropped, logged, reported and closed. stall-ms is
// the longest another goroutine waited for the manager's lock meanwhile.
func BenchmarkScanAllExpired(b *testing.B) {
	for _, shape := range scanShapes {
		b.Run(fmt.Sprintf("producers=%d/groups=%d", shape.n, shape.groups), func(b *testing.B) {
			clock := fake.NewClock(pmT0)
			pm, _ := benchManager(clock)
			probe := probeStalls(pm)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fill(pm, benchChannels(shape.n), shape.groups)
				clock.Advance(DefaultExpiry + time.Second)
				probe.armed.Store(true)
				b.StartTimer()
				if n := pm.ScanNotActiveChannel(); n != shape.n {
					b.Fatal(n)
				}
				probe.armed.Store(false)
			}
			probe.report(b)
		})
	}
}
