package mockbroker

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/rocketmock/rocketmock/protocol"
)

// BenchmarkHeartbeatWithWaiters serves heartbeats while n WaitProducers
// wait on groups the heartbeat does not name (issue 12, item 8: 500
// waiters must not cost other clients their throughput).
func BenchmarkHeartbeatWithWaiters(b *testing.B) {
	for _, n := range []int{0, 500} {
		b.Run(fmt.Sprintf("waiters=%d", n), func(b *testing.B) {
			br := benchBroker(b)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = br.WaitProducers(ctx, fmt.Sprint("WAITED", i), 1)
				}()
			}
			defer func() { cancel(); wg.Wait() }()
			hb := protocol.HeartbeatData{ClientID: "10.0.0.1@4242", ProducerDataSet: []protocol.ProducerData{{GroupName: "PG"}}}
			cmd := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.MarshalAs(protocol.Release533))
			cmd.Language, cmd.Version = protocol.Java, protocol.V5_3_3
			frame := encodeFrame(b, cmd)
			c := benchConn(br, 1)
			dispatch(b, c, frame)
			b.ReportAllocs()
			for b.Loop() {
				dispatch(b, c, frame)
			}
		})
	}
}
