package controlapi

import (
	"context"
	"net/http"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// redeliveries lists the messages a group's consumers sent back.
func (h *Handler) redeliveries(r *http.Request) (int, any, error) {
	group := r.PathValue("group")
	out := RedeliveryList{Group: group, Redeliveries: []Redelivery{}}
	for _, d := range h.b.Redeliveries(group) {
		out.Redeliveries = append(out.Redeliveries, redeliveryJSON(d))
	}
	return http.StatusOK, out, nil
}

func redeliveryJSON(d mockbroker.Redelivery) Redelivery {
	return Redelivery{
		Time: formatTime(d.Time), TimeMs: d.Time.UnixMilli(), Topic: d.Topic, DeadLetter: d.DeadLetter,
		OriginTopic: d.OriginTopic, OriginMsgID: d.OriginMsgID, ReconsumeTimes: d.ReconsumeTimes,
		DelayLevel: d.DelayLevel, QueueOffset: d.QueueOffset, CommitLogOffset: d.CommitLogOffset,
	}
}

// Redeliveries lists the messages the group's consumers sent back
// (retries and dead letters), oldest first.
func (c *Client) Redeliveries(ctx context.Context, group string) ([]Redelivery, error) {
	out, err := doNew[RedeliveryList](ctx, c, http.MethodGet, consumerGroupPath(group)+"/redeliveries", nil, nil)
	if err != nil {
		return nil, err
	}
	return out.Redeliveries, nil
}
