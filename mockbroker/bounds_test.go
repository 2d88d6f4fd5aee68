package mockbroker

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/protocol"
)

// A remark echoing a 1 MiB field is truncated in the journal, and the
// journal stays within its bytes (issue 12, item 2).
func TestJournalIsBoundedInBytes(t *testing.T) {
	b := Start(t, WithJournalBytes(64<<10))
	c := dial(t, b.Addr())
	topic := strings.Repeat("t", 1<<20)
	assert.Equal(t, c.call(sendCmd("PG", topic, 9, "", []byte("x"))).Code, int32(b.cfg.release.IllegalQueueIDCode()))
	j := b.Journal()
	last := j[len(j)-1]
	assert.Assert(t, len(last.Remark) <= maxEchoed+30, "remark of %d bytes", len(last.Remark))
	assert.Assert(t, strings.HasSuffix(last.Remark, fmt.Sprintf("…(%d bytes)", 1<<20+len("request queueId[9] is illegal, topic:")+len(" writeQueueNums:4 Producer: ")+len(localAddr(c)))), last.Remark[len(last.Remark)-40:])

	for range 100 {
		assert.Equal(t, c.call(sendCmd("PG", topic[:4<<10], 9, "", []byte("x"))).Code, int32(b.cfg.release.IllegalQueueIDCode()))
	}
	size := 0
	for _, e := range b.Journal() {
		size += journalEntrySize + len(e.Remark) + len(e.Conn.ClientID) + len(e.Conn.Addr)
	}
	assert.Assert(t, size <= 64<<10, "%d bytes kept", size)
	assert.Assert(t, b.JournalDropped() > 0)
	assert.Assert(t, b.JournalDroppedBytes() > int64(b.JournalDropped())*journalEntrySize, "%d bytes dropped", b.JournalDroppedBytes())
}

// A zlib bomb (8 MiB of zeros in a few KB) is kept compressed: inflating
// stops at maxInflated.
func TestZlibBombIsKeptCompressed(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, err := w.Write(make([]byte, 8<<20))
	assert.NilError(t, err)
	assert.NilError(t, w.Close())
	bomb := sendCmd("PG", "T", 1, "", buf.Bytes())
	bomb.ExtFields["sysFlag"] = "1"
	assert.Equal(t, c.call(bomb).Code, int32(0))
	small := sendCmd("PG", "T", 1, "", zlibBytes(t, strings.Repeat("y", 1000)))
	small.ExtFields["sysFlag"] = "1"
	assert.Equal(t, c.call(small).Code, int32(0))
	ms := b.Messages("T")
	assert.Equal(t, len(ms), 2)
	assert.Assert(t, ms[0].Compressed)
	assert.Assert(t, bytes.Equal(ms[0].Body, buf.Bytes()), "kept %d bytes, sent %d", len(ms[0].Body), buf.Len())
	assert.Assert(t, !ms[1].Compressed)
	assert.Equal(t, string(ms[1].Body), strings.Repeat("y", 1000))
}

// Topics counted by name are bounded; the total keeps what went.
func TestTopicsSeenAreBounded(t *testing.T) {
	b := Start(t, WithTopicLimit(5))
	c := dial(t, b.Addr())
	for i := range 20 {
		assert.Equal(t, c.call(sendCmd("PG", fmt.Sprint("T", i), 1, "", []byte("x"))).Code, int32(0))
	}
	topics, msgs := b.TopicsDropped()
	assert.Equal(t, topics, int64(15))
	assert.Equal(t, msgs, int64(15))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := b.WaitMessages(ctx, "", 20)
	assert.NilError(t, err)
	_, err = b.WaitMessages(ctx, "T19", 1)
	assert.NilError(t, err)
}

// Closed connections keep their send counts up to the limit; older ones
// go, counted, with the client ids the records kept for them.
func TestClosedSendersAreBounded(t *testing.T) {
	b := Start(t, WithClosedSenderLimit(3))
	var ids []uint64
	for i := range 10 {
		c := dial(t, b.Addr())
		c.call(heartbeatCmd(fmt.Sprint("c@", i), protocol.Go, 317, "PG"))
		assert.Equal(t, c.call(sendCmd("PG", "T", 1, "", []byte("x"))).Code, int32(0))
		ids = append(ids, b.Journal()[len(b.Journal())-1].Conn.ID)
		c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		assert.NilError(t, b.records.Wait(ctx, func(st *recordState) bool { return !st.Open(ids[i]) }))
		cancel()
	}
	conns, msgs := b.SendCountsDropped()
	assert.Equal(t, conns, int64(7))
	assert.Equal(t, msgs, int64(7))
	var got []string
	for _, sc := range b.SendCounts() {
		got = append(got, sc.ClientID)
	}
	assert.DeepEqual(t, got, []string{"c@7", "c@8", "c@9"})
}

// LastMessages (and GET /v1/messages?limit=N) copy only the newest N.
func TestLastMessagesCopiesOnlyN(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	body := bytes.Repeat([]byte("b"), 64<<10)
	for i := range 50 {
		assert.Equal(t, c.call(sendCmd("PG", "T", 1, fmt.Sprintf("UNIQ_KEY\x01U%d\x02", i), body)).Code, int32(0))
	}
	assert.Equal(t, c.call(sendCmd("PG", "U", 1, "", []byte("u"))).Code, int32(0))
	last := b.LastMessages("T", 2)
	assert.Equal(t, len(last), 2)
	assert.Equal(t, last[0].MsgID, "U48")
	assert.Equal(t, last[1].MsgID, "U49")
	assert.Equal(t, len(b.LastMessages("", 100)), 51)
	assert.Equal(t, len(b.LastMessages("T", 0)), 0)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		b.LastMessages("T", 1)
	}
	runtime.ReadMemStats(&after)
	assert.Assert(t, after.TotalAlloc-before.TotalAlloc < 10*(2*64<<10), "allocated %d bytes for 10 newest messages", after.TotalAlloc-before.TotalAlloc)
}

// Kept messages are bounded in bytes as well as in count: 4 MiB bodies
// must not pile up to gigabytes within the default count.
func TestMessagesBoundedByBytes(t *testing.T) {
	b := Start(t, WithMessageBytes(1<<20))
	c := dial(t, b.Addr())
	body := bytes.Repeat([]byte("m"), 400<<10)
	for range 5 {
		assert.Equal(t, c.call(sendCmd("PG", "T", 0, "", body)).Code, int32(0))
	}
	kept := b.Messages("T")
	assert.Equal(t, len(kept), 2, "two 400 KiB bodies fit in 1 MiB")
	assert.Equal(t, b.MessagesDropped(), int64(3))
	assert.Assert(t, b.MessagesDroppedBytes() >= 3*400<<10, "dropped %d bytes", b.MessagesDroppedBytes())
	assert.DeepEqual(t, kept[1].Body, body)
}
