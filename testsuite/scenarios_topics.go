package testsuite

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rocketmock/rocketmock/protocol"
)

// Topic, subscription-group and broker-config scenarios: what
// UPDATE_AND_CREATE_TOPIC (17), GET_ROUTEINFO_BY_TOPIC (105),
// GET_TOPIC_STATS_INFO (202), GET_ALL_TOPIC_CONFIG (21),
// DELETE_TOPIC_IN_BROKER/_IN_NAMESRV (215/216),
// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), GET_ALL_SUBSCRIPTIONGROUP_CONFIG
// (201), DELETE_SUBSCRIPTIONGROUP (207) and GET_BROKER_CONFIG (26) answer
// on a 4.9.8 or 5.x broker and name server (AdminBrokerProcessor,
// DefaultRequestProcessor). Each scenario uses its own topic or group.

// createTopicRequest is UPDATE_AND_CREATE_TOPIC as mqadmin updateTopic
// sends it.
func createTopicRequest(topic string, read, write, perm int) *protocol.Command {
	return protocol.NewRequest(protocol.UpdateAndCreateTopic, map[string]string{"topic": topic, "defaultTopic": "TBW102",
		"readQueueNums": fmt.Sprint(read), "writeQueueNums": fmt.Sprint(write), "perm": fmt.Sprint(perm),
		"topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false"}, nil)
}

func topicCreateRouteDelete(t T, s *session) {
	br, ns := s.dialBroker(t), s.dialNamesrv(t)
	topic := s.topic(t)
	s.expectHeader(t, "17 "+topic, s.call(t, br, createTopicRequest(topic, 8, 8, 6)), wantReply(protocol.Success, ""))

	route := func() *protocol.Command {
		h := protocol.GetRouteInfoRequestHeader{Topic: topic}
		return s.call(t, ns, protocol.NewRequest(protocol.GetRouteInfoByTopic, h.Encode(), nil))
	}
	resp := route()
	if resp.ResponseCode() != protocol.Success {
		t.Fatalf("105 for %s after creating it: code %d %q", topic, resp.Code, resp.Remark)
	}
	rd, err := protocol.DecodeTopicRouteData(resp.Body)
	if err != nil {
		t.Fatalf("105 for %s: %v", topic, err)
	}
	for _, q := range rd.QueueDatas {
		if q.ReadQueueNums != 8 || q.WriteQueueNums != 8 || q.Perm != 6 {
			t.Errorf("105 for %s: queue data %+v, want 8 read and 8 write queues, perm 6", topic, q)
		}
	}

	resp = s.call(t, br, protocol.NewRequest(protocol.GetTopicStatsInfo, map[string]string{"topic": topic}, nil))
	s.expectHeader(t, "202 "+topic, resp, wantReply(protocol.Success, ""))
	if st, err := protocol.DecodeTopicStatsTable(resp.Body); err != nil {
		t.Errorf("202 for %s: %v", topic, err)
	} else if len(st.OffsetTable) != 8 {
		t.Errorf("202 for %s: %d queues, want 8: %+v", topic, len(st.OffsetTable), st.OffsetTable)
	}

	resp = s.call(t, br, protocol.NewRequest(protocol.GetAllTopicConfig, nil, nil))
	s.expectHeader(t, "21", resp, wantReply(protocol.Success, ""))
	var all struct {
		TopicConfigTable map[string]struct {
			TopicName      string `json:"topicName"`
			ReadQueueNums  int    `json:"readQueueNums"`
			WriteQueueNums int    `json:"writeQueueNums"`
			Perm           int    `json:"perm"`
		} `json:"topicConfigTable"`
	}
	if err := json.Unmarshal(resp.Body, &all); err != nil {
		t.Errorf("21: %v", err)
	} else {
		if c := all.TopicConfigTable[topic]; c.TopicName != topic || c.ReadQueueNums != 8 || c.Perm != 6 {
			t.Errorf("21: %s is %+v, want 8 queues, perm 6", topic, c)
		}
		if _, ok := all.TopicConfigTable["SCHEDULE_TOPIC_XXXX"]; !ok {
			t.Errorf("21: no SCHEDULE_TOPIC_XXXX, which every broker has")
		}
	}

	s.expectHeader(t, "215 "+topic, s.call(t, br, protocol.NewRequest(protocol.DeleteTopicInBroker, map[string]string{"topic": topic}, nil)), wantReply(protocol.Success, ""))
	s.expectHeader(t, "216 "+topic, s.call(t, ns, protocol.NewRequest(protocol.DeleteTopicInNamesrv, map[string]string{"topic": topic}, nil)), wantReply(protocol.Success, ""))
	resp = route()
	if resp.ResponseCode() != protocol.TopicNotExist || !strings.HasPrefix(resp.Remark, "No topic route info in name server for the topic: "+topic) {
		t.Errorf("105 for %s after deleting it: code %d %q, want 17 \"No topic route info in name server for the topic: %s...\"", topic, resp.Code, resp.Remark, topic)
	}
}

