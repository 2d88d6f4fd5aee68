package protocol

import (
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Typed custom headers. Java turns a header object into extFields by
// reflection: every non-null field becomes extFields[fieldName] =
// String.valueOf(value), superclass fields included. Decode reads those keys
// back; Encode writes them (leaving out empty strings and nil pointers, the
// Go stand-ins for Java's null).
//
// Java only logs a missing @CFNotNull field or an unparsable number and
// fails later with a NullPointerException (SYSTEM_ERROR); Decode reports both
// at once as *MissingFieldError and *FieldError. It still decodes every field
// it can, and returns the first error in field order.

// MissingFieldError reports that a required (@CFNotNull) extFields key is absent.
type MissingFieldError struct {
	Header string // Java class name, e.g. "UnregisterClientRequestHeader"
	Field  string // extFields key, e.g. "clientID"
}

// Error names the header and the missing key, with the long name of a
// SEND_MESSAGE_V2 short key.
func (e *MissingFieldError) Error() string {
	field := strconv.Quote(e.Field)
	if long, ok := SendHeaderV2Keys[e.Field]; ok && e.Header == "SendMessageRequestHeaderV2" {
		field += " (" + long + ")"
	}
	return e.Header + ": required field " + field + " is missing"
}

// FieldError reports an extFields value that does not parse as the field's type.
type FieldError struct {
	Header string // Java class name
	Field  string // extFields key
	Value  string // the offending value
	Want   string // what was expected, e.g. "a 32-bit integer"
	Err    error  // the underlying error, usually a *strconv.NumError
}

// Error names the header, the key, what was expected and the offending value.
func (e *FieldError) Error() string {
	msg := e.Header + ": field " + strconv.Quote(e.Field) + ": want " + e.Want + ", got " + strconv.Quote(e.Value)
	if e.Err != nil {
		var ne *strconv.NumError
		if errors.As(e.Err, &ne) && ne.Err != nil {
			msg += " (" + ne.Err.Error() + ")"
		} else {
			msg += " (" + e.Err.Error() + ")"
		}
	}
	return msg
}

// Unwrap returns the underlying parse error.
func (e *FieldError) Unwrap() error { return e.Err }

// ErrBadCommitOrRollback is the FieldError cause for a commitOrRollback value
// other than 0, 8 or 12 (Java: "commitOrRollback field wrong").
var ErrBadCommitOrRollback = errors.New("commitOrRollback field wrong")

// Transaction types: the commitOrRollback values of END_TRANSACTION and the
// transaction bits (sysFlag & 0xC) of a message.
const (
	TransactionNotType      int32 = 0      // unknown / not yet decided
	TransactionPreparedType int32 = 1 << 2 // half message
	TransactionCommitType   int32 = 2 << 2
	TransactionRollbackType int32 = 3 << 2
)

// Message sysFlag bits (Java MessageSysFlag).
const (
	SysFlagCompressed      int32 = 1 << 0 // body is compressed
	SysFlagMultiTags       int32 = 1 << 1
	SysFlagTransactionMask int32 = 3 << 2 // see TransactionType
	SysFlagBornHostV6      int32 = 1 << 4
	SysFlagStoreHostV6     int32 = 1 << 5
	SysFlagNeedUnwrap      int32 = 1 << 6
	SysFlagInnerBatch      int32 = 1 << 7
	SysFlagCompressionLZ4  int32 = 1 << 8 // compression type, bits 8-10
	SysFlagCompressionZSTD int32 = 2 << 8
	SysFlagCompressionZLIB int32 = 3 << 8
	SysFlagCompressionMask int32 = 7 << 8
)

// TransactionType returns the transaction bits of a sysFlag: one of the
// Transaction*Type constants.
func TransactionType(sysFlag int32) int32 { return sysFlag & SysFlagTransactionMask }

// Message property names (Java MessageConst) a broker looks at.
const (
	PropertyKeys                = "KEYS"
	PropertyTags                = "TAGS"
	PropertyWaitStoreMsgOK      = "WAIT"
	PropertyDelayTimeLevel      = "DELAY"
	PropertyRetryTopic          = "RETRY_TOPIC"
	PropertyRealTopic           = "REAL_TOPIC"
	PropertyRealQueueID         = "REAL_QID"
	PropertyTransactionPrepared = "TRAN_MSG"
	PropertyProducerGroup       = "PGROUP"
	PropertyUniqClientMsgID     = "UNIQ_KEY"
	PropertyMaxReconsumeTimes   = "MAX_RECONSUME_TIMES"
	PropertyMsgRegion           = "MSG_REGION"
	PropertyTraceSwitch         = "TRACE_ON"
	PropertyCorrelationID       = "CORRELATION_ID"
	PropertyReplyToClient       = "REPLY_TO_CLIENT"
	PropertyMessageTTL          = "TTL"
	PropertyCluster             = "CLUSTER"
	PropertyTimerDelaySec       = "TIMER_DELAY_SEC"
	PropertyTimerDeliverMS      = "TIMER_DELIVER_MS"
	PropertyShardingKey         = "__SHARDINGKEY"
)

// Separators of the message properties string.
const (
	PropertyNameValueSeparator = '\x01'
	PropertySeparator          = '\x02'
)

// ParseProperties splits a message properties string
// ("name\x01value\x02name\x01value\x02…") into a map. Like Java, it skips
// entries whose name or value is empty or that lack the \x01.
func ParseProperties(s string) map[string]string {
	m := make(map[string]string, strings.Count(s, "\x02")+1)
	for s != "" {
		entry, rest, _ := strings.Cut(s, "\x02")
		s = rest
		name, value, ok := strings.Cut(entry, "\x01")
		if ok && name != "" && value != "" {
			m[name] = value
		}
	}
	return m
}

// FormatProperties joins properties into the "name\x01value\x02…" form,
// names in sorted order (Java uses HashMap order), each entry followed by \x02.
func FormatProperties(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	names := make([]string, 0, len(m))
	n := 0
	for k, v := range m {
		names = append(names, k)
		n += len(k) + len(v) + 2
	}
	sort.Strings(names)
	var b strings.Builder
	b.Grow(n)
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(PropertyNameValueSeparator)
		b.WriteString(m[k])
		b.WriteByte(PropertySeparator)
	}
	return b.String()
}

