package mqadmin

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// The topic, subscription-group and broker subcommands: UpdateTopic,
// DeleteTopic, TopicList, TopicStatus, TopicCluster, UpdateSubGroup,
// DeleteSubscriptionGroup, BrokerStatus and GetBrokerConfig (tools/ of
// 4.9.8 and 5.3.3) with the DefaultMQAdminExtImpl calls they make.

func topicCommands(rel protocol.Release) []adminCommand {
	update := []cliOption{
		{short: "b", long: "brokerAddr", arg: true, desc: "create topic to which broker"},
		{short: "c", long: "clusterName", arg: true, desc: "create topic to which cluster"},
	}
	if rel != protocol.Release498 {
		update = append(update, cliOption{short: "a", long: "attributes", arg: true, desc: "attribute(+a=b,+c=d,-e)"})
	}
	update = append(update,
		cliOption{short: "t", long: "topic", arg: true, required: true, desc: "topic name"},
		cliOption{short: "r", long: "readQueueNums", arg: true, desc: "set read queue nums"},
		cliOption{short: "w", long: "writeQueueNums", arg: true, desc: "set write queue nums"},
		cliOption{short: "p", long: "perm", arg: true, desc: "set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]"},
		cliOption{short: "o", long: "order", arg: true, desc: "set topic's order(true|false)"},
		cliOption{short: "u", long: "unit", arg: true, desc: "is unit topic (true|false)"},
		cliOption{short: "s", long: "hasUnitSub", arg: true, desc: "has unit sub (true|false)"},
	)
	subGroup := []cliOption{
		{short: "b", long: "brokerAddr", arg: true, desc: "create subscription group to which broker"},
		{short: "c", long: "clusterName", arg: true, desc: "create subscription group to which cluster"},
		{short: "g", long: "groupName", arg: true, required: true, desc: "consumer group name"},
		{short: "s", long: "consumeEnable", arg: true, desc: "consume enable"},
		{short: "m", long: "consumeFromMinEnable", arg: true, desc: "from min offset"},
		{short: "d", long: "consumeBroadcastEnable", arg: true, desc: "broadcast"},
	}
	if rel != protocol.Release498 {
		subGroup = append(subGroup, cliOption{short: "o", long: "consumeMessageOrderly", arg: true, desc: "consume message orderly"})
	}
	subGroup = append(subGroup,
		cliOption{short: "q", long: "retryQueueNums", arg: true, desc: "retry queue nums"},
		cliOption{short: "r", long: "retryMaxTimes", arg: true, desc: "retry max times"},
		cliOption{short: "i", long: "brokerId", arg: true, desc: "consumer from which broker id"},
		cliOption{short: "w", long: "whichBrokerWhenConsumeSlowly", arg: true, desc: "which broker id when consume slowly"},
		cliOption{short: "a", long: "notifyConsumerIdsChanged", arg: true, desc: "notify consumerId changed"},
	)
	brokerOpts := func(b, c string) []cliOption {
		return []cliOption{{short: "b", long: "brokerAddr", arg: true, desc: b}, {short: "c", long: "clusterName", arg: true, desc: c}}
	}
	return []adminCommand{
		{"updateTopic", "UpdateTopicSubCommand", update, (*adminRun).updateTopic},
		{"deleteTopic", "DeleteTopicSubCommand", []cliOption{
			{short: "t", long: "topic", arg: true, required: true, desc: "topic name"},
			{short: "c", long: "clusterName", arg: true, required: true, desc: "delete topic from which cluster"},
		}, (*adminRun).deleteTopic},
		{"topicList", "TopicListSubCommand", []cliOption{
			{short: "c", long: "clusterModel", desc: "clusterModel"},
		}, (*adminRun).topicList},
		{"topicStatus", "TopicStatusSubCommand", []cliOption{
			{short: "t", long: "topic", arg: true, required: true, desc: "topic name"},
		}, (*adminRun).topicStatus},
		{"topicClusterList", "TopicClusterSubCommand", []cliOption{
			{short: "t", long: "topic", arg: true, required: true, desc: "topic name"},
		}, (*adminRun).topicClusterList},
		{"updateSubGroup", "UpdateSubGroupSubCommand", subGroup, (*adminRun).updateSubGroup},
		{"deleteSubGroup", "DeleteSubscriptionGroupCommand", []cliOption{
			{short: "b", long: "brokerAddr", arg: true, desc: "delete subscription group from which broker"},
			{short: "c", long: "clusterName", arg: true, desc: "delete subscription group from which cluster"},
			{short: "g", long: "groupName", arg: true, required: true, desc: "subscription group name"},
			{short: "r", long: "removeOffset", arg: true, desc: "remove offset"},
		}, (*adminRun).deleteSubGroup},
		{"brokerStatus", "BrokerStatusSubCommand", brokerOpts("Broker address", "which cluster"), (*adminRun).brokerStatus},
		{"getBrokerConfig", "GetBrokerConfigCommand", brokerOpts("get which broker", "get which cluster"), (*adminRun).getBrokerConfig},
	}
}

