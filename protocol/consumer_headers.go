package protocol

import "strings"

// Typed headers of the requests a consumer (and mqadmin's consumer commands)
// sends to a broker, of their replies, and of the requests a broker sends to
// a consumer. Field notes name what each release's Java class holds:
// Java primitives (int, long, boolean) are always sent by a Java client and
// are plain Go values here; boxed fields (Integer, Long, Boolean, String)
// are left out when null and are pointers or strings here. In 4.9.8 the
// headers that extend RpcRequestHeader carry only "bname"; 5.x adds "ns",
// "nsd" and "oway" (RPCHeader), and TopicRequestHeader's "lo".

// PullSysFlag is the sysFlag of a PULL_MESSAGE request (Java PullSysFlag).
type PullSysFlag int32

// PullSysFlag bits.
const (
	PullCommitOffset PullSysFlag = 1 << 0 // the request carries the consumer's offset to store
	PullSuspend      PullSysFlag = 1 << 1 // the broker may park the request (long polling)
	PullSubscription PullSysFlag = 1 << 2 // the request carries its subscription expression
	PullClassFilter  PullSysFlag = 1 << 3 // class filter mode (removed in 5.x)
	PullLitePull     PullSysFlag = 1 << 4 // lite pull consumer
)

// BuildPullSysFlag is PullSysFlag.buildSysFlag(commitOffset, suspend,
// subscription, classFilter).
func BuildPullSysFlag(commitOffset, suspend, subscription, classFilter bool) PullSysFlag {
	var f PullSysFlag
	if commitOffset {
		f |= PullCommitOffset
	}
	if suspend {
		f |= PullSuspend
	}
	if subscription {
		f |= PullSubscription
	}
	if classFilter {
		f |= PullClassFilter
	}
	return f
}

// HasCommitOffset reports the PullCommitOffset bit.
func (f PullSysFlag) HasCommitOffset() bool { return f&PullCommitOffset != 0 }

// HasSuspend reports the PullSuspend bit.
func (f PullSysFlag) HasSuspend() bool { return f&PullSuspend != 0 }

// HasSubscription reports the PullSubscription bit.
func (f PullSysFlag) HasSubscription() bool { return f&PullSubscription != 0 }

// HasClassFilter reports the PullClassFilter bit.
func (f PullSysFlag) HasClassFilter() bool { return f&PullClassFilter != 0 }

// HasLitePull reports the PullLitePull bit.
func (f PullSysFlag) HasLitePull() bool { return f&PullLitePull != 0 }

// ClearCommitOffset returns f without PullCommitOffset (a pull from a slave).
func (f PullSysFlag) ClearCommitOffset() PullSysFlag { return f &^ PullCommitOffset }

// ClearSuspend returns f without PullSuspend (a parked pull run again).
func (f PullSysFlag) ClearSuspend() PullSysFlag { return f &^ PullSuspend }

// GetConsumerListByGroupRequestHeader is the GET_CONSUMER_LIST_BY_GROUP (38)
// header. 4.9.8's class has no RPC keys.
type GetConsumerListByGroupRequestHeader struct {
	RPCHeader
	ConsumerGroup string // "consumerGroup", required
}

// Decode reads the header from extFields.
func (h *GetConsumerListByGroupRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "GetConsumerListByGroupRequestHeader", ext: ext}
	r.str(&h.ConsumerGroup, true, "consumerGroup")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *GetConsumerListByGroupRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("consumerGroup", h.ConsumerGroup)
	h.encodeRPC(w)
	return w
}

// QueryConsumerOffsetRequestHeader is the QUERY_CONSUMER_OFFSET (14) header.
type QueryConsumerOffsetRequestHeader struct {
	RPCHeader
	ConsumerGroup string // "consumerGroup", required
	Topic         string // "topic", required
	QueueID       int32  // "queueId", required
	// SetZeroIfNotFound (5.x, Boolean): false asks for QUERY_NOT_FOUND
	// instead of offset 0 when nothing is stored; nil means true.
	SetZeroIfNotFound *bool
	Logical           *bool // "lo" (5.x)
}

