package mockbroker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rocketmock/rocketmock/protocol"
)

// Bounds of the fault endpoints.
const maxFaultDelay = 10 * time.Minute

// trafficRoutes are the endpoints over what clients sent: messages, send
// counts, transactions, the journal, and faults (interceptions).
func (c *control) trafficRoutes() []route {
	return []route{
		{"GET /v1/messages", c.messages},
		{"DELETE /v1/messages", c.clearMessages},
		{"GET /v1/topics/{topic}/messages", c.messages},
		{"POST /v1/topics/{topic}/messages/wait", c.waitMessages},
		{"GET /v1/send-counts", c.sendCounts},
		{"GET /v1/transactions", c.transactions},
		{"POST /v1/groups/{group}/check-transaction", c.checkTransaction},
		{"GET /v1/journal", c.journal},
		{"DELETE /v1/journal", c.clearJournal},
		{"GET /v1/faults", c.listFaults},
		{"POST /v1/faults", c.addFault},
		{"DELETE /v1/faults", c.clearFaults},
		{"DELETE /v1/faults/{id}", c.removeFault},
	}
}

// messageBody is a Message in JSON. Body is the body as text when it is
// valid UTF-8; BodyBase64 always holds it.
type messageBody struct {
	Topic           string            `json:"topic"`
	QueueID         int32             `json:"queueId"`
	QueueOffset     int64             `json:"queueOffset"`
	CommitLogOffset int64             `json:"commitLogOffset"`
	OffsetMsgID     string            `json:"offsetMsgId"`
	MsgID           string            `json:"msgId"`
	Tags            string            `json:"tags"`
	Keys            []string          `json:"keys"`
	Properties      map[string]string `json:"properties"`
	Body            *string           `json:"body,omitempty"`
	BodyBase64      string            `json:"bodyBase64"`
	Compressed      bool              `json:"compressed"`
	Flag            int32             `json:"flag"`
	SysFlag         int32             `json:"sysFlag"`
	BornTimestampMs int64             `json:"bornTimestampMs"`
	ProducerGroup   string            `json:"producerGroup"`
	ClientID        string            `json:"clientId"`
	Addr            string            `json:"addr"`
	Batch           bool              `json:"batch"`
	Half            bool              `json:"half"`
	Time            string            `json:"time"`
	TimeMs          int64             `json:"timeMs"`
}

func messageJSON(m Message) messageBody {
	out := messageBody{
		Topic: m.Topic, QueueID: m.QueueID, QueueOffset: m.QueueOffset, CommitLogOffset: m.CommitLogOffset,
		OffsetMsgID: m.OffsetMsgID, MsgID: m.MsgID, Tags: m.Tags, Keys: m.Keys, Properties: m.Properties,
		BodyBase64: base64.StdEncoding.EncodeToString(m.Body), Compressed: m.Compressed, Flag: m.Flag, SysFlag: m.SysFlag,
		BornTimestampMs: m.BornTimestamp.UnixMilli(), ProducerGroup: m.ProducerGroup, ClientID: m.ClientID,
		Addr: m.Addr, Batch: m.Batch, Half: m.Half(), Time: formatTime(m.Time), TimeMs: m.Time.UnixMilli(),
	}
	if out.Keys == nil {
		out.Keys = []string{}
	}
	if out.Properties == nil {
		out.Properties = map[string]string{}
	}
	if utf8.Valid(m.Body) {
		s := string(m.Body)
		out.Body = &s
	}
	return out
}

func messagesJSON(ms []Message) []messageBody {
	out := make([]messageBody, len(ms))
	for i, m := range ms {
		out[i] = messageJSON(m)
	}
	return out
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string) (int64, bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, httpErr(http.StatusBadRequest, "query parameter %s=%q: want a non-negative integer", name, v)
	}
	return n, true, nil
}

