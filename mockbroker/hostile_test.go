package mockbroker

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
	"gotest.tools/v3/poll"

	"github.com/rocketmock/rocketmock/internal/testchild"
	"github.com/rocketmock/rocketmock/protocol"
)

// Frame builders for hostile input; they also seed the server fuzzer.

// lengthField is a 4-byte big-endian frame length field.
func lengthField(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// rawFrame builds a frame from a serialize type byte, header and body bytes,
// with consistent length fields.
func rawFrame(serialize byte, header, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(4+len(header)+len(body)))
	out = binary.BigEndian.AppendUint32(out, uint32(serialize)<<24|uint32(len(header)))
	out = append(out, header...)
	return append(out, body...)
}

// jsonRequestHeader is a JSON header of a GO client's request with extra
// members spliced in before the closing brace (extra starts with a comma).
func jsonRequestHeader(code int, opaque int32, extra string) []byte {
	return fmt.Appendf(nil, `{"code":%d,"flag":0,"language":"GO","opaque":%d,"serializeTypeCurrentRPC":"JSON","version":317%s}`, code, opaque, extra)
}

// binaryRequestHeader is a ROCKETMQ header whose extFields area is ext
// exactly as given, with the extFields length field set to extLen.
func binaryRequestHeader(code int16, opaque int32, extLen uint32, ext []byte) []byte {
	h := binary.BigEndian.AppendUint16(nil, uint16(code))
	h = append(h, byte(protocol.Java))
	h = binary.BigEndian.AppendUint16(h, 479)
	h = binary.BigEndian.AppendUint32(h, uint32(opaque))
	h = binary.BigEndian.AppendUint32(h, 0) // flag
	h = binary.BigEndian.AppendUint32(h, 0) // remark length
	h = binary.BigEndian.AppendUint32(h, extLen)
	return append(h, ext...)
}

// manyBinaryExtFields is an extFields area of n distinct short keys with
// empty values.
func manyBinaryExtFields(n int) []byte {
	var ext []byte
	for i := range n {
		k := fmt.Sprintf("k%d", i)
		ext = binary.BigEndian.AppendUint16(ext, uint16(len(k)))
		ext = append(ext, k...)
		ext = binary.BigEndian.AppendUint32(ext, 0)
	}
	return ext
}

// nested returns depth opening brackets, a value and the closing ones.
func nested(depth int) string {
	return strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth)
}

// encodeOrDie encodes a command built by the test.
func encodeOrDie(cmd *protocol.Command) []byte {
	b, err := cmd.Encode()
	if err != nil {
		panic(err)
	}
	return b
}

// badConn is a misbehaving client's connection. Its methods return errors
// instead of failing the test, so attacks can run on their own goroutine.
type badConn struct {
	nc   *net.TCPConn
	r    *bufio.Reader
	addr string // local "ip:port", as the broker logs it
}

func dialBad(addr string, rcvBuf int) (*badConn, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	if rcvBuf > 0 {
		// Before connect, so the window the client advertises stays small.
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvBuf)
			})
			return errors.Join(err, serr)
		}
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := nc.(*net.TCPConn)
	return &badConn{nc: tc, r: bufio.NewReader(tc), addr: tc.LocalAddr().String()}, nil
}

func (c *badConn) write(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(b)
	return err
}

// readFrame reads one frame within timeout.
func (c *badConn) readFrame(timeout time.Duration) (*protocol.Command, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	return protocol.ReadFrame(c.r, 0)
}

// call writes one request and reads frames until the reply to it.
func (c *badConn) call(frame []byte, opaque int32) (*protocol.Command, error) {
	if err := c.write(frame); err != nil {
		return nil, err
	}
	for {
		resp, err := c.readFrame(5 * time.Second)
		if err != nil {
			return nil, err
		}
		if resp.Opaque == opaque {
			return resp, nil
		}
	}
}

// readUntilClosed discards what the broker sends until the connection
// ends, and returns how it ended (a timeout means it did not).
func (c *badConn) readUntilClosed(timeout time.Duration) error {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	_, err := io.Copy(io.Discard, c.r)
	if err == nil {
		err = io.EOF
	}
	return err
}

// reset closes the connection with an RST (SO_LINGER 0).
func (c *badConn) reset() {
	_ = c.nc.SetLinger(0)
	_ = c.nc.Close()
}

// outcome is what a hostile row expects of the broker.
type outcome int

const (
	closed   outcome = iota // the broker closes the connection
	answered                // the broker answers the request with an error code and carries on
	gone                    // the client went away; the broker must notice
)

