package mockbroker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// sendCmd builds a Go-client style SEND_MESSAGE (10).
func sendCmd(group, topic string, queue int, props string, body []byte) *protocol.Command {
	return testclient.SendMessage(group, topic, queue, props, body)
}

func clusterInfoCmd() *protocol.Command { return testclient.ClusterInfo() }

// readEOF reads until the broker closes the connection and returns what
// came; it fails on a timeout.
func readEOF(t *testing.T, c *rawClient) []byte {
	t.Helper()
	return c.ReadEOF()
}

func TestFaultCodeOnceThenNormal(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	ic := b.Intercept(protocol.SendMessage, FaultCode(protocol.SystemBusy, "[PC_SYNCHRONIZED]broker busy"), Once())

	resp := c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01A\x02", []byte("x")))
	assert.Equal(t, resp.ResponseCode(), protocol.SystemBusy)
	assert.Equal(t, resp.Remark, "[PC_SYNCHRONIZED]broker busy")
	assert.Equal(t, resp.Version, protocol.V5_3_3, "the broker stamps its version on intercepted replies")
	assert.Assert(t, resp.ExtFields == nil)
	select {
	case <-ic.Done():
	default:
		t.Fatal("a used-up interception is done")
	}
	assert.Equal(t, ic.Hits(), 1)

	resp = c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01B\x02", []byte("y")))
	assert.Equal(t, resp.Code, int32(0), "the second send is handled normally")
	assert.Equal(t, resp.ExtFields["queueOffset"], "0", "the intercepted send stored nothing")
	assert.Equal(t, len(b.Messages("T")), 1)
}

