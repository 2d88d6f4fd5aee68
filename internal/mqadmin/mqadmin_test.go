package mqadmin

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
	"gotest.tools/v3/assert"
)

// adminRunResult is what one `rocketmock admin` run printed.
type adminRunResult struct {
	code           int
	stdout, stderr string
}

func runAdmin(t *testing.T, args ...string) adminRunResult {
	t.Helper()
	var out, errb syncBuf
	code := Run(t.Context(), args, &out, &errb)
	return adminRunResult{code, out.String(), errb.String()}
}

// syncBuf is a buffer that a running command writes while a test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// mockWithFixture starts a mock loaded with a fixture of fixtures/state.
func mockWithFixture(t *testing.T, name string, opts ...mockbroker.Option) *mockbroker.Broker {
	t.Helper()
	b := mockbroker.Start(t, opts...)
	if name != "" {
		f, err := mockbroker.ReadFixture(filepath.Join("..", "..", "fixtures", "state", name))
		assert.NilError(t, err)
		assert.NilError(t, b.LoadFixture(f))
	}
	return b
}

func TestAdminProducerConnection(t *testing.T) {
	b := mockWithFixture(t, "orders.json")
	got := runAdmin(t, "producerConnection", "-n", b.Addr(), "-g", "PG_orders", "-t", "TopicTest")
	want := adminRunResult{0,
		"0001  10.0.0.5@12345                   10.0.0.5:50001         JAVA     V4_9_8\n" +
			"0002  10.0.0.6@DEFAULT                 10.0.0.6:50002         GO       V4_5_2\n", ""}
	assert.DeepEqual(t, want, got, cmp.AllowUnexported(adminRunResult{}))
	// Long options, attached values, values trimmed, NAMESRV_ADDR.
	t.Setenv("NAMESRV_ADDR", b.Addr())
	got = runAdmin(t, "producerConnection", "--producerGroup= PG_orders ", "-tTopicTest")
	assert.DeepEqual(t, want, got, cmp.AllowUnexported(adminRunResult{}))
}

func TestAdminProducerConnectionOfLiveClients(t *testing.T) {
	b := mockbroker.Start(t)
	c, err := testsuite.Dial(t.Context(), b.Addr())
	assert.NilError(t, err)
	defer c.Close()
	hb := protocol.HeartbeatData{ClientID: "127.0.0.1@4242", ProducerDataSet: []protocol.ProducerData{{GroupName: "PG_live"}}}
	req := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.Marshal())
	req.Language, req.Version = protocol.Go, protocol.V4_5_2
	_, err = c.Call(req)
	assert.NilError(t, err)
	got := runAdmin(t, "producerConnection", "-n", b.Addr(), "-g", "PG_live", "-t", "T")
	assert.Equal(t, got.stdout, fmt.Sprintf("0001  %-32s %-22s %-8s %s\n", "127.0.0.1@4242", c.LocalAddr(), "GO", "V4_5_2"))
}

// TestAdminExitCode: --exit-code turns a failure report into exit status
// 3, leaves success at 0, and changes no output.
func TestAdminExitCode(t *testing.T) {
	b := mockWithFixture(t, "empty-group.json")
	t.Setenv("NAMESRV_ADDR", "")
	failing := []string{"producerConnection", "-n", b.Addr(), "-g", "PG_none", "-t", "T"}
	plain := runAdmin(t, failing...)
	assert.Equal(t, plain.code, 0, "mqadmin exits 0 after a failure")
	got := runAdmin(t, append([]string{"--exit-code"}, failing...)...)
	assert.DeepEqual(t, adminRunResult{ExitFailed, plain.stdout, plain.stderr}, got, cmp.AllowUnexported(adminRunResult{}))
	got = runAdmin(t, "--exit-code", "--compat", "4.9", "topicRoute", "-n", b.Addr(), "-t", "TBW102")
	assert.Equal(t, got.code, 0, got.stderr)
}

