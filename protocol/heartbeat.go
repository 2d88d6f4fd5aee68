package protocol

// HEART_BEAT (34) body: HeartbeatData JSON. Java sends its HashSets as JSON
// arrays (in arbitrary order); the Go client sends its sets as arrays sorted
// by their JSON text, and its codeSet as an array of strings.

// Values of ConsumerData.ConsumeType.
const (
	ConsumeActively  = "CONSUME_ACTIVELY"  // pull consumer
	ConsumePassively = "CONSUME_PASSIVELY" // push consumer
	ConsumePop       = "CONSUME_POP"       // 5.x pop consumer
)

// Values of ConsumerData.MessageModel.
const (
	MessageModelClustering   = "CLUSTERING"
	MessageModelBroadcasting = "BROADCASTING"
)

// Expression types of SubscriptionData.
const (
	ExpressionTypeTag   = "TAG"
	ExpressionTypeSQL92 = "SQL92"
)

// HeartbeatData is the body of a HEART_BEAT request.
type HeartbeatData struct {
	ClientID        string         `json:"clientID"`
	ProducerDataSet []ProducerData `json:"producerDataSet"`
	ConsumerDataSet []ConsumerData `json:"consumerDataSet"`
	// 5.x only (Release.HasV5BodyFields); a Java int.
	HeartbeatFingerprint int32 `json:"heartbeatFingerprint"`
	WithoutSub           bool  `json:"withoutSub"` // 5.x only
}

// ProducerData names one producer group of a client.
type ProducerData struct {
	GroupName string `json:"groupName"`
}

// ConsumerData describes one consumer group of a client.
type ConsumerData struct {
	GroupName           string             `json:"groupName"`
	ConsumeType         string             `json:"consumeType"`      // ConsumeActively, ConsumePassively, ConsumePop
	MessageModel        string             `json:"messageModel"`     // MessageModelClustering or MessageModelBroadcasting
	ConsumeFromWhere    string             `json:"consumeFromWhere"` // e.g. "CONSUME_FROM_LAST_OFFSET"
	SubscriptionDataSet []SubscriptionData `json:"subscriptionDataSet"`
	UnitMode            bool               `json:"unitMode"`
}

// SubscriptionData is one topic subscription of a consumer group.
type SubscriptionData struct {
	ClassFilterMode bool     `json:"classFilterMode"`
	CodeSet         []int32  `json:"codeSet"`        // hash codes of TagsSet
	ExpressionType  string   `json:"expressionType"` // ExpressionTypeTag or ExpressionTypeSQL92
	SubString       string   `json:"subString"`      // "*" or "a || b" or an SQL92 expression
	SubVersion      int64    `json:"subVersion"`
	TagsSet         []string `json:"tagsSet"`
	Topic           string   `json:"topic"`
}

// The wire shapes used for decoding: lenient about set encodings.
type (
	heartbeatWire struct {
		ClientID             string             `json:"clientID"`
		ProducerDataSet      []ProducerData     `json:"producerDataSet"`
		ConsumerDataSet      []consumerDataWire `json:"consumerDataSet"`
		HeartbeatFingerprint int32              `json:"heartbeatFingerprint"`
		WithoutSub           bool               `json:"withoutSub"`
	}
	consumerDataWire struct {
		GroupName           string                 `json:"groupName"`
		ConsumeType         string                 `json:"consumeType"`
		MessageModel        string                 `json:"messageModel"`
		ConsumeFromWhere    string                 `json:"consumeFromWhere"`
		SubscriptionDataSet []subscriptionDataWire `json:"subscriptionDataSet"`
		UnitMode            bool                   `json:"unitMode"`
	}
	subscriptionDataWire struct {
		ClassFilterMode bool      `json:"classFilterMode"`
		CodeSet         fjInt32s  `json:"codeSet"`
		ExpressionType  *string   `json:"expressionType"`
		SubString       string    `json:"subString"`
		SubVersion      int64     `json:"subVersion"`
		TagsSet         fjStrings `json:"tagsSet"`
		Topic           string    `json:"topic"`
	}
)

// data converts the wire form. An absent or null expressionType is TAG,
// the Java field's initial value (ali-ons sends none for tag subscriptions).
func (s *subscriptionDataWire) data() SubscriptionData {
	expr := ExpressionTypeTag
	if s.ExpressionType != nil {
		expr = *s.ExpressionType
	}
	return SubscriptionData{
		ClassFilterMode: s.ClassFilterMode,
		CodeSet:         nilIfEmpty(s.CodeSet),
		ExpressionType:  expr,
		SubString:       s.SubString,
		SubVersion:      s.SubVersion,
		TagsSet:         nilIfEmpty(s.TagsSet),
		Topic:           s.Topic,
	}
}

