package remoting

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Replies normally leave in the OnTraffic call that read their requests:
// serve appends them to Conn.out and OnTraffic writes Conn.out at its end.
// Once a reply is delayed, that connection's later replies must not
// overtake it, so from then on they go through the connection's
// replyQueue:
//
//   - each reply, delayed or not, gets a slot at the tail, in request order;
//     a delayed slot is not ready until its timer fires;
//   - whoever makes the head slot ready (the timer, on its own goroutine)
//     hands the ready prefix of the queue to gnet's AsyncWrite, which writes
//     it on the event loop; the slots stay queued, marked in flight, until
//     AsyncWrite's callback (on the event loop) removes them and writes
//     whatever became ready behind them directly;
//   - the queue is empty again only after that callback, so a later reply
//     that takes the fast path (Conn.out, written on the event loop) cannot
//     overtake bytes still waiting in gnet's task queue.
//
// A slot may also ask for the connection to close after its bytes; the
// queue then serves no further request on that connection.

// replySlot is one reply's place in the queue.
type replySlot struct {
	data  []byte // bytes to write; nil for a slot that only holds its place
	close bool   // close the connection after data
	ready bool
	timer *time.Timer
}

// replyQueue orders one connection's replies once one has been delayed.
type replyQueue struct {
	mu       sync.Mutex
	slots    []*replySlot
	inFlight int  // head slots handed to AsyncWrite and not yet written
	closing  bool // a close is queued: serve no more requests
	dead     bool // the connection closed: drop everything
	// bytes is what the queued slots hold, written under mu: it counts
	// against Config.MaxPending like gnet's outbound buffer.
	bytes atomic.Int64
}

// isEmpty reports whether replies may take the fast path.
func (q *replyQueue) isEmpty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.slots) == 0
}

// isClosing reports whether a queued close ends the connection.
func (q *replyQueue) isClosing() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closing || q.dead
}

// readyPrefixLocked returns the bytes of the ready slots at the head (after
// the in-flight ones), how many slots they are, and whether the last of
// them closes the connection.
func (q *replyQueue) readyPrefixLocked() (data []byte, n int, closeAfter bool) {
	for _, s := range q.slots[q.inFlight:] {
		if !s.ready {
			break
		}
		data = append(data, s.data...)
		n++
		if s.close {
			closeAfter = true
			break
		}
	}
	return data, n, closeAfter
}

// emit sends one reply's bytes on c: at once through c.out when nothing is
// queued and there is no delay (event loop only), else through the queue.
// It reports whether the caller must close the connection after writing
// c.out, and whether it must stop serving requests of this connection.
func (c *Conn) emit(data []byte, delay time.Duration, closeAfter bool) (closeNow, stop bool) {
	q := &c.q
	q.mu.Lock()
	if q.dead {
		q.mu.Unlock()
		return false, true
	}
	if len(q.slots) == 0 && delay <= 0 {
		q.mu.Unlock()
		c.out = append(c.out, data...)
		return closeAfter, closeAfter
	}
	if data == nil && !closeAfter && delay <= 0 {
		q.mu.Unlock()
		return false, false // nothing to write, nothing to wait for
	}
	s := &replySlot{data: data, close: closeAfter, ready: delay <= 0}
	q.slots = append(q.slots, s)
	q.bytes.Add(int64(len(data)))
	if closeAfter {
		q.closing = true
	}
	if delay > 0 {
		s.timer = c.delays().after(delay, func() { c.slotReady(s) })
		if s.timer == nil { // the server is closing: nothing will be written
			s.ready = true
		}
	}
	q.mu.Unlock()
	return false, closeAfter
}

// delays returns the timers of the connection's server.
func (c *Conn) delays() *delays {
	if c.lb != nil {
		return &c.lb.delays
	}
	return &c.srv.delays
}