// Decode reads the header from extFields.
func (h *QueryConsumerOffsetRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "QueryConsumerOffsetRequestHeader", ext: ext}
	r.str(&h.ConsumerGroup, true, "consumerGroup")
	r.str(&h.Topic, true, "topic")
	r.int32(&h.QueueID, true, "queueId")
	r.optBool(&h.SetZeroIfNotFound, "setZeroIfNotFound")
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *QueryConsumerOffsetRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("consumerGroup", h.ConsumerGroup)
	w.str("topic", h.Topic)
	w.int("queueId", int64(h.QueueID))
	w.optBool("setZeroIfNotFound", h.SetZeroIfNotFound)
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// ZeroIfNotFound reports whether the broker answers offset 0 rather than
// QUERY_NOT_FOUND for a queue without a stored offset (the 5.x default, and
// 4.9.8's only behaviour, which also depends on the queue's min offset).
func (h *QueryConsumerOffsetRequestHeader) ZeroIfNotFound() bool {
	return h.SetZeroIfNotFound == nil || *h.SetZeroIfNotFound
}

// UpdateConsumerOffsetRequestHeader is the UPDATE_CONSUMER_OFFSET (15) header.
type UpdateConsumerOffsetRequestHeader struct {
	RPCHeader
	ConsumerGroup string // "consumerGroup", required
	Topic         string // "topic", required
	QueueID       int32  // "queueId", required
	CommitOffset  int64  // "commitOffset", required
	Logical       *bool  // "lo" (5.x)
}

// Decode reads the header from extFields.
func (h *UpdateConsumerOffsetRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "UpdateConsumerOffsetRequestHeader", ext: ext}
	r.str(&h.ConsumerGroup, true, "consumerGroup")
	r.str(&h.Topic, true, "topic")
	r.int32(&h.QueueID, true, "queueId")
	r.int64(&h.CommitOffset, true, "commitOffset")
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *UpdateConsumerOffsetRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("consumerGroup", h.ConsumerGroup)
	w.str("topic", h.Topic)
	w.int("queueId", int64(h.QueueID))
	w.int("commitOffset", h.CommitOffset)
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// GetMaxOffsetRequestHeader is the GET_MAX_OFFSET (30) header.
type GetMaxOffsetRequestHeader struct {
	RPCHeader
	Topic   string // "topic", required
	QueueID int32  // "queueId", required
	// Committed is a 5.x primitive boolean (default true), so 5.x Java
	// clients always send it; 4.9.8 and Go send none (nil, meaning true).
	Committed *bool
	Logical   *bool // "lo" (5.x)
}

// Decode reads the header from extFields.
func (h *GetMaxOffsetRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "GetMaxOffsetRequestHeader", ext: ext}
	r.str(&h.Topic, true, "topic")
	r.int32(&h.QueueID, true, "queueId")
	r.optBool(&h.Committed, "committed")
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *GetMaxOffsetRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("topic", h.Topic)
	w.int("queueId", int64(h.QueueID))
	w.optBool("committed", h.Committed)
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// GetMinOffsetRequestHeader is the GET_MIN_OFFSET (31) header.
type GetMinOffsetRequestHeader struct {
	RPCHeader
	Topic   string // "topic", required
	QueueID int32  // "queueId", required
	Logical *bool  // "lo" (5.x)
}

// Decode reads the header from extFields.
func (h *GetMinOffsetRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "GetMinOffsetRequestHeader", ext: ext}
	r.str(&h.Topic, true, "topic")
	r.int32(&h.QueueID, true, "queueId")
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *GetMinOffsetRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("topic", h.Topic)
	w.int("queueId", int64(h.QueueID))
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// Values of SearchOffsetRequestHeader.BoundaryType (5.x BoundaryType names).
const (
	BoundaryLower = "LOWER"
	BoundaryUpper = "UPPER"
)

// SearchOffsetRequestHeader is the SEARCH_OFFSET_BY_TIMESTAMP (29) header.
type SearchOffsetRequestHeader struct {
	RPCHeader
	Topic     string // "topic", required
	QueueID   int32  // "queueId", required
	Timestamp int64  // "timestamp", required: epoch ms
	// BoundaryType (5.x) is BoundaryLower or BoundaryUpper as the 5.x Java
	// client sends it; the broker reads "upper" in any case as UPPER and
	// everything else as LOWER (see IsUpper).
	BoundaryType string
	Logical      *bool // "lo" (5.x)
}