// clusterErrorMessage is CommandUtil.ERROR_MESSAGE.
const clusterErrorMessage = "Make sure the specified clusterName exists or the name server connected to is correct."

// clusterInfo is examineBrokerClusterInfo (106).
func (a *adminRun) clusterInfo() (*protocol.ClusterInfo, error) {
	return brokerCall(a, "", a.request(protocol.GetBrokerClusterInfo, nil), protocol.DecodeClusterInfo)
}

// masterAddrs is CommandUtil.fetchMasterAddrByClusterName (with slaves:
// fetchMasterAndSlaveAddrByClusterName): the cluster's broker addresses in
// the order the tool's HashSet iterates them; an unknown cluster prints
// "[error] ..." and gives none.
func (a *adminRun) masterAddrs(cluster string, withSlaves bool) ([]string, error) {
	info, err := a.clusterInfo()
	if err != nil {
		return nil, err
	}
	names, ok := info.ClusterAddrTable[cluster]
	if !ok {
		fmt.Fprintf(a.stdout, "[error] %s", clusterErrorMessage)
		return nil, nil
	}
	set := map[string]bool{}
	for _, name := range names {
		bd, ok := info.BrokerAddrTable[name]
		if !ok {
			continue
		}
		for id, addr := range bd.BrokerAddrs {
			if id == 0 || withSlaves {
				set[addr] = true
			}
		}
	}
	return protocol.JavaHashMapOrder(slices.Collect(maps.Keys(set)), 0, protocol.JavaStringHash, strings.Compare), nil
}

// parseJavaInt is Integer.parseInt (or Long.parseLong) of a trimmed
// option value, with NumberFormatException's message.
func parseJavaInt(v string, bits int) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
	if err != nil {
		return 0, &javaError{class: "java.lang.NumberFormatException", msg: fmt.Sprintf("For input string: %q", strings.TrimSpace(v))}
	}
	return n, nil
}

// javaBool is Boolean.parseBoolean.
func javaBool(v string) bool { return strings.EqualFold(strings.TrimSpace(v), "true") }

// perm2String is PermName.perm2String.
func perm2String(perm int64) string {
	b := []byte("---")
	if perm&4 != 0 {
		b[0] = 'R'
	}
	if perm&2 != 0 {
		b[1] = 'W'
	}
	if perm&1 != 0 {
		b[2] = 'X'
	}
	return string(b)
}

type topicConfig struct {
	name              string
	read, write, perm int64
	sysFlag           int64
	order             bool
	filterType        string
}

func (a *adminRun) topicConfigString(t topicConfig) string {
	s := fmt.Sprintf("TopicConfig [topicName=%s, readQueueNums=%d, writeQueueNums=%d, perm=%s, topicFilterType=%s, topicSysFlag=%d, order=%t",
		t.name, t.read, t.write, perm2String(t.perm), t.filterType, t.sysFlag, t.order)
	if a.rel != protocol.Release498 {
		s += ", attributes={}"
	}
	return s + "]"
}

