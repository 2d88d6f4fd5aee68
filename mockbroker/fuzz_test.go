package mockbroker

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/protocol"
)

// serverFuzz is one running broker shared by the iterations of a fuzz
// worker, with a well-behaved client registered in PG_good.
type serverFuzz struct {
	b        *Broker
	logs     *logCapture
	good     *rawClient
	goodWant []Producer
}

// goldenFrames reads the frames real clients wrote (fixtures/frames).
func goldenFrames(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "fixtures", "frames", "*", "*.bin"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no golden frames in ../fixtures/frames: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p)] = b
	}
	return out
}

// FuzzServerStream writes arbitrary bytes on a fresh connection of a
// running broker (after a registering heartbeat, when register is set),
// half-closes it and reads until the broker closes. The broker must never
// panic (a recovered one fails too), must only ever write whole, valid
// response frames, must drop the connection's producers with it, and must
// keep serving a well-behaved client on another connection with its state
// intact.
//
// go test runs the seeds; fuzz with
//
//	go test -run '^$' -fuzz FuzzServerStream -fuzztime 10m ./mockbroker/
func FuzzServerStream(f *testing.F) {
	golden := goldenFrames(f)
	var all []byte
	for _, frame := range golden {
		f.Add(false, frame)
		f.Add(true, frame)
		f.Add(true, append(append([]byte(nil), frame...), frame...)) // pipelined
		f.Add(true, frame[:len(frame)-1])                            // cut short
		f.Add(false, append(append([]byte(nil), frame...), 0xFF))    // trailing garbage
		all = append(all, frame...)
	}
	f.Add(true, all)
	for _, seed := range [][]byte{
		nil,
		lengthField(protocol.DefaultMaxFrame - 3),
		lengthField(0xFFFFFFF0),
		append(lengthField(2), 0, 0),
		append(lengthField(8), 0, 0, 0, 50, 1, 2, 3, 4),
		rawFrame(5, []byte("{}"), nil),
		rawFrame(0, []byte(`{"code":34,"opaque":`), nil),
		rawFrame(0, jsonRequestHeader(34, 7, `,"x":`+nested(100)), nil),
		rawFrame(0, jsonRequestHeader(34, 7, ""), []byte(`{"clientID":"x","producerDataSet":`+nested(100)+`}`)),
		rawFrame(0, jsonRequestHeader(35, 7, `,"extFields":{"clientID":"good@1","producerGroup":"PG_good"}`), nil),
		rawFrame(0, jsonRequestHeader(204, 7, `,"extFields":{"producerGroup":"PG_good"}`), nil),
		rawFrame(0, jsonRequestHeader(31999, 7, `,"flag":2`), nil),                               // oneway, unknown code
		rawFrame(0, []byte(`{"code":0,"flag":1,"opaque":5,"language":"JAVA","version":1}`), nil), // a response
		rawFrame(1, binaryRequestHeader(204, 7, 0x7FFFFFFF, nil), nil),
		rawFrame(1, binaryRequestHeader(204, 7, 6, []byte{0x80, 0, 0, 0, 0, 0}), nil),
		rawFrame(1, binaryRequestHeader(204, 7, uint32(len(manyBinaryExtFields(50))), manyBinaryExtFields(50)), nil),
		rawFrame(1, binaryRequestHeader(328, 7, 0, nil), nil),
		rawFrame(1, binaryRequestHeader(106, 7, 0, nil), nil),
	} {
		f.Add(true, seed)
	}

	h := newServerFuzz(f)
	f.Fuzz(func(t *testing.T, register bool, data []byte) {
		h.run(t, register, data)
	})
}

