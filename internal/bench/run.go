// Package bench is the load generator of `rocketmock bench`: closed-loop
// remoting clients that keep a fixed number of requests in flight on each
// connection and measure throughput and latency, and the minimal echo
// server that serves as the baseline.
//
// Each connection is one goroutine: it writes its window of requests at
// once, then for every batch of replies it reads, writes as many new
// requests in one write. Requests are pre-encoded; only the opaque is
// patched in place. Replies are matched by opaque and only their code,
// opaque and flag are read.
package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// Config says what to measure.
type Config struct {
	Addr     string        // target "ip:port"
	Kind     Kind          // request kind
	Conns    int           // connections that send load
	Depth    int           // requests in flight per connection
	Duration time.Duration // measured time
	Warmup   time.Duration // load before the measured time, not counted
	// Idle opens this many more connections before the load; each
	// registers a producer in Group with one heartbeat and then stays
	// open and silent until the run ends.
	Idle      int
	Group     string                 // producer group of heartbeats, 204 and sends
	Topic     string                 // topic of routes and sends
	Body      int                    // message body bytes of sends
	Serialize protocol.SerializeType // header encoding of the requests
	// Echo says the target echoes requests back (the baseline): any frame
	// with a pending opaque counts as a success.
	Echo bool
	// Timeout bounds dialing, the set-up heartbeats and the wait for the
	// last replies once the measured time is over.
	Timeout time.Duration
	// Stored is how many messages a pull load (KindPull) stores in queue 0
	// of Topic before it starts (default 1000).
	Stored int
	// PID, if not 0, is the target's process: its CPU time over the
	// measured time and its RSS at the end are reported (Linux /proc).
	PID int
}

