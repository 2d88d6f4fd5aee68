package mockbroker

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// A connection keeps its last heartbeat decoded; a different body on the
// same connection is decoded afresh, and a refused one is refused again.
func TestHeartbeatBodyChangesOnOneConnection(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	groups := func() map[string][]string {
		out := map[string][]string{}
		for _, g := range b.Groups() {
			out[g] = clientIDs(b.Producers(g))
		}
		return out
	}
	for _, step := range []struct {
		hb   *protocol.Command
		code protocol.ResponseCode
		want map[string][]string
	}{
		{heartbeatCmd("c@1", protocol.Java, 479, "PG_a"), protocol.Success, map[string][]string{"PG_a": {"c@1"}}},
		{heartbeatCmd("c@1", protocol.Java, 479, "PG_a"), protocol.Success, map[string][]string{"PG_a": {"c@1"}}},
		{heartbeatCmd("c@1", protocol.Java, 479, "PG_a", "PG_b"), protocol.Success, map[string][]string{"PG_a": {"c@1"}, "PG_b": {"c@1"}}},
		{heartbeatCmd("", protocol.Java, 479, "PG_c"), protocol.SystemError, map[string][]string{"PG_a": {"c@1"}, "PG_b": {"c@1"}}},
		{heartbeatCmd("", protocol.Java, 479, "PG_c"), protocol.SystemError, map[string][]string{"PG_a": {"c@1"}, "PG_b": {"c@1"}}},
		{heartbeatCmd("c@1", protocol.Java, 479, "PG_c"), protocol.Success, map[string][]string{"PG_a": {"c@1"}, "PG_b": {"c@1"}, "PG_c": {"c@1"}}},
	} {
		resp := c.call(step.hb)
		assert.Equal(t, resp.ResponseCode(), step.code, resp.Remark)
		assert.Assert(t, cmp.Equal(groups(), step.want), cmp.Diff(step.want, groups()))
	}
}
