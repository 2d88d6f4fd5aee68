// Package clientcheck watches the clients of a mock broker and reports
// what a client did that a real broker would tolerate but a careful client
// should not: closing without unregistering, irregular heartbeats,
// non-string extFields, reused opaques. `rocketmock serve --client-checks`
// serves its report.
package clientcheck

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// Client checks: what a client under test did that a real broker would
// tolerate but a careful client should not.
const (
	// CheckCloseWithoutUnregister: the client closed a connection on which
	// it was still registered as a producer, without UNREGISTER_CLIENT
	// first (the broker only notices the close; a Java client unregisters
	// on shutdown, rocketmq-client-go never does).
	CheckCloseWithoutUnregister = "close-without-unregister"
	// CheckHeartbeatInterval: heartbeats on a connection came far from the
	// documented 30 s apart (all clients' heartbeatBrokerInterval).
	CheckHeartbeatInterval = "heartbeat-interval"
	// CheckNonStringExtFields: a JSON header carried extFields values that
	// are not strings (Java builds them with String.valueOf; a Go client
	// reading such a header fails).
	CheckNonStringExtFields = "non-string-extfields"
	// CheckDuplicateOpaque: a request reused the opaque of an earlier
	// request on the same connection; replies are matched by opaque, so
	// two in flight get each other's replies.
	CheckDuplicateOpaque = "duplicate-opaque"
)

// DocumentedHeartbeatInterval is the heartbeat period of the Java, Go and
// Node clients (heartbeatBrokerInterval).
const DocumentedHeartbeatInterval = 30 * time.Second

// Finding is one thing a client did that a careful client should not.
type Finding struct {
	Check    string    // one of the Check* names
	Conn     string    // the client's "ip:port"
	ClientID string    // from its first heartbeat, if any
	Time     time.Time // when it happened (real time)
	Detail   string
}

// Report is what a Watch found.
type Report struct {
	Connections int       // client connections that sent anything
	Requests    int       // requests observed
	Findings    []Finding // in time order
}

// String formats the report, one finding a line.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client checks: %d connections, %d requests, %d findings\n", r.Connections, r.Requests, len(r.Findings))
	for _, f := range r.Findings {
		who := f.Conn
		if f.ClientID != "" {
			who += " (" + f.ClientID + ")"
		}
		fmt.Fprintf(&b, "  %s %s: %s\n", f.Check, who, f.Detail)
	}
	return b.String()
}

