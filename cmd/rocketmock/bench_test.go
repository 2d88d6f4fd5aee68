package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/bench"
	"github.com/rocketmock/rocketmock/mockbroker"
	"gotest.tools/v3/assert"
)

// quietBroker starts an in-process mock that logs nothing.
func quietBroker(t *testing.T) *mockbroker.Broker {
	t.Helper()
	b, err := mockbroker.New(mockbroker.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	assert.NilError(t, err)
	t.Cleanup(b.Close)
	return b
}

// Two short runs of every request kind in turn against an in-process mock,
// each followed by the echo baseline (a second in all): the report has its
// lines, and nothing failed.
func TestBenchReportsRatesLatenciesAndNoErrors(t *testing.T) {
	b := quietBroker(t)
	sub := b.Subscribe()
	defer sub.Close()
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--addr", b.Addr(), "--kind", "mixed", "--conns", "4", "--depth", "4",
		"--idle", "3", "--warmup", "50ms", "--duration", "200ms", "--runs", "2",
		"--baseline", "--baseline-in-process"}, &out, &errb, nil)
	assert.Equal(t, code, 0, "stdout %s\nstderr %s", out.String(), errb.String())
	assert.Equal(t, errb.String(), "")

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	result := `rate=\d+/s p50=[\d.]+(us|ms) p90=[\d.]+(us|ms) p99=[\d.]+(us|ms) p999=[\d.]+(us|ms) max=[\d.]+(us|ms) errors=0 requests=[1-9]\d* reply=\d+B bench-cpu=[\d.]+`
	want := []string{
		`^bench kind=mixed addr=` + regexp.QuoteMeta(b.Addr()) + ` conns=4 depth=4 idle=3 warmup=50ms duration=200ms runs=2 serialize=json request=\d+B$`,
		`^run=1 target   ` + result + `$`,
		`^run=1 baseline ` + result + `$`,
		`^run=2 target   ` + result + `$`,
		`^run=2 baseline ` + result + `$`,
		`^median target   ` + result + `$`,
		`^median baseline ` + result + `$`,
		`^ratio rate=[\d.]+x p50=[\d.]+x p99=[\d.]+x p999=[\d.]+x \(target/baseline\)$`,
	}
	assert.Equal(t, len(lines), len(want), out.String())
	for i, re := range want {
		assert.Assert(t, regexp.MustCompile(re).MatchString(lines[i]), "line %d: %q\ndoes not match %s", i+1, lines[i], re)
	}
	// The idle producers and the load connections (the mixed kind asks
	// for 204 of the group) joined the group once per run, and left it.
	counts := map[mockbroker.ProducerEventKind]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for counts[mockbroker.EventClosed] < 2*(3+4) {
		ev, err := sub.Next(ctx)
		assert.NilError(t, err, "events so far: %v", counts)
		if ev.Group == "bench_pg" {
			counts[ev.Kind]++
		}
	}
	assert.Equal(t, counts[mockbroker.EventRegistered], 2*(3+4))
	assert.Equal(t, counts[mockbroker.EventClosed], 2*(3+4))
}

func TestBenchJSON(t *testing.T) {
	b := quietBroker(t)
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--addr", b.Addr(), "--kind", "send", "--serialize", "rocketmq", "--conns", "2",
		"--warmup", "0s", "--duration", "100ms", "--format", "json"}, &out, &errb, nil)
	assert.Equal(t, code, 0, "stdout %s\nstderr %s", out.String(), errb.String())
	var got struct {
		Kind, Serialize string
		Runs            []struct{ Target map[string]any }
		Median          struct{ Target map[string]any }
	}
	assert.NilError(t, json.Unmarshal(out.Bytes(), &got), out.String())
	assert.Equal(t, got.Kind, "send")
	assert.Equal(t, got.Serialize, "rocketmq")
	assert.Equal(t, len(got.Runs), 1)
	assert.Equal(t, got.Median.Target["errors"], 0.0)
	assert.Assert(t, got.Median.Target["requests"].(float64) > 0)
}

