package controlapi

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// consumerRoutes are the consumer endpoints.
func (h *Handler) consumerRoutes() []route {
	return []route{
		{"GET /v1/consumer-groups", h.consumerGroups},
		{"GET /v1/consumer-groups/{group}/consumers", h.consumers},
		{"POST /v1/consumer-groups/{group}/wait", h.waitConsumers},
		{"GET /v1/consumer-groups/{group}/offsets", h.consumerOffsets},
		{"PUT /v1/consumer-groups/{group}/offsets", h.setConsumerOffsets},
		{"POST /v1/consumer-groups/{group}/consumed/wait", h.waitConsumed},
		{"POST /v1/consumer-groups/{group}/consumers/{clientId}/expire", h.expireConsumer},
	}
}

// consumerGroups lists the consumer groups with their connection counts.
func (h *Handler) consumerGroups(r *http.Request) (int, any, error) {
	out := ConsumerGroupList{Groups: []ConsumerGroup{}}
	for _, name := range h.b.ConsumerGroups() {
		out.Groups = append(out.Groups, ConsumerGroup{name, len(h.b.Consumers(name))})
	}
	return http.StatusOK, out, nil
}

// consumers lists a group's consumers; 404 for a group the broker does
// not have.
func (h *Handler) consumers(r *http.Request) (int, any, error) {
	group := r.PathValue("group")
	cs := h.b.Consumers(group)
	if len(cs) == 0 {
		return 0, nil, &causeError{fmt.Sprintf("consumer group %q is not online (groups: %s)", logsink.Truncate(group, maxEchoed), logsink.List(h.b.ConsumerGroups(), maxListed, maxEchoed)), mockbroker.ErrUnknownGroup}
	}
	now := h.b.Now()
	out := ConsumerList{Group: group, Consumers: []Consumer{}}
	for _, c := range cs {
		subs := make([]ConsumerSubscription, 0, len(c.Subscriptions))
		for _, s := range c.Subscriptions {
			tags := s.Tags
			if tags == nil {
				tags = []string{}
			}
			subs = append(subs, ConsumerSubscription{Topic: s.Topic, SubString: s.SubString, ExpressionType: s.ExpressionType, Tags: tags, SubVersion: s.SubVersion})
		}
		out.Consumers = append(out.Consumers, Consumer{
			ClientID: c.ClientID, Addr: c.Addr, Language: c.Language, Version: c.Version,
			VersionName: protocol.MQVersion(c.Version).String(), LastHeartbeat: formatTime(c.LastHeartbeat),
			LastHeartbeatMs: c.LastHeartbeat.UnixMilli(), AgeMs: now.Sub(c.LastHeartbeat).Milliseconds(),
			ConsumeType: c.ConsumeType, MessageModel: c.MessageModel, ConsumeFromWhere: c.ConsumeFromWhere,
			Subscriptions: subs,
		})
	}
	return http.StatusOK, out, nil
}

// waitConsumers waits until a group has exactly count consumers:
// {"count": 2, "timeoutMs": 5000}; 408 when the time runs out.
func (h *Handler) waitConsumers(r *http.Request) (int, any, error) {
	count, ctx, cancel, err := waitRequest(r, 0, "consumers")
	if err != nil {
		return 0, nil, err
	}
	defer cancel()
	group := r.PathValue("group")
	if err := h.b.WaitConsumers(ctx, group, count); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ConsumersWaited{group, count}, nil
}

// consumerOffsets lists a group's committed offsets and lags (an empty
// list for a group with neither offsets nor subscriptions).
func (h *Handler) consumerOffsets(r *http.Request) (int, any, error) {
	group := r.PathValue("group")
	out := ConsumerOffsetList{Group: group, Offsets: []ConsumerOffset{}}
	for _, o := range h.b.ConsumerOffsets(group) {
		out.Offsets = append(out.Offsets, ConsumerOffset(o))
		out.Lag += o.Lag
	}
	return http.StatusOK, out, nil
}

// setConsumerOffsets sets one queue's offset ({"topic": "T", "queueId": 0,
// "offset": 5}) or resets a topic to a time ({"topic": "T",
// "timestampMs": 1700000000000}).
func (h *Handler) setConsumerOffsets(r *http.Request) (int, any, error) {
	const example = `{"topic": "T", "queueId": 0, "offset": 5} or {"topic": "T", "timestampMs": 1700000000000}`
	var req SetOffsetsRequest
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, err
	}
	group := r.PathValue("group")
	one := req.QueueID != nil || req.Offset != nil
	switch {
	case req.Topic == "":
		return 0, nil, requestErr(http.StatusBadRequest, "\"topic\": want the topic, as in %s", example)
	case one && req.TimestampMs != nil, !one && req.TimestampMs == nil:
		return 0, nil, requestErr(http.StatusBadRequest, "want either \"queueId\" and \"offset\" or \"timestampMs\", as in %s", example)
	case one && (req.QueueID == nil || req.Offset == nil):
		return 0, nil, requestErr(http.StatusBadRequest, "want both \"queueId\" and \"offset\", as in %s", example)
	}
	out := OffsetsSet{Group: group, Topic: req.Topic, Offsets: []QueueOffset{}}
	if one {
		if err := h.b.SetConsumerOffset(group, req.Topic, *req.QueueID, *req.Offset); err != nil {
			return 0, nil, err
		}
		out.Offsets = append(out.Offsets, QueueOffset{*req.QueueID, *req.Offset})
		return http.StatusOK, out, nil
	}
	set, err := h.b.ResetConsumerOffsets(group, req.Topic, time.UnixMilli(*req.TimestampMs))
	if err != nil {
		return 0, nil, err
	}
	for q, o := range set {
		out.Offsets = append(out.Offsets, QueueOffset{q, o})
	}
	slices.SortFunc(out.Offsets, func(a, b QueueOffset) int { return int(a.QueueID) - int(b.QueueID) })
	return http.StatusOK, out, nil
}

// waitConsumed waits until the group's committed offsets in a topic sum
// to count: {"topic": "T", "count": 10, "timeoutMs": 5000}; 408 when the
// time runs out.
func (h *Handler) waitConsumed(r *http.Request) (int, any, error) {
	const example = `{"topic": "T", "count": 10, "timeoutMs": 5000}`
	var req WaitConsumedRequest
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, err
	}
	if req.Topic == "" || req.Count == nil || *req.Count < 0 {
		return 0, nil, requestErr(http.StatusBadRequest, "want \"topic\" and \"count\" (0 or more), such as %s", example)
	}
	ctx, cancel, err := waitContext(r, req.TimeoutMs)
	if err != nil {
		return 0, nil, err
	}
	defer cancel()
	group := r.PathValue("group")
	if err := h.b.WaitConsumed(ctx, group, req.Topic, *req.Count); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ConsumedWaited{group, req.Topic, *req.Count}, nil
}

// expireConsumer drops a consumer's connections from its group now, as
// the scan would.
func (h *Handler) expireConsumer(r *http.Request) (int, any, error) {
	group, id := r.PathValue("group"), r.PathValue("clientId")
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	if err := h.b.ExpireConsumer(group, id); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ConsumerExpired{group, id, true}, nil
}
