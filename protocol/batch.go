package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// A SEND_BATCH_MESSAGE body is a concatenation of records
// (MessageDecoder.encodeMessages, Go MarshalMessageBatch):
//
//	int32 totalSize   size of this record, totalSize field included
//	int32 magicCode   0
//	int32 bodyCRC     0
//	int32 flag        Message.flag
//	int32 bodyLen
//	      body
//	int16 propLen     signed: Java refuses more than 32767
//	      properties  "name\x01value\x02…"

// BatchRecordOverhead is the size of a batch record without body and properties.
const BatchRecordOverhead = 4 + 4 + 4 + 4 + 4 + 2

// ErrBadBatch is wrapped by every error about a malformed batch body.
var ErrBadBatch = errors.New("malformed batch body")

// BatchMessage is one record of a batch body. Body aliases the batch body.
type BatchMessage struct {
	Offset     int    // where the record starts in the batch body
	Flag       int32  // Message.flag
	Body       []byte // the message body
	Properties string // "name\x01value\x02…", see ParseProperties
}

// PropertiesMap parses m.Properties.
func (m BatchMessage) PropertiesMap() map[string]string { return ParseProperties(m.Properties) }

// Property returns one property of the message.
func (m BatchMessage) Property(name string) (string, bool) { return LookupProperty(m.Properties, name) }

// WalkBatch calls fn (if non-nil) for each record of a batch body, in order,
// with its index, and returns the number of records that were well formed
// and accepted by fn. It stops at the first malformed record (an error
// wrapping ErrBadBatch that names the record, its offset and the offending
// value) or at the first error from fn, which it returns as is. An empty
// body has no records.
func WalkBatch(body []byte, fn func(i int, m BatchMessage) error) (int, error) {
	n := 0
	for off := 0; off < len(body); n++ {
		m, next, err := readBatchRecord(body, off, n)
		if err != nil {
			return n, err
		}
		if fn != nil {
			if err := fn(n, m); err != nil {
				return n, err
			}
		}
		off = next
	}
	return n, nil
}

// CountBatch returns the number of records in a batch body, checking each.
func CountBatch(body []byte) (int, error) { return WalkBatch(body, nil) }

// DecodeBatch returns every record of a batch body.
func DecodeBatch(body []byte) ([]BatchMessage, error) {
	var out []BatchMessage
	_, err := WalkBatch(body, func(_ int, m BatchMessage) error {
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func readBatchRecord(b []byte, off, i int) (BatchMessage, int, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: record %d at offset %d: %s", ErrBadBatch, i, off, fmt.Sprintf(format, args...))
	}
	left := len(b) - off
	if left < BatchRecordOverhead {
		return BatchMessage{}, 0, bad("truncated: %d bytes left, a record needs at least %d", left, BatchRecordOverhead)
	}
	total := int64(int32(binary.BigEndian.Uint32(b[off:])))
	if total < BatchRecordOverhead {
		return BatchMessage{}, 0, bad("totalSize %d is less than the %d-byte minimum", total, BatchRecordOverhead)
	}
	if total > int64(left) {
		return BatchMessage{}, 0, bad("totalSize %d exceeds the %d bytes left", total, left)
	}
	rec := b[off : off+int(total)]
	flag := int32(binary.BigEndian.Uint32(rec[12:]))
	bodyLen := int64(int32(binary.BigEndian.Uint32(rec[16:])))
	if bodyLen < 0 || 20+bodyLen+2 > total {
		return BatchMessage{}, 0, bad("bodyLen %d does not fit in totalSize %d", bodyLen, total)
	}
	p := 20 + int(bodyLen)
	propLen := int64(int16(binary.BigEndian.Uint16(rec[p:])))
	if propLen < 0 {
		return BatchMessage{}, 0, bad("propLen %d is negative (properties over 32767 bytes?)", propLen)
	}
	if want := int64(BatchRecordOverhead) + bodyLen + propLen; want != total {
		return BatchMessage{}, 0, bad("totalSize %d, but bodyLen %d and propLen %d make %d", total, bodyLen, propLen, want)
	}
	m := BatchMessage{
		Offset:     off,
		Flag:       flag,
		Body:       rec[20:p:p],
		Properties: string(rec[p+2:]),
	}
	return m, off + int(total), nil
}

// AppendBatchMessage appends one batch record to dst, as the clients encode
// it (magicCode and bodyCRC 0). Like Java it stores len(properties) as an
// int16 without checking, so properties over 32767 bytes make a record
// WalkBatch rejects.
func AppendBatchMessage(dst []byte, flag int32, body []byte, properties string) []byte {
	total := BatchRecordOverhead + len(body) + len(properties)
	if total > math.MaxInt32 {
		panic("protocol: batch record over 2 GiB")
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, 0) // magicCode
	dst = binary.BigEndian.AppendUint32(dst, 0) // bodyCRC
	dst = binary.BigEndian.AppendUint32(dst, uint32(flag))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	dst = append(dst, body...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(properties)))
	return append(dst, properties...)
}
