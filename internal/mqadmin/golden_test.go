package mqadmin

import (
	"context"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
)

// adminInProcess is `rocketmock admin ...` as an AdminCommand, without
// building the binary.
func adminInProcess(ctx context.Context, args []string) (string, string, int, error) {
	var out, errb syncBuf
	code := Run(ctx, args, &out, &errb)
	return out.String(), errb.String(), code, nil
}

// Golden outputs of the admin commands for the shipped state fixtures
// (ROCKETMOCK_UPDATE_GOLDEN=1 rewrites them). The same cases run against
// mqadmin itself with testsuite.ExecCommand("mqadmin"), minus Stderr.
func TestAdminGolden(t *testing.T) {
	const fixtures = "../../fixtures/state/"
	virtual := mockbroker.WithVirtualClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	advertise := mockbroker.WithAdvertise("10.0.0.1:10911")
	tests := []struct {
		name string
		c    testsuite.GoldenCase
	}{
		{"orders", testsuite.GoldenCase{Fixture: fixtures + "orders.json",
			Args: []string{"producerConnection", "-n", "{namesrv}", "-g", "PG_orders", "-t", "TopicTest"}}},
		{"shared-connection payments", testsuite.GoldenCase{Fixture: fixtures + "shared-connection.json",
			Args: []string{"producerConnection", "-n", "{namesrv}", "-g", "PG_payments", "-t", "TopicTest"}}},
		{"shared-connection inner producer", testsuite.GoldenCase{Fixture: fixtures + "shared-connection.json",
			Args: []string{"producerConnection", "-n", "{namesrv}", "-g", "CLIENT_INNER_PRODUCER", "-t", "TopicTest"}}},
		{"shared-connection refunds", testsuite.GoldenCase{Fixture: fixtures + "shared-connection.json",
			Args: []string{"producerConnection", "-n", "{namesrv}", "-g", "PG_refunds", "-t", "TopicTest"}}},
		{"empty-group 4.9", testsuite.GoldenCase{Fixture: fixtures + "empty-group.json", Mock: []mockbroker.Option{mockbroker.WithRelease(protocol.Release498)},
			Args: []string{"--compat", "4.9", "producerConnection", "-n", "{namesrv}", "-g", "PG_gone", "-t", "TopicTest"}}},
		{"empty-group 5 after a scan", testsuite.GoldenCase{Fixture: fixtures + "empty-group.json", Mock: []mockbroker.Option{virtual},
			Prepare: func(_ testsuite.T, b *mockbroker.Broker) { b.Advance(10 * time.Second) },
			Args:    []string{"producerConnection", "-n", "{namesrv}", "-g", "PG_gone", "-t", "TopicTest"}}},
		{"about-to-expire before the scan", testsuite.GoldenCase{Fixture: fixtures + "about-to-expire.json", Mock: []mockbroker.Option{virtual},
			Args: []string{"producerConnection", "-n", "{namesrv}", "-g", "PG_inventory", "-t", "TopicTest"}}},
		{"about-to-expire after the scan", testsuite.GoldenCase{Fixture: fixtures + "about-to-expire.json", Mock: []mockbroker.Option{virtual},
			Prepare: func(_ testsuite.T, b *mockbroker.Broker) { b.Advance(10 * time.Second) },
			Args:    []string{"producerConnection", "-n", "{namesrv}", "-g", "PG_inventory", "-t", "TopicTest"}}},
		// Routes name the advertised address: a fixed one keeps the columns.
		{"topicRoute", testsuite.GoldenCase{Mock: []mockbroker.Option{advertise},
			Args: []string{"topicRoute", "-n", "{namesrv}", "-t", "TopicTest"}}},
		{"topicRoute list", testsuite.GoldenCase{Mock: []mockbroker.Option{advertise},
			Args: []string{"topicRoute", "-n", "{namesrv}", "-t", "TopicTest", "-l"}}},
		{"topicRoute 4.9", testsuite.GoldenCase{Mock: []mockbroker.Option{advertise, mockbroker.WithRelease(protocol.Release498)},
			Args: []string{"--compat", "4.9", "topicRoute", "-n", "{namesrv}", "-t", "TopicTest"}}},
		// Topics, subscription groups and broker status (topic.go).
		{"updateTopic cluster", testsuite.GoldenCase{
			Args: []string{"updateTopic", "-n", "{namesrv}", "-c", "DefaultCluster", "-t", "orders", "-r", "8", "-w", "8"}}},
		{"updateTopic cluster 4.9", testsuite.GoldenCase{Mock: []mockbroker.Option{mockbroker.WithRelease(protocol.Release498)},
			Args: []string{"--compat", "4.9", "updateTopic", "-n", "{namesrv}", "-c", "DefaultCluster", "-t", "orders", "-p", "4"}}},
		{"updateTopic broker", testsuite.GoldenCase{
			Args: []string{"updateTopic", "-n", "{namesrv}", "-b", "{namesrv}", "-t", "orders", "-w", "2"}}},
		{"updateTopic system topic", testsuite.GoldenCase{
			Args: []string{"updateTopic", "-n", "{namesrv}", "-b", "{namesrv}", "-t", "SCHEDULE_TOPIC_XXXX"}}},
		{"updateTopic unknown cluster", testsuite.GoldenCase{
			Args: []string{"updateTopic", "-n", "{namesrv}", "-c", "NoSuchCluster", "-t", "orders"}}},
		{"updateTopic no broker or cluster", testsuite.GoldenCase{
			Args: []string{"updateTopic", "-n", "{namesrv}", "-t", "orders"}}},
		{"deleteTopic", testsuite.GoldenCase{Fixture: fixtures + "topics.json",
			Args: []string{"deleteTopic", "-n", "{namesrv}", "-c", "DefaultCluster", "-t", "orders"}}},
		{"topicList", testsuite.GoldenCase{Fixture: fixtures + "topics.json",
			Args: []string{"topicList", "-n", "{namesrv}"}}},
		{"topicStatus", testsuite.GoldenCase{Fixture: fixtures + "topics.json",
			Args: []string{"topicStatus", "-n", "{namesrv}", "-t", "audit"}}},
		{"topicStatus no route", testsuite.GoldenCase{Mock: []mockbroker.Option{mockbroker.WithAutoCreateTopic(false)},
			Args: []string{"topicStatus", "-n", "{namesrv}", "-t", "nope"}}},
		{"topicClusterList", testsuite.GoldenCase{Fixture: fixtures + "topics.json",
			Args: []string{"topicClusterList", "-n", "{namesrv}", "-t", "orders"}}},
		{"updateSubGroup cluster", testsuite.GoldenCase{
			Args: []string{"updateSubGroup", "-n", "{namesrv}", "-c", "DefaultCluster", "-g", "CG", "-s", "false", "-r", "3"}}},
		{"updateSubGroup broker 4.9", testsuite.GoldenCase{Mock: []mockbroker.Option{mockbroker.WithRelease(protocol.Release498)},
			Args: []string{"--compat", "4.9", "updateSubGroup", "-n", "{namesrv}", "-b", "{namesrv}", "-g", "CG"}}},
		{"deleteSubGroup broker", testsuite.GoldenCase{Fixture: fixtures + "topics.json",
			Args: []string{"deleteSubGroup", "-n", "{namesrv}", "-b", "{namesrv}", "-g", "CG_paused", "-r", "true"}}},
		{"brokerStatus", testsuite.GoldenCase{
			Args: []string{"brokerStatus", "-n", "{namesrv}", "-b", "{namesrv}"}}},
		{"brokerStatus 4.9", testsuite.GoldenCase{Mock: []mockbroker.Option{mockbroker.WithRelease(protocol.Release498)},
			Args: []string{"--compat", "4.9", "brokerStatus", "-n", "{namesrv}", "-b", "{namesrv}"}}},
		{"brokerStatus unknown cluster", testsuite.GoldenCase{
			Args: []string{"brokerStatus", "-n", "{namesrv}", "-c", "NoSuchCluster"}}},
		{"brokerStatus cluster", testsuite.GoldenCase{
			Args: []string{"brokerStatus", "-n", "{namesrv}", "-c", "DefaultCluster"}}},
		{"getBrokerConfig", testsuite.GoldenCase{Mock: []mockbroker.Option{advertise},
			Args: []string{"getBrokerConfig", "-n", "{namesrv}", "-b", "{namesrv}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Golden = "testdata/golden/" + goldenName(tt.name) + ".golden"
			tt.c.Stderr = true
			testsuite.CheckGolden(t, adminInProcess, tt.c)
		})
	}
}

func goldenName(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c == ' ' || c == '.' {
			out[i] = '-'
		}
	}
	return string(out)
}
