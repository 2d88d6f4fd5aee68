// Package fake holds test doubles that tests across the module share: a
// settable clock, a connection with switchable flags (the Channel of the
// producer and consumer tables) and a recorder of lines. Only tests import
// it.
package fake

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return locked(&c.mu, &c.now) }

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Channel is a connection that starts active and writable; Close makes it
// inactive, counts, and runs the OnClose hook. Every method takes the
// channel's own lock (the hook runs under it), so a table that calls a
// channel while holding its own lock, against a close calling back into
// the table, deadlocks the test instead of passing by luck.
type Channel struct {
	mu       sync.Mutex
	addr     string
	active   bool
	writable bool
	closes   int
	onClose  func()
}

// NewChannel returns an active, writable channel to addr ("ip:port").
func NewChannel(addr string) *Channel {
	return &Channel{addr: addr, active: true, writable: true}
}

// RemoteAddr returns the address the channel was made with.
func (c *Channel) RemoteAddr() string { return locked(&c.mu, &c.addr) }

// IsActive reports whether the channel is open (see Set and Close).
func (c *Channel) IsActive() bool { return locked(&c.mu, &c.active) }

// IsWritable reports the writable flag (see Set).
func (c *Channel) IsWritable() bool { return locked(&c.mu, &c.writable) }

// Closes returns how often Close was called.
func (c *Channel) Closes() int { return locked(&c.mu, &c.closes) }

// Close marks the channel inactive, counts the call and runs the OnClose
// hook, if any, synchronously under the channel's lock.
func (c *Channel) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closes++
	c.active = false
	if c.onClose != nil {
		c.onClose()
	}
	return nil
}

// Set sets the active and writable flags.
func (c *Channel) Set(active, writable bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active, c.writable = active, writable
}

// OnClose makes Close call f, like a connection whose close event fires
// inside Close. f must not call the channel's methods.
func (c *Channel) OnClose(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onClose = f
}

// locked reads *v under mu.
func locked[T any](mu *sync.Mutex, v *T) T {
	mu.Lock()
	defer mu.Unlock()
	return *v
}

// Lines records text lines, such as events a table reported, for a test to
// take; safe for concurrent use.
type Lines struct {
	mu    sync.Mutex
	lines []string
}

// Add records a line.
func (l *Lines) Add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

// Take returns the lines recorded since the last Take (nil if none) and
// forgets them.
func (l *Lines) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}
