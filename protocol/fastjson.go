package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSON bodies are written the way RocketMQ's Java side writes them with
// fastjson (1.2.69 in 4.9.8, 1.2.83 in 5.x): compact, bean properties in
// alphabetical order, no HTML escaping. Two string styles exist:
//
//   - plain (JSON.toJSONString with default features): control characters,
//     '"', '\\', U+007F..U+009F, U+2028 and U+2029 are escaped; everything else,
//     non-ASCII included, is written as raw UTF-8;
//   - browser compatible (the name server's "standard JSON" route encoding):
//     '"', '/', '\\', control characters and every UTF-16 unit >= 0x7F are
//     escaped, so the output is pure ASCII.
//
// Both use uppercase hex digits in \uXXXX escapes, as fastjson does.
//
// Bodies are read leniently: unknown keys are ignored and fastjson's bare
// (unquoted) object keys such as {0:"a"} are accepted, see QuoteBareKeys.

const fjHexUpper = "0123456789ABCDEF"

// fjPlainSafe[c] is true for ASCII bytes plain fastjson writes unescaped.
// fjBrowserSafe[c] is the same for the browser-compatible style.
var fjPlainSafe, fjBrowserSafe [utf8.RuneSelf]bool

func init() {
	for c := 0x20; c < 0x7F; c++ {
		fjPlainSafe[c] = c != '"' && c != '\\'
		fjBrowserSafe[c] = c != '"' && c != '\\' && c != '/'
	}
}

