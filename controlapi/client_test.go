package controlapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// newClient serves b's control API and returns a client of it.
func newClient(t *testing.T, b *mockbroker.Broker, opts ...Option) *Client {
	srv := httptest.NewServer(NewHandler(b, opts...))
	t.Cleanup(srv.Close)
	return NewClient(srv.URL, "")
}

// apiError checks that err is an *Error with the status and returns it.
func apiError(t *testing.T, err error, status int) *Error {
	t.Helper()
	var e *Error
	assert.Assert(t, errors.As(err, &e), "want *controlapi.Error, got %T: %v", err, err)
	assert.Equal(t, e.Status, status, e.Error())
	return e
}

func TestClientHealthClockAdvance(t *testing.T) {
	ctx := t.Context()
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart), mockbroker.WithRelease(protocol.Release498))
	c := newClient(t, b, Version("v1.2.3"))
	h, err := c.Health(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, *h, Health{Status: "ok", Addr: b.Addr(), Advertise: b.AdvertisedAddr(), Compat: "4.9",
		VirtualClock: true, Now: "2023-11-14T22:13:20.123Z", Version: "v1.2.3", ExpiryMs: 120000, ScanIntervalMs: 10000})
	clock, err := c.Clock(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, *clock, Clock{Now: "2023-11-14T22:13:20.123Z", NowMs: 1700000000123, VirtualClock: true})
	clock, err = c.Advance(ctx, 1500*time.Millisecond)
	assert.NilError(t, err)
	assert.Equal(t, clock.NowMs, int64(1700000001623))
	assert.Equal(t, b.Now(), apiStart.Add(1500*time.Millisecond))

	b.Close()
	_, err = c.Health(ctx)
	e := apiError(t, err, http.StatusServiceUnavailable)
	assert.Equal(t, e.Message, "the broker is closed")
	assert.Assert(t, errors.Is(err, mockbroker.ErrClosed))

	_, err = newClient(t, mockbroker.Start(t)).Advance(ctx, time.Second)
	apiError(t, err, http.StatusConflict)
	assert.Assert(t, errors.Is(err, mockbroker.ErrRealClock))
	assert.ErrorContains(t, err, "control API POST /v1/clock/advance: 409 Conflict: the broker runs on real time")
}

func TestClientProducers(t *testing.T) {
	ctx := t.Context()
	b, rc := withProducer(t, "10.0.0.1@1", "PG")
	c := newClient(t, b)

	assert.NilError(t, c.WaitProducers(ctx, "PG", 1))
	groups, err := c.Groups(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, groups, []Group{{Name: "PG", Producers: 1}})
	ps, err := c.Producers(ctx, "PG")
	assert.NilError(t, err)
	assert.DeepEqual(t, ps, []Producer{{ClientID: "10.0.0.1@1", Addr: rc.LocalAddr(), Language: "GO", Version: 317,
		VersionName: "V4_5_2", LastHeartbeat: "2023-11-14T22:13:20.123Z", LastHeartbeatMs: 1700000000123}})

	_, err = c.Producers(ctx, "NOPE")
	e := apiError(t, err, http.StatusNotFound)
	assert.Equal(t, e.Message, `producer group "NOPE" does not exist (groups: [PG])`)
	assert.Assert(t, errors.Is(err, mockbroker.ErrUnknownGroup))

	// A wait that runs out: 408, context.DeadlineExceeded.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = c.WaitProducers(short, "PG", 2)
	assert.Assert(t, errors.Is(err, context.DeadlineExceeded), err)
	ms := int64(20)
	n := 2
	err = c.do(ctx, http.MethodPost, "/v1/groups/PG/wait", WaitRequest{Count: &n, TimeoutMs: &ms}, &ProducersWaited{}, nil)
	e = apiError(t, err, http.StatusRequestTimeout)
	assert.Assert(t, errors.Is(err, context.DeadlineExceeded))
	assert.Assert(t, is.Contains(e.Message, `waiting for 2 producers in group "PG", it has 1 [10.0.0.1@1]`))

	assert.NilError(t, c.CloseClient(ctx, "10.0.0.1@1"))
	assert.NilError(t, c.WaitProducers(ctx, "PG", 0))
	err = c.CloseClient(ctx, "10.0.0.1@1")
	apiError(t, err, http.StatusNotFound)
	assert.Assert(t, errors.Is(err, mockbroker.ErrUnknownClient))
}

