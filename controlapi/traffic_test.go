package controlapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// getJSON decodes a 200 answer into v.
func (a *api) getJSON(path string, v any) {
	a.t.Helper()
	status, body := a.do("GET", path, "")
	assert.Equal(a.t, status, 200, body)
	assert.NilError(a.t, json.Unmarshal([]byte(body), v), body)
}

func TestControlMessagesAndSendCounts(t *testing.T) {
	b, c := withProducer(t, "go@1", "PG")
	a := newAPI(t, b)
	for i, q := range []int{0, 1, 1} {
		props := "UNIQ_KEY\x01U" + string(rune('0'+i)) + "\x02TAGS\x01tagA\x02KEYS\x01k1 k2\x02"
		assert.Equal(t, c.Call(testclient.SendMessage("PG", "T", q, props, []byte("hello"))).Code, int32(0))
	}
	assert.Equal(t, c.Call(testclient.SendMessage("PG", "Bin", 0, "UNIQ_KEY\x01B\x02", []byte{0xff, 0x00})).Code, int32(0))

	var got MessageList
	a.getJSON("/v1/topics/T/messages", &got)
	assert.Equal(t, len(got.Messages), 3)
	hello := "hello"
	m := got.Messages[2]
	want := Message{
		Topic: "T", QueueID: 1, QueueOffset: 1, CommitLogOffset: m.CommitLogOffset, OffsetMsgID: m.OffsetMsgID, MsgID: "U2",
		Tags: "tagA", Keys: []string{"k1", "k2"}, Properties: map[string]string{"UNIQ_KEY": "U2", "TAGS": "tagA", "KEYS": "k1 k2"},
		Body: &hello, BodyBase64: "aGVsbG8=", BornTimestampMs: 1700000000000, ProducerGroup: "PG", ClientID: "go@1",
		Addr: c.LocalAddr(), Time: "2023-11-14T22:13:20.123Z", TimeMs: 1700000000123,
	}
	assert.Assert(t, cmp.Diff(want, m) == "", cmp.Diff(want, m))
	assert.Assert(t, m.OffsetMsgID != "")

	got.Messages = nil
	a.getJSON("/v1/messages?limit=1", &got)
	assert.Equal(t, len(got.Messages), 1)
	assert.Equal(t, got.Messages[0].Topic, "Bin")
	assert.Assert(t, got.Messages[0].Body == nil, "binary bodies only in base64")
	assert.Equal(t, got.Messages[0].BodyBase64, "/wA=")
	a.getJSON("/v1/messages?topic=T", &got)
	assert.Equal(t, len(got.Messages), 3)

	a.expect("GET", "/v1/send-counts?topic=T", "", 200, `{"counts":[`+
		`{"clientId":"go@1","addr":"`+c.LocalAddr()+`","group":"PG","topic":"T","queueId":0,"messages":1},`+
		`{"clientId":"go@1","addr":"`+c.LocalAddr()+`","group":"PG","topic":"T","queueId":1,"messages":2}]}`)
	a.expect("GET", "/v1/send-counts?clientId=nobody", "", 200, `{"counts":[]}`)

	status, body := a.do("POST", "/v1/topics/T/messages/wait", `{"count":3}`)
	assert.Equal(t, status, 200, body)
	a.expect("POST", "/v1/topics/T/messages/wait", `{"count":4,"timeoutMs":20}`, 408,
		`{"error":"waiting for 4 messages on topic \"T\", 3 arrived: context deadline exceeded"}`)
	a.expect("GET", "/v1/messages?limit=x", "", 400, `{"error":"query parameter limit=\"x\": want a non-negative integer"}`)

	a.expect("DELETE", "/v1/messages", "", 200, `{"cleared":true}`)
	a.expect("GET", "/v1/messages", "", 200, `{"dropped":0,"messages":[]}`)
}

