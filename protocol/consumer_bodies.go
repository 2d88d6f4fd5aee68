package protocol

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Bodies of the consumer requests and replies: GET_CONSUMER_LIST_BY_GROUP
// (38), LOCK_BATCH_MQ (41) / UNLOCK_BATCH_MQ (42), GET_CONSUMER_CONNECTION_LIST
// (203), GET_CONSUME_STATS (208) and GET_CONSUMER_RUNNING_INFO (307).
//
// Java's HashSets and HashMaps are written in their iteration order, which
// the encoders here imitate (bucket order, see JavaHashMapOrder); entries
// that share a bucket come in sorted order, where Java keeps insertion order.

// MessageQueue identifies one queue of a topic on one broker.
type MessageQueue struct {
	Topic      string // "topic"
	BrokerName string // "brokerName"
	QueueID    int32  // "queueId"
}

// String returns the Java toString form.
func (q MessageQueue) String() string {
	return fmt.Sprintf("MessageQueue [topic=%s, brokerName=%s, queueId=%d]", q.Topic, q.BrokerName, q.QueueID)
}

// Compare orders queues as MessageQueue.compareTo: by topic, broker name,
// then queue id.
func (q MessageQueue) Compare(o MessageQueue) int {
	if c := strings.Compare(q.Topic, o.Topic); c != 0 {
		return c
	}
	if c := strings.Compare(q.BrokerName, o.BrokerName); c != 0 {
		return c
	}
	return cmp.Compare(q.QueueID, o.QueueID)
}

// JavaHash is MessageQueue.hashCode.
func (q MessageQueue) JavaHash() int32 {
	h := int32(1)
	h = 31*h + JavaStringHash(q.BrokerName)
	h = 31*h + q.QueueID
	return 31*h + JavaStringHash(q.Topic)
}

// JavaMessageQueueOrder sorts mqs into the order a java.util.HashSet (or
// HashMap) with the given initial capacity (0: the default) filled with
// them iterates them, and returns mqs.
func JavaMessageQueueOrder(mqs []MessageQueue, capacity int) []MessageQueue {
	return JavaHashMapOrder(mqs, capacity, MessageQueue.JavaHash, MessageQueue.Compare)
}

// write encodes q as fastjson does: {"brokerName":…,"queueId":…,"topic":…},
// null names left out.
func (q MessageQueue) write(w *fjWriter) {
	w.open('{')
	w.strFieldOmitEmpty("brokerName", q.BrokerName)
	w.intField("queueId", int64(q.QueueID))
	w.strFieldOmitEmpty("topic", q.Topic)
	w.close('}')
}

func writeMessageQueues(w *fjWriter, mqs []MessageQueue) {
	fjArray(w, mqs, (*MessageQueue).write)
}

// GetConsumerListByGroupResponseBody is the GET_CONSUMER_LIST_BY_GROUP reply
// body: the client ids of the group's consumers.
type GetConsumerListByGroupResponseBody struct {
	ConsumerIDList []string // "consumerIdList"
}

// Marshal encodes b as {"consumerIdList":[…]}; a nil list is left out
// ({}), as Java leaves out null.
func (b *GetConsumerListByGroupResponseBody) Marshal() []byte {
	w := fjWriter{b: make([]byte, 0, 24+40*len(b.ConsumerIDList))}
	w.open('{')
	if b.ConsumerIDList != nil {
		w.key("consumerIdList")
		w.strArray(b.ConsumerIDList)
	}
	w.close('}')
	return w.b
}

// DecodeGetConsumerListByGroupResponseBody decodes a GET_CONSUMER_LIST_BY_GROUP reply body.
func DecodeGetConsumerListByGroupResponseBody(body []byte) (*GetConsumerListByGroupResponseBody, error) {
	var w struct {
		ConsumerIDList fjStrings `json:"consumerIdList"`
	}
	if err := fjDecodeBody("GetConsumerListByGroupResponseBody", body, &w); err != nil {
		return nil, err
	}
	return &GetConsumerListByGroupResponseBody{ConsumerIDList: w.ConsumerIDList}, nil
}

