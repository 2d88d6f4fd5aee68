package interop

// Helpers that start real RocketMQ clients against a rocketmock address:
// the Go client github.com/apache/rocketmq-client-go/v2 v2.1.2 in-process,
// and the Node.js client ali-ons 3.12.0 as a child process (node/producer.js).
// CLIENTS.md in this folder describes what both clients send and expect.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// ---------------------------------------------------------------------------
// Go client (rocketmq-client-go v2.1.2)

// quietLogger swallows the Go client's logging (rlog is global and logs every
// route change at info level). Set ROCKETMQ_INTEROP_LOG=1 to see it on stderr.
// Fatal must not exit the test binary, unlike logrus's.
type quietLogger struct{ verbose bool }

func (l quietLogger) log(level, msg string, fields map[string]interface{}) {
	if l.verbose {
		fmt.Fprintf(os.Stderr, "[rocketmq-go %s] %s %v\n", level, msg, fields)
	}
}
func (l quietLogger) Debug(msg string, f map[string]interface{})   { l.log("debug", msg, f) }
func (l quietLogger) Info(msg string, f map[string]interface{})    { l.log("info", msg, f) }
func (l quietLogger) Warning(msg string, f map[string]interface{}) { l.log("warn", msg, f) }
func (l quietLogger) Error(msg string, f map[string]interface{})   { l.log("error", msg, f) }
func (l quietLogger) Fatal(msg string, f map[string]interface{})   { l.log("fatal", msg, f) }
func (l quietLogger) Level(string)                                 {}
func (l quietLogger) OutputPath(string) error                      { return nil }

var silenceGoClient sync.Once

func quietGoClient() {
	silenceGoClient.Do(func() {
		rlog.SetLogger(quietLogger{verbose: os.Getenv("ROCKETMQ_INTEROP_LOG") == "1"})
	})
}

var goInstanceSeq atomic.Int64

// startGoProducer starts a rocketmq-client-go v2.1.2 producer for group that
// finds its routes at nameSrvAddr ("ip:port", no HTTP lookup), and shuts it
// down when the test ends. It returns the producer and the clientID the client
// puts in its heartbeats.
//
// Each call gets its own InstanceName ("<pid>#<n>"): the Go client shares one
// client instance (one connection set, one clientID) among all producers of
// a process whose clientID ("<ip>@<pid>" by default) is the same.
//
// Nothing reaches the broker until the first send. The client heartbeats 1 s
// after Start and then every 30 s, and only to brokers it learned from a
// route: send right after Start for a registration after about 1 s, or wait
// up to 30 s more (CLIENTS.md, "Go: when each request is sent").
func startGoProducer(t testing.TB, nameSrvAddr, group string) (rocketmq.Producer, string) {
	t.Helper()
	opts, clientID := goProducerOptions(nameSrvAddr, group)
	p, err := rocketmq.NewProducer(opts...)
	if err != nil {
		t.Fatalf("rocketmq-client-go NewProducer(%s): %v", group, err)
	}
	startGo(t, p, "rocketmq-client-go producer "+group)
	return p, clientID
}

// goProducerOptions are the options of every rocketmq-client-go producer
// of these tests (see startGoProducer), with the clientID they give it.
func goProducerOptions(nameSrvAddr, group string) ([]producer.Option, string) {
	quietGoClient()
	instance := fmt.Sprintf("%d#%d", os.Getpid(), goInstanceSeq.Add(1))
	return []producer.Option{
		producer.WithNsResolver(primitive.NewPassthroughResolver([]string{nameSrvAddr})),
		producer.WithGroupName(group),
		producer.WithInstanceName(instance),
		producer.WithRetry(0), // a failed send fails the test at once instead of retrying
		producer.WithSendMsgTimeout(3 * time.Second),
	}, goClientIP() + "@" + instance
}

// startGo starts a rocketmq-client-go producer and shuts it down when the
// test ends; what names it in failures.
func startGo(t testing.TB, p interface {
	Start() error
	Shutdown() error
}, what string) {
	t.Helper()
	if err := p.Start(); err != nil {
		t.Fatalf("%s Start: %v", what, err)
	}
	t.Cleanup(func() {
		if err := p.Shutdown(); err != nil {
			t.Errorf("%s Shutdown: %v", what, err)
		}
	})
}

// goClientIP is the IP rocketmq-client-go puts in its clientID: utils.LocalIP
// (internal/utils/net.go), the first IPv4 address of the first interface that
// is up and not loopback, or "" when there is none. Repeated here because
// the package is internal.
func goClientIP() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagLoopback != 0 || iface.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipnet, ok := a.(*net.IPNet); ok && !ipnet.IP.IsLoopback() {
				if ip4 := ipnet.IP.To4(); ip4 != nil {
					return ip4.String()
				}
			}
		}
	}
	return ""
}

