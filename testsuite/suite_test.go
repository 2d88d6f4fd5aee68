package testsuite_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/controlapi"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
	"gotest.tools/v3/assert"
)

// The test types of the testing package run the suite and start mocks,
// though neither testsuite nor mockbroker imports testing.
var (
	_ testsuite.Runner[*testing.T] = (*testing.T)(nil)
	_ testsuite.Runner[*testing.B] = (*testing.B)(nil)
	_ mockbroker.TB                = (*testing.T)(nil)
	_ mockbroker.TB                = (*testing.B)(nil)
)

// The mock must pass the suite in both compatibility modes, with Go hooks
// and a virtual clock (so expiry runs in virtual time).
func TestSuiteAgainstMock(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release533, protocol.Release498} {
		t.Run("compat-"+rel.String(), func(t *testing.T) {
			b := mockbroker.Start(t, mockbroker.WithRelease(rel), mockbroker.WithVirtualClock(time.Now()))
			testsuite.Run(t, testsuite.Target{NameServer: b.Addr(), Control: b, Clock: b, Release: rel})
		})
	}
}

// Without hooks or a clock, the scenarios that need them skip; the rest
// pass on a real clock.
func TestSuiteWireOnly(t *testing.T) {
	b := mockbroker.Start(t)
	testsuite.Run(t, testsuite.Target{NameServer: b.Addr(), Broker: b.AdvertisedAddr()})
}

// Through the HTTP control API the hooks behave as the Go ones.
func TestSuiteThroughControlAPI(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithRelease(protocol.Release498), mockbroker.WithVirtualClock(time.Now()))
	srv := httptest.NewServer(controlapi.NewHandler(b, controlapi.Token("s3cret")))
	t.Cleanup(srv.Close)
	hooks := testsuite.NewHTTPHooks(srv.URL, "s3cret")
	health, err := hooks.Health(t.Context())
	assert.NilError(t, err)
	assert.Equal(t, health.Compat, "4.9")
	assert.Assert(t, health.VirtualClock)
	testsuite.Run(t, testsuite.Target{NameServer: health.Addr, Control: hooks, Clock: hooks, Release: protocol.Release498})

	_, err = testsuite.NewHTTPHooks(srv.URL, "wrong").Health(t.Context())
	assert.ErrorContains(t, err, "401 Unauthorized: wrong bearer token")
	real := mockbroker.Start(t)
	srv2 := httptest.NewServer(controlapi.NewHandler(real))
	t.Cleanup(srv2.Close)
	err = testsuite.NewHTTPHooks(strings.TrimPrefix(srv2.URL, "http://"), "").TryAdvance(time.Second)
	assert.ErrorContains(t, err, "the broker runs on real time")
}