// LockBatchRequestBody is the LOCK_BATCH_MQ (41) request body, and with
// UnlockBatchRequestBody's identical shape the UNLOCK_BATCH_MQ (42) one.
type LockBatchRequestBody struct {
	ConsumerGroup  string         // "consumerGroup"
	ClientID       string         // "clientId"
	OnlyThisBroker bool           // "onlyThisBroker" (5.x)
	MQSet          []MessageQueue // "mqSet"
}

// UnlockBatchRequestBody is the UNLOCK_BATCH_MQ (42) request body.
type UnlockBatchRequestBody = LockBatchRequestBody

// Marshal encodes b as a 5.x Java client does.
func (b *LockBatchRequestBody) Marshal() []byte { return b.MarshalAs(Release533) }

// MarshalAs encodes b as a Java client of the release does (4.9.8 has no
// onlyThisBroker); mqSet in slice order.
func (b *LockBatchRequestBody) MarshalAs(r Release) []byte {
	w := fjWriter{b: make([]byte, 0, 64+64*len(b.MQSet))}
	w.open('{')
	w.strFieldOmitEmpty("clientId", b.ClientID)
	w.strFieldOmitEmpty("consumerGroup", b.ConsumerGroup)
	w.key("mqSet")
	writeMessageQueues(&w, b.MQSet)
	if r.HasV5BodyFields() {
		w.boolField("onlyThisBroker", b.OnlyThisBroker)
	}
	w.close('}')
	return w.b
}

type messageQueueWire struct {
	Topic      string `json:"topic"`
	BrokerName string `json:"brokerName"`
	QueueID    int32  `json:"queueId"`
}

func mqsFromWire(ws []messageQueueWire) []MessageQueue {
	if len(ws) == 0 {
		return nil
	}
	out := make([]MessageQueue, len(ws))
	for i, q := range ws {
		out[i] = MessageQueue(q)
	}
	return out
}

// DecodeLockBatchRequestBody decodes a LOCK_BATCH_MQ or UNLOCK_BATCH_MQ
// request body, from Java (either release), Go and ali-ons clients.
func DecodeLockBatchRequestBody(body []byte) (*LockBatchRequestBody, error) {
	var w struct {
		ConsumerGroup  string             `json:"consumerGroup"`
		ClientID       string             `json:"clientId"`
		OnlyThisBroker bool               `json:"onlyThisBroker"`
		MQSet          []messageQueueWire `json:"mqSet"`
	}
	if err := fjDecodeBody("LockBatchRequestBody", body, &w); err != nil {
		return nil, err
	}
	return &LockBatchRequestBody{ConsumerGroup: w.ConsumerGroup, ClientID: w.ClientID,
		OnlyThisBroker: w.OnlyThisBroker, MQSet: mqsFromWire(w.MQSet)}, nil
}

// LockBatchResponseBody is the LOCK_BATCH_MQ reply body: the queues now
// locked by the requesting client.
type LockBatchResponseBody struct {
	LockOKMQSet []MessageQueue // "lockOKMQSet"
}

// Marshal encodes b as {"lockOKMQSet":[…]}, in slice order (a broker
// imitating Java orders it with JavaMessageQueueOrder: 4.9.8's set has
// the capacity of the request's mqSet size, 5.x's the default).
func (b *LockBatchResponseBody) Marshal() []byte {
	w := fjWriter{b: make([]byte, 0, 16+64*len(b.LockOKMQSet))}
	w.open('{')
	w.key("lockOKMQSet")
	writeMessageQueues(&w, b.LockOKMQSet)
	w.close('}')
	return w.b
}