// hostileRow is one kind of hostile input.
type hostileRow struct {
	name string
	// attack misbehaves on bad, a connection registered in group BAD. For
	// closed rows it returns how the connection ended; for answered rows
	// the reply to the hostile request.
	attack func(h *hostileHarness, bad *badConn) (*protocol.Command, error)
	rcvBuf int // SO_RCVBUF of bad, 0 for the default
	want   outcome
	code   protocol.ResponseCode // answered rows: the reply's code
	remark string                // answered rows: a part of the reply's remark
	// The log record giving the reason, about bad's address.
	logMsg, logErr string
}

// hostileHarness is a broker with a well-behaved client registered in
// PG_good, whose state every row must leave intact.
type hostileHarness struct {
	b        *Broker
	logs     *logCapture
	good     *rawClient
	goodWant []Producer
}

const (
	hostileMaxFrame   = 1 << 20
	hostileMaxPending = 1 << 20
)

func newHostileHarness(t *testing.T) *hostileHarness {
	logs := newLogCapture(0)
	b := Start(t, WithLogger(logs.logger(nil)), WithVirtualClock(time.Unix(1_700_000_000, 0)),
		WithMaxFrame(hostileMaxFrame), WithMaxPendingOutput(hostileMaxPending))
	good := dial(t, b.Addr())
	assert.Equal(t, good.call(heartbeatCmd("good@1", protocol.Go, 317, "PG_good")).Code, int32(0))
	return &hostileHarness{b: b, logs: logs, good: good, goodWant: b.Producers("PG_good")}
}

// checkGood asserts that the good client is served and its state intact.
func (h *hostileHarness) checkGood(t *testing.T) {
	t.Helper()
	resp, pc := connections(t, h.good, "PG_good", protocol.JSON)
	assert.Equal(t, resp.Code, int32(0), resp.Remark)
	assert.DeepEqual(t, pc.ConnectionSet, []protocol.Connection{{ClientAddr: localAddr(h.good), ClientID: "good@1", Language: protocol.Go, Version: 317}})
	assert.DeepEqual(t, h.b.Producers("PG_good"), h.goodWant)
}

// untilClosed is the attack tail of closed rows: write, then see the end.
func untilClosed(bad *badConn, b []byte) (*protocol.Command, error) {
	if err := bad.write(b); err != nil {
		return nil, err // the broker closed before all was written
	}
	return nil, bad.readUntilClosed(5 * time.Second)
}

