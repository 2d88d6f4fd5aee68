package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/rocketmock/rocketmock/controlapi"
	"github.com/rocketmock/rocketmock/protocol"
)

// healthFlags are healthcheck's flags.
type healthFlags struct {
	control, token, addr string
	timeout              time.Duration
}

// flagSet defines healthcheck's flags on f.
func (f *healthFlags) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.control, "control", "127.0.0.1:9877", "address of the control API (as given to serve); empty: probe --addr")
	fs.StringVar(&f.token, "control-token", "", "bearer token of the control API")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:9876", "broker address, probed when the control API is disabled")
	durationVar(fs, &f.timeout, "timeout", 2*time.Second, "how long to wait for the answer (a `duration`)")
	return fs
}

// healthcheck exits 0 when a running mock answers healthy, 1 when it does
// not: for a container HEALTHCHECK in an image without a shell. It reads
// the same ROCKETMOCK_* variables as serve, so in the container it finds
// the control API (and its token) without flags. With the control API
// disabled it asks the broker port for cluster info instead.
func healthcheck(args []string, stdout, stderr io.Writer) int {
	var f healthFlags
	fs := f.flagSet(stderr)
	if _, err := applyEnv(fs, os.Environ(), prefixed(stderr, "rocketmock healthcheck: ")); err != nil {
		fmt.Fprintln(stderr, "rocketmock healthcheck:", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rocketmock healthcheck: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	control, token, addr, timeout := f.control, f.token, f.addr, f.timeout
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var err error
	if control != "" {
		err = probeControl(ctx, dialable(control), token)
	} else {
		err = probeBroker(ctx, dialable(addr))
	}
	if err != nil {
		fmt.Fprintln(stderr, "rocketmock healthcheck: unhealthy:", err)
		return 1
	}
	fmt.Fprintln(stdout, "healthy")
	return 0
}

// dialable turns a listen address into one to dial: an unspecified host
// (":9877", "0.0.0.0:9877", "[::]:9877") becomes loopback.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		if ip != nil && ip.To4() == nil {
			return net.JoinHostPort("::1", port)
		}
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// probeControl asks GET /v1/health for {"status":"ok"}.
func probeControl(ctx context.Context, addr, token string) error {
	h, err := controlapi.NewClient("http://"+addr, token).Health(ctx)
	var ae *controlapi.Error
	var ue *url.Error
	switch {
	case errors.As(err, &ae):
		return fmt.Errorf("control API at %s: status %d: %s", addr, ae.Status, ae.Message)
	case errors.As(err, &ue):
		return ue // it names the method and URL
	case err != nil:
		return fmt.Errorf("control API at %s: %w", addr, err)
	case h.Status != "ok":
		return fmt.Errorf("control API at %s: status %q", addr, h.Status)
	}
	return nil
}

// probeBroker sends GET_BROKER_CLUSTER_INFO (106) and wants a success reply.
func probeBroker(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	frame, err := protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil).Encode()
	if err != nil {
		return err
	}
	if _, err := c.Write(frame); err != nil {
		return err
	}
	resp, err := protocol.ReadFrame(c, 1<<20)
	if errors.Is(err, protocol.ErrCorrupt) {
		return fmt.Errorf("broker at %s: %w", addr, err)
	} else if err != nil {
		return fmt.Errorf("broker at %s: reading the reply: %w", addr, err)
	}
	if resp.ResponseCode() != protocol.Success {
		return fmt.Errorf("broker at %s: GET_BROKER_CLUSTER_INFO answered %s %q", addr, resp.ResponseCode(), resp.Remark)
	}
	return nil
}
