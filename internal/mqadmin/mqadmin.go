// Package mqadmin imitates the mqadmin subcommands that tests of admin
// tooling meet most (producerConnection, clusterList, topicRoute,
// consumerConnection, consumerProgress, and the topic, subscription-group
// and broker commands of topic.go): same
// options, requests, output and error behaviour as mqadmin of a release,
// minus the JVM start-up. It is `rocketmock admin`.
package mqadmin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
)

// The subcommands follow tools/.../command in apache/rocketmq.

const adminUsage = `usage: rocketmock admin [--compat 5|4.9] [--exit-code] <subcommand> [mqadmin options]

Runs an mqadmin subcommand the way mqadmin of that release does: same
options, same requests, same output on stdout, same error reports (a
Java-style stack trace head on stderr, exit status 0) and the same usage
errors (exit status 1). With --exit-code a failed subcommand exits with
status 3 (ExitFailed) instead of mqadmin's 0, so CI scripts can stop on it.

subcommands:
  producerConnection -g <group> -t <topic> [-n <namesrv>]
  clusterList [-m] [-i <seconds>] [-c <cluster>] [-n <namesrv>]
  topicRoute -t <topic> [-l] [-n <namesrv>]
  consumerConnection -g <group> [-b <brokerAddr>] [-n <namesrv>]
  consumerProgress [-g <group>] [-t <topic>] [-s true] [-c <cluster>] [-n <namesrv>] (-t, -c: 5 only)
  updateTopic -t <topic> (-b <brokerAddr> | -c <cluster>) [-r <n>] [-w <n>] [-p <perm>] [-o false] [-u ..] [-s ..]
  deleteTopic -t <topic> -c <cluster>
  topicList
  topicStatus -t <topic>
  topicClusterList -t <topic>
  updateSubGroup -g <group> (-b <brokerAddr> | -c <cluster>) [-s <consumeEnable>] [-r <retryMaxTimes>] [-q ..] [-m ..] [-d ..] [-i ..] [-w ..] [-a ..]
  deleteSubGroup -g <group> (-b <brokerAddr> | -c <cluster>) [-r <removeOffset>]
  brokerStatus (-b <brokerAddr> | -c <cluster>)
  getBrokerConfig (-b <brokerAddr> | -c <cluster>)

-n takes "ip:port" or several joined by ';'; without it NAMESRV_ADDR is used.`

// adminTimeout is DefaultMQAdminExt's RPC timeout.
const adminTimeout = 5000 * time.Millisecond

// adminCommand is one mqadmin subcommand.
type adminCommand struct {
	name  string // as typed: "producerConnection"
	class string // the Java class, named in its failure report
	opts  []cliOption
	run   func(a *adminRun, cl cmdLine) error
}

func adminCommands(rel protocol.Release) []adminCommand {
	cluster := []cliOption{
		{short: "m", long: "moreStats", desc: "Print more stats"},
		{short: "i", long: "interval", arg: true, desc: "specify intervals numbers, it is in seconds"},
	}
	if rel != protocol.Release498 {
		cluster = append(cluster, cliOption{short: "c", long: "clusterName", arg: true, desc: "which cluster"})
	}
	return append([]adminCommand{
		{"producerConnection", "ProducerConnectionSubCommand", []cliOption{
			{short: "g", long: "producerGroup", arg: true, required: true, desc: "producer group name"},
			{short: "t", long: "topic", arg: true, required: true, desc: "topic name"},
		}, (*adminRun).producerConnection},
		{"clusterList", "ClusterListSubCommand", cluster, (*adminRun).clusterList},
		{"topicRoute", "TopicRouteSubCommand", []cliOption{
			{short: "t", long: "topic", arg: true, required: true, desc: "topic name"},
			{short: "l", long: "list", desc: "Use list format to print data"},
		}, (*adminRun).topicRoute},
	}, append(consumerCommands(rel), topicCommands(rel)...)...)
}

// ExitFailed is the exit status of a failed subcommand under --exit-code
// (mqadmin exits 0 after its stack trace).
const ExitFailed = 3

// errPrintHelp ends a subcommand that had nothing to do with its options
// (neither -b nor -c): mqadmin prints the usage and exits 0.
var errPrintHelp = errors.New("print the command line help")

