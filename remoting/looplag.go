package remoting

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// loops are the event loops the server has seen a connection on. gnet
// hands out an event loop only with a connection (gnet.Conn.EventLoop);
// once seen, a loop is kept for LoopLag whether or not it still serves a
// connection.
type loops struct {
	seen atomic.Pointer[[]gnet.EventLoop] // copied on write: read on every OnOpen
	mu   sync.Mutex                       // serializes writers
}

// note remembers el, once. It runs on the event loop in OnOpen; a loop
// already seen costs one atomic load and a scan of the few loops.
func (l *loops) note(el gnet.EventLoop) {
	if el == nil || l.has(el) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.has(el) {
		return
	}
	var next []gnet.EventLoop
	if p := l.seen.Load(); p != nil {
		next = append(next, *p...)
	}
	next = append(next, el)
	l.seen.Store(&next)
}

func (l *loops) has(el gnet.EventLoop) bool {
	if p := l.seen.Load(); p != nil {
		for _, e := range *p {
			if e == el {
				return true
			}
		}
	}
	return false
}

func (l *loops) list() []gnet.EventLoop {
	if p := l.seen.Load(); p != nil {
		return *p
	}
	return nil
}

// LoopLag measures how long a task handed to the server's event loops
// waits before it runs: it queues one no-op on every event loop a
// connection was ever served on (gnet's EventLoop.Execute, the queue
// AsyncWrite and Close use too) and returns the longest wait. A loop busy
// decoding requests, running handlers or writing replies shows a lag; an
// idle one answers in microseconds.
//
// Before the server has seen its first connection no loop is known: it
// returns 0 and nil (the loops then only wait for connections). A loop
// whose connections have all closed is still measured.
//
// When ctx ends first it returns the time waited so far, a lower bound of
// the lag, and an error wrapping ctx's; once the server is closing,
// ErrServerClosed.
func (s *Server) LoopLag(ctx context.Context) (time.Duration, error) {
	els := s.loops.list()
	if len(els) == 0 {
		return 0, nil
	}
	ran := make(chan time.Duration, len(els))
	start := time.Now()
	probe := gnet.RunnableFunc(func(context.Context) error {
		ran <- time.Since(start)
		return nil
	})
	for _, el := range els {
		if err := s.async(func() error { return el.Execute(ctx, probe) }); err != nil {
			return 0, fmt.Errorf("measuring the event loop lag: %w", err)
		}
	}
	var worst time.Duration
	for i := range els {
		select {
		case d := <-ran:
			worst = max(worst, d)
		case <-ctx.Done():
			return time.Since(start), fmt.Errorf("measuring the event loop lag: %d of %d event loops did not run a task within %v: %w",
				len(els)-i, len(els), time.Since(start).Round(time.Millisecond), ctx.Err())
		case <-s.done:
			return 0, fmt.Errorf("measuring the event loop lag: %w", ErrServerClosed)
		}
	}
	return worst, nil
}
