package mockbroker

import (
	"sync"
	"time"
)

// scheduler runs the expiry scan: on real timers by default, or only when
// Advance moves a virtual clock past its due time.
type scheduler struct {
	advancing sync.Mutex // one Advance at a time
	mu        sync.Mutex
	virtual   bool
	now       time.Time // virtual time
	next      time.Time // virtual: when the next scan is due
	interval  time.Duration
	scan      func()
	// afterAdvance runs after each Advance (parked pulls due by then).
	afterAdvance func()

	stop chan struct{}
	done chan struct{}
}

func newScheduler(cfg *config, scan func()) *scheduler {
	s := &scheduler{interval: cfg.scanInterval, scan: scan}
	if cfg.virtualStart != nil {
		s.virtual = true
		s.now = *cfg.virtualStart
		s.next = s.now.Add(cfg.scanDelay)
		return s
	}
	s.next = time.Now().Add(cfg.scanDelay) // first real delay, read by start
	return s
}

// start starts the real timers (virtual clocks have none).
func (s *scheduler) start() {
	if s.virtual {
		return
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.loop(time.Until(s.next))
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

func (s *scheduler) loop(first time.Duration) {
	defer close(s.done)
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.scan()
			t.Reset(s.interval)
		}
	}
}

// advance moves virtual time forward by d, running each scan that falls
// due on the way at its due time. It reports false on real timers.
func (s *scheduler) advance(d time.Duration) bool {
	if !s.virtual {
		return false
	}
	s.advancing.Lock()
	defer s.advancing.Unlock()
	s.mu.Lock()
	target := s.now.Add(d)
	for s.interval > 0 && !s.next.After(target) {
		s.now = s.next
		s.next = s.next.Add(s.interval)
		s.mu.Unlock()
		s.scan()
		s.mu.Lock()
	}
	if target.After(s.now) {
		s.now = target
	}
	s.mu.Unlock()
	if s.afterAdvance != nil {
		s.afterAdvance()
	}
	return true
}

func (s *scheduler) close() {
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
}