// updateTopic is UpdateTopicSubCommand with createAndUpdateTopicConfig.
func (a *adminRun) updateTopic(cl cmdLine) error {
	if !cl.has("b") && !cl.has("c") { // the required OptionGroup
		return &usageError{"Missing required option: [-b create topic to which broker, -c create topic to which cluster]"}
	}
	t := topicConfig{read: 8, write: 8, perm: 6, filterType: "SINGLE_TAG"}
	name, _ := cl.value("t")
	t.name = strings.TrimSpace(name)
	for _, o := range []struct {
		key string
		dst *int64
	}{{"r", &t.read}, {"w", &t.write}, {"p", &t.perm}} {
		if v, ok := cl.value(o.key); ok {
			n, err := parseJavaInt(v, 32)
			if err != nil {
				return err
			}
			*o.dst = n
		}
	}
	unit, sub := false, false
	if v, ok := cl.value("u"); ok {
		unit = javaBool(v)
	}
	if v, ok := cl.value("s"); ok {
		sub = javaBool(v)
	}
	if unit {
		t.sysFlag |= 1
	}
	if sub {
		t.sysFlag |= 2
	}
	if v, ok := cl.value("o"); ok {
		t.order = javaBool(v)
	}
	nl := ""
	if a.rel != protocol.Release498 {
		nl = "\n"
	}
	if addr, ok := cl.value("b"); ok {
		addr = strings.TrimSpace(addr)
		if err := a.createTopicAt(addr, t); err != nil {
			return err
		}
		if t.order {
			return &javaError{class: "org.apache.rocketmq.client.exception.MQClientException", msg: "rocketmock admin: updateTopic -o true (the order conf lives in the KV config of a name server, which the mock does not have)"}
		}
		fmt.Fprintf(a.stdout, "create topic to %s success.\n", addr)
		fmt.Fprintf(a.stdout, "%s%s", a.topicConfigString(t), nl)
		return nil
	}
	if cluster, ok := cl.value("c"); ok {
		masters, err := a.masterAddrs(strings.TrimSpace(cluster), false)
		if err != nil {
			return err
		}
		for _, addr := range masters {
			if err := a.createTopicAt(addr, t); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "create topic to %s success.\n", addr)
		}
		if t.order {
			return &javaError{class: "org.apache.rocketmq.client.exception.MQClientException", msg: "rocketmock admin: updateTopic -o true (the order conf lives in the KV config of a name server, which the mock does not have)"}
		}
		fmt.Fprintf(a.stdout, "%s%s", a.topicConfigString(t), nl)
		return nil
	}
	return errPrintHelp
}

// createTopicAt is MQClientAPIImpl.createTopic (17).
func (a *adminRun) createTopicAt(addr string, t topicConfig) error {
	ext := map[string]string{"topic": t.name, "defaultTopic": "TBW102", "readQueueNums": strconv.FormatInt(t.read, 10),
		"writeQueueNums": strconv.FormatInt(t.write, 10), "perm": strconv.FormatInt(t.perm, 10), "topicFilterType": t.filterType,
		"topicSysFlag": strconv.FormatInt(t.sysFlag, 10), "order": strconv.FormatBool(t.order)}
	return a.expectSuccess(addr, a.request(protocol.UpdateAndCreateTopic, ext))
}

// expectSuccess sends req and turns a failure into MQClientException.
func (a *adminRun) expectSuccess(addr string, req *protocol.Command) error {
	resp, err := a.invoke(addr, req)
	if err != nil {
		return err
	}
	if resp.ResponseCode() != protocol.Success {
		return a.clientException(resp.Code, remarkOrNull(resp.Remark))
	}
	return nil
}

// deleteTopic is DeleteTopicSubCommand.deleteTopic: 215 to every master,
// then 216 to every name server.
func (a *adminRun) deleteTopic(cl cmdLine) error {
	topic, _ := cl.value("t")
	cluster, _ := cl.value("c")
	return a.deleteTopicIn(strings.TrimSpace(cluster), strings.TrimSpace(topic))
}

func (a *adminRun) deleteTopicIn(cluster, topic string) error {
	masters, err := a.masterAddrs(cluster, false)
	if err != nil {
		return err
	}
	for _, addr := range masters {
		if err := a.expectSuccess(addr, a.request(protocol.DeleteTopicInBroker, map[string]string{"topic": topic})); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.stdout, "delete topic [%s] from cluster [%s] success.\n", topic, cluster)
	ext := map[string]string{"topic": topic}
	if a.rel != protocol.Release498 {
		ext["clusterName"] = cluster
	}
	for _, ns := range protocol.JavaHashMapOrder(slices.Clone(a.namesrv), 0, protocol.JavaStringHash, strings.Compare) {
		if err := a.expectSuccess(ns, a.request(protocol.DeleteTopicInNamesrv, ext)); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.stdout, "delete topic [%s] from NameServer success.\n", topic)
	return nil
}

// fetchTopicList is fetchAllTopicList (206).
func (a *adminRun) fetchTopicList() ([]string, error) {
	resp, err := a.invoke("", a.request(protocol.GetAllTopicListFromNameServer, nil))
	if err != nil {
		return nil, err
	}
	if resp.ResponseCode() != protocol.Success {
		return nil, a.clientException(resp.Code, remarkOrNull(resp.Remark))
	}
	topics, err := decodeTopicList(resp.Body)
	if err != nil {
		return nil, &javaError{class: "com.alibaba.fastjson.JSONException", msg: err.Error()}
	}
	return topics, nil
}

