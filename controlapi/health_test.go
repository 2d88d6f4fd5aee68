package controlapi

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/internal/buildinfo"
	"github.com/rocketmock/rocketmock/internal/testchild"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/remoting"
)

// TestHealthReportsAStoppedBroker stops a broker's transport behind its
// back, in a child process (this test binary again) with a low
// RLIMIT_NOFILE: every descriptor taken, a connection arrives, gnet's
// accept fails and its engine stops. GET /v1/health must then answer 503
// with the reason, not "ok".
func TestHealthReportsAStoppedBroker(t *testing.T) {
	testchild.Run(t, "ROCKETMOCK_HEALTH_CHILD", healthChild)
}

func healthChild(t *testing.T) {
	testchild.LimitFDs(t, 256)
	b := mockbroker.Start(t)
	h := NewHandler(b)
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/v1/health", nil))
		return rec.Code, rec.Body.String()
	}
	code, body := get()
	assert.Equal(t, code, http.StatusOK, body)

	_, release := testchild.HoardFDs(1) // one for the client's socket: the broker's accept gets none
	if c, err := net.DialTimeout("tcp", b.Addr(), 2*time.Second); err == nil {
		defer c.Close()
	}
	select {
	case <-b.Stopped():
	case <-time.After(5 * time.Second):
	}
	release()
	assert.Assert(t, errors.Is(b.Err(), remoting.ErrEngineStopped), "Err: %v", b.Err())
	code, body = get()
	assert.Equal(t, code, http.StatusServiceUnavailable, body)
	var eb ErrorBody
	assert.NilError(t, json.Unmarshal([]byte(body), &eb))
	assert.Assert(t, strings.HasPrefix(eb.Error, "the broker stopped serving: "), eb.Error)
	assert.Assert(t, strings.Contains(eb.Error, "too many open files"), eb.Error)
}

// TestHealthReportsVersionAndExpiry checks the defaults: the build's
// module version (as `rocketmock version` prints it), 120 s expiry, 10 s
// scans.
func TestHealthReportsVersionAndExpiry(t *testing.T) {
	c := newClient(t, mockbroker.Start(t))
	h, err := c.Health(t.Context())
	assert.NilError(t, err)
	assert.Equal(t, h.Version, buildinfo.Version(""))
	assert.Assert(t, h.Version != "")
	assert.Equal(t, h.ExpiryMs, int64(120_000))
	assert.Equal(t, h.ScanIntervalMs, int64(10_000))
}