// Decode reads the header from extFields.
func (h *SearchOffsetRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "SearchOffsetRequestHeader", ext: ext}
	r.str(&h.Topic, true, "topic")
	r.int32(&h.QueueID, true, "queueId")
	r.int64(&h.Timestamp, true, "timestamp")
	r.str(&h.BoundaryType, false, "boundaryType")
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *SearchOffsetRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("topic", h.Topic)
	w.int("queueId", int64(h.QueueID))
	w.int("timestamp", h.Timestamp)
	w.str("boundaryType", h.BoundaryType)
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// IsUpper reports whether the upper boundary is asked for (BoundaryType.getType).
func (h *SearchOffsetRequestHeader) IsUpper() bool { return strings.EqualFold(h.BoundaryType, "upper") }

// OffsetResponseHeader is the reply header of QUERY_CONSUMER_OFFSET,
// GET_MAX_OFFSET, GET_MIN_OFFSET and SEARCH_OFFSET_BY_TIMESTAMP: four Java
// classes with one required Long "offset".
type OffsetResponseHeader struct {
	Offset int64 // "offset", required
}

// Decode reads the header from extFields.
func (h *OffsetResponseHeader) Decode(ext map[string]string) error {
	r := extReader{header: "OffsetResponseHeader", ext: ext}
	r.int64(&h.Offset, true, "offset")
	return r.err
}

// Encode returns the header as extFields.
func (h *OffsetResponseHeader) Encode() map[string]string {
	return map[string]string{"offset": itoa(h.Offset)}
}

// PullMessageRequestHeader is the PULL_MESSAGE (11) header.
type PullMessageRequestHeader struct {
	RPCHeader
	ConsumerGroup        string      // "consumerGroup", required
	Topic                string      // "topic", required
	QueueID              int32       // "queueId", required
	QueueOffset          int64       // "queueOffset", required: the first queue offset wanted
	MaxMsgNums           int32       // "maxMsgNums", required
	SysFlag              PullSysFlag // "sysFlag", required
	CommitOffset         int64       // "commitOffset", required: stored when SysFlag.HasCommitOffset
	SuspendTimeoutMillis int64       // "suspendTimeoutMillis", required: how long the broker may park it
	Subscription         string      // "subscription": the expression, when SysFlag.HasSubscription
	SubVersion           int64       // "subVersion", required
	ExpressionType       string      // "expressionType": ExpressionTypeTag or ExpressionTypeSQL92
	MaxMsgBytes          *int32      // "maxMsgBytes" (5.x)
	RequestSource        *int32      // "requestSource" (5.x, set by the proxy)
	ProxyForwardClientID string      // "proxyFrowardClientId" (5.x, sic)
	Logical              *bool       // "lo" (5.x)
}

// Decode reads the header from extFields.
func (h *PullMessageRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "PullMessageRequestHeader", ext: ext}
	r.str(&h.ConsumerGroup, true, "consumerGroup")
	r.str(&h.Topic, true, "topic")
	r.int32(&h.QueueID, true, "queueId")
	r.int64(&h.QueueOffset, true, "queueOffset")
	r.int32(&h.MaxMsgNums, true, "maxMsgNums")
	var sysFlag int32
	r.int32(&sysFlag, true, "sysFlag")
	h.SysFlag = PullSysFlag(sysFlag)
	r.int64(&h.CommitOffset, true, "commitOffset")
	r.int64(&h.SuspendTimeoutMillis, true, "suspendTimeoutMillis")
	r.str(&h.Subscription, false, "subscription")
	r.int64(&h.SubVersion, true, "subVersion")
	r.str(&h.ExpressionType, false, "expressionType")
	r.optInt32(&h.MaxMsgBytes, "maxMsgBytes")
	r.optInt32(&h.RequestSource, "requestSource")
	r.str(&h.ProxyForwardClientID, false, "proxyFrowardClientId")
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *PullMessageRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("consumerGroup", h.ConsumerGroup)
	w.str("topic", h.Topic)
	w.int("queueId", int64(h.QueueID))
	w.int("queueOffset", h.QueueOffset)
	w.int("maxMsgNums", int64(h.MaxMsgNums))
	w.int("sysFlag", int64(h.SysFlag))
	w.int("commitOffset", h.CommitOffset)
	w.int("suspendTimeoutMillis", h.SuspendTimeoutMillis)
	w.str("subscription", h.Subscription)
	w.int("subVersion", h.SubVersion)
	w.str("expressionType", h.ExpressionType)
	w.optInt32("maxMsgBytes", h.MaxMsgBytes)
	w.optInt32("requestSource", h.RequestSource)
	w.str("proxyFrowardClientId", h.ProxyForwardClientID)
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// PullMessageResponseHeader is the extFields of a PULL_MESSAGE reply that
// got as far as reading the queue (codes 0, 19, 20, 21): the Java client
// unboxes the four offsets, so they are always written.
type PullMessageResponseHeader struct {
	SuggestWhichBrokerID int64 // "suggestWhichBrokerId": 0, the master, unless slaves serve reads
	NextBeginOffset      int64 // "nextBeginOffset"
	MinOffset            int64 // "minOffset"
	MaxOffset            int64 // "maxOffset": the queue offset the next message will get
	// 5.x extras. A 5.x broker writes TopicSysFlag and GroupSysFlag on every
	// such reply (see Release.PullReplyHasSysFlags); OffsetDelta only for
	// static topics and ForbiddenType only for forbidden pulls.
	OffsetDelta   *int64 // "offsetDelta"
	TopicSysFlag  *int32 // "topicSysFlag"
	GroupSysFlag  *int32 // "groupSysFlag"
	ForbiddenType *int32 // "forbiddenType"
}

