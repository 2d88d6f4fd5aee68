package remoting_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// Request codes of the test server.
const (
	codeEcho     = protocol.RequestCode(9000) // replies with the body
	codeSlow     = protocol.RequestCode(9001) // replies with the body after the delay its remark names
	codeBye      = protocol.RequestCode(9002) // replies, then closes
	codeBig      = protocol.RequestCode(9003) // replies with 256 KiB raw bytes
	codeAsk      = protocol.RequestCode(9004) // the server asks the client a question first
	codeTruncate = protocol.RequestCode(9005) // replies with half a frame, then closes
)

// testServer runs a server with the test codes; conns receives each
// connection as it opens.
type testServer struct {
	srv    *remoting.Server
	conns  chan *remoting.Conn
	closed chan *remoting.Conn
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func echoReply(req *protocol.Command) *protocol.Command {
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = req.Body
	return resp
}

func testMux() *remoting.Mux {
	m := remoting.NewMux()
	m.Handle(codeEcho, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		return remoting.Respond(echoReply(req))
	})
	m.Handle(codeSlow, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		d, _ := time.ParseDuration(req.Remark)
		return remoting.Reply{Command: echoReply(req), Delay: d}
	})
	m.Handle(codeBye, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		return remoting.Reply{Command: echoReply(req), Close: true}
	})
	m.Handle(codeBig, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		return remoting.Reply{Raw: make([]byte, 256<<10)}
	})
	m.Handle(codeTruncate, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		return remoting.Reply{Command: echoReply(req), Truncate: true, Close: true}
	})
	return m
}

func startServer(t *testing.T, h remoting.Handler, cfg remoting.Config) *testServer {
	t.Helper()
	ts := &testServer{conns: make(chan *remoting.Conn, 100), closed: make(chan *remoting.Conn, 100), logs: &syncBuffer{}}
	cfg.Logger = slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.OnOpen = func(c *remoting.Conn) { ts.conns <- c }
	cfg.OnClose = func(c *remoting.Conn, _ error) { ts.closed <- c }
	srv, err := remoting.Listen(h, cfg)
	assert.NilError(t, err)
	t.Cleanup(srv.Close)
	ts.srv = srv
	return ts
}

func dial(t *testing.T, addr string) *remoting.Client {
	t.Helper()
	c, err := remoting.Dial(context.Background(), addr)
	assert.NilError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	c.SetTimeout(5 * time.Second)
	return c
}

func request(c *remoting.Client, code protocol.RequestCode, body string) *protocol.Command {
	return c.Prepare(protocol.NewRequest(code, nil, []byte(body)))
}

func frame(t *testing.T, cmd *protocol.Command) []byte {
	t.Helper()
	f, err := cmd.Encode()
	assert.NilError(t, err)
	return f
}

func TestSplitFramesAreReassembled(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{})
	c := dial(t, ts.srv.Addr())
	f := frame(t, request(c, codeEcho, "split"))
	for i := range f {
		assert.NilError(t, c.WriteRaw(f[i:i+1]))
		if i%7 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	resp, err := c.Read()
	assert.NilError(t, err)
	assert.Equal(t, string(resp.Body), "split")
}

func TestPipelinedRequestsAreAnsweredInOrder(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{})
	c := dial(t, ts.srv.Addr())
	var all []byte
	var want []int32
	for i := range 50 {
		req := request(c, codeEcho, strings.Repeat("x", i))
		want = append(want, req.Opaque)
		all = append(all, frame(t, req)...)
	}
	assert.NilError(t, c.WriteRaw(all))
	for i, op := range want {
		resp, err := c.Read()
		assert.NilError(t, err)
		assert.Equal(t, resp.Opaque, op)
		assert.Equal(t, len(resp.Body), i)
	}
}

func TestDelayedRepliesKeepRequestOrder(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{})
	c := dial(t, ts.srv.Addr())
	slow := request(c, codeSlow, "")
	slow.Remark = "150ms"
	fast := request(c, codeEcho, "fast")
	slower := request(c, codeSlow, "")
	slower.Remark = "50ms"
	t0 := time.Now()
	assert.NilError(t, c.WriteRaw(append(append(frame(t, slow), frame(t, fast)...), frame(t, slower)...)))
	for _, want := range []int32{slow.Opaque, fast.Opaque, slower.Opaque} {
		resp, err := c.Read()
		assert.NilError(t, err)
		assert.Equal(t, resp.Opaque, want)
	}
	assert.Assert(t, time.Since(t0) >= 150*time.Millisecond)
	// Once the queue has drained, replies take the fast path again.
	resp, err := c.Call(protocol.NewRequest(codeEcho, nil, []byte("again")))
	assert.NilError(t, err)
	assert.Equal(t, string(resp.Body), "again")
	assert.Equal(t, ts.srv.Delayed(), 0)
}

