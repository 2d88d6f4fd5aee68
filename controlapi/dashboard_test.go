package controlapi

import (
	"strings"
	"testing"

	"github.com/rocketmock/rocketmock/mockbroker"
	"gotest.tools/v3/assert"
)

// The dashboard page is static and holds no data: it is served without
// the token, while the Host and Origin checks stay, and everything else
// still wants the token.
func TestDashboardNeedsNoTokenButAKnownHost(t *testing.T) {
	b := mockbroker.Start(t)
	addr, _ := serveLimited(t, NewHandler(b, Token("s3cret")), DefaultLimits())
	tests := []struct {
		req         string
		status      int
		contentType string
	}{
		{"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, "text/html; charset=utf-8"},
		{"GET / HTTP/1.1\r\nHost: localhost:9877\r\n\r\n", 200, "text/html; charset=utf-8"},
		{"GET /dashboard/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, "text/javascript; charset=utf-8"},
		{"GET /dashboard/app.css HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1:9877\r\n\r\n", 200, "text/css; charset=utf-8"},
		{"GET /dashboard/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 302, ""},
		{"GET /dashboard/nothing.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404, "application/json"},
		// A page from elsewhere, or a rebound name, gets nothing.
		{"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", 403, "application/json"},
		{"GET /dashboard/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n\r\n", 403, "application/json"},
		// Only GET and HEAD are the page's; the data wants the token.
		{"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", 401, "application/json"},
		{"GET /v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 401, "application/json"},
		{"GET /v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer s3cret\r\n\r\n", 200, "application/json"},
	}
	for _, tt := range tests {
		c, r := dialHTTP(t, addr)
		resp, body := rawHTTP(t, c, r, tt.req)
		line, _, _ := strings.Cut(tt.req, "\r\n")
		assert.Equal(t, resp.StatusCode, tt.status, "%s: %s", line, body)
		assert.Equal(t, resp.Header.Get("Content-Type"), tt.contentType, line)
	}
}

// The page is at /, revalidated on each load; other unknown paths keep
// their JSON 404.
func TestDashboardAtTheRoot(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	status, h, body := rawDo(t, a.url+"/", "GET", nil, nil)
	assert.Equal(t, status, 200)
	assert.Equal(t, h.Get("Cache-Control"), "no-cache")
	assert.Assert(t, strings.Contains(body, `href="dashboard/app.css"`), body)
	a.expect("GET", "/nothing", "", 404, `{"error":"no endpoint GET /nothing (the API is under /v1/)"}`)

	// Each pattern the dashboard answers serves something.
	for _, p := range dashboardPatterns {
		method, path, _ := strings.Cut(p, " ")
		status, _, _ := rawDo(t, a.url+strings.ReplaceAll(path, "{file}", "app.js"), method, nil, nil)
		assert.Equal(t, status, 200, p)
	}
}
