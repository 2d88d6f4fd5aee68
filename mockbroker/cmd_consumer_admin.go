package mockbroker

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// Consumer-side admin codes: what mqadmin consumerConnection and
// consumerProgress ask, orderly consumers' queue locks, VIEW_MESSAGE_BY_ID
// and CHECK_CLIENT_CONFIG (AdminBrokerProcessor, QueryMessageProcessor and
// ClientManageProcessor of 4.9.8 and 5.3.3).

// RebalanceLockMaxLiveTime is how long the broker keeps an orderly
// consumer's queue lock without a renewal (RebalanceLockManager's
// REBALANCE_LOCK_MAX_LIVE_TIME, 60 s), on the broker's clock.
const RebalanceLockMaxLiveTime = 60 * time.Second

// callClientTimeout is Broker2Client.callClient's invokeSync timeout.
const callClientTimeout = 10 * time.Second

// registerConsumerAdminCodes registers 203, 208, 307, 33, 41, 42 and 46.
func (b *Broker) registerConsumerAdminCodes(m *remoting.Mux) {
	m.Handle(protocol.GetConsumerConnectionList, handle(b.consumerConnectionList))
	m.Handle(protocol.GetConsumeStats, handle(b.consumeStats))
	m.Handle(protocol.GetConsumerRunningInfo, b.consumerRunningInfo)
	m.Handle(protocol.ViewMessageByID, handle(b.viewMessageByID))
	m.Handle(protocol.LockBatchMQ, handle(b.lockBatchMQ))
	m.Handle(protocol.UnlockBatchMQ, handle(b.unlockBatchMQ))
	m.Handle(protocol.CheckClientConfig, handle(b.checkClientConfig))
}