func TestCloseAfterReplyServesNothingMore(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{})
	c := dial(t, ts.srv.Addr())
	bye := request(c, codeBye, "bye")
	after := request(c, codeEcho, "never")
	assert.NilError(t, c.WriteRaw(append(frame(t, bye), frame(t, after)...)))
	resp, err := c.Read()
	assert.NilError(t, err)
	assert.Equal(t, resp.Opaque, bye.Opaque)
	n, err := c.WaitClosed(2 * time.Second)
	assert.NilError(t, err)
	assert.Equal(t, n, 0, "nothing after the closing reply")
}

func TestTruncatedReplyThenClose(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{})
	c := dial(t, ts.srv.Addr())
	req := request(c, codeTruncate, "0123456789")
	assert.NilError(t, c.Send(req))
	n, err := c.WaitClosed(2 * time.Second)
	assert.NilError(t, err)
	full := frame(t, func() *protocol.Command { r := echoReply(req); return r }())
	assert.Equal(t, n, len(full)/2)
}

func TestBadFrameClosesOnlyItsConnection(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{MaxFrame: 1 << 10})
	good := dial(t, ts.srv.Addr())
	bad := dial(t, ts.srv.Addr())
	_, err := good.Call(protocol.NewRequest(codeEcho, nil, nil))
	assert.NilError(t, err)
	for _, junk := range [][]byte{
		binary.BigEndian.AppendUint32(nil, 1<<20),                        // over MaxFrame
		binary.BigEndian.AppendUint32(nil, 0xFFFFFFF0),                   // negative
		append(binary.BigEndian.AppendUint32(nil, 6), 0, 0, 0, 50, 1, 2), // header beyond the frame
	} {
		assert.NilError(t, bad.WriteRaw(junk))
		_, err := bad.WaitClosed(2 * time.Second)
		assert.NilError(t, err)
		resp, err := good.Call(protocol.NewRequest(codeEcho, nil, []byte("still")))
		assert.NilError(t, err)
		assert.Equal(t, string(resp.Body), "still")
		bad = dial(t, ts.srv.Addr())
	}
	assert.Assert(t, is.Contains(ts.logs.String(), "closing connection: bad frame"))
	assert.Assert(t, is.Contains(ts.logs.String(), "exceeds the limit of 1024 bytes"))
}

func TestHandlerPanicClosesTheConnection(t *testing.T) {
	m := remoting.NewMux()
	m.Handle(codeEcho, func(*remoting.Conn, *protocol.Command) remoting.Reply { panic("boom") })
	ts := startServer(t, m.Serve, remoting.Config{})
	c := dial(t, ts.srv.Addr())
	assert.NilError(t, c.Send(request(c, codeEcho, "")))
	_, err := c.WaitClosed(2 * time.Second)
	assert.NilError(t, err)
	assert.Assert(t, is.Contains(ts.logs.String(), "handler panicked; closing the connection"))
}

func TestServerSentRequests(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{})
	c := dial(t, ts.srv.Addr())
	_, err := c.Call(protocol.NewRequest(codeEcho, nil, nil))
	assert.NilError(t, err)
	sc := <-ts.conns

	// Oneway: the client reads the request; opaques count from 1.
	n := protocol.NewRequest(protocol.CheckTransactionState, map[string]string{"k": "v"}, []byte("body"))
	n.Flag |= protocol.FlagOneway
	assert.NilError(t, sc.Send(n))
	got, err := c.Read()
	assert.NilError(t, err)
	assert.Equal(t, got.RequestCode(), protocol.CheckTransactionState)
	assert.Equal(t, got.Opaque, int32(1))
	assert.Assert(t, got.IsOneway())

	// With a response: the client's answer goes to Request, not to the mux.
	done := make(chan *protocol.Command, 1)
	go func() {
		resp, err := sc.Request(context.Background(), protocol.NewRequest(protocol.NotifyConsumerIDsChanged, nil, nil))
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	q, err := c.Read()
	assert.NilError(t, err)
	assert.Equal(t, q.Opaque, int32(2))
	ans := protocol.NewResponse(q, protocol.Success, "answered")
	assert.NilError(t, c.Send(ans))
	resp := <-done
	assert.Equal(t, resp.Remark, "answered")

	// A request awaiting a response fails when the connection closes.
	errc := make(chan error, 1)
	go func() {
		_, err := sc.Request(context.Background(), protocol.NewRequest(protocol.NotifyConsumerIDsChanged, nil, nil))
		errc <- err
	}()
	_, err = c.Read()
	assert.NilError(t, err)
	assert.NilError(t, c.Close())
	assert.Assert(t, errors.Is(<-errc, remoting.ErrConnClosed))
	<-ts.closed
	assert.Assert(t, errors.Is(sc.Send(protocol.NewRequest(protocol.NotifyConsumerIDsChanged, nil, nil)), remoting.ErrConnClosed))
}

