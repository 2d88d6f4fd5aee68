package metrics

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// DefaultMaxSeries is how many series one metric family may have unless
// MaxSeries says otherwise.
const DefaultMaxSeries = 10_000

// DefaultLagTimeout is how long a scrape waits for the event loops to
// run the lag probe unless LagTimeout says otherwise.
const DefaultLagTimeout = time.Second

// Option configures a collector or handler.
type Option func(*config)

type config struct {
	clientIDs  bool
	maxSeries  int
	lagTimeout time.Duration
}

// ClientIDs adds a client_id label to the heartbeat ages and send counts:
// one series per client instead of one per group. Off by default, as a
// broker with many clients then has as many series.
func ClientIDs(on bool) Option { return func(c *config) { c.clientIDs = on } }

// MaxSeries bounds the series of each family (default DefaultMaxSeries);
// the ones left out are counted in rocketmock_metrics_series_dropped.
// n <= 0 keeps the default.
func MaxSeries(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxSeries = n
		}
	}
}

// LagTimeout bounds how long a scrape waits for the event-loop lag probe
// (default DefaultLagTimeout); a loop that takes longer is reported with
// the time waited. d <= 0 keeps the default.
func LagTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.lagTimeout = d
		}
	}
}

// family is one metric family; bounded families count their series.
type family struct {
	name    string
	desc    *prometheus.Desc
	typ     prometheus.ValueType
	bounded bool
}

// Collector reads one broker at scrape time. It is safe for concurrent
// scrapes.
type Collector struct {
	b   *mockbroker.Broker
	cfg config

	requests, connections, connectionsMax, refused *family
	producers, consumers, heartbeatAge, sent, lag  *family
	parked, dropped, droppedBytes, loopLag         *family
	seriesDropped                                  *family
	all                                            []*family
}

// NewCollector returns a collector of b's metrics, to register on a
// prometheus.Registry of the caller's.
func NewCollector(b *mockbroker.Broker, opts ...Option) *Collector {
	cfg := config{maxSeries: DefaultMaxSeries, lagTimeout: DefaultLagTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	c := &Collector{b: b, cfg: cfg}
	var perClient []string
	if cfg.clientIDs {
		perClient = []string{"client_id"}
	}
	ageHelp := "Seconds since the oldest last heartbeat among the group's clients, on the broker's clock (virtual under a virtual clock)."
	sentHelp := "Messages the broker accepted, by topic, queue and producer group (per-queue counts show data skew)."
	if cfg.clientIDs {
		ageHelp = "Seconds since the client's last heartbeat in the group, on the broker's clock (virtual under a virtual clock)."
		sentHelp = "Messages the broker accepted, by topic, queue, producer group and client id (per-queue counts show data skew)."
	}
	add := func(name, help string, typ prometheus.ValueType, bounded bool, labels ...string) *family {
		f := &family{name: name, desc: prometheus.NewDesc(name, help, labels, nil), typ: typ, bounded: bounded}
		c.all = append(c.all, f)
		return f
	}
	c.requests = add("rocketmock_requests_total",
		"Requests the broker received, by request code and result: the response code name (SUCCESS, SYSTEM_ERROR, ...) or, for a request answered without a response, oneway, no-reply, dropped, disconnected, truncated, raw, failed or released (a parked long-polling pull is counted once answered or released).",
		prometheus.CounterValue, true, "code", "code_name", "result")
	c.connections = add("rocketmock_connections", "Client connections open.", prometheus.GaugeValue, false)
	c.connectionsMax = add("rocketmock_connections_max", "Connections the broker serves at once (0: no limit).", prometheus.GaugeValue, false)
	c.refused = add("rocketmock_connections_refused_total", "Connections closed at once because the broker was at its connection limit.", prometheus.CounterValue, false)
	c.producers = add("rocketmock_producers", "Producer connections registered in the group.", prometheus.GaugeValue, true, "group")
	c.consumers = add("rocketmock_consumers", "Consumer connections registered in the group.", prometheus.GaugeValue, true, "group")
	c.heartbeatAge = add("rocketmock_heartbeat_age_seconds", ageHelp, prometheus.GaugeValue, true,
		append([]string{"role", "group"}, perClient...)...)
	c.sent = add("rocketmock_messages_sent_total", sentHelp, prometheus.CounterValue, true,
		append([]string{"topic", "queue", "group"}, perClient...)...)
	c.lag = add("rocketmock_consumer_lag_messages", "Messages in the queue the consumer group has not consumed: the queue's max offset minus the committed offset.",
		prometheus.GaugeValue, true, "group", "topic", "queue")
	c.parked = add("rocketmock_pulls_parked", "PULL_MESSAGE requests held for long polling now.", prometheus.GaugeValue, false)
	c.dropped = add("rocketmock_records_dropped_total",
		"Records the broker's bounds let go, by kind: messages, journal entries, log lines, topics (per-topic counts), send_counts (closed connections' send counts), denials, request_counts (requests counted only here, past 4096 code and result pairs).",
		prometheus.CounterValue, false, "kind")
	c.droppedBytes = add("rocketmock_records_dropped_bytes_total", "Bytes of the records the broker's bounds let go, by kind (messages, journal).",
		prometheus.CounterValue, false, "kind")
	c.loopLag = add("rocketmock_event_loop_lag_seconds",
		"How long a task queued on the broker's event loops waited before it ran, measured at scrape time (the slowest loop; 0 before the first connection).",
		prometheus.GaugeValue, false)
	c.seriesDropped = add("rocketmock_metrics_series_dropped", "Series this scrape left out of the family to stay within the series bound.",
		prometheus.GaugeValue, false, "family")
	return c
}

// Describe sends the descriptions of every family.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.all {
		ch <- f.desc
	}
}

