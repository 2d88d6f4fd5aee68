package mockbroker

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// DefaultMessageLimit is how many messages (and END_TRANSACTION requests)
// a broker keeps unless WithMessageLimit says otherwise.
const DefaultMessageLimit = 10_000

// maxInflated bounds the size of a decompressed body; a bigger one is kept
// compressed.
const maxInflated = 64 << 20

// Message is one message a producer sent and the broker accepted
// (SEND_MESSAGE 10, SEND_MESSAGE_V2 310, or one message of a
// SEND_BATCH_MESSAGE 320).
type Message struct {
	Topic           string
	QueueID         int32 // the queue the request named (or the broker picked, for -1)
	QueueOffset     int64 // the message's offset in its queue, from 0 per topic and queue
	CommitLogOffset int64
	OffsetMsgID     string // the broker's message id, as the send reply's msgId
	MsgID           string // the UNIQ_KEY property: the id the client reports
	Tags            string // the TAGS property
	Keys            []string
	Properties      map[string]string
	// Body is the message body, decompressed when the client compressed it
	// with zlib (sysFlag bit 0 with compression type 0 or ZLIB, as the Go
	// client and the Java client by default do). Bodies in another codec
	// (LZ4, ZSTD) or that do not inflate stay as sent, with Compressed set.
	Body          []byte
	Compressed    bool
	Flag          int32 // Message.flag
	SysFlag       int32 // as sent
	BornTimestamp time.Time
	ProducerGroup string // from the send header
	// ClientID is the client id of the connection's first heartbeat, known
	// from that heartbeat on (also for messages sent before it).
	ClientID string
	Addr     string    // the producer connection's "ip:port" (the born host)
	Batch    bool      // the message came in a SEND_BATCH_MESSAGE
	Time     time.Time // the broker's clock when it stored the message

	conn *conn // resolves ClientID when read
}

// Half reports whether the message is a transaction's half (prepared)
// message: TRAN_MSG=true or the prepared type in SysFlag. The mock keeps it
// under its real topic; a real broker hides it until commit.
func (m Message) Half() bool {
	return protocol.TransactionType(m.SysFlag) == protocol.TransactionPreparedType ||
		m.Properties[protocol.PropertyTransactionPrepared] == "true"
}

// export returns a copy the caller may keep and change.
func (m *Message) export() Message {
	out := *m
	out.Properties = maps.Clone(m.Properties)
	out.Keys = slices.Clone(m.Keys)
	out.Body = bytes.Clone(m.Body)
	if out.ClientID == "" && m.conn != nil {
		out.ClientID = m.conn.info().ClientID
	}
	out.conn = nil
	return out
}

// Queue names one message queue of the broker.
type Queue struct {
	Topic   string
	QueueID int32
}

// SendCount is how many messages one producer connection sent, under one
// producer group, to one queue.
type SendCount struct {
	ClientID string // see Message.ClientID
	Addr     string // the connection's "ip:port"
	Group    string
	Queue
	Messages int64
}

type sendKey struct {
	conn  *conn
	group string
	queue Queue
}

// messageLog records accepted messages and END_TRANSACTION requests.
type messageLog struct {
	mu       sync.Mutex
	ring     ring[Message]
	perTopic map[string]int64 // messages accepted per topic, dropped ones included
	counts   map[sendKey]int64
	ends     ring[EndTransaction]
	endSeq   uint64
	checks   map[int64]int // CHECK_TRANSACTION_STATE sent per commit-log offset
	changed  notifier
	closed   bool
}

// notifier wakes waiters at the next change. Its owner locks.
type notifier struct{ ch chan struct{} }

