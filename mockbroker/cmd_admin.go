package mockbroker

import (
	"strings"

	"github.com/rocketmock/rocketmock/protocol"
)

// producerConnectionList (204) answers what `mqadmin producerConnection`
// prints (AdminBrokerProcessor.getProducerConnectionList).
func (b *Broker) producerConnectionList(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetProducerConnectionListRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	infos, ok := b.producers.Group(h.ProducerGroup)
	if !ok {
		return protocol.NewResponse(req, protocol.SystemError, "the producer group["+h.ProducerGroup+"] not exist")
	}
	body := protocol.ProducerConnection{ConnectionSet: make([]protocol.Connection, 0, len(infos))}
	for _, in := range infos {
		body.ConnectionSet = append(body.ConnectionSet, protocol.Connection{
			ClientAddr: clientAddr(in.Channel.RemoteAddr()),
			ClientID:   in.ClientID,
			Language:   in.Language,
			Version:    in.Version,
		})
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = body.Marshal()
	return resp
}

// allProducerInfo (328) lists every group with its producers and their
// last heartbeat (AdminBrokerProcessor.getAllProducerInfo).
func (b *Broker) allProducerInfo(c *conn, req *protocol.Command) *protocol.Command {
	table := protocol.ProducerTableInfo{Data: map[string][]protocol.ProducerInfo{}}
	for group, infos := range b.producers.ProducerTable() {
		list := make([]protocol.ProducerInfo, 0, len(infos))
		for _, in := range infos {
			list = append(list, protocol.ProducerInfo{
				ClientID:            in.ClientID,
				RemoteIP:            "/" + clientAddr(in.Channel.RemoteAddr()), // raw SocketAddress.toString()
				Language:            in.Language,
				Version:             in.Version,
				LastUpdateTimestamp: in.LastUpdate.UnixMilli(),
			})
		}
		table.Data[group] = list
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = table.Marshal()
	return resp
}

// clientAddr is RemotingHelper.parseChannelRemoteAddr: everything up to
// the last '/' removed.
func clientAddr(addr string) string {
	if i := strings.LastIndexByte(addr, '/'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}
