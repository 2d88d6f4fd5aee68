package controlapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// GET /v1/events: the broker's events (mockbroker.Broker.Subscribe) as
// Server-Sent Events. One goroutine per Handler reads the subscription
// into a bounded log of encoded events; every stream reads that log by id,
// so a slow reader holds nothing but its place: it never blocks the broker
// or other readers, and one that falls behind the log gets a gap event.

// Bounds of the event stream.
const (
	// EventLogLen and EventLogBytes bound the events a Handler keeps for
	// streams to resume from: the last EventLogLen, and fewer when they
	// take more than EventLogBytes.
	EventLogLen   = 4096
	EventLogBytes = 4 << 20

	eventRetryMs    = 2000             // the retry line: a browser reconnects after 2 s
	eventPing       = 15 * time.Second // a ": ping" comment keeps proxies and clients from timing out
	eventWriteStall = 10 * time.Second // a write that takes longer ends its stream
	eventBatch      = 256              // events copied out of the log, or logged, at a time
	eventCoalesce   = 5 * time.Millisecond
	maxEventStreams = 32 // open streams per Handler: the server keeps connections for the rest of the API
)

// eventFeed is a Handler's event log and what its streams share.
type eventFeed struct {
	log     *eventLog
	ping    time.Duration // keep-alive period (tests shorten it)
	stall   time.Duration // longest write before a stream ends
	streams atomic.Int32  // open streams
	done    chan struct{} // closed when the follower goroutine ended
}

// newEventFeed subscribes to b's events and starts the one goroutine that
// logs them; it ends when b closes.
func newEventFeed(b *mockbroker.Broker) *eventFeed {
	f := &eventFeed{log: newEventLog(EventLogLen, EventLogBytes), ping: eventPing, stall: eventWriteStall, done: make(chan struct{})}
	sub := b.Subscribe()
	go f.follow(sub)
	return f
}

// follow logs the subscription's events. It takes all that is queued
// and then pauses for eventCoalesce: on a busy broker it wakes (and wakes
// the streams) at most every eventCoalesce, so that publishing an event
// costs the broker's event loop an append, not a goroutine wake-up.
func (f *eventFeed) follow(sub *mockbroker.Subscription) {
	defer close(f.done)
	defer f.log.close()
	defer sub.Close()
	queued, cancel := context.WithCancel(context.Background())
	cancel() // Next with it returns what is queued, or an error at once
	var batch []mockbroker.ProducerEvent
	for {
		ev, err := sub.Next(context.Background())
		if err != nil {
			return // the broker closed
		}
		batch = append(batch[:0], ev)
		for { // everything queued, in batches
			ev, err := sub.Next(queued)
			if err == nil {
				batch = append(batch, ev)
			}
			if len(batch) == eventBatch || (err != nil && len(batch) > 0) {
				f.log.add(batch...)
				clear(batch)
				batch = batch[:0]
			}
			if err != nil {
				break
			}
		}
		time.Sleep(eventCoalesce)
	}
}

// eventJSON is the wire form of a broker event.
func eventJSON(id int64, ev mockbroker.ProducerEvent) Event {
	out := Event{ID: id, Kind: ev.Kind.String(), Group: ev.Group, ClientID: ev.ClientID, Addr: ev.RemoteAddr,
		ConnID: ev.ConnID, Virtual: ev.Virtual}
	switch {
	case ev.Kind.Producer():
		out.Role = "producer"
	case ev.Kind.Consumer():
		out.Role = "consumer"
	case ev.Kind.Fault():
		out.Role = "fault"
		code := int32(ev.Code)
		out.Code, out.CodeName, out.Action = &code, ev.Code.String(), ev.Action
	case ev.Kind.Clock():
		out.Role = "clock"
		out.AdvancedMs = ev.Advanced.Milliseconds()
	}
	if !ev.Time.IsZero() {
		out.Time, out.TimeMs = ev.Time.UTC().Format(time.RFC3339Nano), ev.Time.UnixMilli()
	}
	out.Reason = eventReason(ev)
	return out
}