// messages lists the kept messages of a topic (or of every topic, or of
// ?topic=), the last ?limit=N of them if given.
func (c *control) messages(r *http.Request) (int, any, error) {
	topic := r.PathValue("topic")
	if topic == "" {
		topic = r.URL.Query().Get("topic")
	}
	limit, hasLimit, err := queryInt(r, "limit")
	if err != nil {
		return 0, nil, err
	}
	ms := c.b.Messages(topic)
	if hasLimit && int64(len(ms)) > limit {
		ms = ms[int64(len(ms))-limit:]
	}
	return http.StatusOK, struct {
		Dropped  int64         `json:"dropped"`
		Messages []messageBody `json:"messages"`
	}{c.b.MessagesDropped(), messagesJSON(ms)}, nil
}

func (c *control) clearMessages(r *http.Request) (int, any, error) {
	c.b.ClearMessages()
	return http.StatusOK, struct {
		Cleared bool `json:"cleared"`
	}{true}, nil
}

// waitMessages waits until at least count messages of the topic have been
// accepted: {"count": 3, "timeoutMs": 5000}.
func (c *control) waitMessages(r *http.Request) (int, any, error) {
	count, ctx, cancel, err := waitRequest(r, 1, "messages")
	if err != nil {
		return 0, nil, err
	}
	defer cancel()
	ms, err := c.b.WaitMessages(ctx, r.PathValue("topic"), count)
	if err != nil {
		return 0, nil, waitError(err)
	}
	return http.StatusOK, struct {
		Dropped  int64         `json:"dropped"`
		Messages []messageBody `json:"messages"`
	}{c.b.MessagesDropped(), messagesJSON(ms)}, nil
}

// waitRequest reads a wait's body, {"count": N, "timeoutMs": T} with
// N >= min, and returns N and a context bounded by the timeout.
func waitRequest(r *http.Request, min int, what string) (int, context.Context, context.CancelFunc, error) {
	const example = `{"count": 1, "timeoutMs": 5000}`
	var req struct {
		Count     *int   `json:"count"`
		TimeoutMs *int64 `json:"timeoutMs"`
	}
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, nil, err
	}
	if req.Count == nil || *req.Count < min {
		return 0, nil, nil, httpErr(http.StatusBadRequest, "\"count\": want the number of %s to wait for (%d or more), such as %s", what, min, example)
	}
	ctx, cancel, err := waitContext(r, req.TimeoutMs)
	if err != nil {
		return 0, nil, nil, err
	}
	return *req.Count, ctx, cancel, nil
}

// waitContext bounds a wait by timeoutMs (default 10 s).
func waitContext(r *http.Request, timeoutMs *int64) (context.Context, context.CancelFunc, error) {
	timeout := defaultWaitTimeout
	if timeoutMs != nil {
		timeout = time.Duration(*timeoutMs) * time.Millisecond
		if *timeoutMs <= 0 || timeout > maxWaitTimeout {
			return nil, nil, httpErr(http.StatusBadRequest, "\"timeoutMs\" %d: want 1 to %d", *timeoutMs, maxWaitTimeout.Milliseconds())
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	return ctx, cancel, nil
}

// waitError gives a failed wait its status: 408 when the time ran out,
// 503 when the broker closed or the server is stopping.
func waitError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &apiError{http.StatusRequestTimeout, err.Error()}
	}
	return &apiError{http.StatusServiceUnavailable, err.Error()}
}

type sendCountBody struct {
	ClientID string `json:"clientId"`
	Addr     string `json:"addr"`
	Group    string `json:"group"`
	Topic    string `json:"topic"`
	QueueID  int32  `json:"queueId"`
	Messages int64  `json:"messages"`
}

