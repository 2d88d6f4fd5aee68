package mqadmin

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
	"gotest.tools/v3/assert"
)

// The expected texts are ConsumerConnectionSubCommand's and
// ConsumerProgressSubCommand's printf formats applied by hand.

func TestPrintConsumerConnection(t *testing.T) {
	cc := &protocol.ConsumerConnection{
		ConnectionSet: []protocol.Connection{
			{ClientID: "10.0.0.5@4242", ClientAddr: "10.0.0.5:50001", Language: protocol.Java, Version: int32(protocol.V4_9_8)},
			{ClientID: "10.0.0.6@77#9812345", ClientAddr: "10.0.0.6:50002", Language: protocol.Go, Version: int32(protocol.V4_5_2)},
		},
		SubscriptionTable: map[string]protocol.SubscriptionData{
			"TopicTest":     {Topic: "TopicTest", SubString: "TagA || TagB"},
			"%RETRY%CG_one": {Topic: "%RETRY%CG_one", SubString: "*"},
		},
		ConsumeType: "CONSUME_PASSIVELY", MessageModel: "CLUSTERING", ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
	}
	var out bytes.Buffer
	assert.NilError(t, printConsumerConnection(&out, cc))
	order := concurrentMapOrder(cc.SubscriptionTable)
	subs := map[string]string{
		"TopicTest":     "TopicTest            TagA || TagB\n",
		"%RETRY%CG_one": "%RETRY%CG_one        *\n",
	}
	want := "#ClientId                            #ClientAddr            #Language  #Version\n" +
		"10.0.0.5@4242                        10.0.0.5:50001         JAVA       V4_9_8\n" +
		"10.0.0.6@77#9812345                  10.0.0.6:50002         GO         V4_5_2\n" +
		"\nBelow is subscription:\n" +
		"#Topic               #SubExpression\n" +
		subs[order[0]] + subs[order[1]] +
		"\n" +
		"ConsumeType: CONSUME_PASSIVELY\n" +
		"MessageModel: CLUSTERING\n" +
		"ConsumeFromWhere: CONSUME_FROM_LAST_OFFSET\n"
	assert.Equal(t, out.String(), want)

	// Java's ConcurrentHashMap order: "%RETRY%CG_one" hashes before
	// "TopicTest" in a 16-bucket table.
	h := func(s string) int32 { x := protocol.JavaStringHash(s); return (x ^ int32(uint32(x)>>16)) & 15 }
	if h("%RETRY%CG_one") != h("TopicTest") {
		first := "TopicTest"
		if h("%RETRY%CG_one") < h("TopicTest") {
			first = "%RETRY%CG_one"
		}
		assert.Equal(t, order[0], first)
	}
}

func TestPrintConsumeStats(t *testing.T) {
	last := time.Date(2025, 1, 2, 3, 4, 5, 0, time.Local).UnixMilli()
	mq := func(topic string, q int32) protocol.MessageQueue {
		return protocol.MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: q}
	}
	stats := &protocol.ConsumeStats{ConsumeTps: 1.5, OffsetTable: map[protocol.MessageQueue]protocol.OffsetWrapper{
		mq("TopicTest", 1): {BrokerOffset: 10, ConsumerOffset: 4, PullOffset: 6, LastTimestamp: last},
		mq("TopicTest", 0): {BrokerOffset: 3, ConsumerOffset: 3, PullOffset: 3},
		mq("%RETRY%CG", 0): {},
	}}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }
	row := func(topic string, q, broker, consumer, diff string, tail string) string {
		return pad(topic, 64) + "  " + pad("broker-a", 32) + "  " + pad(q, 4) + "  " + pad(broker, 20) + "  " + pad(consumer, 20) + "  " + pad(diff, 20) + tail
	}
	var out bytes.Buffer
	printConsumeStats(&out, protocol.Release498, stats, false, nil)
	want := pad("#Topic", 64) + "  " + pad("#Broker Name", 32) + "  " + pad("#QID", 4) + "  " + pad("#Broker Offset", 20) + "  " +
		pad("#Consumer Offset", 20) + "  " + pad("#Diff", 20) + "  #LastTime\n" +
		row("%RETRY%CG", "0", "0", "0", "0", "  N/A\n") +
		row("TopicTest", "0", "3", "3", "0", "  N/A\n") +
		row("TopicTest", "1", "10", "4", "6", "  2025-01-02 03:04:05\n") +
		"\nConsume TPS: 1.50\nDiff Total: 6\n"
	assert.Equal(t, out.String(), want)

	out.Reset()
	printConsumeStats(&out, protocol.Release533, stats, false, nil)
	want = pad("#Topic", 64) + "  " + pad("#Broker Name", 32) + "  " + pad("#QID", 4) + "  " + pad("#Broker Offset", 20) + "  " +
		pad("#Consumer Offset", 20) + "  " + pad("#Diff", 20) + " " + pad("#Inflight", 20) + "#LastTime\n" +
		row("%RETRY%CG", "0", "0", "0", "0", " "+pad("0", 20)+" N/A\n") +
		row("TopicTest", "0", "3", "3", "0", " "+pad("0", 20)+" N/A\n") +
		row("TopicTest", "1", "10", "4", "6", " "+pad("2", 20)+" 2025-01-02 03:04:05\n") +
		"\nConsume TPS: 1.50\nConsume Diff Total: 6\nConsume Inflight Total: 2\n"
	assert.Equal(t, out.String(), want)

	out.Reset()
	owners := map[protocol.MessageQueue]string{mq("TopicTest", 1): "10.0.0.5"}
	printConsumeStats(&out, protocol.Release498, stats, true, owners)
	lines := strings.Split(out.String(), "\n")
	assert.Equal(t, lines[0], pad("#Topic", 64)+"  "+pad("#Broker Name", 32)+"  "+pad("#QID", 4)+"  "+pad("#Broker Offset", 20)+"  "+
		pad("#Consumer Offset", 20)+"  "+pad("#Client IP", 20)+" "+pad("#Diff", 20)+"  #LastTime")
	assert.Equal(t, lines[3], pad("TopicTest", 64)+"  "+pad("broker-a", 32)+"  "+pad("1", 4)+"  "+pad("10", 20)+"  "+pad("4", 20)+"  "+
		pad("10.0.0.5", 20)+" "+pad("6", 20)+"  2025-01-02 03:04:05")
	assert.Equal(t, lines[1], pad("%RETRY%CG", 64)+"  "+pad("broker-a", 32)+"  "+pad("0", 4)+"  "+pad("0", 20)+"  "+pad("0", 20)+"  "+
		pad("N/A", 20)+" "+pad("0", 20)+"  N/A")
}

