package controlapi

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/mockbroker"
)

func TestSetAdvertise(t *testing.T) {
	ctx := t.Context()
	b := mockbroker.Start(t)
	c := newClient(t, b)
	h, err := c.SetAdvertise(ctx, "127.0.0.1:32771")
	assert.NilError(t, err)
	assert.Equal(t, h.Advertise, "127.0.0.1:32771")
	assert.Equal(t, h.Addr, b.Addr())
	assert.Equal(t, b.AdvertisedAddr(), "127.0.0.1:32771")

	_, err = c.SetAdvertise(ctx, "rocketmock:9876")
	e := apiError(t, err, http.StatusBadRequest)
	assert.Assert(t, errors.Is(err, mockbroker.ErrInvalidAddress))
	assert.Equal(t, e.Message, `addr "rocketmock:9876": want the ip:port clients reach (an IP address, not a name, and a port from 1 to 65535): want JSON such as {"addr": "127.0.0.1:32771"}`)
	assert.Equal(t, b.AdvertisedAddr(), "127.0.0.1:32771", "a refused address changes nothing")
}

// TestPutAdvertiseWire is the call other languages make (README): the
// body and the answer as JSON.
func TestPutAdvertiseWire(t *testing.T) {
	b := mockbroker.Start(t)
	srv := newClient(t, b).base
	for _, tc := range []struct{ body, status, answer string }{
		{`{"addr":"10.0.0.7:9876"}`, "200 OK", `"advertise":"10.0.0.7:9876"`},
		{`{"addr":"10.0.0.7:0"}`, "400 Bad Request", `{"error":"addr \"10.0.0.7:0\": want the ip:port`},
		{``, "400 Bad Request", `{"error":"`},
		{`{"address":"10.0.0.7:9876"}`, "400 Bad Request", `address`},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, srv+"/v1/advertise", strings.NewReader(tc.body))
		assert.NilError(t, err)
		resp, err := http.DefaultClient.Do(req)
		assert.NilError(t, err)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, resp.Status, tc.status, "%s: %s", tc.body, data)
		assert.Assert(t, strings.Contains(string(data), tc.answer), "%s: %s", tc.body, data)
	}
	assert.Equal(t, b.AdvertisedAddr(), "10.0.0.7:9876")
}