func hostileRows() []hostileRow {
	hb := func(op int32, group string) *protocol.Command {
		cmd := heartbeatCmd("bad@1", protocol.Go, 317, group)
		cmd.Opaque = op
		return cmd
	}
	return []hostileRow{
		{
			name: "oversized length claim",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, lengthField(hostileMaxFrame-3))
			},
			logMsg: "closing connection: bad frame", logErr: fmt.Sprintf("frame length %d (+4) exceeds the limit of %d bytes", hostileMaxFrame-3, hostileMaxFrame),
		},
		{
			name: "largest length claim",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, lengthField(0x7FFFFFFF))
			},
			logMsg: "closing connection: bad frame", logErr: "frame length 2147483647 (+4) exceeds the limit",
		},
		{
			name: "negative length",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, lengthField(0xFFFFFFF0))
			},
			logMsg: "closing connection: bad frame", logErr: "negative frame length -16",
		},
		{
			name: "frame too short for the header length",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, append(lengthField(2), 0, 0))
			},
			logMsg: "closing connection: bad frame", logErr: "frame of 2 bytes is too short for the header-length field",
		},
		{
			name: "header length beyond the frame",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, append(lengthField(8), 0, 0, 0, 50, 1, 2, 3, 4))
			},
			logMsg: "closing connection: bad frame", logErr: "header length 50 is beyond the frame (4 bytes left)",
		},
		{
			name: "header length at the 24-bit maximum",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, append(lengthField(8), 1, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4))
			},
			logMsg: "closing connection: bad frame", logErr: "header length 16777215 is beyond the frame (4 bytes left)",
		},
		{
			name: "unknown serialize type",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, rawFrame(5, []byte("{}"), nil))
			},
			logMsg: "closing connection: bad frame", logErr: "unknown serialize type 5",
		},
		{
			name: "invalid JSON header",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, rawFrame(0, []byte(`{"code":34,"opaque":`), nil))
			},
			logMsg: "closing connection: bad frame", logErr: "malformed JSON header",
		},
		{
			name: "empty JSON header",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, rawFrame(0, nil, []byte("body")))
			},
			logMsg: "closing connection: bad frame", logErr: "malformed JSON header",
		},
		{
			name: "deeply nested JSON header",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, rawFrame(0, jsonRequestHeader(34, 7, `,"x":`+nested(100_000)), nil))
			},
			logMsg: "closing connection: bad frame", logErr: "nesting deeper than",
		},
		{
			name: "deeply nested JSON extFields value",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, rawFrame(0, jsonRequestHeader(34, 7, `,"extFields":{"a":`+nested(100_000)+`}`), nil))
			},
			logMsg: "closing connection: bad frame", logErr: "malformed JSON header",
		},
		{
			name: "invalid JSON body",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return bad.call(rawFrame(0, jsonRequestHeader(34, 7, ""), []byte(`{"clientID":"x","producerDataSet":[{`)), 7)
			},
			want: answered, code: protocol.SystemError, remark: "HeartbeatData",
			logMsg: "request answered with an error", logErr: "HeartbeatData",
		},
		{
			name: "deeply nested JSON body",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return bad.call(rawFrame(0, jsonRequestHeader(34, 7, ""), []byte(`{"clientID":"x","producerDataSet":`+nested(200_000)+`}`)), 7)
			},
			want: answered, code: protocol.SystemError, remark: "HeartbeatData",
			logMsg: "request answered with an error", logErr: "HeartbeatData",
		},
		{
			name: "binary header claiming a huge extFields length",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, rawFrame(1, binaryRequestHeader(204, 7, 0x7FFFFFFF, manyBinaryExtFields(3)), nil))
			},
			logMsg: "closing connection: bad frame", logErr: "extFields length 2147483647 is beyond the header",
		},
		{
			name: "binary header claiming a negative extFields key length",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return untilClosed(bad, rawFrame(1, binaryRequestHeader(204, 7, 6, []byte{0x80, 0, 0, 0, 0, 0}), nil))
			},
			logMsg: "closing connection: bad frame", logErr: "extFields key length -32768",
		},
		{
			name: "binary header with a huge extFields count",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				ext := manyBinaryExtFields(70_000) // ~800 KB: as many as the frame limit allows
				return bad.call(rawFrame(1, binaryRequestHeader(204, 7, uint32(len(ext)), ext), nil), 7)
			},
			want: answered, code: protocol.SystemError, remark: "producerGroup",
			logMsg: "request answered with an error", logErr: "producerGroup",
		},
		{
			name: "unknown request code",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return bad.call(rawFrame(0, jsonRequestHeader(31999, 7, ""), nil), 7)
			},
			want: answered, code: protocol.RequestCodeNotSupported, remark: "request type 31999 not supported",
			logMsg: "request code not supported",
		},
		{
			name: "a frame trickled one byte at a time",
			attack: func(h *hostileHarness, bad *badConn) (*protocol.Command, error) {
				frame := encodeOrDie(hb(7, "TRICKLE"))
				for i := range frame {
					if err := bad.write(frame[i : i+1]); err != nil {
						return nil, err
					}
					if i%4 == 0 {
						time.Sleep(time.Millisecond) // let bytes arrive alone, each its own OnTraffic
					}
				}
				resp, err := bad.readFrame(5 * time.Second)
				if err == nil && len(h.b.Producers("TRICKLE")) != 1 {
					err = fmt.Errorf("the trickled heartbeat did not register: %v", h.b.Groups())
				}
				return resp, err
			},
			// Not an error: the frame is whole in the end and is served.
			want: answered, code: protocol.Success,
			logMsg: "new producer connected, group: TRICKLE",
		},
		{
			name: "half a frame, then half-close",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				frame := encodeOrDie(hb(7, "HALF"))
				if err := bad.write(frame[:len(frame)/2]); err != nil {
					return nil, err
				}
				_ = bad.nc.CloseWrite()
				return nil, bad.readUntilClosed(5 * time.Second)
			},
			logMsg: "connection closed", logErr: "EOF",
		},
		{
			name: "half-close after a request",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				if err := bad.write(encodeOrDie(hb(7, "HALF"))); err != nil {
					return nil, err
				}
				_ = bad.nc.CloseWrite()
				// The request is answered, then the broker closes too
				// (Netty's default: no half-closed channels).
				resp, err := bad.readFrame(5 * time.Second)
				if err != nil {
					return nil, fmt.Errorf("want the reply before the close: %w", err)
				}
				if resp.Opaque != 7 || resp.Code != 0 {
					return nil, fmt.Errorf("want a successful reply to opaque 7, got %+v", resp)
				}
				return nil, bad.readUntilClosed(5 * time.Second)
			},
			logMsg: "connection closed", logErr: "EOF",
		},
		{
			name: "abrupt reset",
			attack: func(h *hostileHarness, bad *badConn) (*protocol.Command, error) {
				bad.reset()
				return nil, waitGroupGone(h.b, "BAD")
			},
			want:   gone,
			logMsg: "connection closed", logErr: "connection reset by peer",
		},
		{
			name: "abrupt reset with requests in flight",
			attack: func(h *hostileHarness, bad *badConn) (*protocol.Command, error) {
				var burst []byte
				for i := range 200 {
					burst = append(burst, encodeOrDie(hb(int32(100+i), "BAD"))...)
				}
				if err := bad.write(burst); err != nil {
					return nil, err
				}
				bad.reset()
				return nil, waitGroupGone(h.b, "BAD")
			},
			want:   gone,
			logMsg: "connection closed", logErr: "connection reset by peer",
		},
		{
			name: "a client that never reads its replies",
			attack: func(h *hostileHarness, bad *badConn) (*protocol.Command, error) {
				// Register many groups so that each 328 reply is large, then
				// ask for it again and again without reading.
				if err := registerManyGroups(bad); err != nil {
					return nil, err
				}
				req := encodeOrDie(protocol.NewRequest(protocol.GetAllProducerInfo, map[string]string{}, nil))
				var burst []byte
				for range 50 {
					burst = append(burst, req...)
				}
				// ~200 KB per reply: 400 requests ask for ~80 MB, far beyond
				// the socket buffers and the pending-output limit.
				for range 8 {
					if err := bad.write(burst); err != nil {
						break // closed by the broker: what we want
					}
				}
				if err := waitGroupGone(h.b, "BAD"); err != nil {
					return nil, err
				}
				return nil, bad.readUntilClosed(5 * time.Second)
			},
			rcvBuf: 4096,
			logMsg: "closing connection: pending output", logErr: "exceed the limit of 1048576 bytes",
		},
		{
			name: "a delayed-reply fault against a client that never reads",
			attack: func(h *hostileHarness, bad *badConn) (*protocol.Command, error) {
				// Every reply is held back an hour: they pile up in the
				// connection's queue, not in gnet's buffer, and count the
				// same against the pending-output limit.
				fault := h.b.Intercept(protocol.GetAllProducerInfo, FaultDelay(time.Hour), ForClient("bad@1"))
				defer fault.Remove()
				if err := registerManyGroups(bad); err != nil {
					return nil, err
				}
				// ~200 KB per reply; 8 KB requests, 3 MB of them in all:
				// past the limit in replies, then in requests held back
				// (past the limit and a frame's worth).
				req := encodeOrDie(protocol.NewRequest(protocol.GetAllProducerInfo, map[string]string{}, make([]byte, 8<<10)))
				var burst []byte
				for range 384 {
					burst = append(burst, req...)
				}
				_ = bad.write(burst) // may fail once the broker has closed
				if err := waitGroupGone(h.b, "BAD"); err != nil {
					return nil, err
				}
				if n := h.b.srv.Delayed(); n != 0 {
					return nil, fmt.Errorf("%d delayed replies still held for the closed connection", n)
				}
				return nil, bad.readUntilClosed(5 * time.Second)
			},
			rcvBuf: 4096,
			logMsg: "closing connection: pending output", logErr: "exceed the limit of 1048576 bytes, and it sent",
		},
		{
			name: "100 MB of random bytes",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				return nil, floodRandom(bad, nil, 100<<20, 1)
			},
			logMsg: "closing connection: bad frame",
		},
		{
			name: "100 MB of random bytes behind a plausible length",
			attack: func(_ *hostileHarness, bad *badConn) (*protocol.Command, error) {
				// The broker buffers a whole frame of garbage before it can
				// decide; then it must close, not wait for the rest.
				return nil, floodRandom(bad, lengthField(hostileMaxFrame-4), 100<<20, 2)
			},
			logMsg: "closing connection: bad frame",
		},
	}
}

