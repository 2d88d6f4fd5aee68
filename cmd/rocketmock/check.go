package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
)

const checkUsage = `usage: rocketmock check --namesrv ip:port [--broker ip:port] [--control URL] [--compat 5|4.9] [flags]

Runs the conformance suite against a name server and broker (a real
RocketMQ cluster or a mock) and prints one line per scenario. Scenarios
that need test hooks (--control) or a virtual clock are skipped on targets
without them. Exit status 1 if any scenario fails.

flags:`

// check runs the conformance suite against a target and prints a table
// of scenario, result and reason.
func check(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, checkUsage)
		fs.PrintDefaults()
	}
	var (
		namesrv, broker, control, token, compat, topic, only string
		long, verbose                                        bool
		timeout                                              time.Duration
	)
	fs.StringVar(&namesrv, "namesrv", "", "name server ip:port (default with --control: the mock's advertised address)")
	fs.StringVar(&broker, "broker", "", "broker ip:port (default: the master in the route of --topic)")
	fs.StringVar(&control, "control", "", "control API URL of a mock (rocketmock serve --control), for the hook scenarios")
	fs.StringVar(&token, "control-token", "", "bearer token of the control API")
	fs.StringVar(&compat, "compat", "", "release the target behaves as: 5 or 4.9 (default 5, or the mock's own with --control)")
	fs.StringVar(&topic, "topic", "TBW102", "topic whose route names the broker; the route scenarios ask for it")
	fs.StringVar(&only, "run", "", "run only the scenarios whose names match this regular expression")
	fs.BoolVar(&long, "long", false, "run scenarios that wait in real time (expiry: about 130 s on a real broker)")
	fs.DurationVar(&timeout, "timeout", testsuite.DefaultTimeout, "time limit of each network step")
	fs.BoolVar(&verbose, "v", false, "print every scenario's log, not only the failures'")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rocketmock check: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if namesrv == "" && control == "" {
		fmt.Fprintln(stderr, "rocketmock check: --namesrv is required (or --control, to check a mock through its control API)")
		return 2
	}
	var scenarios []testsuite.Scenario
	if only != "" {
		var err error
		if scenarios, err = testsuite.Select(only); err != nil {
			fmt.Fprintln(stderr, "rocketmock check: --run:", err)
			return 2
		}
	}
	ctx, cancel := checkContext(stop)
	defer cancel()
	target := testsuite.Target{NameServer: namesrv, Broker: broker, Topic: topic, LongRunning: long, Timeout: timeout}
	if compat != "" {
		rel, err := protocol.ParseRelease(compat)
		if err != nil {
			fmt.Fprintln(stderr, "rocketmock check: --compat:", err)
			return 2
		}
		target.Release = rel
	}
	if control != "" {
		hooks := testsuite.NewHTTPHooks(control, token)
		hctx, hcancel := context.WithTimeout(ctx, timeout)
		health, err := hooks.Health(hctx)
		hcancel()
		if err != nil {
			fmt.Fprintln(stderr, "rocketmock check: --control:", err)
			return 1
		}
		target.Control = hooks
		if health.VirtualClock {
			target.Clock = hooks
		}
		if target.NameServer == "" {
			target.NameServer = health.Advertise
		}
		if compat == "" {
			if rel, err := protocol.ParseRelease(health.Compat); err == nil {
				target.Release = rel
			}
		}
	}
	fmt.Fprintf(stdout, "rocketmock check: name server %s, compat %s\n", target.NameServer, target.Release)
	results, err := testsuite.Check(ctx, target, scenarios...)
	if err != nil {
		fmt.Fprintln(stderr, "rocketmock check:", err)
		return 1
	}
	if printResults(stdout, results, verbose) > 0 {
		return 1
	}
	return 0
}

// checkContext ends on stop (tests) or on SIGINT/SIGTERM.
func checkContext(stop <-chan struct{}) (context.Context, context.CancelFunc) {
	if stop == nil {
		return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// printResults writes the table, then the full report of each failure
// (and, verbose, every log), and returns the number of failures.
func printResults(w io.Writer, results []testsuite.Result, verbose bool) int {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tRESULT\tTIME\tREASON")
	counts := map[testsuite.Status]int{}
	for _, r := range results {
		counts[r.Status]++
		reason, _, more := strings.Cut(strings.TrimSpace(r.Reason), "\n")
		if more {
			reason += " (see below)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Status, r.Elapsed.Round(time.Millisecond), reason)
	}
	tw.Flush()
	for _, r := range results {
		if r.Status == testsuite.Fail || verbose && r.Log != "" {
			fmt.Fprintf(w, "\n--- %s %s\n%s", strings.ToUpper(string(r.Status)), r.Name, r.Log)
		}
	}
	fmt.Fprintf(w, "\n%d scenarios: %d passed, %d failed, %d skipped\n",
		len(results), counts[testsuite.Pass], counts[testsuite.Fail], counts[testsuite.Skip])
	return counts[testsuite.Fail]
}
