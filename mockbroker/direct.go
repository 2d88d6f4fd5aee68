package mockbroker

import (
	"fmt"
	"log/slog"
	"time"
)

// What the broker is and how it runs, read directly: the small accessors
// the HTTP control API (package controlapi) and other tools build on.

// Closed reports whether Close has been called.
func (b *Broker) Closed() bool { return b.closed.Load() }

// Expiry returns how long a producer or consumer may stay silent before
// the scan drops it (WithExpiry).
func (b *Broker) Expiry() time.Duration { return b.cfg.expiry }

// VirtualClock reports whether the broker was started WithVirtualClock,
// so that Advance and AdvanceClock move its clock.
func (b *Broker) VirtualClock() bool { return b.sched.virtual }

// AdvanceClock is Advance for callers that cannot panic: on a broker
// without WithVirtualClock it returns an error wrapping ErrRealClock and
// leaves the clock alone.
func (b *Broker) AdvanceClock(d time.Duration) error {
	if !b.sched.advance(d) {
		return fmt.Errorf("mockbroker: advancing the clock by %v: %w", d, ErrRealClock)
	}
	b.clockAdvanced(d)
	return nil
}

// Logger returns the broker's logger (WithLogger), for code that serves
// the broker and logs beside it.
func (b *Broker) Logger() *slog.Logger { return b.log }

// GroupProducers returns the producers of a group as Producers does, and
// whether the group exists (under protocol.Release498 an emptied group
// still does).
func (b *Broker) GroupProducers(group string) (producers []Producer, exists bool) {
	infos, exists := b.producers.Group(group)
	return producersOf(group, infos), exists
}