func TestInterceptTimesUntilRemovedAndOrder(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	first := b.Intercept(protocol.GetBrokerClusterInfo, FaultCode(protocol.SystemError, "first"), Times(2))
	second := b.Intercept(protocol.GetBrokerClusterInfo, FaultCode(protocol.SystemError, "second"))
	var remarks []string
	for range 4 {
		remarks = append(remarks, c.call(clusterInfoCmd()).Remark)
	}
	assert.DeepEqual(t, remarks, []string{"first", "first", "second", "second"})
	second.Remove()
	second.Remove() // idempotent
	assert.Equal(t, c.call(clusterInfoCmd()).Code, int32(0))
	assert.Equal(t, first.Hits(), 2)
	assert.Equal(t, second.Hits(), 2)

	any := b.Intercept(AnyCode, FaultCode(protocol.SystemBusy, "all"))
	assert.Equal(t, c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG")).Remark, "all")
	assert.Equal(t, c.call(clusterInfoCmd()).Remark, "all")
	b.ClearInterceptions()
	<-any.Done()
	assert.Equal(t, c.call(clusterInfoCmd()).Code, int32(0))
}

func TestInterceptMatchesClientAndGroup(t *testing.T) {
	b := Start(t)
	a, z := dial(t, b.Addr()), dial(t, b.Addr())
	b.Intercept(protocol.SendMessage, FaultCode(protocol.SystemBusy, "a only"), ForClient("a@1"))
	b.Intercept(AnyCode, FaultCode(protocol.SystemError, "group G2"), ForGroup("G2"))

	// Before its heartbeat the connection has no client id: no match.
	assert.Equal(t, a.call(sendCmd("PG", "T", 0, "", []byte("x"))).Code, int32(0))
	a.call(heartbeatCmd("a@1", protocol.Go, 317, "PG"))
	z.call(heartbeatCmd("z@1", protocol.Go, 317, "PG"))
	assert.Equal(t, a.call(sendCmd("PG", "T", 0, "", []byte("x"))).Remark, "a only")
	assert.Equal(t, z.call(sendCmd("PG", "T", 0, "", []byte("x"))).Code, int32(0))

	// The group comes from the header (producerGroup, V2 key a) or, for a
	// heartbeat, from the body's producer groups.
	assert.Equal(t, z.call(sendCmd("G2", "T", 0, "", []byte("x"))).Remark, "group G2")
	v2 := protocol.NewRequest(protocol.SendMessageV2, map[string]string{"a": "G2", "b": "T", "c": "TBW102", "d": "4",
		"e": "0", "f": "0", "g": "1", "h": "0", "i": "", "j": "0", "k": "false", "m": "false"}, []byte("x"))
	assert.Equal(t, z.call(v2).Remark, "group G2")
	assert.Equal(t, z.call(heartbeatCmd("z@1", protocol.Go, 317, "PG", "G2")).Remark, "group G2")
	assert.Equal(t, z.call(heartbeatCmd("z@1", protocol.Go, 317, "PG")).Code, int32(0))
}

func TestInterceptPassDoesNotCountAndMayRewrite(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	var mu sync.Mutex
	var seen []string
	ic := b.Intercept(protocol.SendMessage, func(r *Request) Action {
		mu.Lock()
		seen = append(seen, r.Command.ExtFields["topic"])
		mu.Unlock()
		if r.Command.ExtFields["topic"] != "Rewrite" {
			return Pass() // not mine: not counted
		}
		r.Command.ExtFields["topic"] = "Rewritten"
		return Pass().After(time.Millisecond) // counted
	}, Once())
	c.call(sendCmd("PG", "Other", 0, "", []byte("x")))
	c.call(sendCmd("PG", "Rewrite", 0, "", []byte("x")))
	c.call(sendCmd("PG", "Rewrite", 0, "", []byte("x")))
	assert.Equal(t, ic.Hits(), 1)
	assert.DeepEqual(t, seen, []string{"Other", "Rewrite"})
	assert.Equal(t, len(b.Messages("Rewritten")), 1, "the handler saw the rewritten topic")
	assert.Equal(t, len(b.Messages("Rewrite")), 1, "the interception was used up")
}

func TestFaultNoReplyLeavesConnectionUsable(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	b.Intercept(protocol.SendMessage, FaultNoReply(), Once())
	c.send(sendCmd("PG", "T", 0, "", []byte("x")))
	op := c.send(clusterInfoCmd())
	resp := c.read()
	assert.Equal(t, resp.Opaque, op, "the dropped request got nothing; the next one its reply")
	assert.Equal(t, len(b.Messages("T")), 0, "a dropped request is not handled")
}

func TestFaultDisconnectAfterEarlierReplies(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	b.Intercept(protocol.SendMessage, FaultDisconnect(), Once())
	// Pipelined: the reply before the fault comes out, nothing after it.
	var stream []byte
	for i, cmd := range []*protocol.Command{clusterInfoCmd(), sendCmd("PG", "T", 0, "", nil), clusterInfoCmd()} {
		cmd.Opaque = int32(i + 1)
		stream, _ = cmd.AppendFrame(stream)
	}
	_, err := c.Write(stream)
	assert.NilError(t, err)
	got := readEOF(t, c)
	n := int(binary.BigEndian.Uint32(got)) + 4
	assert.Equal(t, len(got), n, "exactly one reply before the close")
	first, err := protocol.DecodeFrame(got)
	assert.NilError(t, err)
	assert.Equal(t, first.Opaque, int32(1))
	assert.NilError(t, b.WaitProducers(ctxT(t), "PG", 0), "the close path ran")
}

func TestFaultTruncatedFrame(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	whole := dial(t, b.Addr()).call(clusterInfoCmd()) // what the full reply is
	full, err := whole.Encode()
	assert.NilError(t, err)
	b.Intercept(protocol.GetBrokerClusterInfo, FaultTruncatedFrame(), Once())

	c.send(clusterInfoCmd())
	got := readEOF(t, c)
	assert.Equal(t, len(got), len(full)/2, "half the frame, then the close")
	assert.Assert(t, int(binary.BigEndian.Uint32(got))+4 > len(got), "the length field promises more")

	c2 := dial(t, b.Addr())
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { return Truncate(3) }, Once())
	c2.send(clusterInfoCmd())
	assert.Equal(t, len(readEOF(t, c2)), 3)
}

