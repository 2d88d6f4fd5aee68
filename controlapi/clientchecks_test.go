package controlapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/clientcheck"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func TestClientChecksReportOn(t *testing.T) {
	ctx := t.Context()
	w := clientcheck.NewWatch()
	b := mockbroker.Start(t, w.Option())
	w.Watch(b)
	c := newClient(t, b, ClientChecks(w))

	// A Go-style producer reuses an opaque and closes without unregistering.
	p := testclient.Dial(t, b.Addr())
	hb := testclient.Heartbeat("10.0.0.1@go", protocol.Go, 317, "PG_a")
	p.Call(hb)
	again := testclient.Heartbeat("10.0.0.1@go", protocol.Go, 317, "PG_a")
	again.Opaque = hb.Opaque
	b1, err := again.Encode()
	assert.NilError(t, err)
	_, err = p.Write(b1)
	assert.NilError(t, err)
	p.Read()
	assert.NilError(t, b.WaitProducers(ctx, "PG_a", 1))
	p.Close()

	var got *ClientReport
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err = c.ClientReport(ctx)
		assert.NilError(t, err)
		if len(got.Findings) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, got.Connections, 1)
	assert.Equal(t, got.Requests, 2)
	checks := map[string]ClientFinding{}
	for _, f := range got.Findings {
		checks[f.Check] = f
	}
	assert.Equal(t, len(got.Findings), 2, "%+v", got.Findings)
	dup := checks[clientcheck.CheckDuplicateOpaque]
	assert.Equal(t, dup.ClientID, "10.0.0.1@go")
	assert.Equal(t, dup.Conn, p.LocalAddr())
	_, err = time.Parse(time.RFC3339Nano, dup.Time)
	assert.NilError(t, err)
	assert.Equal(t, checks[clientcheck.CheckCloseWithoutUnregister].Detail,
		"closed its connection while registered in producer group PG_a, without UNREGISTER_CLIENT")

	// GET only, answered in JSON.
	a := newAPI(t, b, ClientChecks(w))
	status, body := a.do(http.MethodPost, "/v1/clients/report", "")
	assert.Equal(t, status, http.StatusMethodNotAllowed, body)
}

func TestClientChecksReportOff(t *testing.T) {
	ctx := t.Context()
	b := mockbroker.Start(t)
	// Checks off (serve without --client-checks): the endpoint says how to turn them on.
	_, err := newClient(t, b, ClientChecks(nil)).ClientReport(ctx)
	e := apiError(t, err, http.StatusNotFound)
	assert.Equal(t, e.Message, "client checks are off: start rocketmock serve with --client-checks")
	// A handler without the option has no such endpoint.
	_, err = newClient(t, b).ClientReport(ctx)
	e = apiError(t, err, http.StatusNotFound)
	assert.Equal(t, e.Message, "no endpoint GET /v1/clients/report (the API is under /v1/)")
}
