package bench

import (
	"math/bits"
	"sync"
	"time"
)

// Latencies are counted in log-linear buckets, as an HDR histogram does:
// exact below 2^subBits ns, then 2^(subBits-1) buckets per power of two, so
// every value is known to within 1/128 (under 0.8 %). Values above
// maxLatency are counted as maxLatency.
const (
	subBits    = 8
	subHalf    = 1 << (subBits - 1)
	maxLatency = 1<<36 - 1 // ~68 s, in ns
	numBuckets = (36-subBits+1)*subHalf + 2*subHalf
)

// histogram counts latencies in nanoseconds. It is not safe for concurrent
// use: workers batch samples and add them under a lock (see recorder).
type histogram struct {
	counts [numBuckets]uint64
	total  uint64
	max    int64
}

// bucketOf returns the bucket index of v (ns, >= 0).
func bucketOf(v int64) int {
	if v < 2*subHalf {
		return int(v)
	}
	if v > maxLatency {
		v = maxLatency
	}
	shift := bits.Len64(uint64(v)) - subBits // >= 1
	return shift*subHalf + int(v>>shift)
}

// bucketFloor returns the smallest value counted in bucket i.
func bucketFloor(i int) int64 {
	if i < 2*subHalf {
		return int64(i)
	}
	shift := i/subHalf - 1
	return int64(i-shift*subHalf) << shift
}

func (h *histogram) add(v int64) {
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(v)]++
	h.total++
	if v > h.max {
		h.max = v
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.max = max(h.max, o.max)
}

// quantile returns the value at quantile q (0..1): the floor of the bucket
// holding the ceil(q*total)-th smallest value, capped at the maximum seen.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(bucketFloor(i), h.max))
		}
	}
	return time.Duration(h.max)
}

// recorder is the histogram the workers share; each worker batches its
// samples and adds a batch at a time, so the lock is taken rarely.
type recorder struct {
	mu sync.Mutex
	h  histogram
}

func (r *recorder) addBatch(samples []int64) {
	r.mu.Lock()
	for _, v := range samples {
		r.h.add(v)
	}
	r.mu.Unlock()
}
