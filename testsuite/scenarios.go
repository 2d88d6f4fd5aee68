package testsuite

import (
	"fmt"
	"regexp"
)

// Scenarios returns the suite's scenarios in the order they run. Names are
// stable: reports and subtests use them.
func Scenarios() []Scenario {
	return []Scenario{
		// Producer registration (scenarios_producers.go).
		{"heartbeat-registers", "a heartbeat registers a producer that 204 lists with the connection's language, version and address", heartbeatRegisters},
		{"producers-and-groups", "several producers in several groups, one heartbeat naming two groups", producersAndGroups},
		{"heartbeat-repeated", "repeated heartbeats on a connection do not duplicate it, and the first fixes client id, language and version", heartbeatRepeated},
		{"unregister-removes", "UNREGISTER_CLIENT removes the connection; the emptied group is gone (code 1)", unregisterRemoves},
		{"unregister-other-connection", "UNREGISTER_CLIENT removes the connection it arrives on, not the client id's", unregisterOtherConnection},
		{"close-removes", "closing the connection removes it; the emptied group is gone (5.x) or stays empty (4.9)", closeRemoves},
		{"unknown-group", "204 for a group never seen: code 1, remark \"the producer group[G] not exist\"", unknownGroup},
		// Remoting layer (scenarios_wire.go).
		{"unknown-request-code", "an unknown request code: code 3, remark \" request type N not supported\"", unknownRequestCode},
		{"json-and-rocketmq-headers", "requests with JSON and ROCKETMQ (binary) headers are both answered", jsonAndRocketMQHeaders},
		{"pipelined-opaques", "pipelined requests are each answered once, with their own opaque", pipelinedOpaques},
		{"oversized-frame-closes", "a length field beyond 16 MiB closes the connection without a reply; others carry on", oversizedFrameCloses},
		{"negative-length-closes", "a negative length field closes the connection without a reply", negativeLengthCloses},
		{"preface-rule", "5.x frames nothing before 12 bytes: 8 bad bytes leave the connection open and silent, 16 close it; 4.9 closes after the 8", prefaceRule},
		{"proxy-protocol-address", "5.x takes a PROXY v2 header's source address as the client's, which 204 lists; 4.9 closes the connection", proxyProtocolAddress},
		// Name server (scenarios_namesrv.go).
		{"route-keys-quoted", "route brokerAddrs keys are quoted for version >= 401 (or acceptStandardJsonOnly) and bare below", routeKeysQuoted},
		{"cluster-info", "106 lists the route's brokers under their clusters, with bare numeric keys", clusterInfo},
		// Topics, subscription groups, broker config (scenarios_topics.go).
		{"topic-create-route-delete", "17 creates a topic with 8 queues: 105, 202 and 21 show it; 215 and 216 delete it and 105 answers 17", topicCreateRouteDelete},
		{"topic-system-refused", "17 and 215 refuse system topics and illegal names with code 1 and TopicValidator's remarks", topicSystemRefused},
		{"subscription-group-create-delete", "200 creates a subscription group that 201 lists with its settings; 207 removes it", subscriptionGroupCreateDelete},
		{"broker-config", "26 answers the broker's properties as key=value lines with a DataVersion header", brokerConfigLines},
		// Time and hooks (scenarios_expiry.go).
		{"expiry-after-timeout", "a producer silent for more than 120 s is dropped and its connection closed", expiryAfterTimeout},
		{"hooks-close-client", "Control.CloseClient closes the client's connection and the broker drops it", hooksCloseClient},
		{"hooks-expire-producer", "Control.ExpireProducer drops the registration and closes the connection", hooksExpireProducer},
		// Consumers (scenarios_consumers.go).
		{"consumer-heartbeat-registers", "a heartbeat with consumerDataSet registers a consumer that 203 lists with its subscriptions and settings", consumerHeartbeatRegisters},
		{"consumer-unknown-group", "203 for a group never seen: code 206 \"the consumer group[G] not online\"; 38: code 1 \"no consumer for this group, G\"", consumerUnknownGroup},
		{"consumer-list-by-group", "GET_CONSUMER_LIST_BY_GROUP (38) lists the group's client ids", consumerListByGroup},
		{"consumer-offsets", "QUERY_CONSUMER_OFFSET (14) before and after a oneway UPDATE_CONSUMER_OFFSET (15), GET_MAX_OFFSET and GET_MIN_OFFSET", consumerOffsets},
		{"consumer-pull-statuses", "PULL_MESSAGE answers FOUND, OFFSET_OVERFLOW_ONE, OFFSET_OVERFLOW_BADLY and NO_MESSAGE_IN_QUEUE with their codes and offsets", consumerPullStatuses},
		{"consumer-long-poll-wakeup", "a pull parked at the end of its queue is answered as soon as a message arrives", consumerLongPollWakeUp},
		{"consumer-consume-stats", "GET_CONSUME_STATS (208) reports every queue's broker and committed offsets", consumerConsumeStats},
		{"consumer-unregister", "UNREGISTER_CLIENT with consumerGroup removes the consumer; the emptied group is not online", consumerUnregister},
		{"consumer-close", "closing a consumer's connection removes it and notifies the rest (NOTIFY_CONSUMER_IDS_CHANGED)", consumerClose},
		{"hooks-close-consumer", "Control.CloseClient closes a consumer's connection and the broker drops it", hooksCloseConsumer},
		{"hooks-expire-consumer", "Control.ExpireConsumer drops the consumer and closes its connection", hooksExpireConsumer},
	}
}

// Select returns the scenarios whose names match the regular expression,
// in order; no match is an error.
func Select(pattern string) ([]Scenario, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("scenario pattern %q: %w", pattern, err)
	}
	var out []Scenario
	for _, sc := range Scenarios() {
		if re.MatchString(sc.Name) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario matches %q", pattern)
	}
	return out, nil
}
