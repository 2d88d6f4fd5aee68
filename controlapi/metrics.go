package controlapi

import (
	"fmt"
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
// At most maxScrapes scrapes run at once; more get a JSON 503, as every
// error of the API.
func (h *Handler) metricsRoutes() []route {
	m := metrics.Handler(h.b, metrics.ClientIDs(h.cfg.metricsClientIDs))
	running := make(chan struct{}, maxScrapes)
	scrape := func(*http.Request) (int, any, error) {
		select {
		case running <- struct{}{}:
		default:
			return http.StatusServiceUnavailable, ErrorBody{fmt.Sprintf("%d scrapes of /metrics are running: try again when one has ended", maxScrapes)}, nil
		}
		return http.StatusOK, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() { <-running }()
			m.ServeHTTP(w, r)
		}), nil
	}
	return []route{{"GET /metrics", scrape}}
}

// maxScrapes bounds the scrapes of GET /metrics that run at once.
const maxScrapes = 4