func TestAdminErrorsAsMqadmin(t *testing.T) {
	b5 := mockWithFixture(t, "empty-group.json", mockbroker.WithMissingTopics("NoSuchTopic"))
	b49 := mockWithFixture(t, "empty-group.json", mockbroker.WithRelease(protocol.Release498))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	dead := ln.Addr().String()
	ln.Close()
	const failed = "org.apache.rocketmq.tools.command.SubCommandException: ProducerConnectionSubCommand command failed\nCaused by: "
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown group", []string{"producerConnection", "-n", b5.Addr(), "-g", "PG_none", "-t", "T"},
			failed + "org.apache.rocketmq.client.exception.MQBrokerException: CODE: 1  DESC: the producer group[PG_none] not exist BROKER: " + b5.AdvertisedAddr() +
				"\nFor more information, please visit the url, https://rocketmq.apache.org/docs/bestPractice/06FAQ\n"},
		{"topic without a route", []string{"producerConnection", "-n", b5.Addr(), "-g", "PG_gone", "-t", "NoSuchTopic"},
			failed + "org.apache.rocketmq.client.exception.MQClientException: CODE: 17  DESC: No topic route info in name server for the topic: NoSuchTopic" +
				"\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.\n"},
		{"4.9 group emptied by a close", []string{"--compat", "4.9", "producerConnection", "-n", b49.Addr(), "-g", "PG_gone", "-t", "T"},
			failed + "org.apache.rocketmq.client.exception.MQClientException: Not found the producer group connection" +
				"\nFor more information, please visit the url, http://rocketmq.apache.org/docs/faq/\n"},
		{"5.x name server down", []string{"producerConnection", "-n", dead, "-g", "G", "-t", "T"},
			failed + "org.apache.rocketmq.remoting.exception.RemotingConnectException: connect to  failed\n"},
		{"4.9 name server down", []string{"--compat=4.9", "producerConnection", "-n", dead, "-g", "G", "-t", "T"},
			failed + "org.apache.rocketmq.remoting.exception.RemotingConnectException: connect to null failed\n"},
		{"second name server answers", []string{"producerConnection", "-n", dead + ";" + b5.Addr(), "-g", "PG_none", "-t", "T"},
			failed + "org.apache.rocketmq.client.exception.MQBrokerException: CODE: 1  DESC: the producer group[PG_none] not exist BROKER: " + b5.AdvertisedAddr() +
				"\nFor more information, please visit the url, https://rocketmq.apache.org/docs/bestPractice/06FAQ\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NAMESRV_ADDR", "")
			got := runAdmin(t, tt.args...)
			assert.DeepEqual(t, adminRunResult{0, "", tt.stderr}, got, cmp.AllowUnexported(adminRunResult{}))
		})
	}
}

func TestAdminUsage(t *testing.T) {
	const usage = "usage: mqadmin producerConnection -g <arg> [-h] [-n <arg>] -t <arg>\n" +
		" -g,--producerGroup <arg>   producer group name\n" +
		" -h,--help                  Print help\n" +
		" -n,--namesrvAddr <arg>     Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'\n" +
		" -t,--topic <arg>           topic name\n"
	tests := []struct {
		name string
		args []string
		want adminRunResult
	}{
		{"help", []string{"producerConnection", "-h", "-g", "G", "-t", "T"}, adminRunResult{0, usage, ""}},
		// commons-cli checks required options before mqadmin looks at -h.
		{"help without the required options", []string{"producerConnection", "-h"}, adminRunResult{1, usage, "Missing required options: g, t\n"}},
		{"no -g and -t", []string{"producerConnection", "-n", "127.0.0.1:1"}, adminRunResult{1, usage, "Missing required options: g, t\n"}},
		{"no -t", []string{"producerConnection", "-g", "G"}, adminRunResult{1, usage, "Missing required option: t\n"}},
		{"4.9 prints no reason", []string{"--compat", "4.9", "producerConnection", "-g", "G"}, adminRunResult{1, usage, ""}},
		{"value missing", []string{"producerConnection", "-t", "T", "-g"}, adminRunResult{1, usage, "Missing argument for option: g\n"}},
		{"unknown option", []string{"producerConnection", "-t", "T", "-g", "G", "-x"}, adminRunResult{1, usage, "Unrecognized option: -x\n"}},
		{"topicRoute help", []string{"topicRoute", "--help", "-t", "T"}, adminRunResult{0, "usage: mqadmin topicRoute [-h] [-l] [-n <arg>] -t <arg>\n" +
			" -h,--help                Print help\n" +
			" -l,--list                Use list format to print data\n" +
			" -n,--namesrvAddr <arg>   Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'\n" +
			" -t,--topic <arg>         topic name\n", ""}},
		{"4.9 clusterList has no -c", []string{"--compat", "4.9", "clusterList", "-h"}, adminRunResult{0, "usage: mqadmin clusterList [-h] [-i <arg>] [-m] [-n <arg>]\n" +
			" -h,--help                Print help\n" +
			" -i,--interval <arg>      specify intervals numbers, it is in seconds\n" +
			" -m,--moreStats           Print more stats\n" +
			" -n,--namesrvAddr <arg>   Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'\n", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.DeepEqual(t, tt.want, runAdmin(t, tt.args...), cmp.AllowUnexported(adminRunResult{}))
		})
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"--compat", "6", "topicRoute"}, {"--compat"}, {"--bogus", "topicRoute"}} {
		assert.Equal(t, runAdmin(t, args...).code, 2, "%v", args)
	}
	assert.Equal(t, runAdmin(t, "--help").code, 0)
}

