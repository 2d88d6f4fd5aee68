package mockbroker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerPullCodes registers PULL_MESSAGE.
func (b *Broker) registerPullCodes(m *remoting.Mux) {
	m.Handle(protocol.PullMessage, handle(b.pullMessage))
}

// pullMessage answers PULL_MESSAGE (11) as PullMessageProcessor does on a
// master. A pull that finds nothing new at the end of its queue with the
// suspend bit is parked (long polling, pullhold.go): nothing is written
// now, and the answer goes out by opaque when a message arrives for the
// queue or the suspend timeout passes, so later replies on the connection
// are not held up.
func (b *Broker) pullMessage(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.PullMessageRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	resp, held, rec := b.pull(c, req, &h, true)
	if held != nil {
		c.req.outcome = OutcomeParked
		if !b.holds.park(b, held) {
			b.releaseHeld([]*heldPull{held})
		}
		return nil
	}
	c.req.messages = rec.Messages
	rec.Time = c.req.at
	b.holds.log.add(rec)
	return resp
}

// pull runs one pass of PullMessageProcessor.processRequest. With
// allowSuspend (the first pass) a PULL_NOT_FOUND with the suspend bit
// returns the request to park instead of a reply, and the request's commit
// offset is stored; a woken request runs again without either. The record
// says what the reply holds (its Time is the caller's to set).
func (b *Broker) pull(c *conn, req *protocol.Command, h *protocol.PullMessageRequestHeader, allowSuspend bool) (*protocol.Command, *heldPull, PullRecord) {
	rec := PullRecord{Conn: c.info(), Opaque: req.Opaque, Group: h.ConsumerGroup, Topic: h.Topic, QueueID: h.QueueID,
		Offset: h.QueueOffset, MaxMsgNums: h.MaxMsgNums}
	fail := func(code protocol.ResponseCode, remark string) (*protocol.Command, *heldPull, PullRecord) {
		rec.Code, rec.Status = code, remark
		return emptyHeaderReply(req, code, remark), nil, rec // the response header's fields are null
	}
	// The subscription group is auto-created unless autoCreateSubscriptionGroup
	// is off (UPDATE_BROKER_CONFIG); consumeEnable=false refuses pulls.
	g, ok := b.subscriptionGroup(h.ConsumerGroup) // cmd_subgroup.go
	if !ok {
		return fail(protocol.SubscriptionGroupNotExist, fmt.Sprintf("subscription group [%s] does not exist, \nSee %s for further details.", h.ConsumerGroup, b.cfg.release.FAQURL()))
	}
	if !g.ConsumeEnable {
		return fail(protocol.NoPermission, "subscription group no permission, "+h.ConsumerGroup)
	}
	topic, ok := b.store.Topic(h.Topic)
	if !ok {
		return fail(protocol.TopicNotExist, fmt.Sprintf("topic[%s] not exist, apply first please! \nSee %s for further details.", h.Topic, b.cfg.release.FAQURL()))
	}
	if topic.Perm&store.PermRead == 0 {
		return fail(protocol.NoPermission, "the topic["+h.Topic+"] pulling message is forbidden")
	}
	if h.QueueID < 0 || h.QueueID >= topic.ReadQueueNums {
		// SYSTEM_ERROR on 4.9.8, INVALID_PARAMETER on 5.x.
		return fail(b.cfg.release.IllegalQueueIDCode(), fmt.Sprintf("queueId[%d] is illegal, topic:[%s] topicConfig.readQueueNums:[%d] consumer:[%s]",
			h.QueueID, h.Topic, topic.ReadQueueNums, "/"+clientAddr(c.addr)))
	}
	var sub consumers.Subscription
	if h.SysFlag.HasSubscription() {
		sub = buildSubscription(h.Topic, h.Subscription, h.ExpressionType, h.SubVersion)
	} else {
		if _, ok := b.consumers.Group(h.ConsumerGroup); !ok {
			return fail(protocol.SubscriptionNotExist, "the consumer's group info not exist\nSee "+b.cfg.release.FAQURL()+" for further details.")
		}
		s, ok := b.consumers.FindSubscription(h.ConsumerGroup, h.Topic, false)
		if !ok {
			return fail(protocol.SubscriptionNotExist, "the consumer's subscription not exist\nSee "+b.cfg.release.FAQURL()+" for further details.")
		}
		if s.SubVersion < h.SubVersion {
			return fail(protocol.SubscriptionNotLatest, "the consumer's subscription not latest")
		}
		sub = s
	}
	if sub.ExpressionType != "" && !strings.EqualFold(sub.ExpressionType, protocol.ExpressionTypeTag) {
		// enablePropertyFilter is false by default.
		return fail(protocol.SystemError, "The broker does not support consumer to filter message by "+sub.ExpressionType)
	}
	match := tagFilter(sub)

	var res store.GetResult
	reset, isReset := int64(0), false
	if b.cfg.release != protocol.Release498 {
		reset, isReset = b.store.TakeReset(h.ConsumerGroup, h.Topic, h.QueueID)
	}
	if isReset {
		res = store.GetResult{Status: store.OffsetReset, NextBeginOffset: reset,
			MinOffset: b.store.MinOffset(h.Topic, h.QueueID), MaxOffset: b.store.MaxOffset(h.Topic, h.QueueID)}
	} else {
		res = b.store.GetMessage(store.GetRequest{
			Group: h.ConsumerGroup, Topic: h.Topic, QueueID: h.QueueID, Offset: h.QueueOffset,
			MaxMsgNums: h.MaxMsgNums, MatchTagsCode: match,
		})
	}
	code := store.PullCode(res.Status, h.QueueOffset)
	resp := protocol.NewResponse(req, code, res.Status.String())
	rh := protocol.PullMessageResponseHeader{NextBeginOffset: res.NextBeginOffset, MinOffset: res.MinOffset, MaxOffset: res.MaxOffset}
	if b.cfg.release.PullReplyHasSysFlags() {
		var zero int32
		rh.TopicSysFlag, rh.GroupSysFlag = &zero, &zero
	}
	resp.ExtFields = rh.Encode()
	rec.Code, rec.Status = code, resp.Remark
	rec.NextBeginOffset, rec.MinOffset, rec.MaxOffset = res.NextBeginOffset, res.MinOffset, res.MaxOffset
	var held *heldPull
	switch {
	case code == protocol.Success:
		body := make([]byte, 0, res.BufferTotalSize)
		for i := range res.Messages {
			var err error
			if body, err = protocol.AppendMessageExt(body, &res.Messages[i].MessageExt); err != nil {
				return fail(protocol.SystemError, "encoding the pulled messages: "+err.Error())
			}
		}
		resp.Body = body
		rec.Messages = len(res.Messages)
	case code == protocol.PullNotFound && allowSuspend && h.SysFlag.HasSuspend():
		held = &heldPull{c: c, req: req, h: *h, match: match, timeout: h.SuspendTimeoutMillis}
	}
	if allowSuspend && h.SysFlag.HasCommitOffset() {
		b.store.CommitOffset(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset)
	}
	return resp, held, rec
}