// LookupProperty returns the value of one property in a properties string
// without building a map, with the same rules as ParseProperties (the last
// occurrence wins).
func LookupProperty(s, name string) (string, bool) {
	var found string
	ok := false
	for s != "" {
		entry, rest, _ := strings.Cut(s, "\x02")
		s = rest
		k, v, sep := strings.Cut(entry, "\x01")
		if sep && k == name && v != "" {
			found, ok = v, true
		}
	}
	return found, ok
}

// extReader decodes one header's extFields and remembers the first error.
type extReader struct {
	header string
	ext    map[string]string
	err    error
}

func (r *extReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *extReader) missing(key string) {
	r.fail(&MissingFieldError{Header: r.header, Field: key})
}

// lookup returns the value of the first of keys present.
func (r *extReader) lookup(keys ...string) (key, value string, ok bool) {
	for _, k := range keys {
		if v, ok := r.ext[k]; ok {
			return k, v, true
		}
	}
	return "", "", false
}

func (r *extReader) str(dst *string, required bool, keys ...string) {
	_, v, ok := r.lookup(keys...)
	if !ok {
		if required {
			r.missing(keys[0])
		}
		return
	}
	*dst = v
}

func (r *extReader) parseInt(key, v string, bits int) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		want := "a 32-bit integer"
		if bits == 64 {
			want = "a 64-bit integer"
		}
		r.fail(&FieldError{Header: r.header, Field: key, Value: v, Want: want, Err: err})
		return 0, false
	}
	return n, true
}

func (r *extReader) int32(dst *int32, required bool, keys ...string) {
	k, v, ok := r.lookup(keys...)
	if !ok {
		if required {
			r.missing(keys[0])
		}
		return
	}
	if n, ok := r.parseInt(k, v, 32); ok {
		*dst = int32(n)
	}
}

func (r *extReader) int64(dst *int64, required bool, keys ...string) {
	k, v, ok := r.lookup(keys...)
	if !ok {
		if required {
			r.missing(keys[0])
		}
		return
	}
	if n, ok := r.parseInt(k, v, 64); ok {
		*dst = n
	}
}

func (r *extReader) optInt32(dst **int32, keys ...string) {
	k, v, ok := r.lookup(keys...)
	if !ok {
		return
	}
	if n, ok := r.parseInt(k, v, 32); ok {
		x := int32(n)
		*dst = &x
	}
}

// parseBool accepts "true" and "false" in any case (Java's Boolean.parseBoolean
// is case-insensitive too, but silently maps every other value to false).
func (r *extReader) parseBool(key, v string) (bool, bool) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, true
	case strings.EqualFold(v, "false"):
		return false, true
	}
	r.fail(&FieldError{Header: r.header, Field: key, Value: v, Want: `"true" or "false"`,
		Err: &strconv.NumError{Func: "ParseBool", Num: v, Err: strconv.ErrSyntax}})
	return false, false
}