// waitGroupGone waits until the broker has dropped group (the close path
// of the connection that held it has run).
// registerManyGroups registers bad@1 in 2000 producer groups, so that
// each GET_ALL_PRODUCER_INFO (328) reply is large (~200 KB).
func registerManyGroups(bad *badConn) error {
	groups := make([]string, 2000)
	for i := range groups {
		groups[i] = fmt.Sprintf("BIG_%04d", i)
	}
	big := heartbeatCmd("bad@1", protocol.Go, 317, groups...)
	big.Opaque = 1
	_, err := bad.call(encodeOrDie(big), 1)
	return err
}

func waitGroupGone(b *Broker, group string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return b.WaitProducers(ctx, group, 0)
}

// floodRandom writes prefix, then random bytes from a seeded source, up to
// total bytes, until the broker closes the connection. It fails if the
// broker took everything.
func floodRandom(bad *badConn, prefix []byte, total int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	buf := make([]byte, 256<<10)
	written := 0
	if err := bad.write(prefix); err != nil {
		return err
	}
	for written < total {
		for i := 0; i < len(buf); i += 8 {
			binary.LittleEndian.PutUint64(buf[i:], rng.Uint64())
		}
		if err := bad.write(buf); err != nil {
			return err // closed by the broker (EPIPE or ECONNRESET), or a timeout
		}
		written += len(buf)
	}
	return nil // the broker took all of it
}

