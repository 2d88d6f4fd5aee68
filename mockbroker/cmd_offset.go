package mockbroker

import (
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerOffsetCodes registers the consumer-offset and queue-offset codes.
func (b *Broker) registerOffsetCodes(m *remoting.Mux) {
	m.Handle(protocol.QueryConsumerOffset, handle(b.queryConsumerOffset))
	m.Handle(protocol.UpdateConsumerOffset, handle(b.updateConsumerOffset))
	m.Handle(protocol.GetMaxOffset, handle(b.maxOffset))
	m.Handle(protocol.GetMinOffset, handle(b.minOffset))
	m.Handle(protocol.SearchOffsetByTimestamp, handle(b.searchOffset))
}

// offsetReply answers with an OffsetResponseHeader.
func offsetReply(req *protocol.Command, offset int64) *protocol.Command {
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.ExtFields = (&protocol.OffsetResponseHeader{Offset: offset}).Encode()
	return resp
}

// queryConsumerOffset answers QUERY_CONSUMER_OFFSET (14): the committed
// offset, or with none the release's rule (store.QueryConsumerOffset):
// 4.9.8 answers 0 for a queue whose first message is still held, 5.x
// only when setZeroIfNotFound is absent or true; else QUERY_NOT_FOUND.
func (b *Broker) queryConsumerOffset(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.QueryConsumerOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	var zero *bool
	if b.cfg.release != protocol.Release498 {
		zero = h.SetZeroIfNotFound
	}
	a := b.store.QueryConsumerOffset(h.ConsumerGroup, h.Topic, h.QueueID, zero)
	if a.Code != protocol.Success {
		return emptyHeaderReply(req, a.Code, a.Remark) // the header's offset is null
	}
	return offsetReply(req, a.Offset)
}

// updateConsumerOffset stores UPDATE_CONSUMER_OFFSET (15). Clients send it
// oneway, so the reply is not written; a two-way request gets SUCCESS.
// 5.x first refuses an unknown subscription group or topic, and ignores
// the commit while a broker-side reset of the queue is pending.
func (b *Broker) updateConsumerOffset(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.UpdateConsumerOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	if b.cfg.release != protocol.Release498 {
		if !b.subscriptionGroupKnown(h.ConsumerGroup) {
			return emptyHeaderReply(req, protocol.SubscriptionGroupNotExist, "Group "+h.ConsumerGroup+" not exist!")
		}
		if _, ok := b.store.Topic(h.Topic); !ok {
			return emptyHeaderReply(req, protocol.TopicNotExist, "Topic "+h.Topic+" not exist!")
		}
	}
	if !b.store.CommitOffset(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset) {
		return emptyHeaderReply(req, protocol.Success, "Offset has been previously reset")
	}
	return emptyHeaderReply(req, protocol.Success, "")
}

// maxOffset answers GET_MAX_OFFSET (30): the queue offset the next message
// will get.
func (b *Broker) maxOffset(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetMaxOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	return offsetReply(req, b.store.MaxOffset(h.Topic, h.QueueID))
}

// minOffset answers GET_MIN_OFFSET (31): the first queue offset still held.
func (b *Broker) minOffset(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetMinOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	return offsetReply(req, b.store.MinOffset(h.Topic, h.QueueID))
}

// searchOffset answers SEARCH_OFFSET_BY_TIMESTAMP (29) with the release's
// search over the queue's store times (5.x: the boundaryType, lower by
// default).
func (b *Broker) searchOffset(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.SearchOffsetRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	bt := store.BoundaryLower
	if h.IsUpper() {
		bt = store.BoundaryUpper
	}
	return offsetReply(req, b.store.SearchOffset(h.Topic, h.QueueID, h.Timestamp, bt))
}