// topicList is TopicListSubCommand; -c (the cluster model, with each
// topic's consumer groups) is not imitated.
func (a *adminRun) topicList(cl cmdLine) error {
	if cl.has("c") {
		return &javaError{class: "org.apache.rocketmq.client.exception.MQClientException", msg: "rocketmock admin: topicList -c is not imitated"}
	}
	topics, err := a.fetchTopicList()
	if err != nil {
		return err
	}
	for _, t := range topics {
		fmt.Fprintf(a.stdout, "%s\n", t)
	}
	return nil
}

// topicStatus is TopicStatusSubCommand with examineTopicStats.
func (a *adminRun) topicStatus(cl cmdLine) error {
	topic, _ := cl.value("t")
	topic = strings.TrimSpace(topic)
	route, err := a.fetchRoute(topic)
	if err != nil {
		return err
	}
	table := map[protocol.MessageQueue]protocol.TopicOffset{}
	for _, bd := range route.BrokerDatas {
		addr := selectBrokerAddr(bd, a.random)
		if addr == "" {
			continue
		}
		st, err := brokerCall(a, addr, a.request(protocol.GetTopicStatsInfo, map[string]string{"topic": topic}), protocol.DecodeTopicStatsTable)
		if err != nil {
			return err
		}
		maps.Copy(table, st.OffsetTable)
	}
	if len(table) == 0 {
		return &javaError{class: "org.apache.rocketmq.client.exception.MQClientException", msg: a.attachDefaultURL("Not found the topic stats info")}
	}
	mqs := slices.SortedFunc(maps.Keys(table), protocol.MessageQueue.Compare)
	fmt.Fprintf(a.stdout, "%-32s  %-4s  %-20s  %-20s    %s\n", "#Broker Name", "#QID", "#Min Offset", "#Max Offset", "#Last Updated")
	for _, mq := range mqs {
		o := table[mq]
		human := ""
		if o.LastUpdateTimestamp > 0 {
			human = time.UnixMilli(o.LastUpdateTimestamp).Format("2006-01-02 15:04:05,000") // timeMillisToHumanString2, local time
		}
		fmt.Fprintf(a.stdout, "%-32s  %-4d  %-20d  %-20d    %s\n", frontStringAtLeast(mq.BrokerName, 32), mq.QueueID, o.MinOffset, o.MaxOffset, human)
	}
	return nil
}

// topicClusterList is TopicClusterSubCommand with getTopicClusterList:
// the clusters holding the first broker of the topic's route.
func (a *adminRun) topicClusterList(cl cmdLine) error {
	topic, _ := cl.value("t")
	info, err := a.clusterInfo()
	if err != nil {
		return err
	}
	route, err := a.fetchRoute(strings.TrimSpace(topic))
	if err != nil {
		return err
	}
	if len(route.BrokerDatas) == 0 {
		return &javaError{class: "java.lang.IndexOutOfBoundsException", msg: "Index: 0, Size: 0"}
	}
	name := route.BrokerDatas[0].BrokerName
	var clusters []string
	for c, names := range info.ClusterAddrTable {
		if slices.Contains(names, name) {
			clusters = append(clusters, c)
		}
	}
	for _, c := range protocol.JavaHashMapOrder(clusters, 0, protocol.JavaStringHash, strings.Compare) {
		fmt.Fprintf(a.stdout, "%s\n", c)
	}
	return nil
}

// subGroupConfig is the SubscriptionGroupConfig updateSubGroup builds.
type subGroupConfig struct {
	GroupName                      string `json:"groupName"`
	ConsumeEnable                  bool   `json:"consumeEnable"`
	ConsumeFromMinEnable           bool   `json:"consumeFromMinEnable"`
	ConsumeBroadcastEnable         bool   `json:"consumeBroadcastEnable"`
	ConsumeMessageOrderly          *bool  `json:"consumeMessageOrderly,omitempty"`
	RetryQueueNums                 int64  `json:"retryQueueNums"`
	RetryMaxTimes                  int64  `json:"retryMaxTimes"`
	BrokerID                       int64  `json:"brokerId"`
	WhichBrokerWhenConsumeSlowly   int64  `json:"whichBrokerWhenConsumeSlowly"`
	NotifyConsumerIdsChangedEnable bool   `json:"notifyConsumerIdsChangedEnable"`
}