// TestHostileInput feeds one kind of hostile input per row to a
// connection that registered a producer, while a well-behaved client keeps
// calling on another connection. Each row checks that the broker closes
// the connection (or answers the request with an error and carries on),
// logs the reason, keeps serving the good client, and keeps its registered
// state intact: only the hostile connection's producers go, with it.
func TestHostileInput(t *testing.T) {
	h := newHostileHarness(t)
	for _, row := range hostileRows() {
		t.Run(row.name, func(t *testing.T) {
			h.good.T = t
			bad, err := dialBad(h.b.Addr(), row.rcvBuf)
			assert.NilError(t, err)
			defer bad.nc.Close()
			reg, err := bad.call(encodeOrDie(heartbeatCmd("bad@1", protocol.Go, 317, "BAD")), 0)
			assert.NilError(t, err)
			assert.Equal(t, reg.Code, int32(0))

			type result struct {
				resp *protocol.Command
				err  error
			}
			done := make(chan result, 1)
			go func() {
				resp, err := row.attack(h, bad)
				done <- result{resp, err}
			}()
			// The good client keeps being served while the attack runs.
			var res result
			calls := 0
		serve:
			for {
				select {
				case res = <-done:
					break serve
				default:
				}
				h.checkGood(t)
				calls++
				time.Sleep(time.Millisecond)
			}
			h.checkGood(t)
			t.Logf("%d good calls during the attack", calls+1)

			switch row.want {
			case gone:
				assert.NilError(t, res.err)
			case closed:
				assert.Assert(t, res.err != nil, "want the connection closed")
				assert.Assert(t, !isTimeout(res.err), "want the connection closed, it is still open: %v", res.err)
				assert.NilError(t, waitGroupGone(h.b, "BAD"), "the closed connection's producer goes")
			case answered:
				assert.NilError(t, res.err)
				assert.Equal(t, res.resp.ResponseCode(), row.code, "remark: %s", res.resp.Remark)
				assert.Assert(t, res.resp.IsResponse())
				assert.Assert(t, is.Contains(res.resp.Remark, row.remark))
				// The connection carries on.
				again, err := bad.call(encodeOrDie(heartbeatCmd("bad@1", protocol.Go, 317, "BAD")), 0)
				assert.NilError(t, err)
				assert.Equal(t, again.Code, int32(0))
				assert.Equal(t, len(h.b.Producers("BAD")), 1)
				bad.reset()
				assert.NilError(t, waitGroupGone(h.b, "BAD"))
			}
			_, ok := h.logs.wait(2*time.Second, remoteIs(bad.addr, row.logMsg, row.logErr))
			if !ok {
				// Producer manager lines name the channel inside the message.
				_, ok = h.logs.find(func(r logRecord) bool {
					return row.logErr == "" && strings.Contains(r.Msg, row.logMsg) && strings.Contains(r.Msg, bad.addr)
				})
			}
			assert.Assert(t, ok, "want a log record about %s: %q with err %q; got:\n%s", bad.addr, row.logMsg, row.logErr, h.logs.dump())

			// Registered state intact: only the good client's group is left.
			if diff := cmp.Diff([]string{"PG_good"}, h.b.Groups()); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			h.checkGood(t)
		})
	}
}

// The descriptor limit. gnet stops its whole engine when accept fails with
// EMFILE; the broker must never let it get there. The broker runs in a
// child process (this test binary again) whose RLIMIT_NOFILE is lowered;
// this process plays the clients and steers the child over stdin/stdout.

const (
	fdChildEnv   = "ROCKETMOCK_FD_CHILD" // the child's RLIMIT_NOFILE
	fdChildLimit = 256
)

