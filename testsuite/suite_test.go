package testsuite_test

import (
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/testsuite"
)

// The mock must pass the suite in both compatibility modes, with Go hooks
// and a virtual clock (so expiry runs in virtual time).
func TestSuiteAgainstMock(t *testing.T) {
	for _, tc := range []struct {
		compat     testsuite.Compat
		mockCompat mockbroker.Compat
	}{
		{testsuite.Compat5, mockbroker.Compat5},
		{testsuite.Compat49, mockbroker.Compat49},
	} {
		t.Run("compat-"+tc.compat.String(), func(t *testing.T) {
			b := mockbroker.Start(t, mockbroker.WithCompat(tc.mockCompat), mockbroker.WithVirtualClock(time.Now()))
			testsuite.Run(t, testsuite.Target{NameServer: b.Addr(), Control: b, Clock: b, Compat: tc.compat})
		})
	}
}

// Without hooks or a clock, the scenarios that need them skip; the rest
// pass on a real clock.
func TestSuiteWireOnly(t *testing.T) {
	b := mockbroker.Start(t)
	testsuite.Run(t, testsuite.Target{NameServer: b.Addr(), Broker: b.AdvertisedAddr()})
}
