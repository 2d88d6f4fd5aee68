package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
)

type serveFlags struct {
	addr, advertise, compat, logFormat, logLevel, virtualClock string
	expiry, scanInterval                                       time.Duration
	queues                                                     int
	brokerName, clusterName                                    string
}

func serve(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f serveFlags
	fs.StringVar(&f.addr, "addr", "127.0.0.1:9876", "TCP address of the broker and name server")
	fs.StringVar(&f.advertise, "advertise", "", "ip:port put in routes (default: the listen address)")
	fs.StringVar(&f.compat, "compat", "5", "imitated broker release: 5 or 4.9")
	fs.DurationVar(&f.expiry, "expiry", 120*time.Second, "silence after which the scan drops a producer")
	fs.DurationVar(&f.scanInterval, "scan-interval", 10*time.Second, "first delay and period of the expiry scan")
	fs.StringVar(&f.virtualClock, "virtual-clock", "", "start a virtual clock at this RFC 3339 time, or \"now\"")
	fs.IntVar(&f.queues, "queues", 4, "read and write queues of every routed topic")
	fs.StringVar(&f.brokerName, "broker-name", "broker-a", "broker name in routes")
	fs.StringVar(&f.clusterName, "cluster-name", "DefaultCluster", "cluster name in routes")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	if err := applyEnv(fs, os.LookupEnv); err != nil {
		fmt.Fprintln(stderr, "rocketmock serve:", err)
		return 2
	}
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
	opts, logger, err := f.options(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "rocketmock serve:", err)
		return 2
	}
	b, err := mockbroker.New(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "rocketmock serve:", err)
		return 1
	}
	fmt.Fprintf(stdout, "rocketmock ready: addr=%s advertise=%s compat=%s\n", b.Addr(), b.AdvertisedAddr(), f.compat)
	if stop == nil {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		s := <-sig
		logger.Info("stopping", "signal", s.String())
	} else {
		<-stop
	}
	b.Close()
	return 0
}

// options turns flags into broker options.
func (f *serveFlags) options(stderr io.Writer) ([]mockbroker.Option, *slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", f.logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	var logger *slog.Logger
	switch f.logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(stderr, hopts))
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, hopts))
	default:
		return nil, nil, fmt.Errorf("--log-format %q: want text or json", f.logFormat)
	}
	opts := []mockbroker.Option{
		mockbroker.WithListen(f.addr), mockbroker.WithLogger(logger),
		mockbroker.WithExpiry(f.expiry), mockbroker.WithScanInterval(f.scanInterval, f.scanInterval),
		mockbroker.WithQueueNums(f.queues), mockbroker.WithBrokerName(f.brokerName),
		mockbroker.WithClusterName(f.clusterName),
	}
	if f.advertise != "" {
		opts = append(opts, mockbroker.WithAdvertise(f.advertise))
	}
	switch f.compat {
	case "5":
	case "4.9":
		opts = append(opts, mockbroker.WithCompat(mockbroker.Compat49))
	default:
		return nil, nil, fmt.Errorf("--compat %q: want 5 or 4.9", f.compat)
	}
	switch f.virtualClock {
	case "":
	case "now":
		opts = append(opts, mockbroker.WithVirtualClock(time.Now()))
	default:
		t, err := time.Parse(time.RFC3339, f.virtualClock)
		if err != nil {
			return nil, nil, fmt.Errorf("--virtual-clock %q: want an RFC 3339 time or \"now\": %w", f.virtualClock, err)
		}
		opts = append(opts, mockbroker.WithVirtualClock(t))
	}
	if f.queues < 1 {
		return nil, nil, fmt.Errorf("--queues %d: want at least 1", f.queues)
	}
	return opts, logger, nil
}
