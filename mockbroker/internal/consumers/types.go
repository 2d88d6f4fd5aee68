// Package consumers mirrors the Java broker's ConsumerManager and
// ConsumerGroupInfo (broker/client, 4.9.8 and 5.3.3): consumer groups with
// their subscription tables and client channels, registered by heartbeats,
// removed by UNREGISTER_CLIENT, by a closed channel or by the expiry scan.
//
// The manager never touches the network: it works over the Channel
// interface and reports what a broker must do (close a channel, send
// NOTIFY_CONSUMER_IDS_CHANGED) through events delivered to a callback,
// always outside its lock.
package consumers

import (
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// Channel is a client connection as the manager sees it. Implementations
// must be comparable (pointers are): the manager keys its tables by them,
// as Java keys them by Netty Channel.
type Channel interface {
	// RemoteAddr is the client's "ip:port".
	RemoteAddr() string
	// IsActive reports whether the connection is open.
	IsActive() bool
	// IsWritable reports whether the connection accepts writes now.
	IsWritable() bool
	// Close closes the connection (the expiry scan calls it).
	Close() error
}

// ConsumeType is the Java enum ConsumeType, by name.
type ConsumeType string

// Consume types.
const (
	ConsumeActively  ConsumeType = "CONSUME_ACTIVELY"  // pull consumers
	ConsumePassively ConsumeType = "CONSUME_PASSIVELY" // push consumers
	ConsumePop       ConsumeType = "CONSUME_POP"       // 5.x pop consumers
)

// MessageModel is the Java enum MessageModel, by name.
type MessageModel string

// Message models.
const (
	Clustering   MessageModel = "CLUSTERING"
	Broadcasting MessageModel = "BROADCASTING"
)

// ConsumeFromWhere is the Java enum ConsumeFromWhere, by name
// ("CONSUME_FROM_LAST_OFFSET", "CONSUME_FROM_FIRST_OFFSET",
// "CONSUME_FROM_TIMESTAMP", ...).
type ConsumeFromWhere string

// Subscription is the Java SubscriptionData a heartbeat carries per topic.
type Subscription struct {
	Topic           string
	SubString       string   // "*" or "a || b", or an SQL92 expression
	Tags            []string // tagsSet
	Codes           []int32  // codeSet: the tags' hash codes
	SubVersion      int64    // the client's time in ms when it built the subscription
	ExpressionType  string   // "TAG" or "SQL92"; empty means TAG
	ClassFilterMode bool
}

// clone copies s with its own slices.
func (s Subscription) clone() Subscription {
	s.Tags = append([]string(nil), s.Tags...)
	s.Codes = append([]int32(nil), s.Codes...)
	return s
}

// ClientInfo is the Java ClientChannelInfo: one client connection in a
// group.
type ClientInfo struct {
	Channel    Channel
	ClientID   string
	Language   protocol.LanguageCode
	Version    int32
	LastUpdate time.Time // the last heartbeat that refreshed this channel
}

// Registration is what one consumerDataSet entry of a heartbeat carries,
// plus the connection it came on.
type Registration struct {
	Group            string
	Client           ClientInfo // LastUpdate is ignored: the manager's clock sets it
	ConsumeType      ConsumeType
	MessageModel     MessageModel
	ConsumeFromWhere ConsumeFromWhere
	Subscriptions    []Subscription
	// NotifyEnabled is the group's SubscriptionGroupConfig
	// notifyConsumerIdsChangedEnable (true when the group has no config).
	NotifyEnabled bool
}

// GroupInfo is a snapshot of a Java ConsumerGroupInfo.
type GroupInfo struct {
	Name             string
	ConsumeType      ConsumeType
	MessageModel     MessageModel
	ConsumeFromWhere ConsumeFromWhere
	// Subscriptions is the subscription table, by topic.
	Subscriptions map[string]Subscription
	// Clients is the channel table in registration order.
	Clients    []ClientInfo
	LastUpdate time.Time
}

// ClientIDs returns the group's client ids, in the order of Clients
// (getAllClientId).
func (g GroupInfo) ClientIDs() []string {
	ids := make([]string, len(g.Clients))
	for i, c := range g.Clients {
		ids[i] = c.ClientID
	}
	return ids
}

// Topics returns the subscribed topics (getSubscribeTopics), sorted.
func (g GroupInfo) Topics() []string {
	return sortedKeys(g.Subscriptions)
}
