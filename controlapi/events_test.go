package controlapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// eventServer is a control API server as `rocketmock serve` runs it (its
// limits, with timeouts short enough that a stream outlives them).
type eventServer struct {
	h   *Handler
	url string
	ln  *LimitedListener
}

func startEventServer(t *testing.T, b *mockbroker.Broker, opts ...Option) *eventServer {
	t.Helper()
	return startTunedEventServer(t, b, nil, opts...)
}

// startTunedEventServer lets tune change the event feed before the server
// serves.
func startTunedEventServer(t *testing.T, b *mockbroker.Broker, tune func(*eventFeed), opts ...Option) *eventServer {
	t.Helper()
	h := NewHandler(b, opts...)
	if tune != nil {
		tune(h.events)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	l := DefaultLimits()
	l.ReadTimeout, l.WriteTimeout, l.IdleTimeout = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	srv := NewServer(h, l)
	done := make(chan struct{})
	ll := LimitListener(ln, l.MaxConns)
	go func() {
		defer close(done)
		_ = srv.Serve(ll)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return &eventServer{h: h, url: "http://" + ln.Addr().String(), ln: ll}
}

// sseBlock is one block of the stream, up to its blank line.
type sseBlock struct {
	ID, Event, Data string
	Other           []string // retry and comment lines
}

// sseClient reads one stream with a plain HTTP client.
type sseClient struct {
	t      *testing.T
	resp   *http.Response
	blocks chan sseBlock
	err    error // after blocks closed
}

func openEvents(t *testing.T, url, token string, header map[string]string) *sseClient {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	assert.NilError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	assert.Equal(t, resp.StatusCode, 200)
	assert.Equal(t, resp.Header.Get("Content-Type"), "text/event-stream")
	assert.Equal(t, resp.Header.Get("Cache-Control"), "no-store")
	c := &sseClient{t: t, resp: resp, blocks: make(chan sseBlock, 1<<16)}
	go c.read()
	first := c.next(5 * time.Second)
	assert.DeepEqual(t, first, sseBlock{Other: []string{"retry: 2000"}})
	return c
}

func (c *sseClient) read() {
	defer close(c.blocks)
	sc := bufio.NewScanner(c.resp.Body)
	var b sseBlock
	started := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if started {
				c.blocks <- b
			}
			b, started = sseBlock{}, false
			continue
		}
		started = true
		switch {
		case strings.HasPrefix(line, "id: "):
			b.ID = line[4:]
		case strings.HasPrefix(line, "event: "):
			b.Event = line[7:]
		case strings.HasPrefix(line, "data: "):
			b.Data = line[6:]
		default:
			b.Other = append(b.Other, line)
		}
	}
	c.err = sc.Err()
}

// next returns the next block that is not a ping.
func (c *sseClient) next(timeout time.Duration) sseBlock {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case b, ok := <-c.blocks:
			if !ok {
				c.t.Fatalf("the stream ended: %v", c.err)
			}
			if len(b.Other) == 1 && b.Other[0] == ": ping" && b.Event == "" {
				continue
			}
			return b
		case <-deadline:
			c.t.Fatalf("no event within %v", timeout)
		}
	}
}

// events reads n events and returns them as "id kind" plus data.
func (c *sseClient) events(n int) []Event {
	c.t.Helper()
	out := make([]Event, 0, n)
	for len(out) < n {
		b := c.next(5 * time.Second)
		var e Event
		assert.NilError(c.t, json.Unmarshal([]byte(b.Data), &e), "block %+v", b)
		if e.Kind != "gap" {
			assert.Equal(c.t, b.ID, fmt.Sprint(e.ID), "block %+v", b)
		}
		assert.Equal(c.t, b.Event, e.Kind, "block %+v", b)
		out = append(out, e)
	}
	return out
}

// ended waits for the stream's end.
func (c *sseClient) ended(timeout time.Duration) {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-c.blocks:
			if !ok {
				return
			}
		case <-deadline:
			c.t.Fatalf("the stream did not end within %v", timeout)
		}
	}
}

