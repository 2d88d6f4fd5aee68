package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rocketmock/rocketmock/clientcheck"
	"github.com/rocketmock/rocketmock/controlapi"
	"github.com/rocketmock/rocketmock/internal/buildinfo"
	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

type serveFlags struct {
	addr, advertise, compat, logFormat, logLevel, virtualClock string
	expiry, scanInterval, idleTimeout                          time.Duration
	queues                                                     int
	brokerName, clusterName                                    string
	control, controlToken                                      string
	fixtures                                                   listFlag
	clientChecks                                               bool
	metricsClientIDs                                           bool   // client_id labels on /metrics
	autoCreateTopic                                            bool   // autoCreateTopicEnable
	acl                                                        string // acl.go
	tlsMode, tlsCert, tlsKey                                   string
	fromEnv                                                    map[string]string // flag name: the variable that set it
}

// maxQueues bounds --queues.
const maxQueues = 1 << 16

// check refuses flag values that cannot work, saying what is expected.
func (f *serveFlags) check() error {
	switch {
	case f.queues < 1 || f.queues > maxQueues:
		// Routes carry the count as an int32, and clients make an object per queue.
		return fmt.Errorf("%s %d: want 1 to %d", f.name("queues"), f.queues, maxQueues)
	case f.expiry <= 0:
		return fmt.Errorf("%s %v: want a positive duration, such as 120s", f.name("expiry"), f.expiry)
	case f.scanInterval < time.Millisecond:
		return fmt.Errorf("%s %v: want a duration of at least 1ms, such as 10s (the expiry scan runs that often)", f.name("scan-interval"), f.scanInterval)
	case f.idleTimeout < 0:
		return fmt.Errorf("%s %v: want 0 (never) or a positive duration, such as 120s", f.name("idle-timeout"), f.idleTimeout)
	}
	if err := checkListen(f.addr); err != nil {
		return fmt.Errorf("%s %w", f.name("addr"), err)
	}
	if f.advertise != "" {
		if err := checkAdvertise(f.advertise); err != nil {
			return fmt.Errorf("%s %w", f.name("advertise"), err)
		}
	}
	return nil
}

// flagSet defines serve's flags on f.
func (f *serveFlags) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:9876", "TCP address of the broker and name server")
	fs.StringVar(&f.advertise, "advertise", "", "ip:port put in routes (default: the listen address)")
	fs.StringVar(&f.control, "control", "127.0.0.1:9877", "address of the HTTP control API; empty disables it")
	fs.StringVar(&f.controlToken, "control-token", "", "bearer token the control API demands (required beyond loopback; prefer ROCKETMOCK_CONTROL_TOKEN)")
	fs.Var(&f.fixtures, "fixture", "state fixture `file` to load at start (repeat, or separate with commas)")
	fs.StringVar(&f.compat, "compat", "5", "imitated broker release: 5 or 4.9")
	durationVar(fs, &f.expiry, "expiry", 120*time.Second, "`duration` of silence after which the scan drops a producer (positive)")
	durationVar(fs, &f.scanInterval, "scan-interval", 10*time.Second, "first delay and period (`duration`, at least 1ms) of the expiry scan")
	durationVar(fs, &f.idleTimeout, "idle-timeout", 120*time.Second, "close connections idle (no read, no write) this long (a `duration`), as a real broker; 0 never")
	fs.StringVar(&f.virtualClock, "virtual-clock", "", "start a virtual clock at this RFC 3339 time, or \"now\"")
	intVar(fs, &f.queues, "queues", 4, "read and write queues of every routed topic (a `number`, 1 to 65536)")
	fs.StringVar(&f.brokerName, "broker-name", "broker-a", "broker name in routes")
	fs.StringVar(&f.clusterName, "cluster-name", "DefaultCluster", "cluster name in routes")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&f.acl, "acl", "", "turn on the access control of a 4.9.x broker with aclEnable=true, with the accounts of this plain_acl.yml `file`")
	boolVar(fs, &f.autoCreateTopic, "auto-create-topic", true, "autoCreateTopicEnable: route every topic and create it on first send; false routes only created, preloaded and system topics (no TBW102)")
	fs.StringVar(&f.tlsMode, "tls-mode", "disabled", "tlsMode of the remoting port: disabled, permissive (plaintext and TLS on one port) or enforcing (TLS only); a real broker defaults to permissive")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate `file` of the TLS server (with --tls-key; default: a self-signed certificate made at start)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key `file` of --tls-cert")
	boolVar(fs, &f.clientChecks, "client-checks", false, "watch clients for what a careful client should not do; GET /v1/clients/report, and the report printed at shutdown")
	boolVar(fs, &f.metricsClientIDs, "metrics-client-ids", false, "label the heartbeat ages and send counts of GET /metrics with client ids (one series per client)")
	return fs
}

// name is how an error names a flag: "--expiry", or
// "ROCKETMOCK_EXPIRY: --expiry" when that variable set it.
func (f *serveFlags) name(flagName string) string {
	return f.envNote(flagName) + "--" + flagName
}

