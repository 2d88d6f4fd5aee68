package mockbroker

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// DefaultControlMaxBody is the default request body limit of the control API.
const DefaultControlMaxBody = 1 << 20

// Bounds of the control API's wait and clock requests.
const (
	defaultWaitTimeout = 10 * time.Second
	maxWaitTimeout     = 10 * time.Minute
	maxAdvance         = 366 * 24 * time.Hour
	resetTimeout       = 10 * time.Second
)

// ControlOption configures the control API handler.
type ControlOption func(*controlConfig)

type controlConfig struct {
	token   string
	maxBody int64
	mounts  []mount
}

type mount struct {
	pattern string
	h       http.Handler
}

// ControlToken makes the handler answer 401 to every request that does not
// carry "Authorization: Bearer <token>". An empty token turns the check off.
func ControlToken(token string) ControlOption {
	return func(c *controlConfig) { c.token = token }
}

// ControlMaxBody sets the largest request body the handler reads (default
// DefaultControlMaxBody); larger ones get 413.
func ControlMaxBody(n int64) ControlOption {
	return func(c *controlConfig) { c.maxBody = n }
}

// ControlMount serves h at pattern (a ServeMux pattern such as
// "GET /v1/clients/report") behind the same token and body limit as the
// built-in endpoints.
func ControlMount(pattern string, h http.Handler) ControlOption {
	return func(c *controlConfig) { c.mounts = append(c.mounts, mount{pattern, h}) }
}

// control is the HTTP control API of one broker.
type control struct {
	b      *Broker
	cfg    controlConfig
	mux    *http.ServeMux
	faults faultRegistry
}

// route is one endpoint: a ServeMux pattern and its handler.
type route struct {
	pattern string
	h       func(*http.Request) (int, any, error)
}

// ControlHandler returns the HTTP control API of b, for tests in other
// languages: JSON in and out under /v1/, the same operations as the Go
// hooks (each endpoint calls the Broker method named beside it). Errors
// are {"error": "..."} with a 4xx or 5xx status. Mount it on any server;
// `rocketmock serve --control` serves it.
//
//	GET    /v1/health                                  up? addresses, compat, clock
//	GET    /v1/clock                                   Now
//	POST   /v1/clock/advance {"seconds":121} or {"duration":"2m1s"}        Advance
//	GET    /v1/groups                                  Groups, with producer counts
//	GET    /v1/groups/{group}/producers                Producers, with last heartbeat
//	POST   /v1/groups/{group}/wait {"count":1,"timeoutMs":5000}            WaitProducers
//	POST   /v1/groups/{group}/producers/{clientId}/expire                  ExpireProducer
//	POST   /v1/clients/{clientId}/close                CloseClient (202: the close is asynchronous)
//	POST   /v1/scan                                    Scan
//	POST   /v1/fixtures <fixture JSON>                 ParseFixture, LoadFixture
//	POST   /v1/reset                                   Reset
//	GET    /v1/messages[?topic=T&limit=N]              Messages
//	GET    /v1/topics/{topic}/messages[?limit=N]       Messages
//	POST   /v1/topics/{topic}/messages/wait {"count":1,"timeoutMs":5000}   WaitMessages
//	DELETE /v1/messages                                ClearMessages
//	GET    /v1/send-counts[?topic=&clientId=&group=]   SendCounts
//	GET    /v1/transactions                            EndTransactions
//	POST   /v1/groups/{group}/check-transaction {"msgId":"...","waitMs":5000}  CheckTransaction
//	GET    /v1/journal[?since=SEQ&limit=N]             Journal
//	DELETE /v1/journal                                 ClearJournal
//	GET    /v1/faults                                  the faults added here
//	POST   /v1/faults {"code":"SEND_MESSAGE","fault":"respond","responseCode":"SYSTEM_BUSY","times":1}  Intercept
//	DELETE /v1/faults/{id}                             Interception.Remove
//	DELETE /v1/faults                                  ClearInterceptions
func (b *Broker) ControlHandler(opts ...ControlOption) http.Handler {
	c := &control{b: b, cfg: controlConfig{maxBody: DefaultControlMaxBody}, mux: http.NewServeMux()}
	for _, o := range opts {
		o(&c.cfg)
	}
	for _, r := range c.routes() {
		c.mux.Handle(r.pattern, c.endpoint(r.h))
	}
	for _, m := range c.cfg.mounts {
		c.mux.Handle(m.pattern, m.h)
	}
	return c
}

