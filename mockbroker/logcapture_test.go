package mockbroker

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// logRecord is one captured slog record, its attributes as text.
type logRecord struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func (r logRecord) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q", r.Level, r.Msg)
	for k, v := range r.Attrs {
		if k == "stack" {
			continue
		}
		fmt.Fprintf(&b, " %s=%q", k, v)
	}
	return b.String()
}

// logCapture keeps the broker's log records so tests can assert on the
// reasons the broker gives. It keeps the last limit records (0: all) and
// counts those at Error level or above.
type logCapture struct {
	limit int

	mu      sync.Mutex
	records []logRecord
	errors  int
	total   int
	changed chan struct{} // closed and replaced on every record
}

// newLogCapture returns a capture keeping the last limit records (0: all).
func newLogCapture(limit int) *logCapture { return &logCapture{limit: limit} }

// logger returns a logger writing into the capture, and also to t.Log when
// t is not nil (the broker must then be closed before t ends).
func (c *logCapture) logger(t testing.TB) *slog.Logger {
	h := &captureHandler{c: c}
	if t != nil {
		h.next = slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})
	}
	return slog.New(h)
}

func (c *logCapture) add(r logRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	if r.Level >= slog.LevelError {
		c.errors++
	}
	c.records = append(c.records, r)
	if c.limit > 0 && len(c.records) > c.limit {
		c.records = append(c.records[:0], c.records[len(c.records)-c.limit:]...)
	}
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// counts returns how many records came in all, and how many at Error level.
func (c *logCapture) counts() (total, errors int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total, c.errors
}

// since returns the kept records after the first n (a total from counts).
func (c *logCapture) since(n int) []logRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	skip := n - (c.total - len(c.records))
	if skip < 0 {
		skip = 0
	}
	if skip > len(c.records) {
		return nil
	}
	return append([]logRecord(nil), c.records[skip:]...)
}

// find returns the first kept record that matches.
func (c *logCapture) find(match func(logRecord) bool) (logRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.records {
		if match(r) {
			return r, true
		}
	}
	return logRecord{}, false
}

// wait waits up to timeout for a record that matches.
func (c *logCapture) wait(timeout time.Duration, match func(logRecord) bool) (logRecord, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		c.mu.Lock()
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		ch := c.changed
		c.mu.Unlock()
		if r, ok := c.find(match); ok {
			return r, true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return logRecord{}, false
		}
	}
}

// dump formats the kept records, one a line, for failure messages.
func (c *logCapture) dump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, r := range c.records {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// captureHandler is the slog.Handler of a logCapture.
type captureHandler struct {
	c      *logCapture
	attrs  []slog.Attr
	prefix string // group prefix
	next   slog.Handler
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *captureHandler) Handle(ctx context.Context, r slog.Record) error {
	rec := logRecord{Level: r.Level, Msg: r.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.Attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[h.prefix+a.Key] = a.Value.String()
		return true
	})
	h.c.add(rec)
	if h.next != nil {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *captureHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	for i := range n.attrs[len(h.attrs):] {
		n.attrs[len(h.attrs)+i].Key = h.prefix + n.attrs[len(h.attrs)+i].Key
	}
	if h.next != nil {
		n.next = h.next.WithAttrs(attrs)
	}
	return &n
}

func (h *captureHandler) WithGroup(name string) slog.Handler {
	n := *h
	n.prefix = h.prefix + name + "."
	if h.next != nil {
		n.next = h.next.WithGroup(name)
	}
	return &n
}

// remoteIs matches records about one connection whose message contains msg
// and whose err attribute contains errText.
func remoteIs(addr, msg, errText string) func(logRecord) bool {
	return func(r logRecord) bool {
		return r.Attrs["remote"] == addr && strings.Contains(r.Msg, msg) && strings.Contains(r.Attrs["err"], errText)
	}
}