func TestRespondAndWriteRaw(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	b.Intercept(protocol.GetBrokerClusterInfo, func(r *Request) Action {
		resp := protocol.NewResponse(r.Command, protocol.Success, "")
		resp.ExtFields = map[string]string{"k": "v"}
		resp.Body = []byte("{}")
		return Respond(resp)
	}, Once())
	resp := c.call(clusterInfoCmd())
	assert.DeepEqual(t, resp.ExtFields, map[string]string{"k": "v"})
	assert.Equal(t, string(resp.Body), "{}")

	raw := protocol.NewResponse(&protocol.Command{Opaque: 77}, protocol.Success, "raw")
	frame, err := raw.Encode()
	assert.NilError(t, err)
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { return WriteRaw(frame) }, Once())
	c.send(clusterInfoCmd())
	got := c.read()
	assert.Equal(t, got.Opaque, int32(77))
	assert.Equal(t, got.Remark, "raw")

	// Oneway requests never get a reply, an intercepted one neither;
	// raw bytes are written anyway.
	b.Intercept(protocol.GetBrokerClusterInfo, FaultCode(protocol.SystemBusy, "x"), Once())
	oneway := clusterInfoCmd()
	oneway.Flag = protocol.FlagOneway
	c.send(oneway)
	op := c.send(clusterInfoCmd())
	assert.Equal(t, c.read().Opaque, op)
}

func TestDelayedReplyDoesNotBlockTheLoopAndKeepsOrder(t *testing.T) {
	const delay = 500 * time.Millisecond
	b := Start(t) // one event loop: a blocking delay would hold every connection
	a, z := dial(t, b.Addr()), dial(t, b.Addr())
	b.Intercept(protocol.GetBrokerClusterInfo, FaultDelay(delay), Once())

	start := time.Now()
	var stream []byte
	for i, cmd := range []*protocol.Command{clusterInfoCmd(), heartbeatCmd("a@1", protocol.Go, 317, "PG"), clusterInfoCmd()} {
		cmd.Opaque = int32(i + 1)
		stream, _ = cmd.AppendFrame(stream)
	}
	_, err := a.Write(stream)
	assert.NilError(t, err)

	// Another connection on the same loop is served meanwhile.
	assert.Equal(t, z.call(clusterInfoCmd()).Code, int32(0))
	zDone := time.Since(start)

	var ops []int32
	for range 3 {
		ops = append(ops, a.read().Opaque)
	}
	aDone := time.Since(start)
	assert.DeepEqual(t, ops, []int32{1, 2, 3})
	assert.Assert(t, aDone >= delay, "the delayed reply came after %v", aDone)
	assert.Assert(t, zDone < aDone, "the other connection waited for the delay (%v, %v)", zDone, aDone)
	// The heartbeat behind the delayed reply was handled at once; only
	// its reply waited.
	assert.Equal(t, len(b.Producers("PG")), 1)
}

func TestDelayedDisconnectAndStall(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { return Disconnect().After(100 * time.Millisecond) }, Once())
	c.send(clusterInfoCmd())
	c.send(clusterInfoCmd()) // after the close: never served
	start := time.Now()
	assert.Equal(t, len(readEOF(t, c)), 0)
	assert.Assert(t, time.Since(start) >= 90*time.Millisecond)

	// Drop().After(d) answers nothing but holds later replies for d;
	// a delayed reply may close the connection after it is written.
	c = dial(t, b.Addr())
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { return Drop().After(100 * time.Millisecond) }, Once())
	b.Intercept(protocol.HeartBeat, func(*Request) Action { return Pass().ThenDisconnect() }, Once())
	c.send(clusterInfoCmd())
	start = time.Now()
	op := c.send(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	got := readEOF(t, c)
	assert.Assert(t, time.Since(start) >= 90*time.Millisecond)
	resp, err := protocol.DecodeFrame(got)
	assert.NilError(t, err)
	assert.Equal(t, resp.Opaque, op)
}

