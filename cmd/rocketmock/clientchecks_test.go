package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// A client that registers and closes without UNREGISTER_CLIENT shows up in
// the report, over HTTP while serve runs and on stdout at shutdown.
func TestServeClientChecks(t *testing.T) {
	var out, errb syncBuf
	stop := make(chan struct{})
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--client-checks"}, &out, &errb, stop)
	}()
	var r ready
	for deadline := time.Now().Add(5 * time.Second); r.addr == "" && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if m := readyLine.FindStringSubmatch(out.String()); m != nil {
			r = ready{m[1], m[2], m[3]}
		}
	}
	assert.Assert(t, r.addr != "", "no ready line: %s", errb.String())

	c, err := net.Dial("tcp", r.addr)
	assert.NilError(t, err)
	hb := protocol.HeartbeatData{ClientID: "careless@1", ProducerDataSet: []protocol.ProducerData{{GroupName: "PG"}}}
	frame, err := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.Marshal()).Encode()
	assert.NilError(t, err)
	_, err = c.Write(frame)
	assert.NilError(t, err)
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = c.Read(make([]byte, 512))
	assert.NilError(t, err)
	c.Close()

	var report struct {
		Findings []struct{ Check, ClientID string }
	}
	for deadline := time.Now().Add(3 * time.Second); len(report.Findings) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get("http://" + r.control + "/v1/clients/report")
		assert.NilError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, resp.StatusCode, http.StatusOK, string(body))
		assert.NilError(t, json.Unmarshal(body, &report), string(body))
	}
	assert.Assert(t, len(report.Findings) > 0, "no finding reported")
	assert.Equal(t, report.Findings[0].Check, "close-without-unregister")
	assert.Equal(t, report.Findings[0].ClientID, "careless@1")

	close(stop)
	assert.Equal(t, <-done, 0)
	assert.Assert(t, strings.Contains(out.String(), "client checks:"), out.String())
	assert.Assert(t, strings.Contains(out.String(), "close-without-unregister"), out.String())
}

func TestClientReportNeedsTheFlag(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0")
	resp, err := http.Get("http://" + r.control + "/v1/clients/report")
	assert.NilError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, resp.StatusCode, http.StatusNotFound)
	assert.Assert(t, strings.Contains(string(body), "start rocketmock serve with --client-checks"), string(body))
}
