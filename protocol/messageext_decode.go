package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"strings"
	"time"
)

// MessageMagicV2 is MessageDecoder.MESSAGE_MAGIC_CODE_V2 (5.x): a stored
// message whose topic length takes two bytes. A 5.x broker writes it only for
// topics over 127 bytes; Go and ali-ons clients cannot read it.
const MessageMagicV2 uint32 = 0xDAA320AB

// messageExtFixed is the size of a stored message without hosts, body,
// topic and properties: every fixed-width field and the body length.
const messageExtFixed = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 4 + 8 + 4

// ErrBadMessageExt is wrapped by every error DecodeMessageExt and
// WalkMessageExts return.
var ErrBadMessageExt = errors.New("malformed stored message")

// DecodeMessageExt decodes the stored message at the start of b, in the
// format MessageDecoder reads (a PULL_MESSAGE body is a run of them, a
// VIEW_MESSAGE_BY_ID body one), and returns it with its size. It accepts
// the V1 and V2 magic codes and checks storeSize against the fields and
// bodyCRC against the body. The message does not alias b.
func DecodeMessageExt(b []byte) (*MessageExt, int, error) {
	fail := func(format string, args ...any) (*MessageExt, int, error) {
		return nil, 0, fmt.Errorf("%w: "+format, append([]any{ErrBadMessageExt}, args...)...)
	}
	if len(b) < 8 {
		return fail("%d bytes, want at least 8 for storeSize and magicCode", len(b))
	}
	size := int64(int32(binary.BigEndian.Uint32(b)))
	if size < messageExtFixed+8+8+1+2 || size > int64(len(b)) {
		return fail("storeSize %d, want at least %d and at most the %d bytes left", size, messageExtFixed+8+8+1+2, len(b))
	}
	rec := b[:size]
	magic := binary.BigEndian.Uint32(rec[4:])
	if magic != MessageMagicV1 && magic != MessageMagicV2 {
		return fail("magicCode %#08x, want %#08x or %#08x", magic, MessageMagicV1, MessageMagicV2)
	}
	p := 8
	u32 := func() uint32 { v := binary.BigEndian.Uint32(rec[p:]); p += 4; return v }
	u64 := func() uint64 { v := binary.BigEndian.Uint64(rec[p:]); p += 8; return v }
	need := func(n int, what string) error {
		if n < 0 || len(rec)-p < n {
			return fmt.Errorf("%w: %s needs %d bytes at offset %d, the record (storeSize %d) has %d left",
				ErrBadMessageExt, what, n, p, size, len(rec)-p)
		}
		return nil
	}
	m := new(MessageExt)
	crc := u32()
	m.QueueID = int32(u32())
	m.Flag = int32(u32())
	m.QueueOffset = int64(u64())
	m.CommitLogOffset = int64(u64())
	m.SysFlag = int32(u32())
	m.BornTimestamp = time.UnixMilli(int64(u64()))
	host := func(v6 bool, what string) (net.IP, int32, error) {
		n := net.IPv4len
		if v6 {
			n = net.IPv6len
		}
		if err := need(n+4, what); err != nil {
			return nil, 0, err
		}
		ip := net.IP(append([]byte(nil), rec[p:p+n]...))
		p += n
		return ip, int32(u32()), nil
	}
	var err error
	if m.BornHost, m.BornPort, err = host(m.SysFlag&SysFlagBornHostV6 != 0, "bornHost"); err != nil {
		return nil, 0, err
	}
	if err := need(8, "storeTimestamp"); err != nil {
		return nil, 0, err
	}
	m.StoreTimestamp = time.UnixMilli(int64(u64()))
	if m.StoreHost, m.StorePort, err = host(m.SysFlag&SysFlagStoreHostV6 != 0, "storeHost"); err != nil {
		return nil, 0, err
	}
	if err := need(4+8+4, "reconsumeTimes, preparedTransactionOffset and bodyLength"); err != nil {
		return nil, 0, err
	}
	m.ReconsumeTimes = int32(u32())
	m.PreparedTransactionOffset = int64(u64())
	bodyLen := int(int32(u32()))
	if err := need(bodyLen, "body"); err != nil {
		return nil, 0, err
	}
	if bodyLen > 0 {
		m.Body = append([]byte(nil), rec[p:p+bodyLen]...)
	}
	p += bodyLen
	if want := crc32.ChecksumIEEE(m.Body) & 0x7FFFFFFF; crc != want {
		return fail("bodyCRC %d, want %d (CRC32 of the %d-byte body)", crc, want, bodyLen)
	}
	topicLen := 0
	if magic == MessageMagicV1 {
		if err := need(1, "topicLength"); err != nil {
			return nil, 0, err
		}
		topicLen = int(rec[p])
		p++
	} else {
		if err := need(2, "topicLength"); err != nil {
			return nil, 0, err
		}
		topicLen = int(binary.BigEndian.Uint16(rec[p:]))
		p += 2
	}
	if err := need(topicLen, "topic"); err != nil {
		return nil, 0, err
	}
	m.Topic = string(rec[p : p+topicLen])
	p += topicLen
	if err := need(2, "propertiesLength"); err != nil {
		return nil, 0, err
	}
	propLen := int(int16(binary.BigEndian.Uint16(rec[p:])))
	p += 2
	if err := need(propLen, "properties"); err != nil {
		return nil, 0, err
	}
	m.PropertiesString = string(rec[p : p+propLen])
	p += propLen
	if p != len(rec) {
		return fail("storeSize %d, but the fields end after %d bytes", size, p)
	}
	if m.PropertiesString != "" {
		m.Properties = ParseProperties(m.PropertiesString)
	}
	return m, int(size), nil
}

