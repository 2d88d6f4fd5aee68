package controlapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// api is a client of one control API server.
type api struct {
	t     testing.TB
	url   string
	token string
}

func newAPI(t testing.TB, b *mockbroker.Broker, opts ...Option) *api {
	srv := httptest.NewServer(NewHandler(b, opts...))
	t.Cleanup(srv.Close)
	return &api{t: t, url: srv.URL}
}

// do sends a request and returns the status and the body without its
// final newline.
func (a *api) do(method, path, body string) (int, string) {
	a.t.Helper()
	status, _, text := a.doHeader(method, path, body)
	return status, text
}

func (a *api) doHeader(method, path, body string) (int, http.Header, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	assert.NilError(a.t, err)
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(a.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	assert.NilError(a.t, err)
	assert.Equal(a.t, resp.Header.Get("Content-Type"), "application/json", "%s %s", method, path)
	return resp.StatusCode, resp.Header, strings.TrimSuffix(string(data), "\n")
}

// expect checks status and exact body.
func (a *api) expect(method, path, body string, status int, want string) {
	a.t.Helper()
	got, text := a.do(method, path, body)
	assert.Equal(a.t, got, status, "%s %s: %s", method, path, text)
	assert.Equal(a.t, text, want, "%s %s", method, path)
}

var apiStart = time.UnixMilli(1_700_000_000_123) // 2023-11-14T22:13:20.123Z

func TestControlHealthAndClock(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart), mockbroker.WithRelease(protocol.Release498),
		mockbroker.WithExpiry(90*time.Second), mockbroker.WithScanInterval(time.Second, 5*time.Second))
	a := newAPI(t, b, Version("v1.2.3"))
	a.expect("GET", "/v1/health", "", 200,
		`{"status":"ok","addr":"`+b.Addr()+`","advertise":"`+b.AdvertisedAddr()+`","compat":"4.9","virtualClock":true,"now":"2023-11-14T22:13:20.123Z",`+
			`"version":"v1.2.3","expiryMs":90000,"scanIntervalMs":5000}`)
	a.expect("GET", "/v1/clock", "", 200, `{"now":"2023-11-14T22:13:20.123Z","nowMs":1700000000123,"virtualClock":true}`)
	a.expect("POST", "/v1/clock/advance", `{"seconds": 1.5}`, 200, `{"now":"2023-11-14T22:13:21.623Z","nowMs":1700000001623,"virtualClock":true}`)
	a.expect("POST", "/v1/clock/advance", `{"duration": "1m"}`, 200, `{"now":"2023-11-14T22:14:21.623Z","nowMs":1700000061623,"virtualClock":true}`)
	assert.Equal(t, b.Now(), apiStart.Add(61500*time.Millisecond))

	b.Close()
	a.expect("GET", "/v1/health", "", 503, `{"error":"the broker is closed"}`)
}

func TestControlAdvanceNeedsVirtualClock(t *testing.T) {
	a := newAPI(t, mockbroker.Start(t))
	a.expect("POST", "/v1/clock/advance", `{"seconds":121}`, 409,
		`{"error":"the broker runs on real time: start it with --virtual-clock (WithVirtualClock) to advance its clock"}`)
}

func TestControlProducersOfRealConnections(t *testing.T) {
	b, c := withProducer(t, "10.0.0.1@1", "PG", "PG2")
	a := newAPI(t, b)
	b.Advance(2 * time.Second)

	a.expect("GET", "/v1/groups", "", 200, `{"groups":[{"name":"PG","producers":1},{"name":"PG2","producers":1}]}`)
	a.expect("GET", "/v1/groups/PG/producers", "", 200, `{"group":"PG","producers":[{"clientId":"10.0.0.1@1","addr":"`+c.LocalAddr()+
		`","language":"GO","version":317,"versionName":"V4_5_2","lastHeartbeat":"2023-11-14T22:13:20.123Z","lastHeartbeatMs":1700000000123,"ageMs":2000,"virtual":false}]}`)
	a.expect("GET", "/v1/groups/NOPE/producers", "", 404, `{"error":"producer group \"NOPE\" does not exist (groups: [PG PG2])"}`)

	a.expect("POST", "/v1/clients/10.0.0.1@1/close", "", 202, `{"clientId":"10.0.0.1@1","closing":true}`)
	a.expect("POST", "/v1/groups/PG/wait", `{"count":0,"timeoutMs":5000}`, 200, `{"group":"PG","count":0}`)
	_, err := c.TryRead(2 * time.Second)
	assert.Assert(t, err != nil && !testclient.IsTimeout(err), "the broker closed the connection: %v", err)
	a.expect("POST", "/v1/clients/10.0.0.1@1/close", "", 404, `{"error":"no producer connection with client id \"10.0.0.1@1\" (known: [])"}`)
	a.expect("GET", "/v1/groups", "", 200, `{"groups":[]}`)
}

