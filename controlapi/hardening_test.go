package controlapi

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// Hostile callers of the control API (issue 12, item 8).

// serveLimited serves h on loopback within l and returns its address.
func serveLimited(t *testing.T, h http.Handler, l Limits) (string, *LimitedListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	lln := LimitListener(ln, l.MaxConns)
	srv := NewServer(h, l)
	go func() { _ = srv.Serve(lln) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), lln
}

// rawHTTP sends one request as written on a new connection (or on c) and
// reads the answer.
func rawHTTP(t *testing.T, c net.Conn, r *bufio.Reader, req string) (*http.Response, string) {
	t.Helper()
	assert.NilError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	_, err := io.WriteString(c, req)
	assert.NilError(t, err)
	resp, err := http.ReadResponse(r, nil)
	assert.NilError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	assert.NilError(t, err)
	return resp, strings.TrimSuffix(string(body), "\n")
}

func dialHTTP(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	assert.NilError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// closedWithin reports whether the server closes c within d.
func closedWithin(c net.Conn, r *bufio.Reader, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := r.ReadByte()
	return err != nil && !testclient.IsTimeout(err)
}

func TestServerClosesIdleAndSilentConnections(t *testing.T) {
	b := mockbroker.Start(t)
	l := DefaultLimits()
	l.IdleTimeout, l.ReadHeaderTimeout = 300*time.Millisecond, 300*time.Millisecond
	addr, _ := serveLimited(t, NewHandler(b), l)

	// A keep-alive connection after one request.
	c, r := dialHTTP(t, addr)
	resp, _ := rawHTTP(t, c, r, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	assert.Equal(t, resp.StatusCode, 200)
	assert.Assert(t, closedWithin(c, r, 3*time.Second), "an idle keep-alive connection stayed open")

	// A connection that never sends a request.
	c2, r2 := dialHTTP(t, addr)
	assert.Assert(t, closedWithin(c2, r2, 3*time.Second), "a silent connection stayed open")

	// A request trickled byte by byte past the header timeout.
	c3, r3 := dialHTTP(t, addr)
	_, err := io.WriteString(c3, "GET /v1/health HTTP/1.1\r\n")
	assert.NilError(t, err)
	assert.Assert(t, closedWithin(c3, r3, 3*time.Second), "a trickling connection stayed open")
}

func TestServeDefaultsHaveTimeouts(t *testing.T) {
	l := DefaultLimits()
	srv := NewServer(http.NotFoundHandler(), l)
	assert.Assert(t, srv.ReadHeaderTimeout > 0 && srv.ReadTimeout > 0 && srv.WriteTimeout > 0 && srv.IdleTimeout > 0, "%+v", l)
	assert.Assert(t, l.MaxConns > 0 && l.MaxHeaderBytes > 0, "%+v", l)
}

func TestServerConnectionLimit(t *testing.T) {
	b := mockbroker.Start(t)
	l := DefaultLimits()
	l.MaxConns = 3
	addr, lln := serveLimited(t, NewHandler(b), l)
	var held []net.Conn
	for range 3 {
		c, r := dialHTTP(t, addr)
		resp, _ := rawHTTP(t, c, r, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		assert.Equal(t, resp.StatusCode, 200)
		held = append(held, c)
	}
	// The fourth is told so and closed at once.
	c, r := dialHTTP(t, addr)
	resp, err := http.ReadResponse(r, nil)
	assert.NilError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, resp.StatusCode, http.StatusServiceUnavailable)
	assert.Equal(t, string(body), `{"error":"too many control API connections (limit 3): close idle ones and retry"}`+"\n")
	assert.Assert(t, closedWithin(c, r, time.Second))
	assert.Equal(t, lln.Refused(), int64(1))

	// Once one goes, a new one is served.
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for lln.Open() >= 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c, r = dialHTTP(t, addr)
	resp, _ = rawHTTP(t, c, r, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	assert.Equal(t, resp.StatusCode, 200)
}

func TestControlRefusesForeignHostAndOrigin(t *testing.T) {
	b, _ := withProducer(t, "c@1", "PG")
	addr, _ := serveLimited(t, NewHandler(b, AllowHosts("mock.internal")), DefaultLimits())
	do := func(req string) (int, string) {
		t.Helper()
		c, r := dialHTTP(t, addr)
		resp, body := rawHTTP(t, c, r, req)
		if resp.StatusCode >= 400 {
			assert.Equal(t, resp.Header.Get("Content-Type"), "application/json")
		}
		return resp.StatusCode, body
	}
	post := func(host, origin string) string {
		h := "POST /v1/reset HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 0\r\n"
		if origin != "" {
			h += "Origin: " + origin + "\r\n"
		}
		return h + "\r\n"
	}
	// A web page posting through a browser, or DNS-rebinding its own name.
	for _, req := range []string{
		post("127.0.0.1", "http://evil.example"),
		post("127.0.0.1", "null"),
		post("127.0.0.1", "http://10.0.0.9"),
		post("evil.example:9877", ""),
		post("evil.example:9877", "http://evil.example:9877"),
		post("localhost.evil.example", ""),
	} {
		status, body := do(req)
		assert.Equal(t, status, http.StatusForbidden, "%q: %s", req, body)
		assert.Assert(t, strings.Contains(body, "DNS rebinding") || strings.Contains(body, "must not steer the mock"), body)
	}
	assert.Equal(t, len(b.Producers("PG")), 1, "nothing was reset")
	status, body := do(post("evil.example", ""))
	assert.Equal(t, body, `{"error":"host \"evil.example\" is not this mock's: use localhost, an IP address or the control address (a name that is none of these may be DNS rebinding)"}`)
	assert.Equal(t, status, 403)
	status, body = do(post("127.0.0.1", "http://evil.example"))
	assert.Equal(t, body, `{"error":"origin \"http://evil.example\" may not use the control API: only pages from localhost or the control address may (a web page must not steer the mock)"}`)
	assert.Equal(t, status, 403)

	// Loopback, IP addresses (no name to rebind) and the allowed names pass.
	for _, req := range []string{
		"GET /v1/health HTTP/1.1\r\nHost: localhost:9877\r\n\r\n",
		"GET /v1/health HTTP/1.1\r\nHost: [::1]:9877\r\n\r\n",
		"GET /v1/health HTTP/1.1\r\nHost: 10.1.2.3:9877\r\n\r\n",
		"GET /v1/health HTTP/1.1\r\nHost: MOCK.internal:9877\r\nOrigin: http://mock.internal:9877\r\n\r\n",
		"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://localhost:3000\r\n\r\n",
	} {
		status, body := do(req)
		assert.Equal(t, status, 200, "%q: %s", req, body)
	}
	status, _ = do(post("localhost", "http://127.0.0.1:8080"))
	assert.Equal(t, status, 200)
	assert.Equal(t, len(b.Producers("PG")), 0, "reset")

	// With a token, the token is what counts for Host; Origin still must fit.
	addr2, _ := serveLimited(t, NewHandler(b, Token("s3cret")), DefaultLimits())
	c, r := dialHTTP(t, addr2)
	resp, _ := rawHTTP(t, c, r, "GET /v1/clock HTTP/1.1\r\nHost: rocketmock:9877\r\nAuthorization: Bearer s3cret\r\n\r\n")
	assert.Equal(t, resp.StatusCode, 200)
	resp, _ = rawHTTP(t, c, r, "GET /v1/clock HTTP/1.1\r\nHost: rocketmock:9877\r\n\r\n")
	assert.Equal(t, resp.StatusCode, 403)
	resp, _ = rawHTTP(t, c, r, "GET /v1/clock HTTP/1.1\r\nHost: rocketmock:9877\r\nOrigin: http://evil.example\r\nAuthorization: Bearer s3cret\r\n\r\n")
	assert.Equal(t, resp.StatusCode, 403)
}

func TestControlUncleanPathsAnswerJSON(t *testing.T) {
	b := mockbroker.Start(t)
	addr, _ := serveLimited(t, NewHandler(b), DefaultLimits())
	for _, path := range []string{"/v1/../v1/health", "/v1//reset", "/v1/./health", "//v1/health", "/v1/%2e%2e/v1/health", "/v1/groups/../health"} {
		for _, method := range []string{"GET", "POST"} {
			c, r := dialHTTP(t, addr)
			resp, body := rawHTTP(t, c, r, method+" "+path+" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
			assert.Equal(t, resp.StatusCode, http.StatusBadRequest, "%s %s: %s", method, path, body)
			assert.Equal(t, resp.Header.Get("Location"), "", "%s %s", method, path)
			assert.Equal(t, resp.Header.Get("Content-Type"), "application/json")
			assert.Assert(t, strings.Contains(body, `want an absolute path without \"//\", \".\" or \"..\" segments`), body)
		}
	}
}

func TestControlWaitTimeoutOverflow(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	for _, ms := range []string{"9223372036854775807", "9223372036854775", "-1", "-9223372036854775808", "0", "600001"} {
		for _, path := range []string{"/v1/groups/PG/wait", "/v1/topics/T/messages/wait"} {
			status, body := a.do("POST", path, `{"count":1,"timeoutMs":`+ms+`}`)
			assert.Equal(t, status, http.StatusBadRequest, "%s %s: %s", path, ms, body)
			assert.Assert(t, strings.Contains(body, "want 1 to 600000"), body)
		}
	}
	for _, ms := range []string{"1e30", "99999999999999999999", "1.5"} {
		status, body := a.do("POST", "/v1/groups/PG/wait", `{"count":1,"timeoutMs":`+ms+`}`)
		assert.Equal(t, status, http.StatusBadRequest, "%s: %s", ms, body)
	}
}

func TestControlErrorBodiesAreBounded(t *testing.T) {
	b := mockbroker.Start(t)
	long := strings.Repeat("g", 1000)
	var groups []string
	for i := range 100 {
		groups = append(groups, fmt.Sprintf("%s%03d", long, i))
	}
	for i := range 30 { // 30 clients, each in every group
		c := testclient.Dial(t, b.Addr())
		c.Call(testclient.Heartbeat(fmt.Sprintf("%s@%d", strings.Repeat("c", 2000), i), protocol.Go, 317, groups...))
	}
	a := newAPI(t, b)
	status, body := a.do("GET", "/v1/groups/"+strings.Repeat("N", 5000)+"/producers", "")
	assert.Equal(t, status, 404)
	assert.Assert(t, len(body) <= 4<<10+100, "%d bytes", len(body))
	assert.Assert(t, strings.Contains(body, "…(5000 bytes)"), body)
	assert.Assert(t, strings.Contains(body, "… 80 more]") || strings.Contains(body, "bytes)\"}"), body)

	status, body = a.do("POST", "/v1/clients/nobody/close", "")
	assert.Equal(t, status, 404)
	assert.Assert(t, len(body) <= 4<<10+100, "%d bytes", len(body))
	assert.Assert(t, strings.HasPrefix(body, `{"error":"no producer connection with client id \"nobody\" (known: [ccc`), body)

	// The list cap itself, with short names.
	b2 := mockbroker.Start(t)
	short := make([]string, 30)
	for i := range short {
		short[i] = fmt.Sprintf("G%02d", i)
	}
	testclient.Dial(t, b2.Addr()).Call(testclient.Heartbeat("x@1", protocol.Go, 317, short...))
	a2 := newAPI(t, b2)
	a2.expect("GET", "/v1/groups/NOPE/producers", "", 404,
		`{"error":"producer group \"NOPE\" does not exist (groups: [`+strings.Join(short[:20], " ")+` … 10 more])"}`)
}

func TestControlHealthNeedsNoToken(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b, Token("s3cret"))
	status, body := a.do("GET", "/v1/health", "")
	assert.Equal(t, status, 200, body)
	for _, ep := range [][2]string{{"GET", "/v1/clock"}, {"GET", "/v1/groups"}, {"POST", "/v1/reset"}, {"GET", "/v1/journal"}} {
		status, body := a.do(ep[0], ep[1], "")
		assert.Equal(t, status, 401, "%s %s: %s", ep[0], ep[1], body)
	}
}

// An advance across more than MaxAdvanceScans scans is refused: the
// broker would run them all, uncancellably (issue 12, item 9).
func TestControlAdvanceRefusesAbsurdScanCounts(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart), mockbroker.WithScanInterval(time.Millisecond, time.Millisecond))
	a := newAPI(t, b, ScanEvery(time.Millisecond))
	start := time.Now()
	a.expect("POST", "/v1/clock/advance", `{"duration":"24h"}`, 400,
		`{"error":"advancing the clock by 24h0m0s would run about 86400000 expiry scans (one every 1ms); the limit is 1000000: advance by at most 16m39.999s, or start the mock with a longer --scan-interval"}`)
	a.expect("POST", "/v1/clock/advance", `{"seconds":1000}`, 400,
		`{"error":"advancing the clock by 16m40s would run about 1000000 expiry scans (one every 1ms); the limit is 1000000: advance by at most 16m39.999s, or start the mock with a longer --scan-interval"}`)
	assert.Assert(t, time.Since(start) < time.Second, "refused at once")
	assert.Equal(t, b.Now(), apiStart, "the clock did not move")
	status, body := a.do("POST", "/v1/clock/advance", `{"seconds":2}`)
	assert.Equal(t, status, 200, body)
	assert.Equal(t, b.Now(), apiStart.Add(2*time.Second))
	// Without ScanEvery the handler reads the broker's period.
	status, body = newAPI(t, mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))).do("POST", "/v1/clock/advance", `{"duration":"24h"}`)
	assert.Equal(t, status, 200, body)
	status, body = newAPI(t, b).do("POST", "/v1/clock/advance", `{"duration":"24h"}`)
	assert.Equal(t, status, 400, body)
}

// A wait may outlast the server's write timeout: its answer still arrives.
func TestServerWriteTimeoutSparesWaits(t *testing.T) {
	b := mockbroker.Start(t)
	l := DefaultLimits()
	l.WriteTimeout = 200 * time.Millisecond
	addr, _ := serveLimited(t, NewHandler(b), l)
	c, r := dialHTTP(t, addr)
	body := `{"count":1,"timeoutMs":600}`
	resp, text := rawHTTP(t, c, r, fmt.Sprintf("POST /v1/groups/PG/wait HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	assert.Equal(t, resp.StatusCode, http.StatusRequestTimeout, text)
}
