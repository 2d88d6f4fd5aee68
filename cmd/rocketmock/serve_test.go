package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/assert"
)

// ready is what serve's ready line says.
type ready struct{ addr, advertise, control string }

var readyLine = regexp.MustCompile(`rocketmock ready: addr=(\S+) advertise=(\S+) compat=\S+ control=(\S+)`)

// startServe runs serve in-process until the test ends and returns its
// ready line.
func startServe(t *testing.T, args ...string) ready {
	t.Helper()
	var out, errb syncBuf
	stop := make(chan struct{})
	done := make(chan int, 1)
	go func() { done <- run(append([]string{"serve"}, args...), &out, &errb, stop) }()
	t.Cleanup(func() {
		close(stop)
		select {
		case code := <-done:
			assert.Equal(t, code, 0, "stderr: %s", errb.String())
		case <-time.After(2 * time.Second):
			t.Error("serve did not stop")
		}
	})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if m := readyLine.FindStringSubmatch(out.String()); m != nil {
			return ready{m[1], m[2], m[3]}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, errb.String())
		default:
		}
	}
	t.Fatalf("no ready line; stdout %q stderr %q", out.String(), errb.String())
	return ready{}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	assert.NilError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestServeRefusesToStart(t *testing.T) {
	bad := writeFile(t, "bad.json", `{"groups":[{"name":"PG","producers":[{"clientId":"c"}]}]}`)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	defer busy.Close()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--control", "9877"}, 2, `--control "9877": want host:port, such as 127.0.0.1:9877 (empty disables the control API)`},
		{[]string{"--control", "0.0.0.0:0"}, 2, `--control 0.0.0.0:0 listens beyond loopback: set --control-token (or ROCKETMOCK_CONTROL_TOKEN)`},
		{[]string{"--control", ":0"}, 2, `--control :0 listens beyond loopback`},
		{[]string{"--control", "example.com:0", "--control-token", ""}, 2, `--control example.com:0 listens beyond loopback`},
		{[]string{"--fixture", filepath.Join(t.TempDir(), "nope.json")}, 2, `--fixture: reading fixture: open `},
		{[]string{"--fixture", bad}, 2, `bad.json: invalid fixture: groups[0].producers[0].language: missing`},
		{[]string{"--control", busy.Addr().String()}, 1, `--control ` + busy.Addr().String() + `: listen tcp`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb syncBuf
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0"}, tt.args...)
			assert.Equal(t, run(args, &out, &errb, nil), tt.code, errb.String())
			assert.Assert(t, strings.Contains(errb.String(), tt.want), errb.String())
			assert.Equal(t, out.String(), "", "nothing half-started")
		})
	}
}

func TestServeLoadsFixturesAndServesControl(t *testing.T) {
	f1 := writeFile(t, "a.json", `{"groups":[{"name":"A","producers":[{"clientId":"a@1","addr":"10.0.0.1:1","language":"JAVA","version":409}]}]}`)
	f2 := writeFile(t, "b.json", `{"groups":[{"name":"B"}]}`)
	f3 := writeFile(t, "c.json", `{"groups":[{"name":"C"}]}`)
	t.Setenv("ROCKETMOCK_FIXTURE", f3) // replaced by the flags
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--compat", "4.9",
		"--fixture", f1+","+f2, "--control-token", "tok")
	var out, errb syncBuf
	assert.Equal(t, run([]string{"healthcheck", "--control", r.control, "--control-token", "tok"}, &out, &errb, nil), 0, errb.String())
	assert.Equal(t, out.String(), "healthy\n")

	got := httpGet(t, "http://"+r.control+"/v1/groups", "tok")
	assert.Equal(t, got, `{"groups":[{"name":"A","producers":1},{"name":"B","producers":0}]}`)
}

func TestServeWithoutControl(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "")
	assert.Equal(t, r.control, "off")
}

