package mockbroker

import (
	"slices"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// BenchmarkLongPollDelivery measures, on loopback, the time from writing a
// send to reading the reply of the pull parked for its queue: the delivery
// latency a push consumer sees. It reports the median and the 99th
// percentile.
//
//	go test -run '^$' -bench LongPollDelivery ./mockbroker
func BenchmarkLongPollDelivery(b *testing.B) {
	br := Start(b)
	c, p := dial(b, br.Addr()), dial(b, br.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	suspend := protocol.BuildPullSysFlag(false, true, false, false)
	send := sendCmd("PG", "T", 0, "", []byte("payload"))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op := c.send(pullCmd("CG", "T", 0, int64(i), suspend))
		for br.holds.count() == 0 {
			time.Sleep(20 * time.Microsecond)
		}
		start := time.Now()
		p.send(send)
		resp := c.read()
		lat = append(lat, time.Since(start))
		if resp.Opaque != op || resp.Code != 0 {
			b.Fatalf("pull %d: opaque %d code %d %s", i, resp.Opaque, resp.Code, resp.Remark)
		}
		p.read() // the send reply
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
