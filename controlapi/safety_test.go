package controlapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/mockbroker"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// The control API steers the mock (it closes connections, moves the clock,
// resets state), so every endpoint, present and future, must refuse
// requests without the token, bound what it reads and reject bodies that
// are not JSON. These tests walk the route table, not a copy of it.

// controlRoutes returns every endpoint as method and a path with its
// wildcards filled in.
func controlRoutes(t *testing.T, b *mockbroker.Broker) [][2]string {
	c := NewHandler(b)
	var out [][2]string
	for _, r := range c.routes() {
		method, path, _ := strings.Cut(r.pattern, " ")
		for _, w := range []string{"{group}", "{clientId}", "{topic}", "{id}"} {
			path = strings.ReplaceAll(path, w, "X")
		}
		assert.Assert(t, !strings.Contains(path, "{"), "a wildcard this test does not fill: %s", r.pattern)
		out = append(out, [2]string{method, path})
	}
	return out
}

// controlState is what a request that was refused must not have changed.
type controlState struct {
	Now       time.Time
	Producers []mockbroker.Producer
	Journal   int
	Faults    int
}

func stateOf(b *mockbroker.Broker, faults *faultRegistry) controlState {
	return controlState{Now: b.Now(), Producers: b.Producers("PG"), Journal: len(b.Journal()), Faults: len(faults.list())}
}

// rawDo sends a request with the given headers and body reader and returns
// status, headers and body.
func rawDo(t *testing.T, url, method string, body io.Reader, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	assert.NilError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(t, err)
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		r = io.LimitReader(r, int64(len("retry: 2000\n\n"))) // GET /v1/events does not end: its first line
	}
	data, err := io.ReadAll(r)
	assert.NilError(t, err)
	return resp.StatusCode, resp.Header, string(data)
}

// jsonError checks an error answer: JSON, not sniffable, with a message.
func jsonError(t *testing.T, h http.Header, body string) string {
	t.Helper()
	assert.Equal(t, h.Get("Content-Type"), "application/json")
	assert.Equal(t, h.Get("X-Content-Type-Options"), "nosniff")
	var e struct {
		Error string `json:"error"`
	}
	assert.NilError(t, json.Unmarshal([]byte(body), &e), "error body %q", body)
	assert.Assert(t, e.Error != "", "error body without a message: %q", body)
	return e.Error
}

func TestControlSafetyTokenGuardsEveryRoute(t *testing.T) {
	b, _ := withProducer(t, "X", "PG", "X")
	h := NewHandler(b, Token("s3cret"))
	srv := httptest.NewServer(h)
	defer srv.Close()
	before := stateOf(b, &h.faults)

	// Everything that is not "Authorization: Bearer s3cret".
	refused := []map[string]string{
		nil,
		{"Authorization": "Bearer wrong"},
		{"Authorization": "Bearer s3cret-and-more"},
		{"Authorization": "Bearer s3cre"},
		{"Authorization": "Bearer "},
		{"Authorization": "Bearer"},
		{"Authorization": "s3cret"},
		{"Authorization": "Basic s3cret"},
		{"Authorization": "Basic czNjcmV0Og=="}, // s3cret: in Basic
		{"X-Control-Token": "s3cret"},
		{"Cookie": "token=s3cret"},
	}
	for _, r := range controlRoutes(t, b) {
		for _, hdr := range refused {
			for _, query := range []string{"", "?token=s3cret&access_token=s3cret"} {
				body := `{"seconds":1000,"count":0,"timeoutMs":1}`
				status, rh, text := rawDo(t, srv.URL+r[1]+query, r[0], strings.NewReader(body), hdr)
				if _, auth := hdr["Authorization"]; r == [2]string{"GET", "/v1/health"} && !auth {
					// Liveness probes need no token; a token sent must be right.
					assert.Equal(t, status, 200, "%s %s%s with %v: %s", r[0], r[1], query, hdr, text)
					continue
				}
				assert.Equal(t, status, 401, "%s %s%s with %v: %s", r[0], r[1], query, hdr, text)
				assert.Equal(t, rh.Get("WWW-Authenticate"), `Bearer realm="rocketmock"`)
				msg := jsonError(t, rh, text)
				assert.Assert(t, strings.Contains(msg, "bearer token"), msg)
			}
		}
	}
	// Nothing changed: no clock move, no expiry, no close, no reset.
	assert.DeepEqual(t, stateOf(b, &h.faults), before)

	// The token works on every route (none answers 401 with it).
	for _, r := range controlRoutes(t, b) {
		status, _, text := rawDo(t, srv.URL+r[1], r[0], strings.NewReader(""), map[string]string{"Authorization": "Bearer s3cret"})
		assert.Assert(t, status != 401, "%s %s with the token: %d %s", r[0], r[1], status, text)
	}
}

// Every route that takes a body (all POSTs) answers 413 with a message past
// the limit, whether the client says the length or streams the body.
func TestControlSafetyBodyLimitOnEveryRoute(t *testing.T) {
	b, _ := withProducer(t, "X", "PG", "X")
	const limit = 64
	h := NewHandler(b, MaxBody(limit))
	srv := httptest.NewServer(h)
	defer srv.Close()
	before := stateOf(b, &h.faults)
	big := `{"seconds":1000,"count":0,"timeoutMs":1}` + strings.Repeat(" ", 4<<20)
	for _, r := range controlRoutes(t, b) {
		if r[0] != "POST" {
			continue
		}
		for _, streamed := range []bool{false, true} {
			var body io.Reader = strings.NewReader(big)
			if streamed {
				body = io.MultiReader(body) // unknown length: chunked
			}
			status, rh, text := rawDo(t, srv.URL+r[1], r[0], body, nil)
			assert.Equal(t, status, 413, "%s %s (streamed %v): %s", r[0], r[1], streamed, text)
			assert.Assert(t, is.Contains(jsonError(t, rh, text), "larger than 64 bytes"))
		}
	}
	assert.DeepEqual(t, stateOf(b, &h.faults), before)
}

// Every POST answers a body that is not one JSON value of the right shape
// with 400 and a message, and does nothing.
func TestControlSafetyMalformedJSONOnEveryRoute(t *testing.T) {
	b, _ := withProducer(t, "X", "PG", "X")
	h := NewHandler(b)
	srv := httptest.NewServer(h)
	defer srv.Close()
	before := stateOf(b, &h.faults)
	bodies := []string{
		`{"seconds":`,
		`{"seconds":1000}}`,
		`{"seconds":1000} {"seconds":1000}`,
		`not json`,
		`"a string"`,
		`[1,2]`,
		`{"seconds":1000,}`,
		"{\"seconds\":1000,\"x\":\"\xff\"",
		strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000),
		`{"a":` + strings.Repeat(`{"a":`, 20_000) + `1` + strings.Repeat("}", 20_001),
	}
	for _, r := range controlRoutes(t, b) {
		if r[0] != "POST" {
			continue
		}
		for _, body := range bodies {
			status, rh, text := rawDo(t, srv.URL+r[1], r[0], strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
			short := body
			if len(short) > 40 {
				short = short[:40] + "..."
			}
			assert.Equal(t, status, 400, "%s %s with %q: %s", r[0], r[1], short, text)
			jsonError(t, rh, text)
		}
	}
	if diff := cmp.Diff(before, stateOf(b, &h.faults)); diff != "" {
		t.Errorf("malformed requests changed the broker (-before +after):\n%s", diff)
	}
}
