package main

import (
	"bufio"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// buildBinary builds the rocketmock binary into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the binary:", err)
	}
	bin := filepath.Join(t.TempDir(), "rocketmock")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	assert.NilError(t, err, "go build: %s", out)
	return bin
}

// process is a running rocketmock binary.
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *syncBuf
	ready  ready
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// startBinary starts `rocketmock serve args...` and waits for its ready line.
func startBinary(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{t: t, cmd: exec.Command(bin, append([]string{"serve"}, args...)...), stderr: &syncBuf{}, exited: make(chan struct{})}
	p.cmd.Env = []string{} // no ROCKETMOCK_* from the test's environment
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	assert.NilError(t, err)
	assert.NilError(t, p.cmd.Start())
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case line := <-lines:
		m := readyLine.FindStringSubmatch(line)
		assert.Assert(t, m != nil, "first line is not the ready line: %q; stderr: %s", line, p.stderr.String())
		p.ready = ready{m[1], m[2], m[3]}
	case <-p.exited:
		t.Fatalf("rocketmock exited before it was ready (%v): %s", p.err, p.stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("no ready line within 10 s; stderr: %s", p.stderr.String())
	}
	return p
}

// wire is the shared raw remoting test client with this test's steps.
type wire struct {
	*testclient.Client
	t *testing.T
}

func dialWire(t *testing.T, addr string) *wire {
	t.Helper()
	return &wire{testclient.Dial(t, addr), t}
}

// closedByBroker waits for EOF (or reset) on the connection.
func (w *wire) closedByBroker() {
	w.t.Helper()
	_, err := w.TryRead(3 * time.Second)
	assert.Assert(w.t, err != nil && !testclient.IsTimeout(err), "want the broker to close the connection, got %v", err)
}

func (w *wire) heartbeat(clientID string, groups ...string) {
	w.t.Helper()
	resp := w.Call(testclient.Heartbeat(clientID, protocol.Java, protocol.V5_3_3, groups...))
	assert.Equal(w.t, resp.ResponseCode(), protocol.Success, resp.Remark)
}

