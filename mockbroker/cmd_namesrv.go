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

// routeInfoByTopic (105) routes the topics the broker has (created,
// stored, system) with their queue counts and perms; with
// autoCreateTopicEnable (the default) the mock also routes every other
// topic, as the broker would create it on first send, except those a test
// made missing or deleted (DefaultRequestProcessor/ClientRequestProcessor).
func (b *Broker) routeInfoByTopic(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetRouteInfoRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	route, ok := b.topicRoute(h.Topic)
	if !ok {
		return protocol.NewResponse(req, protocol.TopicNotExist,
			"No topic route info in name server for the topic: "+h.Topic+"\nSee "+b.cfg.release.FAQURL()+" for further details.")
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = route.MarshalAs(b.cfg.release, protocol.RouteKeysQuoted(req))
	return resp
}

// topicRoute builds the route of a topic over every broker of the mock,
// or reports that the name server has none.
func (b *Broker) topicRoute(topic string) (*protocol.TopicRouteData, bool) {
	if b.cfg.missing[topic] {
		return nil, false
	}
	perm := int32(permRead | permWrite)
	read, write := int32(b.cfg.queueNums), int32(b.cfg.queueNums)
	if t, ok := b.findTopic(topic); ok {
		read, write, perm = t.ReadQueueNums, t.WriteQueueNums, t.Perm
	} else if b.store.Deleted(topic) || !b.autoCreateTopic() {
		return nil, false
	} else if store.IsRetryTopic(topic) || store.IsDLQTopic(topic) {
		// 1 queue, as the first heartbeat (or dead letter) creates it. A
		// real name server knows no route before that; the Go consumer
		// asks for it at Start, just before its first heartbeat.
		read, write = 1, 1
	}
	// registerBrokerAll sends every topic with perm & brokerPermission
	// when the broker is not fully writable/readable.
	if bp := b.brokerPermission(); !permIsFull(bp) {
		perm &= bp
	}
	route := &protocol.TopicRouteData{}
	for _, br := range b.routes() {
		route.QueueDatas = append(route.QueueDatas, protocol.QueueData{
			BrokerName: br.name, Perm: perm,
			ReadQueueNums: read, WriteQueueNums: write,
		})
		route.BrokerDatas = append(route.BrokerDatas, b.brokerData(br))
	}
	return route, true
}

// permIsFull is !PermName.isWriteable || !isReadable negated.
func permIsFull(perm int32) bool { return perm&permRead != 0 && perm&permWrite != 0 }

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