func TestConnValueIDAndCallbacks(t *testing.T) {
	ts := startServer(t, func(c *remoting.Conn, req *protocol.Command) remoting.Reply {
		resp := protocol.NewResponse(req, protocol.Success, c.Value().(string))
		return remoting.Respond(resp)
	}, remoting.Config{})
	c := dial(t, ts.srv.Addr())
	sc := <-ts.conns
	sc.SetValue("client-1")
	resp, err := c.Call(protocol.NewRequest(codeEcho, nil, nil))
	assert.NilError(t, err)
	assert.Equal(t, resp.Remark, "client-1")
	assert.Equal(t, sc.ID(), uint64(1))
	assert.Equal(t, sc.RemoteAddr(), c.LocalAddr())
	assert.Assert(t, sc.IsActive() && sc.IsWritable())
	assert.NilError(t, sc.Close())
	assert.Equal(t, <-ts.closed, sc)
	assert.Assert(t, !sc.IsActive() && !sc.IsWritable())
}

func TestIsWritableFollowsTheOutboundBuffer(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{WriteHighWater: 1 << 20})
	c := dial(t, ts.srv.Addr())
	sc := <-ts.conns
	big := request(c, codeBig, "")
	var burst []byte
	for range 64 { // 16 MiB of replies the client does not read
		burst = append(burst, frame(t, big)...)
	}
	assert.NilError(t, c.WriteRaw(burst))
	deadline := time.Now().Add(5 * time.Second)
	for sc.IsWritable() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.Assert(t, !sc.IsWritable(), "16 MiB unread: not writable")
	assert.Assert(t, sc.IsActive())
	go func() { _, _ = c.WaitClosed(10 * time.Second) }() // the client reads everything
	for !sc.IsWritable() && time.Now().Before(deadline.Add(5*time.Second)) {
		time.Sleep(time.Millisecond)
	}
	assert.Assert(t, sc.IsWritable(), "drained: writable again")
}

func TestPendingOutputLimitClosesTheConnection(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{MaxPending: 1 << 20})
	c := dial(t, ts.srv.Addr())
	big := request(c, codeBig, "")
	var burst []byte
	for range 64 {
		burst = append(burst, frame(t, big)...)
	}
	_ = c.WriteRaw(burst)
	select {
	case <-ts.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the server kept a connection whose unread replies exceed MaxPending")
	}
	assert.Assert(t, is.Contains(ts.logs.String(), "closing connection: pending output"))
}

// TestPendingOutputLetsPromptReadersThrough pipelines requests whose
// replies are each larger than MaxPending: a client that reads them gets
// every one, in order, and keeps its connection.
func TestPendingOutputLetsPromptReadersThrough(t *testing.T) {
	const replySize = 3 << 20
	m := remoting.NewMux()
	m.Handle(codeBig, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		resp := protocol.NewResponse(req, protocol.Success, "")
		resp.Body = bytes.Repeat([]byte{'x'}, replySize)
		return remoting.Respond(resp)
	})
	ts := startServer(t, m.Serve, remoting.Config{MaxPending: 1 << 20})
	c := dial(t, ts.srv.Addr())
	for round := range 3 {
		var burst []byte
		var opaques []int32
		for range 8 {
			req := request(c, codeBig, "")
			opaques = append(opaques, req.Opaque)
			burst = append(burst, frame(t, req)...)
		}
		assert.NilError(t, c.WriteRaw(burst))
		for i, op := range opaques {
			resp, err := c.ReadResponse()
			assert.NilError(t, err, "round %d, reply %d of 8", round, i+1)
			assert.Equal(t, resp.Opaque, op)
			assert.Equal(t, len(resp.Body), replySize)
		}
	}
	select {
	case <-ts.closed:
		t.Fatalf("the server closed a client that reads its replies:\n%s", ts.logs.String())
	default:
	}
}