func TestHealthcheck(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--control-token", "tok")
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	deadAddr := dead.Addr().String()
	dead.Close()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"control from env", nil, map[string]string{"ROCKETMOCK_CONTROL": r.control, "ROCKETMOCK_CONTROL_TOKEN": "tok"}, 0, ""},
		{"wrong token", []string{"--control", r.control, "--control-token", "nope"}, nil, 1, `unhealthy: control API at ` + r.control + `: status 401: wrong bearer token`},
		{"no control: probe the broker", []string{"--control", "", "--addr", r.addr}, nil, 0, ""},
		{"nothing listening", []string{"--control", deadAddr}, nil, 1, `unhealthy: Get "http://` + deadAddr + `/v1/health"`},
		{"broker not listening", []string{"--control", "", "--addr", deadAddr}, nil, 1, `unhealthy: dial tcp ` + deadAddr},
		{"bad flag", []string{"--timeout", "x"}, nil, 2, `invalid value "x" for flag -timeout`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out, errb syncBuf
			assert.Equal(t, run(append([]string{"healthcheck"}, tt.args...), &out, &errb, nil), tt.code, errb.String())
			assert.Assert(t, strings.Contains(errb.String(), tt.want), errb.String())
		})
	}
}

func TestDialable(t *testing.T) {
	for in, want := range map[string]string{
		"0.0.0.0:9877":   "127.0.0.1:9877",
		":9877":          "127.0.0.1:9877",
		"[::]:9877":      "[::1]:9877",
		"10.1.2.3:9877":  "10.1.2.3:9877",
		"localhost:9877": "localhost:9877",
	} {
		assert.Equal(t, dialable(in), want, in)
	}
}

// httpDo sends a control API request and returns status and body (final
// newline removed).
func httpDo(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	assert.NilError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	assert.NilError(t, err)
	return resp.StatusCode, strings.TrimSuffix(string(data), "\n")
}

func httpGet(t *testing.T, url, token string) string {
	t.Helper()
	status, body := httpDo(t, "GET", url, token, "")
	assert.Equal(t, status, 200, body)
	return body
}

func TestServeBeyondLoopbackWithToken(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "0.0.0.0:0", "--control-token", "tok")
	assert.Assert(t, strings.HasPrefix(r.control, "0.0.0.0:"), "the ready line shows the host as given: %s", r.control)
	status, _ := httpDo(t, "GET", "http://"+dialable(r.control)+"/v1/clock", "", "")
	assert.Equal(t, status, 401)
	status, _ = httpDo(t, "GET", "http://"+dialable(r.control)+"/v1/health", "", "")
	assert.Equal(t, status, 200, "liveness probes need no token")
}

// The control API serve starts bounds its connections and refuses
// requests naming a foreign host (issue 12, item 8).
func TestServeControlAPIIsBounded(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0")
	var held []net.Conn
	for range 64 {
		c, err := net.Dial("tcp", r.control)
		assert.NilError(t, err)
		defer c.Close()
		held = append(held, c)
	}
	c, err := net.Dial("tcp", r.control)
	assert.NilError(t, err)
	defer c.Close()
	assert.NilError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
	data, _ := io.ReadAll(c)
	assert.Assert(t, strings.HasPrefix(string(data), "HTTP/1.1 503 "), "%q", data)
	assert.Assert(t, strings.Contains(string(data), "too many control API connections (limit 64)"), "%q", data)
	for _, c := range held {
		c.Close()
	}
	var status int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if resp, err := http.Get("http://" + r.control + "/v1/health"); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
			if status == 200 {
				break
			}
		}
	}
	assert.Equal(t, status, 200, "served again once the idle connections went")

	req, err := http.NewRequest("POST", "http://"+r.control+"/v1/reset", nil)
	assert.NilError(t, err)
	req.Host = "rebound.example:9877"
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(t, err)
	resp.Body.Close()
	assert.Equal(t, resp.StatusCode, http.StatusForbidden)
}
