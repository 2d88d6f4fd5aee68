package protocol

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	"gotest.tools/v3/assert"
)

// bytesPerCall returns the average heap bytes one call of f allocates.
func bytesPerCall(f func()) uint64 {
	const runs = 50
	f() // warm up one-time allocations
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / runs
}

// TestClaimedLengthsDoNotAllocate: a length or count field claiming more
// than the bytes at hand is rejected before anything of that size is
// allocated (issue 2: "a claimed length must never make the decoder
// allocate that much before the bytes have arrived").
func TestClaimedLengthsDoNotAllocate(t *testing.T) {
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	// A ROCKETMQ header: fixed part, then remark and extFields as given.
	binaryHeader := func(rest ...[]byte) []byte {
		h := unhex(t, "0022 00 01df 00000001 00000000")
		for _, r := range rest {
			h = append(h, r...)
		}
		return frame(RocketMQ, h, nil)
	}
	batch := AppendBatchMessage(nil, 0, []byte("abc"), "A\x01b\x02")
	setBatch := func(at int, v uint32) []byte {
		b := append([]byte(nil), batch...)
		binary.BigEndian.PutUint32(b[at:], v)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		run  func([]byte) error // returns the decoder's error
		want error
	}{
		{"frame of 16 MiB, 4 bytes there", be32(DefaultMaxFrame - 4), peekNeedsMore, nil},
		{"frame of 2 GiB", be32(0x7fffffff), peek, ErrCorrupt},
		{"header length of 16 MiB", append(be32(8), 0, 0xff, 0xff, 0xff, '{', '}', ' ', ' '), decodeFrame, ErrCorrupt},
		{"remark of 2 GiB", binaryHeader(be32(0x7fffffff), be32(0)), decodeFrame, ErrCorrupt},
		{"extFields of 2 GiB", binaryHeader(be32(0), be32(0x7fffffff)), decodeFrame, ErrCorrupt},
		{"extFields key of 32 KiB", binaryHeader(be32(0), be32(6), []byte{0x7f, 0xff, 'a', 'b', 'c', 'd'}), decodeFrame, ErrCorrupt},
		{"extFields value of 2 GiB", binaryHeader(be32(0), be32(7), []byte{0, 1, 'k'}, be32(0x7fffffff)), decodeFrame, ErrCorrupt},
		{"batch record of 2 GiB", setBatch(0, 0x7fffffff), countBatch, ErrBadBatch},
		{"batch body of 2 GiB", setBatch(16, 0x7fffffff), countBatch, ErrBadBatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			got := bytesPerCall(func() { err = tc.run(tc.in) })
			if tc.want == nil {
				assert.NilError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want)
			}
			assert.Assert(t, got < 2048, "%d bytes allocated per call", got)
		})
	}
}

func peek(b []byte) error { _, err := PeekFrame(b, 0); return err }

func peekNeedsMore(b []byte) error {
	if n, err := PeekFrame(b, 0); n != 0 || err != nil {
		return fmt.Errorf("PeekFrame = %d, %v; want 0 (more bytes needed)", n, err)
	}
	return nil
}

func decodeFrame(b []byte) error { _, err := DecodeFrame(b); return err }

func countBatch(b []byte) error { _, err := CountBatch(b); return err }