// eventReason says in a few words why a client left, "" for the kinds
// that are no leaving.
func eventReason(ev mockbroker.ProducerEvent) string {
	switch ev.Kind {
	case mockbroker.EventExpired, mockbroker.EventConsumerExpired:
		if ev.Expiry > 0 {
			return "no heartbeat for " + ev.Expiry.String()
		}
		return "expired"
	case mockbroker.EventClosed, mockbroker.EventConsumerClosed:
		return "connection closed"
	case mockbroker.EventUnregistered, mockbroker.EventConsumerUnregistered:
		return "UNREGISTER_CLIENT"
	}
	return ""
}

// sseFrame is one event as the stream writes it.
func sseFrame(id int64, kind string, e Event) []byte {
	data, err := json.Marshal(e)
	if err != nil { // an Event holds only strings and numbers
		data = []byte(`{"kind":"` + kind + `"}`)
	}
	var b strings.Builder
	b.Grow(len(data) + len(kind) + 40)
	if id > 0 {
		b.WriteString("id: ")
		b.WriteString(strconv.FormatInt(id, 10))
		b.WriteByte('\n')
	}
	b.WriteString("event: ")
	b.WriteString(kind)
	b.WriteString("\ndata: ")
	b.Write(data)
	b.WriteString("\n\n")
	return []byte(b.String())
}

// eventLog keeps the last events, encoded, by id: ids are consecutive, so
// event id sits at ring[(id-1) % len(ring)].
type eventLog struct {
	mu       sync.Mutex
	ring     []loggedEvent
	maxBytes int
	n        int   // events kept: ids last-n+1 .. last
	bytes    int   // their size
	last     int64 // the last id given, 0 before the first event
	changed  chan struct{}
	closed   bool
}

type loggedEvent struct {
	id    int64
	frame []byte
}

// loggedCost is what an event costs the log besides its frame.
const loggedCost = 32

func newEventLog(n, maxBytes int) *eventLog {
	return &eventLog{ring: make([]loggedEvent, n), maxBytes: maxBytes, changed: make(chan struct{})}
}

// add numbers the events, keeps them and wakes the streams. Only the
// follower goroutine adds, so the ids can be taken before the lock.
func (l *eventLog) add(evs ...mockbroker.ProducerEvent) {
	l.mu.Lock()
	id := l.last
	l.mu.Unlock()
	frames := make([][]byte, len(evs))
	for i, ev := range evs {
		e := eventJSON(id+int64(i)+1, ev)
		frames[i] = sseFrame(e.ID, e.Kind, e)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	for _, frame := range frames {
		if l.n == len(l.ring) {
			l.dropOldestLocked()
		}
		id++
		l.ring[(id-1)%int64(len(l.ring))] = loggedEvent{id: id, frame: frame}
		l.last, l.n, l.bytes = id, l.n+1, l.bytes+len(frame)+loggedCost
		for l.bytes > l.maxBytes && l.n > 1 {
			l.dropOldestLocked()
		}
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *eventLog) dropOldestLocked() {
	i := (l.last - int64(l.n)) % int64(len(l.ring))
	l.bytes -= len(l.ring[i].frame) + loggedCost
	l.ring[i] = loggedEvent{}
	l.n--
}

func (l *eventLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.changed)
	}
}

// lastID returns the last id given.
func (l *eventLog) lastID() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// logRead is what one read of the log found after a stream's position.
type logRead struct {
	events     []loggedEvent
	missedFrom int64 // > 0: the events missedFrom .. missedTo were dropped before the stream got them
	missedTo   int64
	changed    <-chan struct{} // closed at the next add (or close)
	closed     bool
}

