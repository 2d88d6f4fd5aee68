package mockbroker

import (
	"container/heap"
	"sync"
	"time"
)

// scheduler is the broker's clock and its one ordered queue of timed
// events: the expiry scan, the transaction check service, delayed and
// retried message deliveries (schedule.go, txcheck.go) and parked-pull
// timeouts (pullhold.go). Events run in due-time order, events due at the
// same time in the order they were scheduled.
//
// On the real clock one goroutine sleeps until the earliest event is due
// and runs what is due. Under the virtual clock nothing runs on its own:
// advance moves the time forward and runs every event due on the way, each
// with the clock set to its due time, including events scheduled by the
// events it runs, so that one Advance does what a broker would have done in
// that time, deterministically.
type scheduler struct {
	advancing sync.Mutex // one advance at a time
	mu        sync.Mutex
	virtual   bool
	now       time.Time // virtual time
	seq       uint64    // numbers scheduled events (ties run in this order)
	events    eventHeap

	wake chan struct{} // real clock: the earliest event changed
	stop chan struct{}
	done chan struct{}
}

// event is one scheduled run of a function.
type event struct {
	due   time.Time
	seq   uint64
	every time.Duration // > 0: run again every period (fixed rate)
	run   func()
	index int // in the heap; -1 once popped or cancelled
}

// eventHeap orders events by due time, then by scheduling order.
type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *eventHeap) Push(x any) {
	e := x.(*event)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

func newScheduler(cfg *config, scan func()) *scheduler {
	s := &scheduler{wake: make(chan struct{}, 1)}
	if cfg.virtualStart != nil {
		s.virtual = true
		s.now = *cfg.virtualStart
	}
	if cfg.scanInterval > 0 {
		s.every(cfg.scanDelay, cfg.scanInterval, scan)
	}
	return s
}

// start starts the real clock's goroutine (virtual clocks have none).
func (s *scheduler) start() {
	if s.virtual {
		return
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.loop()
}

// Now returns the broker's current time.
func (s *scheduler) Now() time.Time {
	if !s.virtual {
		return time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// nowLocked is Now with s.mu held.
func (s *scheduler) nowLocked() time.Time {
	if s.virtual {
		return s.now
	}
	return time.Now()
}

// after schedules run once, d from now on the broker's clock.
func (s *scheduler) after(d time.Duration, run func()) *event {
	return s.schedule(d, 0, run)
}

// every schedules run first after first, then every period.
func (s *scheduler) every(first, period time.Duration, run func()) *event {
	return s.schedule(first, period, run)
}

func (s *scheduler) schedule(d, period time.Duration, run func()) *event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	e := &event{due: s.nowLocked().Add(d), seq: s.seq, every: period, run: run}
	heap.Push(&s.events, e)
	if e.index == 0 {
		s.poke()
	}
	return e
}

// cancel removes e if it has not run yet (a periodic event stops
// repeating); it reports whether it removed it.
func (s *scheduler) cancel(e *event) bool {
	if e == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e.every = 0
	if e.index < 0 {
		return false
	}
	heap.Remove(&s.events, e.index)
	return true
}

// pending returns how many events are scheduled.
func (s *scheduler) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// poke wakes the real clock's goroutine to look at the earliest event.
func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// popDueLocked removes the earliest event if it is due by until and
// returns its due time and function; a periodic one stays scheduled, one
// period after its due time (fixed rate).
func (s *scheduler) popDueLocked(until time.Time) (time.Time, func(), bool) {
	if len(s.events) == 0 || s.events[0].due.After(until) {
		return time.Time{}, nil, false
	}
	e := s.events[0]
	due := e.due
	if e.every > 0 {
		s.seq++
		e.due, e.seq = e.due.Add(e.every), s.seq
		heap.Fix(&s.events, 0)
	} else {
		heap.Pop(&s.events)
	}
	return due, e.run, true
}

// loop runs the real clock's due events.
func (s *scheduler) loop() {
	defer close(s.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		s.mu.Lock()
		for {
			_, run, ok := s.popDueLocked(time.Now())
			if !ok {
				break
			}
			s.mu.Unlock()
			run()
			select {
			case <-s.stop:
				return
			default:
			}
			s.mu.Lock()
		}
		wait := time.Hour
		if len(s.events) > 0 {
			wait = max(time.Until(s.events[0].due), 0)
		}
		s.mu.Unlock()
		t.Reset(wait)
		select {
		case <-s.stop:
			return
		case <-s.wake:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		case <-t.C:
		}
	}
}

// advance moves virtual time forward by d, running every event due on the
// way in order, the clock set to each one's due time. It reports false on
// the real clock.
func (s *scheduler) advance(d time.Duration) bool {
	if !s.virtual {
		return false
	}
	s.advancing.Lock()
	defer s.advancing.Unlock()
	s.mu.Lock()
	target := s.now.Add(d)
	for {
		due, run, ok := s.popDueLocked(target)
		if !ok {
			break
		}
		if due.After(s.now) {
			s.now = due
		}
		s.mu.Unlock()
		run()
		s.mu.Lock()
	}
	if target.After(s.now) {
		s.now = target
	}
	s.mu.Unlock()
	return true
}

func (s *scheduler) close() {
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
}
