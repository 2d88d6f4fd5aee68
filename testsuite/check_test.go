package testsuite_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
	"gotest.tools/v3/assert"
)

// mutatingProxy sits between the suite and a mock and rewrites the mock's
// replies, to prove the scenarios notice a broker that gets things wrong.
// Requests pass through untouched, bad frames included.
type mutatingProxy struct {
	ln     net.Listener
	target string
	mutate func(*protocol.Command)
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, mutate func(*protocol.Command)) *mutatingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	p := &mutatingProxy{ln: ln, mutate: mutate}
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *mutatingProxy) Addr() string { return p.ln.Addr().String() }

func (p *mutatingProxy) serve(target string) {
	p.target = target
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			down, err := p.ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				down.Close()
				continue
			}
			p.wg.Add(2)
			go func() { // requests: raw
				defer p.wg.Done()
				_, _ = io.Copy(up, down)
				up.Close()
			}()
			go func() { // replies: decoded, mutated, re-encoded
				defer p.wg.Done()
				defer down.Close()
				r := bufio.NewReader(up)
				for {
					cmd, err := protocol.ReadFrame(r, 0)
					if err != nil {
						return
					}
					p.mutate(cmd)
					out, err := cmd.Encode()
					if err != nil {
						return
					}
					if _, err := down.Write(out); err != nil {
						return
					}
				}
			}()
		}
	}()
}

// replaceBody rewrites reply bodies.
func replaceBody(old, new string) func(*protocol.Command) {
	return func(c *protocol.Command) {
		if c.Body != nil {
			c.Body = []byte(strings.ReplaceAll(string(c.Body), old, new))
		}
	}
}

