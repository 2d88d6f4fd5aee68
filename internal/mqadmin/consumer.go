package mqadmin

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// The consumer subcommands: ConsumerConnectionSubCommand and
// ConsumerProgressSubCommand with DefaultMQAdminExtImpl's
// examineConsumerConnectionInfo, examineConsumeStats and
// getConsumerRunningInfo (4.9.8 and 5.3.3).

// Response codes the tool throws with.
const (
	codeConsumerNotOnline    = 206
	codeBroadcastConsumption = 210
)

func consumerCommands(rel protocol.Release) []adminCommand {
	progress := []cliOption{{short: "g", long: "groupName", arg: true, desc: "consumer group name"}}
	if rel != protocol.Release498 {
		progress = append(progress, cliOption{short: "t", long: "topicName", arg: true, desc: "topic name"})
	}
	progress = append(progress, cliOption{short: "s", long: "showClientIP", arg: true, desc: "Show Client IP per Queue"})
	if rel != protocol.Release498 {
		progress = append(progress, cliOption{short: "c", long: "cluster", arg: true, desc: "Cluster name or lmq parent topic, lmq is used to find the route."})
	}
	return []adminCommand{
		{"consumerConnection", "ConsumerConnectionSubCommand", []cliOption{
			{short: "g", long: "consumerGroup", arg: true, required: true, desc: "consumer group name"},
			{short: "b", long: "brokerAddr", arg: true, desc: "broker address"},
		}, (*adminRun).consumerConnection},
		{"consumerProgress", "ConsumerProgressSubCommand", progress, (*adminRun).consumerProgress},
	}
}

// consumerConnection is ConsumerConnectionSubCommand.
func (a *adminRun) consumerConnection(cl cmdLine) error {
	group, _ := cl.value("g")
	group = strings.TrimSpace(group)
	var cc *protocol.ConsumerConnection
	var err error
	if addr, ok := cl.value("b"); ok {
		cc, err = a.consumerConnectionAt(strings.TrimSpace(addr), group)
		if err == nil && len(cc.ConnectionSet) == 0 {
			err = a.clientException(codeConsumerNotOnline, "Not found the consumer group connection")
		}
	} else {
		cc, err = a.examineConsumerConnection(group)
	}
	if err != nil {
		return err
	}
	return printConsumerConnection(a.stdout, cc)
}

// printConsumerConnection prints what ConsumerConnectionSubCommand prints
// for cc (the same in 4.9.8 and 5.3.3).
func printConsumerConnection(w io.Writer, cc *protocol.ConsumerConnection) error {
	fmt.Fprintf(w, "%-36s %-22s %-10s %s\n", "#ClientId", "#ClientAddr", "#Language", "#Version")
	for _, c := range cc.ConnectionSet {
		if c.Version < 0 { // MQVersion.getVersionDesc indexes the enum
			return &javaError{class: "java.lang.ArrayIndexOutOfBoundsException",
				msg: fmt.Sprintf("Index %d out of bounds for length %d", c.Version, int(protocol.HigherVersion)+1)}
		}
		fmt.Fprintf(w, "%-36s %-22s %-10s %s\n", c.ClientID, c.ClientAddr, c.Language, protocol.MQVersion(c.Version))
	}
	fmt.Fprintf(w, "\nBelow is subscription:\n")
	fmt.Fprintf(w, "%-20s %s\n", "#Topic", "#SubExpression")
	for _, t := range concurrentMapOrder(cc.SubscriptionTable) {
		s := cc.SubscriptionTable[t]
		fmt.Fprintf(w, "%-20s %s\n", javaNull(s.Topic), javaNull(s.SubString))
	}
	fmt.Fprintf(w, "\n")
	fmt.Fprintf(w, "ConsumeType: %s\n", javaNull(cc.ConsumeType))
	fmt.Fprintf(w, "MessageModel: %s\n", javaNull(cc.MessageModel))
	fmt.Fprintf(w, "ConsumeFromWhere: %s\n", javaNull(cc.ConsumeFromWhere))
	return nil
}

// javaNull prints an absent string as Java prints null.
func javaNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// concurrentMapOrder returns the keys of a map fastjson decoded into a
// ConcurrentHashMap, in its iteration order.
func concurrentMapOrder[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	table := 16
	for len(keys) >= table*3/4 {
		table *= 2
	}
	return protocol.JavaHashMapOrder(keys, table, protocol.JavaStringHash, strings.Compare)
}

// retryTopic is MixAll.getRetryTopic.
func retryTopic(group string) string { return "%RETRY%" + group }

