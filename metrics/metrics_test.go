package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rocketmock/rocketmock/controlapi"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/metrics"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// scrape GETs url with the bearer token and parses the answer with the
// Prometheus text parser.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	assert.NilError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, resp.StatusCode, http.StatusOK)
	assert.Assert(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4"), resp.Header.Get("Content-Type"))
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	assert.NilError(t, err)
	return mfs
}

// series returns a family's series as `label="value",...` (labels sorted
// by name) → value.
func series(mfs map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	mf, ok := mfs[name]
	if !ok {
		return out
	}
	for _, m := range mf.GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
		}
		sort.Strings(labels)
		v := m.GetGauge().GetValue()
		if mf.GetType() == dto.MetricType_COUNTER {
			v = m.GetCounter().GetValue()
		}
		out[strings.Join(labels, ",")] = v
	}
	return out
}

func pull(group, topic string, queue int32, offset int64) *protocol.Command {
	h := protocol.PullMessageRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: queue, QueueOffset: offset,
		MaxMsgNums: 32, SuspendTimeoutMillis: 15000}
	return protocol.NewRequest(protocol.PullMessage, h.Encode(), nil)
}

// traffic drives a broker over real connections: three producers in two
// groups, a consumer that pulls, sends to three queues (one refused by an
// interception), a connection closed by a fault; then the virtual clock
// moves 42 s, with one producer heartbeating again after 10 s.
func traffic(t *testing.T, b *mockbroker.Broker) {
	p1, p2, p3 := testclient.Dial(t, b.Addr()), testclient.Dial(t, b.Addr()), testclient.Dial(t, b.Addr())
	c1 := testclient.Dial(t, b.Addr())
	ok := func(resp *protocol.Command, want protocol.ResponseCode) {
		t.Helper()
		assert.Equal(t, resp.ResponseCode(), want, resp.Remark)
	}
	ok(p1.Call(testclient.Heartbeat("p@1", protocol.Java, 0, "PG1")), protocol.Success)
	ok(p2.Call(testclient.Heartbeat("p@2", protocol.Java, 0, "PG1")), protocol.Success)
	ok(p3.Call(testclient.Heartbeat("p@3", protocol.Java, 0, "PG2")), protocol.Success)
	ok(c1.Call(testclient.ConsumerHeartbeat("c@1", "CG", "T")), protocol.Success)
	assert.Equal(t, c1.Read().Code, int32(protocol.NotifyConsumerIDsChanged))

	ok(p1.Call(testclient.SendMessage("PG1", "T", 0, "", []byte("a"))), protocol.Success)
	ok(p1.Call(testclient.SendMessage("PG1", "T", 0, "", []byte("b"))), protocol.Success)
	ok(p1.Call(testclient.SendMessage("PG1", "T", 1, "", []byte("c"))), protocol.Success)
	ok(p3.Call(testclient.SendMessage("PG2", "T", 1, "", []byte("d"))), protocol.Success)
	b.Intercept(protocol.SendMessage, mockbroker.FaultCode(protocol.SystemBusy, "busy"), mockbroker.Once())
	ok(p1.Call(testclient.SendMessage("PG1", "T", 2, "", []byte("e"))), protocol.SystemBusy)

	ok(c1.Call(pull("CG", "T", 0, 0)), protocol.Success)
	assert.NilError(t, b.SetConsumerOffset("CG", "T", 0, 1))

	gone := testclient.Dial(t, b.Addr())
	b.Intercept(protocol.GetBrokerClusterInfo, mockbroker.FaultDisconnect(), mockbroker.Once())
	gone.Send(testclient.ClusterInfo())
	gone.ReadEOF()
	for deadline := time.Now().Add(3 * time.Second); b.Connections() != 4 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, b.Connections(), 4)

	b.Advance(10 * time.Second)
	ok(p2.Call(testclient.Heartbeat("p@2", protocol.Java, 0, "PG1")), protocol.Success)
	b.Advance(32 * time.Second)
}

