package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/internal/bench"
	"github.com/rocketmock/rocketmock/protocol"
)

type benchFlags struct {
	cfg             bench.Config
	kind, serialize string
	runs            int
	baseline        bool
	inProcess       bool
	loops           int
	format          string
	serveEcho       string
	progress        bool
}

// runBench runs `rocketmock bench`: load against a broker (the mock or a real
// one), and optionally against the echo baseline in the same run. It ends
// early on SIGINT/SIGTERM (or stop, for tests), printing the runs measured
// so far, the interrupted one partial, and exits 130.
func runBench(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f benchFlags
	fs.StringVar(&f.cfg.Addr, "addr", "127.0.0.1:9876", "address of the broker or name server to load")
	fs.StringVar(&f.kind, "kind", "heartbeat", "requests: heartbeat (34), producers (204), route (105), send (310), mixed (those four in turn) or pull (11, from --stored messages)")
	fs.IntVar(&f.cfg.Conns, "conns", 64, "connections that send requests")
	fs.IntVar(&f.cfg.Depth, "depth", 8, "requests in flight per connection")
	fs.DurationVar(&f.cfg.Duration, "duration", 10*time.Second, "measured time of each run")
	fs.DurationVar(&f.cfg.Warmup, "warmup", 2*time.Second, "load before the measured time, not counted")
	fs.IntVar(&f.runs, "runs", 1, "runs (target, then baseline, in turn); with more than one, medians are printed too")
	fs.BoolVar(&f.baseline, "baseline", false, "also measure a minimal length-prefixed echo server on gnet v2 with the same frames, and print the ratios")
	fs.BoolVar(&f.inProcess, "baseline-in-process", false, "serve the echo baseline in this process instead of a child process")
	fs.IntVar(&f.loops, "baseline-loops", 1, "event loops of the echo baseline (the mock's default is 1)")
	fs.IntVar(&f.cfg.Idle, "idle", 0, "extra connections that each register a producer in --group before the load, then stay idle (not used for the baseline)")
	fs.StringVar(&f.cfg.Group, "group", "bench_pg", "producer group of heartbeats, 204 and sends")
	fs.StringVar(&f.cfg.Topic, "topic", "bench_topic", "topic of routes and sends")
	fs.IntVar(&f.cfg.Body, "body", 128, "message body size of sends, in bytes")
	fs.IntVar(&f.cfg.Stored, "stored", 1000, "messages a pull load stores in queue 0 of --topic first, and pulls 32 at a time")
	fs.StringVar(&f.serialize, "serialize", "json", "request header encoding: json or rocketmq")
	fs.IntVar(&f.cfg.PID, "pid", 0, "process id of the target, to report its CPU use and RSS (Linux)")
	fs.DurationVar(&f.cfg.Timeout, "timeout", 5*time.Second, "limit for connecting, registering and the last replies")
	fs.StringVar(&f.format, "format", "text", "output: text or json")
	fs.StringVar(&f.serveEcho, "serve-echo", "", "internal: serve only the echo baseline on this address until stdin closes")
	_, stderrIsFile := stderr.(*os.File)
	fs.BoolVar(&f.progress, "progress", stderrIsFile, "print each run's start and result on stderr as it goes (default: on from the command line)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "rocketmock bench:", err)
		return 2
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if f.serveEcho != "" {
		return serveEcho(f.serveEcho, f.loops, stdout, stderr)
	}
	if err := f.check(); err != nil {
		return fail(err)
	}
	if _, err := bench.RaiseFileLimit(uint64(f.cfg.Conns + f.cfg.Idle + 64)); err != nil {
		fmt.Fprintln(stderr, "rocketmock bench: raising the open file limit:", err)
	}

	ctx, cancel := checkContext(stop)
	defer cancel()
	var echoCfg bench.Config
	if f.baseline {
		addr, pid, closeEcho, err := startEcho(f.inProcess, f.loops)
		if err != nil {
			return fail(err)
		}
		defer closeEcho()
		echoCfg = f.cfg
		echoCfg.Addr, echoCfg.PID, echoCfg.Echo, echoCfg.Idle = addr, pid, true, 0
	}

	rep := benchReport{flags: &f}
	progress := func(i int, what string, cfg bench.Config, r *bench.Result) {
		if !f.progress {
			return
		}
		if r == nil {
			fmt.Fprintf(stderr, "rocketmock bench: run %d/%d %s %s: warmup %v, measuring %v\n", i+1, f.runs, what, cfg.Addr, cfg.Warmup, cfg.Duration)
			return
		}
		fmt.Fprintf(stderr, "rocketmock bench: run %d/%d %s %s\n", i+1, f.runs, what, textResult(r))
	}
	// measure runs one run; false: stop (interrupted, or failed with code).
	code := 0
	measure := func(i int, what string, cfg bench.Config, into *[]*bench.Result) bool {
		progress(i, what, cfg, nil)
		r, err := bench.Run(ctx, cfg)
		if r != nil {
			*into = append(*into, r)
			progress(i, what, cfg, r)
		}
		switch {
		case ctx.Err() != nil:
			rep.interrupted = fmt.Sprintf("interrupted in run %d of %d (%s)", i+1, f.runs, what)
			if r != nil {
				rep.interrupted += fmt.Sprintf(": measured %v of %v", r.Elapsed.Round(time.Millisecond), cfg.Duration)
			}
			return false
		case err != nil:
			if what == "baseline" {
				what = "echo baseline"
			}
			code = fail(fmt.Errorf("%s %s: %w", what, cfg.Addr, err))
			return false
		}
		return true
	}
	for i := 0; i < f.runs; i++ {
		if !measure(i, "target", f.cfg, &rep.target) {
			break
		}
		if f.baseline && !measure(i, "baseline", echoCfg, &rep.baseline) {
			break
		}
	}
	if code != 0 {
		return code
	}
	if len(rep.target) == 0 {
		return fail(errors.New(rep.interrupted + " before anything was measured"))
	}
	if f.format == "json" {
		rep.writeJSON(stdout)
	} else {
		rep.writeText(stdout)
	}
	if rep.interrupted != "" {
		fmt.Fprintf(stderr, "rocketmock bench: %s; the results above are partial\n", rep.interrupted)
		return 130
	}
	if rep.errors() > 0 {
		return 1
	}
	return 0
}

func (f *benchFlags) check() error {
	var err error
	if f.cfg.Kind, err = bench.ParseKind(f.kind); err != nil {
		return fmt.Errorf("--kind: %w", err)
	}
	switch f.serialize {
	case "json":
		f.cfg.Serialize = protocol.JSON
	case "rocketmq":
		f.cfg.Serialize = protocol.RocketMQ
	default:
		return fmt.Errorf("--serialize %q: want json or rocketmq", f.serialize)
	}
	switch {
	case f.cfg.Conns < 1:
		return fmt.Errorf("--conns %d: want at least 1", f.cfg.Conns)
	case f.cfg.Depth < 1:
		return fmt.Errorf("--depth %d: want at least 1", f.cfg.Depth)
	case f.cfg.Duration <= 0:
		return fmt.Errorf("--duration %v: want more than 0", f.cfg.Duration)
	case f.cfg.Warmup < 0:
		return fmt.Errorf("--warmup %v: want 0 or more", f.cfg.Warmup)
	case f.runs < 1:
		return fmt.Errorf("--runs %d: want at least 1", f.runs)
	case f.cfg.Idle < 0:
		return fmt.Errorf("--idle %d: want 0 or more", f.cfg.Idle)
	case f.cfg.Stored < 1:
		return fmt.Errorf("--stored %d: want at least 1", f.cfg.Stored)
	case f.cfg.Body < 0:
		return fmt.Errorf("--body %d: want 0 or more", f.cfg.Body)
	case f.format != "text" && f.format != "json":
		return fmt.Errorf("--format %q: want text or json", f.format)
	}
	return nil
}

// startEcho serves the echo baseline, in a child process of this binary
// (as the mock runs in a process of its own) unless inProcess.
func startEcho(inProcess bool, loops int) (addr string, pid int, closeFn func(), err error) {
	if inProcess {
		e, err := bench.StartEcho("127.0.0.1:0", loops)
		if err != nil {
			return "", 0, nil, err
		}
		return e.Addr(), 0, e.Close, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, fmt.Errorf("finding this binary to run the echo baseline: %w", err)
	}
	cmd := exec.Command(exe, "bench", "--serve-echo", "127.0.0.1:0", fmt.Sprintf("--baseline-loops=%d", loops))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", 0, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, fmt.Errorf("starting the echo baseline: %w", err)
	}
	closeFn = func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "echo ready: addr=")
	if err != nil || !ok {
		closeFn()
		return "", 0, nil, fmt.Errorf("the echo baseline did not start: %q %v", line, err)
	}
	return addr, cmd.Process.Pid, closeFn, nil
}

