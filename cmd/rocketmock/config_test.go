package main

import (
	"strings"
	"testing"

	"gotest.tools/v3/assert"
)

// Configuration that cannot work is refused before anything starts, with
// exit 2 and a message saying what is expected (issue 12, item 9).
func TestServeRefusesConfigurationThatCannotWork(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--scan-interval", "0"}, nil, `--scan-interval 0s: want a duration of at least 1ms, such as 10s`},
		{[]string{"--scan-interval", "-1s"}, nil, `--scan-interval -1s: want a duration of at least 1ms`},
		{[]string{"--scan-interval", "500us"}, nil, `--scan-interval 500µs: want a duration of at least 1ms`},
		{[]string{"--expiry", "0"}, nil, `--expiry 0s: want a positive duration, such as 120s`},
		{[]string{"--expiry", "-5s"}, nil, `--expiry -5s: want a positive duration`},
		{[]string{"--idle-timeout", "-1s"}, nil, `--idle-timeout -1s: want 0 (never) or a positive duration`},
		{[]string{"--expiry", "soon"}, nil, `invalid value "soon" for flag -expiry: want a duration such as 10s, 1m30s or 500ms`},
		{[]string{"--queues", "four"}, nil, `invalid value "four" for flag -queues: want a whole number such as 4`},
		{[]string{"--queues", "0"}, nil, `--queues 0: want 1 to 65536`},
		{[]string{"--queues", "3000000000"}, nil, `--queues 3000000000: want 1 to 65536`},
		{[]string{"--client-checks=maybe"}, nil, `invalid boolean value "maybe" for -client-checks: want true or false`},
		{[]string{"--metrics-client-ids=some"}, nil, `invalid boolean value "some" for -metrics-client-ids: want true or false`},
		{[]string{"--addr", "nonsense"}, nil, `--addr "nonsense": want host:port with a port from 0 to 65535, such as 127.0.0.1:9876`},
		{[]string{"--addr", "127.0.0.1:99999"}, nil, `--addr "127.0.0.1:99999": want host:port`},
		{[]string{"--addr", "bad host!:1"}, nil, `--addr "bad host!:1": want host:port`},
		{[]string{"--advertise", "localhost:9876"}, nil, `--advertise "localhost:9876": want ip:port, the address clients reach (an IP address, not a name`},
		{[]string{"--advertise", "10.0.0.1:0"}, nil, `--advertise "10.0.0.1:0": want ip:port`},
		{[]string{"--advertise", "10.0.0.1"}, nil, `--advertise "10.0.0.1": want ip:port`},
		{[]string{"--control", "127.0.0.1:http"}, nil, `--control "127.0.0.1:http": want host:port`},
		// Variables: the message names the variable and the format.
		{nil, map[string]string{"ROCKETMOCK_EXPIRY": "5"}, `ROCKETMOCK_EXPIRY="5": want a duration such as 10s, 1m30s or 500ms`},
		{nil, map[string]string{"ROCKETMOCK_QUEUES": "many"}, `ROCKETMOCK_QUEUES="many": want a whole number such as 4`},
		{nil, map[string]string{"ROCKETMOCK_CLIENT_CHECKS": "yes please"}, `ROCKETMOCK_CLIENT_CHECKS="yes please": want true or false`},
		{nil, map[string]string{"ROCKETMOCK_METRICS_CLIENT_IDS": "on"}, `ROCKETMOCK_METRICS_CLIENT_IDS="on": want true or false`},
		{nil, map[string]string{"ROCKETMOCK_SCAN_INTERVAL": "0s"}, `ROCKETMOCK_SCAN_INTERVAL: --scan-interval 0s: want a duration of at least 1ms`},
		{nil, map[string]string{"ROCKETMOCK_ADVERTISE": "rocketmock:9876"}, `ROCKETMOCK_ADVERTISE: --advertise "rocketmock:9876": want ip:port`},
		{nil, map[string]string{"ROCKETMOCK_CONTROL": "0.0.0.0:0"}, `ROCKETMOCK_CONTROL: --control 0.0.0.0:0 listens beyond loopback`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+envString(tt.env), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out, errb syncBuf
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0"}, tt.args...)
			if tt.env != nil {
				args = []string{"serve"}
				if _, ok := tt.env["ROCKETMOCK_CONTROL"]; !ok {
					args = append(args, "--control", "127.0.0.1:0")
				}
				if _, ok := tt.env["ROCKETMOCK_ADDR"]; !ok {
					args = append(args, "--addr", "127.0.0.1:0")
				}
			}
			assert.Equal(t, run(args, &out, &errb, nil), 2, errb.String())
			assert.Assert(t, strings.Contains(errb.String(), tt.want), errb.String())
			assert.Equal(t, out.String(), "", "nothing half-started")
		})
	}
}

