package mockbroker

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// Benchmarks of request handling without sockets: a frame in, decoded,
// dispatched to its handler and the reply encoded, as OnTraffic does per
// request; then the start and stop of a broker, and heartbeats on a real
// connection while the scan runs over 100,000 producers.

// benchBroker starts a broker that logs warnings to nowhere, as a broker
// with the default logger would to stderr.
func benchBroker(b *testing.B, opts ...Option) *Broker {
	b.Helper()
	logger := slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	br, err := New(append([]Option{WithLogger(logger)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(br.Close)
	return br
}

// benchConn is a connection of the broker's server, without a socket.
func benchConn(br *Broker, i int) *remoting.Loopback {
	l := remoting.NewLoopback(br.handler, uint64(i), fmt.Sprintf("127.0.0.1:%d", 30000+i), br.connOpened,
		func(rc *remoting.Conn) { br.connClosed(rc, nil) })
	return l
}

// dispatch serves frame as the server does, and returns the reply bytes.
func dispatch(b *testing.B, c *remoting.Loopback, frame []byte) []byte {
	out, err := c.Serve(frame)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func encodeFrame(b *testing.B, cmd *protocol.Command) []byte {
	b.Helper()
	f, err := cmd.Encode()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// benchRequests are the requests clients send most, as they send them.
func benchRequests(b *testing.B) []struct {
	name  string
	frame []byte
} {
	java := func(cmd *protocol.Command) *protocol.Command {
		cmd.Language, cmd.Version, cmd.ExtFieldsTable = protocol.Java, protocol.V5_3_3, protocol.JavaAddExtFieldTable
		cmd.Opaque = 42
		return cmd
	}
	hb := protocol.HeartbeatData{ClientID: "10.0.0.1@4242", ProducerDataSet: []protocol.ProducerData{{GroupName: "PG"}, {GroupName: "CLIENT_INNER_PRODUCER"}},
		ConsumerDataSet: []protocol.ConsumerData{}}
	goHB := protocol.HeartbeatData{ClientID: "10.0.0.2@4243", ProducerDataSet: []protocol.ProducerData{{GroupName: "PG"}}}
	send := protocol.SendMessageRequestHeader{ProducerGroup: "PG", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
		QueueID: 1, BornTimestamp: 1700000000000, Properties: "UNIQ_KEY\x017F0000010001000000000001\x02WAIT\x01true\x02"}
	route := protocol.GetRouteInfoRequestHeader{Topic: "T"}
	list := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: "PG"}
	goCmd := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, goHB.MarshalAs(protocol.Release498))
	goCmd.Language, goCmd.Version, goCmd.Opaque = protocol.Go, protocol.V4_5_2, 7
	binHB := java(protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.MarshalAs(protocol.Release533)))
	binHB.Serialize = protocol.RocketMQ
	return []struct {
		name  string
		frame []byte
	}{
		{"heartbeat-java", encodeFrame(b, java(protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.MarshalAs(protocol.Release533))))},
		{"heartbeat-java-rocketmq", encodeFrame(b, binHB)},
		{"heartbeat-go", encodeFrame(b, goCmd)},
		{"route", encodeFrame(b, java(protocol.NewRequest(protocol.GetRouteInfoByTopic, route.Encode(), nil)))},
		{"send", encodeFrame(b, java(protocol.NewRequest(protocol.SendMessageV2, send.EncodeV2(), make([]byte, 128))))},
		{"producers-64", encodeFrame(b, java(protocol.NewRequest(protocol.GetProducerConnectionList, list.Encode(), nil)))},
	}
}

// BenchmarkDispatch serves one request from its frame to its reply frame.
func BenchmarkDispatch(b *testing.B) {
	for _, tc := range benchRequests(b) {
		b.Run(tc.name, func(b *testing.B) {
			br := benchBroker(b)
			fill(br.producers, benchChannels(63), 1) // 204 answers 64
			br.producers.RegisterProducer("PG", benchInfo(&benchChannel{addr: "10.9.9.9:1"}, 99))
			c := benchConn(br, 1)
			if len(dispatch(b, c, tc.frame)) == 0 {
				b.Fatal("no reply")
			}
			b.SetBytes(int64(len(tc.frame)))
			b.ReportAllocs()
			for b.Loop() {
				dispatch(b, c, tc.frame)
			}
		})
	}
}

// BenchmarkProducerConnectionList answers 204 for a large group: the
// snapshot, the body and the reply frame.
func BenchmarkProducerConnectionList(b *testing.B) {
	for _, n := range []int{100, 1000, 8000} {
		b.Run(fmt.Sprintf("group=%d", n), func(b *testing.B) {
			br := benchBroker(b)
			for i, ch := range benchChannels(n) {
				br.producers.RegisterProducer("PG", benchInfo(ch, i))
			}
			list := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: "PG"}
			req := protocol.NewRequest(protocol.GetProducerConnectionList, list.Encode(), nil)
			req.Language, req.Version = protocol.Java, protocol.V5_3_3
			frame := encodeFrame(b, req)
			c := benchConn(br, 1)
			b.SetBytes(int64(len(dispatch(b, c, frame))))
			b.ReportAllocs()
			for b.Loop() {
				dispatch(b, c, frame)
			}
		})
	}
}

// BenchmarkStartCloseLatency starts and closes a broker, reporting the
// median and the 99th percentile as well as the mean (ns/op): issue 7's
// target is on the median.
func BenchmarkStartCloseLatency(b *testing.B) {
	var took []time.Duration
	for b.Loop() {
		t0 := time.Now()
		br, err := New()
		if err != nil {
			b.Fatal(err)
		}
		br.Close()
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkHeartbeatDuringScan sends heartbeats one at a time on a TCP
// connection while another goroutine runs the expiry scan over 100,000
// producers every 20 ms (at least five scans): the longest round trip is
// the longest that request handling was held up (reported as max-ms, with
// scan-ms, the mean scan, for comparison).
func BenchmarkHeartbeatDuringScan(b *testing.B) {
	for _, shape := range scanShapes {
		b.Run(fmt.Sprintf("producers=%d/groups=%d", shape.n, shape.groups), func(b *testing.B) {
			br := benchBroker(b)
			fill(br.producers, benchChannels(shape.n), shape.groups)
			c := dial(b, br.Addr())
			hb := heartbeatCmd("10.0.0.1@1", protocol.Java, protocol.V5_3_3, "PG_0")
			c.call(hb)

			stop := make(chan struct{})
			var wg sync.WaitGroup
			var scans atomic.Int64
			var scanTime time.Duration
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					t0 := time.Now()
					br.Scan()
					scanTime += time.Since(t0)
					scans.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}()
			var worst time.Duration
			call := func() {
				t0 := time.Now()
				c.call(hb)
				worst = max(worst, time.Since(t0))
			}
			for b.Loop() {
				call()
			}
			for scans.Load() < 5 { // however short the timed loop, five scans overlap
				call()
			}
			close(stop)
			wg.Wait()
			b.ReportMetric(float64(worst.Microseconds())/1e3, "max-ms")
			b.ReportMetric(float64((scanTime/time.Duration(scans.Load())).Microseconds())/1e3, "scan-ms")
		})
	}
}
