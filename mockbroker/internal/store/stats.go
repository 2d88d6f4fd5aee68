package store

import "time"

// PutsSince counts the held messages stored after t (StoreStatsService's
// put counts over a window, for putTps); messages already evicted are not
// counted.
func (s *Store) PutsSince(t time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := len(s.log) - 1; i >= s.head; i-- {
		if !s.log[i].msg.StoreTimestamp.After(t) {
			break
		}
		n++
	}
	return n
}