// sendCounts lists how many messages each producer connection sent to
// each queue, optionally only for ?topic=, ?clientId= and ?group=.
func (c *control) sendCounts(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	out := []sendCountBody{}
	for _, sc := range c.b.SendCounts() {
		if t := q.Get("topic"); t != "" && sc.Topic != t {
			continue
		}
		if id := q.Get("clientId"); id != "" && sc.ClientID != id {
			continue
		}
		if g := q.Get("group"); g != "" && sc.Group != g {
			continue
		}
		out = append(out, sendCountBody{sc.ClientID, sc.Addr, sc.Group, sc.Topic, sc.QueueID, sc.Messages})
	}
	return http.StatusOK, struct {
		Counts []sendCountBody `json:"counts"`
	}{out}, nil
}

type endTransactionBody struct {
	Seq                  uint64 `json:"seq"`
	Group                string `json:"group"`
	ClientID             string `json:"clientId"`
	Addr                 string `json:"addr"`
	Topic                string `json:"topic"`
	MsgID                string `json:"msgId"`
	TransactionID        string `json:"transactionId"`
	CommitLogOffset      int64  `json:"commitLogOffset"`
	TranStateTableOffset int64  `json:"tranStateTableOffset"`
	State                string `json:"state"`
	FromCheck            bool   `json:"fromCheck"`
	Remark               string `json:"remark"`
	Time                 string `json:"time"`
	TimeMs               int64  `json:"timeMs"`
}

func endTransactionJSON(e EndTransaction) endTransactionBody {
	return endTransactionBody{
		Seq: e.Seq, Group: e.Group, ClientID: e.ClientID, Addr: e.Addr, Topic: e.Topic, MsgID: e.MsgID,
		TransactionID: e.TransactionID, CommitLogOffset: e.CommitLogOffset, TranStateTableOffset: e.TranStateTableOffset,
		State: e.State.String(), FromCheck: e.FromCheck, Remark: e.Remark, Time: formatTime(e.Time), TimeMs: e.Time.UnixMilli(),
	}
}

// transactions lists the kept END_TRANSACTION requests.
func (c *control) transactions(r *http.Request) (int, any, error) {
	out := []endTransactionBody{}
	for _, e := range c.b.EndTransactions() {
		out = append(out, endTransactionJSON(e))
	}
	return http.StatusOK, struct {
		EndTransactions []endTransactionBody `json:"endTransactions"`
	}{out}, nil
}

// checkTransaction sends CHECK_TRANSACTION_STATE for a kept message to a
// producer of the group: {"msgId": "...", "waitMs": 5000}. With waitMs it
// also waits for the producer's END_TRANSACTION.
func (c *control) checkTransaction(r *http.Request) (int, any, error) {
	const example = `{"msgId": "<UNIQ_KEY or offset msg id>", "waitMs": 5000}`
	var req struct {
		MsgID  string `json:"msgId"`
		WaitMs *int64 `json:"waitMs"`
	}
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, err
	}
	if req.MsgID == "" {
		return 0, nil, httpErr(http.StatusBadRequest, "\"msgId\": missing: want JSON such as %s", example)
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if req.WaitMs != nil {
		var err error
		if ctx, cancel, err = waitContext(r, req.WaitMs); err != nil {
			return 0, nil, err
		}
		defer cancel()
	}
	msgs := c.b.Messages("")
	var msg *Message
	for j := len(msgs) - 1; j >= 0; j-- {
		if msgs[j].MsgID == req.MsgID || msgs[j].OffsetMsgID == req.MsgID {
			msg = &msgs[j]
			break
		}
	}
	if msg == nil {
		return 0, nil, httpErr(http.StatusNotFound, "no kept message has msgId or offsetMsgId %q", req.MsgID)
	}
	group := r.PathValue("group")
	tc, err := c.b.CheckTransaction(group, *msg)
	if err != nil {
		return 0, nil, &apiError{http.StatusConflict, err.Error()}
	}
	type checkBody struct {
		Group          string              `json:"group"`
		Conn           connBody            `json:"conn"`
		MsgID          string              `json:"msgId"`
		EndTransaction *endTransactionBody `json:"endTransaction,omitempty"`
	}
	out := checkBody{Group: group, Conn: connJSON(tc.Conn), MsgID: msg.MsgID}
	if ctx != nil {
		e, err := tc.Wait(ctx)
		if err != nil {
			return 0, nil, waitError(fmt.Errorf("the check went to %s; waiting for its END_TRANSACTION: %w", tc.Conn.Addr, err))
		}
		ej := endTransactionJSON(e)
		out.EndTransaction = &ej
	}
	return http.StatusOK, out, nil
}

