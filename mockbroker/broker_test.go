package mockbroker

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// connections asks 204 for a group over the wire.
func connections(t testing.TB, c *rawClient, group string, st protocol.SerializeType) (*protocol.Command, *protocol.ProducerConnection) {
	t.Helper()
	req := protocol.NewRequest(protocol.GetProducerConnectionList, map[string]string{"producerGroup": group}, nil)
	req.Serialize = st
	resp := c.call(req)
	if resp.Code != 0 {
		return resp, nil
	}
	pc, err := protocol.DecodeProducerConnection(resp.Body)
	assert.NilError(t, err)
	return resp, pc
}

func localAddr(c *rawClient) string { return c.LocalAddr() }

func TestHeartbeatRegistersAndConnectionListReports(t *testing.T) {
	for _, st := range []protocol.SerializeType{protocol.JSON, protocol.RocketMQ} {
		t.Run(st.String(), func(t *testing.T) {
			b := Start(t)
			goc, javac := dial(t, b.Addr()), dial(t, b.Addr())
			hb := heartbeatCmd("10.0.0.5@4242", protocol.Go, 317, "PG")
			hb.Serialize = st
			resp := goc.call(hb)
			assert.Equal(t, resp.Code, int32(0))
			assert.Equal(t, resp.Serialize, st, "reply in the request's serialize type")
			assert.Equal(t, resp.Version, protocol.V5_3_3)
			assert.DeepEqual(t, resp.ExtFields, map[string]string{"IS_SUPPORT_HEART_BEAT_V2": "true", "IS_SUB_CHANGE": "true"})

			jhb := heartbeatCmd("10.0.0.1@123#456", protocol.Java, 479, "CLIENT_INNER_PRODUCER", "PG")
			jhb.Serialize = st
			assert.Equal(t, javac.call(jhb).Code, int32(0))

			resp, pc := connections(t, goc, "PG", st)
			assert.Equal(t, resp.Code, int32(0), resp.Remark)
			want := []protocol.Connection{
				{ClientAddr: localAddr(goc), ClientID: "10.0.0.5@4242", Language: protocol.Go, Version: 317},
				{ClientAddr: localAddr(javac), ClientID: "10.0.0.1@123#456", Language: protocol.Java, Version: 479},
			}
			assert.DeepEqual(t, pc.ConnectionSet, want, cmpopts.SortSlices(func(a, b protocol.Connection) bool { return a.ClientID < b.ClientID }))
			assert.DeepEqual(t, b.Groups(), []string{"CLIENT_INNER_PRODUCER", "PG"})
		})
	}
}

func TestRepeatedHeartbeatRefreshesWithoutDuplicating(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("first@1", protocol.Go, 317, "PG"))
	b.Advance(30 * time.Second)
	// A later heartbeat on the same connection only refreshes the time:
	// client id, language and version stay those of the first.
	c.call(heartbeatCmd("second@2", protocol.Java, 479, "PG"))
	got := b.Producers("PG")
	want := []Producer{{Group: "PG", ClientID: "first@1", Addr: localAddr(c), Language: "GO", Version: 317, LastHeartbeat: start.Add(30 * time.Second), ConnID: 1}}
	assert.DeepEqual(t, got, want)
}

func TestUnregisterRemovesProducer(t *testing.T) {
	tests := []struct {
		compat   protocol.Release
		wantCode int32
		wantBody string
		remark   string
	}{
		{protocol.Release533, 1, "", "the producer group[PG] not exist"},
		{protocol.Release498, 1, "", "the producer group[PG] not exist"},
	}
	for _, tt := range tests {
		t.Run("compat "+tt.compat.String(), func(t *testing.T) {
			b := Start(t, WithRelease(tt.compat))
			c := dial(t, b.Addr())
			c.call(heartbeatCmd("c@1", protocol.Java, 409, "PG", "CLIENT_INNER_PRODUCER"))
			resp := c.call(protocol.NewRequest(protocol.UnregisterClient, map[string]string{"clientID": "c@1", "producerGroup": "PG"}, nil))
			assert.Equal(t, resp.Code, int32(0))
			assert.DeepEqual(t, resp.ExtFields, map[string]string{})
			resp, _ = connections(t, c, "PG", protocol.JSON)
			assert.Equal(t, resp.Code, tt.wantCode)
			assert.Equal(t, resp.Remark, tt.remark)
			assert.Equal(t, len(b.Producers("CLIENT_INNER_PRODUCER")), 1, "other groups keep the connection")
		})
	}
}