// A target that answers with errors makes the run fail (exit 1) and says
// which codes came back.
func TestBenchFailsOnErrorReplies(t *testing.T) {
	b, err := mockbroker.New(mockbroker.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		mockbroker.WithMissingTopics("gone"))
	assert.NilError(t, err)
	defer b.Close()
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--addr", b.Addr(), "--kind", "route", "--topic", "gone", "--conns", "1",
		"--warmup", "0s", "--duration", "50ms"}, &out, &errb, nil)
	assert.Equal(t, code, 1, "stdout %s\nstderr %s", out.String(), errb.String())
	assert.Assert(t, regexp.MustCompile(`errors=([1-9]\d*) .* error-codes=17:([1-9]\d*)\n`).MatchString(out.String()), out.String())
	assert.Assert(t, strings.HasSuffix(out.String(), "first error: reply code 17 (TOPIC_NOT_EXIST)\n"), out.String())
}

func TestBenchRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--kind", "ping"}, `--kind: kind "ping": want one of heartbeat, producers, route, send, mixed, pull`},
		{[]string{"--conns", "0"}, "--conns 0: want at least 1"},
		{[]string{"--depth", "0"}, "--depth 0: want at least 1"},
		{[]string{"--duration", "0s"}, "--duration 0s: want more than 0"},
		{[]string{"--serialize", "xml"}, `--serialize "xml": want json or rocketmq`},
		{[]string{"--format", "csv"}, `--format "csv": want text or json`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"bench"}, tc.args...), &out, &errb, nil)
		assert.Equal(t, code, 2, tc.args)
		assert.Equal(t, errb.String(), "rocketmock bench: "+tc.want+"\n")
	}
}

func TestBenchFailsWithoutTarget(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--addr", "127.0.0.1:1", "--duration", "10ms", "--timeout", "200ms"}, &out, &errb, nil)
	assert.Equal(t, code, 2)
	assert.Assert(t, strings.HasPrefix(errb.String(), "rocketmock bench: target 127.0.0.1:1: connecting to 127.0.0.1:1:"), errb.String())
}

// BenchmarkServeExecToReady starts the built binary, `serve` with its
// default flags but free ports, and times exec to the ready line on stdout
// (p50-ms, p99-ms: issue 7's figure is the median); rss-MB is the median
// RSS at the ready line.
func BenchmarkServeExecToReady(b *testing.B) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("no go tool on PATH to build the binary:", err)
	}
	bin := filepath.Join(b.TempDir(), "rocketmock")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	var took []time.Duration
	var rss []int64
	for b.Loop() {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0")
		cmd.Env = []string{}
		out, err := cmd.StdoutPipe()
		assert.NilError(b, err)
		t0 := time.Now()
		assert.NilError(b, cmd.Start())
		line, err := bufio.NewReader(out).ReadString('\n')
		took = append(took, time.Since(t0))
		rss = append(rss, bench.RSS(cmd.Process.Pid))
		assert.Assert(b, err == nil && readyLine.MatchString(line), "no ready line: %q %v", line, err)
		assert.NilError(b, cmd.Process.Signal(syscall.SIGTERM))
		assert.NilError(b, cmd.Wait())
	}
	slices.Sort(took)
	slices.Sort(rss)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1e3, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1e3, "p99-ms")
	b.ReportMetric(float64(rss[len(rss)/2])/(1<<20), "rss-MB")
}

// --progress says each run's start and result on stderr as it goes; the
// report on stdout is unchanged.
func TestBenchProgress(t *testing.T) {
	b := quietBroker(t)
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--addr", b.Addr(), "--conns", "2", "--warmup", "0s", "--duration", "100ms", "--runs", "2",
		"--progress"}, &out, &errb, nil)
	assert.Equal(t, code, 0, "stdout %s\nstderr %s", out.String(), errb.String())
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	a := regexp.QuoteMeta(b.Addr())
	want := []string{
		`^rocketmock bench: run 1/2 target ` + a + `: warmup 0s, measuring 100ms$`,
		`^rocketmock bench: run 1/2 target rate=\d+/s .* errors=0 `,
		`^rocketmock bench: run 2/2 target ` + a + `: warmup 0s, measuring 100ms$`,
		`^rocketmock bench: run 2/2 target rate=\d+/s .* errors=0 `,
	}
	assert.Equal(t, len(lines), len(want), errb.String())
	for i, re := range want {
		assert.Assert(t, regexp.MustCompile(re).MatchString(lines[i]), "line %d: %q does not match %s", i, lines[i], re)
	}
	assert.Equal(t, len(strings.Split(strings.TrimSpace(out.String()), "\n")), 4, out.String()) // header, 2 runs, median
}

