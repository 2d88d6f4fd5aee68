package controlapi

import (
	"fmt"
	"net/http"

	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// Topic is a topic's config (TopicConfig).
type Topic struct {
	Name            string `json:"name"`
	ReadQueueNums   int32  `json:"readQueueNums"`
	WriteQueueNums  int32  `json:"writeQueueNums"`
	Perm            int32  `json:"perm"`
	TopicFilterType string `json:"topicFilterType"`
	TopicSysFlag    int32  `json:"topicSysFlag"`
	Order           bool   `json:"order"`
}

// TopicList is GET /v1/topics.
type TopicList struct {
	Topics []Topic `json:"topics"`
}

// TopicDeleted is DELETE /v1/topics/{topic}: whether it existed.
type TopicDeleted struct {
	Topic   string `json:"topic"`
	Existed bool   `json:"existed"`
}

// SubscriptionGroup is a subscription group's config
// (SubscriptionGroupConfig).
type SubscriptionGroup struct {
	GroupName                      string `json:"groupName"`
	ConsumeEnable                  bool   `json:"consumeEnable"`
	ConsumeFromMinEnable           bool   `json:"consumeFromMinEnable"`
	ConsumeBroadcastEnable         bool   `json:"consumeBroadcastEnable"`
	ConsumeMessageOrderly          bool   `json:"consumeMessageOrderly"`
	RetryQueueNums                 int32  `json:"retryQueueNums"`
	RetryMaxTimes                  int32  `json:"retryMaxTimes"`
	BrokerID                       int64  `json:"brokerId"`
	WhichBrokerWhenConsumeSlowly   int64  `json:"whichBrokerWhenConsumeSlowly"`
	NotifyConsumerIDsChangedEnable bool   `json:"notifyConsumerIdsChangedEnable"`
}

// SubscriptionGroupList is GET /v1/subscription-groups.
type SubscriptionGroupList struct {
	Groups []SubscriptionGroup `json:"groups"`
}

// SubscriptionGroupDeleted is DELETE /v1/subscription-groups/{group}.
type SubscriptionGroupDeleted struct {
	GroupName string `json:"groupName"`
	Existed   bool   `json:"existed"`
}

// topicRequest is the body of PUT /v1/topics/{topic}; every field is
// optional.
type topicRequest struct {
	ReadQueueNums   int32  `json:"readQueueNums,omitempty"`
	WriteQueueNums  int32  `json:"writeQueueNums,omitempty"`
	Perm            int32  `json:"perm,omitempty"`
	TopicFilterType string `json:"topicFilterType,omitempty"`
	TopicSysFlag    int32  `json:"topicSysFlag,omitempty"`
	Order           bool   `json:"order,omitempty"`
}

// topicRoutes are the topic and subscription-group endpoints.
func (h *Handler) topicRoutes() []route {
	return []route{
		{"GET /v1/topics", h.topics},
		{"PUT /v1/topics/{topic}", h.putTopic},
		{"DELETE /v1/topics/{topic}", h.deleteTopic},
		{"GET /v1/subscription-groups", h.subscriptionGroups},
		{"PUT /v1/subscription-groups/{group}", h.putSubscriptionGroup},
		{"DELETE /v1/subscription-groups/{group}", h.deleteSubscriptionGroup},
	}
}

func topicOf(t mockbroker.TopicConfig) Topic {
	return Topic{t.Name, t.ReadQueueNums, t.WriteQueueNums, t.Perm, t.TopicFilterType, t.TopicSysFlag, t.Order}
}

func subscriptionGroupOf(g mockbroker.GroupConfig) SubscriptionGroup {
	return SubscriptionGroup{g.GroupName, g.ConsumeEnable, g.ConsumeFromMinEnable, g.ConsumeBroadcastEnable,
		g.ConsumeMessageOrderly, g.RetryQueueNums, g.RetryMaxTimes, g.BrokerID, g.WhichBrokerWhenConsumeSlowly,
		g.NotifyConsumerIDsChangedEnable}
}

// topics lists the topic config table, system topics included.
func (h *Handler) topics(r *http.Request) (int, any, error) {
	out := TopicList{Topics: []Topic{}}
	for _, t := range h.b.Topics() {
		out.Topics = append(out.Topics, topicOf(t))
	}
	return http.StatusOK, out, nil
}

// putTopic creates or updates a topic: {"readQueueNums":8,"writeQueueNums":8,"perm":6};
// every field is optional (the broker's queue count, perm 6).
func (h *Handler) putTopic(r *http.Request) (int, any, error) {
	const example = `{"readQueueNums":8,"writeQueueNums":8,"perm":6}`
	var req topicRequest
	if err := decodeBody(r, &req, false, example); err != nil {
		return 0, nil, err
	}
	name := r.PathValue("topic")
	if req.TopicFilterType != "" && req.TopicFilterType != "SINGLE_TAG" && req.TopicFilterType != "MULTI_TAG" {
		return 0, nil, requestErr(http.StatusBadRequest, "topicFilterType %q: want SINGLE_TAG or MULTI_TAG", logsink.Truncate(req.TopicFilterType, maxEchoed))
	}
	if err := h.b.CreateTopic(mockbroker.TopicConfig{Name: name, ReadQueueNums: req.ReadQueueNums, WriteQueueNums: req.WriteQueueNums,
		Perm: req.Perm, TopicFilterType: req.TopicFilterType, TopicSysFlag: req.TopicSysFlag, Order: req.Order}); err != nil {
		return 0, nil, err
	}
	t, _ := h.b.Topic(name)
	return http.StatusOK, topicOf(t), nil
}

// deleteTopic deletes a topic as 215 and 216 do.
func (h *Handler) deleteTopic(r *http.Request) (int, any, error) {
	name := r.PathValue("topic")
	return http.StatusOK, TopicDeleted{name, h.b.DeleteTopic(name)}, nil
}

// subscriptionGroups lists the subscription groups, system ones included.
func (h *Handler) subscriptionGroups(r *http.Request) (int, any, error) {
	out := SubscriptionGroupList{Groups: []SubscriptionGroup{}}
	for _, g := range h.b.SubscriptionGroups() {
		out.Groups = append(out.Groups, subscriptionGroupOf(g))
	}
	return http.StatusOK, out, nil
}

// putSubscriptionGroup creates or replaces a group's config; the fields
// left out keep SubscriptionGroupConfig's defaults.
func (h *Handler) putSubscriptionGroup(r *http.Request) (int, any, error) {
	const example = `{"consumeEnable":false,"retryMaxTimes":3}`
	var req mockbroker.FixtureSubscriptionGroup
	if err := decodeBody(r, &req, false, example); err != nil {
		return 0, nil, err
	}
	group := r.PathValue("group")
	if req.GroupName != "" && req.GroupName != group {
		return 0, nil, requestErr(http.StatusBadRequest, "groupName %q differs from the path's %q", logsink.Truncate(req.GroupName, maxEchoed), logsink.Truncate(group, maxEchoed))
	}
	req.GroupName = group
	if err := h.b.CreateGroup(req.Config()); err != nil {
		return 0, nil, err
	}
	g, ok := h.b.SubscriptionGroup(group)
	if !ok {
		return 0, nil, fmt.Errorf("subscription group %q gone after creation", group)
	}
	return http.StatusOK, subscriptionGroupOf(g), nil
}

// deleteSubscriptionGroup deletes a group's config as 207 does;
// ?removeOffset=true also drops its committed offsets.
func (h *Handler) deleteSubscriptionGroup(r *http.Request) (int, any, error) {
	group := r.PathValue("group")
	remove := r.URL.Query().Get("removeOffset") == "true"
	return http.StatusOK, SubscriptionGroupDeleted{group, h.b.DeleteGroup(group, remove)}, nil
}
