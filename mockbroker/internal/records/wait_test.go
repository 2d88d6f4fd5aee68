package records

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"gotest.tools/v3/assert"
)

// A keyed waiter looks at its condition again only when its key (or
// everything) is touched: changes of the records and other keys cost it
// nothing (issue 12, item 8).
func TestWaitKeyWakesOnlyOnItsKey(t *testing.T) {
	s := New[msg, string, string](Limits[msg]{Messages: 10, Journal: 10})
	var looks atomic.Int32
	var ready atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- s.WaitKey(context.Background(), "G1", func(*State[msg, string, string]) bool {
			looks.Add(1)
			return ready.Load()
		})
	}()
	waitFor(t, func() bool { return looks.Load() == 1 && s.waiters.Load() == 1 })
	for range 100 {
		s.AddJournal(ptr("j"))
		s.TouchKey("G2")
	}
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, looks.Load(), int32(1), "woken by changes that are not its key's")
	ready.Store(true)
	s.TouchKey("G1")
	assert.NilError(t, <-done)
	assert.Equal(t, looks.Load(), int32(2))

	// Touch and Close wake keyed waiters too.
	go func() {
		done <- s.WaitKey(context.Background(), "G3", func(*State[msg, string, string]) bool { return false })
	}()
	waitFor(t, func() bool { return s.waiters.Load() == 1 })
	s.Close()
	assert.Assert(t, errors.Is(<-done, ErrClosed))
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 2 s")
		}
		time.Sleep(time.Millisecond)
	}
}