func TestConnectionCloseRemovesProducer(t *testing.T) {
	tests := []struct {
		compat protocol.Release
		code   int32
		body   string
		remark string
	}{
		{protocol.Release533, 1, "", "the producer group[PG] not exist"},
		{protocol.Release498, 0, `{"connectionSet":[]}`, ""},
	}
	for _, tt := range tests {
		t.Run("compat "+tt.compat.String(), func(t *testing.T) {
			b := Start(t, WithRelease(tt.compat))
			c := dial(t, b.Addr())
			c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
			c.Close()
			assert.NilError(t, b.WaitProducers(ctxT(t), "PG", 0))
			admin := dial(t, b.Addr())
			req := protocol.NewRequest(protocol.GetProducerConnectionList, map[string]string{"producerGroup": "PG"}, nil)
			resp := admin.call(req)
			assert.Equal(t, resp.Code, tt.code)
			assert.Equal(t, resp.Remark, tt.remark)
			assert.Equal(t, string(resp.Body), tt.body)
		})
	}
}

func TestUnknownGroupAndUnknownCode(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	resp, _ := connections(t, c, "nope", protocol.JSON)
	assert.Equal(t, resp.Code, int32(1))
	assert.Equal(t, resp.Remark, "the producer group[nope] not exist")

	unknown := &protocol.Command{Code: 9999, Language: protocol.Java, Version: 479}
	resp = c.call(unknown)
	assert.Equal(t, resp.Code, int32(3))
	assert.Equal(t, resp.Remark, " request type 9999 not supported")
	assert.Assert(t, resp.ExtFields == nil && resp.Body == nil)

	// Oneway requests get no reply; the next request's reply comes first.
	c.send(&protocol.Command{Code: 9999, Flag: protocol.FlagOneway})
	op := c.send(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
	assert.Equal(t, c.read().Opaque, op)
}

func TestBadHeaderFieldsAnsweredNamingTheField(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	resp := c.call(protocol.NewRequest(protocol.GetProducerConnectionList, map[string]string{}, nil))
	assert.Equal(t, resp.Code, int32(1))
	assert.Assert(t, is.Contains(resp.Remark, "producerGroup"))
	resp = c.call(protocol.NewRequest(protocol.UnregisterClient, map[string]string{"producerGroup": "PG"}, nil))
	assert.Equal(t, resp.Code, int32(1))
	assert.Assert(t, is.Contains(resp.Remark, "clientID"))
	resp = c.call(protocol.NewRequest(protocol.HeartBeat, map[string]string{}, nil))
	assert.Equal(t, resp.Code, int32(1))
	assert.Assert(t, is.Contains(resp.Remark, "body"))
}

func TestPipelinedAndSplitFrames(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	var stream []byte
	var ops []int32
	for i := range 5 {
		cmd := heartbeatCmd(fmt.Sprintf("c@%d", i), protocol.Go, 317, fmt.Sprintf("G%d", i))
		cmd.Opaque = int32(100 + i)
		ops = append(ops, cmd.Opaque)
		var err error
		stream, err = cmd.AppendFrame(stream)
		assert.NilError(t, err)
	}
	// Everything at once: replies in order.
	_, err := c.Write(stream)
	assert.NilError(t, err)
	for _, op := range ops {
		assert.Equal(t, c.read().Opaque, op)
	}
	// One byte at a time: the broker waits for whole frames.
	for i := range stream {
		_, err := c.Write(stream[i : i+1])
		assert.NilError(t, err)
		if i%97 == 0 {
			time.Sleep(time.Millisecond) // let some bytes arrive alone
		}
	}
	for _, op := range ops {
		assert.Equal(t, c.read().Opaque, op)
	}
	assert.DeepEqual(t, b.Groups(), []string{"G0", "G1", "G2", "G3", "G4"})
}

// Malformed frames and other hostile input: hostile_test.go.

func isTimeout(err error) bool { return testclient.IsTimeout(err) }

func TestRouteAndClusterInfo(t *testing.T) {
	b := Start(t, WithMissingTopics("Gone"))
	c := dial(t, b.Addr())
	route := func(version protocol.MQVersion, topic string) *protocol.Command {
		req := protocol.NewRequest(protocol.GetRouteInfoByTopic, map[string]string{"topic": topic}, nil)
		req.Version = version
		return c.call(req)
	}
	a := b.AdvertisedAddr()
	resp := route(317, "TopicTest")
	assert.Equal(t, resp.Code, int32(0))
	assert.Equal(t, string(resp.Body), `{"brokerDatas":[{"brokerAddrs":{0:"`+a+`"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`)
	resp = route(479, "TBW102")
	assert.Equal(t, string(resp.Body), `{"brokerDatas":[{"brokerAddrs":{"0":"`+a+`"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":7,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`)
	resp = route(479, "Gone")
	assert.Equal(t, resp.Code, int32(17))
	assert.Equal(t, resp.Remark, "No topic route info in name server for the topic: Gone\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.")

	resp = c.call(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
	assert.Equal(t, string(resp.Body), `{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"`+a+`"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}`)

	b49 := Start(t, WithRelease(protocol.Release498), WithBrokerName("b1"), WithClusterName("C1"), WithQueueNums(8))
	c49 := dial(t, b49.Addr())
	req := protocol.NewRequest(protocol.GetRouteInfoByTopic, map[string]string{"topic": "T"}, nil)
	req.Version = 409
	resp = c49.call(req)
	assert.Equal(t, resp.Version, protocol.V4_9_8)
	assert.Equal(t, string(resp.Body), `{"brokerDatas":[{"brokerAddrs":{"0":"`+b49.AdvertisedAddr()+`"},"brokerName":"b1","cluster":"C1"}],"filterServerTable":{},"queueDatas":[{"brokerName":"b1","perm":6,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8}]}`)
}

func TestSendReplies(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	send := func(code protocol.RequestCode, ext map[string]string, body []byte) *protocol.Command {
		return c.call(protocol.NewRequest(code, ext, body))
	}
	v1 := map[string]string{"producerGroup": "PG", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
		"queueId": "2", "sysFlag": "0", "bornTimestamp": "1700000000000", "flag": "0",
		"properties": "UNIQ_KEY\x01ABC\x02WAIT\x01true\x02", "reconsumeTimes": "0", "unitMode": "false", "batch": "false"}
	r1 := send(protocol.SendMessage, v1, []byte("hello"))
	assert.Equal(t, r1.Code, int32(0), r1.Remark)
	ip, port, off, err := protocol.ParseOffsetMsgID(r1.ExtFields["msgId"])
	assert.NilError(t, err)
	assert.Equal(t, net.JoinHostPort(ip.String(), fmt.Sprint(port)), b.AdvertisedAddr())
	assert.Equal(t, off, int64(0))
	assert.DeepEqual(t, r1.ExtFields, map[string]string{"msgId": r1.ExtFields["msgId"], "queueId": "2", "queueOffset": "0",
		"transactionId": "ABC", "MSG_REGION": "DefaultRegion", "TRACE_ON": "true"})

	v2 := map[string]string{"a": "PG", "b": "T", "c": "TBW102", "d": "4", "e": "2", "f": "0", "g": "1700000000000", "h": "0", "i": "UNIQ_KEY\x01DEF\x02", "j": "0", "k": "false", "m": "false"}
	r2 := send(protocol.SendMessageV2, v2, []byte("world"))
	assert.Equal(t, r2.ExtFields["queueOffset"], "1", "per-queue counter")

	var batch []byte
	for i := range 3 {
		batch = protocol.AppendBatchMessage(batch, 0, []byte(fmt.Sprint("m", i)), fmt.Sprintf("UNIQ_KEY\x01B%d\x02", i))
	}
	v2["m"] = "true"
	r3 := send(protocol.SendBatchMessage, v2, batch)
	assert.Equal(t, r3.Code, int32(0), r3.Remark)
	assert.Equal(t, r3.ExtFields["queueOffset"], "2")
	assert.Equal(t, len(strings.Split(r3.ExtFields["msgId"], ",")), 3)
	_, hasTx := r3.ExtFields["transactionId"]
	assert.Assert(t, !hasTx, "plain batches carry no transactionId")

	v2["e"], v2["m"] = "0", "false"
	assert.Equal(t, send(protocol.SendMessageV2, v2, []byte("x")).ExtFields["queueOffset"], "0", "another queue counts on its own")

	v2["e"] = "9"
	bad := send(protocol.SendMessageV2, v2, []byte("x"))
	assert.Equal(t, bad.Code, int32(29))
	assert.Assert(t, is.Contains(bad.Remark, "queueId[9] is illegal"))
	assert.Equal(t, bad.ExtFields["MSG_REGION"], "DefaultRegion")

	delete(v2, "b")
	missing := send(protocol.SendMessageV2, v2, []byte("x"))
	assert.Equal(t, missing.Code, int32(1))
	assert.Assert(t, is.Contains(missing.Remark, `"b" (topic)`))
}

func TestAllProducerInfo(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_123)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("10.0.0.1@1", protocol.Go, 317, "PG"))
	resp := c.call(protocol.NewRequest(protocol.GetAllProducerInfo, map[string]string{}, nil))
	assert.Equal(t, resp.Code, int32(0))
	assert.Equal(t, string(resp.Body), `{"data":{"PG":[{"clientId":"10.0.0.1@1","language":"GO","lastUpdateTimestamp":1700000000123,"remoteIP":"/`+localAddr(c)+`","version":317}]}}`)
}