func (r *extReader) bool(dst *bool, keys ...string) {
	k, v, ok := r.lookup(keys...)
	if !ok {
		return
	}
	if b, ok := r.parseBool(k, v); ok {
		*dst = b
	}
}

func (r *extReader) optBool(dst **bool, keys ...string) {
	k, v, ok := r.lookup(keys...)
	if !ok {
		return
	}
	if b, ok := r.parseBool(k, v); ok {
		*dst = &b
	}
}

// extWriter builds an extFields map.
type extWriter map[string]string

func (w extWriter) str(key, v string) {
	if v != "" {
		w[key] = v
	}
}

func (w extWriter) int(key string, v int64) { w[key] = strconv.FormatInt(v, 10) }

func (w extWriter) optInt32(key string, v *int32) {
	if v != nil {
		w[key] = strconv.FormatInt(int64(*v), 10)
	}
}

func (w extWriter) bool(key string, v bool) { w[key] = strconv.FormatBool(v) }

func (w extWriter) optBool(key string, v *bool) {
	if v != nil {
		w[key] = strconv.FormatBool(*v)
	}
}

// Bool returns a pointer to v, for the optional *bool header fields.
func Bool(v bool) *bool { return &v }

// Int32 returns a pointer to v, for the optional *int32 header fields.
func Int32(v int32) *int32 { return &v }

// RPCHeader holds the optional keys of the 5.x RpcRequestHeader base class
// (4.9.8's has only bname). All are normally absent.
type RPCHeader struct {
	Namespace        string // "ns"
	NamespaceDefined *bool  // "nsd": the names are already namespaced
	BrokerName       string // "bname": target broker name
	Oneway           *bool  // "oway"
}

func (h *RPCHeader) decodeRPC(r *extReader) {
	r.str(&h.Namespace, false, "ns")
	r.optBool(&h.NamespaceDefined, "nsd")
	r.str(&h.BrokerName, false, "bname")
	r.optBool(&h.Oneway, "oway")
}

func (h *RPCHeader) encodeRPC(w extWriter) {
	w.str("ns", h.Namespace)
	w.optBool("nsd", h.NamespaceDefined)
	w.str("bname", h.BrokerName)
	w.optBool("oway", h.Oneway)
}

// HeartbeatRequestHeader is the 5.x HEART_BEAT (34) header: only the RPC keys
// (4.9.8 and Go send none).
type HeartbeatRequestHeader struct {
	RPCHeader
}

// Decode reads the header from extFields.
func (h *HeartbeatRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "HeartbeatRequestHeader", ext: ext}
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *HeartbeatRequestHeader) Encode() map[string]string {
	w := extWriter{}
	h.encodeRPC(w)
	return w
}

// UnregisterClientRequestHeader is the UNREGISTER_CLIENT (35) header.
type UnregisterClientRequestHeader struct {
	RPCHeader
	ClientID      string // "clientID" (capital ID), required
	ProducerGroup string // "producerGroup"
	ConsumerGroup string // "consumerGroup"
}

// Decode reads the header from extFields.
func (h *UnregisterClientRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "UnregisterClientRequestHeader", ext: ext}
	r.str(&h.ClientID, true, "clientID")
	r.str(&h.ProducerGroup, false, "producerGroup")
	r.str(&h.ConsumerGroup, false, "consumerGroup")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *UnregisterClientRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("clientID", h.ClientID)
	w.str("producerGroup", h.ProducerGroup)
	w.str("consumerGroup", h.ConsumerGroup)
	h.encodeRPC(w)
	return w
}

// GetProducerConnectionListRequestHeader is the GET_PRODUCER_CONNECTION_LIST
// (204) header.
type GetProducerConnectionListRequestHeader struct {
	RPCHeader
	ProducerGroup string // "producerGroup", required
}

// Decode reads the header from extFields.
func (h *GetProducerConnectionListRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "GetProducerConnectionListRequestHeader", ext: ext}
	r.str(&h.ProducerGroup, true, "producerGroup")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *GetProducerConnectionListRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("producerGroup", h.ProducerGroup)
	h.encodeRPC(w)
	return w
}

