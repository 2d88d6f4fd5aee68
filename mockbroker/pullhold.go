package mockbroker

import (
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
)

// heldPull is a parked PULL_MESSAGE (Java's PullRequest).
type heldPull struct {
	c       *conn
	req     *protocol.Command
	h       protocol.PullMessageRequestHeader
	match   func(tagsCode int64) bool // nil: every message
	timeout int64                     // ms, the request's suspendTimeoutMillis
	at      time.Time                 // the broker's clock when it arrived
	due     time.Time                 // the broker's clock
	timer   *event                    // the timeout on the broker's clock
}

type holdKey struct {
	topic string
	queue int32
}

// pullHolds is PullRequestHoldService: parked pulls by queue. A message
// arriving for a queue (store OnAppend) wakes the pulls of that queue
// whose offset it passes and whose tag filter it matches; the others wait
// for their timeout. A woken pull runs again without suspending and its
// reply is written by opaque (remoting.Conn.WriteResponse).
//
// Java checks timeouts every 5 s, so its parked pulls time out up to 5 s
// late; here each has its own event on the broker's clock (clock.go), so
// that under the virtual clock Advance answers it at its due time.
type pullHolds struct {
	mu     sync.Mutex
	queues map[holdKey][]*heldPull
	closed bool
	wg     sync.WaitGroup // wake-ups in progress
	sched  *scheduler
	log    recentLog[PullRecord] // what each pull returned (Broker.Pulls)
}

func newPullHolds(s *scheduler) *pullHolds {
	return &pullHolds{queues: map[holdKey][]*heldPull{}, sched: s}
}

// park holds p until a message arrives or its timeout passes; false if
// the broker or p's connection has closed (p is not held).
func (ph *pullHolds) park(b *Broker, p *heldPull) bool {
	d := time.Duration(p.timeout) * time.Millisecond
	p.at = b.Now()
	p.due = p.at.Add(d)
	ph.mu.Lock()
	defer ph.mu.Unlock()
	if ph.closed || !p.c.IsActive() {
		return false
	}
	k := holdKey{p.h.Topic, p.h.QueueID}
	ph.queues[k] = append(ph.queues[k], p)
	p.timer = b.sched.after(d, func() { b.wakeHeld(k, func(q *heldPull) bool { return q == p }) })
	// A message may have arrived between the read and the park: Java's
	// hold service would see it at its next check; look again now.
	if b.store.MaxOffset(p.h.Topic, p.h.QueueID) > p.h.QueueOffset {
		ph.wg.Add(1)
		go func() {
			defer ph.wg.Done()
			b.wakeHeld(k, func(q *heldPull) bool { return q == p })
		}()
	}
	return true
}

// take removes and returns the parked pulls of k that pick selects.
func (ph *pullHolds) take(k holdKey, pick func(*heldPull) bool) []*heldPull {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	if ph.closed {
		return nil
	}
	out := ph.removeLocked(k, pick)
	if len(out) > 0 {
		ph.wg.Add(1) // the caller answers them, then calls wg.Done
	}
	return out
}

// removeLocked removes the parked pulls of k that pick selects, cancels
// their timeouts and returns them in order; ph.mu is held.
func (ph *pullHolds) removeLocked(k holdKey, pick func(*heldPull) bool) []*heldPull {
	list := ph.queues[k]
	var out []*heldPull
	kept := list[:0]
	for _, p := range list {
		if pick(p) {
			out = append(out, p)
			ph.sched.cancel(p.timer)
		} else {
			kept = append(kept, p)
		}
	}
	clear(list[len(kept):])
	if len(kept) == 0 {
		delete(ph.queues, k)
	} else {
		ph.queues[k] = kept
	}
	return out
}

// dropConn forgets the parked pulls of a closed connection and returns
// them.
func (ph *pullHolds) dropConn(c *conn) []*heldPull {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	var dropped []*heldPull
	for k := range ph.queues {
		dropped = append(dropped, ph.removeLocked(k, func(p *heldPull) bool { return p.c == c })...)
	}
	return dropped
}

// close drops every parked pull, waits for wake-ups in progress and
// returns the pulls it dropped.
func (ph *pullHolds) close() []*heldPull {
	ph.mu.Lock()
	ph.closed = true
	var dropped []*heldPull
	for _, list := range ph.queues {
		for _, p := range list {
			ph.sched.cancel(p.timer)
			dropped = append(dropped, p)
		}
	}
	ph.queues = nil
	ph.mu.Unlock()
	ph.wg.Wait()
	return dropped
}

// count returns how many pulls are parked.
func (ph *pullHolds) count() int {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	n := 0
	for _, list := range ph.queues {
		n += len(list)
	}
	return n
}

// messageArrived is the store's OnAppend: notifyMessageArriving for the
// queue, with the tags code of the message that arrived.
func (b *Broker) messageArrived(ev store.AppendEvent) {
	b.wakeHeld(holdKey{ev.Topic, ev.QueueID}, func(p *heldPull) bool {
		return ev.MaxOffset > p.h.QueueOffset && (p.match == nil || p.match(ev.TagsCode))
	})
}

// wakeHeld answers the parked pulls of k that pick selects: each runs
// again without suspending (executeRequestWhenWakeup).
func (b *Broker) wakeHeld(k holdKey, pick func(*heldPull) bool) {
	woken := b.holds.take(k, pick)
	if woken == nil {
		return
	}
	defer b.holds.wg.Done()
	for _, p := range woken {
		resp, _, rec := b.pull(p.c, p.req, &p.h, false)
		resp.Version, resp.Language = b.version, protocol.Java
		if resp.ExtFieldsTable == 0 {
			resp.ExtFieldsTable = b.extTable
		}
		now := b.Now()
		rec.Time, rec.Parked, rec.Waited = p.at, true, now.Sub(p.at)
		if err := p.c.rc.WriteResponse(resp); err != nil {
			b.log.Debug("parked pull not answered", "remote", p.c.addr, "opaque", p.req.Opaque, "err", err)
			b.released(p, now)
			continue
		}
		b.holds.log.add(rec)
		b.addJournal(JournalEntry{Time: now, Conn: rec.Conn, Code: protocol.PullMessage, Opaque: p.req.Opaque,
			Outcome: OutcomeAnswered, Result: rec.Code, Remark: rec.Status, Messages: rec.Messages, Delay: rec.Waited})
	}
}

// releaseHeld journals parked pulls dropped unanswered: their connection
// or the broker closed.
func (b *Broker) releaseHeld(ps []*heldPull) {
	now := b.Now()
	for _, p := range ps {
		b.released(p, now)
	}
}

// released records and journals a parked pull left unanswered at now.
func (b *Broker) released(p *heldPull, now time.Time) {
	rec := releasedPull(p, now)
	b.holds.log.add(rec)
	b.addJournal(JournalEntry{Time: now, Conn: rec.Conn, Code: protocol.PullMessage, Opaque: p.req.Opaque,
		Outcome: OutcomeReleased, Delay: rec.Waited})
}
