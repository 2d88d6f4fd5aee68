package main

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// syncBuf is a bytes.Buffer safe to read while serve writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServeAnswersAndStops(t *testing.T) {
	var out, errb syncBuf
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		done <- run([]string{"serve", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--compat", "4.9"}, &out, &errb, stop)
	}()
	re := regexp.MustCompile(`rocketmock ready: addr=(\S+) advertise=(\S+) compat=4.9`)
	var addr string
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
	}
	assert.Assert(t, addr != "", "no ready line; stdout %q stderr %q", out.String(), errb.String())
	resp := testclient.Dial(t, addr).Call(testclient.ClusterInfo())
	assert.Equal(t, resp.Version, protocol.V4_9_8)
	close(stop)
	waitExit(t, done, time.Second, "serve did not stop within a second")
}

// waitExit waits up to d for run's exit code on done and checks it is 0;
// at the deadline it fails with msg.
func waitExit(t *testing.T, done <-chan int, d time.Duration, msg string) {
	t.Helper()
	select {
	case code := <-done:
		assert.Equal(t, code, 0)
	case <-time.After(d):
		t.Fatal(msg)
	}
}

func TestServeRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--compat", "3"}, nil, `--compat "3": want 5 or 4.9`},
		{[]string{"serve", "--log-format", "xml"}, nil, `--log-format "xml": want text or json`},
		{[]string{"serve", "--virtual-clock", "yesterday"}, nil, `--virtual-clock "yesterday": want an RFC 3339 time`},
		{[]string{"serve", "extra"}, nil, `unexpected argument "extra"`},
		{[]string{"serve", "--tls-mode", "strict"}, nil, `--tls-mode tls mode "strict": want disabled, permissive or enforcing`},
		{[]string{"serve", "--tls-mode", "permissive", "--tls-cert", "c.pem"}, nil, `--tls-cert and --tls-key: want both files or neither`},
		{[]string{"serve", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, nil, `--tls-cert with --tls-mode disabled: want --tls-mode permissive or enforcing`},
		{[]string{"serve", "--tls-mode", "enforcing", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"}, nil, `--tls-cert: open /nonexistent/c.pem`},
		{[]string{"serve", "--expiry", "soon"}, nil, `invalid value "soon" for flag -expiry`},
		{[]string{"frobnicate"}, nil, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb syncBuf
			assert.Equal(t, run(tt.args, &out, &errb, nil), 2)
			assert.Assert(t, strings.Contains(errb.String(), tt.want), errb.String())
			assert.Equal(t, out.String(), "", "nothing half-started")
		})
	}
}

func TestEnvSetsFlags(t *testing.T) {
	t.Setenv("ROCKETMOCK_COMPAT", "banana")
	var out, errb syncBuf
	assert.Equal(t, run([]string{"serve", "--addr", "127.0.0.1:0"}, &out, &errb, nil), 2)
	assert.Assert(t, strings.Contains(errb.String(), `--compat "banana"`), errb.String())
}
