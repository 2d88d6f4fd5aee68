package testsuite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HTTPHooks drives a mock's hooks through its HTTP control API (`rocketmock
// serve --control`, or Broker.ControlHandler mounted anywhere). It
// implements Hooks and Clock, so a target reached by a control URL runs the
// same scenarios as a Go one.
type HTTPHooks struct {
	base   string
	token  string
	client *http.Client
}

var (
	_ Hooks = (*HTTPHooks)(nil)
	_ Clock = (*HTTPHooks)(nil)
)

// NewHTTPHooks returns hooks for the control API at baseURL
// ("http://127.0.0.1:9877", or just "127.0.0.1:9877"). A non-empty token
// is sent as a bearer token (--control-token).
func NewHTTPHooks(baseURL, token string) *HTTPHooks {
	if !strings.Contains(baseURL, "://") {
		baseURL = "http://" + baseURL
	}
	return &HTTPHooks{base: strings.TrimRight(baseURL, "/"), token: token, client: &http.Client{}}
}

// ControlHealth is the control API's health answer.
type ControlHealth struct {
	Status       string `json:"status"`
	Addr         string `json:"addr"`      // the mock's listen address
	Advertise    string `json:"advertise"` // the address its routes name
	Compat       string `json:"compat"`    // "5" or "4.9"
	VirtualClock bool   `json:"virtualClock"`
	Now          string `json:"now"`
}

// Health asks whether the mock is up, and how it runs.
func (h *HTTPHooks) Health(ctx context.Context) (*ControlHealth, error) {
	var out ControlHealth
	if err := h.do(ctx, http.MethodGet, "/v1/health", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CloseClient is POST /v1/clients/{clientId}/close.
func (h *HTTPHooks) CloseClient(clientID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return h.do(ctx, http.MethodPost, "/v1/clients/"+url.PathEscape(clientID)+"/close", nil, nil)
}

// ExpireProducer is POST /v1/groups/{group}/producers/{clientId}/expire.
func (h *HTTPHooks) ExpireProducer(group, clientID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return h.do(ctx, http.MethodPost, "/v1/groups/"+url.PathEscape(group)+"/producers/"+url.PathEscape(clientID)+"/expire", nil, nil)
}

// WaitProducers is POST /v1/groups/{group}/wait, with the time ctx has
// left (10 s when it has no deadline).
func (h *HTTPHooks) WaitProducers(ctx context.Context, group string, n int) error {
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	body := map[string]any{"count": n, "timeoutMs": timeout.Milliseconds()}
	return h.do(ctx, http.MethodPost, "/v1/groups/"+url.PathEscape(group)+"/wait", body, nil)
}

// TryAdvance is POST /v1/clock/advance; it fails on a mock that runs on
// real time.
func (h *HTTPHooks) TryAdvance(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return h.do(ctx, http.MethodPost, "/v1/clock/advance", map[string]string{"duration": d.String()}, nil)
}

// Advance is TryAdvance for the Clock interface, which has no error: it
// panics with the error (the suite turns a scenario's panic into its
// failure).
func (h *HTTPHooks) Advance(d time.Duration) {
	if err := h.TryAdvance(d); err != nil {
		panic(err)
	}
}

// do sends one request with a JSON body (if in is not nil) and decodes a
// 2xx answer into out (if not nil); other statuses become errors carrying
// the API's message.
func (h *HTTPHooks) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, body)
	if err != nil {
		return fmt.Errorf("control API %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("control API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("control API %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("control API %s %s: %s: %s", method, path, resp.Status, e.Error)
		}
		return fmt.Errorf("control API %s %s: %s: %.200s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("control API %s %s: answer %.200q: %w", method, path, data, err)
		}
	}
	return nil
}
