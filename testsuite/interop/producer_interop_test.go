package interop

// Real clients against rocketmock: rocketmq-client-go v2.1.2 (in-process) and
// ali-ons 3.12.0 (node/producer.js). See CLIENTS.md for what they send.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// virtualStart is where every test broker's virtual clock starts.
var virtualStart = time.Unix(1700000000, 0)

const (
	// goRegisterTimeout: the Go client heartbeats 1 s after Start, then every
	// 30 s, and only once a send has taught it the broker's address.
	goRegisterTimeout = 45 * time.Second
	// nodeTimeout: ali-ons start, sends and (1 s) heartbeats.
	nodeTimeout = 30 * time.Second
	// goVersion and aliOnsVersion are the header versions the clients send
	// (MQVersion ordinals V4_5_2 and V3_4_9).
	goVersion     = 317
	aliOnsVersion = 121
)

// offsetMsgID is what a send reply's msgId must look like for both clients:
// uppercase hex of IPv4 (4 B) + port (4 B) + commit-log offset (8 B).
var offsetMsgID = regexp.MustCompile(`^[0-9A-F]{32}$`)

func startBroker(t *testing.T) *mockbroker.Broker {
	t.Helper()
	return mockbroker.Start(t, mockbroker.WithVirtualClock(virtualStart))
}

func waitProducers(t *testing.T, b *mockbroker.Broker, group string, n int, timeout time.Duration) []mockbroker.Producer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := b.WaitProducers(ctx, group, n); err != nil {
		t.Fatalf("WaitProducers(%q, %d): %v; registered now: %+v", group, n, err, b.Producers(group))
	}
	return b.Producers(group)
}

// eventually polls cond every 20 ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkProducer checks the broker's view of the single producer of a group.
func checkProducer(t *testing.T, ps []mockbroker.Producer, clientID string, lang protocol.LanguageCode, version int32) mockbroker.Producer {
	t.Helper()
	if len(ps) != 1 {
		t.Fatalf("got %d producers, want 1: %+v", len(ps), ps)
	}
	p := ps[0]
	if p.ClientID != clientID {
		t.Errorf("ClientID = %q, want %q", p.ClientID, clientID)
	}
	// Language is compared by its Java name so that either a string or a
	// protocol.LanguageCode field works.
	if got := fmt.Sprint(p.Language); got != lang.String() {
		t.Errorf("Language = %v, want %v", got, lang)
	}
	if int32(p.Version) != version { // int32 or protocol.MQVersion
		t.Errorf("Version = %d, want %d", int32(p.Version), version)
	}
	host, _, err := net.SplitHostPort(p.Addr)
	if err != nil || host != "127.0.0.1" {
		t.Errorf("Addr = %q, want 127.0.0.1:<port> (no leading slash)", p.Addr)
	}
	// The virtual clock only moves on Advance, so a heartbeat is stamped at
	// (or, if the broker lets virtual time flow, shortly after) its start.
	if p.LastHeartbeat.Before(virtualStart) || p.LastHeartbeat.After(virtualStart.Add(time.Minute)) {
		t.Errorf("LastHeartbeat = %v, want on the virtual clock near %v", p.LastHeartbeat, virtualStart)
	}
	return p
}

// ---------------------------------------------------------------------------
// raw remoting requests (what mqadmin producerConnection does)