func TestCloseClientAndExpiry(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	sub := b.Subscribe()
	defer sub.Close()
	a, z := dial(t, b.Addr()), dial(t, b.Addr())
	a.call(heartbeatCmd("a@1", protocol.Go, 317, "PG"))
	z.call(heartbeatCmd("z@1", protocol.Go, 317, "PG"))

	assert.NilError(t, b.CloseClient("a@1"))
	_, err := a.tryRead(2 * time.Second)
	assert.Assert(t, err != nil && !isTimeout(err), "the broker closes a's connection: %v", err)
	assert.NilError(t, b.WaitProducers(ctxT(t), "PG", 1))
	assert.ErrorContains(t, b.CloseClient("nobody"), `no producer connection with client id "nobody" (known: [z@1])`)

	// 119 s of silence: not expired (the scan at +110 s sees 110 s).
	b.Advance(119 * time.Second)
	assert.Equal(t, len(b.Producers("PG")), 1)
	// The scan at +130 s sees 130 s > 120 s: dropped, connection closed.
	b.Advance(11 * time.Second)
	assert.Equal(t, len(b.Producers("PG")), 0)
	_, err = z.tryRead(2 * time.Second)
	assert.Assert(t, err != nil && !isTimeout(err), "the scan closes the connection: %v", err)

	var kinds []string
	for len(kinds) < 5 {
		ev, err := sub.Next(ctxT(t))
		assert.NilError(t, err)
		if ev.Kind.Clock() {
			continue // the Advance calls
		}
		kinds = append(kinds, ev.Kind.String()+" "+ev.ClientID)
	}
	assert.DeepEqual(t, kinds[:3], []string{"registered a@1", "registered z@1", "closed a@1"})
	assert.Equal(t, kinds[3], "expired z@1")
}