// fdChild is the broker side: one command per line on stdin, one answer
// line on stdout ("fdchild: ...").
func fdChild(t *testing.T, limit uint64) {
	testchild.LimitFDs(t, limit)
	logs := newLogCapture(1000)
	b, err := New(WithLogger(logs.logger(nil)))
	if err != nil {
		t.Fatalf("starting the broker: %v", err)
	}
	defer b.Close()
	say := func(format string, a ...any) { fmt.Printf("fdchild: "+format+"\n", a...) }
	say("addr %s max %d", b.Addr(), b.MaxConnections())
	var hoarded int
	var releases []func()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch cmd := in.Text(); cmd {
		case "status":
			say("conns %d refused %d err %v", b.srv.Conns(), b.RefusedConnections(), b.Err())
		case "refusal-logs":
			n := 0
			for _, r := range logs.since(0) {
				if r.Msg == "refusing connections" {
					n++
				}
			}
			say("logs %d", n)
		case "hoard": // every free descriptor, so that the next accept fails
			n, release := testchild.HoardFDs(0)
			hoarded += n
			releases = append(releases, release)
			say("hoarded %d", hoarded)
		case "stopped":
			select {
			case <-b.Stopped():
			case <-time.After(5 * time.Second):
			}
			for _, release := range releases {
				release()
			}
			say("stopped err %v", b.Err())
		case "quit":
			return
		}
	}
}

// inFDChild runs fdChild and reports true when this process is the child
// that fdParent started.
func inFDChild(t *testing.T) bool {
	v := os.Getenv(fdChildEnv)
	if v == "" {
		return false
	}
	limit, _ := strconv.ParseUint(v, 10, 64)
	fdChild(t, limit)
	return true
}

// fdParent starts the child running test and returns a function that
// sends it a command and returns its answer, with the child broker's
// address and connection limit from its first line.
func fdParent(t *testing.T, test string) (ask func(cmd string) string, addr string, maxConns int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", fdChildEnv, fdChildLimit))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	assert.NilError(t, err)
	stdout, err := cmd.StdoutPipe()
	assert.NilError(t, err)
	assert.NilError(t, cmd.Start())
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), "fdchild: "); ok {
				lines <- s
			}
		}
	}()
	t.Cleanup(func() {
		_, _ = io.WriteString(stdin, "quit\n")
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the child broker: %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("the child broker did not stop")
		}
	})
	next := func() string {
		select {
		case s, ok := <-lines:
			if !ok {
				t.Fatalf("the child broker ended")
			}
			return s
		case <-time.After(20 * time.Second):
			t.Fatalf("no answer from the child broker")
		}
		return ""
	}
	_, err = fmt.Sscanf(next(), "addr %s max %d", &addr, &maxConns)
	assert.NilError(t, err)
	return func(c string) string {
		_, err := io.WriteString(stdin, c+"\n")
		assert.NilError(t, err)
		return next()
	}, addr, maxConns
}

