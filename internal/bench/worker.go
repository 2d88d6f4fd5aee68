package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/rocketmock/rocketmock/protocol"
)

// sampleBatch is how many latencies a worker keeps before adding them to
// the shared histogram.
const sampleBatch = 256

// worker drives one connection: a closed loop of Depth requests in flight.
type worker struct {
	r      *runner
	c      *net.TCPConn
	frames []frame // the request cycle
	next   int     // index of the next frame to send

	seq      uint32   // sequence number of the next request
	mask     uint32   // len(sent)-1
	sent     []int64  // by seq&mask: send time + 1, 0 = free
	sentSeq  []uint32 // by seq&mask: the seq in flight
	inflight int

	rbuf       []byte
	start, end int // unread bytes are rbuf[start:end]
	wbuf       []byte
	samples    []int64

	done       int64 // replies received in the measured time
	replyBytes int64
	errs       int64
	codes      map[int32]int64
	firstErr   string
}

func newWorker(r *runner, c *net.TCPConn, frames []frame) *worker {
	// Four slots per request in flight, so a server that answers out of
	// order rarely makes the next request wait for a slot.
	n := uint32(16)
	for n < uint32(4*r.cfg.Depth) {
		n <<= 1
	}
	return &worker{
		r: r, c: c, frames: frames,
		mask: n - 1, sent: make([]int64, n), sentSeq: make([]uint32, n),
		rbuf:    make([]byte, 64<<10),
		samples: make([]int64, 0, sampleBatch),
	}
}

func (w *worker) fail(format string, args ...any) {
	w.errs++
	if w.firstErr == "" {
		w.firstErr = fmt.Sprintf(format, args...)
	}
}

// run keeps the window full until the run stops, then collects the replies
// still due.
func (w *worker) run() {
	defer w.flushSamples()
	if err := w.fill(); err != nil {
		w.fail("writing requests: %v", err)
		return
	}
	for {
		if w.end == len(w.rbuf) {
			w.compact(0)
		}
		n, err := w.c.Read(w.rbuf[w.end:])
		w.end += n
		phase := w.r.phase.Load()
		if n > 0 {
			if perr := w.consume(w.r.now(), phase); perr != nil {
				w.fail("%v", perr)
				w.lose()
				return
			}
		}
		if err != nil {
			switch {
			case w.inflight == 0:
			case phase == phaseStop && errors.Is(err, os.ErrDeadlineExceeded):
				w.fail("%d replies missing %v after the end", w.inflight, w.r.cfg.Timeout)
				w.errs += int64(w.inflight) - 1
			default:
				w.fail("reading replies: %v", err)
				w.errs += int64(w.inflight) - 1
			}
			return
		}
		if phase == phaseStop {
			if w.inflight == 0 {
				return
			}
			continue
		}
		if err := w.fill(); err != nil {
			w.fail("writing requests: %v", err)
			w.lose()
			return
		}
	}
}

// lose counts the requests in flight as failed.
func (w *worker) lose() {
	w.errs += int64(w.inflight)
	w.inflight = 0
}

// fill writes new requests until Depth are in flight, in one write.
func (w *worker) fill() error {
	w.wbuf = w.wbuf[:0]
	t := w.r.now() + 1
	for w.inflight < w.r.cfg.Depth {
		i := w.seq & w.mask
		if w.sent[i] != 0 {
			break // an older reply is still due in this slot
		}
		f := &w.frames[w.next]
		w.wbuf = f.appendTo(w.wbuf, w.seq)
		w.sent[i], w.sentSeq[i] = t, w.seq
		w.inflight++
		if w.seq++; w.seq > maxSeq {
			w.seq = 0
		}
		if w.next++; w.next == len(w.frames) {
			w.next = 0
		}
	}
	if len(w.wbuf) == 0 {
		return nil
	}
	_, err := w.c.Write(w.wbuf)
	return err
}

// consume handles every whole frame read so far.
func (w *worker) consume(now int64, phase int32) error {
	for w.end-w.start >= 4 {
		size := int(binary.BigEndian.Uint32(w.rbuf[w.start:])) + 4
		if size > protocol.DefaultMaxFrame || size < 8 {
			return fmt.Errorf("reply frame of %d bytes: the stream is corrupt", size)
		}
		if w.end-w.start < size {
			if size > len(w.rbuf) {
				w.compact(size)
			}
			break
		}
		w.handle(w.rbuf[w.start:w.start+size], now, phase)
		w.start += size
	}
	if w.start == w.end {
		w.start, w.end = 0, 0
	} else if w.start > len(w.rbuf)/2 {
		w.compact(0)
	}
	return nil
}

// compact moves the unread bytes to the front, growing the buffer to at
// least size.
func (w *worker) compact(size int) {
	buf := w.rbuf
	if size > len(buf) || w.end-w.start == len(buf) {
		buf = make([]byte, max(size, 2*len(buf)))
	}
	n := copy(buf, w.rbuf[w.start:w.end])
	w.rbuf, w.start, w.end = buf, 0, n
}

// handle matches one reply to its request.
func (w *worker) handle(f []byte, now int64, phase int32) {
	rep, ok := parseReply(f)
	if !ok {
		w.fail("a reply header does not parse: %q", truncate(f, 120))
		return
	}
	seq := uint32(rep.opaque) - opaqueBase
	i := seq & w.mask
	if rep.opaque < opaqueBase || w.sent[i] == 0 || w.sentSeq[i] != seq {
		w.fail("a reply with opaque %d answers no request in flight", rep.opaque)
		return
	}
	lat := now - (w.sent[i] - 1)
	w.sent[i] = 0
	w.inflight--
	if !w.r.cfg.Echo && (rep.flag&protocol.FlagResponse == 0 || rep.code != 0) {
		if w.codes == nil {
			w.codes = map[int32]int64{}
		}
		w.codes[rep.code]++
		w.fail("reply code %d (%v)", rep.code, protocol.ResponseCode(rep.code))
	}
	if phase != phaseMeasure {
		return
	}
	w.done++
	w.replyBytes += int64(len(f))
	w.samples = append(w.samples, lat)
	if len(w.samples) == cap(w.samples) {
		w.flushSamples()
	}
}

func (w *worker) flushSamples() {
	if len(w.samples) > 0 {
		w.r.rec.addBatch(w.samples)
		w.samples = w.samples[:0]
	}
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
