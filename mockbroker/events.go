package mockbroker

import (
	"context"
	"sync"
)

// eventHub fans ProducerManager events out to subscriptions and wakes
// waiters whenever state changes.
type eventHub struct {
	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	changed chan struct{} // closed and replaced on every event
	closed  bool
}

// changedCh returns a channel closed at the next event.
func (h *eventHub) changedCh() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.changed == nil {
		h.changed = make(chan struct{})
	}
	return h.changed
}

func (h *eventHub) publish(ev ProducerEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.push(ev)
	}
	if h.changed != nil {
		close(h.changed)
		h.changed = nil
	}
}

func (h *eventHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		s.markClosed()
	}
	h.subs = nil
	if h.changed != nil {
		close(h.changed)
		h.changed = nil
	}
}

// Subscription receives every producer event from the moment it was made,
// in order, with nothing dropped.
type Subscription struct {
	hub    *eventHub
	mu     sync.Mutex
	queue  []ProducerEvent
	notify chan struct{} // has a token when queue is non-empty or closed
	closed bool
}

// Subscribe starts a subscription to producer events (registered,
// refreshed, unregistered, closed, expired, group removed).
func (b *Broker) Subscribe() *Subscription {
	s := &Subscription{hub: &b.events, notify: make(chan struct{}, 1)}
	b.events.mu.Lock()
	defer b.events.mu.Unlock()
	if b.events.closed {
		s.closed = true
		s.notify <- struct{}{}
		return s
	}
	if b.events.subs == nil {
		b.events.subs = map[*Subscription]struct{}{}
	}
	b.events.subs[s] = struct{}{}
	return s
}

func (s *Subscription) push(ev ProducerEvent) {
	s.mu.Lock()
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Next returns the next event, waiting for one until ctx ends or the
// subscription closes.
func (s *Subscription) Next(ctx context.Context) (ProducerEvent, error) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			ev := s.queue[0]
			s.queue = s.queue[1:]
			if len(s.queue) > 0 || s.closed {
				select {
				case s.notify <- struct{}{}:
				default:
				}
			}
			s.mu.Unlock()
			return ev, nil
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return ProducerEvent{}, ErrClosed
		}
		select {
		case <-ctx.Done():
			return ProducerEvent{}, ctx.Err()
		case <-s.notify:
		}
	}
}

// Close ends the subscription; Next then drains what is queued and
// returns ErrClosed.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
	s.markClosed()
}

func (s *Subscription) markClosed() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}