func TestControlFixtureExpireScanAndReset(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	a := newAPI(t, b)
	a.expect("POST", "/v1/fixtures", `{"groups":[
	  {"name":"PG","producers":[
	    {"clientId":"v@1","addr":"10.0.0.1:1","language":"JAVA","version":"V4_9_8","lastHeartbeatAge":"130s"},
	    {"clientId":"v@2","addr":"10.0.0.2:2","language":"JAVA","version":"V4_9_8"},
	    {"clientId":"v@3","addr":"10.0.0.3:3","language":"JAVA","version":"V4_9_8"}]},
	  {"name":"EMPTY"}]}`, 200, `{"groups":2,"producers":3}`)
	a.expect("GET", "/v1/groups/PG/producers", "", 200, `{"group":"PG","producers":[`+
		`{"clientId":"v@1","addr":"10.0.0.1:1","language":"JAVA","version":409,"versionName":"V4_9_8","lastHeartbeat":"2023-11-14T22:11:10.123Z","lastHeartbeatMs":1699999870123,"ageMs":130000,"virtual":true},`+
		`{"clientId":"v@2","addr":"10.0.0.2:2","language":"JAVA","version":409,"versionName":"V4_9_8","lastHeartbeat":"2023-11-14T22:13:20.123Z","lastHeartbeatMs":1700000000123,"ageMs":0,"virtual":true},`+
		`{"clientId":"v@3","addr":"10.0.0.3:3","language":"JAVA","version":409,"versionName":"V4_9_8","lastHeartbeat":"2023-11-14T22:13:20.123Z","lastHeartbeatMs":1700000000123,"ageMs":0,"virtual":true}]}`)
	a.expect("POST", "/v1/groups/PG/producers/v@2/expire", "", 200, `{"group":"PG","clientId":"v@2","expired":true}`)
	a.expect("POST", "/v1/groups/PG/producers/v@2/expire", "", 404, `{"error":"group \"PG\" has no producer with client id \"v@2\""}`)
	a.expect("GET", "/v1/groups", "", 200, `{"groups":[{"name":"EMPTY","producers":0},{"name":"PG","producers":2}]}`)
	// v@1 is 130 s old; in 5.x mode the scan also removes the empty group.
	a.expect("POST", "/v1/scan", "", 200, `{"expired":1}`)
	a.expect("GET", "/v1/groups", "", 200, `{"groups":[{"name":"PG","producers":1}]}`)
	a.expect("POST", "/v1/fixtures", `{"groups":[{"name":"X","producers":[{"clientId":"other","addr":"10.0.0.3:3","language":"JAVA","version":1}]}]}`, 409,
		`{"error":"fixture conflicts with the loaded state: groups[0].producers[0]: addr \"10.0.0.3:3\" is already loaded as clientId \"v@3\", language JAVA, version V4_9_8; reset or close that client first"}`)
	a.expect("POST", "/v1/reset", "", 200, `{"reset":true}`)
	a.expect("GET", "/v1/groups", "", 200, `{"groups":[]}`)
}

func TestControlWaitTimesOutSayingWhatWasThere(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	c := testclient.Dial(t, b.Addr())
	c.Call(testclient.Heartbeat("c@1", protocol.Go, 317, "PG"))
	a.expect("POST", "/v1/groups/PG/wait", `{"count":1}`, 200, `{"group":"PG","count":1}`)
	a.expect("POST", "/v1/groups/PG/wait", `{"count":2,"timeoutMs":20}`, 408,
		`{"error":"waiting for 2 producers in group \"PG\", it has 1 [c@1]: context deadline exceeded"}`)
}