// routes lists every endpoint.
func (c *control) routes() []route {
	routes := []route{
		{"GET /v1/health", c.health},
		{"GET /v1/clock", c.clock},
		{"POST /v1/clock/advance", c.advance},
		{"GET /v1/groups", c.groups},
		{"GET /v1/groups/{group}/producers", c.producers},
		{"POST /v1/groups/{group}/wait", c.wait},
		{"POST /v1/groups/{group}/producers/{clientId}/expire", c.expire},
		{"POST /v1/clients/{clientId}/close", c.closeClient},
		{"POST /v1/scan", c.scan},
		{"POST /v1/fixtures", c.loadFixture},
		{"POST /v1/reset", c.reset},
	}
	return append(routes, c.trafficRoutes()...)
}

// ServeHTTP checks the token, limits the body and routes the request;
// unknown paths and methods get JSON errors too.
func (c *control) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.cfg.token != "" && !c.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rocketmock"`)
		msg := "missing bearer token: send the header \"Authorization: Bearer <token>\" with the --control-token value"
		if r.Header.Get("Authorization") != "" {
			msg = "wrong bearer token"
		}
		writeJSON(w, http.StatusUnauthorized, errorBody{msg})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, c.cfg.maxBody)
	if _, pattern := c.mux.Handler(r); pattern == "" {
		// Let the mux decide between 404 and 405 (it sets Allow), then
		// answer in JSON.
		rec := &statusRecorder{header: http.Header{}}
		c.mux.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" && rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", allow)
			writeJSON(w, rec.status, errorBody{fmt.Sprintf("method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)})
			return
		}
		if rec.status == http.StatusNotFound || rec.status == 0 {
			writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no endpoint %s %s (the API is under /v1/)", r.Method, r.URL.Path)})
			return
		}
		// A redirect (cleaned path) or another mux answer: pass it on.
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		writeJSON(w, rec.status, errorBody{http.StatusText(rec.status)})
		return
	}
	c.mux.ServeHTTP(w, r)
}

func (c *control) authorized(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(c.cfg.token)) == 1
}

// statusRecorder keeps the status and headers the mux would send.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }

// errorBody is every error answer.
type errorBody struct {
	Error string `json:"error"`
}

// apiError is an error with the HTTP status it answers.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func httpErr(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