// serveEcho is the child process of startEcho.
func serveEcho(addr string, loops int, stdout, stderr io.Writer) int {
	e, err := bench.StartEcho(addr, loops)
	if err != nil {
		fmt.Fprintln(stderr, "rocketmock bench:", err)
		return 1
	}
	defer e.Close()
	fmt.Fprintf(stdout, "echo ready: addr=%s\n", e.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it
	return 0
}

// benchReport prints the runs, their medians and the ratios.
type benchReport struct {
	flags            *benchFlags
	target, baseline []*bench.Result
	interrupted      string // why the runs ended early, or ""
}

func (r *benchReport) errors() int64 {
	var n int64
	for _, x := range append(append([]*bench.Result{}, r.target...), r.baseline...) {
		n += x.Errors
	}
	return n
}

func (r *benchReport) writeText(w io.Writer) {
	c := r.flags.cfg
	fmt.Fprintf(w, "bench kind=%s addr=%s conns=%d depth=%d idle=%d warmup=%v duration=%v runs=%d serialize=%s request=%dB\n",
		c.Kind, c.Addr, c.Conns, c.Depth, c.Idle, c.Warmup, c.Duration, r.flags.runs, r.flags.serialize, r.target[0].RequestBytes)
	for i := range r.target {
		fmt.Fprintf(w, "run=%d target   %s\n", i+1, textResult(r.target[i]))
		if i < len(r.baseline) {
			fmt.Fprintf(w, "run=%d baseline %s\n", i+1, textResult(r.baseline[i]))
		}
	}
	t, b := bench.Median(r.target), bench.Median(r.baseline)
	if len(r.target) > 1 {
		fmt.Fprintf(w, "median target   %s\n", textResult(t))
		if b != nil {
			fmt.Fprintf(w, "median baseline %s\n", textResult(b))
		}
	}
	if b != nil {
		fmt.Fprintf(w, "ratio rate=%.2fx p50=%.2fx p99=%.2fx p999=%.2fx (target/baseline)\n",
			ratio(t.Rate, b.Rate), ratio(float64(t.P50), float64(b.P50)),
			ratio(float64(t.P99), float64(b.P99)), ratio(float64(t.P999), float64(b.P999)))
	}
	for _, x := range append(append([]*bench.Result{}, r.target...), r.baseline...) {
		if x.FirstError != "" {
			fmt.Fprintf(w, "first error: %s\n", x.FirstError)
			break
		}
	}
}

func textResult(x *bench.Result) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "rate=%.0f/s p50=%s p90=%s p99=%s p999=%s max=%s errors=%d requests=%d reply=%.0fB bench-cpu=%.2f",
		x.Rate, us(x.P50), us(x.P90), us(x.P99), us(x.P999), us(x.Max), x.Errors, x.Requests, x.ReplyBytes, x.ClientCPU)
	if x.ServerCPU >= 0 {
		fmt.Fprintf(&sb, " server-cpu=%.2f", x.ServerCPU)
	}
	if x.ServerRSS > 0 {
		fmt.Fprintf(&sb, " server-rss=%.1fMB", float64(x.ServerRSS)/(1<<20))
	}
	if x.Partial {
		fmt.Fprintf(&sb, " partial=%v", x.Elapsed.Round(time.Millisecond))
	}
	if len(x.ErrorCodes) > 0 {
		codes := make([]int32, 0, len(x.ErrorCodes))
		for code := range x.ErrorCodes {
			codes = append(codes, code)
		}
		sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
		parts := make([]string, len(codes))
		for i, code := range codes {
			parts[i] = fmt.Sprintf("%d:%d", code, x.ErrorCodes[code])
		}
		sb.WriteString(" error-codes=" + strings.Join(parts, ","))
	}
	return sb.String()
}