// scrape is one Collect: the series sent and left out per family.
type scrape struct {
	ch   chan<- prometheus.Metric
	max  int
	sent map[*family]int
	left map[*family]int
}

// emit sends one series unless its bounded family is full.
func (s *scrape) emit(f *family, v float64, labels ...string) {
	if f.bounded && s.sent[f] >= s.max {
		s.left[f]++
		return
	}
	s.sent[f]++
	for i, l := range labels {
		labels[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	m, err := prometheus.NewConstMetric(f.desc, f.typ, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(f.desc, err)
	}
	s.ch <- m
}

// Collect reads the broker and sends every series.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := &scrape{ch: ch, max: c.cfg.maxSeries, sent: map[*family]int{}, left: map[*family]int{}}
	b := c.b
	c.collectRequests(s)
	s.emit(c.connections, float64(b.Connections()))
	s.emit(c.connectionsMax, float64(b.MaxConnections()))
	s.emit(c.refused, float64(b.RefusedConnections()))
	now := b.Now()
	c.collectProducers(s, now)
	c.collectConsumers(s, now)
	c.collectSent(s)
	s.emit(c.parked, float64(b.ParkedPulls()))
	c.collectDropped(s)
	c.collectLoopLag(s)
	for _, f := range c.all {
		if f.bounded {
			s.emit(c.seriesDropped, float64(s.left[f]), f.name)
		}
	}
}

func (c *Collector) collectRequests(s *scrape) {
	type key struct {
		code   protocol.RequestCode
		result string
	}
	counts := map[key]int64{}
	var order []key
	for _, rc := range c.b.RequestCounts() {
		k := key{rc.Code, rc.ResultName()}
		if _, ok := counts[k]; !ok {
			order = append(order, k)
		}
		counts[k] += rc.Count
	}
	for _, k := range order {
		s.emit(c.requests, float64(counts[k]), strconv.Itoa(int(k.code)), k.code.String(), k.result)
	}
}

func (c *Collector) collectProducers(s *scrape, now time.Time) {
	for _, g := range c.b.Groups() {
		ps := c.b.Producers(g)
		s.emit(c.producers, float64(len(ps)), g)
		beats := make([]heartbeat, len(ps))
		for i, p := range ps {
			beats[i] = heartbeat{p.ClientID, p.LastHeartbeat}
		}
		c.emitAges(s, now, "producer", g, beats)
	}
}

func (c *Collector) collectConsumers(s *scrape, now time.Time) {
	for _, g := range c.b.ConsumerGroups() {
		cs := c.b.Consumers(g)
		s.emit(c.consumers, float64(len(cs)), g)
		beats := make([]heartbeat, len(cs))
		for i, cn := range cs {
			beats[i] = heartbeat{cn.ClientID, cn.LastHeartbeat}
		}
		c.emitAges(s, now, "consumer", g, beats)
		for _, o := range c.b.ConsumerOffsets(g) {
			s.emit(c.lag, float64(o.Lag), g, o.Topic, strconv.Itoa(int(o.QueueID)))
		}
	}
}

type heartbeat struct {
	clientID string
	at       time.Time
}

// emitAges sends the group's heartbeat age: of its oldest heartbeat, or
// with client ids of each client's latest (a client with several
// connections in the group counts once).
func (c *Collector) emitAges(s *scrape, now time.Time, role, group string, beats []heartbeat) {
	if len(beats) == 0 {
		return
	}
	age := func(t time.Time) float64 { return max(now.Sub(t), 0).Seconds() }
	if !c.cfg.clientIDs {
		oldest := beats[0].at
		for _, hb := range beats[1:] {
			if hb.at.Before(oldest) {
				oldest = hb.at
			}
		}
		s.emit(c.heartbeatAge, age(oldest), role, group)
		return
	}
	latest := map[string]time.Time{}
	var ids []string
	for _, hb := range beats {
		t, ok := latest[hb.clientID]
		if !ok {
			ids = append(ids, hb.clientID)
		}
		if !ok || hb.at.After(t) {
			latest[hb.clientID] = hb.at
		}
	}
	for _, id := range ids {
		s.emit(c.heartbeatAge, age(latest[id]), role, group, id)
	}
}

func (c *Collector) collectSent(s *scrape) {
	type key struct {
		topic    string
		queue    int32
		group    string
		clientID string
	}
	sums := map[key]int64{}
	for _, sc := range c.b.SendCounts() {
		k := key{topic: sc.Topic, queue: sc.QueueID, group: sc.Group}
		if c.cfg.clientIDs {
			k.clientID = sc.ClientID
		}
		sums[k] += sc.Messages
	}
	keys := make([]key, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.queue, b.queue), cmp.Compare(a.group, b.group), cmp.Compare(a.clientID, b.clientID))
	})
	for _, k := range keys {
		labels := []string{k.topic, strconv.Itoa(int(k.queue)), k.group}
		if c.cfg.clientIDs {
			labels = append(labels, k.clientID)
		}
		s.emit(c.sent, float64(sums[k]), labels...)
	}
}

func (c *Collector) collectDropped(s *scrape) {
	b := c.b
	topics, _ := b.TopicsDropped()
	conns, _ := b.SendCountsDropped()
	for _, d := range []struct {
		kind string
		n    int64
	}{
		{"messages", b.MessagesDropped()},
		{"journal", b.JournalDropped()},
		{"log_lines", b.LogLinesDropped()},
		{"topics", topics},
		{"send_counts", conns},
		{"denials", b.DenialsDropped()},
		{"request_counts", b.RequestCountsDropped()},
	} {
		s.emit(c.dropped, float64(d.n), d.kind)
	}
	s.emit(c.droppedBytes, float64(b.MessagesDroppedBytes()), "messages")
	s.emit(c.droppedBytes, float64(b.JournalDroppedBytes()), "journal")
}

func (c *Collector) collectLoopLag(s *scrape) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.lagTimeout)
	defer cancel()
	lag, err := c.b.LoopLag(ctx)
	if err != nil && errors.Is(err, remoting.ErrServerClosed) {
		return // a closed broker has no event loops to measure
	}
	s.emit(c.loopLag, lag.Seconds())
}
