package controlapi

import "encoding/json"

// The wire types: what the handler writes and reads and the Client decodes
// and sends. Field order is the order of the JSON members on the wire.

// ErrorBody is every error answer: {"error": "..."}.
type ErrorBody struct {
	Error string `json:"error"`
}

// Health is GET /v1/health.
type Health struct {
	Status       string `json:"status"`    // "ok"
	Addr         string `json:"addr"`      // the mock's listen address
	Advertise    string `json:"advertise"` // the address its routes name
	Compat       string `json:"compat"`    // "5" or "4.9"
	VirtualClock bool   `json:"virtualClock"`
	Now          string `json:"now"`
	// Version is the module version of the running build, as
	// `rocketmock version` prints it (controlapi.Version).
	Version        string `json:"version"`
	ExpiryMs       int64  `json:"expiryMs"`       // how long a silent producer or consumer stays
	ScanIntervalMs int64  `json:"scanIntervalMs"` // the period of the expiry scan
}

// Clock is GET /v1/clock and the answer of POST /v1/clock/advance.
type Clock struct {
	Now          string `json:"now"`
	NowMs        int64  `json:"nowMs"`
	VirtualClock bool   `json:"virtualClock"`
}

// AdvanceRequest is POST /v1/clock/advance: exactly one of Seconds and
// Duration (a Go duration such as "2m1s").
type AdvanceRequest struct {
	Seconds  *float64 `json:"seconds,omitempty"`
	Duration *string  `json:"duration,omitempty"`
}

// Group is one producer group with its producer count.
type Group struct {
	Name      string `json:"name"`
	Producers int    `json:"producers"`
}

// GroupList is GET /v1/groups.
type GroupList struct {
	Groups []Group `json:"groups"`
}

// Producer is one producer connection with its last heartbeat.
type Producer struct {
	ClientID        string `json:"clientId"`
	Addr            string `json:"addr"`
	Language        string `json:"language"`
	Version         int32  `json:"version"`
	VersionName     string `json:"versionName"`
	LastHeartbeat   string `json:"lastHeartbeat"`
	LastHeartbeatMs int64  `json:"lastHeartbeatMs"`
	AgeMs           int64  `json:"ageMs"`
	Virtual         bool   `json:"virtual"` // a fixture's, not a TCP connection
}

// ProducerList is GET /v1/groups/{group}/producers.
type ProducerList struct {
	Group     string     `json:"group"`
	Producers []Producer `json:"producers"`
}

// WaitRequest is the body of the wait endpoints: wait for Count producers
// (exactly) or messages (at least), for TimeoutMs (default 10 s).
type WaitRequest struct {
	Count     *int   `json:"count"`
	TimeoutMs *int64 `json:"timeoutMs,omitempty"`
}

// ProducersWaited is the answer of POST /v1/groups/{group}/wait.
type ProducersWaited struct {
	Group string `json:"group"`
	Count int    `json:"count"`
}

// ProducerExpired is the answer of POST
// /v1/groups/{group}/producers/{clientId}/expire.
type ProducerExpired struct {
	Group    string `json:"group"`
	ClientID string `json:"clientId"`
	Expired  bool   `json:"expired"`
}

// ClientClosing is the answer (202) of POST /v1/clients/{clientId}/close.
type ClientClosing struct {
	ClientID string `json:"clientId"`
	Closing  bool   `json:"closing"`
}

// ScanResult is the answer of POST /v1/scan.
type ScanResult struct {
	Expired int `json:"expired"`
}

// FixtureLoaded is the answer of POST /v1/fixtures.
type FixtureLoaded struct {
	Groups    int `json:"groups"`
	Producers int `json:"producers"`
}

// ResetDone is the answer of POST /v1/reset.
type ResetDone struct {
	Reset bool `json:"reset"`
}

// Cleared is the answer of the DELETE endpoints that clear a record.
type Cleared struct {
	Cleared bool `json:"cleared"`
}