func summary(evs []Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = strings.TrimSpace(fmt.Sprintf("%d %s %s %s %s", e.ID, e.Kind, e.Role, e.ClientID, e.Reason))
	}
	return out
}

// A register, refresh, unregister, register, close sequence comes in
// order, each event once, with its JSON as the contract says.
func TestEventsStreamInOrder(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	s := startEventServer(t, b)
	c := openEvents(t, s.url+"/v1/events", "", nil)

	p := testclient.Dial(t, b.Addr())
	p.Call(testclient.Heartbeat("c@1", protocol.Go, 317, "PG"))
	p.Call(testclient.Heartbeat("c@1", protocol.Go, 317, "PG"))
	p.Call(protocol.NewRequest(protocol.UnregisterClient, map[string]string{"clientID": "c@1", "producerGroup": "PG"}, nil))
	p.Call(testclient.Heartbeat("c@1", protocol.Go, 317, "PG"))
	time.Sleep(400 * time.Millisecond) // past the server's read, write and idle timeouts
	assert.NilError(t, p.Close())

	evs := c.events(7)
	assert.DeepEqual(t, summary(evs), []string{
		"1 registered producer c@1",
		"2 refreshed producer c@1",
		"3 unregistered producer c@1 UNREGISTER_CLIENT",
		"4 group-removed producer",
		"5 registered producer c@1",
		"6 closed producer c@1 connection closed",
		"7 group-removed producer",
	})
	data, err := json.Marshal(evs[0])
	assert.NilError(t, err)
	assert.Equal(t, string(data), `{"id":1,"kind":"registered","role":"producer","group":"PG","clientId":"c@1","addr":"`+p.LocalAddr()+
		`","connId":1,"time":"2023-11-14T22:13:20.123Z","timeMs":1700000000123}`)
}

// A fault that acts on a request and a move of the virtual clock are
// events too; the expiry that the move causes says why.
func TestEventsFaultFiredAndClockAdvanced(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	s := startEventServer(t, b)
	a := &api{t: t, url: s.url}
	p := testclient.Dial(t, b.Addr())
	p.Call(testclient.Heartbeat("c@1", protocol.Go, 317, "PG"))
	c := openEvents(t, s.url+"/v1/events", "", nil) // after the registration (id 1)

	status, text := a.do("POST", "/v1/faults", `{"code":"SEND_MESSAGE","fault":"respond","responseCode":"SYSTEM_BUSY","remark":"busy","times":1}`)
	assert.Equal(t, status, 201, text)
	resp := p.Call(testclient.SendMessage("PG", "T", 0, "", []byte("x")))
	assert.Equal(t, resp.Code, int32(protocol.SystemBusy))
	a.expect("POST", "/v1/clock/advance", `{"seconds":131}`, 200, `{"now":"2023-11-14T22:15:31.123Z","nowMs":1700000131123,"virtualClock":true}`)

	evs := c.events(4)
	fired, _ := json.Marshal(evs[0])
	assert.Equal(t, string(fired), `{"id":2,"kind":"fault-fired","role":"fault","group":"PG","clientId":"c@1","addr":"`+p.LocalAddr()+
		`","connId":1,"time":"2023-11-14T22:13:20.123Z","timeMs":1700000000123,"code":10,"codeName":"SEND_MESSAGE","action":"respond-code 2"}`)
	expired, _ := json.Marshal(evs[1])
	assert.Equal(t, string(expired), `{"id":3,"kind":"expired","role":"producer","group":"PG","clientId":"c@1","addr":"`+p.LocalAddr()+
		`","connId":1,"time":"2023-11-14T22:15:30.123Z","timeMs":1700000130123,"reason":"no heartbeat for 2m0s"}`)
	assert.DeepEqual(t, summary(evs[2:]), []string{"4 group-removed producer", "5 clock-advanced clock"})
	advanced, _ := json.Marshal(evs[3])
	assert.Equal(t, string(advanced), `{"id":5,"kind":"clock-advanced","role":"clock","time":"2023-11-14T22:15:31.123Z","timeMs":1700000131123,"advancedMs":131000}`)
}