type connBody struct {
	ID       uint64 `json:"id"`
	Addr     string `json:"addr"`
	ClientID string `json:"clientId"`
}

func connJSON(ci ConnInfo) connBody { return connBody{ci.ID, ci.Addr, ci.ClientID} }

type journalBody struct {
	Seq         uint64   `json:"seq"`
	Time        string   `json:"time"`
	TimeMs      int64    `json:"timeMs"`
	Conn        connBody `json:"conn"`
	Code        int32    `json:"code"`
	CodeName    string   `json:"codeName"`
	Opaque      int32    `json:"opaque"`
	Oneway      bool     `json:"oneway"`
	Outcome     string   `json:"outcome"`
	Result      *int32   `json:"result,omitempty"`
	ResultName  string   `json:"resultName,omitempty"`
	Remark      string   `json:"remark,omitempty"`
	Intercepted bool     `json:"intercepted"`
	DelayMs     int64    `json:"delayMs"`
	DurationUs  int64    `json:"durationUs"`
}

// journal lists the kept journal entries, those after ?since=SEQ, the last
// ?limit=N of them.
func (c *control) journal(r *http.Request) (int, any, error) {
	since, _, err := queryInt(r, "since")
	if err != nil {
		return 0, nil, err
	}
	limit, hasLimit, err := queryInt(r, "limit")
	if err != nil {
		return 0, nil, err
	}
	entries := c.b.Journal()
	entries = slices.DeleteFunc(entries, func(e JournalEntry) bool { return e.Seq <= uint64(since) })
	if hasLimit && int64(len(entries)) > limit {
		entries = entries[int64(len(entries))-limit:]
	}
	out := make([]journalBody, len(entries))
	for i, e := range entries {
		j := journalBody{
			Seq: e.Seq, Time: formatTime(e.Time), TimeMs: e.Time.UnixMilli(), Conn: connJSON(e.Conn),
			Code: int32(e.Code), CodeName: e.Code.String(), Opaque: e.Opaque, Oneway: e.Oneway,
			Outcome: e.Outcome.String(), Remark: e.Remark, Intercepted: e.Intercepted,
			DelayMs: e.Delay.Milliseconds(), DurationUs: e.Duration.Microseconds(),
		}
		if e.Outcome == OutcomeReplied || e.Outcome == OutcomeTruncated || e.Outcome == OutcomeIgnored {
			res := int32(e.Result)
			j.Result, j.ResultName = &res, e.Result.String()
		}
		if e.Outcome == OutcomeIgnored {
			j.CodeName = ""
		}
		out[i] = j
	}
	return http.StatusOK, struct {
		Dropped int64         `json:"dropped"`
		Entries []journalBody `json:"entries"`
	}{c.b.JournalDropped(), out}, nil
}

func (c *control) clearJournal(r *http.Request) (int, any, error) {
	c.b.ClearJournal()
	return http.StatusOK, struct {
		Cleared bool `json:"cleared"`
	}{true}, nil
}

// faultSpec is a fault as POST /v1/faults takes it and GET lists it.
type faultSpec struct {
	Code         json.RawMessage `json:"code"`         // request code: number, Java name, or "*"
	Fault        string          `json:"fault"`        // respond, delay, noReply, disconnect, truncate
	ResponseCode json.RawMessage `json:"responseCode"` // for respond: number or Java name
	Remark       string          `json:"remark"`       // for respond
	DelayMs      int64           `json:"delayMs"`      // for delay; with the others, writes later
	Bytes        int             `json:"bytes"`        // for truncate: bytes of the reply written (0: half)
	Times        int             `json:"times"`        // uses before it goes; 0: until removed
	ClientID     string          `json:"clientId"`     // only requests on this client's connections
	Group        string          `json:"group"`        // only requests about this group
}

