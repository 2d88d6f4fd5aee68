package bench

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/panjf2000/gnet/v2"
	"github.com/rocketmock/rocketmock/internal/gnetaddr"
)

// Echo is the baseline: a minimal length-prefixed echo server on gnet v2
// with the mock's settings (one event loop, TCP_NODELAY). It writes back
// every whole frame it has read, as it is, in one write per read. What the
// mock does more than this is the cost of being a broker.
type Echo struct {
	addr    string
	engine  gnet.Engine
	runDone chan error
}

// StartEcho serves the echo on addr ("127.0.0.1:0" for a free port) with
// loops event loops (0 means 1, the mock's default).
func StartEcho(addr string, loops int) (*Echo, error) {
	if loops <= 0 {
		loops = 1
	}
	booted := make(chan error, 1)
	e := &Echo{runDone: make(chan error, 1)}
	h := &echoHandler{e: e, booted: booted}
	go func() {
		err := gnet.Run(h, "tcp://"+addr,
			gnet.WithNumEventLoop(loops),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithReuseAddr(true),
			gnet.WithLogger(silentLogger{}),
		)
		booted <- err // read only if OnBoot never ran
		e.runDone <- err
	}()
	if err := <-booted; err != nil {
		return nil, fmt.Errorf("echo server on %s: %w", addr, err)
	}
	return e, nil
}

// Addr returns the bound "ip:port".
func (e *Echo) Addr() string { return e.addr }

// Close stops the server and waits until it has stopped.
func (e *Echo) Close() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Stop only signals; waiting for Run is enough
	_ = e.engine.Stop(ctx)
	<-e.runDone
}

type echoHandler struct {
	gnet.BuiltinEventEngine
	e      *Echo
	booted chan<- error
}

func (h *echoHandler) OnBoot(eng gnet.Engine) gnet.Action {
	addr, err := gnetaddr.Of(eng)
	if err != nil {
		h.booted <- err
		return gnet.Shutdown
	}
	h.e.engine, h.e.addr = eng, addr
	h.booted <- nil
	return gnet.None
}

func (h *echoHandler) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(c.InboundBuffered())
	n := 0
	for len(buf)-n >= 4 {
		size := int(binary.BigEndian.Uint32(buf[n:])) + 4
		if size > len(buf)-n {
			break
		}
		n += size
	}
	if n == 0 {
		return gnet.None
	}
	if _, err := c.Write(buf[:n]); err != nil {
		return gnet.Close
	}
	_, _ = c.Discard(n)
	return gnet.None
}

type silentLogger struct{}

func (silentLogger) Debugf(string, ...any) {}
func (silentLogger) Infof(string, ...any)  {}
func (silentLogger) Warnf(string, ...any)  {}
func (silentLogger) Errorf(string, ...any) {}
func (silentLogger) Fatalf(string, ...any) {}