// usageError is a commons-cli parse error found after parsing, such as a
// required option group left out: the usage, exit status 1.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Run runs `rocketmock admin` with args (its flags, then an mqadmin
// subcommand and its options) until the subcommand ends or ctx does, and
// returns the exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	rel := protocol.Release533
	exitCode := false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch a := args[0]; {
		case a == "--exit-code" || a == "-exit-code":
			exitCode = true
		case a == "-h" || a == "--help" || a == "-help":
			fmt.Fprintln(stdout, adminUsage)
			return 0
		case a == "--compat" || a == "-compat":
			if len(args) < 2 {
				fmt.Fprintln(stderr, "rocketmock admin: --compat needs a value: 5 or 4.9")
				return 2
			}
			args = append([]string{"--compat=" + args[1]}, args[2:]...)
			continue
		case strings.HasPrefix(a, "--compat=") || strings.HasPrefix(a, "-compat="):
			c, err := protocol.ParseRelease(a[strings.IndexByte(a, '=')+1:])
			if err != nil {
				fmt.Fprintln(stderr, "rocketmock admin: --compat:", err)
				return 2
			}
			rel = c
		default:
			fmt.Fprintf(stderr, "rocketmock admin: unknown flag %q\n%s\n", a, adminUsage)
			return 2
		}
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, adminUsage)
		return 2
	}
	var cmd *adminCommand
	for _, c := range adminCommands(rel) {
		if c.name == args[0] {
			cmd = &c
		}
	}
	if cmd == nil {
		// mqadmin prints this to stdout and exits 0; a typo in a test
		// script is better caught, so say so on stderr and exit 2.
		fmt.Fprintf(stderr, "The sub command %s not exist.\n(rocketmock admin knows: producerConnection, clusterList, topicRoute, consumerConnection, consumerProgress, updateTopic, deleteTopic, topicList, topicStatus, topicClusterList, updateSubGroup, deleteSubGroup, brokerStatus, getBrokerConfig)\n", args[0])
		return 2
	}
	// ServerUtil.buildCommandlineOptions adds -h and -n to every command.
	opts := append([]cliOption{
		{short: "h", long: "help", desc: "Print help"},
		{short: "n", long: "namesrvAddr", arg: true, desc: "Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'"},
	}, cmd.opts...)
	appName := "mqadmin " + cmd.name
	cl, err := parseCmdLine(opts, args[1:])
	if err != nil {
		if rel != protocol.Release498 { // 4.9.8's ServerUtil prints only the usage
			fmt.Fprintln(stderr, err)
		}
		fmt.Fprint(stdout, helpText(appName, opts))
		return 1
	}
	if cl.has("h") {
		fmt.Fprint(stdout, helpText(appName, opts))
		return 0
	}
	a := &adminRun{ctx: ctx, rel: rel, stdout: stdout, stderr: stderr, conns: map[string]*testsuite.Conn{}}
	defer a.close()
	a.namesrv = namesrvList(cl, os.Getenv("NAMESRV_ADDR"))
	err = cmd.run(a, cl)
	var ue *usageError
	switch {
	case errors.Is(err, errPrintHelp):
		// ServerUtil.printCommandLineHelp at the end of the try block.
		fmt.Fprint(stdout, helpText(appName, opts))
		return 0
	case errors.As(err, &ue):
		if rel != protocol.Release498 {
			fmt.Fprintln(stderr, ue.msg)
		}
		fmt.Fprint(stdout, helpText(appName, opts))
		return 1
	}
	if err != nil {
		// MQAdminStartup.main0 prints the SubCommandException's stack
		// trace and returns normally: exit status 0.
		fmt.Fprint(stderr, subCommandFailed(cmd.class, err).trace())
		if exitCode {
			return ExitFailed
		}
	}
	return 0
}