// twoBrokerRoute is the route GET_ROUTEINFO_BY_TOPIC answers, as the name server
// of a two-broker cluster would.
func twoBrokerRoute() *protocol.TopicRouteData {
	return &protocol.TopicRouteData{
		BrokerDatas: []protocol.BrokerData{
			{Cluster: "DefaultCluster", BrokerName: "broker-b", BrokerAddrs: map[int64]string{0: "10.0.0.2:10911"}},
			{Cluster: "DefaultCluster", BrokerName: "broker-a", BrokerAddrs: map[int64]string{0: "10.0.0.1:10911", 1: "10.0.0.11:10911"}},
		},
		QueueDatas: []protocol.QueueData{
			{BrokerName: "broker-b", Perm: 6, ReadQueueNums: 8, WriteQueueNums: 8},
			{BrokerName: "broker-a", Perm: 6, ReadQueueNums: 4, WriteQueueNums: 4},
		},
	}
}

func respondWith(body []byte) mockbroker.InterceptFunc {
	return func(r *mockbroker.Request) mockbroker.Action {
		resp := protocol.NewResponse(r.Command, protocol.Success, "")
		resp.Body = body
		return mockbroker.Respond(resp)
	}
}

func TestAdminTopicRoute(t *testing.T) {
	b := mockbroker.Start(t)
	addr := b.AdvertisedAddr()
	got := runAdmin(t, "topicRoute", "-n", b.Addr(), "-t", "TopicTest")
	// fastjson PrettyFormat: a bare-key map keeps its entries on the
	// opening line.
	want := "{\n" +
		"\t\"brokerDatas\":[\n" +
		"\t\t{\n" +
		"\t\t\t\"brokerAddrs\":{0:\"" + addr + "\"\n" +
		"\t\t\t},\n" +
		"\t\t\t\"brokerName\":\"broker-a\",\n" +
		"\t\t\t\"cluster\":\"DefaultCluster\",\n" +
		"\t\t\t\"enableActingMaster\":false\n" +
		"\t\t}\n" +
		"\t],\n" +
		"\t\"filterServerTable\":{},\n" +
		"\t\"queueDatas\":[\n" +
		"\t\t{\n" +
		"\t\t\t\"brokerName\":\"broker-a\",\n" +
		"\t\t\t\"perm\":6,\n" +
		"\t\t\t\"readQueueNums\":4,\n" +
		"\t\t\t\"topicSysFlag\":0,\n" +
		"\t\t\t\"writeQueueNums\":4\n" +
		"\t\t}\n" +
		"\t]\n" +
		"}\n"
	assert.DeepEqual(t, adminRunResult{0, want, ""}, got, cmp.AllowUnexported(adminRunResult{}))
	got49 := runAdmin(t, "--compat", "4.9", "topicRoute", "-n", b.Addr(), "-t", "TopicTest")
	assert.Equal(t, got49.stdout, strings.Replace(want, ",\n\t\t\t\"enableActingMaster\":false", "", 1))

	b.Intercept(protocol.GetRouteInfoByTopic, respondWith(twoBrokerRoute().Marshal(true)))
	got = runAdmin(t, "topicRoute", "-n", b.Addr(), "-t", "TopicTest", "-l")
	const f = "%-45s %-32s %-50s %-10s %-11s %-5s\n"
	wantList := fmt.Sprintf(f, "#ClusterName", "#BrokerName", "#BrokerAddrs", "#ReadQueue", "#WriteQueue", "#Perm") +
		fmt.Sprintf(f, "DefaultCluster", "broker-a", "{0=10.0.0.1:10911, 1=10.0.0.11:10911}", "4", "4", "6") +
		fmt.Sprintf(f, "DefaultCluster", "broker-b", "{0=10.0.0.2:10911}", "8", "8", "6") +
		strings.Repeat("-", 158) + "\n" +
		fmt.Sprintf(f, "Total:", "2", "", "12", "12", "")
	assert.DeepEqual(t, adminRunResult{0, wantList, ""}, got, cmp.AllowUnexported(adminRunResult{}))
}

