package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
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
	w.open('[')
	for _, v := range vs {
		w.sep()
		w.str(v)
	}
	w.close(']')
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

// fjSortedKeys returns the keys of m in sorted order: the deterministic
// stand-in for Java's HashMap order.
func fjSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