// namesrvList is the -n value (trimmed, split on ';'), else NAMESRV_ADDR.
func namesrvList(cl cmdLine, env string) []string {
	v := env
	if n, ok := cl.value("n"); ok {
		v = n
	}
	var out []string
	for _, a := range strings.Split(strings.TrimSpace(v), ";") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// adminRun is one admin command in progress: DefaultMQAdminExt's role.
type adminRun struct {
	ctx     context.Context
	rel     protocol.Release
	stdout  io.Writer
	stderr  io.Writer
	namesrv []string
	conns   map[string]*testsuite.Conn
	rnd     func(n int) int // mqadmin's random broker choice (rand.IntN)
}

func (a *adminRun) close() {
	for _, c := range a.conns {
		c.Close()
	}
}

func (a *adminRun) random(n int) int {
	if a.rnd != nil {
		return a.rnd(n)
	}
	return rand.IntN(n)
}

// conn returns the connection to addr, dialing it the first time.
func (a *adminRun) conn(addr string) (*testsuite.Conn, error) {
	if c := a.conns[addr]; c != nil {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(a.ctx, 3*time.Second) // connectTimeoutMillis
	defer cancel()
	c, err := testsuite.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	c.SetTimeout(adminTimeout)
	c.Version = a.rel.Version()
	a.conns[addr] = c
	return c, nil
}

// invoke sends a request to addr, or to the first reachable name server
// when addr is "", and reports failures as NettyRemotingClient does.
func (a *adminRun) invoke(addr string, req *protocol.Command) (*protocol.Command, error) {
	targets := []string{addr}
	if addr == "" {
		targets = a.namesrv
	}
	var c *testsuite.Conn
	var err error
	for _, t := range targets {
		if c, err = a.conn(t); err == nil {
			addr = t
			break
		}
	}
	if c == nil {
		return nil, a.connectFailed(addr)
	}
	resp, err := c.Call(req)
	if err != nil {
		delete(a.conns, addr)
		c.Close()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, &javaError{class: "org.apache.rocketmq.remoting.exception.RemotingTimeoutException",
				msg: fmt.Sprintf("wait response on the channel <%s> timeout, %d(ms)", addr, adminTimeout.Milliseconds())}
		}
		return nil, &javaError{class: "org.apache.rocketmq.remoting.exception.RemotingSendRequestException",
			msg: "send request to <" + addr + "> failed", cause: &javaError{class: "java.io.IOException", msg: err.Error()}}
	}
	return resp, nil
}

// connectFailed is RemotingConnectException: 5.x names the channel's
// remote address, empty for a channel that never connected; 4.9.8 names
// the address asked for, null for "any name server".
func (a *adminRun) connectFailed(addr string) error {
	if a.rel != protocol.Release498 {
		addr = ""
	} else if addr == "" {
		addr = "null"
	}
	return &javaError{class: "org.apache.rocketmq.remoting.exception.RemotingConnectException", msg: "connect to " + addr + " failed"}
}

// request builds a request as DefaultMQAdminExt sends it: JSON, JAVA,
// its release's version.
func (a *adminRun) request(code protocol.RequestCode, ext map[string]string) *protocol.Command {
	req := protocol.NewRequest(code, ext, nil)
	req.Version = a.rel.Version()
	return req
}

// fetchRoute fetches a route (MQClientAPIImpl.getTopicRouteInfoFromNameServer).
func (a *adminRun) fetchRoute(topic string) (*protocol.TopicRouteData, error) {
	h := protocol.GetRouteInfoRequestHeader{Topic: topic}
	resp, err := a.invoke("", a.request(protocol.GetRouteInfoByTopic, h.Encode()))
	if err != nil {
		return nil, err
	}
	if resp.ResponseCode() == protocol.Success && resp.Body != nil {
		route, err := protocol.DecodeTopicRouteData(resp.Body)
		if err != nil {
			return nil, &javaError{class: "com.alibaba.fastjson.JSONException", msg: err.Error()}
		}
		return route, nil
	}
	return nil, a.clientException(resp.Code, remarkOrNull(resp.Remark))
}

func remarkOrNull(r string) string {
	if r == "" {
		return "null"
	}
	return r
}

// attachDefaultURL is FAQUrl.attachDefaultURL.
func (a *adminRun) attachDefaultURL(msg string) string {
	if strings.Contains(msg, "\nSee ") {
		return msg
	}
	return msg + "\nFor more information, please visit the url, " + a.rel.FAQURL()
}

func (a *adminRun) clientException(code int32, remark string) error {
	return &javaError{class: "org.apache.rocketmq.client.exception.MQClientException",
		msg: a.attachDefaultURL(fmt.Sprintf("CODE: %d  DESC: %s", code, remark))}
}

func (a *adminRun) brokerException(code int32, remark, addr string) error {
	msg := fmt.Sprintf("CODE: %d  DESC: %s", code, remark)
	if addr != "" {
		msg += " BROKER: " + addr
	}
	return &javaError{class: "org.apache.rocketmq.client.exception.MQBrokerException", msg: a.attachDefaultURL(msg)}
}

// brokerCall sends req to addr ("" is a name server) and decodes the body
// of a SUCCESS answer; another code is the MQBrokerException
// MQClientAPIImpl throws, a body that does not decode fastjson's
// JSONException.
func brokerCall[T any](a *adminRun, addr string, req *protocol.Command, decode func([]byte) (T, error)) (T, error) {
	var zero T
	resp, err := a.invoke(addr, req)
	if err != nil {
		return zero, err
	}
	if resp.ResponseCode() != protocol.Success {
		return zero, a.brokerException(resp.Code, remarkOrNull(resp.Remark), addr)
	}
	v, err := decode(resp.Body)
	if err != nil {
		return zero, &javaError{class: "com.alibaba.fastjson.JSONException", msg: err.Error()}
	}
	return v, nil
}

// producerConnection is ProducerConnectionSubCommand with
// DefaultMQAdminExtImpl.examineProducerConnectionInfo.
func (a *adminRun) producerConnection(cl cmdLine) error {
	group, _ := cl.value("g")
	topic, _ := cl.value("t")
	group, topic = strings.TrimSpace(group), strings.TrimSpace(topic)
	route, err := a.fetchRoute(topic)
	if err != nil {
		return err
	}
	if len(route.BrokerDatas) == 0 {
		return &javaError{class: "java.lang.IllegalArgumentException", msg: "bound must be positive"}
	}
	bd := route.BrokerDatas[a.random(len(route.BrokerDatas))]
	addr := selectBrokerAddr(bd, a.random)
	var conns []protocol.Connection
	if addr != "" {
		h := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: group}
		pc, err := brokerCall(a, addr, a.request(protocol.GetProducerConnectionList, h.Encode()), protocol.DecodeProducerConnection)
		if err != nil {
			return err
		}
		conns = pc.ConnectionSet
	}
	if len(conns) == 0 {
		return &javaError{class: "org.apache.rocketmq.client.exception.MQClientException",
			msg: a.attachDefaultURL("Not found the producer group connection")}
	}
	for i, c := range conns {
		if c.Version < 0 { // MQVersion.getVersionDesc indexes the enum
			return &javaError{class: "java.lang.ArrayIndexOutOfBoundsException",
				msg: fmt.Sprintf("Index %d out of bounds for length %d", c.Version, int(protocol.HigherVersion)+1)}
		}
		fmt.Fprintf(a.stdout, "%04d  %-32s %-22s %-8s %s\n", i+1, c.ClientID, c.ClientAddr, c.Language, protocol.MQVersion(c.Version))
	}
	return nil
}