// WalkMessageExts decodes the stored messages of body one after another, as
// a client decodes a PULL_MESSAGE body, and calls fn with each one's index
// and the message. It stops at the first malformed message or fn error and
// returns how many messages fn was called for.
func WalkMessageExts(body []byte, fn func(i int, m *MessageExt) error) (int, error) {
	n := 0
	for off := 0; off < len(body); {
		m, size, err := DecodeMessageExt(body[off:])
		if err != nil {
			return n, fmt.Errorf("message %d at byte %d: %w", n, off, err)
		}
		if err := fn(n, m); err != nil {
			return n, err
		}
		n++
		off += size
	}
	return n, nil
}

// DecodeMessageExts decodes every stored message of a PULL_MESSAGE body.
func DecodeMessageExts(body []byte) ([]*MessageExt, error) {
	var out []*MessageExt
	_, err := WalkMessageExts(body, func(_ int, m *MessageExt) error {
		out = append(out, m)
		return nil
	})
	return out, err
}

// Tags returns the message's TAGS property.
func (m *MessageExt) Tags() string {
	if m.Properties != nil {
		return m.Properties[PropertyTags]
	}
	v, _ := LookupProperty(m.PropertiesString, PropertyTags)
	return v
}

// OffsetMsgID returns the message's offset message id: its store host and
// commit-log offset (see FormatOffsetMsgID).
func (m *MessageExt) OffsetMsgID() string {
	return FormatOffsetMsgID(m.StoreHost, m.StorePort, m.CommitLogOffset)
}

// FormatPropertiesAs joins properties as the broker of the given release
// does when it rewrites a message's properties (for instance to add
// CLUSTER): entries in the order of the Java HashMap holding them (5.x's
// string2messageProperties makes a HashMap(128), 4.9.8 a default one), each
// followed by \x02, except that 4.9.8 drops the last one.
func FormatPropertiesAs(r Release, m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	capacity := 128
	if r == Release498 {
		capacity = 0
	}
	keys := javaMapOrder(m, capacity, make([]string, 0, len(m)))
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(PropertyNameValueSeparator)
		b.WriteString(m[k])
		b.WriteByte(PropertySeparator)
	}
	s := b.String()
	if r == Release498 {
		s = s[:len(s)-1]
	}
	return s
}