// read appends to buf up to cap(buf) events with ids after the given one,
// reporting the ones dropped in between.
func (l *eventLog) read(after int64, buf []loggedEvent) logRead {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := logRead{changed: l.changed, closed: l.closed}
	if l.n == 0 {
		return r
	}
	first := l.last - int64(l.n) + 1
	if after < first-1 {
		r.missedFrom, r.missedTo = after+1, first-1
		after = first - 1
	}
	for id := after + 1; id <= l.last && len(buf) < cap(buf); id++ {
		buf = append(buf, l.ring[(id-1)%int64(len(l.ring))])
	}
	r.events = buf
	return r
}

func (h *Handler) eventRoutes() []route {
	return []route{{"GET /v1/events", h.eventStream}}
}

// eventStream checks the request and answers with the stream.
func (h *Handler) eventStream(r *http.Request) (int, any, error) {
	after, err := eventsAfter(r)
	if err != nil {
		return 0, nil, err
	}
	if h.b.Closed() {
		return 0, nil, &causeError{"the broker is closed", mockbroker.ErrClosed}
	}
	last := h.events.log.lastID()
	switch {
	case after < 0:
		after = last // from now on
	case after > last:
		after = 0 // an id of an earlier handler: all that is kept
	}
	if h.events.streams.Add(1) > maxEventStreams {
		h.events.streams.Add(-1)
		return 0, nil, requestErr(http.StatusServiceUnavailable, "too many event streams open (limit %d): close one and retry", maxEventStreams)
	}
	return http.StatusOK, &sseStream{feed: h.events, after: after}, nil
}

// eventsAfter reads the id a stream resumes after: Last-Event-ID, else
// ?after=, else -1 (from now on).
func eventsAfter(r *http.Request) (int64, error) {
	name, v := "Last-Event-ID", strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if v == "" {
		name = "after"
		if !r.URL.Query().Has("after") {
			return -1, nil
		}
		v = r.URL.Query().Get("after")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, requestErr(http.StatusBadRequest, "%s %q: want an event id (0 or more): the stream resumes after it", name, logsink.Truncate(v, maxEchoed))
	}
	return n, nil
}

// sseStream writes one event stream; endpoint serves it as the answer.
type sseStream struct {
	feed  *eventFeed
	after int64
}

func (s *sseStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer s.feed.streams.Add(-1)
	rc := http.NewResponseController(w)
	// The server's ReadTimeout would cancel the request's context, its
	// WriteTimeout cut the stream: each write sets its own deadline.
	_ = rc.SetReadDeadline(time.Time{})
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Accel-Buffering", "no") // a proxy in front should not buffer
	w.WriteHeader(http.StatusOK)
	write := func(frames ...[]byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(s.feed.stall))
		for _, f := range frames {
			if _, err := w.Write(f); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	if !write([]byte("retry: " + strconv.Itoa(eventRetryMs) + "\n\n")) {
		return
	}
	ping := time.NewTicker(s.feed.ping)
	defer ping.Stop()
	buf := make([]loggedEvent, 0, eventBatch)
	frames := make([][]byte, 0, eventBatch+1)
	after := s.after
	for {
		got := s.feed.log.read(after, buf[:0])
		frames = frames[:0]
		if got.missedFrom > 0 {
			frames = append(frames, sseFrame(0, "gap", Event{Kind: "gap", MissedFrom: got.missedFrom, MissedTo: got.missedTo}))
		}
		for _, e := range got.events {
			frames = append(frames, e.frame)
			after = e.id
		}
		clear(buf[:len(got.events)]) // hold no frame the log dropped
		if len(frames) > 0 {
			if !write(frames...) {
				return
			}
			clear(frames)
			if len(got.events) == eventBatch {
				continue // more at once
			}
		}
		if got.closed {
			return // the broker closed: everything is written
		}
		select {
		case <-r.Context().Done():
			return
		case <-got.changed:
		case <-ping.C:
			if !write([]byte(": ping\n\n")) {
				return
			}
		}
	}
}