// selectBrokerAddr is BrokerData.selectBrokerAddr: the master, else a
// random address ("" when there is none).
func selectBrokerAddr(bd protocol.BrokerData, random func(int) int) string {
	if addr, ok := bd.MasterAddr(); ok {
		return addr
	}
	if len(bd.BrokerAddrs) == 0 {
		return ""
	}
	ids := protocol.JavaLongKeys(bd.BrokerAddrs)
	return bd.BrokerAddrs[ids[random(len(ids))]]
}

// topicRoute is TopicRouteSubCommand.
func (a *adminRun) topicRoute(cl cmdLine) error {
	topic, _ := cl.value("t")
	route, err := a.fetchRoute(strings.TrimSpace(topic))
	if err != nil {
		return err
	}
	if !cl.has("l") {
		fmt.Fprintf(a.stdout, "%s\n", fastjsonPretty(route.MarshalAs(a.rel, false)))
		return nil
	}
	const format = "%-45s %-32s %-50s %-10s %-11s %-5s\n"
	queues := map[string]protocol.QueueData{}
	for _, q := range route.QueueDatas {
		queues[q.BrokerName] = q
	}
	brokers := append([]protocol.BrokerData(nil), route.BrokerDatas...)
	sort.SliceStable(brokers, func(i, j int) bool { return brokers[i].BrokerName < brokers[j].BrokerName })
	fmt.Fprintf(a.stdout, format, "#ClusterName", "#BrokerName", "#BrokerAddrs", "#ReadQueue", "#WriteQueue", "#Perm")
	var read, write int32
	for _, b := range brokers {
		q, ok := queues[b.BrokerName]
		if !ok { // Java unboxes map.get(brokerName): a broker without queue data
			return &javaError{class: "java.lang.NullPointerException"}
		}
		read += q.ReadQueueNums
		write += q.WriteQueueNums
		fmt.Fprintf(a.stdout, format, b.Cluster, b.BrokerName, javaMapString(b.BrokerAddrs),
			fmt.Sprint(q.ReadQueueNums), fmt.Sprint(q.WriteQueueNums), fmt.Sprint(q.Perm))
	}
	fmt.Fprintf(a.stdout, "%s\n", strings.Repeat("-", 158))
	fmt.Fprintf(a.stdout, format, "Total:", fmt.Sprint(len(queues)), "", fmt.Sprint(read), fmt.Sprint(write), "")
	return nil
}