func envString(env map[string]string) string {
	var s []string
	for k, v := range env {
		s = append(s, k+"="+v)
	}
	return strings.Join(s, " ")
}

// A misspelt variable is named, with the closest known one; variables of
// the other command sharing the container's environment are not.
func TestUnknownVariablesAreWarnedAbout(t *testing.T) {
	t.Setenv("ROCKETMOCK_CONTROL_TOKN", "secret")
	t.Setenv("ROCKETMOCK_ADVERTISE", "127.0.0.1:9876")
	t.Setenv("ROCKETMOCK_TIMEOUT", "1s") // healthcheck's
	t.Setenv("ROCKETMOCK_ZZZZZZZZZZZZ", "1")
	var out, errb syncBuf
	stop := make(chan struct{})
	close(stop)
	assert.Equal(t, run([]string{"serve", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0"}, &out, &errb, stop), 0, errb.String())
	assert.Assert(t, strings.Contains(errb.String(),
		"rocketmock serve: warning: ROCKETMOCK_CONTROL_TOKN is not a rocketmock setting; it is ignored (did you mean ROCKETMOCK_CONTROL_TOKEN?)\n"), errb.String())
	assert.Assert(t, strings.Contains(errb.String(),
		"rocketmock serve: warning: ROCKETMOCK_ZZZZZZZZZZZZ is not a rocketmock setting; it is ignored\n"), errb.String())
	assert.Assert(t, !strings.Contains(errb.String(), "ROCKETMOCK_ADVERTISE"), errb.String())
	assert.Assert(t, !strings.Contains(errb.String(), "ROCKETMOCK_TIMEOUT"), errb.String())

	errb = syncBuf{}
	run([]string{"healthcheck", "--control", "127.0.0.1:1", "--timeout", "100ms"}, &out, &errb, nil)
	assert.Assert(t, strings.Contains(errb.String(), "rocketmock healthcheck: warning: ROCKETMOCK_CONTROL_TOKN is not a rocketmock setting"), errb.String())
	assert.Assert(t, !strings.Contains(errb.String(), "ROCKETMOCK_ADVERTISE"), errb.String())
}

func TestClosest(t *testing.T) {
	known := knownEnv()
	assert.Equal(t, closest("ROCKETMOCK_SCAN_INTERVALL", known), "ROCKETMOCK_SCAN_INTERVAL")
	assert.Equal(t, closest("ROCKETMOCK_ADRESS", known), "ROCKETMOCK_ADDR")
	assert.Equal(t, closest("ROCKETMOCK_LOGLEVEL", known), "ROCKETMOCK_LOG_LEVEL")
	assert.Equal(t, closest("ROCKETMOCK_SOMETHING_ELSE", known), "")
}

func TestServeRefusesAnAdvanceOfAbsurdlyManyScans(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--virtual-clock", "now", "--scan-interval", "1ms")
	status, body := httpDo(t, "POST", "http://"+r.control+"/v1/clock/advance", "", `{"duration":"24h"}`)
	assert.Equal(t, status, 400, body)
	assert.Assert(t, strings.Contains(body, "would run about 86400000 expiry scans (one every 1ms); the limit is 1000000"), body)
	status, body = httpDo(t, "POST", "http://"+r.control+"/v1/clock/advance", "", `{"seconds":1}`)
	assert.Equal(t, status, 200, body)
}
