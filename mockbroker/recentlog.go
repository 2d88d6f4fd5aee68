package mockbroker

import "sync"

// recentLog keeps the newest records of one kind (pulls, redeliveries):
// once it holds limit of them, the older half goes. It is safe for
// concurrent use; the zero value keeps defaultRecentLimit.
type recentLog[T any] struct {
	mu    sync.Mutex
	limit int
	recs  []T
}

// defaultRecentLimit is how many records a recentLog keeps by default.
const defaultRecentLimit = 10_000

func (l *recentLog[T]) add(r T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.limit
	if limit <= 0 {
		limit = defaultRecentLimit
	}
	if len(l.recs) >= limit {
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
