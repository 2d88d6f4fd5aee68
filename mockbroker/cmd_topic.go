package mockbroker

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerTopicCodes registers 17, 21, 202, 206, 215, 216, 224 and, on
// 5.x, 351.
func (b *Broker) registerTopicCodes(m *remoting.Mux) {
	m.Handle(protocol.UpdateAndCreateTopic, handle(b.updateAndCreateTopic))
	m.Handle(protocol.GetAllTopicConfig, handle(b.allTopicConfig))
	m.Handle(protocol.GetTopicStatsInfo, handle(b.topicStatsInfo))
	m.Handle(protocol.GetAllTopicListFromNameServer, handle(b.allTopicList))
	m.Handle(protocol.DeleteTopicInBroker, handle(b.deleteTopic))
	m.Handle(protocol.DeleteTopicInNamesrv, handle(b.deleteTopic))
	m.Handle(protocol.GetTopicsByCluster, handle(b.topicsByCluster))
	if b.cfg.release != protocol.Release498 {
		m.Handle(protocol.GetTopicConfig, handle(b.topicConfig))
	}
}

// validTopic is TopicValidator.isTopicOrGroupIllegal's pattern.
var validTopic = regexp.MustCompile(`^[%|a-zA-Z0-9_-]+$`)

// topicMaxLength is TopicValidator.TOPIC_MAX_LENGTH.
const topicMaxLength = 127

// validateTopic is TopicValidator.validateTopic: "" when the name is fine,
// else the SYSTEM_ERROR remark.
func validateTopic(topic string) string {
	switch {
	case strings.TrimSpace(topic) == "":
		return "The specified topic is blank."
	case !validTopic.MatchString(topic):
		return "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
	case len(topic) > topicMaxLength:
		return "The specified topic is longer than topic max length."
	}
	return ""
}

// systemTopicList is the system topics as built for one version of the
// broker settings they depend on.
type systemTopicList struct {
	ver  int64
	list []store.TopicInfo
}

// systemTopics are the topics TopicConfigManager's constructor creates,
// with this broker's settings (TBW102 only with autoCreateTopicEnable,
// the trace topic only with traceTopicEnable).
// The list is built once per version of the settings (a route lookup
// reads it); callers must not change it.
func (b *Broker) systemTopics() []store.TopicInfo {
	ver := b.cfg.settings.version()
	if c := b.sysTopics.Load(); c != nil && c.ver == ver {
		return c.list
	}
	list := b.buildSystemTopics()
	b.sysTopics.Store(&systemTopicList{ver: ver, list: slices.Clip(list)})
	return list
}

func (b *Broker) buildSystemTopics() []store.TopicInfo {
	t := func(name string, n, perm int32) store.TopicInfo {
		return store.TopicInfo{Name: name, ReadQueueNums: n, WriteQueueNums: n, Perm: perm}
	}
	rw := int32(permRead | permWrite)
	s := b.cfg.settings
	out := []store.TopicInfo{t("SELF_TEST_TOPIC", 1, rw)}
	if b.autoCreateTopic() {
		out = append(out, t(autoCreateTopic, int32(b.cfg.queueNums), rw|permInherit))
	}
	out = append(out, t("BenchmarkTest", 1024, rw))
	perm := int32(permInherit)
	if s.bool("clusterTopicEnable") {
		perm |= rw
	}
	out = append(out, t(b.cfg.clusterName, 16, perm))
	perm = permInherit
	if s.bool("brokerTopicEnable") {
		perm |= rw
	}
	out = append(out, t(b.cfg.brokerName, 1, perm), t("OFFSET_MOVED_EVENT", 1, rw), t("SCHEDULE_TOPIC_XXXX", 18, rw))
	if s.bool("traceTopicEnable") {
		out = append(out, t(s.get("msgTraceTopicName"), 1, rw))
	}
	return append(out, t(b.cfg.clusterName+"_REPLY_TOPIC", 1, rw))
}