// DecodeLockBatchResponseBody decodes a LOCK_BATCH_MQ reply body.
func DecodeLockBatchResponseBody(body []byte) (*LockBatchResponseBody, error) {
	var w struct {
		LockOKMQSet []messageQueueWire `json:"lockOKMQSet"`
	}
	if err := fjDecodeBody("LockBatchResponseBody", body, &w); err != nil {
		return nil, err
	}
	return &LockBatchResponseBody{LockOKMQSet: mqsFromWire(w.LockOKMQSet)}, nil
}

// ConsumerConnection is the GET_CONSUMER_CONNECTION_LIST (203) reply body.
type ConsumerConnection struct {
	ConnectionSet     []Connection                // "connectionSet"
	SubscriptionTable map[string]SubscriptionData // "subscriptionTable": topic -> subscription
	ConsumeType       string                      // "consumeType", left out when empty
	MessageModel      string                      // "messageModel", left out when empty
	ConsumeFromWhere  string                      // "consumeFromWhere", left out when empty
}

// Marshal encodes c as the broker does (the same in 4.9.8 and 5.x):
// connectionSet in slice order (Java's set has no stable order),
// subscriptionTable in the order of the ConcurrentHashMap the broker
// fills with putAll, tagsSet and codeSet in HashSet order.
func (c *ConsumerConnection) Marshal() []byte {
	w := fjWriter{b: make([]byte, 0, 128+112*len(c.ConnectionSet)+160*len(c.SubscriptionTable))}
	w.open('{')
	w.key("connectionSet")
	fjArray(&w, c.ConnectionSet, (*Connection).write)
	w.strFieldOmitEmpty("consumeFromWhere", c.ConsumeFromWhere)
	w.strFieldOmitEmpty("consumeType", c.ConsumeType)
	w.strFieldOmitEmpty("messageModel", c.MessageModel)
	w.key("subscriptionTable")
	w.open('{')
	n := len(c.SubscriptionTable)
	for _, t := range javaMapOrder(c.SubscriptionTable, n+n/2+1, make([]string, 0, n)) {
		w.mapKey(t)
		s := c.SubscriptionTable[t]
		s.writeJava(&w)
	}
	w.close('}')
	w.close('}')
	return w.b
}

// writeJava encodes s as fastjson writes the broker's SubscriptionData,
// whose sets are HashSets filled by fastjson.
func (s *SubscriptionData) writeJava(w *fjWriter) {
	j := *s
	j.TagsSet = JavaHashMapOrder(slices.Clone(s.TagsSet), 0, JavaStringHash, strings.Compare)
	j.CodeSet = JavaHashMapOrder(slices.Clone(s.CodeSet), 0, func(v int32) int32 { return v }, cmp.Compare[int32])
	j.write(w)
}

// DecodeConsumerConnection decodes a GET_CONSUMER_CONNECTION_LIST reply body.
func DecodeConsumerConnection(body []byte) (*ConsumerConnection, error) {
	var w struct {
		ConnectionSet     []connectionWire                `json:"connectionSet"`
		SubscriptionTable map[string]subscriptionDataWire `json:"subscriptionTable"`
		ConsumeType       string                          `json:"consumeType"`
		MessageModel      string                          `json:"messageModel"`
		ConsumeFromWhere  string                          `json:"consumeFromWhere"`
	}
	if err := fjDecodeBody("ConsumerConnection", body, &w); err != nil {
		return nil, err
	}
	c := &ConsumerConnection{ConsumeType: w.ConsumeType, MessageModel: w.MessageModel, ConsumeFromWhere: w.ConsumeFromWhere}
	if len(w.ConnectionSet) > 0 {
		c.ConnectionSet = make([]Connection, len(w.ConnectionSet))
		for i := range w.ConnectionSet {
			c.ConnectionSet[i] = w.ConnectionSet[i].conn()
		}
	}
	if len(w.SubscriptionTable) > 0 {
		c.SubscriptionTable = make(map[string]SubscriptionData, len(w.SubscriptionTable))
		for t, s := range w.SubscriptionTable {
			c.SubscriptionTable[t] = s.data()
		}
	}
	return c, nil
}

