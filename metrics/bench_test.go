package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/rocketmock/rocketmock/metrics"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// BenchmarkScrape measures one GET /metrics of a broker holding 1,000
// producers in 10 groups, per group and per client.
//
//	go test -run '^$' -bench Scrape -benchmem ./metrics
func BenchmarkScrape(b *testing.B) {
	br := mockbroker.Start(b)
	f := &mockbroker.Fixture{}
	for g := range 10 {
		group := mockbroker.FixtureGroup{Name: fmt.Sprintf("PG_%d", g)}
		for i := range 100 {
			group.Producers = append(group.Producers, mockbroker.FixtureProducer{
				ClientID: fmt.Sprintf("10.0.%d.%d@%d", g, i, i), Addr: fmt.Sprintf("10.0.%d.%d:4000", g, i)})
		}
		f.Groups = append(f.Groups, group)
	}
	if err := br.LoadFixture(f); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []metrics.Option
	}{
		{"groups", nil},
		{"client-ids", []metrics.Option{metrics.ClientIDs(true)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := metrics.Handler(br, tc.opts...)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				b.SetBytes(int64(rec.Body.Len()))
				_, _ = io.Copy(io.Discard, rec.Body)
			}
		})
	}
}
