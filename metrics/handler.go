package metrics

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// maxScrapesInFlight bounds concurrent scrapes of one handler; more get
// 503.
const maxScrapesInFlight = 4

// Handler serves b's metrics in the Prometheus text format (or what the
// scraper negotiates), from a registry of its own. A series that cannot
// be built is logged to b's logger and left out; the rest is served.
func Handler(b *mockbroker.Broker, opts ...Option) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(b, opts...))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            errorLog{b.Logger()},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: maxScrapesInFlight,
	})
}

// errorLog writes promhttp's errors to the broker's logger.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Println(v ...any) { l.log.Warn("metrics: " + fmt.Sprint(v...)) }