// slotReady runs when a delayed slot's timer fires (on the timer's
// goroutine): it marks the slot ready and, if that makes the head of the
// queue writable, hands the ready prefix to AsyncWrite.
func (c *Conn) slotReady(s *replySlot) {
	q := &c.q
	q.mu.Lock()
	s.ready = true
	if q.dead || q.inFlight > 0 {
		q.mu.Unlock()
		return // the callback of the write in flight picks it up
	}
	data, n, closeAfter := q.readyPrefixLocked()
	if n == 0 {
		q.mu.Unlock()
		return
	}
	q.inFlight = n
	q.mu.Unlock()
	if c.lb != nil {
		c.lb.asyncWrite(c, data, n, closeAfter)
		return
	}
	err := c.srv.async(func() error {
		return c.gc.AsyncWrite(data, func(gc gnet.Conn, err error) error {
			c.written(func(p []byte) error { _, err := gc.Write(p); return err }, n, closeAfter, err)
			return nil
		})
	})
	if err != nil {
		c.srv.log.Debug("delayed reply not written", "remote", c.addr, "err", err)
		q.mu.Lock()
		q.dropLocked(c.delays())
		q.mu.Unlock()
	}
}

// written is AsyncWrite's callback, on the event loop: the n in-flight
// slots are out. It closes the connection if they asked for it, else
// writes every slot that became ready meanwhile, directly, with write.
func (c *Conn) written(write func([]byte) error, n int, closeAfter bool, err error) {
	q := &c.q
	for {
		q.mu.Lock()
		if q.dead || err != nil {
			q.dropLocked(c.delays())
			q.mu.Unlock()
			return
		}
		for _, s := range q.slots[:n] {
			q.bytes.Add(-int64(len(s.data)))
		}
		q.slots = q.slots[n:]
		q.inFlight = 0
		if closeAfter {
			q.dropLocked(c.delays())
			q.mu.Unlock()
			_ = c.Close()
			return
		}
		var data []byte
		data, n, closeAfter = q.readyPrefixLocked()
		if n == 0 {
			if len(q.slots) == 0 {
				q.slots = nil // do not pin a grown array
			}
			q.mu.Unlock()
			return
		}
		q.inFlight = n
		q.mu.Unlock()
		if err = write(data); err != nil && c.srv != nil {
			c.srv.log.Warn("writing delayed replies", "remote", c.addr, "err", err)
		}
	}
}

// dropLocked forgets every queued reply and stops their timers; the
// connection is closing.
func (q *replyQueue) dropLocked(d *delays) {
	for _, s := range q.slots {
		if s.timer != nil {
			d.stop(s.timer)
		}
	}
	q.slots, q.inFlight, q.dead = nil, 0, true
	q.bytes.Store(0)
}

// connClosed runs in OnClose: nothing queued is written any more.
func (q *replyQueue) connClosed(d *delays) {
	q.mu.Lock()
	q.dropLocked(d)
	q.mu.Unlock()
}

// delays runs the timers of delayed replies, all stopped by Close.
type delays struct {
	mu     sync.Mutex
	closed bool
	timers map[*time.Timer]struct{}
}

// after runs fn on its own goroutine after d, unless the server closes
// first. It returns nil, and never runs fn, once the server is closing.
func (d *delays) after(dur time.Duration, fn func()) *time.Timer {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	if d.timers == nil {
		d.timers = map[*time.Timer]struct{}{}
	}
	var t *time.Timer
	t = time.AfterFunc(dur, func() {
		d.mu.Lock()
		_, live := d.timers[t]
		delete(d.timers, t)
		d.mu.Unlock()
		if live {
			fn()
		}
	})
	d.timers[t] = struct{}{}
	return t
}

// stop stops a timer that has not fired.
func (d *delays) stop(t *time.Timer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t.Stop()
	delete(d.timers, t)
}

// len returns how many timers have not fired.
func (d *delays) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.timers)
}

// close stops every pending timer; none starts after it.
func (d *delays) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	for t := range d.timers {
		t.Stop()
	}
	d.timers = nil
}
