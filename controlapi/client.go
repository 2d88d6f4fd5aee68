package controlapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// Client calls the control API of a running mock, one method per endpoint.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewClient returns a client of the control API at baseURL
// ("http://127.0.0.1:9877", or just "127.0.0.1:9877"). A non-empty token
// is sent as a bearer token (--control-token).
func NewClient(baseURL, token string) *Client {
	if !strings.Contains(baseURL, "://") {
		baseURL = "http://" + baseURL
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: &http.Client{}}
}

// Error is an answer with a 4xx or 5xx status. Where the status implies
// one of mockbroker's sentinel errors for the endpoint called (503:
// ErrClosed; 404 on CloseClient: ErrUnknownClient; 409 on Advance:
// ErrRealClock; ...) or a timed-out wait (408: context.DeadlineExceeded),
// errors.Is matches it.
type Error struct {
	Method  string
	Path    string
	Status  int
	Message string // the answer's "error", or the start of a body that is not JSON
	kind    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("control API %s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Message)
}

// Unwrap returns the sentinel the status implies, or nil.
func (e *Error) Unwrap() error { return e.kind }

// kinds maps an endpoint's statuses to the sentinel each implies.
type kinds map[int]error

// Health asks whether the mock is up, and how it runs.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	return doNew[Health](ctx, c, http.MethodGet, "/v1/health", nil, nil)
}

// Clock returns the broker's clock.
func (c *Client) Clock(ctx context.Context) (*Clock, error) {
	return doNew[Clock](ctx, c, http.MethodGet, "/v1/clock", nil, nil)
}

// Advance moves the virtual clock by d; on a broker on real time the error
// matches mockbroker.ErrRealClock.
func (c *Client) Advance(ctx context.Context, d time.Duration) (*Clock, error) {
	s := d.String()
	return doNew[Clock](ctx, c, http.MethodPost, "/v1/clock/advance", AdvanceRequest{Duration: &s},
		kinds{http.StatusConflict: mockbroker.ErrRealClock})
}

// Groups lists the producer groups with their producer counts.
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	var out GroupList
	if err := c.do(ctx, http.MethodGet, "/v1/groups", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Groups, nil
}

// Producers lists a group's producers; for an unknown group the error
// matches mockbroker.ErrUnknownGroup.
func (c *Client) Producers(ctx context.Context, group string) ([]Producer, error) {
	var out ProducerList
	if err := c.do(ctx, http.MethodGet, "/v1/groups/"+url.PathEscape(group)+"/producers", nil, &out,
		kinds{http.StatusNotFound: mockbroker.ErrUnknownGroup}); err != nil {
		return nil, err
	}
	return out.Producers, nil
}

// WaitProducers waits until the group has exactly n producers, for the
// time ctx has left (10 s when it has no deadline); when that runs out the
// error matches context.DeadlineExceeded.
func (c *Client) WaitProducers(ctx context.Context, group string, n int) error {
	return c.do(ctx, http.MethodPost, "/v1/groups/"+url.PathEscape(group)+"/wait", waitBody(ctx, n), &ProducersWaited{}, nil)
}

// ExpireProducer drops the client's registration in the group now; the
// error matches mockbroker.ErrUnknownProducer when there is none.
func (c *Client) ExpireProducer(ctx context.Context, group, clientID string) error {
	return c.do(ctx, http.MethodPost, "/v1/groups/"+url.PathEscape(group)+"/producers/"+url.PathEscape(clientID)+"/expire", nil,
		&ProducerExpired{}, kinds{http.StatusNotFound: mockbroker.ErrUnknownProducer})
}

// CloseClient has the broker close the client's connections (the close
// completes asynchronously); the error matches mockbroker.ErrUnknownClient
// for a client id no connection registered.
func (c *Client) CloseClient(ctx context.Context, clientID string) error {
	return c.do(ctx, http.MethodPost, "/v1/clients/"+url.PathEscape(clientID)+"/close", nil, &ClientClosing{},
		kinds{http.StatusNotFound: mockbroker.ErrUnknownClient})
}

// Scan runs the expiry scan now and returns how many registrations it dropped.
func (c *Client) Scan(ctx context.Context) (int, error) {
	var out ScanResult
	if err := c.do(ctx, http.MethodPost, "/v1/scan", nil, &out, nil); err != nil {
		return 0, err
	}
	return out.Expired, nil
}

// LoadFixture loads a state fixture (its JSON form); the error matches
// mockbroker.ErrInvalidFixture or mockbroker.ErrFixtureConflict.
func (c *Client) LoadFixture(ctx context.Context, fixture []byte) (*FixtureLoaded, error) {
	return doNew[FixtureLoaded](ctx, c, http.MethodPost, "/v1/fixtures", json.RawMessage(fixture),
		kinds{http.StatusBadRequest: mockbroker.ErrInvalidFixture, http.StatusConflict: mockbroker.ErrFixtureConflict})
}

// Reset brings the broker back to the state of a fresh start (Broker.Reset)
// and removes the faults added through the API.
func (c *Client) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/reset", nil, &ResetDone{}, nil)
}

// Messages lists the kept messages of topic (every topic when empty), the
// last limit of them when limit > 0.
func (c *Client) Messages(ctx context.Context, topic string, limit int) (*MessageList, error) {
	path := "/v1/messages"
	if topic != "" {
		path = "/v1/topics/" + url.PathEscape(topic) + "/messages"
	}
	if limit > 0 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	return doNew[MessageList](ctx, c, http.MethodGet, path, nil, nil)
}

