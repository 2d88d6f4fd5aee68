package mockbroker

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func zlibBytes(t *testing.T, s string) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, err := w.Write([]byte(s))
	assert.NilError(t, err)
	assert.NilError(t, w.Close())
	return buf.Bytes()
}

func TestMessagesRecordEverySend(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	single := sendCmd("PG", "T", 1, "UNIQ_KEY\x01U1\x02TAGS\x01tagA\x02KEYS\x01k1 k2\x02WAIT\x01true\x02", []byte("hello"))
	assert.Equal(t, c.call(single).Code, int32(0))

	compressed := sendCmd("PG", "T", 1, "UNIQ_KEY\x01U2\x02", zlibBytes(t, "inflated"))
	compressed.ExtFields["sysFlag"] = "1"
	assert.Equal(t, c.call(compressed).Code, int32(0))

	lz4 := sendCmd("PG", "T", 1, "UNIQ_KEY\x01U3\x02", []byte("lz4 bytes"))
	lz4.ExtFields["sysFlag"] = fmt.Sprint(protocol.SysFlagCompressed | protocol.SysFlagCompressionLZ4)
	assert.Equal(t, c.call(lz4).Code, int32(0))

	var batch []byte
	for i := range 2 {
		batch = protocol.AppendBatchMessage(batch, int32(i), []byte(fmt.Sprint("b", i)), fmt.Sprintf("UNIQ_KEY\x01B%d\x02TAGS\x01t%d\x02", i, i))
	}
	v2 := map[string]string{"a": "PG2", "b": "T", "c": "TBW102", "d": "4", "e": "2", "f": "0", "g": "1700000000123", "h": "0", "i": "", "j": "0", "k": "false", "m": "true"}
	assert.Equal(t, c.call(protocol.NewRequest(protocol.SendBatchMessage, v2, batch)).Code, int32(0))

	bad := sendCmd("PG", "T", 9, "", []byte("x"))
	assert.Equal(t, c.call(bad).Code, int32(29), "refused sends are not recorded")
	assert.Equal(t, c.call(sendCmd("PG", "Other", 0, "", []byte("o"))).Code, int32(0))

	// The heartbeat comes after the sends, as with the Go client: the
	// records still learn the client id.
	c.call(heartbeatCmd("go@1", protocol.Go, 317, "PG"))

	addr := localAddr(c)
	at := start
	born := time.UnixMilli(1700000000000)
	id := b.storeHost().msgID
	// The store numbers messages: a physical offset advances by the
	// encoded size of the message before it, as in a commit log.
	var stored []store.Message
	for _, q := range []int32{1, 2} {
		stored = append(stored, b.store.Range("T", q, 0, 10)...)
	}
	stored = append(stored, b.store.Range("Other", 0, 0, 10)...)
	slices.SortFunc(stored, func(x, y store.Message) int { return cmp.Compare(x.CommitLogOffset, y.CommitLogOffset) })
	assert.Equal(t, len(stored), 6)
	assert.Equal(t, stored[0].CommitLogOffset, int64(0))
	for i := 1; i < len(stored); i++ {
		assert.Equal(t, stored[i].CommitLogOffset, stored[i-1].CommitLogOffset+int64(store.EncodedSize(&stored[i-1].MessageExt)))
	}
	phys := func(q int32, off int64) int64 { return b.store.Range("T", q, off, off+1)[0].CommitLogOffset }
	want := []Message{
		{Topic: "T", QueueID: 1, QueueOffset: 0, CommitLogOffset: phys(1, 0), OffsetMsgID: id(phys(1, 0)), MsgID: "U1", Tags: "tagA", Keys: []string{"k1", "k2"},
			Properties: map[string]string{"UNIQ_KEY": "U1", "TAGS": "tagA", "KEYS": "k1 k2", "WAIT": "true"}, Body: []byte("hello"),
			BornTimestamp: born, ProducerGroup: "PG", ClientID: "go@1", Addr: addr, Time: at},
		{Topic: "T", QueueID: 1, QueueOffset: 1, CommitLogOffset: phys(1, 1), OffsetMsgID: id(phys(1, 1)), MsgID: "U2",
			Properties: map[string]string{"UNIQ_KEY": "U2"}, Body: []byte("inflated"), SysFlag: 1,
			BornTimestamp: born, ProducerGroup: "PG", ClientID: "go@1", Addr: addr, Time: at},
		{Topic: "T", QueueID: 1, QueueOffset: 2, CommitLogOffset: phys(1, 2), OffsetMsgID: id(phys(1, 2)), MsgID: "U3",
			Properties: map[string]string{"UNIQ_KEY": "U3"}, Body: []byte("lz4 bytes"), Compressed: true, SysFlag: protocol.SysFlagCompressed | protocol.SysFlagCompressionLZ4,
			BornTimestamp: born, ProducerGroup: "PG", ClientID: "go@1", Addr: addr, Time: at},
	}
	for i := range 2 {
		want = append(want, Message{Topic: "T", QueueID: 2, QueueOffset: int64(i), CommitLogOffset: phys(2, int64(i)), OffsetMsgID: id(phys(2, int64(i))),
			MsgID: fmt.Sprint("B", i), Tags: fmt.Sprint("t", i), Flag: int32(i),
			Properties: map[string]string{"UNIQ_KEY": fmt.Sprint("B", i), "TAGS": fmt.Sprint("t", i)}, Body: []byte(fmt.Sprint("b", i)),
			BornTimestamp: time.UnixMilli(1700000000123), ProducerGroup: "PG2", ClientID: "go@1", Addr: addr, Batch: true, Time: at})
	}
	got := b.Messages("T")
	assert.DeepEqual(t, got, want, cmpopts.IgnoreUnexported(Message{}), cmpopts.EquateEmpty())
	assert.Equal(t, len(b.Messages("")), 6)
	assert.Equal(t, b.Messages("Other")[0].QueueOffset, int64(0), "offsets are per topic and queue")

	// Callers get copies.
	got[0].Body[0], got[0].Properties["TAGS"] = 'X', "changed"
	again := b.Messages("T")[0]
	assert.Equal(t, string(again.Body), "hello")
	assert.Equal(t, again.Tags, "tagA")
	assert.Equal(t, again.Properties["TAGS"], "tagA")
}