func TestMetricsOfARealBroker(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(time.Unix(1_700_000_000, 0)), mockbroker.WithMessageLimit(2), mockbroker.WithJournalLimit(5))
	srv := httptest.NewServer(controlapi.NewHandler(b, controlapi.Token("s3cret")))
	t.Cleanup(srv.Close)
	traffic(t, b)

	resp, err := http.Get(srv.URL + "/metrics")
	assert.NilError(t, err)
	resp.Body.Close()
	assert.Equal(t, resp.StatusCode, http.StatusUnauthorized, "the token guards /metrics")

	mfs := scrape(t, srv.URL+"/metrics", "s3cret")
	assert.DeepEqual(t, series(mfs, "rocketmock_requests_total"), map[string]float64{
		`code="10",code_name="SEND_MESSAGE",result="SUCCESS"`:                  4,
		`code="10",code_name="SEND_MESSAGE",result="SYSTEM_BUSY"`:              1,
		`code="11",code_name="PULL_MESSAGE",result="SUCCESS"`:                  1,
		`code="34",code_name="HEART_BEAT",result="SUCCESS"`:                    5,
		`code="106",code_name="GET_BROKER_CLUSTER_INFO",result="disconnected"`: 1,
	})
	assert.DeepEqual(t, series(mfs, "rocketmock_connections"), map[string]float64{"": 4})
	assert.DeepEqual(t, series(mfs, "rocketmock_connections_max"), map[string]float64{"": float64(b.MaxConnections())})
	assert.DeepEqual(t, series(mfs, "rocketmock_connections_refused_total"), map[string]float64{"": 0})
	assert.DeepEqual(t, series(mfs, "rocketmock_producers"), map[string]float64{`group="PG1"`: 2, `group="PG2"`: 1})
	assert.DeepEqual(t, series(mfs, "rocketmock_consumers"), map[string]float64{`group="CG"`: 1})
	assert.DeepEqual(t, series(mfs, "rocketmock_heartbeat_age_seconds"), map[string]float64{
		`group="PG1",role="producer"`: 42, // p@1's; p@2 heartbeat 32 s ago
		`group="PG2",role="producer"`: 42,
		`group="CG",role="consumer"`:  42,
	})
	assert.DeepEqual(t, series(mfs, "rocketmock_messages_sent_total"), map[string]float64{
		`group="PG1",queue="0",topic="T"`: 2,
		`group="PG1",queue="1",topic="T"`: 1,
		`group="PG2",queue="1",topic="T"`: 1,
	})
	assert.DeepEqual(t, series(mfs, "rocketmock_consumer_lag_messages"), map[string]float64{
		`group="CG",queue="0",topic="T"`: 1, // committed 1 of 2
		`group="CG",queue="1",topic="T"`: 2, // nothing committed
		`group="CG",queue="2",topic="T"`: 0,
		`group="CG",queue="3",topic="T"`: 0,
	})
	assert.DeepEqual(t, series(mfs, "rocketmock_pulls_parked"), map[string]float64{"": 0})
	// 12 requests journaled, 5 kept; 4 messages accepted, 2 kept.
	assert.DeepEqual(t, series(mfs, "rocketmock_records_dropped_total"), map[string]float64{
		`kind="messages"`: 2, `kind="journal"`: 7, `kind="log_lines"`: 0, `kind="topics"`: 0,
		`kind="send_counts"`: 0, `kind="denials"`: 0, `kind="request_counts"`: 0,
	})
	dropped := series(mfs, "rocketmock_records_dropped_bytes_total")
	assert.Equal(t, dropped[`kind="messages"`], float64(b.MessagesDroppedBytes()))
	assert.Equal(t, dropped[`kind="journal"`], float64(b.JournalDroppedBytes()))
	assert.Assert(t, b.MessagesDroppedBytes() > 0 && b.JournalDroppedBytes() > 0)
	lag := series(mfs, "rocketmock_event_loop_lag_seconds")[""]
	assert.Assert(t, lag > 0 && lag < 1, "event loop lag %v s", lag)
	assert.DeepEqual(t, series(mfs, "rocketmock_metrics_series_dropped"), map[string]float64{
		`family="rocketmock_requests_total"`: 0, `family="rocketmock_producers"`: 0, `family="rocketmock_consumers"`: 0,
		`family="rocketmock_heartbeat_age_seconds"`: 0, `family="rocketmock_messages_sent_total"`: 0,
		`family="rocketmock_consumer_lag_messages"`: 0,
	})
	for name, mf := range mfs {
		assert.Assert(t, strings.HasPrefix(name, "rocketmock_"), name)
		assert.Assert(t, mf.GetHelp() != "", "%s has no help", name)
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.Assert(t, l.GetName() != "client_id", "%s has client ids by default", name)
			}
		}
	}
}

func TestMetricsWithClientIDs(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(time.Unix(1_700_000_000, 0)))
	srv := httptest.NewServer(controlapi.NewHandler(b, controlapi.MetricsClientIDs(true)))
	t.Cleanup(srv.Close)
	traffic(t, b)

	mfs := scrape(t, srv.URL+"/metrics", "")
	assert.DeepEqual(t, series(mfs, "rocketmock_heartbeat_age_seconds"), map[string]float64{
		`client_id="p@1",group="PG1",role="producer"`: 42,
		`client_id="p@2",group="PG1",role="producer"`: 32,
		`client_id="p@3",group="PG2",role="producer"`: 42,
		`client_id="c@1",group="CG",role="consumer"`:  42,
	})
	assert.DeepEqual(t, series(mfs, "rocketmock_messages_sent_total"), map[string]float64{
		`client_id="p@1",group="PG1",queue="0",topic="T"`: 2,
		`client_id="p@1",group="PG1",queue="1",topic="T"`: 1,
		`client_id="p@3",group="PG2",queue="1",topic="T"`: 1,
	})
	assert.DeepEqual(t, series(mfs, "rocketmock_producers"), map[string]float64{`group="PG1"`: 2, `group="PG2"`: 1})
}