// us formats a latency in microseconds or milliseconds.
func us(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.1fus", float64(d)/1e3)
	}
	return fmt.Sprintf("%.2fms", float64(d)/1e6)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

type jsonResult struct {
	Rate         float64         `json:"rate"`
	P50us        float64         `json:"p50_us"`
	P90us        float64         `json:"p90_us"`
	P99us        float64         `json:"p99_us"`
	P999us       float64         `json:"p999_us"`
	MaxUs        float64         `json:"max_us"`
	Requests     int64           `json:"requests"`
	Errors       int64           `json:"errors"`
	ErrorCodes   map[int32]int64 `json:"error_codes,omitempty"`
	FirstError   string          `json:"first_error,omitempty"`
	RequestBytes int             `json:"request_bytes"`
	ReplyBytes   float64         `json:"reply_bytes"`
	BenchCPU     float64         `json:"bench_cpu"`
	ServerCPU    *float64        `json:"server_cpu,omitempty"`
	ServerRSS    int64           `json:"server_rss_bytes,omitempty"`
	Partial      bool            `json:"partial,omitempty"` // interrupted: measured_s is less than duration_s
	MeasuredS    float64         `json:"measured_s"`
}

func toJSON(x *bench.Result) *jsonResult {
	if x == nil {
		return nil
	}
	j := &jsonResult{
		Rate: x.Rate, P50us: micros(x.P50), P90us: micros(x.P90), P99us: micros(x.P99), P999us: micros(x.P999),
		MaxUs: micros(x.Max), Requests: x.Requests, Errors: x.Errors, ErrorCodes: x.ErrorCodes, FirstError: x.FirstError,
		RequestBytes: x.RequestBytes, ReplyBytes: x.ReplyBytes, BenchCPU: x.ClientCPU, ServerRSS: x.ServerRSS,
		Partial: x.Partial, MeasuredS: x.Elapsed.Seconds(),
	}
	if x.ServerCPU >= 0 {
		v := x.ServerCPU
		j.ServerCPU = &v
	}
	return j
}

