package mockbroker

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
	"github.com/rocketmock/rocketmock/protocol"
)

// ProducerEventKind says what happened to a producer entry or group.
type ProducerEventKind int

// Producer event kinds. Java 5.x fires CLIENT_UNREGISTER for Unregistered,
// Closed and Expired, and GROUP_UNREGISTER for GroupRemoved; Registered and
// Refreshed have no Java event (only the "new producer connected" log).
const (
	EventRegistered   = ProducerEventKind(producers.EventRegistered)   // a connection joined a group
	EventRefreshed    = ProducerEventKind(producers.EventRefreshed)    // a heartbeat refreshed an existing entry
	EventUnregistered = ProducerEventKind(producers.EventUnregistered) // UNREGISTER_CLIENT removed the entry
	EventClosed       = ProducerEventKind(producers.EventClosed)       // the connection closed
	EventExpired      = ProducerEventKind(producers.EventExpired)      // the scan (or ExpireProducer) dropped a silent entry
	EventGroupRemoved = ProducerEventKind(producers.EventGroupRemoved) // the group left the table
)

// Consumer event kinds, from the consumer table (the Java
// ConsumerManager): Kind.Consumer reports them. EventRebalanceNotified
// comes once per connection the broker sent NOTIFY_CONSUMER_IDS_CHANGED
// (40) to.
const (
	EventConsumerRegistered   ProducerEventKind = iota + 101 // a heartbeat brought a connection new to the group
	EventConsumerRefreshed                                   // a heartbeat of a connection already in the group
	EventConsumerUnregistered                                // UNREGISTER_CLIENT removed the connection
	EventConsumerClosed                                      // the connection closed
	EventConsumerExpired                                     // the scan (or ExpireConsumer) dropped a silent connection
	EventConsumerGroupRemoved                                // the group's last connection left
	EventRebalanceNotified                                   // NOTIFY_CONSUMER_IDS_CHANGED went to the connection
)

// Broker event kinds, of neither table: Kind.Fault and Kind.Clock
// report them.
const (
	// EventFaultFired: an interception (Intercept, a fault of the control
	// API) acted on a request; Code, Action and what is known of the
	// client (ConnID, RemoteAddr, ClientID, Group) say which and how.
	EventFaultFired ProducerEventKind = iota + 201
	// EventClockAdvanced: Advance or AdvanceClock moved the virtual clock
	// by Advanced; Time is the clock after the move.
	EventClockAdvanced
)

var consumerKindNames = [...]string{"consumer-registered", "consumer-refreshed", "consumer-unregistered",
	"consumer-closed", "consumer-expired", "consumer-group-removed", "rebalance-notified"}

// Consumer reports whether the kind is a consumer event.
func (k ProducerEventKind) Consumer() bool {
	return k >= EventConsumerRegistered && k <= EventRebalanceNotified
}

// Producer reports whether the kind is a producer event.
func (k ProducerEventKind) Producer() bool { return k >= EventRegistered && k <= EventGroupRemoved }

// Fault reports whether the kind is EventFaultFired.
func (k ProducerEventKind) Fault() bool { return k == EventFaultFired }

// Clock reports whether the kind is EventClockAdvanced.
func (k ProducerEventKind) Clock() bool { return k == EventClockAdvanced }

// String returns the kind's lower-case name ("registered", ...,
// "consumer-registered", ..., "rebalance-notified", "fault-fired",
// "clock-advanced").
func (k ProducerEventKind) String() string {
	switch {
	case k.Producer():
		return producers.EventKind(k).String()
	case k.Consumer():
		return consumerKindNames[k-EventConsumerRegistered]
	case k == EventFaultFired:
		return "fault-fired"
	case k == EventClockAdvanced:
		return "clock-advanced"
	}
	return fmt.Sprintf("ProducerEventKind(%d)", int(k))
}

// ProducerEvent reports one change of the producer table, of the
// consumer table (Kind.Consumer), a fault that fired (Kind.Fault) or a
// move of the virtual clock (Kind.Clock). For EventGroupRemoved and
// EventConsumerGroupRemoved only Kind, Group and Time are set; for
// EventClockAdvanced only Kind, Time and Advanced.
type ProducerEvent struct {
	Kind       ProducerEventKind
	Group      string
	ClientID   string
	RemoteAddr string // the client's "ip:port"
	// ConnID is the connection's ConnInfo.ID; 0 for a fixture's virtual
	// producer.
	ConnID  uint64
	Virtual bool // a fixture's virtual producer (LoadFixture)
	Time    time.Time
	// Expiry is, for EventExpired and EventConsumerExpired, the silence
	// after which the broker drops an entry (WithExpiry, 120 s by
	// default): the scan dropped it for no heartbeat in that long (or
	// ExpireProducer, ExpireConsumer did at once).
	Expiry time.Duration
	// Code is, for EventFaultFired, the code of the request the
	// interception acted on.
	Code protocol.RequestCode
	// Action is, for EventFaultFired, what the interception did
	// (Action.String, such as "respond-code 2 after 1s").
	Action string
	// Advanced is, for EventClockAdvanced, how far the clock moved.
	Advanced time.Duration
}

