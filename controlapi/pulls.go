package controlapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// pullRoutes are the endpoints of what consumers pulled and sent back.
func (h *Handler) pullRoutes() []route {
	return []route{
		{"GET /v1/pulls", h.pulls},
		{"GET /v1/consumer-groups/{group}/redeliveries", h.redeliveries},
	}
}

// pulls lists what the pulls returned, those of ?group= and ?topic=, the
// last ?limit=N of them.
func (h *Handler) pulls(r *http.Request) (int, any, error) {
	limit, hasLimit, err := queryInt(r, "limit")
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	group, topic := q.Get("group"), q.Get("topic")
	out := PullList{Pulls: []Pull{}}
	for _, p := range h.b.Pulls() {
		if group != "" && p.Group != group || topic != "" && p.Topic != topic {
			continue
		}
		out.Pulls = append(out.Pulls, pullJSON(p))
	}
	if hasLimit && int64(len(out.Pulls)) > limit {
		out.Pulls = out.Pulls[int64(len(out.Pulls))-limit:]
	}
	return http.StatusOK, out, nil
}

func pullJSON(p mockbroker.PullRecord) Pull {
	j := Pull{
		Time: formatTime(p.Time), TimeMs: p.Time.UnixMilli(), Conn: connJSON(p.Conn), Opaque: p.Opaque,
		Group: p.Group, Topic: p.Topic, QueueID: p.QueueID, Offset: p.Offset, MaxMsgNums: p.MaxMsgNums,
		Parked: p.Parked, WaitedMs: p.Waited.Milliseconds(), Released: p.Released,
		Status: p.Status, Messages: p.Messages,
		NextBeginOffset: p.NextBeginOffset, MinOffset: p.MinOffset, MaxOffset: p.MaxOffset,
	}
	if !p.Released {
		code := int32(p.Code)
		j.Code, j.CodeName = &code, p.Code.String()
	}
	return j
}

// PullQuery selects pulls: those of a group and a topic ("" for any), the
// last Limit of them (0 for all).
type PullQuery struct {
	Group string
	Topic string
	Limit int
}

// Pulls lists what the pulls the broker answered returned, oldest first.
func (c *Client) Pulls(ctx context.Context, pq PullQuery) ([]Pull, error) {
	q := url.Values{}
	if pq.Group != "" {
		q.Set("group", pq.Group)
	}
	if pq.Topic != "" {
		q.Set("topic", pq.Topic)
	}
	if pq.Limit > 0 {
		q.Set("limit", strconv.Itoa(pq.Limit))
	}
	out, err := doNew[PullList](ctx, c, http.MethodGet, withQuery("/v1/pulls", q), nil, nil)
	if err != nil {
		return nil, err
	}
	return out.Pulls, nil
}
