package controlapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rocketmock/rocketmock/mockbroker"
	"gotest.tools/v3/assert"
)

// More than maxScrapes scrapes at once get a JSON 503; a scrape that ends
// frees its place.
func TestMetricsScrapesAreBounded(t *testing.T) {
	h := NewHandler(mockbroker.Start(t))
	var scrape func(*http.Request) (int, any, error)
	for _, r := range h.metricsRoutes() {
		scrape = r.h
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	var running []http.Handler
	for range maxScrapes {
		status, body, err := scrape(req)
		assert.NilError(t, err)
		assert.Equal(t, status, http.StatusOK)
		running = append(running, body.(http.Handler))
	}
	status, body, err := scrape(req)
	assert.NilError(t, err)
	assert.Equal(t, status, http.StatusServiceUnavailable)
	assert.Equal(t, body.(ErrorBody).Error, "4 scrapes of /metrics are running: try again when one has ended")

	rec := httptest.NewRecorder()
	running[0].ServeHTTP(rec, req)
	assert.Equal(t, rec.Code, http.StatusOK)
	assert.Assert(t, rec.Body.Len() > 0)
	status, _, err = scrape(req)
	assert.NilError(t, err)
	assert.Equal(t, status, http.StatusOK)
}
