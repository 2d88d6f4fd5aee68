package mockbroker

import "errors"

// Errors the Broker's methods return, wrapped with what was asked and what
// the broker had; callers (and the HTTP control API) branch on them with
// errors.Is, never on message text.
var (
	// ErrClosed: the broker (or the subscription) is closed.
	ErrClosed = errors.New("mockbroker: closed")
	// ErrUnknownClient: no connection registered the client id.
	ErrUnknownClient = errors.New("unknown client id")
	// ErrUnknownProducer: the group has no producer with the client id.
	ErrUnknownProducer = errors.New("unknown producer")
	// ErrUnknownGroup: the broker knows no such group.
	ErrUnknownGroup = errors.New("unknown group")
	// ErrUnknownMessage: no kept message has the id.
	ErrUnknownMessage = errors.New("unknown message")
	// ErrNoProducer: the group has no producer that can take a request
	// from the broker (none connected, or only virtual fixture ones).
	ErrNoProducer = errors.New("no producer can take the request")
	// ErrRealClock: the operation needs a broker started WithVirtualClock.
	ErrRealClock = errors.New("the broker runs on the real clock (start it WithVirtualClock)")
)