// faultBody is one registered fault in answers.
type faultBody struct {
	ID               int    `json:"id"`
	Code             int32  `json:"code"`
	CodeName         string `json:"codeName"`
	Fault            string `json:"fault"`
	ResponseCode     *int32 `json:"responseCode,omitempty"`
	ResponseCodeName string `json:"responseCodeName,omitempty"`
	Remark           string `json:"remark,omitempty"`
	DelayMs          int64  `json:"delayMs,omitempty"`
	Bytes            int    `json:"bytes,omitempty"`
	Times            int    `json:"times,omitempty"`
	ClientID         string `json:"clientId,omitempty"`
	Group            string `json:"group,omitempty"`
	Hits             int    `json:"hits"`
	Active           bool   `json:"active"`
}

// faultRegistry remembers the interceptions made through the API so they
// can be listed and removed by id.
type faultRegistry struct {
	mu     sync.Mutex
	nextID int
	faults []*fault
}

type fault struct {
	body faultBody // without Hits and Active
	ic   *Interception
}

func (f *fault) view() faultBody {
	v := f.body
	v.Hits = f.ic.Hits()
	select {
	case <-f.ic.Done():
	default:
		v.Active = true
	}
	return v
}

func (r *faultRegistry) add(f *fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	f.body.ID = r.nextID
	r.faults = append(r.faults, f)
}

func (r *faultRegistry) list() []faultBody {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]faultBody, 0, len(r.faults))
	for _, f := range r.faults {
		out = append(out, f.view())
	}
	return out
}

func (r *faultRegistry) remove(id int) *fault {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.faults, func(f *fault) bool { return f.body.ID == id })
	if i < 0 {
		return nil
	}
	f := r.faults[i]
	r.faults = slices.Delete(r.faults, i, i+1)
	return f
}

func (r *faultRegistry) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.faults {
		f.ic.Remove()
	}
	r.faults = nil
}

// parseCode reads a code given as a number or a Java constant name.
func parseCode[C ~int32](raw json.RawMessage, parse func(string) (C, bool), what string) (C, error) {
	var n int32
	if err := json.Unmarshal(raw, &n); err == nil {
		return C(n), nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		if c, ok := parse(name); ok {
			return c, nil
		}
		return 0, fmt.Errorf("%q is not a %s name", name, what)
	}
	return 0, fmt.Errorf("%s: want a number or a %s name", raw, what)
}

