package testsuite

import (
	"context"
	"time"

	"github.com/rocketmock/rocketmock/controlapi"
)

// HTTPHooks drives a mock's hooks through its HTTP control API (`rocketmock
// serve --control`, or controlapi.NewHandler mounted anywhere), with a
// controlapi.Client. It implements Hooks and Clock, so a target reached by
// a control URL runs the same scenarios as a Go one.
type HTTPHooks struct {
	client *controlapi.Client
}

var (
	_ Hooks = (*HTTPHooks)(nil)
	_ Clock = (*HTTPHooks)(nil)
)

// NewHTTPHooks returns hooks for the control API at baseURL
// ("http://127.0.0.1:9877", or just "127.0.0.1:9877"). A non-empty token
// is sent as a bearer token (--control-token).
func NewHTTPHooks(baseURL, token string) *HTTPHooks {
	return &HTTPHooks{client: controlapi.NewClient(baseURL, token)}
}

// ControlHealth is the control API's health answer.
type ControlHealth = controlapi.Health

// Health asks whether the mock is up, and how it runs.
func (h *HTTPHooks) Health(ctx context.Context) (*ControlHealth, error) {
	return h.client.Health(ctx)
}

// CloseClient is POST /v1/clients/{clientId}/close.
func (h *HTTPHooks) CloseClient(clientID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return h.client.CloseClient(ctx, clientID)
}

// ExpireProducer is POST /v1/groups/{group}/producers/{clientId}/expire.
func (h *HTTPHooks) ExpireProducer(group, clientID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return h.client.ExpireProducer(ctx, group, clientID)
}

// WaitProducers is POST /v1/groups/{group}/wait, with the time ctx has
// left (10 s when it has no deadline).
func (h *HTTPHooks) WaitProducers(ctx context.Context, group string, n int) error {
	return h.client.WaitProducers(ctx, group, n)
}

// ExpireConsumer is POST
// /v1/consumer-groups/{group}/consumers/{clientId}/expire.
func (h *HTTPHooks) ExpireConsumer(group, clientID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return h.client.ExpireConsumer(ctx, group, clientID)
}

// WaitConsumers is POST /v1/consumer-groups/{group}/wait, with the time
// ctx has left (10 s when it has no deadline).
func (h *HTTPHooks) WaitConsumers(ctx context.Context, group string, n int) error {
	return h.client.WaitConsumers(ctx, group, n)
}

// TryAdvance is POST /v1/clock/advance; it fails on a mock that runs on
// real time.
func (h *HTTPHooks) TryAdvance(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	_, err := h.client.Advance(ctx, d)
	return err
}

// Advance is TryAdvance for the Clock interface, which has no error: it
// panics with the error (the suite turns a scenario's panic into its
// failure).
func (h *HTTPHooks) Advance(d time.Duration) {
	if err := h.TryAdvance(d); err != nil {
		panic(err)
	}
}
