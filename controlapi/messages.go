package controlapi

import (
	"context"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// trafficRoutes are the endpoints over what clients sent: messages, send
// counts, transactions, the journal, and faults (interceptions).
func (h *Handler) trafficRoutes() []route {
	return []route{
		{"GET /v1/messages", h.messages},
		{"DELETE /v1/messages", h.clearMessages},
		{"GET /v1/topics/{topic}/messages", h.messages},
		{"POST /v1/topics/{topic}/messages/wait", h.waitMessages},
		{"GET /v1/send-counts", h.sendCounts},
		{"GET /v1/transactions", h.transactions},
		{"POST /v1/groups/{group}/check-transaction", h.checkTransaction},
		{"GET /v1/journal", h.journal},
		{"DELETE /v1/journal", h.clearJournal},
		{"GET /v1/faults", h.listFaults},
		{"POST /v1/faults", h.addFault},
		{"DELETE /v1/faults", h.clearFaults},
		{"DELETE /v1/faults/{id}", h.removeFault},
	}
}

func messageJSON(m mockbroker.Message) Message {
	out := Message{
		Topic: m.Topic, QueueID: m.QueueID, QueueOffset: m.QueueOffset, CommitLogOffset: m.CommitLogOffset,
		OffsetMsgID: m.OffsetMsgID, MsgID: m.MsgID, Tags: m.Tags, Keys: m.Keys, Properties: m.Properties,
		BodyBase64: base64.StdEncoding.EncodeToString(m.Body), Compressed: m.Compressed, Flag: m.Flag, SysFlag: m.SysFlag,
		BornTimestampMs: m.BornTimestamp.UnixMilli(), ProducerGroup: m.ProducerGroup, ClientID: m.ClientID,
		Addr: m.Addr, Batch: m.Batch, Half: m.Half(), Time: formatTime(m.Time), TimeMs: m.Time.UnixMilli(),
	}
	if out.Keys == nil {
		out.Keys = []string{}
	}
	if out.Properties == nil {
		out.Properties = map[string]string{}
	}
	if utf8.Valid(m.Body) {
		s := string(m.Body)
		out.Body = &s
	}
	return out
}

func (h *Handler) messageList(ms []mockbroker.Message) MessageList {
	out := MessageList{Dropped: h.b.MessagesDropped(), Messages: make([]Message, len(ms))}
	for i, m := range ms {
		out.Messages[i] = messageJSON(m)
	}
	return out
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string) (int64, bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, requestErr(http.StatusBadRequest, "query parameter %s=%q: want a non-negative integer", name, v)
	}
	return n, true, nil
}

// messages lists the kept messages of a topic (or of every topic, or of
// ?topic=), the last ?limit=N of them if given.
func (h *Handler) messages(r *http.Request) (int, any, error) {
	topic := r.PathValue("topic")
	if topic == "" {
		topic = r.URL.Query().Get("topic")
	}
	limit, hasLimit, err := queryInt(r, "limit")
	if err != nil {
		return 0, nil, err
	}
	var ms []mockbroker.Message
	if hasLimit {
		ms = h.b.LastMessages(topic, int(min(limit, math.MaxInt32)))
	} else {
		ms = h.b.Messages(topic)
	}
	return http.StatusOK, h.messageList(ms), nil
}

func (h *Handler) clearMessages(r *http.Request) (int, any, error) {
	h.b.ClearMessages()
	return http.StatusOK, Cleared{true}, nil
}

// waitMessages waits until at least count messages of the topic have been
// accepted: {"count": 3, "timeoutMs": 5000}.
func (h *Handler) waitMessages(r *http.Request) (int, any, error) {
	count, ctx, cancel, err := waitRequest(r, 1, "messages")
	if err != nil {
		return 0, nil, err
	}
	defer cancel()
	ms, err := h.b.WaitMessages(ctx, r.PathValue("topic"), count)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.messageList(ms), nil
}

// waitRequest reads a wait's body, {"count": N, "timeoutMs": T} with
// N >= min, and returns N and a context bounded by the timeout.
func waitRequest(r *http.Request, min int, what string) (int, context.Context, context.CancelFunc, error) {
	const example = `{"count": 1, "timeoutMs": 5000}`
	var req WaitRequest
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, nil, err
	}
	if req.Count == nil || *req.Count < min {
		return 0, nil, nil, requestErr(http.StatusBadRequest, "\"count\": want the number of %s to wait for (%d or more), such as %s", what, min, example)
	}
	ctx, cancel, err := waitContext(r, req.TimeoutMs)
	if err != nil {
		return 0, nil, nil, err
	}
	return *req.Count, ctx, cancel, nil
}

// waitContext bounds a wait by timeoutMs (default 10 s).
func waitContext(r *http.Request, timeoutMs *int64) (context.Context, context.CancelFunc, error) {
	timeout := defaultWaitTimeout
	if timeoutMs != nil {
		// Compared before the multiplication, which would overflow.
		if *timeoutMs <= 0 || *timeoutMs > maxWaitTimeout.Milliseconds() {
			return nil, nil, requestErr(http.StatusBadRequest, "\"timeoutMs\" %d: want 1 to %d", *timeoutMs, maxWaitTimeout.Milliseconds())
		}
		timeout = time.Duration(*timeoutMs) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	return ctx, cancel, nil
}

// sendCounts lists how many messages each producer connection sent to
// each queue, optionally only for ?topic=, ?clientId= and ?group=.
func (h *Handler) sendCounts(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	out := SendCountList{Counts: []SendCount{}}
	for _, sc := range h.b.SendCounts() {
		if t := q.Get("topic"); t != "" && sc.Topic != t {
			continue
		}
		if id := q.Get("clientId"); id != "" && sc.ClientID != id {
			continue
		}
		if g := q.Get("group"); g != "" && sc.Group != g {
			continue
		}
		out.Counts = append(out.Counts, SendCount{sc.ClientID, sc.Addr, sc.Group, sc.Topic, sc.QueueID, sc.Messages})
	}
	return http.StatusOK, out, nil
}