func micros(d time.Duration) float64 { return float64(d) / 1e3 }

func (r *benchReport) writeJSON(w io.Writer) {
	c := r.flags.cfg
	type run struct {
		Target   *jsonResult `json:"target"`
		Baseline *jsonResult `json:"baseline,omitempty"`
	}
	out := struct {
		Kind      string             `json:"kind"`
		Addr      string             `json:"addr"`
		Conns     int                `json:"conns"`
		Depth     int                `json:"depth"`
		Idle      int                `json:"idle"`
		WarmupS   float64            `json:"warmup_s"`
		DurationS float64            `json:"duration_s"`
		Serialize string             `json:"serialize"`
		Runs      []run              `json:"runs"`
		Median    run                `json:"median"`
		Ratio     map[string]float64 `json:"ratio,omitempty"`
		// Interrupted says why the runs ended early (SIGINT/SIGTERM).
		Interrupted string `json:"interrupted,omitempty"`
	}{
		Kind: string(c.Kind), Addr: c.Addr, Conns: c.Conns, Depth: c.Depth, Idle: c.Idle,
		WarmupS: c.Warmup.Seconds(), DurationS: c.Duration.Seconds(), Serialize: r.flags.serialize,
		Interrupted: r.interrupted,
	}
	for i := range r.target {
		x := run{Target: toJSON(r.target[i])}
		if i < len(r.baseline) {
			x.Baseline = toJSON(r.baseline[i])
		}
		out.Runs = append(out.Runs, x)
	}
	t, b := bench.Median(r.target), bench.Median(r.baseline)
	out.Median = run{Target: toJSON(t), Baseline: toJSON(b)}
	if b != nil {
		out.Ratio = map[string]float64{
			"rate": ratio(t.Rate, b.Rate), "p50": ratio(float64(t.P50), float64(b.P50)),
			"p99": ratio(float64(t.P99), float64(b.P99)), "p999": ratio(float64(t.P999), float64(b.P999)),
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}
