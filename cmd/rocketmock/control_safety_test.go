package main

import (
	"strings"
	"testing"

	"gotest.tools/v3/assert"
)

// The control API listens on loopback unless told otherwise.
func TestControlSafetyLoopbackByDefault(t *testing.T) {
	var out, errb syncBuf
	assert.Equal(t, run([]string{"serve", "-h"}, &out, &errb, nil), 0)
	usage := errb.String()
	i := strings.Index(usage, "-control string")
	assert.Assert(t, i >= 0, usage)
	line := usage[i:]
	line = line[:strings.Index(line, "-control-token")]
	assert.Assert(t, strings.Contains(line, `(default "127.0.0.1:9877")`), "the --control default: %s", line)
}

// Only addresses that are loopback for sure are served without a token;
// anything else, names included, needs --control-token.
func TestControlSafetyTokenNeededBeyondLoopback(t *testing.T) {
	tests := []struct {
		addr     string
		loopback bool
	}{
		{"127.0.0.1:9877", true},
		{"127.8.9.10:9877", true},
		{"[::1]:9877", true},
		{"[::ffff:127.0.0.1]:9877", true},
		{"localhost:9877", true},
		{"LOCALHOST:9877", true},
		{":9877", false},
		{"0.0.0.0:9877", false},
		{"[::]:9877", false},
		{"10.0.0.1:9877", false},
		{"[fe80::1]:9877", false},
		{"localhost.:9877", false},
		{"127.0.0.1.nip.io:9877", false},
		{"localhost.example.com:9877", false},
		{"my-host:9877", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := checkControl("--control", tt.addr, "")
			if tt.loopback {
				assert.NilError(t, err)
				return
			}
			assert.ErrorContains(t, err, "listens beyond loopback: set --control-token")
			assert.NilError(t, checkControl("--control", tt.addr, "tok"), "with a token it may")
		})
	}
}