// producerEvent receives the producer table's events: it hands them to
// the subscriptions and wakes the waiters.
func (b *Broker) producerEvent(ev producers.Event) {
	b.records.TouchKey(groupKey(ev.Group))
	if b.events.listening.Load() == 0 {
		return // every heartbeat refreshes: build nothing for nobody
	}
	out := ProducerEvent{Kind: ProducerEventKind(ev.Kind), Group: ev.Group, ClientID: ev.ClientID, RemoteAddr: ev.RemoteAddr, Time: ev.Time}
	if ev.Channel != nil {
		out.ConnID, out.Virtual = channelID(ev.Channel)
	}
	if out.Kind == EventExpired {
		out.Expiry = b.cfg.expiry
	}
	b.events.publish(out)
}

// faultFired publishes EventFaultFired for an interception that acted on
// r with act, when anyone listens.
func (b *Broker) faultFired(r *Request, act Action) {
	if b.events.listening.Load() == 0 {
		return
	}
	b.events.publish(ProducerEvent{Kind: EventFaultFired, Group: r.Group, ClientID: r.Conn.ClientID, RemoteAddr: r.Conn.Addr,
		ConnID: r.Conn.ID, Time: b.Now(), Code: r.Code(), Action: act.String()})
}

// clockAdvanced publishes EventClockAdvanced after the virtual clock moved
// by d, when anyone listens.
func (b *Broker) clockAdvanced(d time.Duration) {
	if b.events.listening.Load() == 0 {
		return
	}
	b.events.publish(ProducerEvent{Kind: EventClockAdvanced, Time: b.Now(), Advanced: d})
}

// groupKey is the records' wait key of a producer group's state
// (WaitProducers), the group named as the table keeps it.
func groupKey(group string) string { return "producers\x00" + producers.ValidName(group) }

// eventHub fans producer events out to subscriptions.
type eventHub struct {
	mu        sync.Mutex
	subs      map[*Subscription]struct{}
	listening atomic.Int32 // len(subs), read without the lock
	closed    bool
}

func (h *eventHub) publish(ev ProducerEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.push(ev)
	}
}

func (h *eventHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		s.markClosed()
	}
	h.subs = nil
	h.listening.Store(0)
}

// Subscription receives every producer event from the moment it was made,
// in order, with nothing dropped.
type Subscription struct {
	hub    *eventHub
	mu     sync.Mutex
	queue  []ProducerEvent // queue[head:] are to be read
	head   int
	notify chan struct{} // has a token when queue is non-empty or closed
	closed bool
}

// Subscribe starts a subscription to producer events (registered,
// refreshed, unregistered, closed, expired, group removed), consumer
// events (the EventConsumer kinds and EventRebalanceNotified), faults
// fired (EventFaultFired) and clock moves (EventClockAdvanced). A
// subscriber that follows only some roles skips the others by
// Kind.Producer, Kind.Consumer, Kind.Fault or Kind.Clock.
func (b *Broker) Subscribe() *Subscription {
	s := &Subscription{hub: &b.events, notify: make(chan struct{}, 1)}
	b.events.mu.Lock()
	defer b.events.mu.Unlock()
	if b.events.closed {
		s.closed = true
		s.notify <- struct{}{}
		return s
	}
	if b.events.subs == nil {
		b.events.subs = map[*Subscription]struct{}{}
	}
	b.events.subs[s] = struct{}{}
	b.events.listening.Store(int32(len(b.events.subs)))
	return s
}

func (s *Subscription) push(ev ProducerEvent) {
	s.mu.Lock()
	if len(s.queue) == cap(s.queue) && s.head >= len(s.queue)/2 {
		// Reuse the space read already rather than grow: a follower that
		// keeps up never makes the queue allocate.
		n := copy(s.queue, s.queue[s.head:])
		clear(s.queue[n:])
		s.queue, s.head = s.queue[:n], 0
	}
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Next returns the next event, waiting for one until ctx ends or the
// subscription closes.
func (s *Subscription) Next(ctx context.Context) (ProducerEvent, error) {
	for {
		s.mu.Lock()
		if s.head < len(s.queue) {
			ev := s.queue[s.head]
			s.queue[s.head] = ProducerEvent{}
			s.head++
			if s.head == len(s.queue) {
				s.queue, s.head = s.queue[:0], 0
			}
			if len(s.queue) > 0 || s.closed {
				select {
				case s.notify <- struct{}{}:
				default:
				}
			}
			s.mu.Unlock()
			return ev, nil
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return ProducerEvent{}, ErrClosed
		}
		select {
		case <-ctx.Done():
			return ProducerEvent{}, ctx.Err()
		case <-s.notify:
		}
	}
}

// Close ends the subscription; Next then drains what is queued and
// returns ErrClosed.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.listening.Store(int32(len(s.hub.subs)))
	s.hub.mu.Unlock()
	s.markClosed()
}

func (s *Subscription) markClosed() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}