var rawOpaque atomic.Int32

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func roundTrip(t *testing.T, conn net.Conn, req *protocol.Command) *protocol.Command {
	t.Helper()
	req.Version = protocol.V4_9_8
	req.Opaque = rawOpaque.Add(1)
	frame, err := req.Encode()
	if err != nil {
		t.Fatalf("encode %v: %v", req.RequestCode(), err)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write(frame); err != nil {
		t.Fatalf("write %v: %v", req.RequestCode(), err)
	}
	resp, err := readCommand(conn)
	if err != nil {
		t.Fatalf("read reply to %v: %v", req.RequestCode(), err)
	}
	if !resp.IsResponse() || resp.Opaque != req.Opaque {
		t.Fatalf("reply to %v: flag %d opaque %d, want a response with opaque %d", req.RequestCode(), resp.Flag, resp.Opaque, req.Opaque)
	}
	return resp
}

func readCommand(conn net.Conn) (*protocol.Command, error) {
	return protocol.ReadFrame(conn, 0)
}

type producerConnection struct {
	ConnectionSet []struct {
		ClientAddr string `json:"clientAddr"`
		ClientID   string `json:"clientId"`
		Language   string `json:"language"`
		Version    int32  `json:"version"`
	} `json:"connectionSet"`
}

// getProducerConnectionList sends GET_PRODUCER_CONNECTION_LIST (204) on a
// fresh connection. ok is false when the broker says the group does not
// exist (code 1, as a 5.x broker does once a group is empty).
func getProducerConnectionList(t *testing.T, addr, group string) (pc producerConnection, ok bool) {
	t.Helper()
	conn := dialRaw(t, addr)
	defer conn.Close()
	resp := roundTrip(t, conn, protocol.NewRequest(protocol.GetProducerConnectionList,
		map[string]string{"producerGroup": group}, nil))
	switch resp.ResponseCode() {
	case protocol.Success:
	case protocol.SystemError:
		if want := "the producer group[" + group + "] not exist"; resp.Remark != want {
			t.Fatalf("204 for %q: code 1 remark %q, want %q", group, resp.Remark, want)
		}
		return pc, false
	default:
		t.Fatalf("204 for %q: code %v remark %q", group, resp.ResponseCode(), resp.Remark)
	}
	if err := json.Unmarshal(resp.Body, &pc); err != nil {
		t.Fatalf("204 body %q: %v", resp.Body, err)
	}
	return pc, true
}

// checkConnectionList checks a 204 answer listing exactly one connection.
func checkConnectionList(t *testing.T, addr, group, clientID, clientAddr, lang string, version int32) {
	t.Helper()
	pc, ok := getProducerConnectionList(t, addr, group)
	if !ok || len(pc.ConnectionSet) != 1 {
		t.Fatalf("204 for %q: %+v (group exists: %v), want one connection", group, pc, ok)
	}
	c := pc.ConnectionSet[0]
	if c.ClientID != clientID || c.Language != lang || c.Version != version || c.ClientAddr != clientAddr {
		t.Errorf("204 connection = %+v, want clientId %q language %q version %d clientAddr %q",
			c, clientID, lang, version, clientAddr)
	}
}

// checkGroupGone checks that 204 lists no connection for group (either
// answer a real broker can give: code 1 "not exist", or an empty set).
func checkGroupGone(t *testing.T, addr, group string) {
	t.Helper()
	if pc, ok := getProducerConnectionList(t, addr, group); ok && len(pc.ConnectionSet) != 0 {
		t.Errorf("204 for %q still lists %+v", group, pc.ConnectionSet)
	}
}

// rawHeartbeat registers a producer group on a connection of our own, the
// way rocketmq-client-go does (language GO, version 317), and returns the
// connection, left open.
func rawHeartbeat(t *testing.T, addr, group, clientID string) net.Conn {
	t.Helper()
	conn := dialRaw(t, addr)
	body, _ := json.Marshal(map[string]any{
		"clientID":        clientID,
		"producerDataSet": []map[string]string{{"groupName": group}},
		"consumerDataSet": []any{},
	})
	req := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, body)
	req.Language = protocol.Go
	resp := roundTrip(t, conn, req)
	if resp.ResponseCode() != protocol.Success {
		t.Fatalf("raw heartbeat: code %v remark %q", resp.ResponseCode(), resp.Remark)
	}
	return conn
}

// waitClosedByPeer waits until the broker closes conn.
func waitClosedByPeer(t *testing.T, conn net.Conn, timeout time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 512)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue // stray bytes: keep reading until the close
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("broker did not close the expired producer's connection within %v", timeout)
		}
		return // EOF or reset: closed
	}
}

// ---------------------------------------------------------------------------
// rocketmq-client-go v2.1.2

// registerGoProducer starts a Go producer, sends one message right away (so
// the heartbeat at Start+1s already knows the broker) and waits until the
// broker lists it.
func registerGoProducer(t *testing.T, b *mockbroker.Broker, group, topic string) (clientID string, p mockbroker.Producer) {
	t.Helper()
	prod, clientID := startGoProducer(t, b.Addr(), group)
	r := goSend(t, prod, topic, "hello from rocketmq-client-go")
	if !offsetMsgID.MatchString(r.OffsetMsgID) {
		t.Errorf("SendResult.OffsetMsgID = %q, want 32 uppercase hex chars", r.OffsetMsgID)
	}
	if r.MessageQueue == nil || r.MessageQueue.Topic != topic || r.MessageQueue.BrokerName == "" {
		t.Errorf("SendResult.MessageQueue = %v, want topic %q on a named broker", r.MessageQueue, topic)
	}
	if r.QueueOffset < 0 {
		t.Errorf("SendResult.QueueOffset = %d, want >= 0", r.QueueOffset)
	}
	ps := waitProducers(t, b, group, 1, goRegisterTimeout)
	return clientID, checkProducer(t, ps, clientID, protocol.Go, goVersion)
}