// A broker that deviates in one detail fails the scenario that states it.
func TestCheckCatchesDeviations(t *testing.T) {
	tests := []struct {
		name     string
		release  protocol.Release
		mutate   func(*protocol.Command)
		wantFail []string
	}{
		{"unknown group remark", protocol.Release533, func(c *protocol.Command) {
			c.Remark = strings.Replace(c.Remark, "] not exist", "] does not exist", 1)
		}, []string{"unknown-group", "unregister-removes", "close-removes"}},
		{"unknown code remark without the leading space", protocol.Release533, func(c *protocol.Command) {
			c.Remark = strings.TrimPrefix(c.Remark, " request type")
		}, []string{"unknown-request-code", "json-and-rocketmq-headers", "pipelined-opaques"}},
		{"heartbeat reply without IS_SUB_CHANGE", protocol.Release533, func(c *protocol.Command) {
			delete(c.ExtFields, "IS_SUB_CHANGE")
		}, []string{"heartbeat-registers", "json-and-rocketmq-headers", "pipelined-opaques"}},
		{"connection version not the heartbeat's", protocol.Release533, replaceBody(`"version":317`, `"version":409`),
			[]string{"heartbeat-registers", "producers-and-groups", "close-removes"}},
		{"clientAddr with the leading slash", protocol.Release533, replaceBody(`"clientAddr":"`, `"clientAddr":"/`),
			[]string{"heartbeat-registers", "producers-and-groups", "heartbeat-repeated"}},
		{"quoted keys for old clients", protocol.Release533, replaceBody(`{0:"`, `{"0":"`),
			[]string{"route-keys-quoted", "cluster-info"}},
		{"spaces in route JSON", protocol.Release533, replaceBody(`,"brokerName"`, `, "brokerName"`),
			[]string{"route-keys-quoted", "cluster-info"}},
		{"reply opaque off by one", protocol.Release533, func(c *protocol.Command) {
			if c.Opaque == 42 {
				c.Opaque = 43
			}
		}, []string{"pipelined-opaques"}},
		{"4.9 replies always in JSON", protocol.Release498, func(c *protocol.Command) {
			c.Serialize = protocol.JSON
		}, []string{"json-and-rocketmq-headers"}},
		{"4.9 keeps the group after unregister", protocol.Release498, func(c *protocol.Command) {
			if strings.HasPrefix(c.Remark, "the producer group[") {
				c.Code, c.Remark, c.Body = 0, "", []byte(`{"connectionSet":[]}`)
			}
		}, []string{"unregister-removes", "unknown-group"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startProxy(t, tc.mutate)
			b := mockbroker.Start(t, mockbroker.WithRelease(tc.release), mockbroker.WithAdvertise(p.Addr()))
			p.serve(b.Addr())
			res, err := testsuite.Check(t.Context(), testsuite.Target{NameServer: p.Addr(), Release: tc.release, Timeout: time.Second})
			assert.NilError(t, err)
			var failed []string
			for _, r := range res {
				if r.Status == testsuite.Fail {
					failed = append(failed, r.Name)
					assert.Assert(t, r.Reason != "", "%s failed without a reason", r.Name)
				}
			}
			for _, want := range tc.wantFail {
				assert.Assert(t, contains(failed, want), "scenario %s passed; failed: %v", want, failed)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// servesConsumers reports whether the broker answers
// GET_CONSUMER_LIST_BY_GROUP (38) with anything but
// REQUEST_CODE_NOT_SUPPORTED.
func servesConsumers(t *testing.T, addr string) bool {
	c, err := testsuite.Dial(t.Context(), addr)
	assert.NilError(t, err)
	defer c.Close()
	resp, err := c.Call(protocol.NewRequest(protocol.GetConsumerListByGroup, map[string]string{"consumerGroup": "probe"}, nil))
	assert.NilError(t, err)
	return resp.ResponseCode() != protocol.RequestCodeNotSupported
}

// Through an honest proxy every wire scenario passes: the proxy itself
// changes nothing the suite looks at.
func TestCheckThroughHonestProxy(t *testing.T) {
	p := startProxy(t, func(*protocol.Command) {})
	b := mockbroker.Start(t, mockbroker.WithAdvertise(p.Addr()))
	p.serve(b.Addr())
	res, err := testsuite.Check(t.Context(), testsuite.Target{NameServer: p.Addr()})
	assert.NilError(t, err)
	got := map[string]testsuite.Status{}
	want := map[string]testsuite.Status{}
	for _, sc := range testsuite.Scenarios() {
		want[sc.Name] = testsuite.Pass
	}
	for _, n := range []string{"expiry-after-timeout", "hooks-close-client", "hooks-expire-producer", "hooks-close-consumer", "hooks-expire-consumer"} {
		want[n] = testsuite.Skip
	}
	if !servesConsumers(t, b.Addr()) { // the consumer scenarios skip on a broker without consumers
		for n := range want {
			if strings.HasPrefix(n, "consumer-") {
				want[n] = testsuite.Skip
			}
		}
	}
	for _, r := range res {
		got[r.Name] = r.Status
		if r.Status == testsuite.Fail {
			t.Logf("%s: %s", r.Name, r.Reason)
		}
	}
	assert.DeepEqual(t, want, got)
}

// Check reports skips with their reason and runs nothing on an
// unreachable target.
func TestCheckSkipsAndSetup(t *testing.T) {
	b := mockbroker.Start(t)
	res, err := testsuite.Check(t.Context(), testsuite.Target{NameServer: b.Addr()})
	assert.NilError(t, err)
	names := make([]string, 0, len(res))
	for _, r := range res {
		names = append(names, r.Name)
		if r.Name == "hooks-close-client" {
			assert.Equal(t, r.Status, testsuite.Skip)
			assert.Assert(t, strings.Contains(r.Reason, "needs the target's hooks"), r.Reason)
		}
	}
	var want []string
	for _, sc := range testsuite.Scenarios() {
		want = append(want, sc.Name)
	}
	assert.Assert(t, cmp.Equal(want, names), cmp.Diff(want, names))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	_, err = testsuite.Check(t.Context(), testsuite.Target{NameServer: addr})
	assert.ErrorContains(t, err, "finding the broker through the route of \"TBW102\"")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err = testsuite.Check(ctx, testsuite.Target{NameServer: b.Addr(), Broker: b.Addr()})
	assert.NilError(t, err)
	assert.Equal(t, res[0].Status, testsuite.Skip)
	assert.Equal(t, res[0].Reason, "interrupted")
}