// Decode reads the header from extFields.
func (h *PullMessageResponseHeader) Decode(ext map[string]string) error {
	r := extReader{header: "PullMessageResponseHeader", ext: ext}
	r.int64(&h.SuggestWhichBrokerID, true, "suggestWhichBrokerId")
	r.int64(&h.NextBeginOffset, true, "nextBeginOffset")
	r.int64(&h.MinOffset, true, "minOffset")
	r.int64(&h.MaxOffset, true, "maxOffset")
	if k, v, ok := r.lookup("offsetDelta"); ok {
		if n, ok := r.parseInt(k, v, 64); ok {
			h.OffsetDelta = &n
		}
	}
	r.optInt32(&h.TopicSysFlag, "topicSysFlag")
	r.optInt32(&h.GroupSysFlag, "groupSysFlag")
	r.optInt32(&h.ForbiddenType, "forbiddenType")
	return r.err
}

// Encode returns the header as extFields.
func (h *PullMessageResponseHeader) Encode() map[string]string {
	w := extWriter{}
	w.int("suggestWhichBrokerId", h.SuggestWhichBrokerID)
	w.int("nextBeginOffset", h.NextBeginOffset)
	w.int("minOffset", h.MinOffset)
	w.int("maxOffset", h.MaxOffset)
	if h.OffsetDelta != nil {
		w.int("offsetDelta", *h.OffsetDelta)
	}
	w.optInt32("topicSysFlag", h.TopicSysFlag)
	w.optInt32("groupSysFlag", h.GroupSysFlag)
	w.optInt32("forbiddenType", h.ForbiddenType)
	return w
}

// ConsumerSendMsgBackRequestHeader is the CONSUMER_SEND_MSG_BACK (36) header.
type ConsumerSendMsgBackRequestHeader struct {
	RPCHeader
	Offset            int64  // "offset", required: the message's commit-log offset
	Group             string // "group", required
	DelayLevel        int32  // "delayLevel", required: 0 = 3 + reconsumeTimes, < 0 = dead letter
	OriginMsgID       string // "originMsgId"
	OriginTopic       string // "originTopic"
	UnitMode          bool   // "unitMode": a Java primitive, always sent
	MaxReconsumeTimes *int32 // "maxReconsumeTimes"
}

// Decode reads the header from extFields.
func (h *ConsumerSendMsgBackRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "ConsumerSendMsgBackRequestHeader", ext: ext}
	r.int64(&h.Offset, true, "offset")
	r.str(&h.Group, true, "group")
	r.int32(&h.DelayLevel, true, "delayLevel")
	r.str(&h.OriginMsgID, false, "originMsgId")
	r.str(&h.OriginTopic, false, "originTopic")
	r.bool(&h.UnitMode, "unitMode")
	r.optInt32(&h.MaxReconsumeTimes, "maxReconsumeTimes")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *ConsumerSendMsgBackRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.int("offset", h.Offset)
	w.str("group", h.Group)
	w.int("delayLevel", int64(h.DelayLevel))
	w.str("originMsgId", h.OriginMsgID)
	w.str("originTopic", h.OriginTopic)
	w.bool("unitMode", h.UnitMode)
	w.optInt32("maxReconsumeTimes", h.MaxReconsumeTimes)
	h.encodeRPC(w)
	return w
}

