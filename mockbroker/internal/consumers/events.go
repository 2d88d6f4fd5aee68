package consumers

import "strconv"

// EventKind says what happened to a consumer group or one of its clients.
type EventKind uint8

// Event kinds. Registered, Refreshed, Unregistered, Closed and Expired
// concern one client (Event.Client); GroupRemoved and Notify the group.
const (
	// Registered: a heartbeat brought a channel new to the group (Java
	// updateChannel returned true; 5.x fires CLIENT_REGISTER).
	Registered EventKind = iota + 1
	// Refreshed: a heartbeat from a channel already in the group.
	Refreshed
	// Unregistered: UNREGISTER_CLIENT (35) removed the channel.
	Unregistered
	// Closed: the channel closed and was removed from the group.
	Closed
	// Expired: the scan removed a channel silent longer than the expiry
	// timeout; the manager has called its Close.
	Expired
	// GroupRemoved: the group's last channel left by unregister or close
	// (Java's UNREGISTER event; the expiry scan drops empty groups without
	// it, as Java does).
	GroupRemoved
	// Notify: Java's CHANGE event reaching DefaultConsumerIdsChangeListener
	// with notifyConsumerIdsChangedEnable: the broker sends
	// NOTIFY_CONSUMER_IDS_CHANGED (40, oneway, header consumerGroup) to
	// every channel in Event.Channels. Not sent when Channels is empty.
	Notify
)

var kindNames = [...]string{"", "registered", "refreshed", "unregistered", "closed", "expired",
	"group-removed", "rebalance-notified"}

// String returns the kind's name as the event feed shows it
// ("registered", ..., "rebalance-notified").
func (k EventKind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one thing the manager did. The callback gets events after the
// call that caused them has released the manager's lock, in the order Java
// fires the matching listener events within that call; events of calls
// made concurrently may interleave.
type Event struct {
	Kind  EventKind
	Group string
	// Client is the client concerned (client events).
	Client ClientInfo
	// SubscriptionsChanged reports, for Registered and Refreshed, that the
	// heartbeat added or removed a topic (Java's r2).
	SubscriptionsChanged bool
	// Channels are the connections to notify (Notify).
	Channels []Channel
}