// OffsetWrapper is one queue's entry in ConsumeStats.
type OffsetWrapper struct {
	BrokerOffset   int64 // "brokerOffset": the queue's max offset
	ConsumerOffset int64 // "consumerOffset": the group's committed offset (0 if none)
	PullOffset     int64 // "pullOffset" (5.x): max(consumerOffset, the last pull's offset)
	LastTimestamp  int64 // "lastTimestamp": store time of the last consumed message, 0 if none
}

// ConsumeStats is the GET_CONSUME_STATS (208) reply body.
type ConsumeStats struct {
	OffsetTable map[MessageQueue]OffsetWrapper // "offsetTable"
	ConsumeTps  float64                        // "consumeTps"
}

// Marshal encodes s as a 5.x broker does.
func (s *ConsumeStats) Marshal() []byte { return s.MarshalAs(Release533) }

// MarshalAs encodes s as the broker of the release does:
//
//	{"consumeTps":0.0,"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":3,"consumerOffset":1,"lastTimestamp":1700000000000,"pullOffset":1}}}
//
// with object keys, which is not JSON. 4.9.8 has no pullOffset and fills a
// HashMap, 5.x a ConcurrentHashMap: the entries come in their order.
func (s *ConsumeStats) MarshalAs(r Release) []byte {
	w := fjWriter{b: make([]byte, 0, 48+140*len(s.OffsetTable))}
	w.open('{')
	w.key("consumeTps")
	w.b = fjAppendDouble(w.b, s.ConsumeTps)
	w.key("offsetTable")
	writeOffsetTable(&w, r, s.OffsetTable, func(w *fjWriter, o OffsetWrapper) {
		w.open('{')
		w.intField("brokerOffset", o.BrokerOffset)
		w.intField("consumerOffset", o.ConsumerOffset)
		w.intField("lastTimestamp", o.LastTimestamp)
		if r.HasV5BodyFields() {
			w.intField("pullOffset", o.PullOffset)
		}
		w.close('}')
	})
	w.close('}')
	return w.b
}

// writeOffsetTable writes a map keyed by MessageQueue as fastjson does,
// with the queues as object keys ({{"brokerName":…}:…}, not JSON), in the
// order the broker of release r holds them (offsetTableOrder), each value
// by write.
func writeOffsetTable[V any](w *fjWriter, r Release, table map[MessageQueue]V, write func(*fjWriter, V)) {
	w.open('{')
	for _, q := range offsetTableOrder(r, table) {
		w.sep()
		q.write(w)
		w.b = append(w.b, ':')
		write(w, table[q])
	}
	w.close('}')
}

// offsetTableOrder returns the queues of an offsetTable in the order the
// broker of release r writes them: 4.9.8 from a HashMap, 5.x from a
// ConcurrentHashMap.
func offsetTableOrder[V any](r Release, table map[MessageQueue]V) []MessageQueue {
	mqs := make([]MessageQueue, 0, len(table))
	for q := range table {
		mqs = append(mqs, q)
	}
	capacity := 0
	if r.HasV5BodyFields() {
		capacity = javaConcurrentTable(len(mqs))
	}
	return JavaMessageQueueOrder(mqs, capacity)
}

// javaConcurrentTable is the table size of a new ConcurrentHashMap after n
// puts: it doubles when the count reaches 3/4 of the table (a HashMap only
// when it passes it).
func javaConcurrentTable(n int) int {
	t := 16
	for n >= t*3/4 && t < javaMaxTable {
		t *= 2
	}
	return t
}