// GetRouteInfoRequestHeader is the GET_ROUTEINFO_BY_TOPIC (105) header.
type GetRouteInfoRequestHeader struct {
	RPCHeader
	Topic                  string // "topic", required
	AcceptStandardJsonOnly *bool  // "acceptStandardJsonOnly": ask for quoted map keys
	Logical                *bool  // "lo" (5.x TopicRequestHeader)
}

// Decode reads the header from extFields.
func (h *GetRouteInfoRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "GetRouteInfoRequestHeader", ext: ext}
	r.str(&h.Topic, true, "topic")
	r.optBool(&h.AcceptStandardJsonOnly, "acceptStandardJsonOnly")
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *GetRouteInfoRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("topic", h.Topic)
	w.optBool("acceptStandardJsonOnly", h.AcceptStandardJsonOnly)
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// SendMessageRequestHeader is the SEND_MESSAGE (10) header, and the decoded
// form of the SEND_MESSAGE_V2 (310) / SEND_BATCH_MESSAGE (320) header, whose
// keys are the single letters of SendHeaderV2Keys. RPCHeader.BrokerName is
// "bname" in V1 and "n" in V2.
type SendMessageRequestHeader struct {
	RPCHeader
	ProducerGroup         string // required
	Topic                 string // required
	DefaultTopic          string // required; "TBW102"
	DefaultTopicQueueNums int32  // required; 4
	QueueID               int32  // "queueId", required; < 0 lets the broker pick
	SysFlag               int32  // required; see the SysFlag* constants
	BornTimestamp         int64  // required; epoch ms
	Flag                  int32  // required; Message.flag
	Properties            string // "name\x01value\x02…", see ParseProperties
	ReconsumeTimes        *int32
	UnitMode              *bool
	Batch                 *bool // the body is a batch (see WalkBatch)
	MaxReconsumeTimes     *int32
	Logical               *bool // "lo" (5.x TopicRequestHeader)
}

// SendHeaderV2Keys maps each SEND_MESSAGE_V2 short key to its V1 key.
var SendHeaderV2Keys = map[string]string{
	"a": "producerGroup",
	"b": "topic",
	"c": "defaultTopic",
	"d": "defaultTopicQueueNums",
	"e": "queueId",
	"f": "sysFlag",
	"g": "bornTimestamp",
	"h": "flag",
	"i": "properties",
	"j": "reconsumeTimes",
	"k": "unitMode",
	"l": "maxReconsumeTimes",
	"m": "batch",
	"n": "bname",
}

// SendHeaderV2Key returns the SEND_MESSAGE_V2 short key for a V1 key.
func SendHeaderV2Key(v1 string) (string, bool) {
	for short, long := range SendHeaderV2Keys {
		if long == v1 {
			return short, true
		}
	}
	return "", false
}

// IsSendV2 reports whether a send request code carries the V2 (short key)
// header: SEND_MESSAGE_V2, SEND_BATCH_MESSAGE and SEND_REPLY_MESSAGE_V2.
func IsSendV2(code RequestCode) bool {
	return code == SendMessageV2 || code == SendBatchMessage || code == SendReplyMessageV2
}

// DecodeSendMessageHeader decodes the header of a SEND_MESSAGE (10),
// SEND_MESSAGE_V2 (310) or SEND_BATCH_MESSAGE (320) request. It reads the key
// style the code calls for (see IsSendV2) and falls back, field by field, to
// the other style. On error the returned header holds every field that did
// decode.
func DecodeSendMessageHeader(code RequestCode, ext map[string]string) (*SendMessageRequestHeader, error) {
	h := new(SendMessageRequestHeader)
	var err error
	if IsSendV2(code) {
		err = h.DecodeV2(ext)
	} else {
		err = h.Decode(ext)
	}
	return h, err
}

// Decode reads a V1 (long key) header from extFields, accepting V2 short
// keys for absent long ones.
func (h *SendMessageRequestHeader) Decode(ext map[string]string) error {
	return h.decode(ext, "SendMessageRequestHeader", false)
}

// DecodeV2 reads a V2 (short key) header from extFields, accepting V1 long
// keys for absent short ones.
func (h *SendMessageRequestHeader) DecodeV2(ext map[string]string) error {
	return h.decode(ext, "SendMessageRequestHeaderV2", true)
}

