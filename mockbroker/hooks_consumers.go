package mockbroker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
)

// Consumer is one consumer connection of a group, as
// GET_CONSUMER_CONNECTION_LIST reports it plus the group's settings and
// the last heartbeat.
type Consumer struct {
	Group    string
	ClientID string
	Addr     string // the client's "ip:port" as the broker sees it
	Language string // Java enum name, "null" when unknown
	Version  int32  // MQVersion ordinal from the heartbeat
	// LastHeartbeat is the last heartbeat that refreshed the connection.
	LastHeartbeat time.Time
	// ConsumeType ("CONSUME_PASSIVELY" for push consumers),
	// MessageModel ("CLUSTERING" or "BROADCASTING") and ConsumeFromWhere
	// are the group's, from its latest heartbeat.
	ConsumeType      string
	MessageModel     string
	ConsumeFromWhere string
	// Subscriptions is the group's subscription table, sorted by topic.
	Subscriptions []ConsumerSubscription
	// ConnID is the connection's ConnInfo.ID.
	ConnID uint64
}

// ConsumerSubscription is one topic a consumer group subscribes to.
type ConsumerSubscription struct {
	Topic          string
	SubString      string   // "*", "a || b", or an SQL92 expression
	ExpressionType string   // "TAG" or "SQL92"
	Tags           []string // the tagsSet
	SubVersion     int64
}

// ConsumerOffset is a group's progress in one queue.
type ConsumerOffset struct {
	Topic   string
	QueueID int32
	// Offset is the committed offset, -1 when the group committed none
	// for the queue.
	Offset int64
	// MinOffset and MaxOffset bound the queue: the first offset held and
	// the next to be written.
	MinOffset int64
	MaxOffset int64
	// Lag is MaxOffset minus the committed offset (minus MinOffset when
	// there is none): the messages the group has not consumed yet.
	Lag int64
}

// consumerEventKinds maps the consumer table's event kinds to the
// subscription's (0: none).
var consumerEventKinds = [...]ProducerEventKind{
	consumers.Registered: EventConsumerRegistered, consumers.Refreshed: EventConsumerRefreshed,
	consumers.Unregistered: EventConsumerUnregistered, consumers.Closed: EventConsumerClosed,
	consumers.Expired: EventConsumerExpired, consumers.GroupRemoved: EventConsumerGroupRemoved,
}

// publishConsumerEvent turns a consumer table event into subscription
// events.
func (b *Broker) publishConsumerEvent(ev consumers.Event) {
	if b.events.listening.Load() == 0 {
		return
	}
	at := b.Now()
	if ev.Kind == consumers.Notify {
		for _, ch := range ev.Channels {
			out := ProducerEvent{Kind: EventRebalanceNotified, Group: ev.Group, RemoteAddr: ch.RemoteAddr(), Time: at}
			if c, ok := ch.(*conn); ok {
				out.ClientID, out.ConnID = c.info().ClientID, c.id
			}
			b.events.publish(out)
		}
		return
	}
	var kind ProducerEventKind
	if int(ev.Kind) < len(consumerEventKinds) {
		kind = consumerEventKinds[ev.Kind]
	}
	if kind == 0 {
		return
	}
	out := ProducerEvent{Kind: kind, Group: ev.Group, ClientID: ev.Client.ClientID, Time: at}
	if kind == EventConsumerExpired {
		out.Expiry = b.cfg.expiry
	}
	if ch := ev.Client.Channel; ch != nil {
		out.RemoteAddr = ch.RemoteAddr()
		if c, ok := ch.(*conn); ok {
			out.ConnID = c.id
		}
	}
	b.events.publish(out)
}

// Consumers returns the consumers of a group in registration order (nil
// when the broker has no such group).
func (b *Broker) Consumers(group string) []Consumer {
	g, ok := b.consumers.Group(group)
	if !ok || len(g.Clients) == 0 {
		return nil
	}
	subs := make([]ConsumerSubscription, 0, len(g.Subscriptions))
	for _, t := range g.Topics() {
		s := g.Subscriptions[t]
		d := subscriptionData(s)
		subs = append(subs, ConsumerSubscription{Topic: t, SubString: s.SubString, ExpressionType: d.ExpressionType,
			Tags: slices.Clone(s.Tags), SubVersion: s.SubVersion})
	}
	out := make([]Consumer, len(g.Clients))
	for i, in := range g.Clients {
		c := Consumer{Group: group, ClientID: in.ClientID, Addr: clientAddr(in.Channel.RemoteAddr()),
			Language: in.Language.String(), Version: in.Version, LastHeartbeat: in.LastUpdate,
			ConsumeType: string(g.ConsumeType), MessageModel: string(g.MessageModel),
			ConsumeFromWhere: string(g.ConsumeFromWhere), Subscriptions: slices.Clone(subs)}
		if bc, ok := in.Channel.(*conn); ok {
			c.ConnID = bc.id
		}
		out[i] = c
	}
	return out
}

// ConsumerGroups returns the names of the consumer groups with at least
// one connection, sorted.
func (b *Broker) ConsumerGroups() []string { return b.consumers.Groups() }