func (n *notifier) wait() <-chan struct{} {
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) notify() {
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

func (l *messageLog) init(limit int) {
	l.ring.limit, l.ends.limit = limit, limit
	l.perTopic, l.counts = map[string]int64{}, map[sendKey]int64{}
}

// addLocked records messages whose offsets are set; the caller holds l.mu.
func (l *messageLog) addLocked(msgs []Message) {
	for i := range msgs {
		m := &msgs[i]
		l.ring.add(*m)
		l.perTopic[m.Topic]++
		l.counts[sendKey{m.conn, m.ProducerGroup, Queue{m.Topic, m.QueueID}}]++
	}
	l.changed.notify()
}

func (l *messageLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.changed.notify()
}

// newMessages builds the records of one accepted send, offsets unset.
func (b *Broker) newMessages(c *conn, h *protocol.SendMessageRequestHeader, queue int32, body []byte, batch []protocol.BatchMessage) []Message {
	proto := Message{
		Topic: h.Topic, QueueID: queue, SysFlag: h.SysFlag, Flag: h.Flag,
		BornTimestamp: time.UnixMilli(h.BornTimestamp), ProducerGroup: h.ProducerGroup,
		Addr: c.addr, Time: b.Now(), conn: c,
	}
	if batch == nil {
		m := proto
		m.Body, m.Compressed = inflate(h.SysFlag, body)
		m.setProperties(h.Properties)
		return []Message{m}
	}
	out := make([]Message, len(batch))
	for i, bm := range batch {
		m := proto
		m.Batch, m.Flag, m.Body = true, bm.Flag, bytes.Clone(bm.Body)
		m.setProperties(bm.Properties)
		out[i] = m
	}
	return out
}

func (m *Message) setProperties(s string) {
	m.Properties = protocol.ParseProperties(s)
	m.MsgID = m.Properties[protocol.PropertyUniqClientMsgID]
	m.Tags = m.Properties[protocol.PropertyTags]
	if k := m.Properties[protocol.PropertyKeys]; k != "" {
		m.Keys = strings.Fields(k) // Java's KEY_SEPARATOR is a space
	}
}

// inflate returns a single message's body decompressed, if the sysFlag
// says zlib and it inflates, and whether it is still compressed.
func inflate(sysFlag int32, body []byte) ([]byte, bool) {
	if sysFlag&protocol.SysFlagCompressed == 0 {
		return body, false
	}
	if t := sysFlag & protocol.SysFlagCompressionMask; t != 0 && t != protocol.SysFlagCompressionZLIB {
		return body, true
	}
	r, err := zlib.NewReader(bytes.NewReader(body))
	if err != nil {
		return body, true
	}
	out, err := io.ReadAll(io.LimitReader(r, maxInflated+1))
	if err != nil || len(out) > maxInflated {
		return body, true
	}
	return out, false
}

// Messages returns the kept messages of topic ("" for every topic) in the
// order the broker stored them. WithMessageLimit bounds how many are kept
// (default DefaultMessageLimit); MessagesDropped says how many went.
func (b *Broker) Messages(topic string) []Message {
	b.msgs.mu.Lock()
	defer b.msgs.mu.Unlock()
	return b.messagesLocked(topic)
}

func (b *Broker) messagesLocked(topic string) []Message {
	var out []Message
	b.msgs.ring.each(func(m *Message) bool {
		if topic == "" || m.Topic == topic {
			out = append(out, m.export())
		}
		return true
	})
	return out
}

// WaitMessages waits until at least n messages of topic ("" for any) have
// been accepted since the start (or the last ClearMessages), then returns
// the kept ones, as Messages does. It fails when ctx ends or the broker
// closes; the error says how many had arrived.
func (b *Broker) WaitMessages(ctx context.Context, topic string, n int) ([]Message, error) {
	l := &b.msgs
	for {
		l.mu.Lock()
		got := l.perTopic[topic]
		if topic == "" {
			got = 0
			for _, v := range l.perTopic {
				got += v
			}
		}
		if got >= int64(n) {
			out := b.messagesLocked(topic)
			l.mu.Unlock()
			return out, nil
		}
		if l.closed {
			l.mu.Unlock()
			return nil, fmt.Errorf("waiting for %d messages on topic %q, %d arrived: %w", n, topic, got, ErrClosed)
		}
		changed := l.changed.wait()
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %d messages on topic %q, %d arrived: %w", n, topic, got, ctx.Err())
		case <-changed:
		}
	}
}

// MessagesDropped returns how many messages the record let go to stay
// within its limit.
func (b *Broker) MessagesDropped() int64 {
	b.msgs.mu.Lock()
	defer b.msgs.mu.Unlock()
	return b.msgs.ring.dropped
}

// SendCounts returns, for every producer connection, producer group and
// queue, how many messages it sent there: the per-queue counts that show
// data skew, which the open-source broker does not expose. They count
// every accepted message, also those the record dropped. Sorted by client
// id, address, group, topic and queue.
func (b *Broker) SendCounts() []SendCount {
	b.msgs.mu.Lock()
	out := make([]SendCount, 0, len(b.msgs.counts))
	for k, n := range b.msgs.counts {
		out = append(out, SendCount{Addr: k.conn.addr, Group: k.group, Queue: k.queue, Messages: n})
		out[len(out)-1].ClientID = k.conn.info().ClientID
	}
	b.msgs.mu.Unlock()
	slices.SortFunc(out, func(x, y SendCount) int {
		return cmp.Or(cmp.Compare(x.ClientID, y.ClientID), cmp.Compare(x.Addr, y.Addr), cmp.Compare(x.Group, y.Group),
			cmp.Compare(x.Topic, y.Topic), cmp.Compare(x.QueueID, y.QueueID))
	})
	return out
}

// QueueCounts sums SendCounts per queue for one client id: how many
// messages that client sent to each queue.
func (b *Broker) QueueCounts(clientID string) map[Queue]int64 {
	out := map[Queue]int64{}
	for _, sc := range b.SendCounts() {
		if sc.ClientID == clientID {
			out[sc.Queue] += sc.Messages
		}
	}
	return out
}

// ClearMessages forgets every recorded message, send count and
// END_TRANSACTION, and the dropped counts.
func (b *Broker) ClearMessages() {
	b.msgs.mu.Lock()
	defer b.msgs.mu.Unlock()
	b.msgs.ring.clear()
	b.msgs.ends.clear()
	clear(b.msgs.perTopic)
	clear(b.msgs.counts)
}