// buildSubscription is FilterAPI.build: the tags of "a || b" and their
// hash codes; "*" or "" subscribe to everything.
func buildSubscription(topic, subString, expressionType string, subVersion int64) consumers.Subscription {
	sub := consumers.Subscription{Topic: topic, SubString: subString, SubVersion: subVersion, ExpressionType: expressionType}
	if expressionType != "" && !strings.EqualFold(expressionType, protocol.ExpressionTypeTag) {
		return sub
	}
	if subString == "" || subString == "*" {
		sub.SubString = "*"
		return sub
	}
	for t := range strings.SplitSeq(subString, "||") {
		if t = strings.TrimSpace(t); t != "" {
			sub.Tags = append(sub.Tags, t)
			sub.Codes = append(sub.Codes, protocol.JavaStringHash(t))
		}
	}
	return sub
}

// tagFilter is ExpressionMessageFilter.isMatchedByConsumeQueue for a TAG
// subscription: nil (everything) for "*" and class filter mode, else the
// tags code must be one of the subscription's codes.
func tagFilter(sub consumers.Subscription) func(int64) bool {
	if sub.ClassFilterMode || sub.SubString == "" || sub.SubString == "*" {
		return nil
	}
	codes := slices.Clone(sub.Codes)
	return func(tagsCode int64) bool { return slices.Contains(codes, int32(tagsCode)) }
}