// TestDelayedRepliesCountAsPendingOutput: replies held back by a Delay
// count against MaxPending like unwritten ones: past it the server serves
// no more requests of that client (the queue stays bounded), and closes
// the connection once the client has sent more than MaxPending+MaxFrame
// of requests meanwhile.
func TestDelayedRepliesCountAsPendingOutput(t *testing.T) {
	m := remoting.NewMux()
	m.Handle(codeSlow, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		resp := protocol.NewResponse(req, protocol.Success, "")
		resp.Body = make([]byte, 64<<10)
		return remoting.Reply{Command: resp, Delay: time.Hour}
	})
	ts := startServer(t, m.Serve, remoting.Config{MaxPending: 1 << 20, MaxFrame: 1 << 20})
	c := dial(t, ts.srv.Addr())
	var burst []byte
	for range 100 { // 6.25 MiB of delayed replies asked for, in 400 KB of requests
		burst = append(burst, frame(t, request(c, codeSlow, strings.Repeat("r", 4000)))...)
	}
	assert.NilError(t, c.WriteRaw(burst))
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, ts.srv.Delayed(), 16, "up to 1 MiB and one reply more are queued, no more")
	for range 6 { // another 2.4 MB of requests: past MaxPending+MaxFrame
		_ = c.WriteRaw(burst)
	}
	select {
	case <-ts.closed:
	case <-time.After(5 * time.Second):
		t.Fatalf("the server kept a client that piles up requests past MaxPending: %d replies waiting", ts.srv.Delayed())
	}
	assert.Assert(t, is.Contains(ts.logs.String(), "closing connection: pending output"))
	assert.Equal(t, ts.srv.Delayed(), 0, "the closed connection's delayed replies are dropped")
}

// TestConnectionLimit: past MaxConns a new connection is closed at once,
// without reaching OnOpen; the open ones carry on, and once one closes a
// new one is served again.
func TestConnectionLimit(t *testing.T) {
	ts := startServer(t, testMux().Serve, remoting.Config{MaxConns: 2})
	assert.Equal(t, ts.srv.MaxConns(), 2)
	a, b := dial(t, ts.srv.Addr()), dial(t, ts.srv.Addr())
	<-ts.conns
	<-ts.conns
	for range 3 {
		extra := dial(t, ts.srv.Addr())
		_, err := extra.WaitClosed(5 * time.Second)
		assert.NilError(t, err, "a connection past the limit is closed at once")
	}
	for _, c := range []*remoting.Client{a, b} {
		resp, err := c.Call(request(c, codeEcho, "still here"))
		assert.NilError(t, err)
		assert.Equal(t, string(resp.Body), "still here")
	}
	assert.Equal(t, ts.srv.Conns(), 2)
	assert.Equal(t, ts.srv.Refused(), int64(3))
	assert.Equal(t, strings.Count(ts.logs.String(), "refusing connections"), 1, "one log line a second at most:\n%s", ts.logs.String())
	select {
	case c := <-ts.conns:
		t.Fatalf("OnOpen saw refused connection %s", c.RemoteAddr())
	default:
	}
	assert.NilError(t, a.Close())
	<-ts.closed
	c := dial(t, ts.srv.Addr())
	resp, err := c.Call(request(c, codeEcho, "served again"))
	assert.NilError(t, err)
	assert.Equal(t, string(resp.Body), "served again")
	assert.Assert(t, ts.srv.Err() == nil)
}

func TestCloseFreesThePortAndGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := remoting.Listen(testMux().Serve, remoting.Config{})
	assert.NilError(t, err)
	addr := srv.Addr()
	c, err := remoting.Dial(context.Background(), addr)
	assert.NilError(t, err)
	slow := request(c, codeSlow, "")
	slow.Remark = "1h"
	assert.NilError(t, c.Send(slow))
	deadline := time.Now().Add(2 * time.Second)
	for srv.Delayed() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, srv.Delayed(), 1)
	t0 := time.Now()
	srv.Close()
	srv.Close()
	assert.Assert(t, time.Since(t0) < time.Second, "Close took %v", time.Since(t0))
	assert.Equal(t, srv.Delayed(), 0)
	_, err = c.WaitClosed(2 * time.Second)
	assert.NilError(t, err)
	_ = c.Close()
	ln, err := net.Listen("tcp", addr)
	assert.NilError(t, err, "the port is free again")
	_ = ln.Close()
	for runtime.NumGoroutine() > before && time.Now().Before(deadline.Add(3*time.Second)) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestMuxRejectsACodeRegisteredTwice(t *testing.T) {
	m := remoting.NewMux()
	h := func(*remoting.Conn, *protocol.Command) remoting.Reply { return remoting.Reply{} }
	m.Handle(codeEcho, h)
	assert.Assert(t, m.Handles(codeEcho) && !m.Handles(codeSlow))
	defer func() {
		p := recover()
		assert.Assert(t, p != nil, "a second handler for one code panics")
		assert.Assert(t, is.Contains(p.(string), "registered twice"))
	}()
	m.Handle(codeEcho, h)
}

