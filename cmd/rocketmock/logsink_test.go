package main

import (
	"bufio"
	"net"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// With stderr piped and never read, the broker goes on serving: log lines
// past the pipe's buffer are dropped, not waited for (issue 12, item 5).
func TestServeKeepsServingWhenStderrIsStuck(t *testing.T) {
	pr, pw, err := os.Pipe()
	assert.NilError(t, err)
	defer pr.Close()
	defer pw.Close()
	var out syncBuf
	stop := make(chan struct{})
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--addr", "127.0.0.1:0", "--control", "", "--log-level", "debug"}, &out, pw, stop)
	}()
	var addr string
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if m := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
	}
	assert.Assert(t, addr != "", "no ready line: %q", out.String())

	// Each unsupported request code logs a line: 5,000 of them are far more
	// than a pipe holds (about 600 lines).
	nc, err := net.Dial("tcp", addr)
	assert.NilError(t, err)
	defer nc.Close()
	r := bufio.NewReader(nc)
	for i := range 5000 {
		req := protocol.NewRequest(protocol.RequestCode(9999), nil, nil)
		req.Opaque = int32(i + 1)
		frame, err := req.Encode()
		assert.NilError(t, err)
		assert.NilError(t, nc.SetDeadline(time.Now().Add(5*time.Second)))
		_, err = nc.Write(frame)
		assert.NilError(t, err)
		resp, err := protocol.ReadFrame(r, 0)
		assert.NilError(t, err, "request %d: the broker stopped answering", i)
		assert.Equal(t, resp.Opaque, req.Opaque)
	}
	close(stop)
	waitExit(t, done, 5*time.Second, "serve did not stop with stderr stuck")
}