// Two brokers in one process each have their own series.
func TestTwoBrokersDoNotSeeEachOther(t *testing.T) {
	var urls []string
	for _, group := range []string{"PG_a", "PG_b"} {
		b := mockbroker.Start(t)
		c := testclient.Dial(t, b.Addr())
		assert.Equal(t, c.Call(testclient.Heartbeat(group+"@1", protocol.Java, 0, group)).ResponseCode(), protocol.Success)
		srv := httptest.NewServer(metrics.Handler(b))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	for i, group := range []string{"PG_a", "PG_b"} {
		mfs := scrape(t, urls[i], "")
		assert.DeepEqual(t, series(mfs, "rocketmock_producers"), map[string]float64{`group="` + group + `"`: 1})
		assert.DeepEqual(t, series(mfs, "rocketmock_requests_total"), map[string]float64{
			`code="34",code_name="HEART_BEAT",result="SUCCESS"`: 1,
		})
	}
}

// Past MaxSeries a family stops, and says how many series it left out.
func TestSeriesAreBounded(t *testing.T) {
	b := mockbroker.Start(t)
	c := testclient.Dial(t, b.Addr())
	groups := []string{"G1", "G2", "G3", "G4", "G5"}
	assert.Equal(t, c.Call(testclient.Heartbeat("many@1", protocol.Java, 0, groups...)).ResponseCode(), protocol.Success)
	srv := httptest.NewServer(metrics.Handler(b, metrics.MaxSeries(3)))
	t.Cleanup(srv.Close)

	mfs := scrape(t, srv.URL, "")
	assert.Equal(t, len(series(mfs, "rocketmock_producers")), 3)
	assert.Equal(t, len(series(mfs, "rocketmock_heartbeat_age_seconds")), 3)
	dropped := series(mfs, "rocketmock_metrics_series_dropped")
	assert.Equal(t, dropped[`family="rocketmock_producers"`], 2.0)
	assert.Equal(t, dropped[`family="rocketmock_heartbeat_age_seconds"`], 2.0)
	assert.Equal(t, dropped[`family="rocketmock_requests_total"`], 0.0)
}

// A broker with more producers than the default bound answers a scrape
// of at most DefaultMaxSeries series per family.
func TestManyProducersDoNotMakeAScrapeExplode(t *testing.T) {
	const n = metrics.DefaultMaxSeries + 2_000
	b := mockbroker.Start(t)
	g := mockbroker.FixtureGroup{Name: "PG"}
	for i := range n {
		g.Producers = append(g.Producers, mockbroker.FixtureProducer{ClientID: fmt.Sprintf("v@%d", i), Addr: fmt.Sprintf("10.0.%d.%d:4000", i/250, i%250)})
	}
	f := &mockbroker.Fixture{Groups: []mockbroker.FixtureGroup{g}}
	assert.NilError(t, b.LoadFixture(f))
	srv := httptest.NewServer(metrics.Handler(b, metrics.ClientIDs(true)))
	t.Cleanup(srv.Close)

	mfs := scrape(t, srv.URL, "")
	assert.DeepEqual(t, series(mfs, "rocketmock_producers"), map[string]float64{`group="PG"`: n})
	assert.Equal(t, len(series(mfs, "rocketmock_heartbeat_age_seconds")), metrics.DefaultMaxSeries)
	assert.Equal(t, series(mfs, "rocketmock_metrics_series_dropped")[`family="rocketmock_heartbeat_age_seconds"`], 2_000.0)
}

// A closed broker still answers a scrape, without the event-loop lag it
// can no longer measure.
func TestScrapeOfAClosedBroker(t *testing.T) {
	b := mockbroker.Start(t)
	c := testclient.Dial(t, b.Addr())
	assert.Equal(t, c.Call(testclient.ClusterInfo()).ResponseCode(), protocol.Success)
	srv := httptest.NewServer(metrics.Handler(b))
	t.Cleanup(srv.Close)
	b.Close()
	mfs := scrape(t, srv.URL, "")
	assert.DeepEqual(t, series(mfs, "rocketmock_connections"), map[string]float64{"": 0})
	_, ok := mfs["rocketmock_event_loop_lag_seconds"]
	assert.Assert(t, !ok, "a closed broker has no event-loop lag")
}
