package main

import (
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// `rocketmock admin` hands its arguments to the mqadmin imitation (tested
// in internal/mqadmin) and stops it when stop is closed (or a signal comes).
func TestAdminSubcommand(t *testing.T) {
	var out, errb syncBuf
	assert.Equal(t, run([]string{"admin", "--help"}, &out, &errb, nil), 0)
	assert.Assert(t, strings.HasPrefix(out.String(), "usage: rocketmock admin "), out.String())
	assert.Equal(t, run([]string{"admin", "frobnicate"}, &out, &errb, nil), 2)

	b := mockbroker.Start(t)
	b.Intercept(protocol.GetBrokerRuntimeInfo, func(r *mockbroker.Request) mockbroker.Action {
		resp := protocol.NewResponse(r.Command, protocol.Success, "")
		resp.Body = (&protocol.KVTable{}).Marshal()
		return mockbroker.Respond(resp)
	})
	out = syncBuf{}
	stop := make(chan struct{})
	done := make(chan int)
	go func() { done <- run([]string{"admin", "clusterList", "-n", b.Addr(), "-i", "1"}, &out, &errb, stop) }()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), "broker-a"); time.Sleep(5 * time.Millisecond) {
		assert.Assert(t, time.Now().Before(deadline), "no table within 5 s; stderr %q", errb.String())
	}
	close(stop)
	waitExit(t, done, 2*time.Second, "admin clusterList -i did not stop")
}