// javaMapString is HashMap<Long,String>.toString: {0=ip:port, 1=ip:port}.
func javaMapString(m map[int64]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range protocol.JavaLongKeys(m) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d=%s", id, m[id])
	}
	b.WriteByte('}')
	return b.String()
}

// clusterList is ClusterListSubCommand.
func (a *adminRun) clusterList(cl cmdLine) error {
	interval, repeat := time.Duration(0), cl.has("i")
	if v, ok := cl.value("i"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return &javaError{class: "java.lang.NumberFormatException", msg: fmt.Sprintf("For input string: %q", v), unwrapped: true}
		}
		interval = time.Duration(n) * time.Second
	}
	only := ""
	if v, ok := cl.value("c"); ok {
		only = strings.TrimSpace(v)
	}
	for i := 0; ; i++ {
		if i > 0 {
			select {
			case <-a.ctx.Done():
				return nil
			case <-time.After(interval):
			}
		}
		info, err := a.clusterInfo()
		if err != nil {
			return err
		}
		clusters := protocol.JavaStringKeys(info.ClusterAddrTable)
		if only != "" {
			clusters = []string{only}
		}
		if cl.has("m") {
			a.printClusterMoreStats(info, clusters)
		} else {
			a.printClusterBaseInfo(info, clusters)
		}
		if !repeat { // -i repeats until interrupted
			return nil
		}
	}
}

