package controlapi

import (
	"context"
	"net/http"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// The broker's timed services: the unresolved transactions the check
// service checks, a check pass run now, and the messages held for later
// delivery (delayed messages, retries, 5.x timer messages).

// PendingTransaction is one half message no END_TRANSACTION resolved.
type PendingTransaction struct {
	Group           string `json:"group"`
	Topic           string `json:"topic"`
	QueueID         int32  `json:"queueId"`
	MsgID           string `json:"msgId"`
	OffsetMsgID     string `json:"offsetMsgId"`
	CommitLogOffset int64  `json:"commitLogOffset"`
	Stored          string `json:"stored"`
	StoredMs        int64  `json:"storedMs"`
	Checks          int    `json:"checks"`
}

// PendingTransactionList is GET /v1/transactions/pending.
type PendingTransactionList struct {
	Pending []PendingTransaction `json:"pending"`
}

// TransactionCheckRun is the answer of POST /v1/transactions/check-now.
type TransactionCheckRun struct {
	Checked    int `json:"checked"`
	NoProducer int `json:"noProducer"`
	Discarded  int `json:"discarded"`
	NotDue     int `json:"notDue"`
}

// ScheduledMessage is one message held until its due time.
type ScheduledMessage struct {
	Topic           string            `json:"topic"` // SCHEDULE_TOPIC_XXXX or rmq_sys_wheel_timer
	QueueID         int32             `json:"queueId"`
	QueueOffset     int64             `json:"queueOffset"`
	CommitLogOffset int64             `json:"commitLogOffset"`
	RealTopic       string            `json:"realTopic"`
	RealQueueID     int32             `json:"realQueueId"`
	DelayLevel      int32             `json:"delayLevel"` // 0 for a timer message
	MsgID           string            `json:"msgId"`
	ReconsumeTimes  int32             `json:"reconsumeTimes"`
	Due             string            `json:"due"`
	DueMs           int64             `json:"dueMs"`
	Properties      map[string]string `json:"properties"`
}

// ScheduledMessageList is GET /v1/scheduled.
type ScheduledMessageList struct {
	Scheduled []ScheduledMessage `json:"scheduled"`
}

// timedRoutes are the timed services' endpoints.
func (h *Handler) timedRoutes() []route {
	return []route{
		{"GET /v1/transactions/pending", h.pendingTransactions},
		{"POST /v1/transactions/check-now", h.runTransactionCheck},
		{"GET /v1/scheduled", h.scheduled},
	}
}

func (h *Handler) pendingTransactions(r *http.Request) (int, any, error) {
	out := PendingTransactionList{Pending: []PendingTransaction{}}
	for _, p := range h.b.PendingTransactions() {
		m := p.Message
		group := m.Properties["PGROUP"]
		if group == "" {
			group = m.ProducerGroup
		}
		out.Pending = append(out.Pending, PendingTransaction{
			Group: group, Topic: m.Topic, QueueID: m.QueueID, MsgID: m.MsgID, OffsetMsgID: m.OffsetMsgID,
			CommitLogOffset: m.CommitLogOffset, Stored: formatTime(p.Stored), StoredMs: p.Stored.UnixMilli(), Checks: p.Checks,
		})
	}
	return http.StatusOK, out, nil
}

func (h *Handler) runTransactionCheck(r *http.Request) (int, any, error) {
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	if h.b.Closed() {
		return 0, nil, &causeError{"the broker is closed", mockbroker.ErrClosed}
	}
	run := h.b.RunTransactionCheck()
	return http.StatusOK, TransactionCheckRun{run.Checked, run.NoProducer, run.Discarded, run.NotDue}, nil
}

func (h *Handler) scheduled(r *http.Request) (int, any, error) {
	out := ScheduledMessageList{Scheduled: []ScheduledMessage{}}
	for _, s := range h.b.ScheduledMessages() {
		if s.Properties == nil {
			s.Properties = map[string]string{} // {} on the wire, as the schema says, never null
		}
		out.Scheduled = append(out.Scheduled, ScheduledMessage{
			Topic: s.Topic, QueueID: s.QueueID, QueueOffset: s.QueueOffset, CommitLogOffset: s.CommitLogOffset,
			RealTopic: s.RealTopic, RealQueueID: s.RealQueueID, DelayLevel: s.DelayLevel, MsgID: s.MsgID,
			ReconsumeTimes: s.ReconsumeTimes, Due: formatTime(s.Due), DueMs: s.Due.UnixMilli(), Properties: s.Properties,
		})
	}
	return http.StatusOK, out, nil
}

// PendingTransactions lists the half messages no END_TRANSACTION resolved.
func (c *Client) PendingTransactions(ctx context.Context) ([]PendingTransaction, error) {
	var out PendingTransactionList
	if err := c.do(ctx, http.MethodGet, "/v1/transactions/pending", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Pending, nil
}

// RunTransactionCheck runs one pass of the transaction check service now.
func (c *Client) RunTransactionCheck(ctx context.Context) (*TransactionCheckRun, error) {
	return doNew[TransactionCheckRun](ctx, c, http.MethodPost, "/v1/transactions/check-now", nil, nil)
}

// ScheduledMessages lists the messages held for later delivery, by due time.
func (c *Client) ScheduledMessages(ctx context.Context) ([]ScheduledMessage, error) {
	var out ScheduledMessageList
	if err := c.do(ctx, http.MethodGet, "/v1/scheduled", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Scheduled, nil
}