// WaitConsumers waits until the consumer group has exactly n connections
// (n = 0 also waits for the group to go), or until ctx ends or the broker
// closes (the error then wraps ctx's error or ErrClosed). The error says
// what the group had.
func (b *Broker) WaitConsumers(ctx context.Context, group string, n int) error {
	count := func() int { return len(b.consumers.ClientIDs(group)) }
	err := b.records.Wait(ctx, func(*recordState) bool { return count() == n })
	if err == nil {
		return nil
	}
	return fmt.Errorf("waiting for %d consumers in group %q, it has %d %v: %w", n, group, count(), b.consumers.ClientIDs(group), b.waitErr(err))
}

// ConsumerOffsets returns the group's progress in every queue of the
// topics it committed offsets in or subscribes to, sorted by topic and
// queue.
func (b *Broker) ConsumerOffsets(group string) []ConsumerOffset {
	committed := b.store.GroupOffsets(group)
	topics := map[string]bool{}
	for t := range committed {
		topics[t] = true
	}
	if g, ok := b.consumers.Group(group); ok {
		for t := range g.Subscriptions {
			topics[t] = true
		}
	}
	var out []ConsumerOffset
	for _, t := range sortedKeys(topics) {
		n := int32(0)
		if info, ok := b.store.Topic(t); ok {
			n = info.ReadQueueNums
		}
		for q := range committed[t] {
			n = max(n, q+1)
		}
		for q := int32(0); q < n; q++ {
			o := ConsumerOffset{Topic: t, QueueID: q, Offset: -1, MinOffset: b.store.MinOffset(t, q), MaxOffset: b.store.MaxOffset(t, q)}
			from := o.MinOffset
			if c, ok := committed[t][q]; ok {
				o.Offset, from = c, c
			}
			o.Lag = max(o.MaxOffset-from, 0)
			out = append(out, o)
		}
	}
	return out
}

// SetConsumerOffset sets the group's offset of one queue, as an admin
// reset does: the committed offset now, and on 5.x also a pending reset
// that the consumer's next pull of the queue gets as OFFSET_RESET (on
// 4.9.8 a running consumer keeps committing its own offsets). The topic
// must exist (ErrUnknownTopic) and the offset be >= 0 on one of its
// queues (ErrInvalidOffset).
func (b *Broker) SetConsumerOffset(group, topic string, queueID int32, offset int64) error {
	info, ok := b.store.Topic(topic)
	if !ok {
		return errorOf(ErrUnknownTopic, "mockbroker: setting the offset of group %q: no topic %q", group, topic)
	}
	if offset < 0 || queueID < 0 || queueID >= info.ReadQueueNums || group == "" {
		return errorOf(ErrInvalidOffset, "mockbroker: offset %d of group %q in %s queue %d: want a group, a queue in [0, %d) and an offset >= 0",
			offset, group, topic, queueID, info.ReadQueueNums)
	}
	b.store.ResetOffset(group, topic, queueID, offset)
	b.records.Touch()
	return nil
}

// ResetConsumerOffsets sets the group's offsets in every queue of the
// topic to the first message stored at or after t (the queue's max offset
// when there is none), as `mqadmin resetOffsetByTime` does, and returns
// them by queue id. The topic must exist (ErrUnknownTopic).
func (b *Broker) ResetConsumerOffsets(group, topic string, t time.Time) (map[int32]int64, error) {
	if _, ok := b.store.Topic(topic); !ok {
		return nil, errorOf(ErrUnknownTopic, "mockbroker: resetting the offsets of group %q: no topic %q", group, topic)
	}
	if group == "" {
		return nil, errorOf(ErrInvalidOffset, "mockbroker: resetting the offsets of %s: want a group", topic)
	}
	out := b.store.ResetOffsetToTime(group, topic, t.UnixMilli())
	b.records.Touch()
	return out, nil
}

// consumedKey is the records' wait key of a consumer group's committed
// offsets (WaitConsumed), touched by the store on every commit.
func consumedKey(group string) string { return "consumed\x00" + group }

// WaitConsumed waits until the group's committed offsets in the topic,
// summed over its queues, reach n (n messages consumed by a group that
// started at offset 0), or until ctx ends or the broker closes. The error
// says how far the group got.
func (b *Broker) WaitConsumed(ctx context.Context, group, topic string, n int64) error {
	sum := func() int64 {
		var s int64
		for _, o := range b.store.GroupOffsets(group)[topic] {
			s += max(o, 0)
		}
		return s
	}
	err := b.records.WaitKey(ctx, consumedKey(group), func(*recordState) bool { return sum() >= n })
	if err == nil {
		return nil
	}
	return fmt.Errorf("waiting for group %q to commit %d messages of %s, it committed %d: %w", group, n, topic, sum(), b.waitErr(err))
}

// ExpireConsumer drops the client's connections from a consumer group now
// and closes them, as the scan does after 120 s without a heartbeat (the
// rest of the group is not notified, as in Java). If the group has no
// such client, the error wraps ErrUnknownConsumer (and ErrUnknownGroup if
// the group does not exist).
func (b *Broker) ExpireConsumer(group, clientID string) error {
	if len(b.consumers.Expire(group, clientID)) > 0 {
		return nil
	}
	kind := ErrUnknownConsumer
	if _, ok := b.consumers.Group(group); !ok {
		kind = errors.Join(ErrUnknownConsumer, ErrUnknownGroup)
	}
	return errorOf(kind, "mockbroker: consumer group %q has no client with id %q", group, clientID)
}