func TestControlJournal(t *testing.T) {
	b, c := withProducer(t, "go@1", "PG")
	a := newAPI(t, b)
	c.Call(protocol.NewRequest(protocol.RequestCode(9999), nil, nil))
	c.Call(testclient.ClusterInfo())

	var got Journal
	a.getJSON("/v1/journal?since=1&limit=1", &got)
	assert.Equal(t, len(got.Entries), 1)
	e := got.Entries[0]
	three := int32(3)
	want := JournalEntry{Seq: 3, Time: "2023-11-14T22:13:20.123Z", TimeMs: 1700000000123,
		Conn: Conn{ID: 1, Addr: c.LocalAddr(), ClientID: "go@1"}, Code: int32(protocol.GetBrokerClusterInfo),
		CodeName: "GET_BROKER_CLUSTER_INFO", Opaque: 3, Outcome: "replied", Result: new(int32), ResultName: "SUCCESS",
		DurationUs: e.DurationUs}
	assert.Assert(t, cmp.Diff(want, e) == "", cmp.Diff(want, e))
	a.getJSON("/v1/journal", &got)
	assert.Equal(t, len(got.Entries), 3)
	assert.DeepEqual(t, got.Entries[1].Result, &three)
	assert.Equal(t, got.Entries[1].CodeName, "RequestCode(9999)")

	a.expect("DELETE", "/v1/journal", "", 200, `{"cleared":true}`)
	a.expect("GET", "/v1/journal", "", 200, `{"dropped":0,"entries":[]}`)
}

func TestControlFaults(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	c := testclient.Dial(t, b.Addr())
	send := func() *protocol.Command {
		return c.Call(testclient.SendMessage("PG", "T", 0, "UNIQ_KEY\x01A\x02", []byte("x")))
	}

	a.expect("POST", "/v1/faults", `{"code":"SEND_MESSAGE","fault":"respond","responseCode":"SYSTEM_BUSY","remark":"[PC_SYNCHRONIZED]broker busy","times":1}`, 201,
		`{"id":1,"code":10,"codeName":"SEND_MESSAGE","fault":"respond","responseCode":2,"responseCodeName":"SYSTEM_BUSY","remark":"[PC_SYNCHRONIZED]broker busy","times":1,"hits":0,"active":true}`)
	resp := send()
	assert.Equal(t, resp.ResponseCode(), protocol.SystemBusy)
	assert.Equal(t, resp.Remark, "[PC_SYNCHRONIZED]broker busy")
	assert.Equal(t, send().ResponseCode(), protocol.Success, "used once")

	a.expect("POST", "/v1/faults", `{"code":10,"fault":"delay","delayMs":200,"group":"PG"}`, 201,
		`{"id":2,"code":10,"codeName":"SEND_MESSAGE","fault":"delay","delayMs":200,"group":"PG","hits":0,"active":true}`)
	start := time.Now()
	assert.Equal(t, send().ResponseCode(), protocol.Success)
	assert.Assert(t, time.Since(start) >= 200*time.Millisecond, "the reply was held back")
	a.expect("GET", "/v1/faults", "", 200, `{"faults":[`+
		`{"id":1,"code":10,"codeName":"SEND_MESSAGE","fault":"respond","responseCode":2,"responseCodeName":"SYSTEM_BUSY","remark":"[PC_SYNCHRONIZED]broker busy","times":1,"hits":1,"active":false},`+
		`{"id":2,"code":10,"codeName":"SEND_MESSAGE","fault":"delay","delayMs":200,"group":"PG","hits":1,"active":true}]}`)
	a.expect("DELETE", "/v1/faults/2", "", 200,
		`{"id":2,"code":10,"codeName":"SEND_MESSAGE","fault":"delay","delayMs":200,"group":"PG","hits":1,"active":false}`)
	a.expect("DELETE", "/v1/faults/2", "", 404, `{"error":"no fault with id 2 (see GET /v1/faults)"}`)
	a.expect("DELETE", "/v1/faults/x", "", 400, `{"error":"fault id \"x\": want the number POST /v1/faults answered"}`)

	a.expect("POST", "/v1/faults", `{"code":"*","fault":"disconnect","clientId":"nobody"}`, 201,
		`{"id":3,"code":-1,"codeName":"*","fault":"disconnect","clientId":"nobody","hits":0,"active":true}`)
	assert.Equal(t, send().ResponseCode(), protocol.Success, "another client's fault")
	a.expect("POST", "/v1/faults", `{"code":"*","fault":"disconnect"}`, 201,
		`{"id":4,"code":-1,"codeName":"*","fault":"disconnect","hits":0,"active":true}`)
	c.Send(testclient.ClusterInfo())
	c.ReadEOF()

	a.expect("DELETE", "/v1/faults", "", 200, `{"cleared":true}`)
	a.expect("GET", "/v1/faults", "", 200, `{"faults":[]}`)
	c = testclient.Dial(t, b.Addr())
	assert.Equal(t, send().ResponseCode(), protocol.Success)
}

