// Package logsink is a log writer that never blocks its caller: lines go
// into a bounded queue that one goroutine drains into the real writer.
// When the writer is stuck (stderr piped and never read) lines are dropped
// and counted, and once the writer takes lines again a notice says how
// many were lost. Put it under slog's text or JSON handler, which write
// one record per Write call.
package logsink

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	DefaultQueueLines = 1024
	DefaultQueueBytes = 1 << 20
)

// Options sizes a Sink.
type Options struct {
	// QueueLines and QueueBytes bound what waits for the writer (defaults
	// DefaultQueueLines, DefaultQueueBytes); a line past either is dropped.
	QueueLines int
	QueueBytes int
	// Notice formats the line written before the next line once n lines
	// were dropped (default: "logsink: n log lines dropped (the log writer
	// was blocked)").
	Notice func(n int64) []byte
}

// ErrFlushTimeout: Close gave up waiting for the writer.
var ErrFlushTimeout = errors.New("logsink: the log writer did not take the queued lines in time")

// Sink is an io.Writer that queues each Write and never blocks.
type Sink struct {
	out      io.Writer
	notice   func(int64) []byte
	maxBytes int64

	mu      sync.Mutex // guards closed and the send on queue
	closed  bool
	queue   chan item
	done    chan struct{}
	queued  atomic.Int64 // bytes in the queue
	pending int64        // drops not yet attached to a line (under mu)
	dropped atomic.Int64 // all drops
	written atomic.Int64
}

// item is one queued line, with the drops that happened just before it.
type item struct {
	line         []byte
	droppedFirst int64
}

// New returns a sink writing to out and starts its goroutine; Close stops it.
func New(out io.Writer, o Options) *Sink {
	if o.QueueLines <= 0 {
		o.QueueLines = DefaultQueueLines
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = DefaultQueueBytes
	}
	if o.Notice == nil {
		o.Notice = func(n int64) []byte {
			return fmt.Appendf(nil, "logsink: %d log lines dropped (the log writer was blocked)\n", n)
		}
	}
	s := &Sink{out: out, notice: o.Notice, maxBytes: int64(o.QueueBytes),
		queue: make(chan item, o.QueueLines), done: make(chan struct{})}
	go s.drain()
	return s
}

// Write queues a copy of p, or drops it when the queue is full or the sink
// closed. It never blocks on the writer and always reports success: a
// logger has nothing better to do with an error.
func (s *Sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.queued.Load()+int64(len(p)) > s.maxBytes {
		s.drop()
		return len(p), nil
	}
	it := item{line: append([]byte(nil), p...), droppedFirst: s.pending}
	select {
	case s.queue <- it:
		s.pending = 0
		s.queued.Add(int64(len(p)))
	default:
		s.drop()
	}
	return len(p), nil
}

func (s *Sink) drop() {
	s.pending++
	s.dropped.Add(1)
}

// Dropped returns how many lines were dropped so far.
func (s *Sink) Dropped() int64 { return s.dropped.Load() }

// Written returns how many lines reached the writer.
func (s *Sink) Written() int64 { return s.written.Load() }

func (s *Sink) drain() {
	defer close(s.done)
	for it := range s.queue {
		if it.droppedFirst > 0 {
			_, _ = s.out.Write(s.notice(it.droppedFirst))
		}
		_, _ = s.out.Write(it.line)
		s.queued.Add(-int64(len(it.line)))
		s.written.Add(1)
	}
	s.mu.Lock()
	n := s.pending
	s.pending = 0
	s.mu.Unlock()
	if n > 0 {
		_, _ = s.out.Write(s.notice(n))
	}
}

// Close stops taking lines and waits up to timeout for the queued ones to
// be written; past it, it returns ErrFlushTimeout and leaves the goroutine
// blocked in the writer (it ends when the writer does). Later Writes are
// dropped.
func (s *Sink) Close(timeout time.Duration) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-s.done:
		return nil
	case <-t.C:
		return fmt.Errorf("%w (%d lines still queued)", ErrFlushTimeout, len(s.queue))
	}
}