func TestControlRejectsBadRequests(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	a := newAPI(t, b, MaxBody(256))
	tests := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/v1/nothing", "", 404, `{"error":"no endpoint GET /v1/nothing (the API is under /v1/)"}`},
		{"GET", "/favicon.ico", "", 404, `{"error":"no endpoint GET /favicon.ico (the API is under /v1/)"}`},
		{"POST", "/", "", 404, `{"error":"no endpoint POST / (the API is under /v1/)"}`},
		{"DELETE", "/v1/groups", "", 405, `{"error":"method DELETE not allowed on /v1/groups; allowed: GET, HEAD"}`},
		{"GET", "/v1/scan", "", 405, `{"error":"method GET not allowed on /v1/scan; allowed: POST"}`},
		{"POST", "/v1/clock/advance", "", 400, `{"error":"request body missing: want JSON such as {\"seconds\": 121} or {\"duration\": \"2m1s\"}"}`},
		{"POST", "/v1/clock/advance", `{"seconds":1,"duration":"1s"}`, 400, `{"error":"give exactly one of \"seconds\" and \"duration\": want JSON such as {\"seconds\": 121} or {\"duration\": \"2m1s\"}"}`},
		{"POST", "/v1/clock/advance", `{"seconds":-1}`, 400, `{"error":"seconds -1: want 0 to 3.16224e+07"}`},
		{"POST", "/v1/clock/advance", `{"duration":"soon"}`, 400, `{"error":"duration \"soon\": want a Go duration from 0s to 8784h0m0s, such as \"2m1s\""}`},
		{"POST", "/v1/clock/advance", `{"secs":1}`, 400, `{"error":"request body: json: unknown field \"secs\" (want JSON such as {\"seconds\": 121} or {\"duration\": \"2m1s\"})"}`},
		{"POST", "/v1/clock/advance", `{"seconds":"1"}`, 400, `{"error":"request body: seconds: found a JSON string, want a JSON number (want JSON such as {\"seconds\": 121} or {\"duration\": \"2m1s\"})"}`},
		{"POST", "/v1/clock/advance", `{"seconds":1`, 400, `{"error":"request body: unexpected EOF (want JSON such as {\"seconds\": 121} or {\"duration\": \"2m1s\"})"}`},
		{"POST", "/v1/groups/PG/wait", `{}`, 400, `{"error":"\"count\": want the number of producers to wait for (0 or more), such as {\"count\": 1, \"timeoutMs\": 5000}"}`},
		{"POST", "/v1/groups/PG/wait", `{"count":1,"timeoutMs":0}`, 400, `{"error":"\"timeoutMs\" 0: want 1 to 600000"}`},
		{"POST", "/v1/scan", `[1]`, 400, `{"error":"request body: found a JSON array, want a JSON object (want JSON such as {})"}`},
		{"POST", "/v1/reset", strings.Repeat(" ", 300), 413, `{"error":"request body larger than 256 bytes"}`},
		{"POST", "/v1/fixtures", `{"groups":[{"name":""}]}`, 400, `{"error":"invalid fixture: groups[0].name: missing"}`},
		{"POST", "/v1/fixtures", strings.Repeat(" ", 300), 413, `{"error":"fixture larger than 256 bytes"}`},
		{"POST", "/v1/fixtures", ``, 400, `{"error":"invalid fixture: empty input: want a JSON object"}`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			a.t = t
			a.expect(tt.method, tt.path, tt.body, tt.status, tt.want)
		})
	}
	_, h, _ := a.doHeader("PUT", "/v1/fixtures", "")
	assert.Equal(t, h.Get("Allow"), "POST")
}

func TestToken(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b, Token("s3cret"))
	status, h, body := a.doHeader("GET", "/v1/clock", "")
	assert.Equal(t, status, 401)
	assert.Equal(t, h.Get("WWW-Authenticate"), `Bearer realm="rocketmock"`)
	assert.Equal(t, body, `{"error":"missing bearer token: send the header \"Authorization: Bearer <token>\" with the --control-token value"}`)
	a.token = "wrong"
	a.expect("POST", "/v1/reset", "", 401, `{"error":"wrong bearer token"}`)
	a.expect("GET", "/v1/nothing", "", 401, `{"error":"wrong bearer token"}`)
	a.expect("GET", "/v1/health", "", 401, `{"error":"wrong bearer token"}`) // a token sent must be right
	a.token = "s3cret"
	status, _ = a.do("GET", "/v1/health", "")
	assert.Equal(t, status, 200)
	a.expect("GET", "/v1/nothing", "", 404, `{"error":"no endpoint GET /v1/nothing (the API is under /v1/)"}`)
}

// A Go program can mount the handler under its own prefix.
func TestControlHandlerMounts(t *testing.T) {
	b := mockbroker.Start(t)
	mux := http.NewServeMux()
	mux.Handle("/rocketmock/", http.StripPrefix("/rocketmock", NewHandler(b)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/rocketmock/v1/groups")
	assert.NilError(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	assert.Equal(t, resp.StatusCode, 200)
	assert.Equal(t, string(data), "{\"groups\":[]}\n")
}

// statusOf is the one place a status comes from: the handler's refusals
// carry theirs, the broker's errors map by the sentinel they wrap, however
// deep.
func TestStatusOfFollowsTheTypedError(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", err)) }
	tests := []struct {
		err  error
		want int
	}{
		{requestErr(http.StatusRequestEntityTooLarge, "big"), 413},
		{wrap(mockbroker.ErrClosed), 503},
		{wrap(context.Canceled), 503},
		{wrap(context.DeadlineExceeded), 408},
		{wrap(mockbroker.ErrUnknownClient), 404},
		{wrap(mockbroker.ErrUnknownProducer), 404},
		{wrap(mockbroker.ErrUnknownGroup), 404},
		{wrap(mockbroker.ErrUnknownMessage), 404},
		{wrap(mockbroker.ErrNoProducer), 409},
		{wrap(mockbroker.ErrRealClock), 409},
		{wrap(mockbroker.ErrFixtureConflict), 409},
		{wrap(mockbroker.ErrInvalidFixture), 400},
		{&causeError{"the broker is closed", mockbroker.ErrClosed}, 503},
		{errors.New("mockbroker: something else"), 500},
	}
	for _, tt := range tests {
		assert.Equal(t, statusOf(tt.err), tt.want, "%v", tt.err)
	}
}
