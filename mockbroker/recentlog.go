package mockbroker

import "sync"

// recentLog keeps the newest records of one kind (pulls, redeliveries):
// once it holds recentLimit of them, the older half goes. It is safe for
// concurrent use; the zero value is ready.
type recentLog[T any] struct {
	mu   sync.Mutex
	recs []T
}

// recentLimit is how many records a recentLog keeps at most.
const recentLimit = 10_000

func (l *recentLog[T]) add(r T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.recs) >= recentLimit {
		l.recs = append(l.recs[:0], l.recs[len(l.recs)/2:]...)
	}
	l.recs = append(l.recs, r)
}

// where returns the kept records keep accepts (nil keep: all), oldest
// first.
func (l *recentLog[T]) where(keep func(*T) bool) []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []T
	for i := range l.recs {
		if keep == nil || keep(&l.recs[i]) {
			out = append(out, l.recs[i])
		}
	}
	return out
}