func TestAdminProducerConnectionPicksAMaster(t *testing.T) {
	// mqadmin picks a broker data at random and prefers its master; both
	// brokers of this route point at the mock.
	b := mockWithFixture(t, "orders.json")
	route := twoBrokerRoute()
	route.BrokerDatas[0].BrokerAddrs = map[int64]string{0: b.Addr()}
	route.BrokerDatas[1].BrokerAddrs = map[int64]string{1: "10.255.255.1:1", 0: b.Addr()}
	b.Intercept(protocol.GetRouteInfoByTopic, respondWith(route.Marshal(true)))
	for _, pick := range []int{0, 1} {
		var out, errb syncBuf
		a := &adminRun{ctx: context.Background(), rel: protocol.Release533, stdout: &out, stderr: &errb,
			conns: map[string]*testsuite.Conn{}, namesrv: []string{b.Addr()}, rnd: func(int) int { return pick }}
		err := a.producerConnection(cmdLine{"g": "PG_orders", "t": "T"})
		a.close()
		assert.NilError(t, err)
		assert.Equal(t, strings.Count(out.String(), "\n"), 2, out.String())
	}
}

func TestAdminClusterList(t *testing.T) {
	b := mockbroker.Start(t)
	addr := b.AdvertisedAddr()
	head5 := fmt.Sprintf("%-22s  %-22s  %-4s  %-22s %-16s  %16s  %30s  %-22s  %-11s  %-12s  %-8s  %-10s\n",
		"#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS(LOAD)", "#OutTPS(LOAD)",
		"#Timer(Progress)", "#PCWait(ms)", "#Hour", "#SPACE", "#ACTIVATED")
	row5 := "%-22s  %-22s  %-4s  %-22s %-16s  %16s  %30s  %-22s  %11s  %-12s  %-8s  %10s\n"

	// A broker that does not answer GET_BROKER_RUNTIME_INFO still gets its
	// line, with empty figures, after the exception on stderr.
	b.Intercept(protocol.GetBrokerRuntimeInfo, func(r *mockbroker.Request) mockbroker.Action {
		return mockbroker.RespondCode(protocol.RequestCodeNotSupported, " request type 28 not supported")
	}, mockbroker.Once())
	got := runAdmin(t, "clusterList", "-n", b.Addr())
	want := adminRunResult{0, head5 + fmt.Sprintf(row5, "DefaultCluster", "broker-a", "0", addr, "",
		"     0.00(,ms)", "     0.00(,ms|,ms)", "0-0(0.0w, 0.0, 0.0)", "", "0.00", "0.0000", "false"),
		"org.apache.rocketmq.client.exception.MQBrokerException: CODE: 3  DESC:  request type 28 not supported BROKER: " + addr +
			"\nFor more information, please visit the url, https://rocketmq.apache.org/docs/bestPractice/06FAQ\n"}
	assert.DeepEqual(t, want, got, cmp.AllowUnexported(adminRunResult{}))

	// With runtime info, the figures; keys a 5.x broker does not send print
	// as Java prints null.
	kv := protocol.KVTable{Table: map[string]string{
		"brokerVersionDesc": "V5_3_3", "putTps": "12.5 10.0 9.0", "getTransferredTps": "3.25 1 1",
		"sendThreadPoolQueueSize": "0", "sendThreadPoolQueueHeadWaitTimeMills": "0",
		"pullThreadPoolQueueSize": "1", "pullThreadPoolQueueHeadWaitTimeMills": "2",
		"pageCacheLockTimeMills": "0", "commitLogDiskRatio": "0.25", "brokerActive": "true",
		"timerReadBehind": "1", "timerOffsetBehind": "2", "timerCongestNum": "15000", "timerEnqueueTps": "1.5", "timerDequeueTps": "2.5",
		"msgPutTotalYesterdayMorning": "10", "msgPutTotalTodayMorning": "30", "msgPutTotalTodayNow": "35",
		"msgGetTotalYesterdayMorning": "1", "msgGetTotalTodayMorning": "2", "msgGetTotalTodayNow": "4",
	}}
	b.Intercept(protocol.GetBrokerRuntimeInfo, respondWith(kv.Marshal()))
	got = runAdmin(t, "clusterList", "-n", b.Addr())
	want = adminRunResult{0, head5 + fmt.Sprintf(row5, "DefaultCluster", "broker-a", "0", addr, "V5_3_3",
		"    12.50(0,0ms)", "     3.25(1,2ms|N,Nms)", "1-2(1.5w, 1.5, 2.5)", "0", "0.00", "0.2500", "true"), ""}
	assert.DeepEqual(t, want, got, cmp.AllowUnexported(adminRunResult{}))

	got = runAdmin(t, "clusterList", "-n", b.Addr(), "-m")
	want = adminRunResult{0, fmt.Sprintf("%-16s  %-32s %14s %14s %14s %14s\n", "#Cluster Name", "#Broker Name", "#InTotalYest", "#OutTotalYest", "#InTotalToday", "#OutTotalToday") +
		fmt.Sprintf("%-16s  %-32s %14d %14d %14d %14d\n", "DefaultCluster", "broker-a", 20, 1, 5, 2), ""}
	assert.DeepEqual(t, want, got, cmp.AllowUnexported(adminRunResult{}))

	// -c names the cluster; an unknown one prints only the header.
	got = runAdmin(t, "clusterList", "-n", b.Addr(), "-c", "OtherCluster")
	assert.DeepEqual(t, adminRunResult{0, head5, ""}, got, cmp.AllowUnexported(adminRunResult{}))

	// 4.9.8: its own columns; it reads getTransferedTps (sic), which this
	// table lacks: Java's split on null throws, and the line follows.
	got = runAdmin(t, "--compat", "4.9", "clusterList", "-n", b.Addr())
	f49 := "%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s\n"
	want = adminRunResult{0, fmt.Sprintf(f49, "#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS(LOAD)", "#OutTPS(LOAD)", "#PCWait(ms)", "#Hour", "#SPACE") +
		fmt.Sprintf(f49, "DefaultCluster", "broker-a", "0", addr, "V5_3_3", "    12.50(0,0ms)", "     0.00(1,2ms)", "0", "0.00", "0.2500"),
		"java.lang.NullPointerException\n"}
	assert.DeepEqual(t, want, got, cmp.AllowUnexported(adminRunResult{}))
}