// Message is one kept message. Body is the body as text when it is valid
// UTF-8; BodyBase64 always holds it.
type Message struct {
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

// MessageList is the answer of the message endpoints; Dropped counts the
// messages that fell out of the bounded record.
type MessageList struct {
	Dropped  int64     `json:"dropped"`
	Messages []Message `json:"messages"`
}

// SendCount is how many messages one producer connection sent to a queue.
type SendCount struct {
	ClientID string `json:"clientId"`
	Addr     string `json:"addr"`
	Group    string `json:"group"`
	Topic    string `json:"topic"`
	QueueID  int32  `json:"queueId"`
	Messages int64  `json:"messages"`
}

// SendCountList is GET /v1/send-counts.
type SendCountList struct {
	Counts []SendCount `json:"counts"`
}

// EndTransaction is one kept END_TRANSACTION request.
type EndTransaction struct {
	Seq                  uint64 `json:"seq"`
	Group                string `json:"group"`
	ClientID             string `json:"clientId"`
	Addr                 string `json:"addr"`
	Topic                string `json:"topic"`
	MsgID                string `json:"msgId"`
	TransactionID        string `json:"transactionId"`
	CommitLogOffset      int64  `json:"commitLogOffset"`
	TranStateTableOffset int64  `json:"tranStateTableOffset"`
	State                string `json:"state"` // commit, rollback, unknown
	FromCheck            bool   `json:"fromCheck"`
	Remark               string `json:"remark"`
	Time                 string `json:"time"`
	TimeMs               int64  `json:"timeMs"`
}

// EndTransactionList is GET /v1/transactions.
type EndTransactionList struct {
	EndTransactions []EndTransaction `json:"endTransactions"`
}

// CheckTransactionRequest is POST /v1/groups/{group}/check-transaction:
// the message (its UNIQ_KEY or offset msg id) and, to wait for the
// producer's END_TRANSACTION, how long.
type CheckTransactionRequest struct {
	MsgID  string `json:"msgId"`
	WaitMs *int64 `json:"waitMs,omitempty"`
}

// TransactionCheck is the answer of POST
// /v1/groups/{group}/check-transaction: the connection the check went to,
// and with waitMs the END_TRANSACTION that answered it.
type TransactionCheck struct {
	Group          string          `json:"group"`
	Conn           Conn            `json:"conn"`
	MsgID          string          `json:"msgId"`
	EndTransaction *EndTransaction `json:"endTransaction,omitempty"`
}

// Conn names one client connection.
type Conn struct {
	ID       uint64 `json:"id"`
	Addr     string `json:"addr"`
	ClientID string `json:"clientId"`
}

// JournalEntry is one request the broker handled and what became of it.
type JournalEntry struct {
	Seq         uint64 `json:"seq"`
	Time        string `json:"time"`
	TimeMs      int64  `json:"timeMs"`
	Conn        Conn   `json:"conn"`
	Code        int32  `json:"code"`
	CodeName    string `json:"codeName"`
	Opaque      int32  `json:"opaque"`
	Oneway      bool   `json:"oneway"`
	Outcome     string `json:"outcome"`
	Result      *int32 `json:"result,omitempty"`
	ResultName  string `json:"resultName,omitempty"`
	Remark      string `json:"remark,omitempty"`
	Intercepted bool   `json:"intercepted"`
	DelayMs     int64  `json:"delayMs"`
	DurationUs  int64  `json:"durationUs"`
	Denied      string `json:"denied,omitempty"`   // the ACL's remark when it refused the request
	Messages    int    `json:"messages,omitempty"` // the messages a PULL_MESSAGE reply carried
}

// Journal is GET /v1/journal.
type Journal struct {
	Dropped int64          `json:"dropped"`
	Entries []JournalEntry `json:"entries"`
}

// FaultSpec is a fault as POST /v1/faults takes it. Code and ResponseCode
// are JSON numbers or Java constant names (CodeName builds one); Code "*"
// is every request code.
type FaultSpec struct {
	Code         json.RawMessage `json:"code,omitempty"`         // request code: number, Java name, or "*"
	Fault        string          `json:"fault"`                  // respond, delay, noReply, disconnect, truncate
	ResponseCode json.RawMessage `json:"responseCode,omitempty"` // for respond: number or Java name
	Remark       string          `json:"remark,omitempty"`       // for respond
	DelayMs      int64           `json:"delayMs,omitempty"`      // for delay; with the others, writes later
	Bytes        int             `json:"bytes,omitempty"`        // for truncate: bytes of the reply written (0: half)
	Times        int             `json:"times,omitempty"`        // uses before it goes; 0: until removed
	ClientID     string          `json:"clientId,omitempty"`     // only requests on this client's connections
	Group        string          `json:"group,omitempty"`        // only requests about this group
}

// CodeName is a request or response code given by its Java name (or "*")
// in a FaultSpec.
func CodeName(name string) json.RawMessage {
	data, _ := json.Marshal(name) // a string always marshals
	return data
}

// Fault is one fault registered through the API, with how often it hit
// and whether it is still in force.
type Fault struct {
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

// FaultList is GET /v1/faults.
type FaultList struct {
	Faults []Fault `json:"faults"`
}

// ClientReport is GET /v1/clients/report (rocketmock serve
// --client-checks): what the client checks found.
type ClientReport struct {
	Connections int             `json:"connections"`
	Requests    int             `json:"requests"`
	Findings    []ClientFinding `json:"findings"` // at most clientcheck.MaxFindingsPerCheck of each check
	// Omitted counts, by check, the findings past the cap.
	Omitted map[string]int `json:"omitted,omitempty"`
	// Forgotten counts connections not followed past clientcheck.MaxTrackedConns.
	Forgotten int `json:"forgotten,omitempty"`
}

// ClientFinding is one thing a client did that a careful client should not.
type ClientFinding struct {
	Check    string `json:"check"`
	Conn     string `json:"conn"`
	ClientID string `json:"clientId,omitempty"`
	Time     string `json:"time"`
	Detail   string `json:"detail"`
}
