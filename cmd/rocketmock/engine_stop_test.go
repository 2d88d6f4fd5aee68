package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/internal/testchild"
)

// TestServeExitsWhenTheBrokerStops runs serve in a child process (this
// test binary again) with a low RLIMIT_NOFILE, takes every descriptor
// behind the broker's back and connects: gnet's accept fails with EMFILE
// and its engine stops. serve must log why and exit 1, not live on
// without serving.
func TestServeExitsWhenTheBrokerStops(t *testing.T) {
	testchild.Run(t, "ROCKETMOCK_SERVE_STOP_CHILD", serveStopChild)
}

func serveStopChild(t *testing.T) {
	testchild.LimitFDs(t, 256)
	var out, errb syncBuf
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--addr", "127.0.0.1:0", "--control", ""}, &out, &errb, make(chan struct{}))
	}()
	var addr string
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if m := readyLine.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
	}
	assert.Assert(t, addr != "", "no ready line: %s", errb.String())
	_, release := testchild.HoardFDs(1) // one for the client's socket: the broker's accept gets none
	// The handshake completes in the kernel; the connection may be reset
	// as the engine closes its listener.
	if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
		defer c.Close()
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(10 * time.Second):
		release()
		t.Fatalf("serve lives on after its broker stopped; stderr:\n%s", errb.String())
	}
	release()
	assert.Equal(t, code, 1, "stderr:\n%s", errb.String())
	assert.Assert(t, strings.Contains(errb.String(), "the broker stopped serving; exiting"), errb.String())
	assert.Assert(t, strings.Contains(errb.String(), "too many open files"), errb.String())
}
