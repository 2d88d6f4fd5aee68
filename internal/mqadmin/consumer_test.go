package mqadmin

import (
	"bytes"
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
