package controlapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/clientcheck"
	"github.com/rocketmock/rocketmock/internal/buildinfo"
	"github.com/rocketmock/rocketmock/internal/logsink"
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

// Bounds of error answers: a list in a message names its first
// maxListed items and counts the rest, an echoed value is cut at
// maxEchoed bytes, a whole message at maxErrorMessage bytes.
const (
	maxListed       = 20
	maxEchoed       = 256
	maxErrorMessage = 4 << 10
)

// Option configures the handler.
type Option func(*config)

type config struct {
	token   string
	maxBody int64
	mounts  []mount
	// hosts are the names besides loopback and IP literals that Host and
	// Origin headers may carry (AllowHosts).
	hosts []string
	// scanEvery is the broker's scan period, when known (ScanEvery).
	scanEvery time.Duration
	// clientChecks serves /v1/clients/report once ClientChecks was given.
	clientChecks    *clientcheck.Watch
	clientChecksSet bool
	// metricsClientIDs adds client_id labels to /metrics (metrics.go).
	metricsClientIDs bool
	// version is what GET /v1/health reports (Version).
	version string
}

type mount struct {
	pattern string
	h       http.Handler
}

// Token makes the handler answer 401 to every request that does not carry
// "Authorization: Bearer <token>", except GET /v1/health without an
// Authorization header (liveness probes). An empty token turns the check
// off.
func Token(token string) Option {
	return func(c *config) { c.token = token }
}

// MaxBody sets the largest request body the handler reads (default
// DefaultMaxBody); larger ones get 413.
func MaxBody(n int64) Option {
	return func(c *config) { c.maxBody = n }
}

// AllowHosts names the host names (besides localhost, loopback and IP
// addresses) that requests may carry in their Host and Origin headers,
// typically the host of the control address. The handler answers 403 to
// others, so that a web page cannot steer the mock through a visitor's
// browser (a cross-site POST, or DNS rebinding a name to 127.0.0.1). A
// request with the right token may name any host.
func AllowHosts(hosts ...string) Option {
	return func(c *config) { c.hosts = append(c.hosts, hosts...) }
}

// ScanEvery overrides the scan period the handler reads from the broker
// (Broker.ScanInterval): it refuses to advance the clock across more than
// MaxAdvanceScans scans, which would hold the broker for seconds or more.
func ScanEvery(d time.Duration) Option {
	return func(c *config) { c.scanEvery = d }
}

// MaxAdvanceScans bounds the scans one POST /v1/clock/advance may run
// (with ScanEvery).
const MaxAdvanceScans = 1_000_000

// Mount serves h at pattern (a ServeMux pattern such as
// "GET /v1/clients/report") behind the same token and body limit as the
// built-in endpoints.
func Mount(pattern string, h http.Handler) Option {
	return func(c *config) { c.mounts = append(c.mounts, mount{pattern, h}) }
}

// Handler is the HTTP control API of one broker.
type Handler struct {
	b        *mockbroker.Broker
	cfg      config
	tokenSum [sha256.Size]byte // of cfg.token: compared in constant time
	mux      *http.ServeMux
	faults   faultRegistry
	events   *eventFeed // GET /v1/events (events.go)
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
	h.cfg.version = buildinfo.Version(h.cfg.version) // read the build information once, not at every probe
	h.tokenSum = sha256.Sum256([]byte(h.cfg.token))
	h.events = newEventFeed(b)
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
	routes = append(routes, h.consumerRoutes()...)
	routes = append(routes, h.topicRoutes()...)
	routes = append(routes, h.pullRoutes()...)
	routes = append(routes, h.aclRoutes()...)
	routes = append(routes, h.advertiseRoutes()...)
	routes = append(routes, h.timedRoutes()...)
	routes = append(routes, h.metricsRoutes()...)
	routes = append(routes, h.eventRoutes()...)
	routes = append(routes, h.openAPIRoutes()...)
	return append(routes, h.trafficRoutes()...)
}

// ServeHTTP checks the path, the Host and Origin headers and the token,
// limits the body and routes the request; refusals, unknown paths and
// methods get JSON errors too.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if msg := uncleanPath(r.URL.Path); msg != "" {
		writeJSON(w, http.StatusBadRequest, ErrorBody{msg})
		return
	}
	authorized := h.cfg.token == "" || h.tokenMatches(r)
	if msg := h.foreignRequest(r, authorized && h.cfg.token != ""); msg != "" {
		writeJSON(w, http.StatusForbidden, ErrorBody{msg})
		return
	}
	if h.serveDashboard(w, r) {
		return
	}
	liveness := r.Method == http.MethodGet && r.URL.Path == "/v1/health" && r.Header.Get("Authorization") == ""
	if !authorized && !liveness {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rocketmock"`)
		msg := "missing bearer token: send the header \"Authorization: Bearer <token>\" with the --control-token value"
		if r.Header.Get("Authorization") != "" {
			msg = "wrong bearer token"
		}
		writeJSON(w, http.StatusUnauthorized, ErrorBody{msg})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.maxBody)
	_, pattern := h.mux.Handler(r)
	if pattern == "" {
		// Let the mux decide between 404 and 405 (it sets Allow), then
		// answer in JSON.
		rec := &statusRecorder{header: http.Header{}}
		h.mux.ServeHTTP(rec, r)
		path := logsink.Truncate(r.URL.Path, maxEchoed)
		if allow := rec.header.Get("Allow"); allow != "" && rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", allow)
			writeJSON(w, rec.status, ErrorBody{fmt.Sprintf("method %s not allowed on %s; allowed: %s", logsink.Truncate(r.Method, maxEchoed), path, allow)})
			return
		}
		// Not found, or a redirect the mux would make: a client of a JSON
		// API follows no redirects.
		writeJSON(w, http.StatusNotFound, ErrorBody{fmt.Sprintf("no endpoint %s %s (the API is under /v1/)", logsink.Truncate(r.Method, maxEchoed), path)})
		return
	}
	if strings.HasSuffix(pattern, "/wait") || strings.HasSuffix(pattern, "/check-transaction") || strings.HasSuffix(pattern, "/reset") {
		// These may take up to their timeout: the server's write timeout
		// starts after it.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(maxWaitTimeout + 30*time.Second))
	}
	h.mux.ServeHTTP(w, r)
}

