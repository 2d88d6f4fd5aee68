package mockbroker

import (
	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
)

// newConsumerManager builds the consumer table (a mirror of the Java
// ConsumerManager) on the broker's clock. Its Notify events become
// NOTIFY_CONSUMER_IDS_CHANGED (40) requests to every channel named.
func (b *Broker) newConsumerManager() *consumers.Manager {
	return consumers.New(consumers.Options{
		Release:               b.cfg.release,
		Now:                   b.Now,
		ChannelExpiredTimeout: b.cfg.expiry,
		OnEvent:               b.consumerEvent,
	})
}

// newStore builds the message store behind sends and pulls.
func (b *Broker) newStore() *store.Store {
	return store.New(store.Options{
		Release:     b.cfg.release,
		Now:         b.Now,
		MaxBytes:    b.cfg.storeBytes,
		MaxMessages: b.cfg.storeCount,
		OnAppend:    b.messageArrived,
		OnCommit:    func(group string) { b.records.TouchKey(consumedKey(group)) },
	})
}

// consumerEvent handles one event of the consumer table, outside its lock.
func (b *Broker) consumerEvent(ev consumers.Event) {
	b.records.Touch()
	b.publishConsumerEvent(ev)
	if ev.Kind != consumers.Notify {
		return
	}
	h := protocol.NotifyConsumerIdsChangedRequestHeader{ConsumerGroup: ev.Group}
	for _, ch := range ev.Channels {
		c, ok := ch.(*conn)
		if !ok {
			continue // a virtual (fixture) client has no connection
		}
		req := protocol.NewRequest(protocol.NotifyConsumerIDsChanged, h.Encode(), nil)
		req.Flag |= protocol.FlagOneway
		b.stamp(req)
		if err := c.rc.Send(req); err != nil {
			b.log.Debug("notify consumer ids changed not sent", "remote", c.addr, "group", ev.Group, "err", err)
		}
	}
}

// noteSubscriptionGroup records that a consumer group has a subscription
// group config: a real broker auto-creates one (autoCreateSubscriptionGroup)
// the first time a heartbeat, a pull or a send-back names the group, and
// keeps it after the group's consumers leave.
func (b *Broker) noteSubscriptionGroup(group string) store.GroupConfig {
	g, _ := b.subscriptionGroup(group) // cmd_subgroup.go; the defaults when auto-creation is off
	return g
}

// subscriptionGroupKnown reports whether the group has a subscription
// group config (see noteSubscriptionGroup).
func (b *Broker) subscriptionGroupKnown(group string) bool {
	_, ok := b.store.Group(group)
	return ok
}
