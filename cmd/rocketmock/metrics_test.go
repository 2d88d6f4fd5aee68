package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// GET /metrics carries client ids only with --metrics-client-ids, or its
// variable.
func TestServeMetricsClientIDs(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  string
		want bool
	}{
		{"default", nil, "", false},
		{"flag", []string{"--metrics-client-ids"}, "", true},
		{"env", nil, "true", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("ROCKETMOCK_METRICS_CLIENT_IDS", tt.env)
			}
			r := startServe(t, append([]string{"--addr", "127.0.0.1:0", "--control", "127.0.0.1:0"}, tt.args...)...)
			c, err := net.Dial("tcp", r.addr)
			assert.NilError(t, err)
			defer c.Close()
			hb := protocol.HeartbeatData{ClientID: "metered@1", ProducerDataSet: []protocol.ProducerData{{GroupName: "PG_metrics"}}}
			frame, err := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.Marshal()).Encode()
			assert.NilError(t, err)
			_, err = c.Write(frame)
			assert.NilError(t, err)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err = c.Read(make([]byte, 512))
			assert.NilError(t, err)

			resp, err := http.Get("http://" + r.control + "/metrics")
			assert.NilError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, resp.StatusCode, http.StatusOK, string(body))
			assert.Assert(t, strings.Contains(string(body), `rocketmock_producers{group="PG_metrics"} 1`), string(body))
			assert.Equal(t, strings.Contains(string(body), `client_id="metered@1"`), tt.want, string(body))
		})
	}
}
