package protocol

import "math"

// decodeHeartbeatFast decodes the heartbeat body producers send most
// (clientID, producer groups, an empty consumerDataSet and the 5.x
// heartbeatFingerprint and withoutSub, keys in any order) without
// reflection. It accepts only plain input: standard JSON with quoted keys,
// each known key at most once, printable ASCII strings without escapes,
// integers without sign tricks or leading zeros. Anything else, consumers
// included, reports false and is left to the general decoder, which gives
// the same result for everything accepted here (FuzzHeartbeatFastPath).
func decodeHeartbeatFast(b []byte) (*HeartbeatData, bool) {
	p := fastParser{b: b}
	h := &HeartbeatData{}
	if !p.byte('{') {
		return nil, false
	}
	var seen uint8
	if p.peek() == '}' {
		p.i++
	} else {
		for {
			key, ok := p.raw()
			if !ok || !p.byte(':') {
				return nil, false
			}
			var bit uint8
			switch string(key) {
			case "clientID":
				bit = 1
				h.ClientID, ok = p.str()
			case "producerDataSet":
				bit = 2
				h.ProducerDataSet, ok = p.producers()
			case "consumerDataSet":
				bit = 4
				ok = p.byte('[') && p.byte(']')
			case "heartbeatFingerprint":
				bit = 8
				h.HeartbeatFingerprint, ok = p.int32()
			case "withoutSub":
				bit = 16
				h.WithoutSub, ok = p.bool()
			default:
				return nil, false
			}
			if !ok || seen&bit != 0 {
				return nil, false
			}
			seen |= bit
			if p.byte(',') {
				continue
			}
			if !p.byte('}') {
				return nil, false
			}
			break
		}
	}
	p.ws()
	if p.i != len(b) {
		return nil, false
	}
	return h, true
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.b) && fjIsSpace(p.b[p.i]) {
		p.i++
	}
}

// peek returns the next byte after white space, 0 at the end.
func (p *fastParser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// byte consumes c after white space.
func (p *fastParser) byte(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

// str reads a string of printable ASCII without escapes.
func (p *fastParser) str() (string, bool) {
	s, ok := p.raw()
	return string(s), ok
}

// raw reads a string of printable ASCII without escapes and returns its
// bytes (in b: no copy).
func (p *fastParser) raw() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// producers reads [{"groupName":"..."},...]; an empty array is nil, as the
// general decoder makes it.
func (p *fastParser) producers() ([]ProducerData, bool) {
	if !p.byte('[') {
		return nil, false
	}
	if p.byte(']') {
		return nil, true
	}
	out := make([]ProducerData, 0, 2) // a group and CLIENT_INNER_PRODUCER
	for {
		var pd ProducerData
		if !p.byte('{') {
			return nil, false
		}
		if !p.byte('}') {
			key, ok := p.raw()
			if !ok || string(key) != "groupName" || !p.byte(':') {
				return nil, false
			}
			if pd.GroupName, ok = p.str(); !ok || !p.byte('}') {
				return nil, false
			}
		}
		out = append(out, pd)
		if p.byte(',') {
			continue
		}
		if !p.byte(']') {
			return nil, false
		}
		return out, true
	}
}

// int32 reads an integer in int32 range: an optional '-', then 0 or digits
// without a leading zero, not followed by a fraction or an exponent.
func (p *fastParser) int32() (int32, bool) {
	p.ws()
	neg := p.i < len(p.b) && p.b[p.i] == '-'
	if neg {
		p.i++
	}
	start := p.i
	var v int64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		v = v*10 + int64(p.b[p.i]-'0')
		if v > math.MaxInt32+1 {
			return 0, false
		}
		p.i++
	}
	n := p.i - start
	if n == 0 || (n > 1 && p.b[start] == '0') {
		return 0, false
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	if neg {
		v = -v
	}
	if v > math.MaxInt32 || v < math.MinInt32 {
		return 0, false
	}
	return int32(v), true
}

func (p *fastParser) bool() (bool, bool) {
	p.ws()
	rest := p.b[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
		return false, true
	}
	return false, false
}
