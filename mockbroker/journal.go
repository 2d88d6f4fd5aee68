package mockbroker

import (
	"fmt"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/protocol"
)

// DefaultJournalLimit is how many journal entries a broker keeps unless
// WithJournalLimit says otherwise.
const DefaultJournalLimit = 10_000

// Outcome says what became of a request.
type Outcome uint8

// Outcomes of the journal.
const (
	OutcomeReplied      Outcome = iota + 1 // a reply was written (Result, Remark)
	OutcomeNoReply                         // a oneway request, or one the handler does not answer
	OutcomeDropped                         // an interceptor dropped it
	OutcomeDisconnected                    // the connection was closed instead of replying
	OutcomeTruncated                       // part of the reply frame was written, then the connection closed
	OutcomeRaw                             // an interceptor wrote bytes of its own
	OutcomeFailed                          // the handler or interceptor panicked; the connection closed
	OutcomeSent                            // a request the broker sent to the client (CHECK_TRANSACTION_STATE)
	OutcomeIgnored                         // a response from the client that no request awaited; dropped
	// OutcomeParked is a PULL_MESSAGE held for long polling: its reply is
	// journaled later, as OutcomeAnswered or OutcomeReleased (a message
	// arriving at once can have it journaled first).
	OutcomeParked
	OutcomeAnswered // the late reply to a parked pull (Result, Remark, Messages; Delay = time parked)
	OutcomeReleased // a parked pull left unanswered: its connection or the broker closed
)

var outcomeNames = [...]string{
	OutcomeReplied: "replied", OutcomeNoReply: "no-reply", OutcomeDropped: "dropped",
	OutcomeDisconnected: "disconnected", OutcomeTruncated: "truncated", OutcomeRaw: "raw",
	OutcomeFailed: "failed", OutcomeSent: "sent", OutcomeIgnored: "ignored",
	OutcomeParked: "parked", OutcomeAnswered: "answered", OutcomeReleased: "released",
}

// String returns the outcome's lower-case name.
func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// JournalEntry is one request the broker received or sent, and what became
// of it.
type JournalEntry struct {
	Seq  uint64    // numbers entries from 1 in the order they were recorded
	Time time.Time // the broker's clock (virtual under WithVirtualClock) when it arrived
	Conn ConnInfo
	// Code is the request code; 0 for OutcomeIgnored, whose response code
	// is in Result.
	Code   protocol.RequestCode
	Opaque int32
	Oneway bool
	// Outcome says what the broker did. Result and Remark are the reply's
	// for OutcomeReplied, OutcomeTruncated and OutcomeAnswered.
	Outcome     Outcome
	Result      protocol.ResponseCode
	Remark      string
	Intercepted bool // an interception decided it (see Broker.Intercept)
	// Delay is how long the interception held the reply back, or, for
	// OutcomeAnswered and OutcomeReleased, how long the pull was parked
	// (the broker's clock).
	Delay time.Duration
	// Messages is how many messages a PULL_MESSAGE reply carried.
	Messages int
	// Denied is the remark of the access control's refusal (see WithACL),
	// also for a oneway request, which gets no reply; "" if it let the
	// request through.
	Denied string
	// Duration is the real time the broker took to decide, handler
	// included, delay excluded.
	Duration time.Duration
}

// String formats the entry on one line.
func (e JournalEntry) String() string {
	s := fmt.Sprintf("#%d conn %d %s", e.Seq, e.Conn.ID, e.Conn.Addr)
	if e.Conn.ClientID != "" {
		s += " (" + e.Conn.ClientID + ")"
	}
	switch e.Outcome {
	case OutcomeIgnored:
		return s + fmt.Sprintf(" response %s opaque %d: ignored", e.Result, e.Opaque)
	case OutcomeSent:
		return s + fmt.Sprintf(" sent %s opaque %d", e.Code, e.Opaque)
	}
	s += fmt.Sprintf(" %s opaque %d", e.Code, e.Opaque)
	if e.Oneway {
		s += " oneway"
	}
	s += ": " + e.Outcome.String()
	if e.Outcome.hasResult() {
		s += " " + e.Result.String()
		if e.Remark != "" {
			s += fmt.Sprintf(" %q", e.Remark)
		}
		if e.Messages > 0 {
			s += fmt.Sprintf(" %d messages", e.Messages)
		}
	}
	if e.Denied != "" && e.Outcome != OutcomeReplied {
		s += fmt.Sprintf(" denied %q", e.Denied)
	}
	if e.Intercepted {
		s += " (intercepted)"
	}
	if e.Delay > 0 {
		s += " after " + e.Delay.String()
	}
	return s
}

// hasResult says whether an entry of the outcome holds a reply's Result
// and Remark.
func (o Outcome) hasResult() bool {
	return o == OutcomeReplied || o == OutcomeTruncated || o == OutcomeAnswered
}

// addJournal records a journal entry, counted in RequestCounts; the
// records number it. Values a client chose (the remark echoing a field,
// the client id) are truncated to maxEchoed bytes, so an entry stays
// small.
func (b *Broker) addJournal(e JournalEntry) {
	b.requests.count(&e)
	e.Remark = logsink.Truncate(e.Remark, maxEchoed)
	e.Conn.ClientID = logsink.Truncate(e.Conn.ClientID, maxEchoed)
	b.records.AddJournalSized(&e, journalEntrySize+len(e.Remark)+len(e.Conn.ClientID)+len(e.Conn.Addr))
}

// journalEntrySize is about what a JournalEntry costs besides its strings
// (its struct is 152 bytes on 64-bit platforms).
const journalEntrySize = 160

// Journal returns the kept journal entries, oldest first: every request
// the broker received, with what became of it, the requests it sent, and
// the responses it ignored. WithJournalLimit and WithJournalBytes bound it
// (defaults DefaultJournalLimit, DefaultJournalBytes); JournalDropped and
// JournalDroppedBytes say how many older entries went.
func (b *Broker) Journal() []JournalEntry {
	var out []JournalEntry
	b.records.View(func(st *recordState) {
		out = make([]JournalEntry, 0, st.JournalLen())
		st.EachJournal(func(seq uint64, e *JournalEntry) {
			out = append(out, *e)
			out[len(out)-1].Seq = seq
		})
	})
	return out
}

// JournalDroppedBytes returns the size of the entries the journal let go
// to stay within its limits (WithJournalLimit, WithJournalBytes).
func (b *Broker) JournalDroppedBytes() int64 {
	var n int64
	b.records.View(func(st *recordState) { n = st.JournalDroppedBytes() })
	return n
}

// JournalDropped returns how many entries the journal let go to stay
// within its limits.
func (b *Broker) JournalDropped() int64 {
	var n int64
	b.records.View(func(st *recordState) { n = st.JournalDropped() })
	return n
}

// ClearJournal empties the journal; numbering goes on.
func (b *Broker) ClearJournal() { b.records.ClearJournal() }