// systemTopic reports whether TopicValidator.isSystemTopic holds.
func (b *Broker) systemTopic(topic string) bool {
	switch topic {
	case autoCreateTopic, "RMQ_SYS_TRANS_HALF_TOPIC", "RMQ_SYS_TRANS_OP_HALF_TOPIC", transCheckMaxTimeTopic, "RMQ_SYS_TRACE_TOPIC":
		return true
	}
	if _, ok := b.systemTopicConfig(topic); ok {
		return true
	}
	return strings.HasPrefix(topic, "rmq_sys_")
}

// systemTopicConfig returns a system topic's config; of two system topics
// of the same name (a cluster named as its broker), the later one, as in
// the table TopicConfigManager's constructor fills and topicConfigs.
func (b *Broker) systemTopicConfig(topic string) (store.TopicInfo, bool) {
	list := b.systemTopics()
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Name == topic {
			return list[i], true
		}
	}
	return store.TopicInfo{}, false
}

// findTopic returns one entry of topicConfigs without building the table:
// the stored topic, else the system one.
func (b *Broker) findTopic(topic string) (store.TopicInfo, bool) {
	if t, ok := b.store.Topic(topic); ok {
		return t, true
	}
	return b.systemTopicConfig(topic)
}

// topicConfigs are the broker's topic config table: the system topics and
// every stored one, by name.
func (b *Broker) topicConfigs() map[string]store.TopicInfo {
	out := map[string]store.TopicInfo{}
	for _, t := range b.systemTopics() {
		out[t.Name] = t
	}
	for _, t := range b.store.Topics() {
		out[t.Name] = t
	}
	return out
}

// extFields decodes a header the way decodeCommandCustomHeader does, with
// the first error kept.
type extFields struct {
	header string
	ext    map[string]string
	err    error
}

func (f *extFields) str(key string, required bool) string {
	v, ok := f.ext[key]
	if !ok && required && f.err == nil {
		f.err = &protocol.MissingFieldError{Header: f.header, Field: key}
	}
	return v
}

func (f *extFields) int32(key string, required bool, def int32) int32 {
	v := f.str(key, required)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil && f.err == nil {
		f.err = &protocol.FieldError{Header: f.header, Field: key, Value: v, Want: "a 32-bit integer", Err: err}
	}
	return int32(n)
}

// updateAndCreateTopic (17) is AdminBrokerProcessor.updateAndCreateTopic:
// the topic's config replaced, its messages kept.
func (b *Broker) updateAndCreateTopic(c *conn, req *protocol.Command) *protocol.Command {
	f := extFields{header: "CreateTopicRequestHeader", ext: req.ExtFields}
	info := store.TopicInfo{
		Name:            f.str("topic", true),
		ReadQueueNums:   f.int32("readQueueNums", true, 0),
		WriteQueueNums:  f.int32("writeQueueNums", true, 0),
		Perm:            f.int32("perm", true, 0),
		TopicFilterType: f.str("topicFilterType", true),
		TopicSysFlag:    f.int32("topicSysFlag", false, 0),
		Order:           strings.EqualFold(f.str("order", true), "true"),
	}
	f.str("defaultTopic", true)
	if f.err != nil {
		return errorReply(req, f.err)
	}
	if remark := validateTopic(info.Name); remark != "" {
		return protocol.NewResponse(req, protocol.SystemError, remark)
	}
	if b.systemTopic(info.Name) {
		return protocol.NewResponse(req, protocol.SystemError, "The topic["+info.Name+"] is conflict with system topic.")
	}
	b.store.SetTopic(info)
	return protocol.NewResponse(req, protocol.Success, "")
}