func TestControlFaultsTruncateAndNoReply(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	c := testclient.Dial(t, b.Addr())
	status, body := a.do("POST", "/v1/faults", `{"code":"GET_BROKER_CLUSTER_INFO","fault":"noReply","times":1}`)
	assert.Equal(t, status, 201, body)
	c.Send(testclient.ClusterInfo())
	_, err := c.TryRead(100 * time.Millisecond)
	assert.Assert(t, testclient.IsTimeout(err), "no reply: %v", err)
	status, body = a.do("POST", "/v1/faults", `{"code":106,"fault":"truncate","bytes":6}`)
	assert.Equal(t, status, 201, body)
	c.Send(testclient.ClusterInfo())
	assert.Equal(t, len(c.ReadEOF()), 6)
}

func TestControlFaultsRejectBadSpecs(t *testing.T) {
	a := newAPI(t, mockbroker.Start(t))
	const ex = ` (want JSON such as {"code": "SEND_MESSAGE_V2", "fault": "respond", "responseCode": "SYSTEM_BUSY", "remark": "busy", "times": 1})`
	tests := []struct{ body, want string }{
		{`{"fault":"noReply"}`, `"code": missing: want a request code number, its Java name, or "*" for every code`},
		{`{"code":"SEND","fault":"noReply"}`, `"code": "SEND" is not a RequestCode name`},
		{`{"code":true,"fault":"noReply"}`, `"code": true: want a number or a RequestCode name`},
		{`{"code":10}`, `"fault": missing: want respond, delay, noReply, disconnect or truncate`},
		{`{"code":10,"fault":"explode"}`, `"fault" "explode": want respond, delay, noReply, disconnect or truncate`},
		{`{"code":10,"fault":"respond"}`, `"responseCode": missing`},
		{`{"code":10,"fault":"respond","responseCode":"BUSY"}`, `"responseCode": "BUSY" is not a ResponseCode name`},
		{`{"code":10,"fault":"noReply","remark":"x"}`, `"responseCode" and "remark" go with "fault": "respond"`},
		{`{"code":10,"fault":"noReply","bytes":3}`, `"bytes" goes with "fault": "truncate"`},
		{`{"code":10,"fault":"delay"}`, `"delayMs": want how long to hold the reply back`},
		{`{"code":10,"fault":"delay","delayMs":-1}`, `"delayMs" -1: want 0 to 600000`},
		{`{"code":10,"fault":"noReply","times":-1}`, `"times" -1: want 0 (until removed) or more`},
		{`{"code":10,"fault":"noReply","after":1}`, `request body: json: unknown field "after"` + ex},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			a.t = t
			status, body := a.do("POST", "/v1/faults", tt.body)
			assert.Equal(t, status, 400, body)
			var e ErrorBody
			assert.NilError(t, json.Unmarshal([]byte(body), &e))
			assert.Assert(t, strings.Contains(e.Error, tt.want), "%s\nwant: %s", e.Error, tt.want)
		})
	}
	a.t = t
	a.expect("GET", "/v1/faults", "", 200, `{"faults":[]}`)
}

