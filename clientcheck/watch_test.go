package clientcheck

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/internal/fake"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
	"gotest.tools/v3/assert"
)

// dialT connects a remoting client that sends requests with the version
// they were built with; the test's cleanup closes it.
func dialT(t *testing.T, addr string) *remoting.Client {
	t.Helper()
	c, err := remoting.Dial(t.Context(), addr)
	assert.NilError(t, err)
	c.Version = 0
	t.Cleanup(func() { c.Close() })
	return c
}

func heartbeatCmd(clientID string, groups ...string) *protocol.Command {
	return testclient.Heartbeat(clientID, protocol.Go, 317, groups...)
}

// rawJSONFrame is a frame with a hand-written JSON header (extFields values
// of any JSON type) and a body.
func rawJSONFrame(header string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(4+len(header)+len(body)))
	out = binary.BigEndian.AppendUint32(out, uint32(len(header)))
	return append(append(out, header...), body...)
}

// summary is a finding without its time, for comparison.
type summary struct{ Check, ClientID, Detail string }

func summarize(r Report) []summary {
	out := []summary{}
	for _, f := range r.Findings {
		out = append(out, summary{f.Check, f.ClientID, f.Detail})
	}
	return out
}

func TestWatch(t *testing.T) {
	clock := fake.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	w := NewWatch()
	w.now = clock.Now
	b := mockbroker.Start(t, w.Option())
	w.Watch(b)
	f, err := mockbroker.ReadFixture(filepath.Join("..", "fixtures", "state", "orders.json"))
	assert.NilError(t, err)
	assert.NilError(t, b.LoadFixture(f))
	call := func(c *remoting.Client, cmd *protocol.Command) {
		t.Helper()
		resp, err := c.Call(cmd)
		assert.NilError(t, err)
		assert.Equal(t, resp.Code, int32(0), resp.Remark)
	}

	// A Go-style producer: closes without unregistering.
	goProducer := dialT(t, b.Addr())
	call(goProducer, heartbeatCmd("10.0.0.1@go", "PG_a", "PG_b"))
	// A Java-style producer: unregisters both groups, then closes.
	careful := dialT(t, b.Addr())
	call(careful, heartbeatCmd("10.0.0.2@java", "PG_a", "PG_b"))
	for _, g := range []string{"PG_a", "PG_b"} {
		h := protocol.UnregisterClientRequestHeader{ClientID: "10.0.0.2@java", ProducerGroup: g}
		call(careful, protocol.NewRequest(protocol.UnregisterClient, h.Encode(), nil))
	}
	// Expired by the broker: its close is not the client's doing.
	expired := dialT(t, b.Addr())
	call(expired, heartbeatCmd("10.0.0.3@expired", "PG_a"))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	assert.NilError(t, b.WaitProducers(ctx, "PG_a", 2)) // go and expired; careful left
	goProducer.Close()
	careful.Close()
	assert.NilError(t, b.ExpireProducer("PG_a", "10.0.0.3@expired"))
	// A virtual producer of the fixture closing is nobody's client.
	assert.NilError(t, b.CloseClient("10.0.0.5@12345"))

	// Non-string extFields and a reused opaque.
	sloppy := dialT(t, b.Addr())
	hb := heartbeatCmd("10.0.0.4@sloppy")
	assert.NilError(t, sloppy.WriteRaw(rawJSONFrame(`{"code":34,"extFields":{"n":1,"ok":"yes","b":true},"flag":0,"language":"GO","opaque":7,"version":317}`, hb.Body)))
	_, err = sloppy.ReadResponse()
	assert.NilError(t, err)
	again := heartbeatCmd("10.0.0.4@sloppy")
	again.Opaque, again.Version = 7, 317
	assert.NilError(t, sloppy.Send(again))
	_, err = sloppy.ReadResponse()
	assert.NilError(t, err)

	// Heartbeat timing on three connections: on time, too often, late.
	steady, eager, late := dialT(t, b.Addr()), dialT(t, b.Addr()), dialT(t, b.Addr())
	call(steady, heartbeatCmd("10.0.0.6@steady"))
	call(eager, heartbeatCmd("10.0.0.7@eager"))
	call(late, heartbeatCmd("10.0.0.8@late"))
	for i := 0; i < 6; i++ {
		clock.Advance(5 * time.Second)
		call(eager, heartbeatCmd("10.0.0.7@eager"))
		if i%6 == 5 {
			call(steady, heartbeatCmd("10.0.0.6@steady"))
		}
	}
	clock.Advance(30 * time.Second)
	call(steady, heartbeatCmd("10.0.0.6@steady"))
	clock.Advance(40 * time.Second)
	call(late, heartbeatCmd("10.0.0.8@late"))

	want := []summary{
		{CheckCloseWithoutUnregister, "10.0.0.1@go", "closed its connection while registered in producer group PG_a, without UNREGISTER_CLIENT"},
		{CheckCloseWithoutUnregister, "10.0.0.1@go", "closed its connection while registered in producer group PG_b, without UNREGISTER_CLIENT"},
		{CheckNonStringExtFields, "10.0.0.4@sloppy", "HEART_BEAT header has extFields values that are not strings: b=true, n=1"},
		{CheckDuplicateOpaque, "10.0.0.4@sloppy", "HEART_BEAT with opaque 7, already used on this connection 0s earlier"},
		{CheckHeartbeatInterval, "10.0.0.7@eager", "heartbeats every 5s (median of 5 intervals); documented: every 30s"},
		{CheckHeartbeatInterval, "10.0.0.8@late", "heartbeat 1m40s after the previous one; documented: every 30s"},
	}
	var r Report
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = w.Report()
		if len(r.Findings) >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	byCheck := func(a, b summary) bool { return a.Check+a.ClientID+a.Detail < b.Check+b.ClientID+b.Detail }
	assert.DeepEqual(t, want, summarize(r), cmpSortSummaries(byCheck))
	assert.Equal(t, r.Connections, 7)
	assert.Assert(t, strings.Contains(r.String(), "client checks: 7 connections"), r.String())
	assert.Assert(t, strings.Contains(r.String(), "  close-without-unregister "+goAddr(r)+" (10.0.0.1@go): closed its connection"), r.String())
	assert.Equal(t, len(r.Of(CheckHeartbeatInterval)), 2)
}

func goAddr(r Report) string {
	for _, f := range r.Findings {
		if f.ClientID == "10.0.0.1@go" {
			return f.Conn
		}
	}
	return ""
}

func cmpSortSummaries(less func(a, b summary) bool) cmp.Option {
	return cmp.Transformer("sorted", func(in []summary) []summary {
		out := append([]summary(nil), in...)
		for i := 1; i < len(out); i++ {
			for j := i; j > 0 && less(out[j], out[j-1]); j-- {
				out[j], out[j-1] = out[j-1], out[j]
			}
		}
		return out
	})
}
