package controlapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// AdvertiseRequest is the body of PUT /v1/advertise.
type AdvertiseRequest struct {
	// Addr is the "ip:port" clients reach the mock at, such as the
	// mapped host port of a container: "127.0.0.1:32771".
	Addr string `json:"addr"`
}

// advertiseRoutes are the endpoints of the advertised address.
func (h *Handler) advertiseRoutes() []route {
	return []route{{"PUT /v1/advertise", h.putAdvertise}}
}

// putAdvertise changes the address routes and message ids name
// (SetAdvertise) and answers as GET /v1/health does.
func (h *Handler) putAdvertise(r *http.Request) (int, any, error) {
	const example = `{"addr": "127.0.0.1:32771"}`
	var req AdvertiseRequest
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, err
	}
	if err := h.b.SetAdvertise(req.Addr); err != nil {
		if errors.Is(err, mockbroker.ErrInvalidAddress) {
			return 0, nil, requestErr(http.StatusBadRequest, "addr %q: want the ip:port clients reach (an IP address, not a name, and a port from 1 to 65535): want JSON such as %s", req.Addr, example)
		}
		return 0, nil, err
	}
	return h.health(r)
}

// SetAdvertise changes the "ip:port" the mock's routes and message ids
// name (PUT /v1/advertise), such as a container's mapped host port, and
// returns the health that follows. An address that is not ip:port is a
// 400 that matches mockbroker.ErrInvalidAddress.
func (c *Client) SetAdvertise(ctx context.Context, addr string) (*Health, error) {
	return doNew[Health](ctx, c, http.MethodPut, "/v1/advertise", AdvertiseRequest{Addr: addr},
		kinds{http.StatusBadRequest: mockbroker.ErrInvalidAddress})
}