func topicSystemRefused(t T, s *session) {
	br := s.dialBroker(t)
	s.expectHeader(t, "17 SCHEDULE_TOPIC_XXXX", s.call(t, br, createTopicRequest("SCHEDULE_TOPIC_XXXX", 1, 1, 6)),
		wantReply(protocol.SystemError, "The topic[SCHEDULE_TOPIC_XXXX] is conflict with system topic."))
	s.expectHeader(t, "17 with a space", s.call(t, br, createTopicRequest("a b", 1, 1, 6)),
		wantReply(protocol.SystemError, "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"))
	s.expectHeader(t, "215 TBW102", s.call(t, br, protocol.NewRequest(protocol.DeleteTopicInBroker, map[string]string{"topic": "TBW102"}, nil)),
		wantReply(protocol.SystemError, "The topic[TBW102] is conflict with system topic."))
}

// subscriptionGroupTable decodes a 201 reply's groups.
func subscriptionGroupTable(t T, resp *protocol.Command) map[string]map[string]any {
	t.Helper()
	var w struct {
		SubscriptionGroupTable map[string]map[string]any `json:"subscriptionGroupTable"`
	}
	if err := json.Unmarshal(resp.Body, &w); err != nil {
		t.Fatalf("201: %v: %s", err, resp.Body)
	}
	return w.SubscriptionGroupTable
}

func subscriptionGroupCreateDelete(t T, s *session) {
	br := s.dialBroker(t)
	group := s.group(t)
	body := fmt.Sprintf(`{"groupName":%q,"consumeEnable":false,"consumeFromMinEnable":false,"consumeBroadcastEnable":false,"retryQueueNums":1,"retryMaxTimes":3,"brokerId":0,"whichBrokerWhenConsumeSlowly":1,"notifyConsumerIdsChangedEnable":true}`, group)
	s.expectHeader(t, "200 "+group, s.call(t, br, protocol.NewRequest(protocol.UpdateAndCreateSubscription, nil, []byte(body))), wantReply(protocol.Success, ""))
	resp := s.call(t, br, protocol.NewRequest(protocol.GetAllSubscriptionGroupConfig, nil, nil))
	s.expectHeader(t, "201", resp, wantReply(protocol.Success, ""))
	table := subscriptionGroupTable(t, resp)
	g, ok := table[group]
	if !ok || g["consumeEnable"] != false || g["retryMaxTimes"] != float64(3) {
		t.Errorf("201: %s is %v (listed %v), want consumeEnable false, retryMaxTimes 3", group, g, ok)
	}
	if _, ok := table["TOOLS_CONSUMER"]; !ok {
		t.Errorf("201: no TOOLS_CONSUMER, which every broker has")
	}
	s.expectHeader(t, "207 "+group, s.call(t, br, protocol.NewRequest(protocol.DeleteSubscriptionGroup,
		map[string]string{"groupName": group, "removeOffset": "true"}, nil)), wantReply(protocol.Success, ""))
	resp = s.call(t, br, protocol.NewRequest(protocol.GetAllSubscriptionGroupConfig, nil, nil))
	if _, ok := subscriptionGroupTable(t, resp)[group]; ok {
		t.Errorf("201 after 207: %s still listed", group)
	}
}

func brokerConfigLines(t T, s *session) {
	resp := s.call(t, s.dialBroker(t), protocol.NewRequest(protocol.GetBrokerConfig, nil, nil))
	if resp.ResponseCode() != protocol.Success {
		t.Fatalf("26: code %d %q, want 0", resp.Code, resp.Remark)
	}
	props := map[string]string{}
	for _, line := range strings.Split(string(resp.Body), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			props[k] = v
		}
	}
	for _, k := range []string{"brokerName", "brokerClusterName", "autoCreateTopicEnable", "brokerPermission", "autoCreateSubscriptionGroup"} {
		if _, ok := props[k]; !ok {
			t.Errorf("26: no %s= line in %q", k, resp.Body)
		}
	}
	if v := resp.ExtFields["version"]; !strings.Contains(v, `"counter":`) {
		t.Errorf("26: header version %q, want the config's DataVersion JSON", v)
	}
}