// uncleanPath says why a path is refused: one with "." or ".." segments or
// "//", which ServeMux would answer with a redirect.
func uncleanPath(p string) string {
	unclean := !strings.HasPrefix(p, "/") || strings.Contains(p, "//")
	for _, seg := range strings.Split(p, "/") {
		unclean = unclean || seg == "." || seg == ".."
	}
	if !unclean {
		return ""
	}
	return fmt.Sprintf("path %q: want an absolute path without \"//\", \".\" or \"..\" segments, such as /v1/health", logsink.Truncate(p, maxEchoed))
}

// foreignRequest says why a request is refused for its Host or Origin
// header: a browser sends them, and they must name this mock (loopback,
// an IP address, or an AllowHosts name), not a web site. Any Origin that
// is there must name loopback or an AllowHosts name; Host is not checked
// for a request that carries the right token.
func (h *Handler) foreignRequest(r *http.Request, tokenChecked bool) string {
	if origin, ok := r.Header["Origin"]; ok {
		u, err := url.Parse(strings.Join(origin, ","))
		if err != nil || len(origin) != 1 || (u.Scheme != "http" && u.Scheme != "https") || !h.knownHost(u.Hostname(), false) {
			return fmt.Sprintf("origin %q may not use the control API: only pages from localhost or the control address may (a web page must not steer the mock)",
				logsink.Truncate(strings.Join(origin, ","), maxEchoed))
		}
	}
	if tokenChecked {
		return ""
	}
	host := r.Host
	if hn, _, err := net.SplitHostPort(host); err == nil {
		host = hn
	}
	if !h.knownHost(strings.Trim(host, "[]"), true) {
		return fmt.Sprintf("host %q is not this mock's: use localhost, an IP address or the control address (a name that is none of these may be DNS rebinding)",
			logsink.Truncate(r.Host, maxEchoed))
	}
	return ""
}

// knownHost reports whether host is localhost, a loopback address, any IP
// address when anyIP, or one of the AllowHosts names.
func (h *Handler) knownHost(host string, anyIP bool) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return anyIP || ip.IsLoopback()
	}
	for _, a := range h.cfg.hosts {
		if strings.EqualFold(host, a) {
			return true
		}
	}
	return false
}

// tokenMatches compares SHA-256 digests of the sent and the wanted token
// in constant time, so that neither the time of a wrong guess nor its
// length tells anything about the token.
func (h *Handler) tokenMatches(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(sum[:], h.tokenSum[:]) == 1
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
		errors.Is(err, mockbroker.ErrUnknownGroup), errors.Is(err, mockbroker.ErrUnknownMessage),
		errors.Is(err, mockbroker.ErrUnknownConsumer), errors.Is(err, mockbroker.ErrUnknownTopic):
		return http.StatusNotFound
	case errors.Is(err, mockbroker.ErrNoProducer), errors.Is(err, mockbroker.ErrRealClock),
		errors.Is(err, mockbroker.ErrFixtureConflict):
		return http.StatusConflict
	case errors.Is(err, mockbroker.ErrInvalidFixture), errors.Is(err, mockbroker.ErrInvalidOffset),
		errors.Is(err, mockbroker.ErrInvalidTopic), errors.Is(err, mockbroker.ErrInvalidGroup):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// endpoint adapts a handler that returns (status, body, error).
func (h *Handler) endpoint(fn func(*http.Request) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body, err := fn(r)
		if self, ok := body.(http.Handler); ok && err == nil {
			// An answer that writes itself: not JSON (/metrics) or a
			// stream (/v1/events).
			h.b.Logger().Debug("control API", "method", r.Method, "path", r.URL.Path, "answer", "written by the endpoint")
			self.ServeHTTP(w, r)
			return
		}
		if err != nil {
			status = statusOf(err)
			h.b.Logger().Debug("control API error", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
			writeJSON(w, status, ErrorBody{logsink.Truncate(strings.TrimPrefix(err.Error(), "mockbroker: "), maxErrorMessage)})
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