// TestFileDescriptorLimit opens far more connections than the child's
// RLIMIT_NOFILE allows, in bursts: past the broker's connection limit new
// ones are closed at once, with few log lines; the registered client keeps
// being served, the broker keeps running, and once connections close new
// ones are served again.
func TestFileDescriptorLimit(t *testing.T) {
	if inFDChild(t) {
		return
	}
	ask, addr, maxConns := fdParent(t, "TestFileDescriptorLimit")
	assert.Assert(t, maxConns > 50 && maxConns < fdChildLimit, "connection limit %d under RLIMIT_NOFILE %d", maxConns, fdChildLimit)
	t.Logf("child broker at %s, connection limit %d", addr, maxConns)

	good, err := dialBad(addr, 0)
	assert.NilError(t, err)
	defer good.nc.Close()
	hbOK := func(c *badConn, id string) error {
		resp, err := c.call(encodeOrDie(heartbeatCmd(id, protocol.Go, 317, "PG_fd")), 0)
		if err == nil && resp.Code != 0 {
			err = fmt.Errorf("heartbeat answered %d %q", resp.Code, resp.Remark)
		}
		return err
	}
	assert.NilError(t, hbOK(good, "good@1"))

	// Twice the descriptor limit, dialled 64 at a time.
	conns := make([]*badConn, 2*fdChildLimit)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if c, err := dialBad(addr, 0); err == nil {
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	// Which are served: a heartbeat is answered on those, the others were
	// closed at once.
	served := func(cs []*badConn, tag string) (open []*badConn) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i, c := range cs {
			if c == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if hbOK(c, fmt.Sprintf("%s@%d", tag, i)) == nil {
					mu.Lock()
					open = append(open, c)
					mu.Unlock()
				} else {
					c.nc.Close()
				}
			}()
		}
		wg.Wait()
		return open
	}
	open := served(conns, "burst")
	t.Logf("%d of %d connections served", len(open), len(conns))
	assert.Equal(t, len(open), maxConns-1, "the good client holds one place")
	assert.NilError(t, hbOK(good, "good@1"), "the registered client carries on")
	status := ask("status")
	assert.Assert(t, strings.HasSuffix(status, "err <nil>"), status)
	var nConns, refused int
	_, err = fmt.Sscanf(status, "conns %d refused %d", &nConns, &refused)
	assert.NilError(t, err)
	assert.Equal(t, nConns, maxConns)
	dialled := 0
	for _, c := range conns {
		if c != nil {
			dialled++
		}
	}
	assert.Assert(t, refused >= dialled-len(open), "%s; %d dialled", status, dialled)

	// Half go; as many new ones are served.
	half := len(open) / 2
	for _, c := range open[:half] {
		c.nc.Close()
	}
	open = open[half:]
	poll.WaitOn(t, func(poll.LogT) poll.Result {
		s := ask("status")
		if strings.HasPrefix(s, fmt.Sprintf("conns %d ", maxConns-half)) {
			return poll.Success()
		}
		return poll.Continue("%s", s)
	}, poll.WithTimeout(5*time.Second), poll.WithDelay(20*time.Millisecond))
	fresh := make([]*badConn, half)
	for i := range fresh {
		fresh[i], err = dialBad(addr, 0)
		assert.NilError(t, err)
	}
	again := served(fresh, "again")
	assert.Equal(t, len(again), half, "connections are served again once others closed")
	for _, c := range append(open, again...) {
		c.nc.Close()
	}
	assert.NilError(t, hbOK(good, "good@1"))
	assert.Assert(t, strings.HasSuffix(ask("status"), "err <nil>"))
	var logs int
	_, err = fmt.Sscanf(ask("refusal-logs"), "logs %d", &logs)
	assert.NilError(t, err)
	assert.Assert(t, logs >= 1 && logs <= 5, "%d refusal log lines for %d refusals: want one a second at most", logs, refused)
}

// TestEngineStopIsReported exhausts the child's descriptors behind the
// broker's back, so that gnet's accept fails and its engine stops: the
// broker must say so (Err, Stopped), not pass for healthy.
func TestEngineStopIsReported(t *testing.T) {
	if inFDChild(t) {
		return
	}
	ask, addr, _ := fdParent(t, "TestEngineStopIsReported")
	assert.Assert(t, strings.HasSuffix(ask("status"), "err <nil>"))
	assert.Assert(t, strings.HasPrefix(ask("hoard"), "hoarded "))
	// The handshake completes in the kernel and accept fails; the
	// connection may be reset as the engine closes its listener.
	if c, err := dialBad(addr, 0); err == nil {
		defer c.nc.Close()
	}
	got := ask("stopped")
	assert.Assert(t, is.Contains(got, "the event loops stopped unexpectedly"))
	assert.Assert(t, is.Contains(got, "too many open files"))
}

