package records

// ring keeps the last limit values added, oldest first, and counts the
// ones it let go. A limit of 0 keeps nothing. Callers lock.
type ring[T any] struct {
	limit   int
	buf     []T
	start   int   // index of the oldest value once buf is full
	dropped int64 // values let go to make room
}

func (r *ring[T]) add(v T) {
	if r.limit <= 0 {
		r.dropped++
		return
	}
	if len(r.buf) < r.limit {
		r.buf = append(r.buf, v)
		return
	}
	r.buf[r.start] = v
	r.start = (r.start + 1) % len(r.buf)
	r.dropped++
}

// each calls fn on every kept value, oldest first, until fn returns false.
func (r *ring[T]) each(fn func(*T) bool) {
	n := len(r.buf)
	for i := range n {
		if !fn(&r.buf[(r.start+i)%n]) {
			return
		}
	}
}

// eachNewest is each, newest first.
func (r *ring[T]) eachNewest(fn func(*T) bool) {
	n := len(r.buf)
	for i := n - 1; i >= 0; i-- {
		if !fn(&r.buf[(r.start+i)%n]) {
			return
		}
	}
}

// len returns how many values are kept.
func (r *ring[T]) len() int { return len(r.buf) }

// clear forgets every value and the dropped count.
func (r *ring[T]) clear() { r.buf, r.start, r.dropped = nil, 0, 0 }
