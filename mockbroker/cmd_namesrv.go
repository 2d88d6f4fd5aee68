package mockbroker

import (
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerNamesrvCodes registers the name server's codes.
func (b *Broker) registerNamesrvCodes(m *remoting.Mux) {
	m.Handle(protocol.GetRouteInfoByTopic, handle(b.routeInfoByTopic))
	m.Handle(protocol.GetBrokerClusterInfo, handle(b.brokerClusterInfo))
}

// TBW102 is the topic whose route producers use for topics that do not
// exist yet (TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC).
const autoCreateTopic = "TBW102"

// Queue permissions (PermName).
const (
	permInherit = 1
	permWrite   = 2
	permRead    = 4
)

// routeInfoByTopic (105) routes every topic to this broker, except those a
// test made missing (DefaultRequestProcessor/ClientRequestProcessor).
func (b *Broker) routeInfoByTopic(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetRouteInfoRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	if b.cfg.missing[h.Topic] {
		return protocol.NewResponse(req, protocol.TopicNotExist,
			"No topic route info in name server for the topic: "+h.Topic+"\nSee "+b.cfg.release.FAQURL()+" for further details.")
	}
	route := b.topicRoute(h.Topic)
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = route.MarshalAs(b.cfg.release, protocol.RouteKeysQuoted(req))
	return resp
}

// topicRoute builds the route of a topic over every broker of the mock.
func (b *Broker) topicRoute(topic string) *protocol.TopicRouteData {
	perm := permRead | permWrite
	if topic == autoCreateTopic {
		perm |= permInherit
	}
	read, write := int32(b.cfg.queueNums), int32(b.cfg.queueNums)
	if t, ok := b.store.Topic(topic); ok {
		read, write, perm = t.ReadQueueNums, t.WriteQueueNums, int(t.Perm)
	} else if store.IsRetryTopic(topic) || store.IsDLQTopic(topic) {
		// 1 queue, as the first heartbeat (or dead letter) creates it. A
		// real name server knows no route before that; the Go consumer
		// asks for it at Start, just before its first heartbeat.
		read, write = 1, 1
	}
	route := &protocol.TopicRouteData{}
	for _, br := range b.routes() {
		route.QueueDatas = append(route.QueueDatas, protocol.QueueData{
			BrokerName: br.name, Perm: int32(perm),
			ReadQueueNums: read, WriteQueueNums: write,
		})
		route.BrokerDatas = append(route.BrokerDatas, b.brokerData(br))
	}
	return route
}

func (b *Broker) brokerData(br brokerRoute) protocol.BrokerData {
	return protocol.BrokerData{Cluster: br.cluster, BrokerName: br.name, BrokerAddrs: br.addrs}
}

// brokerClusterInfo (106) describes the mock's cluster.
func (b *Broker) brokerClusterInfo(c *conn, req *protocol.Command) *protocol.Command {
	info := protocol.ClusterInfo{
		BrokerAddrTable:  map[string]protocol.BrokerData{},
		ClusterAddrTable: map[string][]string{},
	}
	for _, br := range b.routes() {
		info.BrokerAddrTable[br.name] = b.brokerData(br)
		info.ClusterAddrTable[br.cluster] = append(info.ClusterAddrTable[br.cluster], br.name)
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = info.MarshalAs(b.cfg.release)
	return resp
}