func TestExpireProducerNow(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG", "PG2"))
	assert.NilError(t, b.ExpireProducer("PG", "c@1"))
	assert.NilError(t, b.WaitProducers(ctxT(t), "PG", 0))
	// Its connection is closed, so it leaves every other group too.
	assert.NilError(t, b.WaitProducers(ctxT(t), "PG2", 0))
	assert.ErrorContains(t, b.ExpireProducer("PG", "c@1"), `group "PG" has no producer with client id "c@1"`)
}

func TestWaitProducersTimeoutSaysWhatWasThere(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorContains(t, b.WaitProducers(ctx, "PG", 2), `waiting for 2 producers in group "PG", it has 1 [c@1]: context deadline exceeded`)
}

func TestAdvanceNeedsVirtualClock(t *testing.T) {
	b := Start(t)
	defer func() {
		assert.Equal(t, recover(), "mockbroker: Advance needs a broker started WithVirtualClock")
	}()
	b.Advance(time.Second)
}

func TestTwoBrokersAreIndependent(t *testing.T) {
	b1, b2 := Start(t), Start(t)
	dial(t, b1.Addr()).call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	assert.Equal(t, len(b1.Producers("PG")), 1)
	assert.Equal(t, len(b2.Producers("PG")), 0)
	assert.Assert(t, b1.Addr() != b2.Addr())
}

func TestCloseFreesPortAndGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	b, err := New(WithListen("127.0.0.1:0"))
	assert.NilError(t, err)
	addr := b.Addr()
	c := dial(t, addr)
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	b.Close()
	b.Close() // idempotent
	_, err = c.tryRead(2 * time.Second)
	assert.Assert(t, err != nil && !isTimeout(err), "Close closes client connections: %v", err)
	c.Close() // else the kernel keeps the broker's end in FIN_WAIT2 on that port
	var ln net.Listener
	for range 100 { // the kernel moves the broker's end from FIN_WAIT2 to TIME_WAIT a moment later
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	assert.NilError(t, err, "the port is free again")
	ln.Close()
	c.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.Assert(t, runtime.NumGoroutine() <= before, "goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), stacks())
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

func BenchmarkStartClose(b *testing.B) {
	for b.Loop() {
		br, err := New()
		if err != nil {
			b.Fatal(err)
		}
		br.Close()
	}
}

func TestRequestObserverSeesRawFrames(t *testing.T) {
	var mu sync.Mutex
	var got []Received
	b := Start(t, WithRequestObserver(func(r Received) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}))
	c := dial(t, b.Addr())
	hb := heartbeatCmd("c@1", protocol.Go, 317, "PG")
	c.call(hb)
	raw, err := hb.Encode()
	assert.NilError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, len(got), 1)
	assert.DeepEqual(t, got[0].Frame, raw)
	assert.Equal(t, got[0].Remote, localAddr(c))
	assert.Equal(t, got[0].Command.Code, int32(34))
}

