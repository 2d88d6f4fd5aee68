package mockbroker

import (
	"bytes"
	"strconv"

	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerClientCodes registers the client-management codes.
func (b *Broker) registerClientCodes(m *remoting.Mux) {
	m.Handle(protocol.HeartBeat, handle(b.heartbeat))
	m.Handle(protocol.UnregisterClient, handle(b.unregisterClient))
}

// heartbeat (34) registers every producer group of the heartbeat on this
// connection (ClientManageProcessor.heartBeat). Language and version come
// from the command header, the client id from the body.
func (b *Broker) heartbeat(c *conn, req *protocol.Command) *protocol.Command {
	if len(req.Body) == 0 {
		return errorReply(req, errMissingBody("HEART_BEAT", "HeartbeatData"))
	}
	hb, groups := c.hb.get(req.Body)
	if hb == nil {
		var err error
		if hb, err = protocol.DecodeHeartbeatData(req.Body); err != nil {
			return errorReply(req, err)
		}
		groups = hb.ProducerGroups()
		c.hb.set(req.Body, hb, groups)
	}
	if hb.ClientID == "" {
		return errorReply(req, &protocol.MissingFieldError{Header: "HeartbeatData", Field: "clientID"})
	}
	if c.info().ClientID == "" {
		// The records name the client of what it sent before (the Go
		// client sends its first messages before its first heartbeat).
		b.records.NameClient(c.id, hb.ClientID)
	}
	c.setClientID(hb.ClientID) // for interceptors and records (ConnInfo.ClientID)
	v2 := b.cfg.release.HasV5BodyFields() && hb.HeartbeatFingerprint != 0
	subChange := false
	if len(hb.ConsumerDataSet) > 0 { // consumers first, as Java does
		subChange = b.registerConsumers(c, req, hb, v2)
	}
	if len(groups) > 0 {
		b.producers.RegisterProducers(groups, producers.ClientChannelInfo{
			Channel:  c,
			ClientID: hb.ClientID,
			Language: req.Language,
			Version:  int32(req.Version),
		})
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.ExtFields = b.hbReplyExt
	if v2 {
		resp.ExtFields = map[string]string{"IS_SUPPORT_HEART_BEAT_V2": "true", "IS_SUB_CHANGE": strconv.FormatBool(subChange)}
	}
	return resp
}

// registerConsumers registers every consumerDataSet entry of a heartbeat
// (ClientManageProcessor.heartBeat): the group's retry topic is created
// first (createTopicInSendMessageBackMethod, 1 queue, read and write; Java
// does it for every group, broadcasting ones too), the subscribed topics
// as on a send, then the group refreshes or changes in the consumer table,
// which notifies the group's channels of a change.
//
// A 5.x heartbeat with a heartbeatFingerprint is heartBeatV2: the broker
// keeps each group's last fingerprint, reports a subscription change
// (IS_SUB_CHANGE) when a group's fingerprint differs from the one kept,
// and, when the client left its subscriptions out (withoutSub), refreshes
// the channel and keeps the group's subscriptions.
func (b *Broker) registerConsumers(c *conn, req *protocol.Command, hb *protocol.HeartbeatData, v2 bool) (subChange bool) {
	client := consumers.ClientInfo{Channel: c, ClientID: hb.ClientID, Language: req.Language, Version: int32(req.Version)}
	for _, cd := range hb.ConsumerDataSet {
		if b.cfg.release.HasV5BodyFields() { // consumerGroupHeartbeatTable
			if old, ok := b.hbFingerprints.Swap(cd.GroupName, hb.HeartbeatFingerprint); v2 && ok && old.(int32) != hb.HeartbeatFingerprint {
				subChange = true
			}
		}
		b.noteSubscriptionGroup(cd.GroupName)
		b.store.EnsureTopic(store.RetryTopic(cd.GroupName), 1)
		subs := make([]consumers.Subscription, len(cd.SubscriptionDataSet))
		for i, sd := range cd.SubscriptionDataSet {
			if !store.IsRetryTopic(sd.Topic) {
				b.store.EnsureTopic(sd.Topic, int32(b.cfg.queueNums))
			}
			subs[i] = consumers.Subscription{
				Topic: sd.Topic, SubString: sd.SubString, Tags: sd.TagsSet, Codes: sd.CodeSet,
				SubVersion: sd.SubVersion, ExpressionType: sd.ExpressionType, ClassFilterMode: sd.ClassFilterMode,
			}
		}
		reg := consumers.Registration{
			Group: cd.GroupName, Client: client,
			ConsumeType:      consumers.ConsumeType(cd.ConsumeType),
			MessageModel:     consumers.MessageModel(cd.MessageModel),
			ConsumeFromWhere: consumers.ConsumeFromWhere(cd.ConsumeFromWhere),
			Subscriptions:    subs,
			NotifyEnabled:    true, // no subscription group config: Java's default
		}
		if v2 && hb.WithoutSub {
			b.consumers.RegisterWithoutSub(reg)
		} else {
			b.consumers.Register(reg)
		}
	}
	return subChange
}

// lastHeartbeat keeps a connection's last heartbeat body decoded: a client
// sends the same body every 30 s (and a load generator on every request),
// so most heartbeats need no decoding. Only the handler reads what it
// holds, on the connection's event loop.
type lastHeartbeat struct {
	body   []byte
	data   *protocol.HeartbeatData
	groups []string
}

// maxKeptHeartbeat bounds the body a connection keeps.
const maxKeptHeartbeat = 4 << 10

// get returns the decoded body if body is the one kept, else nil.
func (l *lastHeartbeat) get(body []byte) (*protocol.HeartbeatData, []string) {
	if l.data == nil || !bytes.Equal(body, l.body) {
		return nil, nil
	}
	return l.data, l.groups
}

func (l *lastHeartbeat) set(body []byte, data *protocol.HeartbeatData, groups []string) {
	if len(body) > maxKeptHeartbeat {
		*l = lastHeartbeat{}
		return
	}
	l.body = append(l.body[:0], body...)
	l.data, l.groups = data, groups
}

// unregisterClient (35) removes this connection from the named producer
// and consumer groups (ClientManageProcessor.unregisterClient); the rest
// of a consumer group is notified of the change.
func (b *Broker) unregisterClient(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.UnregisterClientRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	if h.ProducerGroup != "" {
		b.producers.UnregisterProducer(h.ProducerGroup, producers.ClientChannelInfo{
			Channel: c, ClientID: h.ClientID, Language: req.Language, Version: int32(req.Version),
		})
	}
	if h.ConsumerGroup != "" {
		b.consumers.Unregister(h.ConsumerGroup, c, true)
	}
	return emptyHeaderReply(req, protocol.Success, "")
}