func TestGoProducerRegistersAndSends(t *testing.T) {
	t.Parallel()
	b := startBroker(t)
	const group = "PG_GO_REGISTER"
	clientID, p := registerGoProducer(t, b, group, "InteropGoTopic")
	// The same, as mqadmin producerConnection asks for it.
	checkConnectionList(t, b.Addr(), group, clientID, p.Addr, "GO", goVersion)
}

func TestGoProducerCloseClient(t *testing.T) {
	t.Parallel()
	b := startBroker(t)
	const group = "PG_GO_CLOSE"
	clientID, _ := registerGoProducer(t, b, group, "InteropGoTopic")

	if err := b.CloseClient(clientID); err != nil {
		t.Fatalf("CloseClient(%q): %v", clientID, err)
	}
	eventually(t, 5*time.Second, "the closed Go producer to leave "+group, func() bool {
		return len(b.Producers(group)) == 0
	})
	checkGroupGone(t, b.Addr(), group)
	if err := b.CloseClient("127.0.0.1@no-such-client"); err == nil {
		t.Errorf("CloseClient of an unknown client: got nil error")
	}
}

func TestGoProducerCloseClientThenSendAgain(t *testing.T) {
	t.Parallel()
	b := startBroker(t)
	const group = "PG_GO_RECONNECT"
	prod, clientID := startGoProducer(t, b.Addr(), group)
	goSend(t, prod, "InteropGoTopic", "first")
	waitProducers(t, b, group, 1, goRegisterTimeout)
	if err := b.CloseClient(clientID); err != nil {
		t.Fatalf("CloseClient(%q): %v", clientID, err)
	}
	eventually(t, 5*time.Second, "the closed Go producer to leave "+group, func() bool {
		return len(b.Producers(group)) == 0
	})
	// The Go client drops a dead connection once its reader sees the close
	// (or a write fails) and dials again on the next request; it re-registers
	// only at its next 30 s heartbeat. A send racing with the close can fail
	// (broken pipe, or no reply within 3 s), as it would against a real
	// broker, so allow a few tries.
	var lastErr error
	for try := 1; try <= 3; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := prod.SendSync(ctx, primitive.NewMessage("InteropGoTopic", []byte("after CloseClient")))
		cancel()
		if err == nil && r.Status == primitive.SendOK {
			return
		}
		lastErr = err
		t.Logf("send %d after CloseClient: %v (retrying)", try, err)
	}
	t.Fatalf("rocketmq-client-go could not send after CloseClient: %v", lastErr)
}

func TestGoProducerExpiresOnVirtualClock(t *testing.T) {
	t.Parallel()
	b := startBroker(t)
	const group, rawGroup = "PG_GO_EXPIRE", "PG_RAW_EXPIRE"
	registerGoProducer(t, b, group, "InteropGoTopic")
	raw := rawHeartbeat(t, b.Addr(), rawGroup, "127.0.0.1@raw-expire")
	if ps := b.Producers(rawGroup); len(ps) != 1 {
		t.Fatalf("raw heartbeat: Producers(%q) = %+v, want one", rawGroup, ps)
	}

	// 121 s without a heartbeat, then one more housekeeping scan (every 10 s):
	// the entries expire and their connections are closed. The real Go client
	// heartbeats every 30 s of real time, which this test does not wait for.
	b.Advance(121 * time.Second)
	b.Advance(10 * time.Second)
	eventually(t, 5*time.Second, "expired producers to leave", func() bool {
		return len(b.Producers(group)) == 0 && len(b.Producers(rawGroup)) == 0
	})
	waitClosedByPeer(t, raw, 5*time.Second)
	checkGroupGone(t, b.Addr(), group)
	checkGroupGone(t, b.Addr(), rawGroup)
}