func TestWaitMessages(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	go func() {
		time.Sleep(20 * time.Millisecond)
		for i := range 3 {
			c.send(sendCmd("PG", "T", i, "", []byte("x")))
		}
	}()
	msgs, err := b.WaitMessages(ctxT(t), "T", 3)
	assert.NilError(t, err)
	assert.Equal(t, len(msgs), 3)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = b.WaitMessages(ctx, "T", 4)
	assert.ErrorContains(t, err, `waiting for 4 messages on topic "T", 3 arrived: context deadline exceeded`)

	msgs, err = b.WaitMessages(ctxT(t), "", 3)
	assert.NilError(t, err)
	assert.Equal(t, len(msgs), 3)

	done := make(chan error, 1)
	go func() {
		_, err := b.WaitMessages(context.Background(), "never", 1)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	b.Close()
	assert.Assert(t, errors.Is(<-done, ErrClosed))
}

func TestSendCountsPerProducerAndQueue(t *testing.T) {
	b := Start(t)
	a, z := dial(t, b.Addr()), dial(t, b.Addr())
	a.call(heartbeatCmd("a@1", protocol.Go, 317, "PG"))
	z.call(heartbeatCmd("z@1", protocol.Go, 317, "PG"))
	for _, q := range []int{0, 0, 0, 1} {
		a.call(sendCmd("PG", "T", q, "", []byte("x")))
	}
	z.call(sendCmd("PG", "T", 3, "", []byte("x")))
	z.call(sendCmd("PG2", "T", 3, "", []byte("x")))
	want := []SendCount{
		{ClientID: "a@1", Addr: localAddr(a), Group: "PG", Queue: Queue{"T", 0}, Messages: 3},
		{ClientID: "a@1", Addr: localAddr(a), Group: "PG", Queue: Queue{"T", 1}, Messages: 1},
		{ClientID: "z@1", Addr: localAddr(z), Group: "PG", Queue: Queue{"T", 3}, Messages: 1},
		{ClientID: "z@1", Addr: localAddr(z), Group: "PG2", Queue: Queue{"T", 3}, Messages: 1},
	}
	assert.DeepEqual(t, b.SendCounts(), want)
	assert.DeepEqual(t, b.QueueCounts("a@1"), map[Queue]int64{{"T", 0}: 3, {"T", 1}: 1})
	assert.DeepEqual(t, b.QueueCounts("z@1"), map[Queue]int64{{"T", 3}: 2})

	b.ClearMessages()
	assert.Equal(t, len(b.SendCounts()), 0)
	assert.Equal(t, len(b.Messages("")), 0)
}

func TestMessageRecordIsBounded(t *testing.T) {
	b := Start(t, WithMessageLimit(2))
	c := dial(t, b.Addr())
	for i := range 3 {
		c.call(sendCmd("PG", "T", 0, fmt.Sprintf("UNIQ_KEY\x01M%d\x02", i), []byte("x")))
	}
	var ids []string
	for _, m := range b.Messages("T") {
		ids = append(ids, m.MsgID)
	}
	assert.DeepEqual(t, ids, []string{"M1", "M2"})
	assert.Equal(t, b.MessagesDropped(), int64(1))
	assert.Equal(t, b.SendCounts()[0].Messages, int64(3), "counts include dropped messages")
	msgs, err := b.WaitMessages(ctxT(t), "T", 3)
	assert.NilError(t, err, "waits count every accepted message")
	assert.Equal(t, len(msgs), 2)
	assert.Assert(t, is.Len(b.Messages("none"), 0))
}