// consumerConnectionList (203) is AdminBrokerProcessor
// .getConsumerConnectionList: the group's connections, subscription table
// and consume settings; CONSUMER_NOT_ONLINE for a group the broker does
// not have (the table drops groups when their last channel leaves).
func (b *Broker) consumerConnectionList(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetConsumerConnectionListRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	g, ok := b.consumers.Group(h.ConsumerGroup)
	if !ok {
		return protocol.NewResponse(req, protocol.ConsumerNotOnline, "the consumer group["+h.ConsumerGroup+"] not online")
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = consumerConnectionOf(g).Marshal()
	return resp
}

// consumerConnectionOf builds the 203 body of a group.
func consumerConnectionOf(g consumers.GroupInfo) *protocol.ConsumerConnection {
	body := &protocol.ConsumerConnection{
		ConnectionSet:     make([]protocol.Connection, 0, len(g.Clients)),
		SubscriptionTable: make(map[string]protocol.SubscriptionData, len(g.Subscriptions)),
		ConsumeType:       string(g.ConsumeType),
		MessageModel:      string(g.MessageModel),
		ConsumeFromWhere:  string(g.ConsumeFromWhere),
	}
	for _, in := range g.Clients {
		body.ConnectionSet = append(body.ConnectionSet, connectionOf(in.Channel.RemoteAddr(), in.ClientID, in.Language, in.Version))
	}
	for t, s := range g.Subscriptions {
		body.SubscriptionTable[t] = subscriptionData(s)
	}
	return body
}

// subscriptionData is the wire form of a subscription.
func subscriptionData(s consumers.Subscription) protocol.SubscriptionData {
	et := s.ExpressionType
	if et == "" {
		et = "TAG"
	}
	return protocol.SubscriptionData{ClassFilterMode: s.ClassFilterMode, CodeSet: s.Codes, ExpressionType: et,
		SubString: s.SubString, SubVersion: s.SubVersion, TagsSet: s.Tags, Topic: s.Topic}
}

// consumeStats (208) is AdminBrokerProcessor.getConsumeStats: for the
// topic asked (5.x: the topicList first), or else every topic the group
// committed offsets in, one entry per read queue with the queue's max
// offset, the committed offset (0 if none) and the store time of the last
// consumed message. Topics the broker does not know are skipped, and so
// are topics the live group does not subscribe to while it subscribes to
// others (except for a 5.x topicList). pullOffset (5.x) is the committed
// offset: the mock keeps no separate pull offsets. An empty table is
// still SUCCESS: the tool turns it into 206.
func (b *Broker) consumeStats(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetConsumeStatsRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	stats := b.consumeStatsOf(h.ConsumerGroup, h.Topic, h.Topics())
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = stats.MarshalAs(b.cfg.release)
	return resp
}

// consumeStatsOf computes a group's ConsumeStats; topicList (5.x) wins
// over topic, and with neither the group's committed topics count.
func (b *Broker) consumeStatsOf(group, topic string, topicList []string) *protocol.ConsumeStats {
	stats := &protocol.ConsumeStats{OffsetTable: map[protocol.MessageQueue]protocol.OffsetWrapper{}}
	var topics []string
	v5 := b.cfg.release.HasV5BodyFields()
	checkSubscription := true
	switch {
	case v5 && len(topicList) > 0:
		topics, checkSubscription = topicList, false
	case topic != "":
		topics = []string{topic}
	default:
		for t := range b.store.GroupOffsets(group) {
			topics = append(topics, t)
		}
	}
	for _, t := range topics {
		info, ok := b.store.Topic(t)
		if !ok {
			continue
		}
		// 5.x findSubscriptionData also looks in the compensation table.
		if _, ok := b.consumers.FindSubscription(group, t, v5); checkSubscription && !ok && b.consumers.SubscriptionCount(group) > 0 {
			continue
		}
		for i := int32(0); i < info.ReadQueueNums; i++ {
			mq := protocol.MessageQueue{Topic: t, BrokerName: b.cfg.brokerName, QueueID: i}
			w := protocol.OffsetWrapper{BrokerOffset: max(b.store.MaxOffset(t, i), 0)}
			if o, ok := b.store.Offset(group, t, i); ok && o > 0 {
				w.ConsumerOffset = o
			}
			w.PullOffset = w.ConsumerOffset
			if w.ConsumerOffset-1 >= 0 {
				if ts := b.store.StoreTimestamp(t, i, w.ConsumerOffset-1); ts > 0 {
					w.LastTimestamp = ts
				}
			}
			stats.OffsetTable[mq] = w
		}
	}
	return stats
}

// consumerRunningInfo (307 from an admin tool) is AdminBrokerProcessor
// .callConsumer: the request goes on to the client's connection and the
// client's answer comes back as it is (its code, remark, extFields, body,
// language and version), or 207 CONSUME_MSG_TIMEOUT after 10 s. A client
// the group does not have, or one older than V3_1_8_SNAPSHOT, gets
// SYSTEM_ERROR. The wait runs off the event loop.
func (b *Broker) consumerRunningInfo(rc *remoting.Conn, req *protocol.Command) remoting.Reply {
	var h protocol.GetConsumerRunningInfoRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return remoting.Respond(errorReply(req, err))
	}
	info, ok := b.consumers.FindChannel(h.ConsumerGroup, h.ClientID)
	if !ok {
		return remoting.Respond(protocol.NewResponse(req, protocol.SystemError,
			fmt.Sprintf("The Consumer <%s> <%s> not online", h.ConsumerGroup, h.ClientID)))
	}
	if info.Version < minRunningInfoVersion {
		return remoting.Respond(protocol.NewResponse(req, protocol.SystemError,
			fmt.Sprintf("The Consumer <%s> Version <%s> too low to finish, please upgrade it to V3_1_8_SNAPSHOT",
				h.ClientID, protocol.MQVersion(info.Version))))
	}
	target, ok := info.Channel.(*conn)
	if !ok || req.IsOneway() {
		return remoting.Respond(protocol.NewResponse(req, protocol.SystemError,
			fmt.Sprintf("invoke consumer <%s> <%s> Exception: the client has no connection", h.ConsumerGroup, h.ClientID)))
	}
	fwd := protocol.NewRequest(protocol.GetConsumerRunningInfo, req.ExtFields, req.Body)
	b.stamp(fwd)
	opaque, serialize := req.Opaque, req.Serialize
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callClientTimeout)
		defer cancel()
		answer, err := target.rc.Request(ctx, fwd)
		resp := answer // Java returns the client's command: its code, remark, fields, language, version
		switch {
		case err == nil:
		case ctx.Err() != nil:
			resp = &protocol.Command{Code: int32(protocol.ConsumeMsgTimeout), Remark: fmt.Sprintf(
				"consumer <%s> <%s> Timeout: org.apache.rocketmq.remoting.exception.RemotingTimeoutException: wait response on the channel <%s> timeout, %d(ms)",
				h.ConsumerGroup, h.ClientID, target.addr, callClientTimeout.Milliseconds())}
		default:
			resp = &protocol.Command{Code: int32(protocol.SystemError), Remark: fmt.Sprintf(
				"invoke consumer <%s> <%s> Exception: %v", h.ConsumerGroup, h.ClientID, err)}
		}
		if err != nil {
			b.stamp(resp)
		}
		resp.Opaque, resp.Serialize = opaque, serialize
		resp.Flag |= protocol.FlagResponse
		if werr := rc.WriteResponse(resp); werr != nil {
			b.log.Debug("consumer running info not relayed", "remote", rc.RemoteAddr(), "err", werr)
		}
	}()
	return remoting.Reply{}
}

// minRunningInfoVersion is MQVersion.Version.V3_1_8_SNAPSHOT's ordinal.
const minRunningInfoVersion = 62

