package logsink

import (
	"bufio"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/assert"
)

// A writer that blocks forever (a pipe nobody reads) neither blocks the
// logger nor Close past its timeout; the drops are counted.
func TestSinkNeverBlocksOnAStuckWriter(t *testing.T) {
	r, w, err := os.Pipe()
	assert.NilError(t, err)
	defer r.Close()
	defer w.Close()
	s := New(w, Options{})
	log := slog.New(slog.NewTextHandler(s, nil))
	start := time.Now()
	for i := range 10_000 {
		log.Info("a line that nobody will read", "i", i, "pad", strings.Repeat("x", 100))
	}
	took := time.Since(start)
	assert.Assert(t, took < 2*time.Second, "logging 10,000 lines took %v", took)
	assert.Assert(t, s.Dropped() > 0, "no drop counted")
	assert.Assert(t, s.Dropped() < 10_000, "nothing queued or written")
	start = time.Now()
	err = s.Close(100 * time.Millisecond)
	assert.Assert(t, errors.Is(err, ErrFlushTimeout), "%v", err)
	assert.Assert(t, time.Since(start) < time.Second)
	before := s.Dropped()
	log.Info("after close")
	assert.Equal(t, s.Dropped(), before+1)
}

// Once the writer takes lines again, one notice says how many were lost,
// in order, and Close flushes the rest.
func TestSinkReportsDropsWhenTheWriterRecovers(t *testing.T) {
	r, w, err := os.Pipe()
	assert.NilError(t, err)
	defer r.Close()
	s := New(w, Options{QueueLines: 4, Notice: func(n int64) []byte {
		return []byte("DROPPED " + itoa(n) + "\n")
	}})
	line := strings.Repeat("y", 1000) + "\n"
	for range 200 { // 200 KB: more than the pipe and the queue hold
		_, _ = s.Write([]byte(line))
	}
	dropped := s.Dropped()
	assert.Assert(t, dropped > 0)
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for deadline := time.Now().Add(5 * time.Second); s.queued.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	_, _ = s.Write([]byte("last\n"))
	assert.NilError(t, s.Close(5*time.Second))
	w.Close()
	var got []string
	var notices int64
	for l := range lines {
		if n, ok := strings.CutPrefix(l, "DROPPED "); ok {
			notices += parseInt(n)
		} else if l != strings.TrimSuffix(line, "\n") {
			got = append(got, l)
		}
	}
	assert.DeepEqual(t, got, []string{"last"})
	assert.Equal(t, notices, dropped, "the notices count every drop")
	assert.Equal(t, s.Dropped(), dropped, "nothing dropped once the writer took lines")
	assert.Equal(t, s.Written()+s.Dropped(), int64(201))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func parseInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func TestTruncate(t *testing.T) {
	assert.Equal(t, Truncate("short", 10), "short")
	assert.Equal(t, Truncate(strings.Repeat("a", 300), 256), strings.Repeat("a", 256)+"…(300 bytes)")
	// Never cuts a rune in half.
	assert.Equal(t, Truncate("aé", 2), "a…(3 bytes)")
	var b strings.Builder
	log := slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: TruncateAttrs(16)}))
	log.Info(strings.Repeat("m", 80), "clientId", strings.Repeat("c", 1<<20), "err", errors.New(strings.Repeat("e", 40)))
	out := b.String()
	assert.Assert(t, len(out) < 300, out)
	assert.Assert(t, strings.Contains(out, "clientId=\""+strings.Repeat("c", 16)+"…(1048576 bytes)\""), out)
	assert.Assert(t, strings.Contains(out, strings.Repeat("m", 64)+"…(80 bytes)"), out)
	assert.Assert(t, strings.Contains(out, "…(40 bytes)"), out)
}
