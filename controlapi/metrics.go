package controlapi

import (
	"net/http"

	"github.com/rocketmock/rocketmock/metrics"
)

// MetricsClientIDs adds a client_id label to the heartbeat ages and send
// counts of GET /metrics: one series per client instead of one per group
// (off by default; see package metrics).
func MetricsClientIDs(on bool) Option {
	return func(c *config) { c.metricsClientIDs = on }
}

// metricsRoutes serves GET /metrics: the broker's metrics in the
// Prometheus text format (package metrics), behind the token like every
// endpoint. The endpoint hands the request to the metrics handler, which
// writes the answer itself.
func (h *Handler) metricsRoutes() []route {
	m := metrics.Handler(h.b, metrics.ClientIDs(h.cfg.metricsClientIDs))
	return []route{{"GET /metrics", func(*http.Request) (int, any, error) { return http.StatusOK, m, nil }}}
}
