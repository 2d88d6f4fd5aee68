package controlapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
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
}

func startEventServer(t *testing.T, b *mockbroker.Broker, opts ...Option) *eventServer {
	t.Helper()
	h := NewHandler(b, opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	l := DefaultLimits()
	l.ReadTimeout, l.WriteTimeout, l.IdleTimeout = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	srv := NewServer(h, l)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(LimitListener(ln, l.MaxConns))
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return &eventServer{h: h, url: "http://" + ln.Addr().String()}
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