func (c *Config) defaults() {
	if c.Conns <= 0 {
		c.Conns = 1
	}
	if c.Depth <= 0 {
		c.Depth = 1
	}
	if c.Group == "" {
		c.Group = "bench_pg"
	}
	if c.Topic == "" {
		c.Topic = "bench_topic"
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.Kind == "" {
		c.Kind = KindHeartbeat
	}
	if c.Stored <= 0 {
		c.Stored = 1000
	}
}

// Result is what one run measured. Counts and latencies cover replies
// received in the measured time; Errors covers the whole run.
type Result struct {
	Requests            int64         // replies received in the measured time
	Elapsed             time.Duration // length of the measured time
	Rate                float64       // Requests per second
	P50, P90, P99, P999 time.Duration // latency quantiles (write to reply read)
	Max                 time.Duration
	Errors              int64           // error replies, unmatched or missing replies, connection failures
	ErrorCodes          map[int32]int64 // error replies by response code
	FirstError          string          // the first error seen, if any
	RequestBytes        int             // size of a request frame (the first of the cycle)
	ReplyBytes          float64         // average reply frame size
	ClientCPU           float64         // CPU of this process in the measured time, in cores
	ServerCPU           float64         // CPU of Config.PID in the measured time, in cores; -1 unknown
	ServerRSS           int64           // RSS of Config.PID at the end of the measured time (idle connections still open), in bytes; 0 unknown
	// Partial says ctx ended during the measured time: the figures cover
	// Elapsed, less than Config.Duration.
	Partial bool
}

const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// Run measures cfg.Addr. It returns an error only if the run could not be
// set up (no connection, a failed registration) or ctx ended; failures
// during the run are counted in Result.Errors. When ctx ends during the
// measured time, Run returns what it measured so far (Result.Partial) with
// ctx's error; during set-up or warm-up, no result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	fs := frameSet{group: cfg.Group, topic: cfg.Topic, body: cfg.Body, serialize: cfg.Serialize, pid: os.Getpid(), stored: cfg.Stored}
	r := &runner{cfg: cfg, base: time.Now()}
	if cfg.Kind == KindPull && !cfg.Echo {
		if err := r.fill(ctx, fs); err != nil {
			return nil, err
		}
	}

	// Idle producers first, so the group is full when the load starts.
	idle, err := r.openIdle(ctx, fs)
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	if err != nil {
		return nil, err
	}

	workers := make([]*worker, cfg.Conns)
	defer func() {
		for _, w := range workers {
			if w != nil {
				w.c.Close()
			}
		}
	}()
	err = parallel(ctx, cfg.Conns, func(i int) error {
		frames, err := fs.build(cfg.Kind, cfg.Idle+i)
		if err != nil {
			return err
		}
		c, err := r.dial(ctx)
		if err != nil {
			return err
		}
		w := newWorker(r, c, frames)
		workers[i] = w
		if cfg.Kind == KindProducers || cfg.Kind == KindMixed {
			// 204 needs the group; this connection's producer joins it.
			return r.register(c, fs, cfg.Idle+i)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run()
		}()
	}
	stopWorkers := func() {
		r.phase.Store(phaseStop)
		deadline := time.Now().Add(cfg.Timeout)
		for _, w := range workers {
			_ = w.c.SetReadDeadline(deadline)
		}
		wg.Wait()
	}
	sleep(ctx, cfg.Warmup)
	if ctx.Err() != nil { // nothing measured yet
		stopWorkers()
		return nil, ctx.Err()
	}
	cpu0, srv0 := processCPU(), serverCPU(cfg.PID)
	t0 := time.Now()
	r.phase.Store(phaseMeasure)
	sleep(ctx, cfg.Duration)
	r.phase.Store(phaseStop)
	t1 := time.Now()
	cpu1, srv1 := processCPU(), serverCPU(cfg.PID)
	res := &Result{Elapsed: t1.Sub(t0), ServerCPU: -1, Partial: ctx.Err() != nil}
	if cfg.PID != 0 {
		res.ServerRSS = RSS(cfg.PID)
	}
	stopWorkers()

	secs := res.Elapsed.Seconds()
	res.ClientCPU = (cpu1 - cpu0).Seconds() / secs
	if srv0 >= 0 && srv1 >= 0 {
		res.ServerCPU = (srv1 - srv0).Seconds() / secs
	}
	res.RequestBytes = len(workers[0].frames[0].b)
	var replyBytes int64
	for _, w := range workers {
		res.Requests += w.done
		replyBytes += w.replyBytes
		res.addErrors(w.errs, w.codes, w.firstErr)
	}
	res.Rate = float64(res.Requests) / secs
	if res.Requests > 0 {
		res.ReplyBytes = float64(replyBytes) / float64(res.Requests)
	}
	h := &r.rec.h
	res.P50, res.P90, res.P99, res.P999 = h.quantile(0.5), h.quantile(0.9), h.quantile(0.99), h.quantile(0.999)
	res.Max = time.Duration(h.max)
	return res, ctx.Err()
}

// runner is what the workers of one run share.
type runner struct {
	cfg   Config
	base  time.Time
	phase atomic.Int32
	rec   recorder
}

// now is monotonic nanoseconds since the run began.
func (r *runner) now() int64 { return int64(time.Since(r.base)) }

func (r *runner) dial(ctx context.Context) (*net.TCPConn, error) {
	d := net.Dialer{Timeout: r.cfg.Timeout}
	c, err := d.DialContext(ctx, "tcp", r.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", r.cfg.Addr, err)
	}
	return c.(*net.TCPConn), nil
}

// register sends one heartbeat for connection number n and waits for a
// successful reply.
func (r *runner) register(c *net.TCPConn, fs frameSet, n int) error {
	return r.call(c, fs, fs.heartbeat(n), "registering a producer")
}

// fill stores cfg.Stored messages in queue 0 of the topic, one at a time,
// for a pull load.
func (r *runner) fill(ctx context.Context, fs frameSet) error {
	c, err := r.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for i := 0; i < r.cfg.Stored && ctx.Err() == nil; i++ {
		if err := r.call(c, fs, fs.storedSend(), "storing the messages to pull"); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// call sends cmd and waits for a successful reply; what says what for in
// errors.
func (r *runner) call(c *net.TCPConn, fs frameSet, cmd *protocol.Command, what string) error {
	f, err := fs.encode(cmd)
	if err != nil {
		return err
	}
	_ = c.SetDeadline(time.Now().Add(r.cfg.Timeout))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(f.appendTo(nil, maxSeq)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var head [4]byte
	if _, err := readFull(c, head[:]); err != nil {
		return fmt.Errorf("%s: reading the reply: %w", what, err)
	}
	n32 := binary.BigEndian.Uint32(head[:])
	if n32 > protocol.DefaultMaxFrame {
		return fmt.Errorf("%s: reply frame of %d bytes", what, n32)
	}
	buf := make([]byte, 4+int(n32))
	copy(buf, head[:])
	if _, err := readFull(c, buf[4:]); err != nil {
		return fmt.Errorf("%s: reading the reply: %w", what, err)
	}
	rep, ok := parseReply(buf)
	switch {
	case !ok:
		return errors.New(what + ": the reply header does not parse")
	case rep.opaque != opaqueBase+maxSeq:
		return fmt.Errorf("%s: reply opaque %d, want %d", what, rep.opaque, opaqueBase+maxSeq)
	case !r.cfg.Echo && (rep.flag&protocol.FlagResponse == 0 || rep.code != 0):
		return fmt.Errorf("%s: reply code %d, want 0 (success)", what, rep.code)
	}
	return nil
}

// openIdle opens the idle producer connections.
func (r *runner) openIdle(ctx context.Context, fs frameSet) ([]*net.TCPConn, error) {
	conns := make([]*net.TCPConn, r.cfg.Idle)
	err := parallel(ctx, r.cfg.Idle, func(i int) error {
		c, err := r.dial(ctx)
		if err != nil {
			return err
		}
		conns[i] = c
		return r.register(c, fs, i)
	})
	out := conns[:0]
	for _, c := range conns {
		if c != nil {
			out = append(out, c)
		}
	}
	return out, err
}

// parallel runs fn(0..n-1) on up to 32 goroutines and returns the first error.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(n, 32) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Median returns the median of the results field by field (each figure is
// the median of that figure), errors summed.
func Median(rs []*Result) *Result {
	if len(rs) == 0 {
		return nil
	}
	med := func(get func(*Result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		sort.Float64s(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	dur := func(get func(*Result) time.Duration) time.Duration {
		return time.Duration(med(func(r *Result) float64 { return float64(get(r)) }))
	}
	out := &Result{
		Requests:     int64(med(func(r *Result) float64 { return float64(r.Requests) })),
		Elapsed:      dur(func(r *Result) time.Duration { return r.Elapsed }),
		Rate:         med(func(r *Result) float64 { return r.Rate }),
		P50:          dur(func(r *Result) time.Duration { return r.P50 }),
		P90:          dur(func(r *Result) time.Duration { return r.P90 }),
		P99:          dur(func(r *Result) time.Duration { return r.P99 }),
		P999:         dur(func(r *Result) time.Duration { return r.P999 }),
		Max:          dur(func(r *Result) time.Duration { return r.Max }),
		RequestBytes: rs[0].RequestBytes,
		ReplyBytes:   med(func(r *Result) float64 { return r.ReplyBytes }),
		ClientCPU:    med(func(r *Result) float64 { return r.ClientCPU }),
		ServerCPU:    med(func(r *Result) float64 { return r.ServerCPU }),
		ServerRSS:    int64(med(func(r *Result) float64 { return float64(r.ServerRSS) })),
	}
	for _, r := range rs {
		out.addErrors(r.Errors, r.ErrorCodes, r.FirstError)
		out.Partial = out.Partial || r.Partial
	}
	return out
}

// addErrors adds a worker's or a run's errors to res: the count, the
// error replies by code, and the first error if res has none yet.
func (res *Result) addErrors(n int64, codes map[int32]int64, first string) {
	res.Errors += n
	for code, k := range codes {
		if res.ErrorCodes == nil {
			res.ErrorCodes = map[int32]int64{}
		}
		res.ErrorCodes[code] += k
	}
	if res.FirstError == "" {
		res.FirstError = first
	}
}