// goSend sends one message synchronously and fails the test on error.
func goSend(t testing.TB, p rocketmq.Producer, topic, body string) *primitive.SendResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := p.SendSync(ctx, primitive.NewMessage(topic, []byte(body)))
	if err != nil {
		t.Fatalf("rocketmq-client-go SendSync(%s): %v", topic, err)
	}
	if r.Status != primitive.SendOK {
		t.Fatalf("rocketmq-client-go SendSync(%s): status %d, want SendOK (%v)", topic, r.Status, r)
	}
	return r
}

// ---------------------------------------------------------------------------
// Node.js client (ali-ons 3.12.0, driven by node/producer.js)

// nodeEvent is one JSON line printed by node/producer.js.
type nodeEvent struct {
	Event       string `json:"event"`
	ClientID    string `json:"clientId,omitempty"`
	Group       string `json:"group,omitempty"`
	PID         int    `json:"pid,omitempty"`
	Index       int    `json:"index,omitempty"`
	MsgID       string `json:"msgId,omitempty"`
	QueueID     int    `json:"queueId,omitempty"`
	QueueOffset int64  `json:"queueOffset,omitempty"`
	SendStatus  string `json:"sendStatus,omitempty"`
	BrokerName  string `json:"brokerName,omitempty"`
	Message     string `json:"message,omitempty"`
	// consumer.js "received" events.
	Body           string `json:"body,omitempty"`
	Topic          string `json:"topic,omitempty"`
	ReconsumeTimes int    `json:"reconsumeTimes,omitempty"`
	// Raw is the line as printed.
	Raw string `json:"-"`
}

// nodeProducerConfig configures one node/producer.js run.
type nodeProducerConfig struct {
	NameSrv string
	Group   string
	Topic   string
	Count   int
	// HeartbeatInterval is ali-ons' heartbeatBrokerInterval. Its default is
	// 30 s and it is also the delay before the first heartbeat, so the
	// helpers use 1 s to register quickly. 0 keeps the client's default.
	HeartbeatInterval time.Duration
	// InstanceName, if set, replaces the pid in the clientID. It also makes
	// the producer share its client instance (and connection) with ali-ons'
	// CLIENT_INNER_PRODUCER; see CLIENTS.md.
	InstanceName string
	// ClientIP, if set, replaces address.ip() in the clientID.
	ClientIP string
	// Script is the node script to run: "producer.js" when empty, or
	// "consumer.js" (Group is then the consumer group).
	Script string
	// MaxLifetime is the hard limit after which producer.js exits (default 60 s).
	MaxLifetime time.Duration
	// Stay keeps producer.js running after producer.close() (and so any
	// connection ali-ons leaves open) until nodeProc.Close.
	Stay bool
	// AccessKey and SecretKey, if set, make ali-ons sign its requests (ACL).
	AccessKey, SecretKey string
}

// nodeProc is a running node/producer.js.
type nodeProc struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan nodeEvent
	done   chan struct{} // closed when the process has exited
	stderr *lockedBuffer

	mu      sync.Mutex
	waitErr error
	started nodeEvent
	closed  bool // "closed" seen
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	npmOnce sync.Once
	npmErr  error
)

// nodeDir is the folder holding producer.js and package-lock.json.
func nodeDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "node"
	}
	return filepath.Join(filepath.Dir(file), "node")
}

// requireNode skips the test when node is not installed, and installs the
// locked npm dependencies (npm ci) once per test binary if they are missing.
func requireNode(t testing.TB) string {
	t.Helper()
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping ali-ons interop test: `node` is not on PATH (install Node.js to run it)")
	}
	dir := nodeDir()
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "ali-ons", "package.json")); err == nil {
			return
		}
		npm, err := exec.LookPath("npm")
		if err != nil {
			npmErr = fmt.Errorf("node_modules is missing and `npm` is not on PATH: %w", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			npmErr = fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
		}
	})
	if npmErr != nil {
		t.Fatal(npmErr)
	}
	return nodeBin
}

// startNodeProducer runs node/producer.js: an ali-ons producer for group
// that finds its routes at nameSrvAddr (fixed nameSrv, no HTTP lookup), sends
// n messages to topic and then waits for nodeProc.Close. It heartbeats every
// second (see nodeProducerConfig.HeartbeatInterval). The process is killed
// when the test ends, if still running.
func startNodeProducer(t testing.TB, nameSrvAddr, group, topic string, n int) *nodeProc {
	t.Helper()
	return startNodeProducerWith(t, nodeProducerConfig{
		NameSrv: nameSrvAddr, Group: group, Topic: topic, Count: n,
		HeartbeatInterval: time.Second,
	})
}

