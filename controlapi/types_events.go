package controlapi

// Wire types of the event stream, GET /v1/events (events.go).

// Event is one event of GET /v1/events, the data line of its SSE event
// (whose event line is Kind). Members that do not apply are left out. A
// "gap" event has only Kind, MissedFrom and MissedTo.
type Event struct {
	// ID numbers the handler's events 1, 2, 3 ...; it is the SSE id.
	ID int64 `json:"id,omitempty"`
	// Kind is mockbroker.ProducerEventKind.String(): "registered",
	// "consumer-expired", "fault-fired", "clock-advanced", ...; or "gap".
	Kind string `json:"kind"`
	// Role is "producer", "consumer", "fault" or "clock".
	Role     string `json:"role,omitempty"`
	Group    string `json:"group,omitempty"`
	ClientID string `json:"clientId,omitempty"`
	Addr     string `json:"addr,omitempty"` // the client's "ip:port"
	// ConnID is the broker's number of the connection (ConnInfo.ID).
	ConnID  uint64 `json:"connId,omitempty"`
	Virtual bool   `json:"virtual,omitempty"` // a fixture's virtual producer
	// Time is when it happened on the broker's clock (RFC 3339, UTC,
	// nanoseconds), TimeMs the same in Unix milliseconds.
	Time   string `json:"time,omitempty"`
	TimeMs int64  `json:"timeMs,omitempty"`
	// Code and CodeName are, for fault-fired, the request's code.
	Code     *int32 `json:"code,omitempty"`
	CodeName string `json:"codeName,omitempty"`
	// Action is, for fault-fired, what the fault did
	// (mockbroker.Action.String(), such as "respond-code 2").
	Action string `json:"action,omitempty"`
	// AdvancedMs is, for clock-advanced, how far the clock moved.
	AdvancedMs int64 `json:"advancedMs,omitempty"`
	// Reason says in a few words why a client left, for the expired,
	// closed and unregistered kinds: "no heartbeat for 2m0s",
	// "connection closed", "UNREGISTER_CLIENT".
	Reason string `json:"reason,omitempty"`
	// MissedFrom and MissedTo are, for "gap", the first and last id of
	// the events the stream lost: the client reloads its state.
	MissedFrom int64 `json:"missedFrom,omitempty"`
	MissedTo   int64 `json:"missedTo,omitempty"`
}
