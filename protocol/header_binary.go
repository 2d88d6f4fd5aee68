package protocol

import (
	"encoding/binary"
	"math"
)

// binaryFixed is the size of the fixed part of a ROCKETMQ header:
// code(2) language(1) version(2) opaque(4) flag(4) remarkLen(4) extLen(4).
const binaryFixed = 21

// appendBinaryHeader writes the header as RocketMQSerializable does:
// empty strings are written with length 0, extFields in Java HashMap order.
func appendBinaryHeader(dst []byte, c *Command) ([]byte, error) {
	if c.Code < math.MinInt16 || c.Code > math.MaxInt16 {
		return dst, &EncodeError{Reason: "code " + itoa(int64(c.Code)) + " does not fit the ROCKETMQ header's int16"}
	}
	if c.Version < math.MinInt16 || c.Version > math.MaxInt16 {
		return dst, &EncodeError{Reason: "version " + itoa(int64(c.Version)) + " does not fit the ROCKETMQ header's int16"}
	}
	lang := byte(0xFF) // Java would fail on a null language; this decodes back to LanguageUnknown
	if c.Language.Known() {
		lang = byte(c.Language)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(c.Code)))
	dst = append(dst, lang)
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(c.Version)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Opaque))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Flag))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Remark)))
	dst = append(dst, c.Remark...)
	extAt := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	var kb [16]string
	for _, k := range javaMapOrder(c.ExtFields, c.ExtFieldsTable, kb[:0]) {
		if len(k) > math.MaxInt16 {
			return dst, &EncodeError{Reason: "extFields key of " + itoa(int64(len(k))) + " bytes exceeds int16"}
		}
		v := c.ExtFields[k]
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(k)))
		dst = append(dst, k...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		dst = append(dst, v...)
	}
	binary.BigEndian.PutUint32(dst[extAt:], uint32(len(dst)-extAt-4))
	return dst, nil
}

// decodeBinaryHeader parses a ROCKETMQ header. Like Java, a string of length
// 0 reads as absent ("" here); unlike Java, nothing is read past the header.
func decodeBinaryHeader(b []byte, c *Command) error {
	fail := func(off int, reason string) error {
		return &HeaderError{Serialize: RocketMQ, Offset: off, Reason: reason}
	}
	if len(b) < binaryFixed {
		return fail(len(b), "header of "+itoa(int64(len(b)))+" bytes is shorter than the fixed 21")
	}
	c.Code = int32(int16(binary.BigEndian.Uint16(b)))
	c.Language = LanguageFromByte(b[2])
	c.Version = MQVersion(int16(binary.BigEndian.Uint16(b[3:])))
	c.Opaque = int32(binary.BigEndian.Uint32(b[5:]))
	c.Flag = int32(binary.BigEndian.Uint32(b[9:]))
	pos := 13
	rlen := int32(binary.BigEndian.Uint32(b[pos:]))
	pos += 4
	if rlen < 0 || int(rlen) > len(b)-pos-4 {
		return fail(13, "remark length "+itoa(int64(rlen))+" is beyond the header ("+itoa(int64(len(b)-pos-4))+" bytes left)")
	}
	c.Remark = string(b[pos : pos+int(rlen)])
	pos += int(rlen)
	elen := int32(binary.BigEndian.Uint32(b[pos:]))
	if elen < 0 || int(elen) > len(b)-pos-4 {
		return fail(pos, "extFields length "+itoa(int64(elen))+" is beyond the header ("+itoa(int64(len(b)-pos-4))+" bytes left)")
	}
	pos += 4
	if elen == 0 {
		return nil
	}
	end := pos + int(elen)
	c.ExtFields = make(map[string]string)
	for pos < end {
		if end-pos < 2 {
			return fail(pos, "truncated extFields key length")
		}
		klen := int(int16(binary.BigEndian.Uint16(b[pos:])))
		if klen < 0 || klen > end-pos-2 {
			return fail(pos, "extFields key length "+itoa(int64(klen))+" is beyond the extFields area")
		}
		pos += 2
		k := string(b[pos : pos+klen])
		pos += klen
		if end-pos < 4 {
			return fail(pos, "truncated extFields value length for key "+k)
		}
		vlen := int32(binary.BigEndian.Uint32(b[pos:]))
		if vlen < 0 || int(vlen) > end-pos-4 {
			return fail(pos, "extFields value length "+itoa(int64(vlen))+" for key "+k+" is beyond the extFields area")
		}
		pos += 4
		c.ExtFields[k] = string(b[pos : pos+int(vlen)])
		pos += int(vlen)
	}
	return nil
}
