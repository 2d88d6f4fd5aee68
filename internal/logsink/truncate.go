package logsink

import (
	"log/slog"
	"strconv"
	"unicode/utf8"
)

// DefaultMaxValue is the longest string value TruncateAttrs lets through.
const DefaultMaxValue = 256

// Truncate returns s when it has at most max bytes, or its first max
// bytes (cut at a rune boundary) followed by "…(N bytes)", N being len(s).
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// TruncateAttrs is a slog.HandlerOptions.ReplaceAttr that truncates string
// values (and the message) longer than max bytes, so a value a client sent
// cannot blow up the log.
func TruncateAttrs(max int) func(groups []string, a slog.Attr) slog.Attr {
	return func(_ []string, a slog.Attr) slog.Attr {
		switch a.Value.Kind() {
		case slog.KindString:
			if s := a.Value.String(); len(s) > max {
				a.Value = slog.StringValue(Truncate(s, max))
			}
		case slog.KindAny:
			if err, ok := a.Value.Any().(error); ok {
				if s := err.Error(); len(s) > max {
					a.Value = slog.StringValue(Truncate(s, max))
				}
			}
		}
		return a
	}
}