// Of returns the findings of one check.
func (r Report) Of(check string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// Watch watches the clients of a mock: every request frame (through
// the broker's request observer) and every producer event. Make it before
// the broker, pass Option() to mockbroker.New or Start, call Watch on the
// broker before clients connect, and ask for the Report at the end:
//
//	w := clientcheck.NewWatch()
//	b := mockbroker.Start(t, w.Option())
//	w.Watch(b)
//	... run the client under test ...
//	t.Log(w.Report())
//
// Closes the test itself causes (CloseClient, Reset) count as closes
// without unregistering; expiries do not.
type Watch struct {
	mu       sync.Mutex
	now      func() time.Time
	conns    map[string]*watchedConn
	findings []Finding
	requests int
	tol      time.Duration
}

// watchedConn is what the watch knows of one client connection.
type watchedConn struct {
	clientID   string
	heartbeats []time.Time
	opaques    map[int32]time.Time // request opaques seen, when first seen
	registered map[string]bool     // producer groups it is registered in
	expired    bool                // the broker expired it: its close is not the client's doing
	closed     bool
}

// NewWatch returns a watch with nothing seen yet.
func NewWatch() *Watch {
	return &Watch{now: time.Now, conns: map[string]*watchedConn{}, tol: DocumentedHeartbeatInterval / 2}
}

// Option is the broker option that feeds the watch every request frame.
func (w *Watch) Option() mockbroker.Option {
	return mockbroker.WithRequestObserver(w.observe)
}

// Watch follows b's producer events until b closes.
func (w *Watch) Watch(b *mockbroker.Broker) {
	sub := b.Subscribe()
	go func() {
		defer sub.Close()
		for {
			ev, err := sub.Next(context.Background())
			if err != nil {
				return
			}
			w.event(ev)
		}
	}()
}

func (w *Watch) conn(addr string) *watchedConn {
	c := w.conns[addr]
	if c == nil {
		c = &watchedConn{opaques: map[int32]time.Time{}, registered: map[string]bool{}}
		w.conns[addr] = c
	}
	return c
}

// observe sees one request frame, on the connection's event loop.
func (w *Watch) observe(r mockbroker.Received) {
	now := w.now()
	cmd := r.Command
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.conn(r.Remote)
	if cmd.IsResponse() {
		return // a reply to the broker's own request: its opaque is the broker's
	}
	w.requests++
	if cmd.RequestCode() == protocol.HeartBeat {
		c.heartbeats = append(c.heartbeats, now)
		if c.clientID == "" {
			if hb, err := protocol.DecodeHeartbeatData(cmd.Body); err == nil {
				c.clientID = hb.ClientID
			}
		}
	}
	if bad := nonStringExtFields(r.Frame); len(bad) > 0 {
		w.add(CheckNonStringExtFields, r.Remote, c, now,
			fmt.Sprintf("%s header has extFields values that are not strings: %s", cmd.RequestCode(), strings.Join(bad, ", ")))
	}
	if first, dup := c.opaques[cmd.Opaque]; dup {
		w.add(CheckDuplicateOpaque, r.Remote, c, now, fmt.Sprintf("%s with opaque %d, already used on this connection %v earlier",
			cmd.RequestCode(), cmd.Opaque, now.Sub(first).Round(time.Millisecond)))
	} else {
		c.opaques[cmd.Opaque] = now
	}
}

// event sees one producer event.
func (w *Watch) event(ev mockbroker.ProducerEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ev.Kind == mockbroker.EventGroupRemoved {
		return
	}
	c, seen := w.conns[ev.RemoteAddr]
	if !seen { // a fixture's virtual producer, or one we never heard
		return
	}
	switch ev.Kind {
	case mockbroker.EventRegistered:
		c.registered[ev.Group] = true
	case mockbroker.EventUnregistered:
		delete(c.registered, ev.Group)
	case mockbroker.EventExpired:
		delete(c.registered, ev.Group)
		c.expired = true
	case mockbroker.EventClosed:
		if c.registered[ev.Group] && !c.expired {
			w.add(CheckCloseWithoutUnregister, ev.RemoteAddr, c, w.now(),
				fmt.Sprintf("closed its connection while registered in producer group %s, without UNREGISTER_CLIENT", ev.Group))
		}
		delete(c.registered, ev.Group)
		c.closed = true
	}
}

func (w *Watch) add(check, addr string, c *watchedConn, t time.Time, detail string) {
	w.findings = append(w.findings, Finding{Check: check, Conn: addr, ClientID: c.clientID, Time: t, Detail: detail})
}

// Report returns what the watch found so far. Heartbeat intervals are
// judged here, per connection: an interval more than 15 s longer than the
// documented 30 s (the broker expires a producer after 120 s of silence),
// or, once there are three intervals or more, a median interval more than
// 15 s shorter (the first interval, which start-up shortens, left out).
func (w *Watch) Report() Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := Report{Requests: w.requests, Findings: slices.Clone(w.findings)}
	addrs := make([]string, 0, len(w.conns))
	for a := range w.conns {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		c := w.conns[a]
		if len(c.opaques) > 0 {
			r.Connections++
		}
		r.Findings = append(r.Findings, w.heartbeatFindings(a, c)...)
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Time.Before(r.Findings[j].Time) })
	return r
}

func (w *Watch) heartbeatFindings(addr string, c *watchedConn) []Finding {
	hb := c.heartbeats
	if len(hb) < 2 {
		return nil
	}
	var out []Finding
	gaps := make([]time.Duration, 0, len(hb)-1)
	for i := 1; i < len(hb); i++ {
		gap := hb[i].Sub(hb[i-1])
		gaps = append(gaps, gap)
		if gap > DocumentedHeartbeatInterval+w.tol {
			out = append(out, Finding{Check: CheckHeartbeatInterval, Conn: addr, ClientID: c.clientID, Time: hb[i],
				Detail: fmt.Sprintf("heartbeat %v after the previous one; documented: every %v", gap.Round(time.Millisecond), DocumentedHeartbeatInterval)})
		}
	}
	if len(gaps) < 3 {
		return out // start-up bursts (Java: at start and 1 s later) are no pattern
	}
	steady := gaps[1:]
	sorted := slices.Clone(steady)
	slices.Sort(sorted)
	if median := sorted[len(sorted)/2]; median < DocumentedHeartbeatInterval-w.tol {
		out = append(out, Finding{Check: CheckHeartbeatInterval, Conn: addr, ClientID: c.clientID, Time: hb[len(hb)-1],
			Detail: fmt.Sprintf("heartbeats every %v (median of %d intervals); documented: every %v", median.Round(time.Millisecond), len(steady), DocumentedHeartbeatInterval)})
	}
	return out
}

// nonStringExtFields returns "key=value" for each extFields value of a
// JSON header that is not a JSON string.
func nonStringExtFields(frame []byte) []string {
	if len(frame) < 8 || frame[4] != byte(protocol.JSON) {
		return nil
	}
	hlen := int(binary.BigEndian.Uint32(frame[4:8]) & 0xFFFFFF)
	if 8+hlen > len(frame) {
		return nil
	}
	var h struct {
		ExtFields map[string]json.RawMessage `json:"extFields"`
	}
	if json.Unmarshal(frame[8:8+hlen], &h) != nil {
		return nil
	}
	var bad []string
	for k, v := range h.ExtFields {
		if len(v) == 0 || v[0] != '"' {
			bad = append(bad, k+"="+string(v))
		}
	}
	sort.Strings(bad)
	return bad
}
