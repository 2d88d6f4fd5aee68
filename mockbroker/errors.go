package mockbroker

import (
	"errors"
	"fmt"
)

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
	// ErrUnknownConsumer: the consumer group has no client with the id.
	ErrUnknownConsumer = errors.New("unknown consumer")
	// ErrUnknownTopic: the broker knows no such topic.
	ErrUnknownTopic = errors.New("unknown topic")
	// ErrInvalidOffset: a consumer offset out of range (negative, or a
	// queue the topic does not have).
	ErrInvalidOffset = errors.New("invalid consumer offset")
	// ErrUnknownMessage: no kept message has the id.
	ErrUnknownMessage = errors.New("unknown message")
	// ErrNoProducer: the group has no producer that can take a request
	// from the broker (none connected, or only virtual fixture ones).
	ErrNoProducer = errors.New("no producer can take the request")
	// ErrRealClock: the operation needs a broker started WithVirtualClock.
	ErrRealClock = errors.New("the broker runs on the real clock (start it WithVirtualClock)")
	// ErrInvalidAddress: an advertised address that is not "ip:port"
	// with an IP literal and a port from 1 to 65535 (SetAdvertise).
	ErrInvalidAddress = errors.New("invalid advertised address")
	// ErrInvalidTopic: a topic name or config the broker refuses (blank,
	// illegal characters, too long, a system topic, no queues).
	ErrInvalidTopic = errors.New("invalid topic")
	// ErrInvalidGroup: a subscription group config the broker refuses.
	ErrInvalidGroup = errors.New("invalid subscription group")
)

// kindError is an error of one of the kinds above whose message already
// says it in words: errors.Is finds the kind, the text stays as written.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// errorOf formats an error of the given kind.
func errorOf(kind error, format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: kind}
}
