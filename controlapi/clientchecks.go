package controlapi

import (
	"net/http"
	"time"

	"github.com/rocketmock/rocketmock/clientcheck"
)

// ClientChecks serves GET /v1/clients/report from w: what the client checks
// found (rocketmock serve --client-checks). With a nil w the endpoint says
// that the checks are off.
func ClientChecks(w *clientcheck.Watch) Option {
	return func(c *config) { c.clientChecks, c.clientChecksSet = w, true }
}

// clientReport answers GET /v1/clients/report.
func (h *Handler) clientReport(*http.Request) (int, any, error) {
	w := h.cfg.clientChecks
	if w == nil {
		return 0, nil, requestErr(http.StatusNotFound, "client checks are off: start rocketmock serve with --client-checks")
	}
	r := w.Report()
	out := ClientReport{Connections: r.Connections, Requests: r.Requests, Findings: []ClientFinding{},
		Omitted: r.Omitted, Forgotten: r.Forgotten}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, ClientFinding{
			Check: f.Check, Conn: f.Conn, ClientID: f.ClientID,
			Time: f.Time.UTC().Format(time.RFC3339Nano), Detail: f.Detail,
		})
	}
	return http.StatusOK, out, nil
}