func (a *adminRun) subGroupString(g subGroupConfig) string {
	if a.rel == protocol.Release498 {
		return fmt.Sprintf("SubscriptionGroupConfig [groupName=%s, consumeEnable=%t, consumeFromMinEnable=%t, consumeBroadcastEnable=%t, retryQueueNums=%d, retryMaxTimes=%d, brokerId=%d, whichBrokerWhenConsumeSlowly=%d, notifyConsumerIdsChangedEnable=%t]",
			g.GroupName, g.ConsumeEnable, g.ConsumeFromMinEnable, g.ConsumeBroadcastEnable, g.RetryQueueNums, g.RetryMaxTimes, g.BrokerID, g.WhichBrokerWhenConsumeSlowly, g.NotifyConsumerIdsChangedEnable)
	}
	return fmt.Sprintf("SubscriptionGroupConfig{groupName=%s, consumeEnable=%t, consumeFromMinEnable=%t, consumeBroadcastEnable=%t, consumeMessageOrderly=%t, retryQueueNums=%d, retryMaxTimes=%d, groupRetryPolicy=GroupRetryPolicy{type=CUSTOMIZED, exponentialRetryPolicy=null, customizedRetryPolicy=null}, brokerId=%d, whichBrokerWhenConsumeSlowly=%d, notifyConsumerIdsChangedEnable=%t, groupSysFlag=0, consumeTimeoutMinute=15, subscriptionDataSet=null, attributes={}}",
		g.GroupName, g.ConsumeEnable, g.ConsumeFromMinEnable, g.ConsumeBroadcastEnable, *g.ConsumeMessageOrderly, g.RetryQueueNums, g.RetryMaxTimes, g.BrokerID, g.WhichBrokerWhenConsumeSlowly, g.NotifyConsumerIdsChangedEnable)
}

// updateSubGroup is UpdateSubGroupSubCommand with
// createAndUpdateSubscriptionGroupConfig (200). Note that the tool starts
// from consumeBroadcastEnable=false and consumeFromMinEnable=false.
func (a *adminRun) updateSubGroup(cl cmdLine) error {
	name, _ := cl.value("g")
	g := subGroupConfig{GroupName: strings.TrimSpace(name), ConsumeEnable: true, RetryQueueNums: 1, RetryMaxTimes: 16,
		WhichBrokerWhenConsumeSlowly: 1, NotifyConsumerIdsChangedEnable: true}
	if a.rel != protocol.Release498 {
		g.ConsumeMessageOrderly = new(bool)
	}
	for _, o := range []struct {
		key string
		dst *bool
	}{{"s", &g.ConsumeEnable}, {"m", &g.ConsumeFromMinEnable}, {"d", &g.ConsumeBroadcastEnable}, {"o", g.ConsumeMessageOrderly}} {
		if v, ok := cl.value(o.key); ok && o.dst != nil {
			*o.dst = javaBool(v)
		}
	}
	for _, o := range []struct {
		key  string
		bits int
		dst  *int64
	}{{"q", 32, &g.RetryQueueNums}, {"r", 32, &g.RetryMaxTimes}, {"i", 64, &g.BrokerID}, {"w", 64, &g.WhichBrokerWhenConsumeSlowly}} {
		if v, ok := cl.value(o.key); ok {
			n, err := parseJavaInt(v, o.bits)
			if err != nil {
				return err
			}
			*o.dst = n
		}
	}
	if v, ok := cl.value("a"); ok {
		g.NotifyConsumerIdsChangedEnable = javaBool(v)
	}
	body, err := json.Marshal(g)
	if err != nil {
		return err
	}
	create := func(addr string) error {
		req := a.request(protocol.UpdateAndCreateSubscription, nil)
		req.Body = body
		return a.expectSuccess(addr, req)
	}
	if addr, ok := cl.value("b"); ok {
		addr = strings.TrimSpace(addr)
		if err := create(addr); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "create subscription group to %s success.\n", addr)
		fmt.Fprintf(a.stdout, "%s", a.subGroupString(g))
		return nil
	}
	if cluster, ok := cl.value("c"); ok {
		masters, err := a.masterAddrs(strings.TrimSpace(cluster), false)
		if err != nil {
			return err
		}
		for _, addr := range masters {
			if err := create(addr); err != nil {
				fmt.Fprint(a.stderr, asJava(err).trace()) // e.printStackTrace(), then a second's sleep
				continue
			}
			fmt.Fprintf(a.stdout, "create subscription group to %s success.\n", addr)
		}
		fmt.Fprintf(a.stdout, "%s", a.subGroupString(g))
		return nil
	}
	return errPrintHelp
}

