package protocol

import (
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by every error that means the byte stream can no
// longer be trusted: the Java broker closes the connection on any of them.
var ErrCorrupt = errors.New("corrupt remoting frame")

// FrameTooLargeError: the length field claims a frame beyond the limit.
type FrameTooLargeError struct {
	Length int64 // the length field's value
	Max    int   // the limit on length+4
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("frame length %d (+4) exceeds the limit of %d bytes", e.Length, e.Max)
}

// Unwrap returns ErrCorrupt.
func (e *FrameTooLargeError) Unwrap() error { return ErrCorrupt }

// NegativeLengthError: the length field is negative.
type NegativeLengthError struct{ Length int32 }

func (e *NegativeLengthError) Error() string {
	return fmt.Sprintf("negative frame length %d", e.Length)
}

// Unwrap returns ErrCorrupt.
func (e *NegativeLengthError) Unwrap() error { return ErrCorrupt }

// HeaderLengthError: the header length does not fit in the frame, or the
// frame is too short to hold the header-length field.
type HeaderLengthError struct {
	HeaderLength int // declared header length (-1 when the field itself is missing)
	Available    int // bytes the frame has after its header-length field
}

func (e *HeaderLengthError) Error() string {
	if e.HeaderLength < 0 {
		return fmt.Sprintf("frame of %d bytes is too short for the header-length field (4 bytes)", e.Available)
	}
	return fmt.Sprintf("header length %d is beyond the frame (%d bytes left)", e.HeaderLength, e.Available)
}

// Unwrap returns ErrCorrupt.
func (e *HeaderLengthError) Unwrap() error { return ErrCorrupt }

// SerializeTypeError: the header type byte is neither 0 (JSON) nor 1 (ROCKETMQ).
type SerializeTypeError struct{ Type byte }

func (e *SerializeTypeError) Error() string {
	return fmt.Sprintf("unknown serialize type %d (want 0 JSON or 1 ROCKETMQ)", e.Type)
}

// Unwrap returns ErrCorrupt.
func (e *SerializeTypeError) Unwrap() error { return ErrCorrupt }

// HeaderError: the header bytes do not decode.
type HeaderError struct {
	Serialize SerializeType
	Offset    int    // byte offset within the header
	Reason    string // what was expected
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("malformed %s header at byte %d: %s", e.Serialize, e.Offset, e.Reason)
}

// Unwrap returns ErrCorrupt.
func (e *HeaderError) Unwrap() error { return ErrCorrupt }

// EncodeError: a command cannot be written in the requested form.
type EncodeError struct{ Reason string }

func (e *EncodeError) Error() string { return "cannot encode command: " + e.Reason }