func TestInterceptorPanicClosesOnlyThatConnection(t *testing.T) {
	b := Start(t)
	c, other := dial(t, b.Addr()), dial(t, b.Addr())
	b.Intercept(protocol.GetBrokerClusterInfo, func(*Request) Action { panic("boom") },
		Where(func(r *Request) bool { return r.Conn.Addr == localAddr(c) }))
	c.send(clusterInfoCmd())
	assert.Equal(t, len(readEOF(t, c)), 0)
	assert.Equal(t, other.call(clusterInfoCmd()).Code, int32(0))
	j := b.Journal()
	assert.Equal(t, j[0].Outcome, OutcomeFailed)
	assert.Equal(t, len(b.TakePanics()), 1, "the panic is kept (else the test would fail)")
}

// Many connections on two loops, random delays: every connection gets its
// replies in request order (run with -race).
func TestDelayedRepliesInOrderUnderLoad(t *testing.T) {
	b := Start(t, WithEventLoops(2), WithJournalLimit(100))
	b.Intercept(AnyCode, func(r *Request) Action {
		if r.Command.Opaque%3 == 0 {
			return Pass().After(time.Duration(rand.IntN(20)) * time.Millisecond)
		}
		if r.Command.Opaque%7 == 0 {
			return Drop().After(time.Duration(rand.IntN(5)) * time.Millisecond)
		}
		return Pass()
	})
	const conns, reqs = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		c := dial(t, b.Addr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stream []byte
			var want []int32
			for op := int32(1); op <= reqs; op++ {
				cmd := heartbeatCmd(fmt.Sprintf("c@%d", i), protocol.Go, 317, "PG")
				cmd.Opaque = op
				stream, _ = cmd.AppendFrame(stream)
				if op%7 != 0 || op%3 == 0 {
					want = append(want, op)
				}
			}
			if _, err := c.Write(stream); err != nil {
				errs <- err
				return
			}
			var got []int32
			for range want {
				resp, err := c.tryRead(5 * time.Second)
				if err != nil {
					errs <- err
					return
				}
				got = append(got, resp.Opaque)
			}
			if d := cmp.Diff(want, got); d != "" {
				errs <- fmt.Errorf("conn %d: replies out of order (-want +got):\n%s", i, d)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, b.JournalDropped(), int64(conns*reqs-100))
}

func TestCloseWithPendingDelaysLeavesNothingRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	b, err := New()
	assert.NilError(t, err)
	c := dial(t, b.Addr())
	b.Intercept(AnyCode, FaultDelay(time.Hour))
	for range 5 {
		c.send(clusterInfoCmd())
	}
	// Wait until the broker has queued them all.
	deadline := time.Now().Add(2 * time.Second)
	for len(b.Journal()) < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, len(b.Journal()), 5)
	b.Close()
	_, err = c.tryRead(2 * time.Second)
	assert.Assert(t, err != nil && !isTimeout(err), "Close closes the connection: %v", err)
	c.Close()
	assert.Equal(t, b.srv.Delayed(), 0, "Close stops the timers")
	for runtime.NumGoroutine() > before && time.Now().Before(deadline.Add(2*time.Second)) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.Assert(t, runtime.NumGoroutine() <= before, "goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), stacks())
	// Hooks after Close do nothing harmful.
	assert.Assert(t, is.ErrorContains(b.CloseClient("nobody"), "no producer"))
	_, err = b.CheckTransaction("PG", Message{})
	assert.Assert(t, errors.Is(err, ErrClosed))
}

func TestActionString(t *testing.T) {
	tests := []struct {
		a    Action
		want string
	}{
		{Pass(), "pass"},
		{Pass().After(time.Second), "pass after 1s"},
		{RespondCode(protocol.SystemBusy, "x"), "respond-code 2"},
		{Drop().ThenDisconnect(), "drop then disconnect"},
		{Disconnect(), "disconnect"},
		{Truncate(0), "truncate"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.a.String(), tt.want)
	}
}