// deleteTopic is DELETE_TOPIC_IN_BROKER (215) and DELETE_TOPIC_IN_NAMESRV
// (216): the mock is both, so either forgets the topic, its queues and
// its consumer offsets, and the name server stops routing it.
func (b *Broker) deleteTopic(c *conn, req *protocol.Command) *protocol.Command {
	header := "DeleteTopicRequestHeader"
	if req.Code == int32(protocol.DeleteTopicInNamesrv) {
		header = "DeleteTopicFromNamesrvRequestHeader"
	}
	f := extFields{header: header, ext: req.ExtFields}
	topic := f.str("topic", true)
	if f.err != nil {
		return errorReply(req, f.err)
	}
	if req.Code == int32(protocol.DeleteTopicInBroker) {
		if remark := validateTopic(topic); remark != "" {
			return protocol.NewResponse(req, protocol.SystemError, remark)
		}
		if b.systemTopic(topic) {
			return protocol.NewResponse(req, protocol.SystemError, "The topic["+topic+"] is conflict with system topic.")
		}
	}
	b.store.DeleteTopic(topic)
	return protocol.NewResponse(req, protocol.Success, "")
}

// topicConfigJSON is TopicConfig as fastjson writes it (5.x adds
// "attributes").
func (b *Broker) topicConfigJSON(t store.TopicInfo) []byte {
	name, _ := json.Marshal(t.Name) // a string always marshals
	attrs := ""
	if b.cfg.release != protocol.Release498 {
		attrs = `"attributes":{},`
	}
	return fmt.Appendf(nil, `{%s"order":%t,"perm":%d,"readQueueNums":%d,"topicFilterType":"%s","topicName":%s,"topicSysFlag":%d,"writeQueueNums":%d}`,
		attrs, t.Order, t.Perm, t.ReadQueueNums, t.FilterType(), name, t.TopicSysFlag, t.WriteQueueNums)
}

