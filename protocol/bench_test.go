package protocol

import (
	"strconv"
	"testing"
)

// Benchmarks of the two exchanges a mock broker serves most: a client's
// HEART_BEAT and mqadmin's GET_PRODUCER_CONNECTION_LIST (204) reply. See
// also BenchmarkDecodeHeartbeat* in frame_test.go and heartbeat_test.go.

// java5Heartbeat is a Java 5.x producer's HEART_BEAT request.
func java5Heartbeat(st SerializeType) *Command {
	return &Command{Code: int32(HeartBeat), Language: Java, Version: V5_3_3, Opaque: 42,
		ExtFields: map[string]string{}, ExtFieldsTable: JavaAddExtFieldTable, Body: []byte(hbJava5Body), Serialize: st}
}

// goHeartbeat is the Go client's HEART_BEAT request of spec 1.10 (a),
// re-encoded (the Go client's header key order differs).
func goHeartbeat() *Command {
	return &Command{Code: int32(HeartBeat), Language: Go, Version: V4_5_2, Opaque: 1,
		ExtFields: map[string]string{}, Body: []byte(hbGoProducerBody)}
}

// heartbeatFrames are the request frames of the heartbeat benchmarks.
func heartbeatFrames(b *testing.B) []struct {
	name  string
	frame []byte
} {
	enc := func(c *Command) []byte {
		f, err := c.Encode()
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	return []struct {
		name  string
		frame []byte
	}{
		{"go", unhex(b, goHeartbeatHex)},
		{"java5", enc(java5Heartbeat(JSON))},
		{"java5-rocketmq", enc(java5Heartbeat(RocketMQ))},
	}
}

// BenchmarkDecodeHeartbeatRequest decodes a whole heartbeat as the broker
// does: frame, header and HeartbeatData body.
func BenchmarkDecodeHeartbeatRequest(b *testing.B) {
	for _, tc := range heartbeatFrames(b) {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.frame)))
			b.ReportAllocs()
			for b.Loop() {
				n, err := PeekFrame(tc.frame, 0)
				if err != nil || n != len(tc.frame) {
					b.Fatal(n, err)
				}
				c, err := DecodeFrame(tc.frame[:n])
				if err != nil {
					b.Fatal(err)
				}
				if _, err := DecodeHeartbeatData(c.Body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeHeartbeatRequestHeader decodes the frame and header only,
// body copied but not parsed (the aim: at most 3 allocations).
func BenchmarkDecodeHeartbeatRequestHeader(b *testing.B) {
	for _, tc := range heartbeatFrames(b) {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeFrame(tc.frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeHeartbeatRequest writes a heartbeat as a client would: the
// body marshalled (Java 5.x) or given (Go), then the frame.
func BenchmarkEncodeHeartbeatRequest(b *testing.B) {
	hd, err := DecodeHeartbeatData([]byte(hbJava5Body))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("go", func(b *testing.B) {
		c := goHeartbeat()
		buf := make([]byte, 0, 512)
		b.ReportAllocs()
		for b.Loop() {
			if buf, err = c.AppendFrame(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, st := range []SerializeType{JSON, RocketMQ} {
		name := "java5"
		if st == RocketMQ {
			name += "-rocketmq"
		}
		b.Run(name, func(b *testing.B) {
			c := java5Heartbeat(st)
			buf := make([]byte, 0, 512)
			b.ReportAllocs()
			for b.Loop() {
				c.Body = hd.Marshal()
				if buf, err = c.AppendFrame(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// producerConnectionSizes are the connection counts of the 204 benchmarks:
// one producer, a busy group, and a large fleet.
var producerConnectionSizes = []int{1, 100, 8000}

// BenchmarkEncodeProducerConnectionReply builds and writes a 204 reply as
// the broker does: body marshalled, response frame appended to a reused
// output buffer.
func BenchmarkEncodeProducerConnectionReply(b *testing.B) {
	req := &Command{Code: int32(GetProducerConnectionList), Language: Java, Version: V5_3_3, Opaque: 7,
		ExtFields: map[string]string{"producerGroup": "PG"}}
	for _, n := range producerConnectionSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			pc := benchConnections(n)
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				resp := NewResponse(req, Success, "")
				resp.Version = V5_3_3
				resp.Body = pc.Marshal()
				var err error
				if buf, err = resp.AppendFrame(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkDecodeProducerConnectionReply decodes a 204 reply as mqadmin
// does: frame, then ProducerConnection body.
func BenchmarkDecodeProducerConnectionReply(b *testing.B) {
	for _, n := range producerConnectionSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			resp := &Command{Code: int32(Success), Language: Java, Version: V5_3_3, Opaque: 7, Flag: FlagResponse,
				Body: benchConnections(n).Marshal()}
			f, err := resp.Encode()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(f)))
			b.ReportAllocs()
			for b.Loop() {
				c, err := DecodeFrame(f)
				if err != nil {
					b.Fatal(err)
				}
				pc, err := DecodeProducerConnection(c.Body)
				if err != nil || len(pc.ConnectionSet) != n {
					b.Fatal(err)
				}
			}
		})
	}
}