// examineConsumerConnection is examineConsumerConnectionInfo(group): the
// route of %RETRY%group, one broker of it at random, 203 there.
func (a *adminRun) examineConsumerConnection(group string) (*protocol.ConsumerConnection, error) {
	route, err := a.fetchRoute(retryTopic(group))
	if err != nil {
		return nil, err
	}
	if len(route.BrokerDatas) == 0 {
		return nil, &javaError{class: "java.lang.IllegalArgumentException", msg: "bound must be positive"}
	}
	bd := route.BrokerDatas[a.random(len(route.BrokerDatas))]
	cc := &protocol.ConsumerConnection{}
	if addr := selectBrokerAddr(bd, a.random); strings.TrimSpace(addr) != "" {
		if cc, err = a.consumerConnectionAt(addr, group); err != nil {
			return nil, err
		}
	}
	if len(cc.ConnectionSet) == 0 {
		return nil, a.clientException(codeConsumerNotOnline, "Not found the consumer group connection")
	}
	return cc, nil
}

// consumerConnectionAt is MQClientAPIImpl.getConsumerConnectionList.
func (a *adminRun) consumerConnectionAt(addr, group string) (*protocol.ConsumerConnection, error) {
	h := protocol.GetConsumerConnectionListRequestHeader{ConsumerGroup: group}
	return brokerCall(a, addr, a.request(protocol.GetConsumerConnectionList, h.Encode()), protocol.DecodeConsumerConnection)
}

// consumeStatsAt is MQClientAPIImpl.getConsumeStats.
func (a *adminRun) consumeStatsAt(addr, group, topic string) (*protocol.ConsumeStats, error) {
	h := protocol.GetConsumeStatsRequestHeader{ConsumerGroup: group, Topic: topic}
	return brokerCall(a, addr, a.request(protocol.GetConsumeStats, h.Encode()), protocol.DecodeConsumeStats)
}