// fjAppendString appends s as a JSON string literal, escaped the way
// fastjson escapes it: the plain style, or the browser-compatible one when
// browser is set. Invalid UTF-8 is written as U+FFFD, as Java would have
// decoded it.
func fjAppendString(dst []byte, s string, browser bool) []byte {
	safe := &fjPlainSafe
	if browser {
		safe = &fjBrowserSafe
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\', '/':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\r':
				dst = append(dst, '\\', 'r')
			default: // other control characters and DEL
				dst = fjAppendUnicodeEscape(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			if browser {
				dst = fjAppendUnicodeEscape(dst, utf8.RuneError)
			} else {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			}
		case browser && r > 0xFFFF:
			dst = append(dst, s[start:i]...)
			r1, r2 := fjSurrogates(r)
			dst = fjAppendUnicodeEscape(dst, r1)
			dst = fjAppendUnicodeEscape(dst, r2)
		case browser || r <= 0x9F || r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = fjAppendUnicodeEscape(dst, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func fjAppendUnicodeEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u',
		fjHexUpper[r>>12&0xF], fjHexUpper[r>>8&0xF], fjHexUpper[r>>4&0xF], fjHexUpper[r&0xF])
}

func fjSurrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// fjWriter builds one fastjson-style object or array. Property names are
// constants chosen by the caller (ASCII identifiers, written unescaped).
type fjWriter struct {
	b       []byte
	browser bool
	first   bool // no member written yet in the innermost container
}

func (w *fjWriter) open(c byte) {
	w.b = append(w.b, c)
	w.first = true
}

func (w *fjWriter) close(c byte) {
	w.b = append(w.b, c)
	w.first = false
}

// sep writes the comma before every member but the first.
func (w *fjWriter) sep() {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
}

// key writes `,"name":` (comma as needed).
func (w *fjWriter) key(name string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

// mapKey writes a map key, escaped like any string.
func (w *fjWriter) mapKey(k string) {
	w.sep()
	w.b = fjAppendString(w.b, k, w.browser)
	w.b = append(w.b, ':')
}

func (w *fjWriter) str(s string) { w.b = fjAppendString(w.b, s, w.browser) }

func (w *fjWriter) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

func (w *fjWriter) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

func (w *fjWriter) strField(name, v string) {
	w.key(name)
	w.str(v)
}

// strFieldOmitEmpty writes the property only when v is non-empty: Java leaves
// null properties out.
func (w *fjWriter) strFieldOmitEmpty(name, v string) {
	if v != "" {
		w.strField(name, v)
	}
}

func (w *fjWriter) intField(name string, v int64) {
	w.key(name)
	w.int(v)
}

func (w *fjWriter) boolField(name string, v bool) {
	w.key(name)
	w.bool(v)
}

// strArray writes a JSON array of strings.
func (w *fjWriter) strArray(vs []string) {
	fjArray(w, vs, func(v *string, w *fjWriter) { w.str(*v) })
}

// fjArray writes items as a JSON array, each item by write (a method
// expression such as (*Connection).write).
func fjArray[T any](w *fjWriter, items []T, write func(*T, *fjWriter)) {
	w.open('[')
	for i := range items {
		w.sep()
		write(&items[i], w)
	}
	w.close(']')
}

// fjSortedObject writes m as a JSON object, keys sorted (the deterministic
// stand-in for Java's HashMap order), each value by write (a writer method
// such as (*fjWriter).strArray).
func fjSortedObject[V any](w *fjWriter, m map[string]V, write func(*fjWriter, V)) {
	w.open('{')
	var small [8]string // most tables are small: no allocation for them
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.mapKey(k)
		write(w, m[k])
	}
	w.close('}')
}

// QuoteBareKeys returns data with every bare (unquoted) object key put in
// double quotes, so that encoding/json accepts what fastjson writes for maps
// with non-string keys, such as {0:"127.0.0.1:10911",1:"..."}. Text inside
// strings is left alone, escapes included. A bare key is a run of letters,
// digits and "_$.+-"; anything else is left for the JSON decoder to reject.
// When there is nothing to quote, data itself is returned.
func QuoteBareKeys(data []byte) []byte {
	var out []byte // nil until the first change
	last := 0      // data[last:] is not yet copied to out
	stack := make([]byte, 0, 32)
	expectKey := false
	for i := 0; i < len(data); {
		c := data[i]
		switch c {
		case '"':
			i = fjSkipString(data, i)
			expectKey = false
			continue
		case '{':
			stack = append(stack, '{')
			expectKey = true
		case '[':
			stack = append(stack, '[')
			expectKey = false
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			expectKey = false
		case ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1] == '{'
		case ' ', '\t', '\n', '\r':
			// whitespace keeps the state
		default:
			if expectKey {
				j := i
				for j < len(data) && fjBareKeyByte(data[j]) {
					j++
				}
				if j > i {
					if out == nil {
						out = make([]byte, 0, len(data)+16)
					}
					out = append(out, data[last:i]...)
					out = append(out, '"')
					out = append(out, data[i:j]...)
					out = append(out, '"')
					last = j
					i = j
					expectKey = false
					continue
				}
			}
			expectKey = false
		}
		i++
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// fjSkipString returns the index just past the string literal starting at
// data[i] (a '"'), or len(data) if it is not terminated.
func fjSkipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

func fjBareKeyByte(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	}
	switch c {
	case '_', '$', '.', '+', '-':
		return true
	}
	return false
}

// fjErrNull is returned (wrapped) by the body decoders for a JSON null.
var fjErrNull = errors.New("body is JSON null")

// fjDecodeNew is fjDecodeBody into a new T, for bodies whose Go type is
// their wire form.
func fjDecodeNew[T any](what string, data []byte) (*T, error) {
	v := new(T)
	if err := fjDecodeBody(what, data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// fjDecodeBody unmarshals a fastjson body leniently into v. what names the
// body type for error messages.
func fjDecodeBody(what string, data []byte, v any) error {
	if len(data) == 0 {
		return fmt.Errorf("%s: empty body, want a JSON object", what)
	}
	if fjIsNull(data) {
		return fmt.Errorf("%s: %w, want a JSON object", what, fjErrNull)
	}
	if err := json.Unmarshal(QuoteBareKeys(data), v); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func fjIsNull(data []byte) bool {
	i, j := 0, len(data)
	for i < j && fjIsSpace(data[i]) {
		i++
	}
	for j > i && fjIsSpace(data[j-1]) {
		j--
	}
	return string(data[i:j]) == "null"
}

func fjIsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// fjInt32s decodes a JSON array whose elements are numbers or strings
// holding numbers (the Go client writes codeSet as ["123"]). null and
// non-array values decode as empty.
type fjInt32s []int32

// UnmarshalJSON implements json.Unmarshaler.
func (s *fjInt32s) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		*s = nil
		if b = fjTrimSpace(b); len(b) > 0 && (b[0] == '{' || b[0] == 'n') {
			return nil // null or an object (a Go Set marshalled without its MarshalJSON)
		}
		return err
	}
	out := make([]int32, 0, len(raw))
	for _, r := range raw {
		text := string(fjTrimSpace(r))
		if len(text) >= 2 && text[0] == '"' {
			if err := json.Unmarshal(r, &text); err != nil {
				return err
			}
		}
		v, err := strconv.ParseInt(text, 10, 32)
		if err != nil {
			return fmt.Errorf("want a 32-bit integer, got %s", r)
		}
		out = append(out, int32(v))
	}
	*s = out
	return nil
}

// fjStrings decodes a JSON array of strings (numbers are kept as their
// text). null and objects decode as empty.
type fjStrings []string

// UnmarshalJSON implements json.Unmarshaler.
func (s *fjStrings) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		*s = nil
		if b = fjTrimSpace(b); len(b) > 0 && (b[0] == '{' || b[0] == 'n') {
			return nil
		}
		return err
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		r = fjTrimSpace(r)
		if len(r) > 0 && r[0] == '"' {
			var v string
			if err := json.Unmarshal(r, &v); err != nil {
				return err
			}
			out = append(out, v)
			continue
		}
		out = append(out, string(r))
	}
	*s = out
	return nil
}

func fjTrimSpace(b []byte) []byte {
	for len(b) > 0 && fjIsSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && fjIsSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// fjLanguage decodes a language written as its Java name (or, leniently,
// its ordinal). Absent (the zero value), null and unknown names give
// LanguageUnknown. It is a value, not a pointer, and a plain name is matched
// without allocating: a 204 reply has one per connection.
type fjLanguage struct {
	lang LanguageCode
	set  bool // the property was there
}

// code returns the decoded language.
func (l fjLanguage) code() LanguageCode {
	if !l.set {
		return LanguageUnknown
	}
	return l.lang
}

// UnmarshalJSON implements json.Unmarshaler.
func (l *fjLanguage) UnmarshalJSON(b []byte) error {
	b = fjTrimSpace(b)
	l.lang, l.set = LanguageUnknown, true
	if len(b) == 0 || b[0] == 'n' {
		return nil
	}
	if b[0] == '"' {
		if len(b) >= 2 && bytes.IndexByte(b, '\\') < 0 {
			l.lang = languageFromName(b[1 : len(b)-1])
			return nil
		}
		var name string
		if err := json.Unmarshal(b, &name); err != nil {
			return err
		}
		l.lang, _ = ParseLanguage(name)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 16)
	if err != nil {
		return fmt.Errorf("language: want a name such as \"JAVA\" or an ordinal, got %s", b)
	}
	if c := LanguageCode(n); c.Known() {
		l.lang = c
	}
	return nil
}

// languageFromName is ParseLanguage for bytes, without allocating.
func languageFromName(name []byte) LanguageCode {
	for i, n := range languageNames {
		if string(name) == n {
			return LanguageCode(i)
		}
	}
	return LanguageUnknown
}

// fjMember is one member of a fastjson object, key and value as raw text.
type fjMember struct{ key, value []byte }

// fjMaxDepth bounds the nesting fjSkipValue follows.
const fjMaxDepth = 512

// fjObjectMembers splits a fastjson object into its members. Unlike JSON,
// a key may be any value: fastjson writes a map with object keys, such as
// ConsumeStats' offsetTable, as {{"brokerName":"b","queueId":0,"topic":"T"}:{…}}.
func fjObjectMembers(data []byte) ([]fjMember, error) {
	i := fjSkipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, fmt.Errorf("want an object at byte %d", i)
	}
	end, err := fjSkipValue(data, i, 0)
	if err != nil {
		return nil, err
	}
	if j := fjSkipSpace(data, end); j != len(data) {
		return nil, fmt.Errorf("unexpected %q after the object at byte %d", data[j], j)
	}
	var out []fjMember
	i = fjSkipSpace(data, i+1)
	if data[i] == '}' {
		return out, nil
	}
	for {
		ks := fjSkipSpace(data, i)
		ke, _ := fjSkipValue(data, ks, 1) // checked above
		vs := fjSkipSpace(data, fjSkipSpace(data, ke)+1)
		ve, _ := fjSkipValue(data, vs, 1)
		out = append(out, fjMember{key: data[ks:ke], value: data[vs:ve]})
		i = fjSkipSpace(data, ve)
		if data[i] == '}' {
			return out, nil
		}
		i++ // ','
	}
}

func fjSkipSpace(data []byte, i int) int {
	for i < len(data) && fjIsSpace(data[i]) {
		i++
	}
	return i
}

// fjSkipValue returns the index just past the value starting at data[i]:
// a string, an object (keys of any kind), an array, or a bare token such as
// a number, true, null or an unquoted key.
func fjSkipValue(data []byte, i, depth int) (int, error) {
	if depth > fjMaxDepth {
		return 0, fmt.Errorf("nesting deeper than %d at byte %d", fjMaxDepth, i)
	}
	if i >= len(data) {
		return 0, errors.New("unexpected end of input, want a value")
	}
	switch c := data[i]; c {
	case '"':
		for j := i + 1; j < len(data); j++ {
			switch data[j] {
			case '\\':
				j++
			case '"':
				return j + 1, nil
			}
		}
		return 0, fmt.Errorf("unterminated string at byte %d", i)
	case '{', '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		j := fjSkipSpace(data, i+1)
		if j < len(data) && data[j] == closer {
			return j + 1, nil
		}
		for {
			e, err := fjSkipValue(data, fjSkipSpace(data, j), depth+1)
			if err != nil {
				return 0, err
			}
			j = fjSkipSpace(data, e)
			if c == '{' {
				if j >= len(data) || data[j] != ':' {
					return 0, fmt.Errorf("want ':' after an object key at byte %d", j)
				}
				if e, err = fjSkipValue(data, fjSkipSpace(data, j+1), depth+1); err != nil {
					return 0, err
				}
				j = fjSkipSpace(data, e)
			}
			switch {
			case j >= len(data):
				return 0, fmt.Errorf("unterminated %q at byte %d", c, i)
			case data[j] == ',':
				j++
			case data[j] == closer:
				return j + 1, nil
			default:
				return 0, fmt.Errorf("unexpected %q at byte %d, want ',' or %q", data[j], j, closer)
			}
		}
	}
	j := i
	for j < len(data) && !fjIsSpace(data[j]) && !strings.ContainsRune(`,:{}[]"`, rune(data[j])) {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("unexpected %q at byte %d, want a value", data[i], i)
	}
	return j, nil
}

// fjUnmarshal decodes one raw value (bare keys allowed) into v.
func fjUnmarshal(raw []byte, v any) error { return json.Unmarshal(QuoteBareKeys(raw), v) }

// fjKeyName returns an object key as a string: a quoted key unquoted, a
// bare one as it is.
func fjKeyName(raw []byte) (string, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	return string(raw), nil
}

// fjAppendDouble appends v as fastjson writes a double (RyuDouble, which
// follows Double.toString): the shortest digits that read back as v, in
// plain notation for 1e-3 <= |v| < 1e7 ("0.0", "12.5", "1234567.0") and
// as d.dddE±n otherwise ("1.0E7", "1.5E-4"); NaN and infinities as null.
func fjAppendDouble(dst []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(dst, "null"...)
	}
	if v == 0 {
		if math.Signbit(v) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], v, 'e', -1, 64) // [-]d[.ddd]e±xx
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	mant, expText, _ := bytes.Cut(e, []byte("e"))
	exp, _ := strconv.Atoi(string(expText))
	digits := make([]byte, 0, len(mant))
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	if exp < -3 || exp >= 7 {
		dst = append(dst, digits[0], '.')
		if len(digits) == 1 {
			dst = append(dst, '0')
		} else {
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'E')
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	switch {
	case exp < 0:
		dst = append(dst, '0', '.')
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case exp+1 >= len(digits):
		dst = append(dst, digits...)
		for i := len(digits); i < exp+1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	default:
		dst = append(dst, digits[:exp+1]...)
		dst = append(dst, '.')
		return append(dst, digits[exp+1:]...)
	}
}