func TestClientFixtureExpireScanReset(t *testing.T) {
	ctx := t.Context()
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	c := newClient(t, b)
	loaded, err := c.LoadFixture(ctx, []byte(`{"groups":[{"name":"PG","producers":[
	  {"clientId":"v@1","addr":"10.0.0.1:1","language":"JAVA","version":"V4_9_8","lastHeartbeatAge":"130s"},
	  {"clientId":"v@2","addr":"10.0.0.2:2","language":"JAVA","version":"V4_9_8"},
	  {"clientId":"v@3","addr":"10.0.0.3:3","language":"JAVA","version":"V4_9_8"}]}]}`))
	assert.NilError(t, err)
	assert.DeepEqual(t, *loaded, FixtureLoaded{Groups: 1, Producers: 3})
	ps, err := c.Producers(ctx, "PG")
	assert.NilError(t, err)
	assert.Equal(t, len(ps), 3)
	assert.Assert(t, ps[0].Virtual)
	assert.Equal(t, ps[0].AgeMs, int64(130000))

	_, err = c.LoadFixture(ctx, []byte(`{"groups":[{"name":""}]}`))
	apiError(t, err, http.StatusBadRequest)
	assert.Assert(t, errors.Is(err, mockbroker.ErrInvalidFixture))
	_, err = c.LoadFixture(ctx, []byte(`{"groups":[{"name":"X","producers":[{"clientId":"other","addr":"10.0.0.3:3","language":"JAVA","version":1}]}]}`))
	apiError(t, err, http.StatusConflict)
	assert.Assert(t, errors.Is(err, mockbroker.ErrFixtureConflict))

	assert.NilError(t, c.ExpireProducer(ctx, "PG", "v@2"))
	err = c.ExpireProducer(ctx, "PG", "v@2")
	e := apiError(t, err, http.StatusNotFound)
	assert.Equal(t, e.Message, `group "PG" has no producer with client id "v@2"`)
	assert.Assert(t, errors.Is(err, mockbroker.ErrUnknownProducer))

	expired, err := c.Scan(ctx)
	assert.NilError(t, err)
	assert.Equal(t, expired, 1)
	assert.NilError(t, c.Reset(ctx))
	groups, err := c.Groups(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, groups, []Group{})
}

func TestClientMessagesSendCountsJournal(t *testing.T) {
	ctx := t.Context()
	b, rc := withProducer(t, "go@1", "PG")
	c := newClient(t, b)
	for i, q := range []int{0, 1, 1} {
		props := "UNIQ_KEY\x01U" + string(rune('0'+i)) + "\x02"
		assert.Equal(t, rc.Call(testclient.SendMessage("PG", "T", q, props, []byte("hello"))).Code, int32(0))
	}
	rc.Call(testclient.SendMessage("PG", "Other", 0, "UNIQ_KEY\x01O\x02", []byte("x")))

	got, err := c.WaitMessages(ctx, "T", 3)
	assert.NilError(t, err)
	assert.Equal(t, len(got.Messages), 3)
	assert.Equal(t, *got.Messages[0].Body, "hello")
	got, err = c.Messages(ctx, "T", 2)
	assert.NilError(t, err)
	assert.DeepEqual(t, []string{got.Messages[0].MsgID, got.Messages[1].MsgID}, []string{"U1", "U2"})
	got, err = c.Messages(ctx, "", 0)
	assert.NilError(t, err)
	assert.Equal(t, len(got.Messages), 4)

	counts, err := c.SendCounts(ctx, SendCountFilter{Topic: "T", ClientID: "go@1", Group: "PG"})
	assert.NilError(t, err)
	assert.DeepEqual(t, counts, []SendCount{
		{ClientID: "go@1", Addr: rc.LocalAddr(), Group: "PG", Topic: "T", QueueID: 0, Messages: 1},
		{ClientID: "go@1", Addr: rc.LocalAddr(), Group: "PG", Topic: "T", QueueID: 1, Messages: 2}})
	counts, err = c.SendCounts(ctx, SendCountFilter{})
	assert.NilError(t, err)
	assert.Equal(t, len(counts), 3)

	j, err := c.Journal(ctx, 1, 2)
	assert.NilError(t, err)
	assert.DeepEqual(t, []uint64{j.Entries[0].Seq, j.Entries[1].Seq}, []uint64{4, 5})
	assert.Equal(t, j.Entries[1].CodeName, "SEND_MESSAGE")
	j, err = c.Journal(ctx, 0, 0)
	assert.NilError(t, err)
	assert.Equal(t, len(j.Entries), 5)

	assert.NilError(t, c.ClearMessages(ctx))
	assert.NilError(t, c.ClearJournal(ctx))
	got, err = c.Messages(ctx, "", 0)
	assert.NilError(t, err)
	assert.DeepEqual(t, *got, MessageList{Messages: []Message{}})
	j, err = c.Journal(ctx, 0, 0)
	assert.NilError(t, err)
	assert.DeepEqual(t, *j, Journal{Entries: []JournalEntry{}})
}