// endpoint adapts a handler that returns (status, body, error).
func (c *control) endpoint(h func(*http.Request) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body, err := h(r)
		if err != nil {
			status = http.StatusInternalServerError
			var ae *apiError
			if errors.As(err, &ae) {
				status = ae.status
			}
			c.b.log.Debug("control API error", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
			writeJSON(w, status, errorBody{strings.TrimPrefix(err.Error(), "mockbroker: ")})
			return
		}
		c.b.log.Debug("control API", "method", r.Method, "path", r.URL.Path, "status", status)
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
		_ = enc.Encode(errorBody{"encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// decodeBody reads the request body as one JSON value into v. An empty
// body leaves v alone unless required; example goes in error messages.
func decodeBody(r *http.Request, v any, required bool, example string) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return httpErr(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", mbe.Limit)
		}
		return httpErr(http.StatusBadRequest, "reading the request body: %v", err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		if required {
			return httpErr(http.StatusBadRequest, "request body missing: want JSON such as %s", example)
		}
		return nil
	}
	if err := strictDecode(data, v); err != nil {
		return httpErr(http.StatusBadRequest, "request body: %s (want JSON such as %s)", describeJSONError(data, err), example)
	}
	return nil
}

// health answers whether the broker is up, with its addresses and clock.
func (c *control) health(r *http.Request) (int, any, error) {
	if c.b.closed.Load() {
		return 0, nil, httpErr(http.StatusServiceUnavailable, "the broker is closed")
	}
	return http.StatusOK, struct {
		Status       string `json:"status"`
		Addr         string `json:"addr"`
		Advertise    string `json:"advertise"`
		Compat       string `json:"compat"`
		VirtualClock bool   `json:"virtualClock"`
		Now          string `json:"now"`
	}{"ok", c.b.Addr(), c.b.AdvertisedAddr(), c.b.cfg.compat.String(), c.b.sched.virtual, formatTime(c.b.Now())}, nil
}

type clockBody struct {
	Now          string `json:"now"`
	NowMs        int64  `json:"nowMs"`
	VirtualClock bool   `json:"virtualClock"`
}

func (c *control) clockState() clockBody {
	now := c.b.Now()
	return clockBody{Now: formatTime(now), NowMs: now.UnixMilli(), VirtualClock: c.b.sched.virtual}
}

func (c *control) clock(r *http.Request) (int, any, error) {
	return http.StatusOK, c.clockState(), nil
}

// advance moves the virtual clock: {"seconds": 121} or {"duration": "2m1s"}.
func (c *control) advance(r *http.Request) (int, any, error) {
	const example = `{"seconds": 121} or {"duration": "2m1s"}`
	var req struct {
		Seconds  *float64 `json:"seconds"`
		Duration *string  `json:"duration"`
	}
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, err
	}
	var d time.Duration
	switch {
	case (req.Seconds == nil) == (req.Duration == nil):
		return 0, nil, httpErr(http.StatusBadRequest, "give exactly one of \"seconds\" and \"duration\": want JSON such as %s", example)
	case req.Seconds != nil:
		s := *req.Seconds
		if s < 0 || math.IsNaN(s) || s > maxAdvance.Seconds() {
			return 0, nil, httpErr(http.StatusBadRequest, "seconds %v: want 0 to %v", s, maxAdvance.Seconds())
		}
		d = time.Duration(s * float64(time.Second))
	default:
		var err error
		d, err = time.ParseDuration(*req.Duration)
		if err != nil || d < 0 || d > maxAdvance {
			return 0, nil, httpErr(http.StatusBadRequest, "duration %q: want a Go duration from 0s to %v, such as \"2m1s\"", *req.Duration, maxAdvance)
		}
	}
	if !c.b.sched.virtual {
		return 0, nil, httpErr(http.StatusConflict, "the broker runs on real time: start it with --virtual-clock (WithVirtualClock) to advance its clock")
	}
	c.b.Advance(d)
	return http.StatusOK, c.clockState(), nil
}

type groupBody struct {
	Name      string `json:"name"`
	Producers int    `json:"producers"`
}

// groups lists the producer groups with their producer counts.
func (c *control) groups(r *http.Request) (int, any, error) {
	out := []groupBody{}
	for _, name := range c.b.Groups() {
		infos, _ := c.b.producers.Group(name)
		out = append(out, groupBody{name, len(infos)})
	}
	return http.StatusOK, struct {
		Groups []groupBody `json:"groups"`
	}{out}, nil
}

type producerBody struct {
	ClientID        string `json:"clientId"`
	Addr            string `json:"addr"`
	Language        string `json:"language"`
	Version         int32  `json:"version"`
	VersionName     string `json:"versionName"`
	LastHeartbeat   string `json:"lastHeartbeat"`
	LastHeartbeatMs int64  `json:"lastHeartbeatMs"`
	AgeMs           int64  `json:"ageMs"`
	Virtual         bool   `json:"virtual"`
}

// producers lists a group's producers with their last heartbeat; 404 for
// an unknown group.
func (c *control) producers(r *http.Request) (int, any, error) {
	group := r.PathValue("group")
	infos, ok := c.b.producers.Group(group)
	if !ok {
		return 0, nil, httpErr(http.StatusNotFound, "producer group %q does not exist (groups: %v)", group, c.b.Groups())
	}
	now := c.b.Now()
	out := []producerBody{}
	for _, p := range producersOf(group, infos) {
		out = append(out, producerBody{
			ClientID: p.ClientID, Addr: p.Addr, Language: p.Language, Version: p.Version,
			VersionName: protocol.MQVersion(p.Version).String(), LastHeartbeat: formatTime(p.LastHeartbeat),
			LastHeartbeatMs: p.LastHeartbeat.UnixMilli(), AgeMs: now.Sub(p.LastHeartbeat).Milliseconds(),
			Virtual: p.Virtual,
		})
	}
	return http.StatusOK, struct {
		Group     string         `json:"group"`
		Producers []producerBody `json:"producers"`
	}{group, out}, nil
}

// wait waits until a group has exactly count producers:
// {"count": 2, "timeoutMs": 5000}; 408 when the time runs out.
func (c *control) wait(r *http.Request) (int, any, error) {
	count, ctx, cancel, err := waitRequest(r, 0, "producers")
	if err != nil {
		return 0, nil, err
	}
	defer cancel()
	group := r.PathValue("group")
	if err := c.b.WaitProducers(ctx, group, count); err != nil {
		return 0, nil, waitError(err)
	}
	return http.StatusOK, struct {
		Group string `json:"group"`
		Count int    `json:"count"`
	}{group, count}, nil
}

// expire drops one producer registration now, as the scan would.
func (c *control) expire(r *http.Request) (int, any, error) {
	group, id := r.PathValue("group"), r.PathValue("clientId")
	// No body is needed, but one that is there must be JSON ({}): an
	// action on a garbled request would be worse than none.
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	if err := c.b.ExpireProducer(group, id); err != nil {
		return 0, nil, &apiError{http.StatusNotFound, err.Error()}
	}
	return http.StatusOK, struct {
		Group    string `json:"group"`
		ClientID string `json:"clientId"`
		Expired  bool   `json:"expired"`
	}{group, id, true}, nil
}

// closeClient closes the client's connections from the broker's side. The
// close is processed asynchronously: 202, then wait for the group to shrink.
func (c *control) closeClient(r *http.Request) (int, any, error) {
	id := r.PathValue("clientId")
	// No body is needed, but one that is there must be JSON ({}): an
	// action on a garbled request would be worse than none.
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	if err := c.b.CloseClient(id); err != nil {
		status := http.StatusInternalServerError
		if len(c.b.channelsOf(id)) == 0 {
			status = http.StatusNotFound
		}
		return 0, nil, &apiError{status, err.Error()}
	}
	return http.StatusAccepted, struct {
		ClientID string `json:"clientId"`
		Closing  bool   `json:"closing"`
	}{id, true}, nil
}

func (c *control) scan(r *http.Request) (int, any, error) {
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct {
		Expired int `json:"expired"`
	}{c.b.Scan()}, nil
}

// loadFixture loads a state fixture sent as the body.
func (c *control) loadFixture(r *http.Request) (int, any, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return 0, nil, httpErr(http.StatusRequestEntityTooLarge, "fixture larger than %d bytes", mbe.Limit)
		}
		return 0, nil, httpErr(http.StatusBadRequest, "reading the fixture: %v", err)
	}
	f, err := ParseFixture(data)
	if err != nil {
		return 0, nil, &apiError{http.StatusBadRequest, err.Error()}
	}
	if err := c.b.LoadFixture(f); err != nil {
		status := http.StatusInternalServerError
		switch {
		case errors.Is(err, ErrFixtureConflict):
			status = http.StatusConflict
		case errors.Is(err, ErrClosed):
			status = http.StatusServiceUnavailable
		}
		return 0, nil, &apiError{status, err.Error()}
	}
	groups, conns := f.Counts()
	return http.StatusOK, struct {
		Groups    int `json:"groups"`
		Producers int `json:"producers"`
	}{groups, conns}, nil
}

// reset is Broker.Reset: a broker restart, keeping the clock.
func (c *control) reset(r *http.Request) (int, any, error) {
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), resetTimeout)
	defer cancel()
	c.faults.clear()
	if err := c.b.Reset(ctx); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, ErrClosed) {
			status = http.StatusServiceUnavailable
		}
		return 0, nil, &apiError{status, err.Error()}
	}
	return http.StatusOK, struct {
		Reset bool `json:"reset"`
	}{true}, nil
}

// formatTime writes a time in UTC with milliseconds, as RocketMQ counts.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