// advanceN makes n clock-advanced events (1 ms each): many events fast.
func advanceN(t *testing.T, b *mockbroker.Broker, n int) {
	t.Helper()
	for range n {
		assert.NilError(t, b.AdvanceClock(time.Millisecond))
	}
}

// waitLogged waits until the handler has logged the event with id.
func waitLogged(t *testing.T, h *Handler, id int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.events.log.lastID() < id {
		if time.Now().After(deadline) {
			t.Fatalf("the handler logged %d events, want %d", h.events.log.lastID(), id)
		}
		time.Sleep(time.Millisecond)
	}
}

func ids(evs []Event) (out []int64) {
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

// A client that reconnects with Last-Event-ID (or ?after=) gets exactly
// the events it missed, none twice; the header wins over the query.
func TestEventsResumeAfterReconnect(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	s := startEventServer(t, b)
	c := openEvents(t, s.url+"/v1/events", "", nil)
	advanceN(t, b, 5)
	got := c.events(3)
	assert.DeepEqual(t, ids(got), []int64{1, 2, 3})
	c.resp.Body.Close() // the client goes away after id 3 ...
	advanceN(t, b, 4)   // ... and misses 4 to 9
	waitLogged(t, s.h, 9)

	c = openEvents(t, s.url+"/v1/events?after=7", "", map[string]string{"Last-Event-ID": "3"})
	advanceN(t, b, 1)
	assert.DeepEqual(t, ids(c.events(7)), []int64{4, 5, 6, 7, 8, 9, 10})
	c.resp.Body.Close()

	c = openEvents(t, s.url+"/v1/events?after=8", "", nil)
	assert.DeepEqual(t, ids(c.events(2)), []int64{9, 10})
	c = openEvents(t, s.url+"/v1/events?after=0", "", nil)
	assert.DeepEqual(t, ids(c.events(10)), []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	// Without either: from now on.
	c = openEvents(t, s.url+"/v1/events", "", nil)
	advanceN(t, b, 1)
	assert.DeepEqual(t, ids(c.events(1)), []int64{11})
	// An id this handler never gave (the mock restarted): all it keeps.
	c = openEvents(t, s.url+"/v1/events", "", map[string]string{"Last-Event-ID": "500"})
	assert.DeepEqual(t, ids(c.events(2)), []int64{1, 2})

	// The Go client resumes the same way.
	api := NewClient(s.url, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	es, err := api.Events(ctx, 9)
	assert.NilError(t, err)
	defer es.Close()
	for _, want := range []int64{10, 11} {
		e, err := es.Next()
		assert.NilError(t, err)
		assert.Equal(t, e.ID, want)
		assert.Equal(t, e.Kind, "clock-advanced")
	}
	assert.Equal(t, es.LastID(), int64(11))
}

// A client that asks for events the log already dropped gets a gap event
// naming them, then the oldest kept.
func TestEventsGapAfterTheLogDropped(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	s := startEventServer(t, b)
	const n = EventLogLen + 904
	advanceN(t, b, n)
	waitLogged(t, s.h, n)

	for _, tt := range []struct {
		url    string
		header map[string]string
		from   int64
	}{
		{"/v1/events?after=0", nil, 1},
		{"/v1/events", map[string]string{"Last-Event-ID": "10"}, 11},
	} {
		c := openEvents(t, s.url+tt.url, "", tt.header)
		gap := c.next(5 * time.Second)
		assert.DeepEqual(t, gap, sseBlock{Event: "gap", Data: fmt.Sprintf(`{"kind":"gap","missedFrom":%d,"missedTo":904}`, tt.from)})
		got := c.events(EventLogLen)
		assert.Equal(t, got[0].ID, int64(905))
		assert.Equal(t, got[len(got)-1].ID, int64(n))
		c.resp.Body.Close()
	}

	// The Go client reports the gap as an event.
	es, err := NewClient(s.url, "").Events(context.Background(), 903)
	assert.NilError(t, err)
	defer es.Close()
	e, err := es.Next()
	assert.NilError(t, err)
	assert.DeepEqual(t, e, Event{Kind: "gap", MissedFrom: 904, MissedTo: 904})
	e, err = es.Next()
	assert.NilError(t, err)
	assert.Equal(t, e.ID, int64(905))
}

// The log keeps at most EventLogLen events and about maxBytes of them,
// always the newest.
func TestEventLogBounds(t *testing.T) {
	l := newEventLog(8, 1500)
	ev := mockbroker.ProducerEvent{Kind: mockbroker.EventRegistered, Group: "PG", ClientID: strings.Repeat("c", 100)}
	for range 20 {
		l.add(ev)
	}
	got := l.read(0, make([]loggedEvent, 0, 16))
	assert.Assert(t, got.missedFrom == 1 && got.missedTo > 12, "missed %d..%d", got.missedFrom, got.missedTo) // bytes bound more than 8
	assert.Equal(t, got.events[len(got.events)-1].id, int64(20))
	assert.Assert(t, l.bytes <= 1500 && l.n == len(got.events) && l.n < 8, "n %d, bytes %d", l.n, l.bytes)
	for i, e := range got.events {
		assert.Equal(t, e.id, got.missedTo+1+int64(i))
	}
	// Fewer than a batch, and nothing after the last.
	got = l.read(18, make([]loggedEvent, 0, 1))
	assert.Equal(t, len(got.events), 1)
	assert.Equal(t, got.events[0].id, int64(19))
	got = l.read(20, make([]loggedEvent, 0, 16))
	assert.Equal(t, len(got.events)+int(got.missedFrom), 0)
}

// rawStream opens GET /v1/events on a connection that reads little and
// only when told: a slow reader.
func rawStream(t *testing.T, url string) (net.Conn, func() *sseClient) {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	assert.NilError(t, err)
	t.Cleanup(func() { nc.Close() })
	assert.NilError(t, nc.(*net.TCPConn).SetReadBuffer(4096))
	_, err = fmt.Fprintf(nc, "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	assert.NilError(t, err)
	return nc, func() *sseClient {
		// Reading at last: a 4 KiB window would take minutes to drain
		// what the server's send buffer holds.
		assert.NilError(t, nc.(*net.TCPConn).SetReadBuffer(4<<20))
		resp, err := http.ReadResponse(bufio.NewReaderSize(nc, 64<<10), nil)
		assert.NilError(t, err)
		assert.Equal(t, resp.StatusCode, 200)
		c := &sseClient{t: t, resp: resp, blocks: make(chan sseBlock, 1<<17)}
		go c.read()
		assert.DeepEqual(t, c.next(5*time.Second), sseBlock{Other: []string{"retry: 2000"}})
		return c
	}
}

// waitStreams waits until the handler has n open streams.
func waitStreams(t *testing.T, h *Handler, n int32, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for h.events.streams.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d event streams open, want %d", h.events.streams.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A reader that reads nothing while 50,000 events come holds neither the
// broker nor the other readers, and memory stays bounded: it holds only
// its place in the log. When it reads again it gets a gap event, then the
// oldest events kept, up to the newest.
func TestEventsSlowReaderIsBoundedAndGetsAGap(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	s := startTunedEventServer(t, b, func(f *eventFeed) { f.stall = time.Minute })
	p := testclient.Dial(t, b.Addr())
	p.Call(testclient.Heartbeat("c@1", protocol.Go, 317, "PG")) // id 1
	_, slowStart := rawStream(t, s.url)
	fast := openEvents(t, s.url+"/v1/events", "", nil)
	waitStreams(t, s.h, 2, 5*time.Second)

	const chunks, perChunk = 25, 2000
	before := heapInUse()
	var peak uint64
	var slowestHeartbeat time.Duration
	next := int64(2)
	start := time.Now()
	for range chunks {
		advanceN(t, b, perChunk)
		t0 := time.Now()
		p.Call(testclient.Heartbeat("c@1", protocol.Go, 317, "PG")) // dispatch goes on: a refreshed event
		slowestHeartbeat = max(slowestHeartbeat, time.Since(t0))
		for _, e := range fast.events(perChunk + 1) { // the other reader gets every event, in order
			assert.Equal(t, e.ID, next)
			next++
		}
		peak = max(peak, heapInUse())
	}
	last := next - 1
	t.Logf("%d events in %v; slowest heartbeat %v; heap %d KiB before, peak %d KiB (+%d KiB)",
		last, time.Since(start), slowestHeartbeat, before>>10, peak>>10, (int64(peak)-int64(before))>>10)
	assert.Assert(t, slowestHeartbeat < 2*time.Second, "a heartbeat took %v", slowestHeartbeat)
	// 50,000 encoded events take about 15 MiB; the log keeps at most 4 MiB.
	assert.Assert(t, int64(peak)-int64(before) < 10<<20, "heap grew from %d to %d KiB", before>>10, peak>>10)

	slow := slowStart()
	prev, gaps := int64(1), 0 // it opened after id 1
	for prev < last {
		blk := slow.next(10 * time.Second)
		var e Event
		assert.NilError(t, json.Unmarshal([]byte(blk.Data), &e), "%+v", blk)
		if e.Kind == "gap" {
			assert.Equal(t, e.MissedFrom, prev+1)
			gaps++
			prev = e.MissedTo
			continue
		}
		assert.Equal(t, e.ID, prev+1, "after %d gaps", gaps)
		prev = e.ID
	}
	assert.Assert(t, gaps >= 1, "the slow reader got no gap")
	t.Logf("the slow reader got %d gap(s)", gaps)
}

// A write that stalls longer than the feed's stall time ends its stream;
// the others go on.
func TestEventsStalledWriteEndsTheStream(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	s := startTunedEventServer(t, b, func(f *eventFeed) { f.stall = 200 * time.Millisecond })
	rawStream(t, s.url)
	fast := openEvents(t, s.url+"/v1/events", "", nil)
	waitStreams(t, s.h, 2, 5*time.Second)
	for i := 0; s.h.events.streams.Load() == 2; i++ {
		assert.Assert(t, i < 50, "the stalled stream did not end after %d events", i*1000)
		advanceN(t, b, 1000)
		fast.events(1000)
		time.Sleep(50 * time.Millisecond)
	}
	waitStreams(t, s.h, 1, 5*time.Second)
	// The server closed the stalled connection: only the other is open.
	deadline := time.Now().Add(5 * time.Second)
	for s.ln.Open() != 1 {
		assert.Assert(t, time.Now().Before(deadline), "%d connections open, want 1", s.ln.Open())
		time.Sleep(5 * time.Millisecond)
	}
	advanceN(t, b, 1)
	assert.Equal(t, len(fast.events(1)), 1)
}

// Keep-alive comments come every ping period, also past the server's
// write timeout.
func TestEventsPing(t *testing.T) {
	b := mockbroker.Start(t)
	s := startTunedEventServer(t, b, func(f *eventFeed) { f.ping = 100 * time.Millisecond })
	c := openEvents(t, s.url+"/v1/events", "", nil)
	t0 := time.Now()
	for range 5 {
		select {
		case blk, ok := <-c.blocks:
			assert.Assert(t, ok, "the stream ended: %v", c.err)
			assert.DeepEqual(t, blk, sseBlock{Other: []string{": ping"}})
		case <-time.After(5 * time.Second):
			t.Fatal("no ping")
		}
	}
	assert.Assert(t, time.Since(t0) > 400*time.Millisecond) // longer than the 300 ms write timeout
}

// The stream is behind the token like every /v1 endpoint; bad resume ids
// are refused.
func TestEventsTokenAndBadRequests(t *testing.T) {
	b := mockbroker.Start(t)
	s := startEventServer(t, b, Token("s3cret"))
	a := &api{t: t, url: s.url}
	a.expect("GET", "/v1/events", "", 401, `{"error":"missing bearer token: send the header \"Authorization: Bearer <token>\" with the --control-token value"}`)
	a.token = "wrong"
	a.expect("GET", "/v1/events", "", 401, `{"error":"wrong bearer token"}`)
	a.token = "s3cret"
	a.expect("GET", "/v1/events?after=x", "", 400, `{"error":"after \"x\": want an event id (0 or more): the stream resumes after it"}`)
	a.expect("GET", "/v1/events?after=-1", "", 400, `{"error":"after \"-1\": want an event id (0 or more): the stream resumes after it"}`)
	status, _, text := rawDo(t, s.url+"/v1/events", "GET", nil, map[string]string{"Authorization": "Bearer s3cret", "Last-Event-ID": "7a"})
	assert.Equal(t, status, 400)
	assert.Equal(t, text, `{"error":"Last-Event-ID \"7a\": want an event id (0 or more): the stream resumes after it"}`+"\n")
	a.expect("POST", "/v1/events", "", 405, `{"error":"method POST not allowed on /v1/events; allowed: GET, HEAD"}`)
	openEvents(t, s.url+"/v1/events", "s3cret", nil)

	_, err := NewClient(s.url, "").Events(context.Background(), -1)
	var apiErr *Error
	assert.Assert(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, apiErr.Status, 401)
}

// At most maxEventStreams streams are open at once: the control server
// keeps connections for the rest of the API.
func TestEventsStreamLimit(t *testing.T) {
	b := mockbroker.Start(t)
	s := startEventServer(t, b)
	for range maxEventStreams {
		openEvents(t, s.url+"/v1/events", "", nil)
	}
	a := &api{t: t, url: s.url}
	a.expect("GET", "/v1/events", "", 503, fmt.Sprintf(`{"error":"too many event streams open (limit %d): close one and retry"}`, maxEventStreams))
}

// Streams end when the broker closes, after the events before it; the
// follower goroutine ends with them, and a new stream is refused.
func TestEventsEndOnBrokerClose(t *testing.T) {
	before := runtime.NumGoroutine()
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	s := startEventServer(t, b)
	var streams []*sseClient
	for range 3 {
		streams = append(streams, openEvents(t, s.url+"/v1/events", "", nil))
	}
	es, err := NewClient(s.url, "").Events(context.Background(), -1)
	assert.NilError(t, err)
	defer es.Close()
	advanceN(t, b, 2)
	b.Close()
	for _, c := range streams {
		assert.DeepEqual(t, ids(c.events(2)), []int64{1, 2})
		c.ended(5 * time.Second)
	}
	for range 2 {
		_, err := es.Next()
		assert.NilError(t, err)
	}
	_, err = es.Next()
	assert.Equal(t, err, io.EOF)
	select {
	case <-s.h.events.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the follower goroutine did not end")
	}
	waitStreams(t, s.h, 0, 5*time.Second)
	a := &api{t: t, url: s.url}
	a.expect("GET", "/v1/events", "", 503, `{"error":"the broker is closed"}`)

	// Nothing of the handler's stays running (the test's server and the
	// HTTP clients' idle connections aside).
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "controlapi.(*eventFeed)") && !strings.Contains(stacks, "controlapi.(*sseStream)") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left (%d before the test, %d now):\n%s", before, runtime.NumGoroutine(), stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Many handlers on one broker each follow it, each with its own ids.
func TestEventsPerHandlerIDs(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	s1 := startEventServer(t, b)
	advanceN(t, b, 1)
	waitLogged(t, s1.h, 1)
	s2 := startEventServer(t, b)
	var wg sync.WaitGroup
	cs := []*sseClient{openEvents(t, s1.url+"/v1/events?after=0", "", nil), openEvents(t, s2.url+"/v1/events?after=0", "", nil)}
	advanceN(t, b, 1)
	got := make([][]int64, 2)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = ids(c.events(2 - i))
		}()
	}
	wg.Wait()
	assert.DeepEqual(t, got, [][]int64{{1, 2}, {1}})
}