// Golden outputs of the consumer commands against a mock without
// consumers: what the tools report for a group that is not online.
func TestConsumerAdminGolden(t *testing.T) {
	v49 := []mockbroker.Option{mockbroker.WithRelease(protocol.Release498)}
	tests := []struct {
		name string
		c    testsuite.GoldenCase
	}{
		{"consumerConnection offline", testsuite.GoldenCase{
			Args: []string{"consumerConnection", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerConnection offline 4.9", testsuite.GoldenCase{Mock: v49,
			Args: []string{"--compat", "4.9", "consumerConnection", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerConnection offline at broker", testsuite.GoldenCase{
			Args: []string{"consumerConnection", "-n", "{namesrv}", "-g", "CG_orders", "-b", "{namesrv}"}}},
		{"consumerProgress offline", testsuite.GoldenCase{
			Args: []string{"consumerProgress", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerProgress offline 4.9", testsuite.GoldenCase{Mock: v49,
			Args: []string{"--compat", "4.9", "consumerProgress", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerProgress no groups", testsuite.GoldenCase{
			Args: []string{"consumerProgress", "-n", "{namesrv}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Golden = "testdata/golden/" + goldenName(tt.name) + ".golden"
			tt.c.Stderr = true
			testsuite.CheckGolden(t, adminInProcess, tt.c)
		})
	}
}

// liveConsumer registers a Java 4.9.8 push consumer of CG_orders on
// TopicTest through a real connection (open until the test ends), stores
// three messages in queue 1 and commits offset 2 there. It skips the test
// on a mock without the consumer core (no 38).
func liveConsumer(t testsuite.T, b *mockbroker.Broker) { t.Helper(); registerConsumer(t, b, true) }

// uncommittedConsumer is liveConsumer without the commit: the group is
// online and no offset is committed yet.
func uncommittedConsumer(t testsuite.T, b *mockbroker.Broker) {
	t.Helper()
	registerConsumer(t, b, false)
}

func registerConsumer(t testsuite.T, b *mockbroker.Broker, withCommit bool) {
	t.Helper()
	c, err := testsuite.Dial(t.Context(), b.Addr())
	if err != nil {
		t.Fatalf("dialing the mock: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	call := func(req *protocol.Command) *protocol.Command {
		t.Helper()
		resp, err := c.Call(req)
		if err != nil {
			t.Fatalf("%v", err)
		}
		return resp
	}
	probe := call(protocol.NewRequest(protocol.GetConsumerListByGroup, map[string]string{"consumerGroup": "probe"}, nil))
	if probe.ResponseCode() == protocol.RequestCodeNotSupported {
		t.Fatalf("the mock does not serve GET_CONSUMER_LIST_BY_GROUP (38)")
	}
	hb := protocol.HeartbeatData{ClientID: "10.0.0.5@4242", ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: "CG_orders", ConsumeType: protocol.ConsumePassively, MessageModel: protocol.MessageModelClustering,
		ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
		SubscriptionDataSet: []protocol.SubscriptionData{
			{Topic: "TopicTest", SubString: "TagA || TagB", TagsSet: []string{"TagA", "TagB"},
				CodeSet: []int32{protocol.JavaStringHash("TagA"), protocol.JavaStringHash("TagB")}, ExpressionType: "TAG", SubVersion: 1735689600000},
			{Topic: "%RETRY%CG_orders", SubString: "*", TagsSet: []string{}, CodeSet: []int32{}, ExpressionType: "TAG", SubVersion: 1735689600000},
		},
	}}}
	req := protocol.NewRequest(protocol.HeartBeat, nil, hb.MarshalAs(protocol.Release498))
	req.Version = protocol.V4_9_8
	if resp := call(req); resp.ResponseCode() != protocol.Success {
		t.Fatalf("heartbeat: code %d %q", resp.Code, resp.Remark)
	}
	for i := range 3 {
		h := protocol.SendMessageRequestHeader{ProducerGroup: "PG_orders", Topic: "TopicTest", DefaultTopic: "TBW102",
			DefaultTopicQueueNums: 4, QueueID: 1, BornTimestamp: 1735689600000,
			Properties: fmt.Sprintf("TAGS\x01TagA\x02UNIQ_KEY\x01AC11000100002A9F0000000000000%03d\x02WAIT\x01true", i)}
		if resp := call(protocol.NewRequest(protocol.SendMessage, h.Encode(), []byte("order"))); resp.ResponseCode() != protocol.Success {
			t.Fatalf("send: code %d %q", resp.Code, resp.Remark)
		}
	}
	if !withCommit {
		return
	}
	u := protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "CG_orders", Topic: "TopicTest", QueueID: 1, CommitOffset: 2}
	commit := c.Prepare(protocol.NewRequest(protocol.UpdateConsumerOffset, u.Encode(), nil))
	commit.Flag |= protocol.FlagOneway
	if err := c.Send(commit); err != nil {
		t.Fatalf("15: %v", err)
	}
	q := protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: "CG_orders", Topic: "TopicTest", QueueID: 1}
	if resp := call(protocol.NewRequest(protocol.QueryConsumerOffset, q.Encode(), nil)); resp.ExtFields["offset"] != "2" {
		t.Fatalf("14 after committing 2: code %d, extFields %v", resp.Code, resp.ExtFields)
	}
}

// clientPort hides the consumer connection's local port.
var clientPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)

func hidePort(s string) string { return clientPort.ReplaceAllString(s, "127.0.0.1:PORT") }

// Golden outputs of the consumer commands against a live consumer (run
// once the mock serves consumers).
func TestConsumerAdminGoldenLive(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	mock := func(rel protocol.Release) []mockbroker.Option {
		return []mockbroker.Option{mockbroker.WithRelease(rel), mockbroker.WithVirtualClock(at)}
	}
	// consumerProgress prints the last consume time in the local zone.
	lastTime := regexp.MustCompile(regexp.QuoteMeta(at.Local().Format("2006-01-02 15:04:05")))
	hideTime := func(s string) string { return lastTime.ReplaceAllString(s, "2025-01-01 00:00:00") }
	tests := []struct {
		name string
		c    testsuite.GoldenCase
	}{
		{"consumerConnection live", testsuite.GoldenCase{Mock: mock(protocol.Release533), Prepare: liveConsumer, Normalize: hidePort,
			Args: []string{"consumerConnection", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerConnection live 4.9", testsuite.GoldenCase{Mock: mock(protocol.Release498), Prepare: liveConsumer, Normalize: hidePort,
			Args: []string{"--compat", "4.9", "consumerConnection", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerProgress live", testsuite.GoldenCase{Mock: mock(protocol.Release533), Prepare: liveConsumer, Normalize: hideTime,
			Args: []string{"consumerProgress", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerProgress live 4.9", testsuite.GoldenCase{Mock: mock(protocol.Release498), Prepare: liveConsumer, Normalize: hideTime,
			Args: []string{"--compat", "4.9", "consumerProgress", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerProgress live topic", testsuite.GoldenCase{Mock: mock(protocol.Release533), Prepare: liveConsumer, Normalize: hideTime,
			Args: []string{"consumerProgress", "-n", "{namesrv}", "-g", "CG_orders", "-t", "TopicTest"}}},
		// Online, nothing committed: 5.3.3 prints an empty table (the
		// group is online and clustering), 4.9.8 throws CODE 206.
		{"consumerProgress uncommitted", testsuite.GoldenCase{Mock: mock(protocol.Release533), Prepare: uncommittedConsumer,
			Args: []string{"consumerProgress", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerProgress uncommitted 4.9", testsuite.GoldenCase{Mock: mock(protocol.Release498), Prepare: uncommittedConsumer,
			Args: []string{"--compat", "4.9", "consumerProgress", "-n", "{namesrv}", "-g", "CG_orders"}}},
		{"consumerProgress live all groups", testsuite.GoldenCase{Mock: mock(protocol.Release533), Prepare: liveConsumer,
			Args: []string{"consumerProgress", "-n", "{namesrv}"}}},
		{"consumerProgress live all groups 4.9", testsuite.GoldenCase{Mock: mock(protocol.Release498), Prepare: liveConsumer,
			Args: []string{"--compat", "4.9", "consumerProgress", "-n", "{namesrv}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Golden = "testdata/golden/" + goldenName(tt.name) + ".golden"
			tt.c.Stderr = true
			testsuite.CheckGolden(t, adminInProcess, tt.c)
		})
	}
}