// DecodeConsumeStats decodes a GET_CONSUME_STATS reply body, with the
// offsetTable keys written as objects (fastjson) or as quoted JSON text.
func DecodeConsumeStats(body []byte) (*ConsumeStats, error) {
	const what = "ConsumeStats"
	members, err := fjTopMembers(what, body)
	if err != nil {
		return nil, err
	}
	s := &ConsumeStats{}
	for _, m := range members {
		switch m.name {
		case "consumeTps":
			var tps *float64
			if err := fjUnmarshal(m.value, &tps); err != nil {
				return nil, fmt.Errorf("%s: consumeTps: %w", what, err)
			}
			if tps != nil {
				s.ConsumeTps = *tps
			}
		case "offsetTable":
			err := fjObjectKeyed(m.value, func(q MessageQueue, raw []byte) error {
				var o OffsetWrapper
				if err := fjUnmarshal(raw, (*offsetWrapperWire)(&o)); err != nil {
					return err
				}
				if s.OffsetTable == nil {
					s.OffsetTable = map[MessageQueue]OffsetWrapper{}
				}
				s.OffsetTable[q] = o
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s: offsetTable: %w", what, err)
			}
		}
	}
	return s, nil
}

type offsetWrapperWire struct {
	BrokerOffset   int64 `json:"brokerOffset"`
	ConsumerOffset int64 `json:"consumerOffset"`
	PullOffset     int64 `json:"pullOffset"`
	LastTimestamp  int64 `json:"lastTimestamp"`
}

// fjNamedMember is a top-level member of a body with its key as a name.
type fjNamedMember struct {
	name  string
	value []byte
}

// fjTopMembers splits a body that may hold object-keyed maps into its
// top-level members, with fjDecodeBody's errors for empty and null bodies.
func fjTopMembers(what string, body []byte) ([]fjNamedMember, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%s: empty body, want a JSON object", what)
	}
	if fjIsNull(body) {
		return nil, fmt.Errorf("%s: %w, want a JSON object", what, fjErrNull)
	}
	members, err := fjObjectMembers(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := make([]fjNamedMember, 0, len(members))
	for _, m := range members {
		name, err := fjKeyName(m.key)
		if err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", what, m.key, err)
		}
		out = append(out, fjNamedMember{name: name, value: m.value})
	}
	return out, nil
}

// fjObjectKeyed walks a map keyed by MessageQueue objects: null gives
// nothing; a key may be an object or a string holding one.
func fjObjectKeyed(raw []byte, fn func(q MessageQueue, value []byte) error) error {
	if fjIsNull(raw) {
		return nil
	}
	members, err := fjObjectMembers(raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key, err := fjKeyName(m.key)
		if err != nil {
			return err
		}
		var q messageQueueWire
		if err := fjUnmarshal([]byte(key), &q); err != nil {
			return fmt.Errorf("key %s: want a MessageQueue object: %w", m.key, err)
		}
		if err := fn(MessageQueue(q), m.value); err != nil {
			return fmt.Errorf("value of %s: %w", m.key, err)
		}
	}
	return nil
}

// ProcessQueueInfo is one queue's state in ConsumerRunningInfo.mqTable.
type ProcessQueueInfo struct {
	CommitOffset            int64 `json:"commitOffset"`
	CachedMsgMinOffset      int64 `json:"cachedMsgMinOffset"`
	CachedMsgMaxOffset      int64 `json:"cachedMsgMaxOffset"`
	CachedMsgCount          int32 `json:"cachedMsgCount"`
	CachedMsgSizeInMiB      int32 `json:"cachedMsgSizeInMiB"`
	TransactionMsgMinOffset int64 `json:"transactionMsgMinOffset"`
	TransactionMsgMaxOffset int64 `json:"transactionMsgMaxOffset"`
	TransactionMsgCount     int32 `json:"transactionMsgCount"`
	Locked                  bool  `json:"locked"`
	TryUnlockTimes          int64 `json:"tryUnlockTimes"`
	LastLockTimestamp       int64 `json:"lastLockTimestamp"`
	Dropped                 bool  `json:"droped"` // Java's spelling; Go clients write "dropped"
	LastPullTimestamp       int64 `json:"lastPullTimestamp"`
	LastConsumeTimestamp    int64 `json:"lastConsumeTimestamp"`
}