// deleteSubGroup is DeleteSubscriptionGroupCommand (207); with -c it also
// deletes the group's %RETRY% and %DLQ% topics.
func (a *adminRun) deleteSubGroup(cl cmdLine) error {
	name, _ := cl.value("g")
	group := strings.TrimSpace(name)
	remove := false
	if v, ok := cl.value("r"); ok {
		remove = javaBool(v)
	}
	del := func(addr string) error {
		return a.expectSuccess(addr, a.request(protocol.DeleteSubscriptionGroup,
			map[string]string{"groupName": group, "removeOffset": strconv.FormatBool(remove)}))
	}
	if addr, ok := cl.value("b"); ok {
		addr = strings.TrimSpace(addr)
		if err := del(addr); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "delete subscription group [%s] from broker [%s] success.\n", group, addr)
		return nil
	}
	if cluster, ok := cl.value("c"); ok {
		cluster = strings.TrimSpace(cluster)
		masters, err := a.masterAddrs(cluster, false)
		if err != nil {
			return err
		}
		for _, addr := range masters {
			if err := del(addr); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "delete subscription group [%s] from broker [%s] in cluster [%s] success.\n", group, addr, cluster)
		}
		for _, t := range []string{"%RETRY%" + group, "%DLQ%" + group} {
			if err := a.deleteTopicIn(cluster, t); err != nil {
				fmt.Fprint(a.stderr, asJava(err).trace()) // e.printStackTrace()
				break
			}
		}
		return nil
	}
	return errPrintHelp
}

// brokerStatus is BrokerStatusSubCommand: the runtime KVTable, sorted.
func (a *adminRun) brokerStatus(cl cmdLine) error {
	print := func(addr string, withAddr bool) error {
		t, err := a.runtimeStats(addr)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if withAddr {
				fmt.Fprintf(a.stdout, "%-24s %-32s: %s\n", addr, k, t[k])
			} else {
				fmt.Fprintf(a.stdout, "%-32s: %s\n", k, t[k])
			}
		}
		return nil
	}
	if addr, ok := cl.value("b"); ok {
		return print(strings.TrimSpace(addr), false)
	}
	if cluster, ok := cl.value("c"); ok {
		addrs, err := a.masterAddrs(strings.TrimSpace(cluster), true)
		if err != nil {
			return err
		}
		for _, addr := range addrs {
			if err := print(addr, true); err != nil {
				fmt.Fprint(a.stderr, asJava(err).trace())
			}
		}
	}
	return nil
}

// getBrokerConfig is GetBrokerConfigCommand (26): the broker's Properties,
// in the order Java 9+'s Properties (a ConcurrentHashMap) iterates them.
func (a *adminRun) getBrokerConfig(cl cmdLine) error {
	print := func(prefix, addr string) error {
		fmt.Fprint(a.stdout, prefix)
		resp, err := a.invoke(addr, a.request(protocol.GetBrokerConfig, nil))
		if err != nil {
			return err
		}
		if resp.ResponseCode() != protocol.Success {
			return a.brokerException(resp.Code, remarkOrNull(resp.Remark), "")
		}
		props := map[string]string{}
		var keys []string
		for _, line := range strings.Split(string(resp.Body), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			if _, dup := props[k]; !dup {
				keys = append(keys, k)
			}
			props[k] = v
		}
		for _, k := range protocol.JavaHashMapOrder(keys, concurrentTable(len(keys)), protocol.JavaStringHash, strings.Compare) {
			fmt.Fprintf(a.stdout, "%-50s=  %s\n", k, props[k])
		}
		fmt.Fprintf(a.stdout, "\n")
		return nil
	}
	if addr, ok := cl.value("b"); ok {
		addr = strings.TrimSpace(addr)
		return print(fmt.Sprintf("============%s============\n", addr), addr)
	}
	if cluster, ok := cl.value("c"); ok {
		masters, err := a.masterAddrs(strings.TrimSpace(cluster), false)
		if err != nil {
			return err
		}
		for _, addr := range masters {
			if err := print(fmt.Sprintf("============Master: %s============\n", addr), addr); err != nil {
				return err
			}
		}
		return nil
	}
	return errPrintHelp
}

// concurrentTable is the table size of a ConcurrentHashMap after n puts.
func concurrentTable(n int) int {
	t := 16
	for n >= t*3/4 {
		t *= 2
	}
	return t
}
