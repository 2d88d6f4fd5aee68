package main

import (
	"fmt"
	"net"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/controlapi"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
	"gotest.tools/v3/assert"
)

// tableRow matches one line of the check table: scenario, result, time.
var tableRow = regexp.MustCompile(`(?m)^(\S+)\s+(pass|FAIL|skip)\s+\d\S*s\b`)

func checkTable(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, m := range tableRow.FindAllStringSubmatch(out, -1) {
		got[m[1]] = m[2]
	}
	return got
}

// withoutConsumers marks the consumer scenarios skipped when the mock
// does not serve consumers (38 not supported), as the suite skips them.
func withoutConsumers(t *testing.T, b *mockbroker.Broker, want map[string]string) map[string]string {
	c, err := testsuite.Dial(t.Context(), b.Addr())
	assert.NilError(t, err)
	defer c.Close()
	resp, err := c.Call(protocol.NewRequest(protocol.GetConsumerListByGroup, map[string]string{"consumerGroup": "probe"}, nil))
	assert.NilError(t, err)
	if resp.ResponseCode() == protocol.RequestCodeNotSupported {
		for n := range want {
			if strings.HasPrefix(n, "consumer-") || strings.HasSuffix(n, "-consumer") {
				want[n] = "skip"
			}
		}
	}
	return want
}

func allScenarios(status string) map[string]string {
	want := map[string]string{}
	for _, sc := range testsuite.Scenarios() {
		want[sc.Name] = status
	}
	return want
}

func TestCheckPassesOnTheMockThroughItsControlAPI(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(time.Now()), mockbroker.WithRelease(protocol.Release498))
	srv := httptest.NewServer(controlapi.NewHandler(b))
	t.Cleanup(srv.Close)
	var out, errb syncBuf
	code := run([]string{"check", "--control", srv.URL}, &out, &errb, nil)
	assert.Equal(t, code, 0, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	want := withoutConsumers(t, b, allScenarios("pass"))
	assert.DeepEqual(t, checkTable(t, out.String()), want)
	assert.Assert(t, strings.Contains(out.String(), "name server "+b.AdvertisedAddr()+", compat 4.9"), out.String())
	passed, skipped := 0, 0
	for _, st := range want {
		if st == "pass" {
			passed++
		} else {
			skipped++
		}
	}
	summary := fmt.Sprintf("%d scenarios: %d passed, 0 failed, %d skipped", len(want), passed, skipped)
	assert.Assert(t, strings.Contains(out.String(), summary), "want %q in\n%s", summary, out.String())
}

func TestCheckWireOnlySkipsWithReasons(t *testing.T) {
	b := mockbroker.Start(t)
	var out, errb syncBuf
	code := run([]string{"check", "--namesrv", b.Addr(), "--compat", "5"}, &out, &errb, nil)
	assert.Equal(t, code, 0, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	want := allScenarios("pass")
	for _, n := range []string{"expiry-after-timeout", "hooks-close-client", "hooks-expire-producer", "hooks-close-consumer", "hooks-expire-consumer"} {
		want[n] = "skip"
	}
	assert.DeepEqual(t, checkTable(t, out.String()), withoutConsumers(t, b, want))
	assert.Assert(t, regexp.MustCompile(`(?m)^hooks-close-client\s+skip\s+\S+\s+needs the target's hooks`).MatchString(out.String()), out.String())
	assert.Assert(t, regexp.MustCompile(`(?m)^expiry-after-timeout\s+skip\s+\S+\s+needs a virtual clock`).MatchString(out.String()), out.String())
}

func TestCheckFailsOnAWrongRelease(t *testing.T) {
	b := mockbroker.Start(t) // a 5.x mock, checked as 4.9
	var out, errb syncBuf
	code := run([]string{"check", "--namesrv", b.Addr(), "--compat", "4.9", "--run", "^(heartbeat-registers|unknown-group)$"}, &out, &errb, nil)
	assert.Equal(t, code, 1, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	assert.DeepEqual(t, checkTable(t, out.String()), map[string]string{"heartbeat-registers": "FAIL", "unknown-group": "FAIL"})
	// The table has the first line of the reason; the diff follows.
	assert.Assert(t, regexp.MustCompile(`(?m)^heartbeat-registers\s+FAIL\s+\S+\s+heartbeat: reply differs \(-want \+got\): \(see below\)$`).MatchString(out.String()), out.String())
	assert.Assert(t, strings.Contains(out.String(), "--- FAIL heartbeat-registers\n"), out.String())
	assert.Assert(t, strings.Contains(out.String(), `IS_SUPPORT_HEART_BEAT_V2`), out.String())
	assert.Assert(t, strings.Contains(out.String(), "2 scenarios: 0 passed, 2 failed, 0 skipped"), out.String())
}

func TestCheckRejectsBadUse(t *testing.T) {
	b := mockbroker.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	dead := ln.Addr().String()
	ln.Close()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"check"}, 2, "--namesrv is required"},
		{[]string{"check", "--namesrv", b.Addr(), "--compat", "3"}, 2, `compat "3": want 5 or 4.9`},
		{[]string{"check", "--namesrv", b.Addr(), "--run", "nothing-like-this"}, 2, `no scenario matches "nothing-like-this"`},
		{[]string{"check", "--namesrv", b.Addr(), "--run", "("}, 2, "error parsing regexp"},
		{[]string{"check", "--namesrv", b.Addr(), "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"check", "--namesrv", dead, "--timeout", "500ms"}, 1, "finding the broker through the route"},
		{[]string{"check", "--control", "http://" + dead}, 1, "--control: control API GET /v1/health"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb syncBuf
			assert.Equal(t, run(tt.args, &out, &errb, nil), tt.code, "stderr: %s", errb.String())
			assert.Assert(t, strings.Contains(errb.String(), tt.want), errb.String())
		})
	}
}