func (h *SendMessageRequestHeader) decode(ext map[string]string, header string, v2 bool) error {
	r := extReader{header: header, ext: ext}
	keys := func(short string) []string {
		long := SendHeaderV2Keys[short]
		if v2 {
			return []string{short, long}
		}
		return []string{long, short}
	}
	r.str(&h.ProducerGroup, true, keys("a")...)
	r.str(&h.Topic, true, keys("b")...)
	r.str(&h.DefaultTopic, true, keys("c")...)
	r.int32(&h.DefaultTopicQueueNums, true, keys("d")...)
	r.int32(&h.QueueID, true, keys("e")...)
	r.int32(&h.SysFlag, true, keys("f")...)
	r.int64(&h.BornTimestamp, true, keys("g")...)
	r.int32(&h.Flag, true, keys("h")...)
	r.str(&h.Properties, false, keys("i")...)
	r.optInt32(&h.ReconsumeTimes, keys("j")...)
	r.optBool(&h.UnitMode, keys("k")...)
	r.optInt32(&h.MaxReconsumeTimes, keys("l")...)
	r.optBool(&h.Batch, keys("m")...)
	r.optBool(&h.Logical, "lo")
	h.decodeRPC(&r) // "bname"
	if v2 {
		if n, ok := ext["n"]; ok {
			h.BrokerName = n
		}
	} else if _, ok := ext["bname"]; !ok {
		if n, ok := ext["n"]; ok {
			h.BrokerName = n
		}
	}
	return r.err
}

// IsBatch reports whether the Batch flag is set.
func (h *SendMessageRequestHeader) IsBatch() bool { return h.Batch != nil && *h.Batch }

// Encode returns the header as V1 (long key) extFields.
func (h *SendMessageRequestHeader) Encode() map[string]string {
	w := extWriter{}
	h.encode(w, func(short string) string { return SendHeaderV2Keys[short] })
	w.optBool("lo", h.Logical)
	h.encodeRPC(w)
	return w
}

// EncodeV2 returns the header as V2 (short key) extFields, as the Java client
// sends it with SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE.
func (h *SendMessageRequestHeader) EncodeV2() map[string]string {
	w := extWriter{}
	h.encode(w, func(short string) string { return short })
	w.str("ns", h.Namespace)
	w.optBool("nsd", h.NamespaceDefined)
	w.optBool("oway", h.Oneway)
	w.optBool("lo", h.Logical)
	return w
}

func (h *SendMessageRequestHeader) encode(w extWriter, key func(string) string) {
	w.str(key("a"), h.ProducerGroup)
	w.str(key("b"), h.Topic)
	w.str(key("c"), h.DefaultTopic)
	w.int(key("d"), int64(h.DefaultTopicQueueNums))
	w.int(key("e"), int64(h.QueueID))
	w.int(key("f"), int64(h.SysFlag))
	w.int(key("g"), h.BornTimestamp)
	w.int(key("h"), int64(h.Flag))
	w.str(key("i"), h.Properties)
	w.optInt32(key("j"), h.ReconsumeTimes)
	w.optBool(key("k"), h.UnitMode)
	w.optInt32(key("l"), h.MaxReconsumeTimes)
	w.optBool(key("m"), h.Batch)
	w.str(key("n"), h.BrokerName)
}

// SendMessageResponseHeader is the extFields of a send reply.
type SendMessageResponseHeader struct {
	MsgID         string // "msgId": offset message id(s), comma-joined for a batch; required
	QueueID       int32  // "queueId", required
	QueueOffset   int64  // "queueOffset", required
	TransactionID string // "transactionId" (5.x: the message's UNIQ_KEY)
	BatchUniqID   string // "batchUniqId" (5.x inner batches)
	RecallHandle  string // "recallHandle" (5.x timer messages)
	// Extras the broker adds to every send reply, errors included.
	MsgRegion string // "MSG_REGION", e.g. "DefaultRegion"
	TraceOn   *bool  // "TRACE_ON"
}

// Decode reads the header from extFields.
func (h *SendMessageResponseHeader) Decode(ext map[string]string) error {
	r := extReader{header: "SendMessageResponseHeader", ext: ext}
	r.str(&h.MsgID, true, "msgId")
	r.int32(&h.QueueID, true, "queueId")
	r.int64(&h.QueueOffset, true, "queueOffset")
	r.str(&h.TransactionID, false, "transactionId")
	r.str(&h.BatchUniqID, false, "batchUniqId")
	r.str(&h.RecallHandle, false, "recallHandle")
	r.str(&h.MsgRegion, false, PropertyMsgRegion)
	r.optBool(&h.TraceOn, PropertyTraceSwitch)
	return r.err
}

