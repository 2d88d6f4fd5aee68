package controlapi

// Wire types of the consumer endpoints (/v1/consumer-groups/...).

// ConsumerGroup is one consumer group with its connection count.
type ConsumerGroup struct {
	Name      string `json:"name"`
	Consumers int    `json:"consumers"`
}

// ConsumerGroupList is GET /v1/consumer-groups.
type ConsumerGroupList struct {
	Groups []ConsumerGroup `json:"groups"`
}

// ConsumerSubscription is one topic a consumer group subscribes to.
type ConsumerSubscription struct {
	Topic          string   `json:"topic"`
	SubString      string   `json:"subString"`
	ExpressionType string   `json:"expressionType"`
	Tags           []string `json:"tags"`
	SubVersion     int64    `json:"subVersion"`
}

// Consumer is one consumer connection with its group's settings.
type Consumer struct {
	ClientID         string                 `json:"clientId"`
	Addr             string                 `json:"addr"`
	Language         string                 `json:"language"`
	Version          int32                  `json:"version"`
	VersionName      string                 `json:"versionName"`
	LastHeartbeat    string                 `json:"lastHeartbeat"`
	LastHeartbeatMs  int64                  `json:"lastHeartbeatMs"`
	AgeMs            int64                  `json:"ageMs"`
	ConsumeType      string                 `json:"consumeType"`
	MessageModel     string                 `json:"messageModel"`
	ConsumeFromWhere string                 `json:"consumeFromWhere"`
	Subscriptions    []ConsumerSubscription `json:"subscriptions"`
}

// ConsumerList is GET /v1/consumer-groups/{group}/consumers.
type ConsumerList struct {
	Group     string     `json:"group"`
	Consumers []Consumer `json:"consumers"`
}

// ConsumersWaited is the answer of POST /v1/consumer-groups/{group}/wait.
type ConsumersWaited struct {
	Group string `json:"group"`
	Count int    `json:"count"`
}

// ConsumerOffset is a group's progress in one queue: Offset is the
// committed offset (-1 for none), Lag what is left up to MaxOffset.
type ConsumerOffset struct {
	Topic     string `json:"topic"`
	QueueID   int32  `json:"queueId"`
	Offset    int64  `json:"offset"`
	MinOffset int64  `json:"minOffset"`
	MaxOffset int64  `json:"maxOffset"`
	Lag       int64  `json:"lag"`
}

// ConsumerOffsetList is GET /v1/consumer-groups/{group}/offsets; Lag is
// the sum of the queues' lags.
type ConsumerOffsetList struct {
	Group   string           `json:"group"`
	Offsets []ConsumerOffset `json:"offsets"`
	Lag     int64            `json:"lag"`
}

// SetOffsetsRequest is PUT /v1/consumer-groups/{group}/offsets: either
// QueueID and Offset (one queue), or TimestampMs (every queue of the
// topic, to the first message stored at or after it).
type SetOffsetsRequest struct {
	Topic       string `json:"topic"`
	QueueID     *int32 `json:"queueId,omitempty"`
	Offset      *int64 `json:"offset,omitempty"`
	TimestampMs *int64 `json:"timestampMs,omitempty"`
}

// QueueOffset is one queue's new offset.
type QueueOffset struct {
	QueueID int32 `json:"queueId"`
	Offset  int64 `json:"offset"`
}

// OffsetsSet is the answer of PUT /v1/consumer-groups/{group}/offsets.
type OffsetsSet struct {
	Group   string        `json:"group"`
	Topic   string        `json:"topic"`
	Offsets []QueueOffset `json:"offsets"`
}

// WaitConsumedRequest is POST /v1/consumer-groups/{group}/consumed/wait:
// wait until the group's committed offsets in Topic sum to Count or more.
type WaitConsumedRequest struct {
	Topic     string `json:"topic"`
	Count     *int64 `json:"count"`
	TimeoutMs *int64 `json:"timeoutMs,omitempty"`
}

// ConsumedWaited is the answer of POST
// /v1/consumer-groups/{group}/consumed/wait.
type ConsumedWaited struct {
	Group string `json:"group"`
	Topic string `json:"topic"`
	Count int64  `json:"count"`
}

// ConsumerExpired is the answer of POST
// /v1/consumer-groups/{group}/consumers/{clientId}/expire.
type ConsumerExpired struct {
	Group    string `json:"group"`
	ClientID string `json:"clientId"`
	Expired  bool   `json:"expired"`
}

// Pull is what one PULL_MESSAGE returned (mockbroker.PullRecord). Code is
// absent for a parked pull released unanswered.
type Pull struct {
	Time            string `json:"time"`
	TimeMs          int64  `json:"timeMs"`
	Conn            Conn   `json:"conn"`
	Opaque          int32  `json:"opaque"`
	Group           string `json:"group"`
	Topic           string `json:"topic"`
	QueueID         int32  `json:"queueId"`
	Offset          int64  `json:"offset"`
	MaxMsgNums      int32  `json:"maxMsgNums"`
	Parked          bool   `json:"parked"`
	WaitedMs        int64  `json:"waitedMs"`
	Released        bool   `json:"released"`
	Code            *int32 `json:"code,omitempty"`
	CodeName        string `json:"codeName,omitempty"`
	Status          string `json:"status"`
	Messages        int    `json:"messages"`
	NextBeginOffset int64  `json:"nextBeginOffset"`
	MinOffset       int64  `json:"minOffset"`
	MaxOffset       int64  `json:"maxOffset"`
}

// PullList is GET /v1/pulls.
type PullList struct {
	Pulls []Pull `json:"pulls"`
}

// Redelivery is one message a consumer sent back (mockbroker.Redelivery).
type Redelivery struct {
	Time            string `json:"time"`
	TimeMs          int64  `json:"timeMs"`
	Topic           string `json:"topic"`
	DeadLetter      bool   `json:"deadLetter"`
	OriginTopic     string `json:"originTopic"`
	OriginMsgID     string `json:"originMsgId"`
	ReconsumeTimes  int32  `json:"reconsumeTimes"`
	DelayLevel      int32  `json:"delayLevel"`
	QueueOffset     int64  `json:"queueOffset"`
	CommitLogOffset int64  `json:"commitLogOffset"`
}

// RedeliveryList is GET /v1/consumer-groups/{group}/redeliveries.
type RedeliveryList struct {
	Group        string       `json:"group"`
	Redeliveries []Redelivery `json:"redeliveries"`
}