// stopOn closes stop a delay after the first write that contains marker.
type stopOn struct {
	mu     chan struct{} // 1-token lock
	buf    bytes.Buffer
	marker string
	delay  time.Duration
	stop   chan struct{}
	fired  bool
}

func (w *stopOn) Write(p []byte) (int, error) {
	w.mu <- struct{}{}
	defer func() { <-w.mu }()
	w.buf.Write(p)
	if !w.fired && strings.Contains(w.buf.String(), w.marker) {
		w.fired = true
		time.AfterFunc(w.delay, func() { close(w.stop) })
	}
	return len(p), nil
}

// Ctrl-C (here: stop) during a run prints the runs so far, the cut one
// partial, says so on stderr and exits 130.
func TestBenchInterruptedPrintsPartialResults(t *testing.T) {
	b := quietBroker(t)
	errw := &stopOn{mu: make(chan struct{}, 1), marker: "run 1/3 target " + b.Addr() + ":", delay: time.Second, stop: make(chan struct{})}
	var out bytes.Buffer
	start := time.Now()
	code := run([]string{"bench", "--addr", b.Addr(), "--conns", "2", "--warmup", "0s", "--duration", "20s", "--runs", "3",
		"--progress"}, &out, errw, errw.stop)
	took := time.Since(start)
	errs := errw.buf.String()
	assert.Equal(t, code, 130, "stdout %s\nstderr %s", out.String(), errs)
	assert.Assert(t, took < 10*time.Second, "took %v", took)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Equal(t, len(lines), 2, out.String()) // header, the partial run
	assert.Assert(t, regexp.MustCompile(`^run=1 target   rate=\d+/s .* errors=0 requests=[1-9]\d* .* partial=[\d.]+m?s$`).MatchString(lines[1]), lines[1])
	assert.Assert(t, regexp.MustCompile(`rocketmock bench: interrupted in run 1 of 3 \(target\): measured [\d.]+m?s of 20s; the results above are partial\n$`).MatchString(errs), errs)
}

// A pull load stores its messages first and then pulls them, 32 at a
// time, without an error; --stored is checked.
func TestBenchPullsStoredMessages(t *testing.T) {
	b := quietBroker(t)
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--addr", b.Addr(), "--kind", "pull", "--stored", "100", "--body", "10", "--conns", "2",
		"--depth", "2", "--warmup", "0s", "--duration", "100ms", "--format", "json"}, &out, &errb, nil)
	assert.Equal(t, code, 0, "stdout %s\nstderr %s", out.String(), errb.String())
	var got struct {
		Median struct{ Target map[string]any }
	}
	assert.NilError(t, json.Unmarshal(out.Bytes(), &got), out.String())
	assert.Equal(t, got.Median.Target["errors"], 0.0)
	assert.Assert(t, got.Median.Target["requests"].(float64) > 0)
	assert.Equal(t, len(b.Messages("bench_topic")), 100)
	pulls := b.Pulls()
	assert.Assert(t, len(pulls) > 0)
	for _, p := range pulls[:min(len(pulls), 8)] {
		assert.Equal(t, p.Status, "FOUND")
		assert.Equal(t, p.Messages, min(32, 100-int(p.Offset)), "offset %d", p.Offset)
	}

	errb.Reset()
	assert.Equal(t, run([]string{"bench", "--addr", b.Addr(), "--kind", "pull", "--stored", "0"}, &out, &errb, nil), 2)
	assert.Equal(t, strings.TrimSpace(errb.String()), "rocketmock bench: --stored 0: want at least 1")
}
