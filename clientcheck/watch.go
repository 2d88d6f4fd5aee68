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
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
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

// What a Watch keeps is bounded, however long it runs.
const (
	// OpaqueWindow is how many recent request opaques a connection's
	// duplicate check remembers.
	OpaqueWindow = 1024
	// HeartbeatWindow is how many recent heartbeat times a connection's
	// interval check remembers (the median is taken over them).
	HeartbeatWindow = 64
	// MaxTrackedConns is how many connections the watch follows at once.
	MaxTrackedConns = 10_000
	// MaxFindingsPerCheck is how many findings of each check a Report
	// lists; it counts the rest.
	MaxFindingsPerCheck = 100
	// maxGroupsPerConn bounds the producer groups followed per connection.
	maxGroupsPerConn = 1024
	// maxValue bounds a client id or group name quoted in a finding.
	maxValue = 256
)

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
	Findings    []Finding // in time order, at most MaxFindingsPerCheck of each check
	// Omitted counts, by check, the findings past MaxFindingsPerCheck.
	Omitted map[string]int
	// Forgotten counts connections the watch stopped following (or never
	// followed) to stay within MaxTrackedConns: closed ones first, oldest
	// first. Their later requests still count, their checks no longer run.
	Forgotten int
}

// String formats the report, one finding a line.
func (r Report) String() string {
	var b strings.Builder
	total := len(r.Findings)
	for _, n := range r.Omitted {
		total += n
	}
	fmt.Fprintf(&b, "client checks: %d connections, %d requests, %d findings\n", r.Connections, r.Requests, total)
	for _, f := range r.Findings {
		who := f.Conn
		if f.ClientID != "" {
			who += " (" + f.ClientID + ")"
		}
		fmt.Fprintf(&b, "  %s %s: %s\n", f.Check, who, f.Detail)
	}
	checks := make([]string, 0, len(r.Omitted))
	for c := range r.Omitted {
		checks = append(checks, c)
	}
	sort.Strings(checks)
	for _, c := range checks {
		fmt.Fprintf(&b, "  … and %d more %s findings\n", r.Omitted[c], c)
	}
	if r.Forgotten > 0 {
		fmt.Fprintf(&b, "  (%d connections past the %d followed were not checked)\n", r.Forgotten, MaxTrackedConns)
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
// without unregistering; expiries do not. What it keeps is bounded (see
// OpaqueWindow and the constants beside it): a reused opaque is found
// among the last OpaqueWindow of its connection.
type Watch struct {
	mu       sync.Mutex
	now      func() time.Time
	conns    map[string]*watchedConn
	findings []Finding      // at most maxFindings of each check
	perCheck map[string]int // findings kept, by check
	omitted  map[string]int // findings past the cap, by check
	requests int
	conned   int // connections that sent a request
	tol      time.Duration
	// Eviction order: connections in the order they were first seen, and
	// closed ones in the order they closed. Entries go stale when their
	// connection is forgotten; compact drops those.
	opened, closed []*watchedConn
	forgotten      int
	// The bounds (the exported constants; tests shrink them).
	opaqueWindow, heartbeatWindow, maxConns, maxFindings int
}

// watchedConn is what the watch knows of one client connection.
type watchedConn struct {
	addr       string
	clientID   string
	requests   int
	heartbeats []time.Time         // the last heartbeatWindow heartbeat times
	beats      int                 // all heartbeats
	opaques    map[int32]time.Time // recent request opaques, when first seen
	opaqueRing []int32             // the same opaques, oldest first from ringNext
	ringNext   int
	registered map[string]bool // producer groups it is registered in
	expired    bool            // the broker expired it: its close is not the client's doing
	isClosed   bool
	forgotten  bool
}

// NewWatch returns a watch with nothing seen yet.
func NewWatch() *Watch {
	return &Watch{now: time.Now, conns: map[string]*watchedConn{}, tol: DocumentedHeartbeatInterval / 2,
		perCheck: map[string]int{}, omitted: map[string]int{},
		opaqueWindow: OpaqueWindow, heartbeatWindow: HeartbeatWindow, maxConns: MaxTrackedConns, maxFindings: MaxFindingsPerCheck}
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

// conn returns the connection at addr, following a new one (and
// forgetting an old one past maxConns); nil when none can be forgotten.
func (w *Watch) conn(addr string) *watchedConn {
	c := w.conns[addr]
	if c != nil && !c.isClosed {
		return c
	}
	// New, or a closed connection's port reused by a new one.
	if c != nil {
		w.forget(c)
		w.forgotten-- // replaced, not lost
	}
	if len(w.conns) >= w.maxConns && !w.forgetOne() {
		w.forgotten++
		return nil
	}
	c = &watchedConn{addr: addr, opaques: map[int32]time.Time{}, registered: map[string]bool{}}
	w.conns[addr] = c
	w.opened = append(w.opened, c)
	w.compact()
	return c
}

// forgetOne forgets the connection that closed first, or, when none did
// (the watch does not see closes of connections that never registered a
// producer), the one seen first.
func (w *Watch) forgetOne() bool {
	for _, q := range []*[]*watchedConn{&w.closed, &w.opened} {
		for len(*q) > 0 {
			c := (*q)[0]
			*q = (*q)[1:]
			if !c.forgotten {
				w.forget(c)
				return true
			}
		}
	}
	return false
}

func (w *Watch) forget(c *watchedConn) {
	c.forgotten = true
	delete(w.conns, c.addr)
	w.forgotten++
}

// compact drops forgotten connections from the eviction queues once they
// hold twice the connections followed.
func (w *Watch) compact() {
	for _, q := range []*[]*watchedConn{&w.opened, &w.closed} {
		if len(*q) > 2*w.maxConns+16 {
			*q = slices.DeleteFunc(slices.Clone(*q), func(c *watchedConn) bool { return c.forgotten })
		}
	}
}

// observe sees one request frame, on the connection's event loop.
func (w *Watch) observe(r mockbroker.Received) {
	now := w.now()
	cmd := r.Command
	w.mu.Lock()
	defer w.mu.Unlock()
	if cmd.IsResponse() {
		return // a reply to the broker's own request: its opaque is the broker's
	}
	w.requests++
	c := w.conn(r.Remote)
	if c == nil {
		return
	}
	if c.requests++; c.requests == 1 {
		w.conned++
	}
	if cmd.RequestCode() == protocol.HeartBeat {
		w.heartbeat(r.Remote, c, now)
		if c.clientID == "" {
			if hb, err := protocol.DecodeHeartbeatData(cmd.Body); err == nil {
				c.clientID = truncate(hb.ClientID)
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
		w.rememberOpaque(c, cmd.Opaque, now)
	}
}

// rememberOpaque keeps the last opaqueWindow opaques of a connection.
func (w *Watch) rememberOpaque(c *watchedConn, opaque int32, now time.Time) {
	if len(c.opaqueRing) < w.opaqueWindow {
		c.opaqueRing = append(c.opaqueRing, opaque)
	} else {
		delete(c.opaques, c.opaqueRing[c.ringNext])
		c.opaqueRing[c.ringNext] = opaque
		c.ringNext = (c.ringNext + 1) % w.opaqueWindow
	}
	c.opaques[opaque] = now
}

// heartbeat records a heartbeat time, judging a late one at once: an
// interval more than 15 s longer than the documented 30 s (the broker
// expires a producer after 120 s of silence).
func (w *Watch) heartbeat(addr string, c *watchedConn, now time.Time) {
	if n := len(c.heartbeats); n > 0 {
		if gap := now.Sub(c.heartbeats[n-1]); gap > DocumentedHeartbeatInterval+w.tol {
			w.add(CheckHeartbeatInterval, addr, c, now,
				fmt.Sprintf("heartbeat %v after the previous one; documented: every %v", gap.Round(time.Millisecond), DocumentedHeartbeatInterval))
		}
	}
	if len(c.heartbeats) == w.heartbeatWindow {
		c.heartbeats = append(c.heartbeats[:0], c.heartbeats[1:]...)
	}
	c.heartbeats = append(c.heartbeats, now)
	c.beats++
}

// event sees one producer event.
func (w *Watch) event(ev mockbroker.ProducerEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ev.Kind == mockbroker.EventGroupRemoved {
		return
	}
	c, seen := w.conns[ev.RemoteAddr]
	if !seen { // a fixture's virtual producer, one we never heard or forgot
		return
	}
	switch ev.Kind {
	case mockbroker.EventRegistered:
		if len(c.registered) < maxGroupsPerConn {
			c.registered[ev.Group] = true
		}
	case mockbroker.EventUnregistered:
		delete(c.registered, ev.Group)
	case mockbroker.EventExpired:
		delete(c.registered, ev.Group)
		c.expired = true
	case mockbroker.EventClosed:
		if c.registered[ev.Group] && !c.expired {
			w.add(CheckCloseWithoutUnregister, ev.RemoteAddr, c, w.now(),
				fmt.Sprintf("closed its connection while registered in producer group %s, without UNREGISTER_CLIENT", truncate(ev.Group)))
		}
		delete(c.registered, ev.Group)
		if !c.isClosed {
			c.isClosed = true
			w.closed = append(w.closed, c)
			w.compact()
		}
	}
}

// add keeps a finding, or counts it past maxFindings of its check.
func (w *Watch) add(check, addr string, c *watchedConn, t time.Time, detail string) {
	if w.perCheck[check] >= w.maxFindings {
		w.omitted[check]++
		return
	}
	w.perCheck[check]++
	w.findings = append(w.findings, Finding{Check: check, Conn: addr, ClientID: c.clientID, Time: t, Detail: detail})
}

// truncate cuts a value a client chose at maxValue bytes.
func truncate(s string) string { return logsink.Truncate(s, maxValue) }

// Report returns what the watch found so far. Heartbeat intervals are
// judged per connection: an interval more than 15 s longer than the
// documented 30 s (the broker expires a producer after 120 s of silence)
// when it happens, and here, once there are three intervals or more, a
// median of the recent intervals more than 15 s shorter (the first
// interval, which start-up shortens, left out).
func (w *Watch) Report() Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := Report{Connections: w.conned, Requests: w.requests, Findings: slices.Clone(w.findings), Forgotten: w.forgotten}
	omitted := maps.Clone(w.omitted)
	kept := w.perCheck[CheckHeartbeatInterval]
	addrs := make([]string, 0, len(w.conns))
	for a := range w.conns {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		if f, ok := w.medianFinding(a, w.conns[a]); ok {
			if kept >= w.maxFindings {
				omitted[CheckHeartbeatInterval]++
				continue
			}
			kept++
			r.Findings = append(r.Findings, f)
		}
	}
	if len(omitted) > 0 {
		r.Omitted = omitted
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Time.Before(r.Findings[j].Time) })
	return r
}

// medianFinding judges the median of a connection's recent heartbeat
// intervals.
func (w *Watch) medianFinding(addr string, c *watchedConn) (Finding, bool) {
	hb := c.heartbeats
	if len(hb) < 4 {
		return Finding{}, false // start-up bursts (Java: at start and 1 s later) are no pattern
	}
	gaps := make([]time.Duration, 0, len(hb)-1)
	for i := 1; i < len(hb); i++ {
		gaps = append(gaps, hb[i].Sub(hb[i-1]))
	}
	steady := gaps
	if c.beats == len(hb) {
		steady = gaps[1:] // the first interval is still in the window
	}
	sorted := slices.Clone(steady)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	if median >= DocumentedHeartbeatInterval-w.tol {
		return Finding{}, false
	}
	return Finding{Check: CheckHeartbeatInterval, Conn: addr, ClientID: c.clientID, Time: hb[len(hb)-1],
		Detail: fmt.Sprintf("heartbeats every %v (median of %d intervals); documented: every %v", median.Round(time.Millisecond), len(steady), DocumentedHeartbeatInterval)}, true
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
			bad = append(bad, truncate(k+"="+string(v)))
		}
	}
	sort.Strings(bad)
	if len(bad) > 20 {
		bad = append(bad[:20], fmt.Sprintf("… %d more", len(bad)-20))
	}
	return bad
}