// DecodeHeartbeatData decodes a HEART_BEAT body as sent by the Java (4.9.8,
// 5.x), Go and ali-ons clients. Unknown properties are ignored; codeSet may
// hold numbers or numeric strings; an absent expressionType is
// ExpressionTypeTag. Empty and null sets decode as nil. An empty or null body
// is an error, as it is for the Java broker.
func DecodeHeartbeatData(body []byte) (*HeartbeatData, error) {
	if h, ok := decodeHeartbeatFast(body); ok {
		return h, nil
	}
	return decodeHeartbeatGeneral(body)
}

// decodeHeartbeatGeneral is DecodeHeartbeatData for every body.
func decodeHeartbeatGeneral(body []byte) (*HeartbeatData, error) {
	var w heartbeatWire
	if err := fjDecodeBody("HeartbeatData", body, &w); err != nil {
		return nil, err
	}
	h := &HeartbeatData{
		ClientID:             w.ClientID,
		ProducerDataSet:      nilIfEmpty(w.ProducerDataSet),
		HeartbeatFingerprint: w.HeartbeatFingerprint,
		WithoutSub:           w.WithoutSub,
	}
	if len(w.ConsumerDataSet) > 0 {
		h.ConsumerDataSet = make([]ConsumerData, len(w.ConsumerDataSet))
	}
	for i, c := range w.ConsumerDataSet {
		cd := ConsumerData{
			GroupName:        c.GroupName,
			ConsumeType:      c.ConsumeType,
			MessageModel:     c.MessageModel,
			ConsumeFromWhere: c.ConsumeFromWhere,
			UnitMode:         c.UnitMode,
		}
		if len(c.SubscriptionDataSet) > 0 {
			cd.SubscriptionDataSet = make([]SubscriptionData, len(c.SubscriptionDataSet))
		}
		for j := range c.SubscriptionDataSet {
			cd.SubscriptionDataSet[j] = c.SubscriptionDataSet[j].data()
		}
		h.ConsumerDataSet[i] = cd
	}
	return h, nil
}

func nilIfEmpty[S ~[]E, E any](s S) []E {
	if len(s) == 0 {
		return nil
	}
	return s
}

// ProducerGroups returns the producer group names, in body order.
func (h *HeartbeatData) ProducerGroups() []string {
	out := make([]string, len(h.ProducerDataSet))
	for i, p := range h.ProducerDataSet {
		out[i] = p.GroupName
	}
	return out
}

// Marshal encodes h as a 5.x Java client does (fastjson, sorted properties).
func (h *HeartbeatData) Marshal() []byte { return h.MarshalAs(Release533) }

// MarshalAs encodes h as a Java client of the given release does: 4.9.8
// leaves out heartbeatFingerprint and withoutSub. Sets are written in slice
// order; an empty ClientID is left out (Java null).
func (h *HeartbeatData) MarshalAs(r Release) []byte {
	w := fjWriter{b: make([]byte, 0, 128)}
	w.open('{')
	w.strFieldOmitEmpty("clientID", h.ClientID)
	w.key("consumerDataSet")
	fjArray(&w, h.ConsumerDataSet, (*ConsumerData).write)
	if r.HasV5BodyFields() {
		w.intField("heartbeatFingerprint", int64(h.HeartbeatFingerprint))
	}
	w.key("producerDataSet")
	fjArray(&w, h.ProducerDataSet, func(p *ProducerData, w *fjWriter) {
		w.open('{')
		w.strFieldOmitEmpty("groupName", p.GroupName)
		w.close('}')
	})
	if r.HasV5BodyFields() {
		w.boolField("withoutSub", h.WithoutSub)
	}
	w.close('}')
	return w.b
}

func (c *ConsumerData) write(w *fjWriter) {
	w.open('{')
	w.strFieldOmitEmpty("consumeFromWhere", c.ConsumeFromWhere)
	w.strFieldOmitEmpty("consumeType", c.ConsumeType)
	w.strFieldOmitEmpty("groupName", c.GroupName)
	w.strFieldOmitEmpty("messageModel", c.MessageModel)
	w.key("subscriptionDataSet")
	fjArray(w, c.SubscriptionDataSet, (*SubscriptionData).write)
	w.boolField("unitMode", c.UnitMode)
	w.close('}')
}

func (s *SubscriptionData) write(w *fjWriter) {
	w.open('{')
	w.boolField("classFilterMode", s.ClassFilterMode)
	w.key("codeSet")
	fjArray(w, s.CodeSet, func(c *int32, w *fjWriter) { w.int(int64(*c)) })
	w.strFieldOmitEmpty("expressionType", s.ExpressionType)
	w.strFieldOmitEmpty("subString", s.SubString)
	w.intField("subVersion", s.SubVersion)
	w.key("tagsSet")
	w.strArray(s.TagsSet)
	w.strFieldOmitEmpty("topic", s.Topic)
	w.close('}')
}