// envNote is "ROCKETMOCK_<FLAG>: " when that variable set the flag.
func (f *serveFlags) envNote(flagName string) string {
	if v, ok := f.fromEnv[flagName]; ok {
		return v + ": "
	}
	return ""
}

func serve(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	var f serveFlags
	fs := f.flagSet(stderr)
	var err error
	if f.fromEnv, err = applyEnv(fs, os.Environ(), prefixed(stderr, "rocketmock serve: ")); err != nil {
		fmt.Fprintln(stderr, "rocketmock serve:", err)
		return 2
	}
	f.fixtures.fromEnv = true // a --fixture on the command line replaces ROCKETMOCK_FIXTURE
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rocketmock serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	fs.Visit(func(fl *flag.Flag) { delete(f.fromEnv, fl.Name) }) // the command line won
	fail := func(err error) int {
		fmt.Fprintln(stderr, "rocketmock serve:", err)
		return 2
	}
	opts, logger, sink, err := f.options(stderr)
	if err != nil {
		return fail(err)
	}
	// Logging never blocks the broker: past a stuck stderr, lines are
	// dropped and counted. At exit the rest gets a second to drain.
	defer sink.Close(time.Second)
	if err := checkControl(f.name("control"), f.control, f.controlToken); err != nil {
		return fail(err)
	}
	var watch *clientcheck.Watch
	if f.clientChecks {
		watch = clientcheck.NewWatch()
		opts = append(opts, watch.Option())
	}
	var fixtures []*mockbroker.Fixture
	for _, path := range f.fixtures.values {
		fx, err := mockbroker.ReadFixture(path)
		if err != nil {
			return fail(fmt.Errorf("--fixture: %w", err))
		}
		fixtures = append(fixtures, fx)
	}
	if f.acl != "" {
		opt, err := loadACL(f.name("acl"), f.acl)
		if err != nil {
			return fail(err)
		}
		opts = append(opts, opt)
	}

	// Signals are caught from here on, so one sent right after the ready
	// line stops the mock cleanly.
	var sig chan os.Signal
	if stop == nil {
		sig = make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(sig)
	}
	var ln net.Listener
	if f.control != "" {
		if ln, err = net.Listen("tcp", f.control); err != nil {
			fmt.Fprintf(stderr, "rocketmock serve: --control %s: %v\n", f.control, err)
			return 1
		}
	}
	b, err := mockbroker.New(opts...)
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		fmt.Fprintln(stderr, "rocketmock serve:", err)
		return 1
	}
	if watch != nil {
		watch.Watch(b)
	}
	for i, fx := range fixtures {
		if err := b.LoadFixture(fx); err != nil {
			if ln != nil {
				ln.Close()
			}
			b.Close()
			return fail(fmt.Errorf("--fixture %s: %w", f.fixtures.values[i], err))
		}
	}
	control := "off"
	var srv *http.Server
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan struct{})
	if ln != nil {
		// The host as given (Go shows 0.0.0.0 as [::]) with the bound port.
		host, _, _ := net.SplitHostPort(f.control)
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		control = net.JoinHostPort(host, port)
		hopts := []controlapi.Option{controlapi.Token(f.controlToken), controlapi.ClientChecks(watch),
			controlapi.MetricsClientIDs(f.metricsClientIDs), controlapi.Version(buildinfo.Version(version))}
		if host != "" && net.ParseIP(host) == nil {
			hopts = append(hopts, controlapi.AllowHosts(host)) // requests may name the host it was given
		}
		limits := controlapi.DefaultLimits()
		srv = controlapi.NewServer(controlapi.NewHandler(b, hopts...), limits)
		srv.BaseContext = func(net.Listener) context.Context { return ctx }
		srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
		lln := controlapi.LimitListener(ln, limits.MaxConns)
		go func() {
			defer close(served)
			if err := srv.Serve(lln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("control API stopped", "err", err)
			}
		}()
	} else {
		close(served)
	}
	fmt.Fprintf(stdout, "rocketmock ready: addr=%s advertise=%s compat=%s control=%s\n", b.Addr(), b.AdvertisedAddr(), b.Release(), control)
	logger.Debug("connection limit", "maxConnections", b.MaxConnections())
	// The broker's transport may also stop on its own (gnet gives up):
	// then every client is gone and the port closed, so serve exits 1
	// rather than live on without serving.
	exit := 0
	select {
	case s := <-sig: // nil without a signal channel: never ready
		logger.Info("stopping", "signal", s.String())
	case <-stop:
	case <-b.Stopped():
		logger.Error("the broker stopped serving; exiting", "err", b.Err())
		exit = 1
	}
	// Waiting requests (POST .../wait) end at once; others get half a second.
	cancel()
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		scancel()
	}
	<-served
	b.Close()
	if watch != nil {
		fmt.Fprintf(stdout, "client checks:\n%s\n", watch.Report())
	}
	return exit
}