// brokersOf yields each broker address of a cluster: broker names sorted
// (a TreeSet), addresses in HashMap<Long,String> order.
func brokersOf(info *protocol.ClusterInfo, cluster string, fn func(brokerName string, id int64, addr string)) {
	names := append([]string(nil), info.ClusterAddrTable[cluster]...)
	sort.Strings(names)
	names = compactStrings(names)
	for _, name := range names {
		bd, ok := info.BrokerAddrTable[name]
		if !ok {
			continue
		}
		for _, id := range protocol.JavaLongKeys(bd.BrokerAddrs) {
			fn(name, id, bd.BrokerAddrs[id])
		}
	}
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// runtimeStats is GET_BROKER_RUNTIME_INFO (fetchBrokerRuntimeStats).
func (a *adminRun) runtimeStats(addr string) (map[string]string, error) {
	kv, err := brokerCall(a, addr, a.request(protocol.GetBrokerRuntimeInfo, nil), protocol.DecodeKVTable)
	if err != nil {
		return nil, err
	}
	return kv.Table, nil
}

// javaStr is a Java String that may be null: "null" when printed.
type javaStr struct {
	s     string
	valid bool
}

func (j javaStr) String() string {
	if !j.valid {
		return "null"
	}
	return j.s
}

func get(m map[string]string, k string) javaStr {
	v, ok := m[k]
	return javaStr{v, ok}
}

func getOrDefault(m map[string]string, k, def string) javaStr {
	if v, ok := m[k]; ok {
		return javaStr{v, true}
	}
	return javaStr{def, true}
}

var emptyStr = javaStr{"", true}

// printClusterBaseInfo prints the default clusterList table. A broker
// whose runtime info cannot be had still gets its line, with empty
// figures, after the exception's trace on stderr, as mqadmin does.
func (a *adminRun) printClusterBaseInfo(info *protocol.ClusterInfo, clusters []string) {
	if a.rel == protocol.Release498 {
		a.printClusterBaseInfo49(info, clusters)
		return
	}
	fmt.Fprintf(a.stdout, "%-22s  %-22s  %-4s  %-22s %-16s  %16s  %30s  %-22s  %-11s  %-12s  %-8s  %-10s\n",
		"#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS(LOAD)", "#OutTPS(LOAD)",
		"#Timer(Progress)", "#PCWait(ms)", "#Hour", "#SPACE", "#ACTIVATED")
	for _, cluster := range clusters {
		brokersOf(info, cluster, func(name string, id int64, addr string) {
			var in, out float64
			version, sendQ, pullQ, ackQ := emptyStr, emptyStr, emptyStr, emptyStr
			sendWait, pullWait, ackWait, pageCache, earliest, ratio := emptyStr, emptyStr, emptyStr, emptyStr, emptyStr, emptyStr
			var readBehind, offsetBehind, congest int64
			var enqTps, deqTps float32
			active := false
			if t, err := a.runtimeStats(addr); err != nil {
				fmt.Fprint(a.stderr, asJava(err).trace())
			} else {
				active = strings.EqualFold(t["brokerActive"], "true") // Boolean.parseBoolean
				putTps, getTps := get(t, "putTps"), get(t, "getTransferredTps")
				sendQ, pullQ, ackQ = get(t, "sendThreadPoolQueueSize"), get(t, "pullThreadPoolQueueSize"), getOrDefault(t, "ackThreadPoolQueueSize", "N")
				sendWait, pullWait = get(t, "sendThreadPoolQueueHeadWaitTimeMills"), get(t, "pullThreadPoolQueueHeadWaitTimeMills")
				ackWait = getOrDefault(t, "ackThreadPoolQueueHeadWaitTimeMills", "N")
				pageCache, earliest, ratio = get(t, "pageCacheLockTimeMills"), get(t, "earliestMessageTimeStamp"), get(t, "commitLogDiskRatio")
				// All five parse, or the later ones keep their zeros.
				func() {
					var err error
					if readBehind, err = strconv.ParseInt(t["timerReadBehind"], 10, 64); err != nil {
						return
					}
					if offsetBehind, err = strconv.ParseInt(t["timerOffsetBehind"], 10, 64); err != nil {
						return
					}
					if congest, err = strconv.ParseInt(t["timerCongestNum"], 10, 64); err != nil {
						return
					}
					f, err := strconv.ParseFloat(t["timerEnqueueTps"], 32)
					if err != nil {
						return
					}
					enqTps = float32(f)
					if f, err = strconv.ParseFloat(t["timerDequeueTps"], 32); err == nil {
						deqTps = float32(f)
					}
				}()
				version = get(t, "brokerVersionDesc")
				in = firstFloat(putTps.s)
				out = firstFloat(getTps.s)
			}
			hour, space := hoursSince(earliest), parseRatio(ratio)
			fmt.Fprintf(a.stdout, "%-22s  %-22s  %-4s  %-22s %-16s  %16s  %30s  %-22s  %11s  %-12s  %-8s  %10s\n",
				cluster, name, strconv.FormatInt(id, 10), addr, version,
				fmt.Sprintf("%9.2f(%s,%sms)", in, sendQ, sendWait),
				fmt.Sprintf("%9.2f(%s,%sms|%s,%sms)", out, pullQ, pullWait, ackQ, ackWait),
				fmt.Sprintf("%d-%d(%.1fw, %.1f, %.1f)", readBehind, offsetBehind, float32(congest)/10000.0, enqTps, deqTps),
				pageCache, fmt.Sprintf("%2.2f", hour), fmt.Sprintf("%.4f", space), strconv.FormatBool(active))
		})
	}
}

// printClusterBaseInfo49 is the 4.9.8 table.
func (a *adminRun) printClusterBaseInfo49(info *protocol.ClusterInfo, clusters []string) {
	const format = "%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s\n"
	fmt.Fprintf(a.stdout, format, "#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version",
		"#InTPS(LOAD)", "#OutTPS(LOAD)", "#PCWait(ms)", "#Hour", "#SPACE")
	for _, cluster := range clusters {
		brokersOf(info, cluster, func(name string, id int64, addr string) {
			var in, out float64
			version, sendQ, pullQ, sendWait, pullWait := emptyStr, emptyStr, emptyStr, emptyStr, emptyStr
			pageCache, earliest, ratio := emptyStr, emptyStr, emptyStr
			if t, err := a.runtimeStats(addr); err != nil {
				fmt.Fprint(a.stderr, asJava(err).trace())
			} else {
				putTps, getTps := get(t, "putTps"), get(t, "getTransferedTps") // sic, 4.9.8's key
				sendQ, pullQ = get(t, "sendThreadPoolQueueSize"), get(t, "pullThreadPoolQueueSize")
				sendWait, pullWait = get(t, "sendThreadPoolQueueHeadWaitTimeMills"), get(t, "pullThreadPoolQueueHeadWaitTimeMills")
				pageCache, earliest, ratio = get(t, "pageCacheLockTimeMills"), get(t, "earliestMessageTimeStamp"), get(t, "commitLogDiskRatio")
				version = get(t, "brokerVersionDesc")
				if !putTps.valid || !getTps.valid { // putTps.split(" ") on null
					fmt.Fprint(a.stderr, (&javaError{class: "java.lang.NullPointerException"}).trace())
				}
				in = firstFloat(putTps.s)
				if putTps.valid {
					out = firstFloat(getTps.s)
				}
			}
			hour, space := hoursSince(earliest), parseRatio(ratio)
			fmt.Fprintf(a.stdout, format, cluster, name, strconv.FormatInt(id, 10), addr, version,
				fmt.Sprintf("%9.2f(%s,%sms)", in, sendQ, sendWait),
				fmt.Sprintf("%9.2f(%s,%sms)", out, pullQ, pullWait),
				pageCache, fmt.Sprintf("%2.2f", hour), fmt.Sprintf("%.4f", space))
		})
	}
}

// printClusterMoreStats is the -m table; failures print nothing.
func (a *adminRun) printClusterMoreStats(info *protocol.ClusterInfo, clusters []string) {
	const format = "%-16s  %-32s %14s %14s %14s %14s\n"
	fmt.Fprintf(a.stdout, format, "#Cluster Name", "#Broker Name", "#InTotalYest", "#OutTotalYest", "#InTotalToday", "#OutTotalToday")
	for _, cluster := range clusters {
		brokersOf(info, cluster, func(name string, id int64, addr string) {
			var inYest, outYest, inToday, outToday int64
			if t, err := a.runtimeStats(addr); err == nil {
				n := func(k string) (int64, bool) {
					v, err := strconv.ParseInt(t[k], 10, 64)
					return v, err == nil
				}
				putYM, ok1 := n("msgPutTotalYesterdayMorning")
				putTM, ok2 := n("msgPutTotalTodayMorning")
				putNow, ok3 := n("msgPutTotalTodayNow")
				getYM, ok4 := n("msgGetTotalYesterdayMorning")
				getTM, ok5 := n("msgGetTotalTodayMorning")
				getNow, ok6 := n("msgGetTotalTodayNow")
				// Java computes them in this order inside one try block.
				if ok1 && ok2 {
					inYest = putTM - putYM
					if ok4 && ok5 {
						outYest = getTM - getYM
						if ok3 {
							inToday = putNow - putTM
							if ok6 {
								outToday = getNow - getTM
							}
						}
					}
				}
			}
			fmt.Fprintf(a.stdout, "%-16s  %-32s %14d %14d %14d %14d\n", cluster, name, inYest, outYest, inToday, outToday)
		})
	}
}

// firstFloat is Double.parseDouble(s.split(" ")[0]), 0 when blank or bad.
func firstFloat(s string) float64 {
	f, _ := strconv.ParseFloat(strings.SplitN(strings.TrimSpace(s), " ", 2)[0], 64)
	return f
}

func hoursSince(earliest javaStr) float64 {
	ms, err := strconv.ParseInt(earliest.s, 10, 64)
	if !earliest.valid || err != nil {
		return 0
	}
	return float64(time.Now().UnixMilli()-ms) / 1000.0 / 60.0 / 60.0
}

func parseRatio(r javaStr) float64 {
	f, _ := strconv.ParseFloat(r.s, 64)
	return f
}