// connections asks GET_PRODUCER_CONNECTION_LIST (204) for a group.
func (w *wire) connections(group string) []protocol.Connection {
	w.t.Helper()
	resp := w.Call(protocol.NewRequest(protocol.GetProducerConnectionList, map[string]string{"producerGroup": group}, nil))
	assert.Equal(w.t, resp.ResponseCode(), protocol.Success, resp.Remark)
	pc, err := protocol.DecodeProducerConnection(resp.Body)
	assert.NilError(w.t, err)
	return pc.ConnectionSet
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)

	t.Run("serve, steer over HTTP, stop on SIGTERM", func(t *testing.T) {
		const token = "e2e-token"
		p := startBinary(t, bin, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--control-token", token,
			"--virtual-clock", "2023-11-14T22:13:20Z", "--fixture", "../../fixtures/state/orders.json", "--log-level", "debug")
		base := "http://" + p.ready.control
		api := func(method, path, body string) (int, string) {
			t.Helper()
			return httpDo(t, method, base+path, token, body)
		}
		status, _ := httpDo(t, "GET", base+"/v1/clock", "", "")
		assert.Equal(t, status, 401, "the token is demanded")
		status, _ = httpDo(t, "GET", base+"/v1/health", "", "")
		assert.Equal(t, status, 200, "liveness probes need no token")
		status, body := api("GET", "/v1/health", "")
		assert.Equal(t, status, 200, body)

		// The fixture loaded at start answers 204 over the wire.
		admin := dialWire(t, p.ready.addr)
		want := []protocol.Connection{
			{ClientID: "10.0.0.5@12345", ClientAddr: "10.0.0.5:50001", Language: protocol.Java, Version: 409},
			{ClientID: "10.0.0.6@DEFAULT", ClientAddr: "10.0.0.6:50002", Language: protocol.Go, Version: 317},
		}
		got := admin.connections("PG_orders")
		assert.Assert(t, cmp.Diff(want, got) == "", cmp.Diff(want, got))

		// Close a real client through the API.
		a := dialWire(t, p.ready.addr)
		a.heartbeat("127.0.0.1@a", "PG_e2e")
		status, body = api("GET", "/v1/groups/PG_e2e/producers", "")
		assert.Equal(t, status, 200, body)
		assert.Assert(t, strings.Contains(body, `"clientId":"127.0.0.1@a","addr":"`+a.LocalAddr()+`"`), body)
		status, body = api("POST", "/v1/clients/127.0.0.1@a/close", "")
		assert.Equal(t, status, 202, body)
		a.closedByBroker()
		status, body = api("POST", "/v1/groups/PG_e2e/wait", `{"count":0,"timeoutMs":5000}`)
		assert.Equal(t, status, 200, body)

		// Advance the virtual clock: the scans expire the silent producer
		// (real and virtual alike) and close its connection.
		z := dialWire(t, p.ready.addr)
		z.heartbeat("127.0.0.1@z", "PG_e2e")
		status, body = api("POST", "/v1/clock/advance", `{"seconds":121}`)
		assert.Equal(t, status, 200, body)
		assert.Equal(t, body, `{"now":"2023-11-14T22:15:21.000Z","nowMs":1700000121000,"virtualClock":true}`)
		// The scan at +120 s saw exactly 120 s of silence (kept); the one at +130 s drops it.
		status, body = api("GET", "/v1/groups/PG_e2e/producers", "")
		assert.Equal(t, status, 200, body)
		assert.Assert(t, strings.Contains(body, `"ageMs":121000`), body)
		status, body = api("POST", "/v1/clock/advance", `{"duration":"9s"}`)
		assert.Equal(t, status, 200, body)
		z.closedByBroker()
		status, body = api("GET", "/v1/groups", "")
		assert.Equal(t, status, 200, body)
		assert.Equal(t, body, `{"groups":[]}`)

		// Load a fixture through the API and read it with 204 and 328. The
		// admin connection sat idle through the 130 s jump, so the broker
		// closed it, as a real one does after 120 s: connect again.
		admin.closedByBroker()
		admin = dialWire(t, p.ready.addr)
		fixture, err := os.ReadFile("../../fixtures/state/shared-connection.json")
		assert.NilError(t, err)
		status, body = api("POST", "/v1/fixtures", string(fixture))
		assert.Equal(t, status, 200, body)
		assert.Equal(t, body, `{"groups":3,"producers":2}`)
		got = admin.connections("PG_payments")
		want = []protocol.Connection{{ClientID: "10.0.1.1@9001", ClientAddr: "10.0.1.1:41001", Language: protocol.Java, Version: int32(protocol.V5_3_3)}}
		assert.Assert(t, cmp.Diff(want, got) == "", cmp.Diff(want, got))
		resp := admin.Call(protocol.NewRequest(protocol.GetAllProducerInfo, map[string]string{}, nil))
		assert.Equal(t, resp.ResponseCode(), protocol.Success)
		table, err := protocol.DecodeProducerTableInfo(resp.Body)
		assert.NilError(t, err)
		now := int64(1_700_000_130_000)
		wantTable := map[string][]protocol.ProducerInfo{
			"PG_payments":           {{ClientID: "10.0.1.1@9001", RemoteIP: "/10.0.1.1:41001", Language: protocol.Java, Version: 479, LastUpdateTimestamp: now - 1000}},
			"CLIENT_INNER_PRODUCER": {{ClientID: "10.0.1.1@9001", RemoteIP: "/10.0.1.1:41001", Language: protocol.Java, Version: 479, LastUpdateTimestamp: now - 1000}},
			"PG_refunds":            {{ClientID: "10.0.1.2@9002", RemoteIP: "/10.0.1.2:41002", Language: protocol.CPP, Version: int32(protocol.V4_9_4), LastUpdateTimestamp: now}},
		}
		assert.Assert(t, cmp.Diff(wantTable, table.Data) == "", cmp.Diff(wantTable, table.Data))

		// A fault through the API, then a recorded message.
		status, body = api("POST", "/v1/faults", `{"code":"SEND_MESSAGE","fault":"respond","responseCode":"SYSTEM_BUSY","remark":"busy","times":1}`)
		assert.Equal(t, status, 201, body)
		send := protocol.NewRequest(protocol.SendMessage, map[string]string{
			"producerGroup": "PG_e2e", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4", "queueId": "2",
			"sysFlag": "0", "bornTimestamp": "1700000000000", "flag": "0", "properties": "UNIQ_KEY\x01E2E\x02",
			"reconsumeTimes": "0", "unitMode": "false", "batch": "false"}, []byte("hello"))
		resp = admin.Call(send)
		assert.Equal(t, resp.ResponseCode(), protocol.SystemBusy)
		assert.Equal(t, resp.Remark, "busy")
		resp = admin.Call(send)
		assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
		status, body = api("GET", "/v1/topics/T/messages", "")
		assert.Equal(t, status, 200, body)
		assert.Assert(t, strings.Contains(body, `"queueId":2,"queueOffset":0,`) && strings.Contains(body, `"msgId":"E2E"`) &&
			strings.Contains(body, `"body":"hello"`), body)

		// Reset is a restart: every connection closes, the state empties.
		status, body = api("POST", "/v1/reset", "")
		assert.Equal(t, status, 200, body)
		admin.closedByBroker()
		status, body = api("GET", "/v1/groups", "")
		assert.Equal(t, status, 200, body)
		assert.Equal(t, body, `{"groups":[]}`)

		// A wait in progress must not hold the shutdown up.
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = httpDoNoAssert("POST", base+"/v1/groups/never/wait", token, `{"count":1,"timeoutMs":60000}`)
		}()
		time.Sleep(50 * time.Millisecond)

		start := time.Now()
		assert.NilError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		select {
		case <-p.exited:
		case <-time.After(time.Second):
			t.Fatalf("still running 1 s after SIGTERM; stderr: %s", p.stderr.String())
		}
		assert.NilError(t, p.err, "exit status; stderr: %s", p.stderr.String())
		t.Logf("stopped %v after SIGTERM", time.Since(start))
		assert.Assert(t, strings.Contains(p.stderr.String(), `msg=stopping signal=terminated`), p.stderr.String())
		wg.Wait()
	})

	t.Run("refuses to start", func(t *testing.T) {
		tests := []struct {
			args []string
			env  []string
			want string
		}{
			{[]string{"--control", "0.0.0.0:0"}, nil, "--control 0.0.0.0:0 listens beyond loopback: set --control-token"},
			{nil, []string{"ROCKETMOCK_CONTROL=0.0.0.0:0"}, "--control 0.0.0.0:0 listens beyond loopback"},
			{[]string{"--fixture", "../../fixtures/state/nope.json"}, nil, "--fixture: reading fixture: open ../../fixtures/state/nope.json: no such file or directory"},
		}
		for _, tt := range tests {
			cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0"}, tt.args...)...)
			if tt.args == nil {
				cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
			}
			cmd.Env = tt.env
			var stdout, stderr syncBuf
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			assert.Assert(t, errors.As(err, &ee), "%v", err)
			assert.Equal(t, ee.ExitCode(), 2)
			assert.Assert(t, strings.Contains(stderr.String(), tt.want), stderr.String())
			assert.Equal(t, stdout.String(), "")
		}
	})
}

// httpDoNoAssert is httpDo for goroutines other than the test's.
func httpDoNoAssert(method, url, token, body string) (int, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