func newServerFuzz(f *testing.F) *serverFuzz {
	logs := newLogCapture(200)
	// New, not Start: Start would log to f, which the fuzz function must
	// not touch. The virtual clock never moves, so nothing expires.
	b, err := New(WithLogger(logs.logger(nil)), WithVirtualClock(time.Unix(1_700_000_000, 0)))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(b.Close)
	good := dial(f, b.Addr())
	if resp := good.call(heartbeatCmd("good@1", protocol.Go, 317, "PG_good")); resp.Code != 0 {
		f.Fatalf("registering the good client: %+v", resp)
	}
	return &serverFuzz{b: b, logs: logs, good: good, goodWant: b.Producers("PG_good")}
}

func (h *serverFuzz) run(t *testing.T, register bool, data []byte) {
	total0, _ := h.logs.counts()
	nc, err := net.DialTimeout("tcp", h.b.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn := nc.(*net.TCPConn)
	defer func() {
		_ = conn.SetLinger(0) // no TIME_WAIT: fuzzing opens many connections
		_ = conn.Close()
	}()
	r := bufio.NewReader(conn)
	if register {
		hb := heartbeatCmd("fuzz@1", protocol.Java, 479, "PG_fuzz")
		if _, err := conn.Write(encodeOrDie(hb)); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := protocol.ReadFrame(r, 0)
		if err != nil || resp.Code != 0 {
			t.Fatalf("registering heartbeat: %+v, %v", resp, err)
		}
	}

	// Write and half-close on one goroutine, read everything on this one:
	// the broker may answer while bytes still arrive.
	wrote := make(chan error, 1)
	go func() {
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, err := conn.Write(data)
		if err == nil {
			err = conn.CloseWrite()
		}
		wrote <- err
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	out, readErr := io.ReadAll(r)
	writeErr := <-wrote
	if readErr != nil && isTimeout(readErr) {
		t.Fatalf("the broker neither answered nor closed within 10 s (wrote %d bytes, write error %v)", len(data), writeErr)
	}
	if writeErr != nil && isTimeout(writeErr) {
		t.Fatalf("the broker stopped reading: %v", writeErr)
	}

	// What the broker wrote is whole response frames; only a reset may cut
	// the last one short.
	rest := out
	for len(rest) > 0 {
		n, err := protocol.PeekFrame(rest, 0)
		if err != nil {
			t.Fatalf("the broker wrote a bad frame: %v\n%q", err, rest)
		}
		if n == 0 {
			if readErr == nil {
				t.Fatalf("the broker closed after %d bytes of a frame", len(rest))
			}
			break
		}
		cmd, err := protocol.DecodeFrame(rest[:n])
		if err != nil {
			t.Fatalf("the broker wrote a frame it cannot decode: %v\n%q", err, rest[:n])
		}
		if !cmd.IsResponse() {
			t.Fatalf("the broker wrote a request: %+v", cmd)
		}
		rest = rest[n:]
	}

	// OnClose ran before the broker's socket closed: the connection's
	// producers are gone, the good client's are as they were.
	if diff := cmp.Diff([]string{"PG_good"}, h.b.Groups()); diff != "" {
		t.Fatalf("groups after the connection closed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(h.goodWant, h.b.Producers("PG_good")); diff != "" {
		t.Fatalf("the good client's registration changed (-want +got):\n%s", diff)
	}
	h.good.T = t
	resp, pc := connections(t, h.good, "PG_good", protocol.JSON)
	if resp.Code != 0 || len(pc.ConnectionSet) != 1 || pc.ConnectionSet[0].ClientID != "good@1" {
		t.Fatalf("the good client got %+v, %+v", resp, pc)
	}

	if _, errs := h.logs.counts(); errs > 0 {
		var lines []string
		for _, r := range h.logs.since(total0) {
			lines = append(lines, r.String()+"\n"+r.Attrs["stack"])
		}
		t.Fatalf("the broker logged errors:\n%s", strings.Join(lines, "\n"))
	}
	if ps := h.b.TakePanics(); len(ps) > 0 {
		t.Fatalf("the broker recovered from a panic: %v\n%s", ps[0], ps[0].Stack)
	}
}