func TestClientTransactions(t *testing.T) {
	ctx := t.Context()
	b, rc := halfSent(t)
	c := newClient(t, b)

	_, err := c.CheckTransaction(ctx, "PG", "nope", 0)
	apiError(t, err, http.StatusNotFound)
	assert.Assert(t, errors.Is(err, mockbroker.ErrUnknownMessage))
	_, err = c.CheckTransaction(ctx, "OTHER", "U1", 0)
	apiError(t, err, http.StatusConflict)
	assert.Assert(t, errors.Is(err, mockbroker.ErrNoProducer))

	type answer struct {
		tc  *TransactionCheck
		err error
	}
	done := make(chan answer, 1)
	go func() {
		tc, err := c.CheckTransaction(ctx, "PG", "U1", 5*time.Second)
		done <- answer{tc, err}
	}()
	commitCheck(t, b, rc)
	got := <-done
	assert.NilError(t, got.err)
	assert.Equal(t, got.tc.Conn.ClientID, "go@1")
	assert.Equal(t, got.tc.EndTransaction.State, "commit")

	ets, err := c.Transactions(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, ets, []EndTransaction{*got.tc.EndTransaction})
}

func TestClientFaults(t *testing.T) {
	ctx := t.Context()
	b := mockbroker.Start(t)
	c := newClient(t, b)
	rc := testclient.Dial(t, b.Addr())
	f, err := c.AddFault(ctx, FaultSpec{Code: CodeName("SEND_MESSAGE"), Fault: "respond", ResponseCode: CodeName("SYSTEM_BUSY"), Times: 1})
	assert.NilError(t, err)
	busy := int32(protocol.SystemBusy)
	assert.DeepEqual(t, *f, Fault{ID: 1, Code: 10, CodeName: "SEND_MESSAGE", Fault: "respond", ResponseCode: &busy,
		ResponseCodeName: "SYSTEM_BUSY", Times: 1, Active: true})
	assert.Equal(t, rc.Call(testclient.SendMessage("PG", "T", 0, "UNIQ_KEY\x01A\x02", []byte("x"))).ResponseCode(), protocol.SystemBusy)
	_, err = c.AddFault(ctx, FaultSpec{Code: []byte("106"), Fault: "noReply", Group: "PG"})
	assert.NilError(t, err)

	faults, err := c.Faults(ctx)
	assert.NilError(t, err)
	assert.Equal(t, len(faults), 2)
	assert.Equal(t, faults[0].Hits, 1)
	assert.Assert(t, !faults[0].Active)
	removed, err := c.RemoveFault(ctx, 2)
	assert.NilError(t, err)
	assert.Equal(t, removed.CodeName, "GET_BROKER_CLUSTER_INFO")
	_, err = c.RemoveFault(ctx, 2)
	e := apiError(t, err, http.StatusNotFound)
	assert.Equal(t, e.Message, "no fault with id 2 (see GET /v1/faults)")

	_, err = c.AddFault(ctx, FaultSpec{Code: CodeName("SEND"), Fault: "noReply"})
	e = apiError(t, err, http.StatusBadRequest)
	assert.Equal(t, e.Message, `"code": "SEND" is not a RequestCode name`)
	_, err = c.AddFault(ctx, FaultSpec{Fault: "noReply"})
	e = apiError(t, err, http.StatusBadRequest)
	assert.Assert(t, is.Contains(e.Message, `"code": missing`))

	assert.NilError(t, c.ClearFaults(ctx))
	faults, err = c.Faults(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, faults, []Fault{})
}

func TestClientReportAndForeignAnswers(t *testing.T) {
	ctx := t.Context()
	b := mockbroker.Start(t)
	report := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"connections":2,"requests":7,"findings":[{"check":"close-without-unregister","conn":"10.0.0.1:1","clientId":"c@1","time":"2024-01-01T00:00:00Z","detail":"closed"}]}`))
	})
	c := newClient(t, b, Mount("GET /v1/clients/report", report))
	got, err := c.ClientReport(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, *got, ClientReport{Connections: 2, Requests: 7, Findings: []ClientFinding{
		{Check: "close-without-unregister", Conn: "10.0.0.1:1", ClientID: "c@1", Time: "2024-01-01T00:00:00Z", Detail: "closed"}}})

	_, err = newClient(t, b).ClientReport(ctx)
	e := apiError(t, err, http.StatusNotFound)
	assert.Equal(t, e.Message, "no endpoint GET /v1/clients/report (the API is under /v1/)")

	// An answer that is not the API's JSON still becomes an *Error.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	defer srv.Close()
	_, err = NewClient(strings.TrimPrefix(srv.URL, "http://"), "").Health(ctx)
	e = apiError(t, err, http.StatusBadGateway)
	assert.Equal(t, e.Message, "bad gateway\n")
	assert.Assert(t, errors.Unwrap(err) == nil, "no sentinel for 502")
}

func TestClientToken(t *testing.T) {
	ctx := t.Context()
	b := mockbroker.Start(t)
	srv := httptest.NewServer(NewHandler(b, Token("s3cret")))
	defer srv.Close()
	_, err := NewClient(srv.URL, "wrong").Health(ctx)
	apiError(t, err, http.StatusUnauthorized)
	assert.Error(t, err, "control API GET /v1/health: 401 Unauthorized: wrong bearer token")
	_, err = NewClient(srv.URL+"/", "s3cret").Health(ctx)
	assert.NilError(t, err)
}
