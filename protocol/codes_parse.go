package protocol

// ParseRequestCode returns the code of a Java RequestCode constant name,
// such as "SEND_MESSAGE_V2"; names it does not know give false.
func ParseRequestCode(name string) (RequestCode, bool) {
	for c, n := range requestCodeNames {
		if n == name {
			return c, true
		}
	}
	return 0, false
}

// ParseResponseCode returns the code of a Java ResponseCode constant name,
// such as "SYSTEM_BUSY"; names it does not know give false.
func ParseResponseCode(name string) (ResponseCode, bool) {
	for c, n := range responseCodeNames {
		if n == name {
			return c, true
		}
	}
	return 0, false
}
