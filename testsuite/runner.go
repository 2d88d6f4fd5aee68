package testsuite

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// T is what a scenario needs from whoever runs it: *testing.T satisfies
// it, and so does the recorder behind Check. It also satisfies
// gotest.tools/v3/assert.TestingT.
type T interface {
	Helper()
	Log(args ...any)
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fail()
	FailNow()
	Failed() bool
	Skipf(format string, args ...any)
	Cleanup(func())
	Context() context.Context
}

// Scenario is one behaviour the suite holds a target to.
type Scenario struct {
	// Name is stable: subtests and the check table use it.
	Name string
	// About says in one line what the scenario checks.
	About string
	run   func(t T, s *session)
}

// Runner is a T that runs subtests of its own kind, as *testing.T does.
type Runner[R any] interface {
	T
	Run(name string, f func(t R)) bool
}

// Run runs every scenario against target as a subtest of t (a *testing.T),
// one after the other (scenarios that move a virtual clock must not
// overlap others).
func Run[R Runner[R]](t R, target Target) {
	t.Helper()
	s, err := newSession(t.Context(), target)
	if err != nil {
		t.Fatalf("testsuite: %v", err)
	}
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t R) { s.runScenario(t, sc) })
	}
}

// Status is the outcome of one scenario in a Check.
type Status string

// Outcomes.
const (
	Pass Status = "pass"
	Fail Status = "FAIL"
	Skip Status = "skip"
)

// Result is one row of a Check report.
type Result struct {
	Name    string
	Status  Status
	Reason  string // why it failed or was skipped (first lines of the report)
	Log     string // everything the scenario logged
	Elapsed time.Duration
}

// Check runs the scenarios against target outside `go test` (for
// `rocketmock check`) and returns one result per scenario, in order: the
// given ones, or all of Scenarios. The error is for a target the suite
// cannot even start on (no broker found).
func Check(ctx context.Context, target Target, only ...Scenario) ([]Result, error) {
	s, err := newSession(ctx, target)
	if err != nil {
		return nil, err
	}
	if len(only) == 0 {
		only = Scenarios()
	}
	var out []Result
	for _, sc := range only {
		if ctx.Err() != nil {
			out = append(out, Result{Name: sc.Name, Status: Skip, Reason: "interrupted"})
			continue
		}
		out = append(out, s.check(ctx, sc))
	}
	return out, nil
}

// runScenario runs sc on t, turning a panic into a failure of t.
func (s *session) runScenario(t T, sc Scenario) {
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("scenario panicked: %v\n%s", p, debug.Stack())
		}
	}()
	sc.run(t, s)
}

// check runs one scenario on a recorder, in a goroutine of its own so that
// FailNow and Skip can end it as they end a test.
func (s *session) check(ctx context.Context, sc Scenario) Result {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &recorder{ctx: ctx}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer r.runCleanups()
		s.runScenario(r, sc)
	}()
	<-done
	res := Result{Name: sc.Name, Elapsed: time.Since(start), Log: r.log.String()}
	switch {
	case r.failed:
		res.Status, res.Reason = Fail, r.reason()
	case r.skipped:
		res.Status, res.Reason = Skip, r.reason()
	default:
		res.Status = Pass
	}
	return res
}

// recorder is T for Check: it records what a scenario reports.
type recorder struct {
	ctx      context.Context
	mu       sync.Mutex
	log      strings.Builder
	first    string // the first error or skip message
	failed   bool
	skipped  bool
	cleanups []func()
}

var _ T = (*recorder)(nil)

func (r *recorder) note(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log.WriteString(msg)
	if !strings.HasSuffix(msg, "\n") {
		r.log.WriteByte('\n')
	}
}

func (r *recorder) noteReason(msg string) {
	r.note(msg)
	r.mu.Lock()
	if r.first == "" {
		r.first = msg
	}
	r.mu.Unlock()
}

func (r *recorder) reason() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

func (r *recorder) Helper()                         {}
func (r *recorder) Context() context.Context        { return r.ctx }
func (r *recorder) Log(args ...any)                 { r.note(fmt.Sprintln(args...)) }
func (r *recorder) Logf(format string, args ...any) { r.note(fmt.Sprintf(format, args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.noteReason(fmt.Sprintf(format, args...))
	r.Fail()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.noteReason(fmt.Sprintf(format, args...))
	r.FailNow()
}
func (r *recorder) Fail() { r.mu.Lock(); r.failed = true; r.mu.Unlock() }
func (r *recorder) FailNow() {
	r.Fail()
	runtime.Goexit()
}
func (r *recorder) Failed() bool { r.mu.Lock(); defer r.mu.Unlock(); return r.failed }
func (r *recorder) Skipf(format string, args ...any) {
	r.noteReason(fmt.Sprintf(format, args...))
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Cleanup(f func()) { r.mu.Lock(); r.cleanups = append(r.cleanups, f); r.mu.Unlock() }

// runCleanups runs the cleanups last-in first-out, as testing does.
func (r *recorder) runCleanups() {
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