func TestGoProducerSurvivesAdvanceBelowExpiry(t *testing.T) {
	t.Parallel()
	b := startBroker(t)
	const group = "PG_GO_NOT_EXPIRED"
	registerGoProducer(t, b, group, "InteropGoTopic")
	b.Advance(110 * time.Second) // scans at 10 s … 110 s: 110 s is not > 120 s
	if ps := b.Producers(group); len(ps) != 1 {
		t.Fatalf("after 110 s: Producers(%q) = %+v, want still one", group, ps)
	}
}

// ---------------------------------------------------------------------------
// ali-ons 3.12.0

func TestAliOnsProducerRegistersAndUnregisters(t *testing.T) {
	t.Parallel()
	b := startBroker(t)
	const group, topic = "PG_NODE_REGISTER", "InteropNodeTopic"
	np := startNodeProducer(t, b.Addr(), group, topic, 2)
	started := np.waitStarted(nodeTimeout)
	if started.ClientID == "" || !strings.Contains(started.ClientID, "@") {
		t.Fatalf("ali-ons clientId = %q, want <ip>@<pid>", started.ClientID)
	}
	for _, ev := range np.waitSent(2, nodeTimeout) {
		if !offsetMsgID.MatchString(ev.MsgID) {
			t.Errorf("ali-ons sent msgId = %q, want 32 uppercase hex chars (it reports the reply's msgId)", ev.MsgID)
		}
		if ev.SendStatus != "SEND_OK" || ev.QueueOffset < 0 {
			t.Errorf("ali-ons sent %s", ev.Raw)
		}
	}
	ps := waitProducers(t, b, group, 1, nodeTimeout)
	p := checkProducer(t, ps, started.ClientID, protocol.Java, aliOnsVersion)
	checkConnectionList(t, b.Addr(), group, started.ClientID, p.Addr, "JAVA", aliOnsVersion)

	// close() sends UNREGISTER_CLIENT(clientID, producerGroup) and waits for
	// the reply (3 s), then closes its connection.
	np.Close(nodeTimeout)
	eventually(t, 5*time.Second, "the closed ali-ons producer to leave "+group, func() bool {
		return len(b.Producers(group)) == 0
	})
	checkGroupGone(t, b.Addr(), group)
}

// With an explicit instanceName, ali-ons shares one client instance (and TCP
// connection) between the producer and its internal CLIENT_INNER_PRODUCER,
// so close() unregisters the group but keeps the connection, which goes on
// heartbeating CLIENT_INNER_PRODUCER: the group must go by UNREGISTER_CLIENT
// alone.
func TestAliOnsUnregisterClientKeepsConnection(t *testing.T) {
	t.Parallel()
	b := startBroker(t)
	const group, inner = "PG_NODE_UNREGISTER", "CLIENT_INNER_PRODUCER"
	instance := "interop-" + strconv.Itoa(os.Getpid())
	np := startNodeProducerWith(t, nodeProducerConfig{
		NameSrv: b.Addr(), Group: group, Topic: "InteropNodeTopic", Count: 1,
		HeartbeatInterval: time.Second, InstanceName: instance, Stay: true,
	})
	started := np.waitStarted(nodeTimeout)
	if !strings.HasSuffix(started.ClientID, "@"+instance) {
		t.Fatalf("ali-ons clientId = %q, want <ip>@%s", started.ClientID, instance)
	}
	np.waitSent(1, nodeTimeout)
	waitProducers(t, b, group, 1, nodeTimeout)
	innerBefore := waitProducers(t, b, inner, 1, nodeTimeout)

	np.closeProducer(nodeTimeout)
	eventually(t, 5*time.Second, "UNREGISTER_CLIENT to remove "+group, func() bool {
		return len(b.Producers(group)) == 0
	})
	innerAfter := b.Producers(inner)
	if len(innerAfter) != 1 || innerAfter[0].ClientID != started.ClientID || innerAfter[0].Addr != innerBefore[0].Addr {
		t.Errorf("after UNREGISTER_CLIENT of %s: Producers(%s) = %+v, want the same connection as before (%+v)",
			group, inner, innerAfter, innerBefore)
	}
	np.Close(nodeTimeout)
	eventually(t, 5*time.Second, "the exited ali-ons process to leave "+inner, func() bool {
		return len(b.Producers(inner)) == 0
	})
}