// TestPartialFrameBudget: connections that each hold part of a large frame
// are bounded together: past the budget the one holding the most is
// closed with a logged reason, the others complete their frames and are
// answered, and a registered client is served throughout.
func TestPartialFrameBudget(t *testing.T) {
	const budget = 2 << 20
	logs := newLogCapture(0)
	b := Start(t, WithLogger(logs.logger(nil)), WithMaxFrame(hostileMaxFrame), WithPartialFrameBudget(budget))
	good, err := dialBad(b.Addr(), 0)
	assert.NilError(t, err)
	defer good.nc.Close()
	hb, err := good.call(encodeOrDie(heartbeatCmd("good@1", protocol.Go, 317, "PG_good")), 0)
	assert.NilError(t, err)
	assert.Equal(t, hb.Code, int32(0))

	// Each frame asks for an unknown code with a 900 KB body; the
	// connections send 600, 700, 500 KB of theirs (1.8 MB held in all),
	// then the fourth 400 KB: 2.2 MB, over the budget.
	frames := make([][]byte, 4)
	sent := []int{600_000, 700_000, 500_000, 400_000}
	conns := make([]*badConn, 4)
	for i := range conns {
		frames[i] = rawFrame(0, jsonRequestHeader(31999, int32(i+1), ""), make([]byte, 900_000))
		conns[i], err = dialBad(b.Addr(), 0)
		assert.NilError(t, err)
		defer conns[i].nc.Close()
	}
	held := 0
	for i, c := range conns[:3] {
		assert.NilError(t, c.write(frames[i][:sent[i]]))
		held += sent[i]
		poll.WaitOn(t, func(poll.LogT) poll.Result {
			if got := b.srv.Partial(); got != int64(held) {
				return poll.Continue("%d bytes held in partial frames, want %d", got, held)
			}
			return poll.Success()
		}, poll.WithTimeout(5*time.Second), poll.WithDelay(time.Millisecond))
	}
	assert.NilError(t, conns[3].write(frames[3][:sent[3]]))

	// The one holding the most (700 KB) goes.
	assert.Assert(t, !isTimeout(conns[1].readUntilClosed(5*time.Second)), "the connection holding the most is closed")
	// (The fourth connection's bytes may arrive in pieces: the total is
	// whatever crossed the budget.)
	_, ok := logs.wait(2*time.Second, func(r logRecord) bool {
		return remoteIs(conns[1].addr, "closing connection: incomplete frames over budget", "it holds 700000 bytes of an incomplete frame, the most of the ")(r) &&
			strings.HasSuffix(r.Attrs["err"], fmt.Sprintf("bytes buffered in incomplete frames across all connections; the budget is %d bytes", budget))
	})
	assert.Assert(t, ok, "want the reason logged; got:\n%s", logs.dump())
	// The others complete their frames and are answered.
	for _, i := range []int{0, 2, 3} {
		resp, err := conns[i].call(frames[i][sent[i]:], int32(i+1))
		assert.NilError(t, err, "connection %d", i)
		assert.Equal(t, resp.ResponseCode(), protocol.RequestCodeNotSupported)
	}
	hb, err = good.call(encodeOrDie(heartbeatCmd("good@1", protocol.Go, 317, "PG_good")), 0)
	assert.NilError(t, err)
	assert.Equal(t, hb.Code, int32(0))
	assert.Equal(t, b.srv.Partial(), int64(0))
}

// TestReplyHeaderTooLarge sends a batch of 520,000 empty messages (11 MB,
// within the frame limit): the reply would name every message id in its
// msgId field, a header beyond the 24-bit header length. The client gets
// SYSTEM_ERROR with a remark saying so instead of no reply at all, the
// journal records that reply, and the connection carries on.
func TestReplyHeaderTooLarge(t *testing.T) {
	logs := newLogCapture(0)
	b := Start(t, WithLogger(logs.logger(nil)), WithMessageLimit(10))
	c, err := dialBad(b.Addr(), 0)
	assert.NilError(t, err)
	defer c.nc.Close()
	const n = 520_000
	batch := make([]byte, 0, n*22)
	for range n {
		batch = protocol.AppendBatchMessage(batch, 0, nil, "")
	}
	hdr := map[string]string{"a": "PG_big", "b": "TopicBig", "c": "TBW102", "d": "4", "e": "0", "f": "0",
		"g": "1700000000000", "h": "0", "j": "0", "k": "false", "m": "true"}
	req := protocol.NewRequest(protocol.SendBatchMessage, hdr, batch)
	req.Opaque = 42
	assert.NilError(t, c.write(encodeOrDie(req)))
	resp, err := c.readFrame(30 * time.Second) // half a million messages take a while under -race
	assert.NilError(t, err, "the client must get an answer")
	assert.Equal(t, resp.Opaque, int32(42))
	assert.Equal(t, resp.ResponseCode(), protocol.SystemError)
	assert.Assert(t, is.Contains(resp.Remark, "exceeds 24 bits"))
	assert.Assert(t, is.Contains(resp.Remark, "16777215"))
	_, ok := logs.find(func(r logRecord) bool { return r.Msg == "reply cannot be encoded; answering SYSTEM_ERROR" })
	assert.Assert(t, ok, "want the reason logged; got:\n%s", logs.dump())

	var entry JournalEntry
	for _, e := range b.Journal() {
		if e.Opaque == 42 {
			entry = e
		}
	}
	assert.Equal(t, entry.Outcome, OutcomeReplied)
	assert.Equal(t, entry.Result, protocol.SystemError, "the journal records the reply the client got")
	assert.Equal(t, entry.Remark, resp.Remark)

	again, err := c.call(encodeOrDie(heartbeatCmd("big@1", protocol.Go, 317, "PG_big")), 0)
	assert.NilError(t, err)
	assert.Equal(t, again.Code, int32(0), "the connection carries on")
}