func TestConcurrentClientsOnSeveralLoops(t *testing.T) {
	b := Start(t, WithEventLoops(2), WithVirtualClock(time.Unix(0, 0)))
	const clients, rounds = 16, 20
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, b.Addr())
			id := fmt.Sprintf("c@%d", i)
			for r := range rounds {
				c.call(heartbeatCmd(id, protocol.Go, 317, "PG", fmt.Sprintf("G%d", i%4)))
				if r%5 == 0 {
					connections(t, c, "PG", protocol.JSON)
					b.Producers("PG")
				}
			}
			if i%2 == 0 {
				c.Close()
			}
		}()
	}
	go b.Advance(5 * time.Second) // hooks from another goroutine meanwhile
	wg.Wait()
	assert.NilError(t, b.WaitProducers(ctxT(t), "PG", clients/2))
}

func TestBrokerRuntimeInfo(t *testing.T) {
	for _, tt := range []struct {
		compat              protocol.Release
		version, tpsKey     string
		absentKey, otherKey string
	}{
		{protocol.Release533, "V5_3_3", "getTransferredTps", "getTransferedTps", "timerReadBehind"},
		{protocol.Release498, "V4_9_8", "getTransferedTps", "getTransferredTps", "brokerActive"},
	} {
		t.Run(tt.compat.String(), func(t *testing.T) {
			b := Start(t, WithRelease(tt.compat))
			c := dial(t, b.Addr())
			v1 := map[string]string{"producerGroup": "PG", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
				"queueId": "0", "sysFlag": "0", "bornTimestamp": "1", "flag": "0"}
			assert.Equal(t, c.call(protocol.NewRequest(protocol.SendMessage, v1, []byte("x"))).Code, int32(0))
			resp := c.call(protocol.NewRequest(protocol.GetBrokerRuntimeInfo, nil, nil))
			assert.Equal(t, resp.Code, int32(0))
			kv, err := protocol.DecodeKVTable(resp.Body)
			assert.NilError(t, err)
			assert.Equal(t, kv.Table["brokerVersionDesc"], tt.version)
			assert.Equal(t, kv.Table["msgPutTotalTodayNow"], "1")
			assert.Equal(t, kv.Table[tt.tpsKey], "0.0 0.0 0.0")
			_, has := kv.Table[tt.absentKey]
			assert.Assert(t, !has, "%s is the other release's spelling", tt.absentKey)
			assert.Assert(t, kv.Table[tt.otherKey] != "")
		})
	}
}

func TestIdleConnectionsClose(t *testing.T) {
	b := Start(t, WithVirtualClock(time.Unix(1_700_000_000, 0)))
	quiet, busy := dial(t, b.Addr()), dial(t, b.Addr())
	quiet.call(heartbeatCmd("quiet@1", protocol.Go, 317, "PG"))
	// busy talks every 60 s without registering, so only idleness can close it.
	for range 2 {
		b.Advance(60 * time.Second)
		busy.call(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
	}
	// quiet has been silent 120 s: the producer scan (strictly more than
	// 120 s) and the idle close (likewise) have not fired yet.
	assert.Equal(t, len(b.Producers("PG")), 1)
	b.Advance(10 * time.Second)
	_, err := quiet.tryRead(2 * time.Second)
	assert.Assert(t, err != nil && !isTimeout(err), "idle and expired: closed: %v", err)
	busy.call(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))

	// An unregistered idle connection is closed too, and WithIdleTimeout(0) keeps it.
	b.Advance(130 * time.Second)
	_, err = busy.tryRead(2 * time.Second)
	assert.Assert(t, err != nil && !isTimeout(err), "idle for 130 s: closed: %v", err)

	keep := Start(t, WithVirtualClock(time.Unix(0, 0)), WithIdleTimeout(0))
	c := dial(t, keep.Addr())
	c.call(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
	keep.Advance(10 * time.Minute)
	c.call(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
}
