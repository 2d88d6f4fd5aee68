package mockbroker

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/protocol"
)

// TestMemorySoak runs, for 20 s (ROCKETMOCK_MEMSOAK=60s for the full
// one), what grew the broker without bound before issue 12: sends whose
// error remark echoes a 1 MiB field, zlib bombs, sends to ever new
// topics, and senders that connect, send and close. The heap after a GC
// must stay under the configured budgets plus 100 MB. Skipped under
// -short.
func TestMemorySoak(t *testing.T) {
	if testing.Short() {
		t.Skip("memory soak: skipped under -short")
	}
	run := 20 * time.Second
	if v := os.Getenv("ROCKETMOCK_MEMSOAK"); v != "" {
		d, err := time.ParseDuration(v)
		assert.NilError(t, err, "ROCKETMOCK_MEMSOAK: want a Go duration such as 60s")
		run = d
	}
	// Bounds lower than the defaults, so that a 20 s run reaches them.
	const (
		messageLimit = 1_000
		journalBytes = 1 << 20
		margin       = 100 << 20
	)
	var bomb bytes.Buffer
	zw := zlib.NewWriter(&bomb)
	_, err := zw.Write(make([]byte, 8<<20))
	assert.NilError(t, err)
	assert.NilError(t, zw.Close())
	// Budgets: the journal's bytes, the kept messages (bombs stay
	// compressed, so each body is at most the bomb's size), the message
	// store's bytes (internal/store), and the closed senders' counts and
	// topics (small, in the margin).
	budget := uint64(journalBytes) + messageLimit*uint64(bomb.Len()+1024) + 64<<20

	b := Start(t, WithMessageLimit(messageLimit), WithJournalLimit(1_000_000), WithJournalBytes(journalBytes),
		WithTopicLimit(1_000), WithClosedSenderLimit(200), WithLogger(slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	base := heapAfterGC()
	deadline := time.Now().Add(run)
	huge := strings.Repeat("f", 1<<20)

	var mu sync.Mutex
	counts := map[string]int{}
	var peak uint64
	var wg sync.WaitGroup
	// call sends a request and reads its reply; a slow one (-race on a
	// loaded machine) is not a failure, a lost one is.
	call := func(name string, c *rawClient, cmd *protocol.Command) bool {
		frame, err := cmd.Encode()
		if err == nil {
			_, err = c.Write(frame)
		}
		if err == nil {
			_, err = c.tryRead(30 * time.Second)
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return false
		}
		return true
	}
	work := func(name string, conn bool, step func(c *rawClient, i int) bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c *rawClient
			for i := 0; time.Now().Before(deadline); i++ {
				if conn || c == nil {
					nc, err := net.DialTimeout("tcp", b.Addr(), 2*time.Second)
					if err != nil {
						t.Errorf("%s: %v", name, err)
						return
					}
					if c != nil {
						c.Close()
					}
					c = newRawClient(t, nc)
				}
				ok := step(c, i)
				if conn || !ok {
					c.Close()
				}
				if !ok {
					return
				}
				mu.Lock()
				counts[name]++
				mu.Unlock()
			}
			if c != nil {
				c.Close()
			}
		}()
	}
	const errorsW, bombsW, topicsW, sendersW = "1 MiB error fields", "zlib bombs", "new topics", "closed senders"
	work(errorsW, false, func(c *rawClient, i int) bool {
		return call(errorsW, c, sendCmd("PG", huge, 9, "", []byte("x")))
	})
	work(bombsW, false, func(c *rawClient, i int) bool {
		req := sendCmd("PG", "BOMB", 1, "", bomb.Bytes())
		req.ExtFields["sysFlag"] = "1"
		return call(bombsW, c, req)
	})
	work(topicsW, false, func(c *rawClient, i int) bool {
		return call(topicsW, c, sendCmd("PG", fmt.Sprintf("TOPIC_%d_%s", i, strings.Repeat("t", 100)), 1, "", []byte("x")))
	})
	work(sendersW, true, func(c *rawClient, i int) bool {
		return call(sendersW, c, heartbeatCmd(fmt.Sprintf("sender@%d@%s", i, strings.Repeat("s", 4<<10)), protocol.Go, 317, "PG_SENDERS")) &&
			call(sendersW, c, sendCmd("PG_SENDERS", "SENDERS", 1, "", make([]byte, 4<<10)))
	})
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case <-tick.C:
		}
		if h := heapAfterGC(); h > peak {
			peak = h
		}
	}
	final := heapAfterGC()
	topics, topicMsgs := b.TopicsDropped()
	senders, _ := b.SendCountsDropped()
	t.Logf("memory soak %v: %v", run, counts)
	t.Logf("heap after GC: base %d MiB, peak %d MiB, final %d MiB; budget %d MiB + margin %d MiB",
		base>>20, peak>>20, final>>20, budget>>20, margin>>20)
	t.Logf("dropped: journal %d entries (%d KiB), messages %d, topics %d (%d messages), closed senders %d",
		b.JournalDropped(), b.JournalDroppedBytes()>>10, b.MessagesDropped(), topics, topicMsgs, senders)
	assert.Assert(t, peak <= base+budget+margin, "peak heap %d MiB over base %d MiB + budget %d MiB + margin %d MiB",
		peak>>20, base>>20, budget>>20, margin>>20)
	for _, m := range b.LastMessages("BOMB", 1) {
		assert.Assert(t, m.Compressed && len(m.Body) == bomb.Len(), "a bomb was inflated: %d bytes", len(m.Body))
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