func TestMiddlewareOrderAndFallback(t *testing.T) {
	var trace []string
	mw := func(name string) remoting.Middleware {
		return func(next remoting.Handler) remoting.Handler {
			return func(c *remoting.Conn, req *protocol.Command) remoting.Reply {
				trace = append(trace, name)
				return next(c, req)
			}
		}
	}
	m := testMux()
	m.Fallback(func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		return remoting.Respond(protocol.NewResponse(req, protocol.SystemError, "fallback"))
	})
	l := remoting.NewLoopback(remoting.Chain(m.Serve, mw("outer"), mw("inner")), 1, "127.0.0.1:1", nil, nil)
	defer l.Close()
	resp, err := l.RoundTrip(protocol.NewRequest(31999, nil, nil))
	assert.NilError(t, err)
	assert.Equal(t, resp.Remark, "fallback")
	assert.DeepEqual(t, trace, []string{"outer", "inner"})
}

func TestLoopback(t *testing.T) {
	var closed *remoting.Conn
	l := remoting.NewLoopback(testMux().Serve, 7, "10.0.0.1:5", func(c *remoting.Conn) { c.SetValue("v") },
		func(c *remoting.Conn) { closed = c })
	assert.Equal(t, l.Conn().Value(), "v")
	resp, err := l.RoundTrip(protocol.NewRequest(codeEcho, nil, []byte("hi")))
	assert.NilError(t, err)
	assert.Equal(t, string(resp.Body), "hi")

	// A oneway request gets no reply.
	ow := protocol.NewRequest(codeEcho, nil, nil)
	ow.Flag |= protocol.FlagOneway
	resp, err = l.RoundTrip(ow)
	assert.NilError(t, err)
	assert.Assert(t, resp == nil)

	// Delayed replies come through Sent, in order.
	slow := protocol.NewRequest(codeSlow, nil, []byte("1"))
	slow.Remark, slow.Opaque = "20ms", 1
	resp, err = l.RoundTrip(slow)
	assert.NilError(t, err)
	assert.Assert(t, resp == nil)
	next := protocol.NewRequest(codeEcho, nil, []byte("2"))
	next.Opaque = 2
	resp, err = l.RoundTrip(next)
	assert.NilError(t, err)
	assert.Assert(t, resp == nil, "queued behind the delayed reply")
	var sent []byte
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		sent = append(sent, l.Sent()...)
		if n, _ := protocol.PeekFrame(sent, 0); n > 0 && n < len(sent) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	n, err := protocol.PeekFrame(sent, 0)
	assert.NilError(t, err)
	first, err := protocol.DecodeFrame(sent[:n])
	assert.NilError(t, err)
	second, err := protocol.DecodeFrame(sent[n:])
	assert.NilError(t, err)
	assert.Equal(t, first.Opaque, int32(1))
	assert.Equal(t, second.Opaque, int32(2))

	// Requests of the server go to Sent too.
	assert.NilError(t, l.Conn().Send(protocol.NewRequest(protocol.CheckTransactionState, nil, nil)))
	req, err := protocol.DecodeFrame(l.Sent())
	assert.NilError(t, err)
	assert.Equal(t, req.Opaque, int32(1))

	// Close after the reply runs the close callback.
	resp, err = l.RoundTrip(protocol.NewRequest(codeBye, nil, nil))
	assert.NilError(t, err)
	assert.Assert(t, resp != nil)
	assert.Equal(t, closed, l.Conn())
	assert.Assert(t, !l.Conn().IsActive())
	_, err = l.RoundTrip(protocol.NewRequest(codeEcho, nil, nil))
	assert.Assert(t, errors.Is(err, remoting.ErrConnClosed))
}