// checkControl refuses a control address that is not host:port, and one
// beyond loopback without a token: anyone who reaches it could steer the mock.
func checkControl(name, addr, token string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !validPort(port, 0) || !validHost(host) {
		return fmt.Errorf("%s %q: want host:port, such as 127.0.0.1:9877 (empty disables the control API)", name, addr)
	}
	if token == "" && !isLoopback(host) {
		return fmt.Errorf("%s %s listens beyond loopback: set --control-token (or ROCKETMOCK_CONTROL_TOKEN) so only clients with the token can steer the mock, or listen on 127.0.0.1", name, addr)
	}
	return nil
}

// isLoopback reports whether host names only loopback addresses; "" and
// 0.0.0.0 mean every interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listFlag is a repeatable flag whose values may also be comma-separated.
type listFlag struct {
	values  []string
	fromEnv bool // the values came from the environment: the next Set replaces them
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(v string) error {
	if l.fromEnv {
		l.values, l.fromEnv = nil, false
	}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			l.values = append(l.values, s)
		}
	}
	return nil
}

// options turns flags into broker options, and a logger writing to
// stderr through a sink that never blocks (Close it at exit). Flags that
// cannot work are refused here, before anything starts.
func (f *serveFlags) options(stderr io.Writer) ([]mockbroker.Option, *slog.Logger, *logsink.Sink, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, nil, nil, fmt.Errorf("%s %q: want debug, info, warn or error", f.name("log-level"), f.logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level, ReplaceAttr: logsink.TruncateAttrs(logsink.DefaultMaxValue)}
	var newHandler func(io.Writer) slog.Handler
	switch f.logFormat {
	case "text":
		newHandler = func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, hopts) }
	case "json":
		newHandler = func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, hopts) }
	default:
		return nil, nil, nil, fmt.Errorf("%s %q: want text or json", f.name("log-format"), f.logFormat)
	}
	rel, err := protocol.ParseRelease(f.compat)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s--%w", f.envNote("compat"), err) // --compat "x": want 5 or 4.9
	}
	var opts []mockbroker.Option
	switch f.virtualClock {
	case "":
	case "now":
		opts = append(opts, mockbroker.WithVirtualClock(time.Now()))
	default:
		t, err := time.Parse(time.RFC3339, f.virtualClock)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s %q: want an RFC 3339 time or \"now\": %w", f.name("virtual-clock"), f.virtualClock, err)
		}
		opts = append(opts, mockbroker.WithVirtualClock(t))
	}
	if err := f.check(); err != nil {
		return nil, nil, nil, err
	}

	sink := logsink.New(stderr, logsink.Options{Notice: func(n int64) []byte {
		var buf bytes.Buffer
		rec := slog.NewRecord(time.Now(), slog.LevelWarn, "log lines dropped: stderr was not read", 0)
		rec.AddAttrs(slog.Int64("dropped", n))
		_ = newHandler(&buf).Handle(context.Background(), rec)
		return buf.Bytes()
	}})
	logger := slog.New(newHandler(sink))
	opts = append(opts,
		mockbroker.WithListen(f.addr), mockbroker.WithLogger(logger), mockbroker.WithRelease(rel),
		mockbroker.WithExpiry(f.expiry), mockbroker.WithIdleTimeout(f.idleTimeout), mockbroker.WithScanInterval(f.scanInterval, f.scanInterval),
		mockbroker.WithQueueNums(f.queues), mockbroker.WithBrokerName(f.brokerName),
		mockbroker.WithClusterName(f.clusterName), mockbroker.WithAutoCreateTopic(f.autoCreateTopic),
	)
	if f.advertise != "" {
		opts = append(opts, mockbroker.WithAdvertise(f.advertise))
	}
	tlsOpt, err := f.tlsOption()
	if err != nil {
		return nil, nil, nil, err
	}
	if tlsOpt != nil {
		opts = append(opts, tlsOpt)
	}
	return opts, logger, sink, nil
}

// prefixed writes each line with prefix in front.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func prefixed(w io.Writer, prefix string) io.Writer { return prefixWriter{w, prefix} }

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix+string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// tlsOption is the broker's TLS from --tls-mode, --tls-cert and
// --tls-key; nil: disabled.
func (f *serveFlags) tlsOption() (mockbroker.Option, error) {
	mode, err := remoting.ParseTLSMode(f.tlsMode)
	if err != nil {
		return nil, fmt.Errorf("%s %w", f.name("tls-mode"), err)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, fmt.Errorf("%s and %s: want both files or neither", f.name("tls-cert"), f.name("tls-key"))
	}
	if mode == remoting.TLSDisabled {
		if f.tlsCert != "" {
			return nil, fmt.Errorf("%s with %s disabled: want --tls-mode permissive or enforcing", f.name("tls-cert"), f.name("tls-mode"))
		}
		return nil, nil
	}
	var cfg *tls.Config
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name("tls-cert"), err)
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	return mockbroker.WithTLS(mode, cfg), nil
}
