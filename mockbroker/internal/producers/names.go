package producers

import "unicode/utf8"

// ValidName returns a group name or client id as the table keeps it:
// valid UTF-8, each byte that is not replaced by U+FFFD. The heartbeat body
// is JSON, whose decoding makes that replacement, while a binary
// (ROCKETMQ) request header keeps the bytes as sent; the Java broker
// decodes both as UTF-8 with replacement, so the same name sent both ways
// is one name there, and here.
func ValidName(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s)) // the conversion decodes each invalid byte as U+FFFD
}

// validNames applies validName to each name, copying the slice only when
// a name changes.
func validNames(names []string) []string {
	out := names
	for i, n := range names {
		if v := ValidName(n); v != n {
			if &out[0] == &names[0] {
				out = append([]string(nil), names...)
			}
			out[i] = v
		}
	}
	return out
}

// validInfo returns info with its client id made valid.
func validInfo(info ClientChannelInfo) ClientChannelInfo {
	info.ClientID = ValidName(info.ClientID)
	return info
}
