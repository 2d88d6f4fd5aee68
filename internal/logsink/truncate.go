package logsink

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
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

// List formats items as %v formats a []string ("[a b]"), naming at most
// max of them, each cut at maxBytes bytes (see Truncate), and counting the
// rest ("… N more"): a list of names a client sent, bounded for an error
// message or a log line.
func List(items []string, max, maxBytes int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, it := range items {
		if i == max {
			fmt.Fprintf(&b, " … %d more", len(items)-max)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Truncate(it, maxBytes))
	}
	b.WriteByte(']')
	return b.String()
}

// TruncateAttrs is a slog.HandlerOptions.ReplaceAttr that truncates string
// and error values longer than max bytes, and the message past 4*max (a
// message may quote a value too), so a value a client sent cannot blow up
// the log.
func TruncateAttrs(max int) func(groups []string, a slog.Attr) slog.Attr {
	return func(groups []string, a slog.Attr) slog.Attr {
		limit := max
		if len(groups) == 0 && a.Key == slog.MessageKey {
			limit = 4 * max
		}
		switch a.Value.Kind() {
		case slog.KindString:
			if s := a.Value.String(); len(s) > limit {
				a.Value = slog.StringValue(Truncate(s, limit))
			}
		case slog.KindAny:
			if err, ok := a.Value.Any().(error); ok {
				if s := err.Error(); len(s) > limit {
					a.Value = slog.StringValue(Truncate(s, limit))
				}
			}
		}
		return a
	}
}