// allTopicConfig (21) is AdminBrokerProcessor.getAllTopicConfig: the
// TopicConfigSerializeWrapper, {"dataVersion":…,"topicConfigTable":{…}};
// 5.x's TopicConfigAndMappingSerializeWrapper adds the (empty) static-topic
// mapping tables and their mappingDataVersion.
func (b *Broker) allTopicConfig(c *conn, req *protocol.Command) *protocol.Command {
	configs := b.topicConfigs()
	v := b.store.TopicVersion()
	body := fmt.Appendf(nil, `{"dataVersion":%s,`, b.dataVersionJSON(v))
	if b.cfg.release != protocol.Release498 { // TopicConfigAndMappingSerializeWrapper
		body = fmt.Appendf(body, `"mappingDataVersion":%s,`, b.dataVersionJSON(store.DataVersion{}))
	}
	body = append(body, `"topicConfigTable":{`...)
	for i, name := range sortedKeys(configs) {
		if i > 0 {
			body = append(body, ',')
		}
		k, _ := json.Marshal(name)
		body = append(append(body, k...), ':')
		body = append(body, b.topicConfigJSON(configs[name])...)
	}
	body = append(body, '}')
	if b.cfg.release != protocol.Release498 {
		body = append(body, `,"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}`...)
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = append(body, '}')
	return resp
}

// topicConfig (351, 5.x) is AdminBrokerProcessor.getTopicConfig: the
// topic's TopicConfig (no static-topic mapping), or TOPIC_NOT_EXIST.
func (b *Broker) topicConfig(c *conn, req *protocol.Command) *protocol.Command {
	topic := req.ExtFields["topic"]
	if topic == "" {
		return errorReply(req, fmt.Errorf("GetTopicConfigRequestHeader: the field topic is null"))
	}
	info, ok := b.findTopic(topic)
	if !ok {
		return protocol.NewResponse(req, protocol.TopicNotExist, "No topic in this broker. topic: "+topic)
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = b.topicConfigJSON(info)
	return resp
}

// topicStatsInfo (202) is AdminBrokerProcessor.getTopicStatsInfo: min and
// max offset and the last store time of every write queue.
func (b *Broker) topicStatsInfo(c *conn, req *protocol.Command) *protocol.Command {
	f := extFields{header: "GetTopicStatsInfoRequestHeader", ext: req.ExtFields}
	topic := f.str("topic", true)
	if f.err != nil {
		return errorReply(req, f.err)
	}
	info, ok := b.findTopic(topic)
	if !ok {
		return protocol.NewResponse(req, protocol.TopicNotExist, "topic["+topic+"] not exist")
	}
	table := protocol.TopicStatsTable{OffsetTable: map[protocol.MessageQueue]protocol.TopicOffset{}}
	for i := range info.WriteQueueNums {
		o := protocol.TopicOffset{MinOffset: max(b.store.MinOffset(topic, i), 0), MaxOffset: max(b.store.MaxOffset(topic, i), 0)}
		if o.MaxOffset > 0 {
			o.LastUpdateTimestamp = max(b.store.StoreTimestamp(topic, i, o.MaxOffset-1), 0)
		}
		table.OffsetTable[protocol.MessageQueue{Topic: topic, BrokerName: b.cfg.brokerName, QueueID: i}] = o
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = table.MarshalAs(b.cfg.release)
	return resp
}

// allTopicList (206, name server) is getAllTopicListFromNameserver: the
// topics the broker registered (its system topics and stored ones), the
// subscribed ones and the retry topic of every live consumer group, as
// {"topicList":[...]}, sorted.
func (b *Broker) allTopicList(c *conn, req *protocol.Command) *protocol.Command {
	set := map[string]bool{}
	for name := range b.topicConfigs() {
		set[name] = true
	}
	for _, t := range b.consumers.TopicsSubscribed() {
		set[t] = true
	}
	for _, g := range b.consumers.Groups() {
		set[store.RetryTopic(g)] = true
	}
	return topicListReply(req, sortedKeys(set))
}

// topicsByCluster (224, name server) is RouteInfoManager.getTopicsByCluster:
// the topics of the cluster's brokers, system ones included.
func (b *Broker) topicsByCluster(c *conn, req *protocol.Command) *protocol.Command {
	f := extFields{header: "GetTopicsByClusterRequestHeader", ext: req.ExtFields}
	cluster := f.str("cluster", true)
	if f.err != nil {
		return errorReply(req, f.err)
	}
	set := map[string]bool{}
	if cluster == b.cfg.clusterName {
		for name := range b.topicConfigs() {
			set[name] = true
		}
	}
	return topicListReply(req, sortedKeys(set))
}

func topicListReply(req *protocol.Command, topics []string) *protocol.Command {
	body := struct {
		TopicList []string `json:"topicList"`
	}{TopicList: topics}
	data, err := json.Marshal(body)
	if err != nil {
		return errorReply(req, err)
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = data
	return resp
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// sendTopicCheck is AbstractSendMessageProcessor.msgCheck's topic part
// for a send to topic: the write queue count to check the queue id
// against, or the refusal (a read-only broker or topic, a topic that does
// not exist with autoCreateTopicEnable off). A topic the broker does not
// have yet takes the default queue count, as the send creates it.
func (b *Broker) sendTopicCheck(topic string) (int32, protocol.ResponseCode, string) {
	if b.brokerPermission()&permWrite == 0 {
		return 0, protocol.NoPermission, "the broker[" + b.AdvertisedAddr() + "] sending message is forbidden"
	}
	t, ok := b.findTopic(topic)
	if !ok {
		if !b.autoCreateTopic() && !store.IsRetryTopic(topic) && !store.IsDLQTopic(topic) {
			return 0, protocol.TopicNotExist, fmt.Sprintf("topic[%s] not exist, apply first please! \nSee %s for further details.", topic, b.cfg.release.FAQURL())
		}
		return int32(b.cfg.queueNums), protocol.Success, ""
	}
	if t.Perm&permWrite == 0 {
		return 0, protocol.NoPermission, "the topic[" + topic + "] sending message is forbidden"
	}
	return t.WriteQueueNums, protocol.Success, ""
}