func TestFastjsonPretty(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, `{}`},
		{`[]`, `[]`},
		{`{"a":1}`, "{\n\t\"a\":1\n}"},
		{`{"a":[1,"x,]}"],"b":{},"c":{0:"a:1",1:"b"}}`, "{\n\t\"a\":[\n\t\t1,\n\t\t\"x,]}\"\n\t],\n\t\"b\":{},\n\t\"c\":{0:\"a:1\",1:\"b\"\n\t}\n}"},
		{`{"s":"q\"{"}`, "{\n\t\"s\":\"q\\\"{\"\n}"},
	}
	for _, tt := range tests {
		assert.Equal(t, fastjsonPretty([]byte(tt.in)), tt.want, tt.in)
	}
}

func TestAdminClusterListInterval(t *testing.T) {
	b := mockbroker.Start(t)
	b.Intercept(protocol.GetBrokerRuntimeInfo, respondWith((&protocol.KVTable{}).Marshal()))
	var out, errb syncBuf
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	done := make(chan int)
	go func() { done <- Run(ctx, []string{"clusterList", "-n", b.Addr(), "-i", "1"}, &out, &errb) }()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), "broker-a"); time.Sleep(5 * time.Millisecond) {
		assert.Assert(t, time.Now().Before(deadline), "no table within 5 s; stderr %q", errb.String())
	}
	stop()
	select {
	case code := <-done:
		assert.Equal(t, code, 0)
	case <-time.After(2 * time.Second):
		t.Fatal("clusterList -i did not stop")
	}
	assert.Equal(t, strings.Count(out.String(), "#Cluster Name"), 1, out.String())
	got := runAdmin(t, "clusterList", "-n", b.Addr(), "-i", "soon")
	// Parsed before the command's try block: no SubCommandException.
	assert.DeepEqual(t, adminRunResult{0, "", "java.lang.NumberFormatException: For input string: \"soon\"\n"}, got, cmp.AllowUnexported(adminRunResult{}))
}
