// Package metrics exposes a mock broker's state in the Prometheus text
// format, built with the Prometheus Go client on a registry of its own:
// two brokers in one process never see each other's series, and nothing
// is registered globally.
//
// Handler(b) serves GET /metrics for one broker (the control API mounts it
// at /metrics behind its token); NewCollector(b) is the same series as a
// prometheus.Collector to register elsewhere. Every value is read from
// the broker's accessors at scrape time, so a scrape always shows the
// state of that moment:
//
//	rocketmock_requests_total{code,code_name,result}      requests received (Broker.RequestCounts)
//	rocketmock_connections, _max, _refused_total          client connections
//	rocketmock_producers{group}, rocketmock_consumers{group}
//	rocketmock_heartbeat_age_seconds{role,group}          the oldest last heartbeat of the group's clients
//	rocketmock_messages_sent_total{topic,queue,group}     messages accepted per queue (data skew)
//	rocketmock_consumer_lag_messages{group,topic,queue}   messages a consumer group has not consumed
//	rocketmock_pulls_parked                               long-polling pulls held now
//	rocketmock_records_dropped_total{kind}, rocketmock_records_dropped_bytes_total{kind}
//	rocketmock_event_loop_lag_seconds                     how long work queued on the event loops waits
//	rocketmock_metrics_series_dropped{family}             series left out by the series bound
//
// Client ids are off by default: with ClientIDs(true) the heartbeat ages
// and send counts carry a client_id label, one series per client instead
// of one per group. MaxSeries bounds each family (default 10,000 series),
// so a broker with 100,000 producers cannot make a scrape explode.
package metrics
