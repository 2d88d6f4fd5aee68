package mockbroker

import (
	"github.com/rocketmock/rocketmock/protocol"
)

// heartbeat (34) registers every producer group of the heartbeat on this
// connection (ClientManageProcessor.heartBeat). Language and version come
// from the command header, the client id from the body.
func (b *Broker) heartbeat(c *conn, req *protocol.Command) *protocol.Command {
	if len(req.Body) == 0 {
		return errorReply(req, errMissingBody("HEART_BEAT", "HeartbeatData"))
	}
	hb, err := protocol.DecodeHeartbeatData(req.Body)
	if err != nil {
		return errorReply(req, err)
	}
	if hb.ClientID == "" {
		return errorReply(req, &protocol.MissingFieldError{Header: "HeartbeatData", Field: "clientID"})
	}
	c.setClientID(hb.ClientID) // for interceptors and records (ConnInfo.ClientID)
	groups := make([]string, 0, len(hb.ProducerDataSet))
	for _, p := range hb.ProducerDataSet {
		groups = append(groups, p.GroupName)
	}
	if len(groups) > 0 {
		b.producers.RegisterProducers(groups, ClientChannelInfo{
			Channel:  c,
			ClientID: hb.ClientID,
			Language: req.Language,
			Version:  req.Version,
		})
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	if b.cfg.compat != Compat49 {
		resp.ExtFields = b.hbReplyExt
	}
	return resp
}

// unregisterClient (35) removes this connection from the named producer
// group (ClientManageProcessor.unregisterClient). Consumer groups are
// accepted and ignored: the mock keeps no consumers.
func (b *Broker) unregisterClient(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.UnregisterClientRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	if h.ProducerGroup != "" {
		b.producers.UnregisterProducer(h.ProducerGroup, ClientChannelInfo{
			Channel: c, ClientID: h.ClientID, Language: req.Language, Version: req.Version,
		})
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.ExtFields = map[string]string{} // built from an empty response header: "extFields":{}
	return resp
}
