package mockbroker

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSchedulerAdvanceRunsDueEventsInOrder schedules many events at random
// due times (with ties), a periodic one, events scheduled by events and
// cancelled ones, then advances once: every due event runs in due-time
// order, ties in scheduling order, each seeing the clock at its due time.
func TestSchedulerAdvanceRunsDueEventsInOrder(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newScheduler(&config{virtualStart: &start}, nil)
	var got []string
	type want struct {
		due time.Duration
		seq int
		tag string
	}
	var wants []want
	rnd := rand.New(rand.NewPCG(1, 2))
	seq := 0
	add := func(d time.Duration, tag string, run func()) *event {
		seq++
		wants = append(wants, want{d, seq, tag})
		return s.after(d, func() {
			if at := s.Now().Sub(start); at != d {
				t.Errorf("%s ran at %v, want %v", tag, at, d)
			}
			got = append(got, tag)
			if run != nil {
				run()
			}
		})
	}
	for i := range 500 {
		d := time.Duration(rnd.IntN(100)) * time.Second // many ties
		add(d, fmt.Sprintf("e%d@%v", i, d), nil)
	}
	// An event that schedules another within the same advance.
	add(30*time.Second, "parent", func() {
		seq++
		wants = append(wants, want{45 * time.Second, seq, "child"})
		s.after(15*time.Second, func() { got = append(got, "child") })
	})
	// Cancelled events never run.
	c := s.after(10*time.Second, func() { got = append(got, "cancelled") })
	if !s.cancel(c) || s.cancel(c) {
		t.Fatal("cancel: want true once, then false")
	}
	// A periodic event every 40 s from 20 s.
	for _, d := range []time.Duration{20 * time.Second, 60 * time.Second} {
		seq++
		wants = append(wants, want{d, seq, fmt.Sprintf("tick@%v", d)})
	}
	ticks := 0
	s.every(20*time.Second, 40*time.Second, func() {
		ticks++
		got = append(got, fmt.Sprintf("tick@%v", s.Now().Sub(start)))
	})
	// Beyond the advance.
	s.after(2*time.Minute, func() { got = append(got, "late") })

	if !s.advance(99 * time.Second) {
		t.Fatal("advance on a virtual clock reported false")
	}
	// Expected order: by due time, then by scheduling order. The periodic
	// event's second run was scheduled when its first one ran, so it sorts
	// after every event scheduled up front at 60 s.
	order := func(w want) (time.Duration, int) {
		if w.tag == "tick@1m0s" {
			return w.due, 1 << 30
		}
		if w.tag == "child" {
			return w.due, 1<<30 - 1 // scheduled at 30 s, after all up-front ones
		}
		return w.due, w.seq
	}
	sortWants := append([]want(nil), wants...)
	for i := 1; i < len(sortWants); i++ {
		for j := i; j > 0; j-- {
			di, si := order(sortWants[j])
			dj, sj := order(sortWants[j-1])
			if di < dj || (di == dj && si < sj) {
				sortWants[j], sortWants[j-1] = sortWants[j-1], sortWants[j]
			}
		}
	}
	var wantTags []string
	for _, w := range sortWants {
		wantTags = append(wantTags, w.tag)
	}
	if diff := cmp.Diff(wantTags, got); diff != "" {
		t.Fatalf("run order (-want +got):\n%s", diff)
	}
	if now := s.Now().Sub(start); now != 99*time.Second {
		t.Errorf("clock after advance = %v, want 99s", now)
	}
	if n := s.pending(); n != 2 { // the tick at 100 s and "late"
		t.Errorf("pending after advance = %d, want 2", n)
	}
}

// TestSchedulerRealClockRunsInOrder runs events on the real clock.
func TestSchedulerRealClockRunsInOrder(t *testing.T) {
	s := newScheduler(&config{}, nil)
	s.start()
	defer s.close()
	var mu sync.Mutex
	var got []int
	done := make(chan struct{})
	for i, d := range []time.Duration{30, 10, 20, 10} {
		s.after(d*time.Millisecond, func() {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, i)
			if len(got) == 4 {
				close(done)
			}
		})
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("events did not run within 5 s")
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]int{1, 3, 2, 0}, got); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}
	if s.advance(time.Second) {
		t.Error("advance on the real clock reported true")
	}
}