// WaitMessages waits until at least n messages of the topic have been
// accepted, for the time ctx has left (10 s when it has no deadline).
func (c *Client) WaitMessages(ctx context.Context, topic string, n int) (*MessageList, error) {
	return doNew[MessageList](ctx, c, http.MethodPost, "/v1/topics/"+url.PathEscape(topic)+"/messages/wait", waitBody(ctx, n), nil)
}

// ClearMessages forgets the kept messages.
func (c *Client) ClearMessages(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/messages", nil, &Cleared{}, nil)
}

// SendCountFilter narrows SendCounts; empty fields match everything.
type SendCountFilter struct {
	Topic    string
	ClientID string
	Group    string
}

// SendCounts lists how many messages each producer connection sent to each
// queue.
func (c *Client) SendCounts(ctx context.Context, f SendCountFilter) ([]SendCount, error) {
	q := url.Values{}
	for k, v := range map[string]string{"topic": f.Topic, "clientId": f.ClientID, "group": f.Group} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var out SendCountList
	if err := c.do(ctx, http.MethodGet, withQuery("/v1/send-counts", q), nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Counts, nil
}

// Transactions lists the kept END_TRANSACTION requests.
func (c *Client) Transactions(ctx context.Context) ([]EndTransaction, error) {
	var out EndTransactionList
	if err := c.do(ctx, http.MethodGet, "/v1/transactions", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.EndTransactions, nil
}

// CheckTransaction sends CHECK_TRANSACTION_STATE for the kept message
// msgID (UNIQ_KEY or offset msg id) to a producer of the group, and with
// wait > 0 waits that long for its END_TRANSACTION. The error matches
// mockbroker.ErrUnknownMessage or mockbroker.ErrNoProducer.
func (c *Client) CheckTransaction(ctx context.Context, group, msgID string, wait time.Duration) (*TransactionCheck, error) {
	req := CheckTransactionRequest{MsgID: msgID}
	if wait > 0 {
		ms := max(wait.Milliseconds(), 1)
		req.WaitMs = &ms
	}
	return doNew[TransactionCheck](ctx, c, http.MethodPost, "/v1/groups/"+url.PathEscape(group)+"/check-transaction", req,
		kinds{http.StatusNotFound: mockbroker.ErrUnknownMessage, http.StatusConflict: mockbroker.ErrNoProducer})
}

// Journal lists the kept journal entries after sequence number since, the
// last limit of them when limit > 0.
func (c *Client) Journal(ctx context.Context, since uint64, limit int) (*Journal, error) {
	q := url.Values{}
	if since > 0 {
		q.Set("since", strconv.FormatUint(since, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return doNew[Journal](ctx, c, http.MethodGet, withQuery("/v1/journal", q), nil, nil)
}

// ClearJournal forgets the kept journal entries.
func (c *Client) ClearJournal(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/journal", nil, &Cleared{}, nil)
}

// AddFault registers a fault and returns it with its id.
func (c *Client) AddFault(ctx context.Context, spec FaultSpec) (*Fault, error) {
	return doNew[Fault](ctx, c, http.MethodPost, "/v1/faults", spec, nil)
}

// Faults lists the faults added through the API.
func (c *Client) Faults(ctx context.Context) ([]Fault, error) {
	var out FaultList
	if err := c.do(ctx, http.MethodGet, "/v1/faults", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Faults, nil
}

// RemoveFault removes the fault with the id AddFault answered.
func (c *Client) RemoveFault(ctx context.Context, id int) (*Fault, error) {
	return doNew[Fault](ctx, c, http.MethodDelete, "/v1/faults/"+strconv.Itoa(id), nil, nil)
}

// ClearFaults removes every interception, also those made in Go.
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/faults", nil, &Cleared{}, nil)
}

// ClientReport returns what the client checks found (rocketmock serve
// --client-checks; 404 without).
func (c *Client) ClientReport(ctx context.Context) (*ClientReport, error) {
	return doNew[ClientReport](ctx, c, http.MethodGet, "/v1/clients/report", nil, nil)
}

// waitBody is a wait request for n, bounded by the time ctx has left.
func waitBody(ctx context.Context, n int) WaitRequest {
	timeout := defaultWaitTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	ms := min(timeout, maxWaitTimeout).Milliseconds()
	return WaitRequest{Count: &n, TimeoutMs: &ms}
}

// doNew is do with the answer decoded into a new T.
func doNew[T any](ctx context.Context, c *Client, method, path string, in any, k kinds) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, in, &out, k); err != nil {
		return nil, err
	}
	return &out, nil
}

// newRequest is a request to the API, with the token when there is one.
func (c *Client) newRequest(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("control API %s %s: %w", method, path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// answerError reads an answer that is not a success into *Error, with the
// sentinel its status implies (k, then the ones of every endpoint).
func answerError(method, path string, resp *http.Response, k kinds) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("control API %s %s: %s: reading the answer: %w", method, path, resp.Status, err)
	}
	e := &Error{Method: method, Path: path, Status: resp.StatusCode, kind: k[resp.StatusCode]}
	switch resp.StatusCode {
	case http.StatusServiceUnavailable:
		e.kind = mockbroker.ErrClosed
	case http.StatusRequestTimeout:
		e.kind = context.DeadlineExceeded
	}
	var eb ErrorBody
	if json.Unmarshal(data, &eb) == nil && eb.Error != "" {
		e.Message = eb.Error
	} else {
		e.Message = fmt.Sprintf("%.200s", data)
	}
	return e
}

// withQuery appends q to path, when it has any.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// do sends one request with a JSON body (if in is not nil) and decodes a
// 2xx answer into out; other statuses become *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any, k kinds) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("control API %s %s: encoding the request: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return answerError(method, path, resp, k)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("control API %s %s: reading the answer: %w", method, path, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("control API %s %s: answer %.200q: %w", method, path, data, err)
	}
	return nil
}