// halfSent starts a broker on the API's virtual clock where producer go@1
// of group PG, on the raw client returned, has sent half message U1 to T.
func halfSent(t *testing.T) (*mockbroker.Broker, *testclient.Client) {
	t.Helper()
	b, c := withProducer(t, "go@1", "PG")
	assert.Equal(t, c.Call(testclient.HalfSend("PG", "T", "U1")).Code, int32(0))
	return b, c
}

// withProducer starts a broker on the API's virtual clock where a Go
// client (version 317) with clientID, on the raw client returned, has
// registered as a producer of the groups.
func withProducer(t *testing.T, clientID string, groups ...string) (*mockbroker.Broker, *testclient.Client) {
	t.Helper()
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	c := testclient.Dial(t, b.Addr())
	c.Call(testclient.Heartbeat(clientID, protocol.Go, 317, groups...))
	return b, c
}

// commitCheck reads the CHECK_TRANSACTION_STATE that c gets for U1 (see
// halfSent) and commits the transaction from the check.
func commitCheck(t *testing.T, b *mockbroker.Broker, c *testclient.Client) {
	t.Helper()
	req := c.Read()
	assert.Equal(t, req.RequestCode(), protocol.CheckTransactionState)
	msgs := b.Messages("T")
	c.Call(testclient.EndTransaction(protocol.EndTransactionRequestHeader{ProducerGroup: "PG", CommitLogOffset: msgs[0].CommitLogOffset,
		TranStateTableOffset: msgs[0].QueueOffset, CommitOrRollback: protocol.TransactionCommitType, FromTransactionCheck: true,
		MsgID: "U1", TransactionID: "U1"}))
}

func TestControlCheckTransaction(t *testing.T) {
	b, c := halfSent(t)
	a := newAPI(t, b)

	a.expect("POST", "/v1/groups/PG/check-transaction", `{"msgId":"nope"}`, 404, `{"error":"no kept message has msgId or offsetMsgId \"nope\""}`)
	a.expect("POST", "/v1/groups/OTHER/check-transaction", `{"msgId":"U1"}`, 409,
		`{"error":"check transaction failed: group \"OTHER\" has no active producer connection (known groups: [PG])"}`)

	type answer struct {
		status int
		body   string
	}
	done := make(chan answer, 1)
	go func() {
		status, body := a.doNoAssert("POST", "/v1/groups/PG/check-transaction", `{"msgId":"U1","waitMs":5000}`)
		done <- answer{status, body}
	}()
	commitCheck(t, b, c)
	got := <-done
	assert.Equal(t, got.status, 200, got.body)
	assert.Equal(t, got.body, `{"group":"PG","conn":{"id":1,"addr":"`+c.LocalAddr()+`","clientId":"go@1"},"msgId":"U1","endTransaction":`+
		`{"seq":1,"group":"PG","clientId":"go@1","addr":"`+c.LocalAddr()+`","topic":"","msgId":"U1","transactionId":"U1","commitLogOffset":0,"tranStateTableOffset":0,`+
		`"state":"commit","fromCheck":true,"remark":"","time":"2023-11-14T22:13:20.123Z","timeMs":1700000000123}}`)
	a.expect("GET", "/v1/transactions", "", 200, `{"endTransactions":[`+
		`{"seq":1,"group":"PG","clientId":"go@1","addr":"`+c.LocalAddr()+`","topic":"","msgId":"U1","transactionId":"U1","commitLogOffset":0,"tranStateTableOffset":0,`+
		`"state":"commit","fromCheck":true,"remark":"","time":"2023-11-14T22:13:20.123Z","timeMs":1700000000123}]}`)
}

// doNoAssert is do for goroutines other than the test's.
func (a *api) doNoAssert(method, path, body string) (int, string) {
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSuffix(string(data), "\n")
}
