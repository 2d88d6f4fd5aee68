package controlapi

import (
	"net/http"
	"strings"

	"github.com/rocketmock/rocketmock/dashboard"
)

// dashboardPage is the heartbeat dashboard (package dashboard): static,
// embedded, the same for every handler.
var dashboardPage = dashboard.Handler()

// dashboardPatterns are what serveDashboard answers, beside routes()
// (before the token check): for the route table of the OpenAPI test.
var dashboardPatterns = []string{"GET /", "GET /dashboard/{file}"}

// serveDashboard serves the dashboard page, GET or HEAD / and
// /dashboard/{file}, without the token: the page holds no data, and each
// of its requests to /v1/ carries the token. It reports whether it
// answered; the Host and Origin checks have run before.
func (h *Handler) serveDashboard(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if r.URL.Path != "/" && !strings.HasPrefix(r.URL.Path, "/dashboard/") {
		return false
	}
	dashboardPage.ServeHTTP(w, r)
	return true
}
