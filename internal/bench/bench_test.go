package bench

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func TestHistogramQuantilesWithinBucketPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h histogram
	samples := make([]int64, 100_000)
	for i := range samples {
		// 1 µs .. ~1 s, log-uniform, plus some exact small values.
		samples[i] = int64(float64(int64(1000)<<rng.IntN(20)) * (1 + rng.Float64()))
		if i%100 == 0 {
			samples[i] = int64(i % 200)
		}
		h.add(samples[i])
	}
	slices.Sort(samples)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := samples[int(q*float64(len(samples))+0.5)-1]
		got := int64(h.quantile(q))
		// A bucket spans under 1/128 of its value; the floor is reported.
		assert.Assert(t, got <= want && float64(want-got) <= float64(want)/128+1,
			"q%v: got %d, want %d (within 1/128 below)", q, got, want)
	}
	assert.Equal(t, h.max, samples[len(samples)-1])
	assert.Equal(t, h.total, uint64(len(samples)))
}

func TestHistogramBucketsAreContiguous(t *testing.T) {
	prev := -1
	for v := int64(0); v < 1<<20; v++ {
		b := bucketOf(v)
		if b == prev {
			continue
		}
		if b != prev+1 || bucketFloor(b) != v {
			t.Fatalf("value %d: bucket %d (floor %d) after bucket %d", v, b, bucketFloor(b), prev)
		}
		prev = b
	}
	assert.Assert(t, bucketOf(maxLatency) < numBuckets)
	assert.Assert(t, bucketOf(1<<62) < numBuckets)
}

// Patched frames decode to the same request with the new opaque, and the
// reply parser reads what the codec wrote.
func TestFramesPatchOpaqueAndRepliesParse(t *testing.T) {
	for _, ser := range []protocol.SerializeType{protocol.JSON, protocol.RocketMQ} {
		fs := frameSet{group: "PG", topic: "T", body: 16, serialize: ser, pid: 7}
		for _, kind := range Kinds {
			frames, err := fs.build(kind, 3)
			assert.NilError(t, err)
			for _, f := range frames {
				for _, seq := range []uint32{0, 1, 123456, maxSeq} {
					b := f.appendTo([]byte("xx"), seq)
					cmd, err := protocol.DecodeFrame(b[2:])
					assert.NilError(t, err, "%s %v", kind, ser)
					assert.Equal(t, cmd.Opaque, int32(opaqueBase+seq))
					assert.Equal(t, cmd.Serialize, ser)

					resp := protocol.NewResponse(cmd, protocol.ResponseCode(17), `a "code":5 remark`)
					resp.ExtFields = map[string]string{"opaque": "9", "code": "8", "flag": "7"}
					out, err := resp.Encode()
					assert.NilError(t, err)
					got, ok := parseReply(out)
					assert.Assert(t, ok)
					want := reply{code: 17, opaque: cmd.Opaque, flag: protocol.FlagResponse}
					assert.DeepEqual(t, got, want, cmp.AllowUnexported(reply{}))
				}
			}
		}
	}
}

func TestParseKind(t *testing.T) {
	k, err := ParseKind("send")
	assert.NilError(t, err)
	assert.Equal(t, k, KindSend)
	_, err = ParseKind("ping")
	assert.ErrorContains(t, err, `kind "ping": want one of heartbeat, producers, route, send, mixed`)
}

// A short run against the echo server: every request is answered, and
// nothing counts as an error.
func TestRunAgainstEcho(t *testing.T) {
	e, err := StartEcho("127.0.0.1:0", 1)
	assert.NilError(t, err)
	defer e.Close()
	res, err := Run(context.Background(), Config{
		Addr: e.Addr(), Kind: KindMixed, Conns: 3, Depth: 5, Duration: 200 * time.Millisecond, Echo: true, Idle: 2,
	})
	assert.NilError(t, err)
	assert.Equal(t, res.Errors, int64(0), res.FirstError)
	assert.Assert(t, res.Requests > 0)
	assert.Assert(t, res.P50 > 0 && res.P50 <= res.P99 && res.P99 <= res.Max)
}

// Replies that are not successful responses are errors, counted by code.
func TestRunCountsErrorReplies(t *testing.T) {
	e, err := StartEcho("127.0.0.1:0", 1)
	assert.NilError(t, err)
	defer e.Close()
	// Not Echo: the echoed requests lack the response flag, so each is an
	// error reply.
	res, err := Run(context.Background(), Config{
		Addr: e.Addr(), Kind: KindRoute, Conns: 1, Depth: 2, Duration: 50 * time.Millisecond,
	})
	assert.NilError(t, err)
	assert.Assert(t, res.Errors > 0)
	assert.Assert(t, res.ErrorCodes[int32(protocol.GetRouteInfoByTopic)] > 0, "%v", res.ErrorCodes)
}

func TestMedian(t *testing.T) {
	rs := []*Result{
		{Rate: 3, P50: 30, Errors: 1, ErrorCodes: map[int32]int64{1: 1}},
		{Rate: 1, P50: 10},
		{Rate: 2, P50: 50, Errors: 2, ErrorCodes: map[int32]int64{1: 2}},
	}
	m := Median(rs)
	assert.Equal(t, m.Rate, 2.0)
	assert.Equal(t, m.P50, time.Duration(30))
	assert.Equal(t, m.Errors, int64(3))
	assert.DeepEqual(t, m.ErrorCodes, map[int32]int64{1: 3})
}

// Against a server that reads but never answers, the replies still due at
// the end are errors.
func TestRunCountsMissingReplies(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	res, err := Run(context.Background(), Config{
		Addr: ln.Addr().String(), Kind: KindHeartbeat, Conns: 2, Depth: 3,
		Duration: 20 * time.Millisecond, Timeout: 100 * time.Millisecond,
	})
	assert.NilError(t, err)
	assert.Equal(t, res.Errors, int64(6))
	assert.Equal(t, res.Requests, int64(0))
	assert.ErrorContains(t, errors.New(res.FirstError), "3 replies missing 100ms after the end")
}