// ConsumeStatus is one topic's statistics in ConsumerRunningInfo.statusTable.
type ConsumeStatus struct {
	PullRT            float64 `json:"pullRT"`
	PullTPS           float64 `json:"pullTPS"`
	ConsumeRT         float64 `json:"consumeRT"`
	ConsumeOKTPS      float64 `json:"consumeOKTPS"`
	ConsumeFailedTPS  float64 `json:"consumeFailedTPS"`
	ConsumeFailedMsgs int64   `json:"consumeFailedMsgs"`
}

// ConsumerRunningInfo is what a client answers GET_CONSUMER_RUNNING_INFO
// (307) with, as far as a broker or admin tool reads it.
type ConsumerRunningInfo struct {
	Properties       map[string]string                 // "properties": values of any JSON type, as text
	SubscriptionSet  []SubscriptionData                // "subscriptionSet"
	MQTable          map[MessageQueue]ProcessQueueInfo // "mqTable"
	StatusTable      map[string]ConsumeStatus          // "statusTable"
	UserConsumerInfo map[string]string                 // "userConsumerInfo" (5.x)
	Jstack           string                            // "jstack"
}

// DecodeConsumerRunningInfo decodes a GET_CONSUMER_RUNNING_INFO reply body
// from a Java (fastjson, object-keyed mqTable) or Go client, leniently:
// unknown members (such as 5.x's mqPopTable) are skipped, and wrongly typed
// scalars inside properties are kept as their JSON text.
func DecodeConsumerRunningInfo(body []byte) (*ConsumerRunningInfo, error) {
	const what = "ConsumerRunningInfo"
	members, err := fjTopMembers(what, body)
	if err != nil {
		return nil, err
	}
	info := &ConsumerRunningInfo{}
	for _, m := range members {
		var err error
		switch m.name {
		case "properties":
			info.Properties, err = fjTextMap(m.value)
		case "userConsumerInfo":
			info.UserConsumerInfo, err = fjTextMap(m.value)
		case "subscriptionSet":
			var subs []subscriptionDataWire
			if err = fjUnmarshal(m.value, &subs); err == nil && len(subs) > 0 {
				info.SubscriptionSet = make([]SubscriptionData, len(subs))
				for i := range subs {
					info.SubscriptionSet[i] = subs[i].data()
				}
			}
		case "statusTable":
			err = fjUnmarshal(m.value, &info.StatusTable)
		case "mqTable":
			err = fjObjectKeyed(m.value, func(q MessageQueue, raw []byte) error {
				var p struct {
					ProcessQueueInfo
					Dropped *bool `json:"dropped"`
				}
				if err := fjUnmarshal(raw, &p); err != nil {
					return err
				}
				if p.Dropped != nil {
					p.ProcessQueueInfo.Dropped = *p.Dropped
				}
				if info.MQTable == nil {
					info.MQTable = map[MessageQueue]ProcessQueueInfo{}
				}
				info.MQTable[q] = p.ProcessQueueInfo
				return nil
			})
		case "jstack":
			var s *string
			if err = fjUnmarshal(m.value, &s); err == nil && s != nil {
				info.Jstack = *s
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", what, m.name, err)
		}
	}
	return info, nil
}

// fjTextMap decodes an object whose values are strings, or other JSON
// values kept as their text (null values are dropped).
func fjTextMap(raw []byte) (map[string]string, error) {
	var m map[string]json.RawMessage
	if err := fjUnmarshal(raw, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		v = fjTrimSpace(v)
		switch {
		case string(v) == "null":
			continue
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, err
			}
			out[k] = s
		default:
			out[k] = string(v)
		}
	}
	return out, nil
}
