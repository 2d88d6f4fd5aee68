package protocol

import (
	"bytes"
	"encoding/binary"
	"io"
)

// DefaultMaxFrame is Netty's frameMaxLength: the largest frame, length field
// included (so the largest length field is DefaultMaxFrame-4).
const DefaultMaxFrame = 16 << 20

// PeekFrame looks at the bytes buffered so far and returns the size of the
// first frame, its 4-byte length field included, once all of it is there.
// It returns 0 when more bytes are needed. It fails as soon as the length
// field is known to be bad, before the claimed bytes arrive. maxFrame <= 0
// means DefaultMaxFrame.
func PeekFrame(buf []byte, maxFrame int) (int, error) {
	if len(buf) < 4 {
		return 0, nil
	}
	n, err := FrameSize(buf[:4], maxFrame)
	if err != nil || len(buf) < n {
		return 0, err
	}
	return n, nil
}

// FrameSize returns the total size of a frame from its 4-byte length field,
// checking it against maxFrame (<= 0 means DefaultMaxFrame).
func FrameSize(lengthField []byte, maxFrame int) (int, error) {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	length := int32(binary.BigEndian.Uint32(lengthField))
	if length < 0 {
		return 0, &NegativeLengthError{Length: length}
	}
	if int64(length)+4 > int64(maxFrame) {
		return 0, &FrameTooLargeError{Length: int64(length), Max: maxFrame}
	}
	return int(length) + 4, nil
}

// DecodeFrame decodes exactly one frame, length field included (as PeekFrame
// measured it). The body is copied, so buf may be reused afterwards.
func DecodeFrame(buf []byte) (*Command, error) {
	if len(buf) < 4 {
		return nil, &HeaderLengthError{HeaderLength: -1, Available: len(buf)}
	}
	length := int32(binary.BigEndian.Uint32(buf))
	if length < 0 {
		return nil, &NegativeLengthError{Length: length}
	}
	if int(length) != len(buf)-4 {
		return nil, &HeaderLengthError{HeaderLength: int(length), Available: len(buf) - 4}
	}
	return decodeCommand(buf[4:])
}

// decodeCommand decodes what follows the length field.
func decodeCommand(frame []byte) (*Command, error) {
	if len(frame) < 4 {
		return nil, &HeaderLengthError{HeaderLength: -1, Available: len(frame)}
	}
	lt := binary.BigEndian.Uint32(frame)
	st := SerializeType(lt >> 24)
	hlen := int(lt & 0xFFFFFF)
	if hlen > len(frame)-4 {
		return nil, &HeaderLengthError{HeaderLength: hlen, Available: len(frame) - 4}
	}
	header := frame[4 : 4+hlen]
	cmd := &Command{Serialize: st}
	var err error
	switch st {
	case JSON:
		err = decodeJSONHeader(header, cmd)
	case RocketMQ:
		err = decodeBinaryHeader(header, cmd)
	default:
		return nil, &SerializeTypeError{Type: byte(st)}
	}
	if err != nil {
		return nil, err
	}
	if body := frame[4+hlen:]; len(body) > 0 {
		cmd.Body = append([]byte(nil), body...)
	}
	return cmd, nil
}

// AppendFrame appends the command as one frame, in its Serialize type, to dst.
func (c *Command) AppendFrame(dst []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
	var err error
	switch c.Serialize {
	case JSON:
		dst = appendJSONHeader(dst, c)
	case RocketMQ:
		dst, err = appendBinaryHeader(dst, c)
	default:
		err = &EncodeError{Reason: "unknown serialize type " + itoa(int64(c.Serialize))}
	}
	if err != nil {
		return dst[:start], err
	}
	hlen := len(dst) - start - 8
	if hlen > 0xFFFFFF {
		return dst[:start], &EncodeError{Reason: "header of " + itoa(int64(hlen)) + " bytes exceeds 24 bits"}
	}
	dst = append(dst, c.Body...)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	binary.BigEndian.PutUint32(dst[start+4:], uint32(c.Serialize)<<24|uint32(hlen))
	return dst, nil
}

// Encode returns the command as one frame.
func (c *Command) Encode() ([]byte, error) { return c.AppendFrame(nil) }

// ReadFrame reads one whole frame from r, for blocking clients and tests
// (an event loop uses PeekFrame instead). The length field is checked
// against maxFrame (<= 0 means DefaultMaxFrame) before anything else is
// read, and the buffer grows only as bytes arrive, so a false length
// claim costs no memory. A stream that ends inside a frame gives
// io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, maxFrame int) (*Command, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n, err := FrameSize(head[:], maxFrame)
	if err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(n, 64<<10)))
	buf.Write(head[:])
	if m, err := buf.ReadFrom(io.LimitReader(r, int64(n-4))); err != nil {
		return nil, err
	} else if int(m) != n-4 {
		return nil, io.ErrUnexpectedEOF
	}
	return DecodeFrame(buf.Bytes())
}