// Encode returns the header as extFields.
func (h *SendMessageResponseHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("msgId", h.MsgID)
	w.int("queueId", int64(h.QueueID))
	w.int("queueOffset", h.QueueOffset)
	w.str("transactionId", h.TransactionID)
	w.str("batchUniqId", h.BatchUniqID)
	w.str("recallHandle", h.RecallHandle)
	w.str(PropertyMsgRegion, h.MsgRegion)
	w.optBool(PropertyTraceSwitch, h.TraceOn)
	return w
}

// EndTransactionRequestHeader is the END_TRANSACTION (37) header.
type EndTransactionRequestHeader struct {
	RPCHeader
	Topic                string // "topic" (5.x)
	ProducerGroup        string // required
	TranStateTableOffset int64  // required: the half message's queue offset
	CommitLogOffset      int64  // required
	CommitOrRollback     int32  // required: TransactionNotType, TransactionCommitType or TransactionRollbackType
	FromTransactionCheck bool   // Java's default is false, and Java always sends the key
	MsgID                string // "msgId", required: the UNIQ_KEY
	TransactionID        string // "transactionId"
}

// Decode reads the header from extFields. Besides missing and unparsable
// fields it rejects a commitOrRollback other than 0, 8 or 12 (with
// ErrBadCommitOrRollback), as Java's checkFields does.
func (h *EndTransactionRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "EndTransactionRequestHeader", ext: ext}
	r.str(&h.Topic, false, "topic")
	r.str(&h.ProducerGroup, true, "producerGroup")
	r.int64(&h.TranStateTableOffset, true, "tranStateTableOffset")
	r.int64(&h.CommitLogOffset, true, "commitLogOffset")
	if k, v, ok := r.lookup("commitOrRollback"); !ok {
		r.missing("commitOrRollback")
	} else if n, ok := r.parseInt(k, v, 32); ok {
		switch c := int32(n); c {
		case TransactionNotType, TransactionCommitType, TransactionRollbackType:
			h.CommitOrRollback = c
		default:
			r.fail(&FieldError{Header: r.header, Field: k, Value: v,
				Want: "0 (not type), 8 (commit) or 12 (rollback)", Err: ErrBadCommitOrRollback})
		}
	}
	r.bool(&h.FromTransactionCheck, "fromTransactionCheck")
	r.str(&h.MsgID, true, "msgId")
	r.str(&h.TransactionID, false, "transactionId")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *EndTransactionRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("topic", h.Topic)
	w.str("producerGroup", h.ProducerGroup)
	w.int("tranStateTableOffset", h.TranStateTableOffset)
	w.int("commitLogOffset", h.CommitLogOffset)
	w.int("commitOrRollback", int64(h.CommitOrRollback))
	w.bool("fromTransactionCheck", h.FromTransactionCheck)
	w.str("msgId", h.MsgID)
	w.str("transactionId", h.TransactionID)
	h.encodeRPC(w)
	return w
}

// CheckTransactionStateRequestHeader is the CHECK_TRANSACTION_STATE (39)
// header a broker sends to a producer.
type CheckTransactionStateRequestHeader struct {
	RPCHeader                   // 5.x: "bname"
	Topic                string // "topic" (5.x)
	TranStateTableOffset int64  // required
	CommitLogOffset      int64  // required
	MsgID                string // "msgId": the UNIQ_KEY
	TransactionID        string // "transactionId"
	OffsetMsgID          string // "offsetMsgId"
}

// Decode reads the header from extFields.
func (h *CheckTransactionStateRequestHeader) Decode(ext map[string]string) error {
	r := extReader{header: "CheckTransactionStateRequestHeader", ext: ext}
	r.str(&h.Topic, false, "topic")
	r.int64(&h.TranStateTableOffset, true, "tranStateTableOffset")
	r.int64(&h.CommitLogOffset, true, "commitLogOffset")
	r.str(&h.MsgID, false, "msgId")
	r.str(&h.TransactionID, false, "transactionId")
	r.str(&h.OffsetMsgID, false, "offsetMsgId")
	h.decodeRPC(&r)
	return r.err
}

// Encode returns the header as extFields.
func (h *CheckTransactionStateRequestHeader) Encode() map[string]string {
	w := extWriter{}
	w.str("topic", h.Topic)
	w.int("tranStateTableOffset", h.TranStateTableOffset)
	w.int("commitLogOffset", h.CommitLogOffset)
	w.str("msgId", h.MsgID)
	w.str("transactionId", h.TransactionID)
	w.str("offsetMsgId", h.OffsetMsgID)
	h.encodeRPC(w)
	return w
}
