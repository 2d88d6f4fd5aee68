package producers

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/fake"
	"gotest.tools/v3/assert"
)

// A scan that drops more than expireChunk entries lets the lock go in
// between, and still drops exactly the expired entries, keeps the others
// in order, removes emptied groups and reports every change once, in
// group order.
func TestScanDropsManyEntriesInChunks(t *testing.T) {
	f := newPMFixture(false)
	const big = 2*expireChunk + 100 // two pauses inside PG_a
	var fresh []string
	register := func(group string, i int) {
		ch := f.channel(fmt.Sprintf("10.0.%d.%d:%d", i>>8, i&255, 1000+i), true)
		f.pm.RegisterProducer(group, pmInfo(ch, fmt.Sprintf("c%d", i)))
	}
	for i := range big {
		register("PG_a", i)
	}
	for i := big; i < big+10; i++ {
		register("PG_b", i)
	}
	// Half a minute later, every 100th producer of PG_a and one of PG_c
	// send their first heartbeat.
	f.clock.Advance(30 * time.Second)
	for i := 0; i < big; i += 100 {
		register("PG_a", big+100+i) // new channel, new entry at the end
		fresh = append(fresh, fmt.Sprintf("c%d", big+100+i))
	}
	register("PG_c", 2*big+500)
	// Enough fresh producers that finding the expired ones takes pauses too.
	for i := range 2 * expireChunk * 8 {
		register(fmt.Sprintf("PG_fresh_%d", i%64), 3*big+i)
	}
	f.events.Take()
	f.clock.Advance(DefaultExpiry)

	// Meanwhile heartbeats keep coming, some for new groups; each takes
	// the lock.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				f.pm.GroupOnline("PG_x")
				if i < 1000 {
					f.pm.RegisterProducer(fmt.Sprintf("PG_new_%d", i), pmInfo(f.channel(fmt.Sprintf("10.9.%d.%d:1", i>>8, i&255), true), "new"))
				}
			}
		}
	}()
	n := f.pm.ScanNotActiveChannel()
	close(stop)
	wg.Wait()

	assert.Equal(t, n, big+10)
	infos, ok := f.pm.Group("PG_a")
	assert.Assert(t, ok)
	var ids []string
	for _, in := range infos {
		ids = append(ids, in.ClientID)
	}
	assert.DeepEqual(t, ids, fresh)
	_, ok = f.pm.Group("PG_b")
	assert.Assert(t, !ok, "PG_b was emptied and stays")
	infos, _ = f.pm.Group("PG_c")
	assert.Equal(t, len(infos), 1)
	infos, _ = f.pm.Group("PG_fresh_0")
	assert.Equal(t, len(infos), 2*expireChunk*8/64)

	// Events: the expiries of PG_a in registration order, then PG_b's and
	// its removal; each expired channel's close event finds it gone.
	var kinds []string
	counts := map[string]int{}
	for _, line := range f.events.Take() {
		k := strings.Join(strings.Fields(line)[:2], " ")
		if strings.HasPrefix(k, "registered PG_new_") {
			continue
		}
		counts[k]++
		if len(kinds) == 0 || kinds[len(kinds)-1] != k {
			kinds = append(kinds, k)
		}
	}
	assert.DeepEqual(t, kinds, []string{"expired PG_a", "expired PG_b", "group-removed PG_b"})
	assert.DeepEqual(t, counts, map[string]int{"expired PG_a": big, "expired PG_b": 10, "group-removed PG_b": 1})
}

// The scan delivers the notices of a mass expiry itself: a heartbeat that
// takes the lock at one of its pauses does not end up delivering them on
// its event loop.
func TestScanDeliversItsOwnNotices(t *testing.T) {
	clock := fake.NewClock(pmT0)
	var mu sync.Mutex
	var inRegister, expired int
	var pm *Manager
	// Logging the expiries, as a broker does, makes each chunk hold the
	// lock long enough (over 1 ms) for a waiting heartbeat to be handed it.
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	pm = New(Config{Now: clock.Now, Logger: logger, OnEvent: func(ev Event) {
		if ev.Kind != EventExpired {
			return
		}
		pcs := make([]uintptr, 64)
		frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
		mu.Lock()
		defer mu.Unlock()
		expired++
		for {
			f, more := frames.Next()
			if strings.HasSuffix(f.Function, "(*Manager).register") {
				inRegister++
				return
			}
			if !more {
				return
			}
		}
	}})
	for i := range 8 * expireChunk {
		pm.RegisterProducer("PG", pmInfo(fake.NewChannel(fmt.Sprintf("10.0.%d.%d:1", i>>8, i&255)), fmt.Sprintf("c%d", i)))
	}
	clock.Advance(DefaultExpiry + time.Second)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // heartbeats
		defer wg.Done()
		ch := fake.NewChannel("10.9.9.9:1")
		for {
			select {
			case <-stop:
				return
			default:
				pm.RegisterProducer("PG_hb", pmInfo(ch, "hb"))
			}
		}
	}()
	assert.Equal(t, pm.ScanNotActiveChannel(), 8*expireChunk)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, expired, 8*expireChunk)
	assert.Equal(t, inRegister, 0, "expiry events delivered by a heartbeat")
}