// ViewMessageRequestHeader is the VIEW_MESSAGE_BY_ID (33) header (no RPC
// keys in either release).
type ViewMessageRequestHeader struct {
	Topic  string // "topic" (5.x)
	Offset int64  // "offset", required: the commit-log offset
}

// Decode reads the header from extFields.
func (h *ViewMessageRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "ViewMessageRequestHeader", ext: ext}
	r.str(&h.Topic, false, "topic")
	r.int64(&h.Offset, true, "offset")
	return r.err
}

// Encode returns the header as extFields.
func (h *ViewMessageRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("topic", h.Topic)
	w.int("offset", h.Offset)
	return w
}

// NotifyConsumerIdsChangedRequestHeader is the NOTIFY_CONSUMER_IDS_CHANGED
// (40) header a broker sends to consumers (RPC keys only in 5.x).
type NotifyConsumerIdsChangedRequestHeader struct {
	RPCHeader
	ConsumerGroup string // "consumerGroup", required
}

// Decode reads the header from extFields.
func (h *NotifyConsumerIdsChangedRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "NotifyConsumerIdsChangedRequestHeader", ext: ext}
	r.str(&h.ConsumerGroup, true, "consumerGroup")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *NotifyConsumerIdsChangedRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("consumerGroup", h.ConsumerGroup)
	h.encodeRPC(w)
	return w
}

// GetConsumerRunningInfoRequestHeader is the GET_CONSUMER_RUNNING_INFO (307)
// header, sent by mqadmin to a broker and by the broker to the client (RPC
// keys only in 5.x).
type GetConsumerRunningInfoRequestHeader struct {
	RPCHeader
	ConsumerGroup string // "consumerGroup", required
	ClientID      string // "clientId", required
	JstackEnable  bool   // "jstackEnable": a Java primitive, always sent
}

// Decode reads the header from extFields.
func (h *GetConsumerRunningInfoRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "GetConsumerRunningInfoRequestHeader", ext: ext}
	r.str(&h.ConsumerGroup, true, "consumerGroup")
	r.str(&h.ClientID, true, "clientId")
	r.bool(&h.JstackEnable, "jstackEnable")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *GetConsumerRunningInfoRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("consumerGroup", h.ConsumerGroup)
	w.str("clientId", h.ClientID)
	w.bool("jstackEnable", h.JstackEnable)
	h.encodeRPC(w)
	return w
}

// GetConsumerConnectionListRequestHeader is the GET_CONSUMER_CONNECTION_LIST
// (203) header (RPC keys only in 5.x).
type GetConsumerConnectionListRequestHeader struct {
	RPCHeader
	ConsumerGroup string // "consumerGroup", required
}

// Decode reads the header from extFields.
func (h *GetConsumerConnectionListRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "GetConsumerConnectionListRequestHeader", ext: ext}
	r.str(&h.ConsumerGroup, true, "consumerGroup")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *GetConsumerConnectionListRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("consumerGroup", h.ConsumerGroup)
	h.encodeRPC(w)
	return w
}

// GetConsumeStatsRequestHeader is the GET_CONSUME_STATS (208) header.
type GetConsumeStatsRequestHeader struct {
	RPCHeader
	ConsumerGroup string // "consumerGroup", required
	Topic         string // "topic": empty means every topic the group has offsets in
	TopicList     string // "topicList" (5.x): "a;b;", takes precedence over Topic
	Logical       *bool  // "lo" (5.x)
}

// Decode reads the header from extFields.
func (h *GetConsumeStatsRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "GetConsumeStatsRequestHeader", ext: ext}
	r.str(&h.ConsumerGroup, true, "consumerGroup")
	r.str(&h.Topic, false, "topic")
	r.str(&h.TopicList, false, "topicList")
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *GetConsumeStatsRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("consumerGroup", h.ConsumerGroup)
	w.str("topic", h.Topic)
	w.str("topicList", h.TopicList)
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// Topics returns the topics of TopicList as fetchTopicList does: nil when
// it is blank, else its ";"-separated parts without the empty ones.
func (h *GetConsumeStatsRequestHeader) Topics() []string {
	if strings.TrimSpace(h.TopicList) == "" {
		return nil
	}
	var out []string
	for t := range strings.SplitSeq(h.TopicList, ";") {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}