// examineConsumeStats is DefaultMQAdminExtImpl.examineConsumeStats: 203's
// sibling 208 on every broker of the group's retry route, merged. 5.3.3
// also looks the group's topics up (105 and GET_TOPIC_CONFIG on their
// brokers, for static topics) unless a cluster is named, and explains an
// empty table by the group's connection; 4.9.8 throws on it.
func (a *adminRun) examineConsumeStats(group, topic, cluster string) (*protocol.ConsumeStats, error) {
	routeTopics := []string{retryTopic(group)}
	if a.rel != protocol.Release498 && topic != "" {
		routeTopics = append(routeTopics, topic, "%RETRY%"+group+"_"+topic)
	}
	var route *protocol.TopicRouteData
	var err error
	for i, t := range routeTopics {
		if route, err = a.fetchRoute(t); err == nil {
			break
		}
		if i == len(routeTopics)-1 {
			return nil, err
		}
	}
	result := &protocol.ConsumeStats{OffsetTable: map[protocol.MessageQueue]protocol.OffsetWrapper{}}
	for _, bd := range route.BrokerDatas {
		addr := selectBrokerAddr(bd, a.random)
		if addr == "" {
			continue
		}
		st, err := a.consumeStatsAt(addr, group, topic)
		if err != nil {
			return nil, err
		}
		for q, o := range st.OffsetTable {
			result.OffsetTable[q] = o
		}
		result.ConsumeTps += st.ConsumeTps
	}
	if a.rel == protocol.Release498 {
		if len(result.OffsetTable) == 0 {
			return nil, a.clientException(codeConsumerNotOnline,
				"Not found the consumer group consume stats, because return offset table is empty, maybe the consumer not consume any message")
		}
		return result, nil
	}
	if cluster == "" {
		// Normal topics keep their entries; the topic config lookups only
		// matter for static topics, which the mock does not have, but
		// they are made (and fail) as mqadmin makes them.
		var topics []string
		for q := range result.OffsetTable {
			if !slices.Contains(topics, q.Topic) {
				topics = append(topics, q.Topic)
			}
		}
		slices.Sort(topics)
		for _, t := range topics {
			r, err := a.fetchRoute(t)
			if err != nil {
				return nil, err
			}
			for _, bd := range r.BrokerDatas {
				if addr := selectBrokerAddr(bd, a.random); addr != "" {
					if err := a.topicConfigAt(addr, t); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if len(result.OffsetTable) == 0 {
		cc, err := a.examineConsumerConnection(group)
		if err != nil {
			return nil, a.clientException(codeConsumerNotOnline,
				"Not found the consumer group consume stats, because return offset table is empty, maybe the consumer not online")
		}
		if cc.MessageModel == protocol.MessageModelBroadcasting {
			return nil, a.clientException(codeBroadcastConsumption,
				"Not found the consumer group consume stats, because return offset table is empty, the consumer is under the broadcast mode")
		}
	}
	return result, nil
}

// topicConfigAt is MQClientAPIImpl.getTopicConfig (GET_TOPIC_CONFIG, 351,
// with lo=true) as examineTopicConfigFromRoute calls it: TOPIC_NOT_EXIST
// is fine, other failures are thrown.
func (a *adminRun) topicConfigAt(addr, topic string) error {
	resp, err := a.invoke(addr, a.request(protocol.GetTopicConfig, map[string]string{"topic": topic, "lo": "true"}))
	if err != nil {
		return err
	}
	switch resp.ResponseCode() {
	case protocol.Success, protocol.TopicNotExist:
		return nil
	}
	return a.brokerException(resp.Code, remarkOrNull(resp.Remark), addr)
}

// consumerProgress is ConsumerProgressSubCommand.
func (a *adminRun) consumerProgress(cl cmdLine) error {
	showClientIP := false
	if v, ok := cl.value("s"); ok {
		showClientIP = strings.EqualFold(v, "true")
	}
	cluster := ""
	if v, ok := cl.value("c"); ok {
		cluster = strings.TrimSpace(v)
	}
	g, ok := cl.value("g")
	if !ok {
		return a.consumerProgressAll()
	}
	group, topic := strings.TrimSpace(g), ""
	if v, ok := cl.value("t"); ok {
		topic = strings.TrimSpace(v)
	}
	stats, err := a.examineConsumeStats(group, topic, cluster)
	if err != nil {
		return err
	}
	var owners map[protocol.MessageQueue]string
	if showClientIP {
		owners = a.queueOwners(group)
	}
	printConsumeStats(a.stdout, a.rel, stats, showClientIP, owners)
	return nil
}

// printConsumeStats prints the table of consumerProgress -g for the
// release; owners are the client IPs of -s true.
func printConsumeStats(w io.Writer, rel protocol.Release, stats *protocol.ConsumeStats, showClientIP bool, owners map[protocol.MessageQueue]string) {
	mqs := make([]protocol.MessageQueue, 0, len(stats.OffsetTable))
	for q := range stats.OffsetTable {
		mqs = append(mqs, q)
	}
	slices.SortFunc(mqs, protocol.MessageQueue.Compare)
	v5 := rel != protocol.Release498
	switch {
	case v5 && showClientIP:
		fmt.Fprintf(w, "%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s %-20s%s\n",
			"#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Client IP", "#Diff", "#Inflight", "#LastTime")
	case v5:
		fmt.Fprintf(w, "%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s%s\n",
			"#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Diff", "#Inflight", "#LastTime")
	case showClientIP:
		fmt.Fprintf(w, "%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s  %s\n",
			"#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Client IP", "#Diff", "#LastTime")
	default:
		fmt.Fprintf(w, "%-64s  %-32s  %-4s  %-20s  %-20s  %-20s  %s\n",
			"#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Diff", "#LastTime")
	}
	var diffTotal, inflightTotal int64
	for _, q := range mqs {
		o := stats.OffsetTable[q]
		diff := o.BrokerOffset - o.ConsumerOffset
		inflight := o.PullOffset - o.ConsumerOffset
		diffTotal += diff
		inflightTotal += inflight
		lastTime := "N/A"
		if o.LastTimestamp != 0 {
			lastTime = time.UnixMilli(o.LastTimestamp).Format("2006-01-02 15:04:05") // UtilAll.YYYY_MM_DD_HH_MM_SS, local time
		}
		ip := "N/A"
		if v, ok := owners[q]; ok {
			ip = v
		}
		topic, broker := frontStringAtLeast(q.Topic, 64), frontStringAtLeast(q.BrokerName, 32)
		switch {
		case v5 && showClientIP:
			fmt.Fprintf(w, "%-64s  %-32s  %-4d  %-20d  %-20d  %-20s %-20d %-20d %s\n", topic, broker, q.QueueID,
				o.BrokerOffset, o.ConsumerOffset, ip, diff, inflight, lastTime)
		case v5:
			fmt.Fprintf(w, "%-64s  %-32s  %-4d  %-20d  %-20d  %-20d %-20d %s\n", topic, broker, q.QueueID,
				o.BrokerOffset, o.ConsumerOffset, diff, inflight, lastTime)
		case showClientIP:
			fmt.Fprintf(w, "%-64s  %-32s  %-4d  %-20d  %-20d  %-20s %-20d  %s\n", topic, broker, q.QueueID,
				o.BrokerOffset, o.ConsumerOffset, ip, diff, lastTime)
		default:
			fmt.Fprintf(w, "%-64s  %-32s  %-4d  %-20d  %-20d  %-20d  %s\n", topic, broker, q.QueueID,
				o.BrokerOffset, o.ConsumerOffset, diff, lastTime)
		}
	}
	fmt.Fprintf(w, "\n")
	fmt.Fprintf(w, "Consume TPS: %.2f\n", stats.ConsumeTps)
	if v5 {
		fmt.Fprintf(w, "Consume Diff Total: %d\n", diffTotal)
		fmt.Fprintf(w, "Consume Inflight Total: %d\n", inflightTotal)
	} else {
		fmt.Fprintf(w, "Diff Total: %d\n", diffTotal)
	}
}

// frontStringAtLeast is UtilAll.frontStringAtLeast: the first size
// characters.
func frontStringAtLeast(s string, size int) string {
	if r := []rune(s); len(r) > size {
		return string(r[:size])
	}
	return s
}

// queueOwners is getMessageQueueAllocationResult: each queue's consumer
// IP from the clients' running info (307 through the broker); any failure
// leaves the map as it is.
func (a *adminRun) queueOwners(group string) map[protocol.MessageQueue]string {
	out := map[protocol.MessageQueue]string{}
	cc, err := a.examineConsumerConnection(group)
	if err != nil {
		return out
	}
	for _, c := range cc.ConnectionSet {
		info, err := a.consumerRunningInfo(group, c.ClientID)
		if err != nil {
			return out
		}
		ip, _, _ := strings.Cut(c.ClientID, "@")
		for q := range info.MQTable {
			out[q] = ip
		}
	}
	return out
}

// consumerRunningInfo is DefaultMQAdminExtImpl.getConsumerRunningInfo: 307
// to the first broker of the group's retry route.
func (a *adminRun) consumerRunningInfo(group, clientID string) (*protocol.ConsumerRunningInfo, error) {
	route, err := a.fetchRoute(retryTopic(group))
	if err != nil {
		return nil, err
	}
	for _, bd := range route.BrokerDatas {
		addr := selectBrokerAddr(bd, a.random)
		if addr == "" {
			continue
		}
		h := protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: group, ClientID: clientID}
		resp, err := a.invoke(addr, a.request(protocol.GetConsumerRunningInfo, h.Encode()))
		if err != nil {
			return nil, err
		}
		if resp.ResponseCode() != protocol.Success || resp.Body == nil {
			return nil, a.brokerException(resp.Code, remarkOrNull(resp.Remark), addr)
		}
		info, err := protocol.DecodeConsumerRunningInfo(resp.Body)
		if err != nil {
			return nil, &javaError{class: "com.alibaba.fastjson.JSONException", msg: err.Error()}
		}
		return info, nil
	}
	return nil, &javaError{class: "java.lang.NullPointerException"}
}

// consumerProgressAll is consumerProgress without -g: one line per group
// that has a %RETRY% topic in the name server's topic list (206).
func (a *adminRun) consumerProgressAll() error {
	fmt.Fprintf(a.stdout, "%-64s  %-6s  %-24s %-5s  %-14s  %-7s  %s\n",
		"#Group", "#Count", "#Version", "#Type", "#Model", "#TPS", "#Diff Total")
	topics, err := a.fetchTopicList()
	if err != nil {
		return err
	}
	for _, t := range topics {
		group, ok := strings.CutPrefix(t, "%RETRY%")
		if !ok {
			continue
		}
		var count int
		var tps int32
		var diff int64
		version, ctype, model := "OFFLINE", "", ""
		if st, err := a.examineConsumeStats(group, "", ""); err == nil {
			tps = int32(st.ConsumeTps)
			for _, o := range st.OffsetTable {
				diff += o.BrokerOffset - o.ConsumerOffset
			}
		}
		if cc, err := a.examineConsumerConnection(group); err == nil {
			count = len(cc.ConnectionSet)
			minVersion := int32(1<<31 - 1)
			for _, c := range cc.ConnectionSet {
				minVersion = min(minVersion, c.Version)
			}
			version = protocol.MQVersion(minVersion).String()
			ctype = "PUSH"
			if cc.ConsumeType == protocol.ConsumeActively {
				ctype = "PULL"
			}
			if cc.ConsumeType == protocol.ConsumePassively {
				model = javaNull(cc.MessageModel)
			}
		}
		fmt.Fprintf(a.stdout, "%-64s  %-6d  %-24s %-5s  %-14s  %-7d  %d\n",
			frontStringAtLeast(group, 64), count, version, ctype, model, tps, diff)
	}
	return nil
}

// decodeTopicList decodes a TopicList body and returns its topics in the
// order the tool's HashSet iterates them.
func decodeTopicList(body []byte) ([]string, error) {
	var w struct {
		TopicList []string `json:"topicList"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("TopicList: %w", err)
	}
	return protocol.JavaHashMapOrder(w.TopicList, 0, protocol.JavaStringHash, strings.Compare), nil
}
