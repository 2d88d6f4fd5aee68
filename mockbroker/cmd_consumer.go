package mockbroker

import (
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerConsumerCodes registers the consumer-group codes a consumer
// itself sends, other than pulls and offsets.
func (b *Broker) registerConsumerCodes(m *remoting.Mux) {
	m.Handle(protocol.GetConsumerListByGroup, handle(b.consumerListByGroup))
}

// consumerListByGroup answers GET_CONSUMER_LIST_BY_GROUP (38) with the
// client ids of the group (ConsumerManageProcessor.getConsumerListByGroup).
// An unknown or empty group gets SYSTEM_ERROR "no consumer for this group,
// <group>" without a body: the Java client then fails its rebalance, the Go
// client finds no ids.
func (b *Broker) consumerListByGroup(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetConsumerListByGroupRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	ids := b.consumers.ClientIDs(h.ConsumerGroup)
	if len(ids) == 0 {
		return emptyHeaderReply(req, protocol.SystemError, "no consumer for this group, "+h.ConsumerGroup)
	}
	resp := emptyHeaderReply(req, protocol.Success, "")
	resp.Body = (&protocol.GetConsumerListByGroupResponseBody{ConsumerIDList: ids}).Marshal()
	return resp
}