// viewMessageByID (33) is QueryMessageProcessor.viewMessageById: the
// message stored at the commit-log offset, encoded as the store holds it.
func (b *Broker) viewMessageByID(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.ViewMessageRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	m, ok := b.store.ByPhysicalOffset(h.Offset)
	if !ok {
		return protocol.NewResponse(req, protocol.SystemError, fmt.Sprintf("can not find message by the offset, %d", h.Offset))
	}
	ext := m.MessageExt
	if ext.StoreHost == nil {
		ext.StoreHost, ext.StorePort = b.storeHost().addr()
	}
	body, err := protocol.EncodeMessageExt(&ext)
	if err != nil {
		return errorReply(req, err)
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = body
	return resp
}

// rebalanceLocks is the RebalanceLockManager: group -> queue -> lock.
type rebalanceLocks struct {
	mu    sync.Mutex
	table map[string]map[protocol.MessageQueue]*lockEntry
}

// lockEntry is a LockEntry: who holds the queue since when.
type lockEntry struct {
	clientID   string
	lastUpdate time.Time
}

func (e *lockEntry) expired(now time.Time) bool {
	return now.Sub(e.lastUpdate) > RebalanceLockMaxLiveTime
}

func (e *lockEntry) lockedBy(clientID string, now time.Time) bool {
	return e.clientID == clientID && !e.expired(now)
}

// tryLockBatch is RebalanceLockManager.tryLockBatch: the queues the client
// holds after the call (its own live locks renewed, free or expired ones
// taken), and how many distinct queues it asked for.
func (l *rebalanceLocks) tryLockBatch(group string, mqs []protocol.MessageQueue, clientID string, now time.Time) (ok []protocol.MessageQueue, distinct int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.table == nil {
		l.table = map[string]map[protocol.MessageQueue]*lockEntry{}
	}
	g := l.table[group]
	if g == nil {
		g = map[protocol.MessageQueue]*lockEntry{}
		l.table[group] = g
	}
	seen := map[protocol.MessageQueue]bool{}
	for _, mq := range mqs {
		if seen[mq] {
			continue
		}
		seen[mq] = true
		e := g[mq]
		switch {
		case e == nil:
			g[mq] = &lockEntry{clientID: clientID, lastUpdate: now}
		case e.lockedBy(clientID, now), e.expired(now):
			e.clientID, e.lastUpdate = clientID, now
		default:
			continue // held by another client
		}
		ok = append(ok, mq)
	}
	return ok, len(seen)
}

// unlockBatch is RebalanceLockManager.unlockBatch: the client's own locks
// go, others' stay.
func (l *rebalanceLocks) unlockBatch(group string, mqs []protocol.MessageQueue, clientID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.table[group]
	for _, mq := range mqs {
		if e := g[mq]; e != nil && e.clientID == clientID {
			delete(g, mq)
		}
	}
}

// holder returns who holds a queue's live lock.
func (l *rebalanceLocks) holder(group string, mq protocol.MessageQueue, now time.Time) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.table[group][mq]; e != nil && !e.expired(now) {
		return e.clientID, true
	}
	return "", false
}

// lockBatchMQ (41) is AdminBrokerProcessor.lockBatchMQ on a single broker:
// lockOKMQSet in the order of Java's HashSet sized by the request's mqSet.
func (b *Broker) lockBatchMQ(c *conn, req *protocol.Command) *protocol.Command {
	if len(req.Body) == 0 {
		return errorReply(req, errMissingBody("LOCK_BATCH_MQ", "LockBatchRequestBody"))
	}
	body, err := protocol.DecodeLockBatchRequestBody(req.Body)
	if err != nil {
		return errorReply(req, err)
	}
	// Both releases answer tryLockBatch's new HashSet<>(mqs.size()) (5.3.3
	// too, without lockInStrictMode), mqs being the request's decoded set.
	ok, capacity := b.locks.tryLockBatch(body.ConsumerGroup, body.MQSet, body.ClientID, b.Now())
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = (&protocol.LockBatchResponseBody{LockOKMQSet: protocol.JavaMessageQueueOrder(ok, capacity)}).Marshal()
	return resp
}

// unlockBatchMQ (42) is AdminBrokerProcessor.unlockBatchMQ: SUCCESS, no
// body.
func (b *Broker) unlockBatchMQ(c *conn, req *protocol.Command) *protocol.Command {
	if len(req.Body) == 0 {
		return errorReply(req, errMissingBody("UNLOCK_BATCH_MQ", "UnlockBatchRequestBody"))
	}
	body, err := protocol.DecodeLockBatchRequestBody(req.Body)
	if err != nil {
		return errorReply(req, err)
	}
	b.locks.unlockBatch(body.ConsumerGroup, body.MQSet, body.ClientID)
	return protocol.NewResponse(req, protocol.Success, "")
}

// checkClientConfig (46) is ClientManageProcessor.checkClientConfig with
// enablePropertyFilter=false (the broker default): TAG subscriptions (or
// none) pass, any other expression type is refused with SYSTEM_ERROR.
func (b *Broker) checkClientConfig(c *conn, req *protocol.Command) *protocol.Command {
	var body struct {
		SubscriptionData *struct {
			ExpressionType *string `json:"expressionType"`
		} `json:"subscriptionData"`
	}
	if len(req.Body) > 0 {
		if err := json.Unmarshal(req.Body, &body); err != nil {
			return errorReply(req, fmt.Errorf("CheckClientRequestBody: %w", err))
		}
	}
	if s := body.SubscriptionData; s != nil && s.ExpressionType != nil && *s.ExpressionType != "TAG" && *s.ExpressionType != "" {
		return protocol.NewResponse(req, protocol.SystemError,
			"The broker does not support consumer to filter message by "+*s.ExpressionType)
	}
	return protocol.NewResponse(req, protocol.Success, "")
}
