package mockbroker

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// Unhandled is a kind of request nothing handled: no handler serves its
// code and no interception decided it, so the broker answered
// REQUEST_CODE_NOT_SUPPORTED (3), as a real broker does.
type Unhandled struct {
	Code  protocol.RequestCode
	Known bool     // the code is one RocketMQ defines (false: an unknown code)
	Conn  ConnInfo // the connection of the first such request
	Count int      // how many such requests came on that connection
	First time.Time
}

// String formats the entry on one line.
func (u Unhandled) String() string {
	what := fmt.Sprintf("%s (%d), which the mock does not serve", u.Code, int32(u.Code))
	if !u.Known {
		what = fmt.Sprintf("code %d, which RocketMQ does not define", int32(u.Code))
	}
	from := u.Conn.Addr
	if u.Conn.ClientID != "" {
		from += " (client " + u.Conn.ClientID + ")"
	}
	times := "once"
	if u.Count > 1 {
		times = fmt.Sprintf("%d times", u.Count)
	}
	return fmt.Sprintf("%s, from %s: %s, first at %s", what, from, times, u.First.Format("15:04:05.000"))
}

// maxUnhandledKinds bounds the (code, connection) pairs the log keeps, so
// a client sending endless distinct codes cannot grow it without limit.
const maxUnhandledKinds = 1000

// unhandledLog collects unhandled requests by code and connection.
type unhandledLog struct {
	mu       sync.Mutex
	byKey    map[unhandledKey]int // index into list
	list     []Unhandled
	overflow int // requests of kinds past maxUnhandledKinds
}

type unhandledKey struct {
	code protocol.RequestCode
	conn uint64
}

func (l *unhandledLog) add(code protocol.RequestCode, conn ConnInfo, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := unhandledKey{code, conn.ID}
	if i, ok := l.byKey[k]; ok {
		l.list[i].Count++
		return
	}
	if len(l.list) >= maxUnhandledKinds {
		l.overflow++
		return
	}
	if l.byKey == nil {
		l.byKey = map[unhandledKey]int{}
	}
	l.byKey[k] = len(l.list)
	l.list = append(l.list, Unhandled{Code: code, Known: knownRequestCode(code), Conn: conn, Count: 1, First: at})
}

// knownRequestCode reports whether protocol names the code.
func knownRequestCode(code protocol.RequestCode) bool {
	return !strings.HasPrefix(code.String(), "RequestCode(")
}

// Unhandled returns the requests nothing handled, grouped by code and
// connection, in the order they first came. It is kept whether or not
// WithStrict is on.
func (b *Broker) Unhandled() []Unhandled {
	b.unhandled.mu.Lock()
	defer b.unhandled.mu.Unlock()
	return append([]Unhandled(nil), b.unhandled.list...)
}

// StrictReport describes the requests nothing handled (see Unhandled), one
// line each, or returns "" when there were none. Under WithStrict, Start
// fails the test with it when the test ends; brokers made with New can
// check it themselves.
func (b *Broker) StrictReport() string {
	list := b.Unhandled()
	b.unhandled.mu.Lock()
	overflow := b.unhandled.overflow
	b.unhandled.mu.Unlock()
	if len(list) == 0 {
		return ""
	}
	var sb strings.Builder
	n := overflow
	for _, u := range list {
		n += u.Count
	}
	fmt.Fprintf(&sb, "mockbroker: %d request(s) were not handled (the broker answered REQUEST_CODE_NOT_SUPPORTED); serve them with Intercept or leave out WithStrict:", n)
	for _, u := range list {
		sb.WriteString("\n  ")
		sb.WriteString(u.String())
	}
	if overflow > 0 {
		fmt.Fprintf(&sb, "\n  and %d more request(s) of further codes and connections, not listed (only %d kinds are kept)", overflow, maxUnhandledKinds)
	}
	return sb.String()
}

// failIfStrict makes t fail at cleanup with the strict report, under
// WithStrict. Registered before Close's cleanup, it runs after it.
func (b *Broker) failIfStrict(t TB) {
	if !b.cfg.strict {
		return
	}
	t.Cleanup(func() {
		if r := b.StrictReport(); r != "" {
			t.Errorf("%s", r)
		}
	})
}
