package mockbroker

import "github.com/rocketmock/rocketmock/protocol"

// handlerTable maps each request code the mock serves to its handler.
// Codes absent here get REQUEST_CODE_NOT_SUPPORTED, as on a real broker.
func (b *Broker) handlerTable() map[protocol.RequestCode]handlerFunc {
	return map[protocol.RequestCode]handlerFunc{
		// cmd_client.go
		protocol.HeartBeat:        b.heartbeat,
		protocol.UnregisterClient: b.unregisterClient,
		// cmd_admin.go
		protocol.GetProducerConnectionList: b.producerConnectionList,
		protocol.GetAllProducerInfo:        b.allProducerInfo,
		protocol.GetBrokerRuntimeInfo:      b.brokerRuntimeInfo,
		// cmd_namesrv.go
		protocol.GetRouteInfoByTopic:  b.routeInfoByTopic,
		protocol.GetBrokerClusterInfo: b.brokerClusterInfo,
		// cmd_send.go
		protocol.SendMessage:      b.sendMessage,
		protocol.SendMessageV2:    b.sendMessage,
		protocol.SendBatchMessage: b.sendMessage,
		// cmd_transaction.go
		protocol.EndTransaction: b.endTransaction,
	}
}