func startNodeProducerWith(t testing.TB, cfg nodeProducerConfig) *nodeProc {
	t.Helper()
	nodeBin := requireNode(t)
	script := cfg.Script
	if script == "" {
		script = "producer.js"
	}
	args := []string{script,
		"--namesrv", cfg.NameSrv,
		"--group", cfg.Group,
		"--topic", cfg.Topic,
		"--count", strconv.Itoa(cfg.Count),
	}
	if cfg.HeartbeatInterval > 0 {
		args = append(args, "--heartbeat-ms", strconv.FormatInt(cfg.HeartbeatInterval.Milliseconds(), 10))
	}
	if cfg.InstanceName != "" {
		args = append(args, "--instance", cfg.InstanceName)
	}
	if cfg.ClientIP != "" {
		args = append(args, "--client-ip", cfg.ClientIP)
	}
	if cfg.Stay {
		args = append(args, "--stay", "1")
	}
	if cfg.AccessKey != "" {
		args = append(args, "--access-key", cfg.AccessKey, "--secret-key", cfg.SecretKey)
	}
	if cfg.MaxLifetime > 0 {
		args = append(args, "--max-seconds", strconv.Itoa(int(cfg.MaxLifetime/time.Second)))
	}
	cmd := exec.Command(nodeBin, args...)
	cmd.Dir = nodeDir()
	cmd.Env = os.Environ()
	p := &nodeProc{
		t:      t,
		cmd:    cmd,
		events: make(chan nodeEvent, 256),
		done:   make(chan struct{}),
		stderr: &lockedBuffer{},
	}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node producer.js: %v", err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			var ev nodeEvent
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				ev = nodeEvent{Event: "unparsed", Message: line}
			}
			ev.Raw = line
			p.events <- ev
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.events)
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.stdin.Close()
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-p.done
			}
		}
		if t.Failed() {
			t.Logf("node producer.js stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// next returns the next event other than "client_error" (those are logged),
// failing the test on a timeout, an "error" event or the process exiting.
func (p *nodeProc) next(timeout time.Duration) nodeEvent {
	p.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-p.events:
			if !ok {
				p.t.Fatalf("node producer.js exited (%v) while an event was awaited; stderr:\n%s", p.exitErr(), p.stderr.String())
			}
			switch ev.Event {
			case "client_error":
				p.t.Logf("ali-ons background error: %s", ev.Message)
				continue
			case "error":
				p.t.Fatalf("node producer.js failed: %s\nstderr:\n%s", ev.Message, p.stderr.String())
			case "unparsed":
				p.t.Fatalf("node producer.js printed a non-JSON line: %q", ev.Message)
			}
			return ev
		case <-deadline.C:
			p.t.Fatalf("no event from node producer.js within %v; stderr:\n%s", timeout, p.stderr.String())
		}
	}
}

// expect returns the next event and fails unless it is named name.
func (p *nodeProc) expect(name string, timeout time.Duration) nodeEvent {
	p.t.Helper()
	ev := p.next(timeout)
	if ev.Event != name {
		p.t.Fatalf("node producer.js: got event %s, want %s", ev.Raw, name)
	}
	return ev
}

// waitStarted waits for the "started" event and returns it (ClientID set).
func (p *nodeProc) waitStarted(timeout time.Duration) nodeEvent {
	p.t.Helper()
	ev := p.expect("started", timeout)
	p.mu.Lock()
	p.started = ev
	p.mu.Unlock()
	return ev
}

// waitSent waits for n "sent" events.
func (p *nodeProc) waitSent(n int, timeout time.Duration) []nodeEvent {
	p.t.Helper()
	out := make([]nodeEvent, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, p.expect("sent", timeout))
	}
	return out
}

// closeProducer asks producer.js to call producer.close(), which sends
// UNREGISTER_CLIENT to every broker it knows (and, unless the client instance
// is shared, closes its connection), and waits for "closed".
func (p *nodeProc) closeProducer(timeout time.Duration) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, "close\n"); err != nil {
		p.t.Fatalf("write close to node producer.js: %v", err)
	}
	p.expect("closed", timeout)
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
}

// Close closes the producer (unless closeProducer already did) and waits for
// producer.js to exit cleanly.
func (p *nodeProc) Close(timeout time.Duration) {
	p.t.Helper()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if !closed {
		p.closeProducer(timeout)
	}
	_, _ = io.WriteString(p.stdin, "exit\n") // for Stay; harmless otherwise
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("node producer.js did not exit within %v after closing", timeout)
	}
	if err := p.exitErr(); err != nil {
		p.t.Fatalf("node producer.js exited with %v; stderr:\n%s", err, p.stderr.String())
	}
}

func (p *nodeProc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return fmt.Errorf("exit status %d", ee.ExitCode())
	}
	return p.waitErr
}

// stderrText returns what the client logged so far.
func (p *nodeProc) stderrText() string { return strings.TrimSpace(p.stderr.String()) }
