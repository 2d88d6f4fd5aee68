package protocol

import (
	"strconv"
	"unicode/utf8"
)

// appendJSONHeader writes the header as fastjson writes a RemotingCommand:
// compact, properties in alphabetical order, remark and extFields left out
// when absent, extFields values as strings in Java HashMap order.
func appendJSONHeader(dst []byte, c *Command) []byte {
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(c.Code), 10)
	if c.ExtFields != nil {
		dst = append(dst, `,"extFields":{`...)
		var kb [16]string
		for i, k := range javaMapOrder(c.ExtFields, c.ExtFieldsTable, kb[:0]) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = fjAppendString(dst, k, false)
			dst = append(dst, ':')
			dst = fjAppendString(dst, c.ExtFields[k], false)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"flag":`...)
	dst = strconv.AppendInt(dst, int64(c.Flag), 10)
	if c.Language.Known() {
		dst = append(dst, `,"language":"`...)
		dst = append(dst, c.Language.String()...)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"opaque":`...)
	dst = strconv.AppendInt(dst, int64(c.Opaque), 10)
	if c.Remark != "" {
		dst = append(dst, `,"remark":`...)
		dst = fjAppendString(dst, c.Remark, false)
	}
	dst = append(dst, `,"serializeTypeCurrentRPC":"JSON","version":`...)
	dst = strconv.AppendInt(dst, int64(c.Version), 10)
	return append(dst, '}')
}

// maxJSONDepth bounds nesting in skipped values.
const maxJSONDepth = 64

// jsonScanner reads one JSON header leniently, as fastjson parses it into a
// RemotingCommand: unknown keys skipped, numbers and booleans accepted where
// strings are expected and the other way round.
type jsonScanner struct {
	b   []byte
	pos int
}

func (s *jsonScanner) fail(reason string) error {
	return &HeaderError{Serialize: JSON, Offset: s.pos, Reason: reason}
}

func (s *jsonScanner) ws() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// expect consumes c after optional white space.
func (s *jsonScanner) expect(c byte) error {
	s.ws()
	if s.pos >= len(s.b) {
		return s.fail("unexpected end, want '" + string(c) + "'")
	}
	if s.b[s.pos] != c {
		return s.fail("want '" + string(c) + "', found " + strconv.QuoteRune(rune(s.b[s.pos])))
	}
	s.pos++
	return nil
}

// peek returns the next non-space byte, or 0 at the end.
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.pos >= len(s.b) {
		return 0
	}
	return s.b[s.pos]
}

// rawString returns the bytes of a string literal without its quotes and
// whether it has escapes.
func (s *jsonScanner) rawString() ([]byte, bool, error) {
	if err := s.expect('"'); err != nil {
		return nil, false, err
	}
	start, esc := s.pos, false
	for s.pos < len(s.b) {
		switch c := s.b[s.pos]; {
		case c == '"':
			raw := s.b[start:s.pos]
			s.pos++
			return raw, esc, nil
		case c == '\\':
			esc = true
			s.pos += 2
		case c < 0x20:
			return nil, false, s.fail("control character in string")
		default:
			s.pos++
		}
	}
	s.pos = len(s.b)
	return nil, false, s.fail("unterminated string")
}

// str reads a string literal.
func (s *jsonScanner) str() (string, error) {
	raw, esc, err := s.rawString()
	if err != nil {
		return "", err
	}
	if !esc {
		return string(raw), nil
	}
	return s.unescape(raw)
}

func (s *jsonScanner) unescape(raw []byte) (string, error) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			return "", s.fail("bad escape at end of string")
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(raw[i+1:])
			if !ok {
				return "", s.fail(`bad \u escape`)
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if r2, ok := hex4(raw[i+3:]); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
					i += 6
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", s.fail("bad escape \\" + string(raw[i]))
		}
	}
	return string(out), nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// literal reads a number, true, false or null and returns its text.
func (s *jsonScanner) literal() ([]byte, error) {
	s.ws()
	start := s.pos
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		s.pos++
	}
	lit := s.b[start:s.pos]
	switch string(lit) {
	case "true", "false", "null":
		return lit, nil
	}
	if len(lit) == 0 {
		return nil, s.fail("want a value")
	}
	if !isJSONNumber(lit) {
		s.pos = start
		return nil, s.fail("want a value, found " + strconv.Quote(string(lit)))
	}
	return lit, nil
}

func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := 0
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.' || b[i] == 'e' || b[i] == 'E' || b[i] == '+' || b[i] == '-') {
		if b[i] >= '0' && b[i] <= '9' {
			digits++
		}
		i++
	}
	return i == len(b) && digits > 0
}

// int32Value reads a number (or a numeric string, as fastjson allows).
func (s *jsonScanner) int32Value(field string) (int32, error) {
	var text []byte
	if s.peek() == '"' {
		raw, _, err := s.rawString()
		if err != nil {
			return 0, err
		}
		text = raw
	} else {
		lit, err := s.literal()
		if err != nil {
			return 0, err
		}
		if string(lit) == "null" {
			return 0, nil
		}
		text = lit
	}
	v, err := strconv.ParseInt(string(text), 10, 32)
	if err != nil {
		return 0, s.fail(field + " wants a 32-bit integer, found " + strconv.Quote(string(text)))
	}
	return int32(v), nil
}

// skip skips one value of any kind.
func (s *jsonScanner) skip(depth int) error {
	switch s.peek() {
	case '"':
		_, _, err := s.rawString()
		return err
	case '{', '[':
		if depth >= maxJSONDepth {
			return s.fail("nesting deeper than " + itoa(maxJSONDepth))
		}
		open := s.b[s.pos]
		closer := byte('}')
		if open == '[' {
			closer = ']'
		}
		s.pos++
		if s.peek() == closer {
			s.pos++
			return nil
		}
		for {
			if open == '{' {
				if _, _, err := s.rawString(); err != nil {
					return err
				}
				if err := s.expect(':'); err != nil {
					return err
				}
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if done, err := s.next(closer, ""); done || err != nil {
				return err
			}
		}
	}
	_, err := s.literal()
	return err
}

// next reads what follows an element or member: ',' (more follow) or closer
// (done, consumed); anything else is an error, its message ending in where.
func (s *jsonScanner) next(closer byte, where string) (done bool, err error) {
	switch s.peek() {
	case ',':
		s.pos++
		return false, nil
	case closer:
		s.pos++
		return true, nil
	}
	return false, s.fail("want ',' or '" + string(closer) + "'" + where)
}

// extFields reads the extFields object (or null).
func (s *jsonScanner) extFields(c *Command) error {
	if s.peek() == 'n' {
		_, err := s.literal()
		return err
	}
	if err := s.expect('{'); err != nil {
		return err
	}
	m := make(map[string]string)
	c.ExtFields = m
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		k, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		switch s.peek() {
		case '"':
			v, err := s.str()
			if err != nil {
				return err
			}
			m[k] = v
		case '{', '[':
			start := s.pos
			if err := s.skip(1); err != nil {
				return err
			}
			m[k] = string(s.b[start:s.pos])
		default:
			lit, err := s.literal()
			if err != nil {
				return err
			}
			if string(lit) != "null" {
				m[k] = string(lit)
			}
		}
		if done, err := s.next('}', " in extFields"); done || err != nil {
			return err
		}
	}
}

// decodeJSONHeader parses a JSON header into c.
func decodeJSONHeader(b []byte, c *Command) error {
	s := jsonScanner{b: b}
	c.Language = LanguageUnknown
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.pos++
	} else {
		if err := s.members(c); err != nil {
			return err
		}
	}
	if s.peek() != 0 {
		return s.fail("unexpected data after the header object")
	}
	return nil
}

func (s *jsonScanner) members(c *Command) error {
	for {
		key, _, err := s.rawString()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		switch string(key) {
		case "code":
			c.Code, err = s.int32Value("code")
		case "version":
			var v int32
			v, err = s.int32Value("version")
			c.Version = MQVersion(v)
		case "opaque":
			c.Opaque, err = s.int32Value("opaque")
		case "flag":
			c.Flag, err = s.int32Value("flag")
		case "language":
			err = s.language(c)
		case "remark":
			if s.peek() == '"' {
				c.Remark, err = s.str()
			} else {
				var lit []byte
				if lit, err = s.literal(); err == nil && string(lit) != "null" {
					c.Remark = string(lit)
				}
			}
		case "extFields":
			err = s.extFields(c)
		default:
			err = s.skip(0)
		}
		if err != nil {
			return err
		}
		if done, err := s.next('}', " after a header property"); done || err != nil {
			return err
		}
	}
}

// language accepts the enum name or its ordinal, as fastjson does; names
// Java does not know give LanguageUnknown (Java's null).
func (s *jsonScanner) language(c *Command) error {
	if s.peek() != '"' {
		lit, err := s.literal()
		if err != nil || string(lit) == "null" {
			return err
		}
		n, perr := strconv.Atoi(string(lit))
		if perr != nil || n < 0 || n > 255 {
			return s.fail("language wants a name or an ordinal, found " + strconv.Quote(string(lit)))
		}
		c.Language = LanguageFromByte(byte(n))
		return nil
	}
	raw, _, err := s.rawString()
	if err != nil {
		return err
	}
	for i, n := range languageNames {
		if string(raw) == n {
			c.Language = LanguageCode(i)
			return nil
		}
	}
	c.Language = LanguageUnknown
	return nil
}