// addFault registers an interception that makes a fault:
//
//	{"code": "SEND_MESSAGE_V2", "fault": "respond", "responseCode": "SYSTEM_BUSY", "remark": "busy", "times": 1}
func (c *control) addFault(r *http.Request) (int, any, error) {
	const example = `{"code": "SEND_MESSAGE_V2", "fault": "respond", "responseCode": "SYSTEM_BUSY", "remark": "busy", "times": 1}`
	var spec faultSpec
	if err := decodeBody(r, &spec, true, example); err != nil {
		return 0, nil, err
	}
	bad := func(format string, args ...any) (int, any, error) {
		return 0, nil, httpErr(http.StatusBadRequest, format, args...)
	}
	if len(spec.Code) == 0 {
		return bad("\"code\": missing: want a request code number, its Java name, or \"*\" for every code, as in %s", example)
	}
	var code protocol.RequestCode
	if string(spec.Code) == `"*"` {
		code = AnyCode
	} else {
		var err error
		if code, err = parseCode(spec.Code, protocol.ParseRequestCode, "RequestCode"); err != nil {
			return bad("\"code\": %v", err)
		}
	}
	if spec.DelayMs < 0 || time.Duration(spec.DelayMs)*time.Millisecond > maxFaultDelay {
		return bad("\"delayMs\" %d: want 0 to %d", spec.DelayMs, maxFaultDelay.Milliseconds())
	}
	if spec.Times < 0 {
		return bad("\"times\" %d: want 0 (until removed) or more", spec.Times)
	}
	if spec.Bytes < 0 {
		return bad("\"bytes\" %d: want 0 (half the reply) or more", spec.Bytes)
	}
	body := faultBody{
		Code: int32(code), CodeName: code.String(), Fault: spec.Fault, Remark: spec.Remark, DelayMs: spec.DelayMs,
		Bytes: spec.Bytes, Times: spec.Times, ClientID: spec.ClientID, Group: spec.Group,
	}
	if code == AnyCode {
		body.CodeName = "*"
	}
	if spec.Fault != "respond" && (len(spec.ResponseCode) > 0 || spec.Remark != "") {
		return bad("\"responseCode\" and \"remark\" go with \"fault\": \"respond\"")
	}
	if spec.Fault != "truncate" && spec.Bytes != 0 {
		return bad("\"bytes\" goes with \"fault\": \"truncate\"")
	}
	delay := time.Duration(spec.DelayMs) * time.Millisecond
	var action Action
	switch spec.Fault {
	case "respond":
		if len(spec.ResponseCode) == 0 {
			return bad("\"responseCode\": missing: want a response code number or its Java name, such as \"SYSTEM_BUSY\"")
		}
		rc, err := parseCode(spec.ResponseCode, protocol.ParseResponseCode, "ResponseCode")
		if err != nil {
			return bad("\"responseCode\": %v", err)
		}
		n := int32(rc)
		body.ResponseCode, body.ResponseCodeName = &n, rc.String()
		action = RespondCode(rc, spec.Remark)
	case "delay":
		if delay == 0 {
			return bad("\"delayMs\": want how long to hold the reply back (1 or more) for \"fault\": \"delay\"")
		}
		action = Pass()
	case "noReply":
		action = Drop()
	case "disconnect":
		action = Disconnect()
	case "truncate":
		action = Truncate(spec.Bytes)
	case "":
		return bad("\"fault\": missing: want respond, delay, noReply, disconnect or truncate")
	default:
		return bad("\"fault\" %q: want respond, delay, noReply, disconnect or truncate", spec.Fault)
	}
	if delay > 0 {
		action = action.After(delay)
	}
	var opts []InterceptOption
	if spec.Times > 0 {
		opts = append(opts, Times(spec.Times))
	}
	if spec.ClientID != "" {
		opts = append(opts, ForClient(spec.ClientID))
	}
	if spec.Group != "" {
		opts = append(opts, ForGroup(spec.Group))
	}
	f := &fault{body: body}
	f.ic = c.b.Intercept(code, func(*Request) Action { return action }, opts...)
	c.faults.add(f)
	return http.StatusCreated, f.view(), nil
}

func (c *control) listFaults(r *http.Request) (int, any, error) {
	return http.StatusOK, struct {
		Faults []faultBody `json:"faults"`
	}{c.faults.list()}, nil
}

func (c *control) removeFault(r *http.Request) (int, any, error) {
	raw := r.PathValue("id")
	id, err := strconv.Atoi(raw)
	if err != nil {
		return 0, nil, httpErr(http.StatusBadRequest, "fault id %q: want the number POST /v1/faults answered", raw)
	}
	f := c.faults.remove(id)
	if f == nil {
		return 0, nil, httpErr(http.StatusNotFound, "no fault with id %d (see GET /v1/faults)", id)
	}
	f.ic.Remove()
	return http.StatusOK, f.view(), nil
}

// clearFaults removes every interception, also those made in Go.
func (c *control) clearFaults(r *http.Request) (int, any, error) {
	c.faults.clear()
	c.b.ClearInterceptions()
	return http.StatusOK, struct {
		Cleared bool `json:"cleared"`
	}{true}, nil
}
