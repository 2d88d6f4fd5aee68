package mockbroker

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// RequestCount is how many requests of one code ended one way, since the
// broker started (ClearJournal does not reset it).
type RequestCount struct {
	Code protocol.RequestCode
	// Outcome is what the broker did: OutcomeReplied (a parked pull's late
	// answer included), OutcomeNoReply, OutcomeDropped, ... Requests the
	// broker sent (OutcomeSent) and responses it ignored are not requests
	// it received and are not counted; a parked pull is counted once, when
	// it is answered (as OutcomeReplied) or released.
	Outcome Outcome
	// Result is the reply's response code for OutcomeReplied and
	// OutcomeTruncated.
	Result protocol.ResponseCode
	// Oneway marks oneway requests, which get no reply (OutcomeNoReply,
	// unless an interceptor dropped or disconnected).
	Oneway bool
	Count  int64
}

// ResultName names the count's result in one word: the response code's
// name (SUCCESS, SYSTEM_ERROR, TOPIC_NOT_EXIST, ...) for a request
// answered with a reply, "oneway" for a oneway request answered with none,
// otherwise the outcome's name ("no-reply", "dropped", "disconnected",
// "truncated", "raw", "failed", "released").
func (c RequestCount) ResultName() string {
	switch {
	case c.Outcome == OutcomeReplied:
		return c.Result.String()
	case c.Outcome == OutcomeNoReply && c.Oneway:
		return "oneway"
	}
	return c.Outcome.String()
}

// maxRequestKeys bounds the (code, result) pairs the broker counts:
// request codes are the client's to choose, and an interceptor may answer
// with any response code.
const maxRequestKeys = 4096

// requestKey is one counted (code, result) pair.
type requestKey struct {
	code    protocol.RequestCode
	result  protocol.ResponseCode
	outcome Outcome
	oneway  bool
}

// fastCodes is the request codes below which a SUCCESS reply, nearly every
// request, is counted with one atomic add.
const fastCodes = 512

// requestStats counts requests by code and result: a SUCCESS reply to a
// code below fastCodes with an atomic add, any other pair with a map
// lookup under a mutex, allocating only for a pair not seen before.
type requestStats struct {
	success [fastCodes]atomic.Int64
	mu      sync.Mutex
	counts  map[requestKey]int64
	dropped int64 // requests of pairs past maxRequestKeys
}

// count counts the request e journals, if it is one the broker received
// and finished with.
func (s *requestStats) count(e *JournalEntry) {
	k := requestKey{code: e.Code, outcome: e.Outcome, oneway: e.Oneway}
	switch e.Outcome {
	case OutcomeSent, OutcomeIgnored, OutcomeParked:
		return
	case OutcomeReplied, OutcomeAnswered, OutcomeTruncated:
		k.result = e.Result
		if e.Outcome == OutcomeAnswered {
			k.outcome = OutcomeReplied
		}
	}
	if k.outcome == OutcomeReplied && k.result == protocol.Success && !k.oneway && k.code >= 0 && k.code < fastCodes {
		s.success[k.code].Add(1)
		return
	}
	s.mu.Lock()
	if n, ok := s.counts[k]; ok {
		s.counts[k] = n + 1
	} else if len(s.counts) < maxRequestKeys {
		if s.counts == nil {
			s.counts = make(map[requestKey]int64)
		}
		s.counts[k] = 1
	} else {
		s.dropped++
	}
	s.mu.Unlock()
}

// snapshot returns every pair counted.
func (s *requestStats) snapshot() []RequestCount {
	var out []RequestCount
	for code := range s.success {
		if n := s.success[code].Load(); n > 0 {
			out = append(out, RequestCount{Code: protocol.RequestCode(code), Outcome: OutcomeReplied, Result: protocol.Success, Count: n})
		}
	}
	s.mu.Lock()
	for k, n := range s.counts {
		out = append(out, RequestCount{Code: k.code, Outcome: k.outcome, Result: k.result, Oneway: k.oneway, Count: n})
	}
	s.mu.Unlock()
	return out
}

// RequestCounts returns how many requests the broker received by request
// code and result, sorted by code, outcome and result. It counts each
// request once, when the broker is done with it; see RequestCount.
func (b *Broker) RequestCounts() []RequestCount {
	out := b.requests.snapshot()
	slices.SortFunc(out, func(a, b RequestCount) int {
		return cmp.Or(cmp.Compare(a.Code, b.Code), cmp.Compare(a.Outcome, b.Outcome),
			cmp.Compare(a.Result, b.Result), compareBool(a.Oneway, b.Oneway))
	})
	return out
}

// RequestCountsDropped returns how many requests RequestCounts leaves out:
// it counts at most 4096 (code, result) pairs besides the SUCCESS replies
// to codes below 512, and requests of pairs first seen after that are only
// counted here.
func (b *Broker) RequestCountsDropped() int64 {
	b.requests.mu.Lock()
	defer b.requests.mu.Unlock()
	return b.requests.dropped
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Connections returns how many client connections are open (refused ones
// excluded; see RefusedConnections and MaxConnections).
func (b *Broker) Connections() int { return b.srv.Conns() }

// ParkedPulls returns how many PULL_MESSAGE requests are held for long
// polling right now, waiting for a message or their timeout.
func (b *Broker) ParkedPulls() int { return b.holds.count() }

// LoopLag measures how long work handed to the broker's event loops (the
// WithEventLoops goroutines that read requests, run the handlers and
// write replies) waits before it runs: the longest wait of a no-op queued
// on each loop, in real time. An idle broker answers in microseconds; a
// loop busy with a flood of requests or a slow interceptor shows here.
// Before the first connection no loop is known and it returns 0; loops
// whose connections have closed are still measured. When ctx ends first
// it returns the time waited so far (a lower bound) and an error.
func (b *Broker) LoopLag(ctx context.Context) (time.Duration, error) {
	return b.srv.LoopLag(ctx)
}
