package controlapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/clientcheck"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// DefaultMaxBody is the default request body limit of the handler.
const DefaultMaxBody = 1 << 20

// Bounds of the wait and clock requests.
const (
	defaultWaitTimeout = 10 * time.Second
	maxWaitTimeout     = 10 * time.Minute
	maxAdvance         = 366 * 24 * time.Hour
	resetTimeout       = 10 * time.Second
)

// Option configures the handler.
type Option func(*config)

type config struct {
	token   string
	maxBody int64
	mounts  []mount
	// clientChecks serves /v1/clients/report once ClientChecks was given.
	clientChecks    *clientcheck.Watch
	clientChecksSet bool
}

type mount struct {
	pattern string
	h       http.Handler
}

// Token makes the handler answer 401 to every request that does not carry
// "Authorization: Bearer <token>". An empty token turns the check off.
func Token(token string) Option {
	return func(c *config) { c.token = token }
}

// MaxBody sets the largest request body the handler reads (default
// DefaultMaxBody); larger ones get 413.
func MaxBody(n int64) Option {
	return func(c *config) { c.maxBody = n }
}

// Mount serves h at pattern (a ServeMux pattern such as
// "GET /v1/clients/report") behind the same token and body limit as the
// built-in endpoints.
func Mount(pattern string, h http.Handler) Option {
	return func(c *config) { c.mounts = append(c.mounts, mount{pattern, h}) }
}

// Handler is the HTTP control API of one broker.
type Handler struct {
	b      *mockbroker.Broker
	cfg    config
	mux    *http.ServeMux
	faults faultRegistry
}

// route is one endpoint: a ServeMux pattern and its handler.
type route struct {
	pattern string
	h       func(*http.Request) (int, any, error)
}

// NewHandler returns the HTTP control API of b (see the package
// documentation for its endpoints). Mount it on any server.
func NewHandler(b *mockbroker.Broker, opts ...Option) *Handler {
	h := &Handler{b: b, cfg: config{maxBody: DefaultMaxBody}, mux: http.NewServeMux()}
	for _, o := range opts {
		o(&h.cfg)
	}
	for _, r := range h.routes() {
		h.mux.Handle(r.pattern, h.endpoint(r.h))
	}
	if h.cfg.clientChecksSet {
		h.mux.Handle("GET /v1/clients/report", h.endpoint(h.clientReport))
	}
	for _, m := range h.cfg.mounts {
		h.mux.Handle(m.pattern, m.h)
	}
	return h
}

// routes lists every endpoint.
func (h *Handler) routes() []route {
	routes := []route{
		{"GET /v1/health", h.health},
		{"GET /v1/clock", h.clock},
		{"POST /v1/clock/advance", h.advance},
		{"GET /v1/groups", h.groups},
		{"GET /v1/groups/{group}/producers", h.producers},
		{"POST /v1/groups/{group}/wait", h.wait},
		{"POST /v1/groups/{group}/producers/{clientId}/expire", h.expire},
		{"POST /v1/clients/{clientId}/close", h.closeClient},
		{"POST /v1/scan", h.scan},
		{"POST /v1/fixtures", h.loadFixture},
		{"POST /v1/reset", h.reset},
	}
	return append(routes, h.trafficRoutes()...)
}

// ServeHTTP checks the token, limits the body and routes the request;
// unknown paths and methods get JSON errors too.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.token != "" && !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rocketmock"`)
		msg := "missing bearer token: send the header \"Authorization: Bearer <token>\" with the --control-token value"
		if r.Header.Get("Authorization") != "" {
			msg = "wrong bearer token"
		}
		writeJSON(w, http.StatusUnauthorized, ErrorBody{msg})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.maxBody)
	if _, pattern := h.mux.Handler(r); pattern == "" {
		// Let the mux decide between 404 and 405 (it sets Allow), then
		// answer in JSON.
		rec := &statusRecorder{header: http.Header{}}
		h.mux.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" && rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", allow)
			writeJSON(w, rec.status, ErrorBody{fmt.Sprintf("method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)})
			return
		}
		if rec.status == http.StatusNotFound || rec.status == 0 {
			writeJSON(w, http.StatusNotFound, ErrorBody{fmt.Sprintf("no endpoint %s %s (the API is under /v1/)", r.Method, r.URL.Path)})
			return
		}
		// A redirect (cleaned path) or another mux answer: pass it on.
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		writeJSON(w, rec.status, ErrorBody{http.StatusText(rec.status)})
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) authorized(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(h.cfg.token)) == 1
}

// statusRecorder keeps the status and headers the mux would send.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }

// requestError is a request the handler refuses before it reaches the
// broker (bad JSON, too large, no such fault), with its status.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func requestErr(status int, format string, args ...any) error {
	return &requestError{status: status, msg: fmt.Sprintf(format, args...)}
}

// causeError is an answer's own message over the error that decides its
// status.
type causeError struct {
	msg   string
	cause error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.cause }

// statusOf is the one place an error becomes an HTTP status: the
// handler's own refusals carry theirs, the broker's follow from the
// sentinel they wrap.
func statusOf(err error) int {
	var re *requestError
	switch {
	case errors.As(err, &re):
		return re.status
	case errors.Is(err, mockbroker.ErrClosed), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable // closed, or the server is stopping
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusRequestTimeout
	case errors.Is(err, mockbroker.ErrUnknownClient), errors.Is(err, mockbroker.ErrUnknownProducer),
		errors.Is(err, mockbroker.ErrUnknownGroup), errors.Is(err, mockbroker.ErrUnknownMessage):
		return http.StatusNotFound
	case errors.Is(err, mockbroker.ErrNoProducer), errors.Is(err, mockbroker.ErrRealClock),
		errors.Is(err, mockbroker.ErrFixtureConflict):
		return http.StatusConflict
	case errors.Is(err, mockbroker.ErrInvalidFixture):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// endpoint adapts a handler that returns (status, body, error).
func (h *Handler) endpoint(fn func(*http.Request) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body, err := fn(r)
		if err != nil {
			status = statusOf(err)
			h.b.Logger().Debug("control API error", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
			writeJSON(w, status, ErrorBody{strings.TrimPrefix(err.Error(), "mockbroker: ")})
			return
		}
		h.b.Logger().Debug("control API", "method", r.Method, "path", r.URL.Path, "status", status)
		writeJSON(w, status, body)
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = enc.Encode(ErrorBody{"encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// formatTime writes a time in UTC with milliseconds, as RocketMQ counts.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
