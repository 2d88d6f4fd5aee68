package mockbroker

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/records"
	"github.com/rocketmock/rocketmock/protocol"
)

// DefaultMessageLimit is how many messages (and END_TRANSACTION requests)
// a broker keeps unless WithMessageLimit says otherwise.
const DefaultMessageLimit = 10_000

// DefaultMessageBytes is how many bytes of messages a broker keeps unless
// WithMessageBytes says otherwise.
const DefaultMessageBytes = 64 << 20

// keptSize is what a kept message costs the record's byte bound: its body
// (inflated when it was) and its property strings.
func keptSize(m *Message) int {
	n := len(m.Body) + len(m.Topic) + len(m.MsgID) + len(m.OffsetMsgID) + 64
	for k, v := range m.Properties {
		n += len(k) + len(v)
	}
	return n
}

// maxInflated bounds the size of a decompressed body: inflating stops
// there, and a body that would be bigger is kept as sent, compressed
// (Compressed set), so a small zlib bomb cannot take much memory.
const maxInflated = 4 << 20

// Message is one message a producer sent and the broker accepted
// (SEND_MESSAGE 10, SEND_MESSAGE_V2 310, or one message of a
// SEND_BATCH_MESSAGE 320), as the records keep it. The message store
// behind pulls numbers it (QueueOffset, CommitLogOffset and OffsetMsgID are
// the store's, as the send reply reported them) and shares its body: a
// body is kept once, except that a zlib-compressed one is also kept
// inflated here. The records and the store are bounded separately
// (WithMessageLimit, WithStoreLimits).
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
}

// Half reports whether the message is a transaction's half (prepared)
// message: TRAN_MSG=true or the prepared type in SysFlag. The records
// (Messages) show it under its real topic; the message store, like a real
// broker, keeps it in RMQ_SYS_TRANS_HALF_TOPIC, hidden from pulls, and
// stores it in its topic when an END_TRANSACTION commits it.
func (m Message) Half() bool {
	return protocol.TransactionType(m.SysFlag) == protocol.TransactionPreparedType ||
		m.Properties[protocol.PropertyTransactionPrepared] == "true"
}

// export returns a copy the caller may keep and change, with the client
// id the records know for the message's connection if it has none.
func (m *Message) export(clientID string) Message {
	out := *m
	out.Properties = maps.Clone(m.Properties)
	out.Keys = slices.Clone(m.Keys)
	out.Body = bytes.Clone(m.Body)
	if out.ClientID == "" {
		out.ClientID = clientID
	}
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

// recordStore is the broker's records: messages, END_TRANSACTIONs and
// the journal under one lock (internal/records).
type recordStore = records.Store[Message, EndTransaction, JournalEntry]

// recordState is the records as seen with the store's lock held.
type recordState = records.State[Message, EndTransaction, JournalEntry]

// recordConn names a connection in the records.
func recordConn(ci ConnInfo) records.Conn {
	return records.Conn{ID: ci.ID, Addr: ci.Addr, ClientID: ci.ClientID}
}

// newMessages builds the records of one accepted send, offsets unset.
func (b *Broker) newMessages(ci ConnInfo, h *protocol.SendMessageRequestHeader, queue int32, body []byte, batch []protocol.BatchMessage) []Message {
	proto := Message{
		Topic: h.Topic, QueueID: queue, SysFlag: h.SysFlag, Flag: h.Flag,
		BornTimestamp: time.UnixMilli(h.BornTimestamp), ProducerGroup: h.ProducerGroup,
		ClientID: ci.ClientID, Addr: ci.Addr, Time: b.Now(),
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
	var out []Message
	b.records.View(func(st *recordState) { out = messagesOf(st, topic) })
	return out
}

func messagesOf(st *recordState, topic string) []Message {
	var out []Message
	st.EachMessage(topic, func(m *Message, clientID string) bool {
		out = append(out, m.export(clientID))
		return true
	})
	return out
}

// FindMessage returns the newest kept message whose MsgID (UNIQ_KEY) or
// OffsetMsgID is id; the error wraps ErrUnknownMessage if there is none.
func (b *Broker) FindMessage(id string) (Message, error) {
	var out Message
	found := false
	kept := 0
	b.records.View(func(st *recordState) {
		st.EachMessage("", func(m *Message, clientID string) bool {
			kept++
			if m.MsgID == id || m.OffsetMsgID == id {
				out, found = m.export(clientID), true
			}
			return true
		})
	})
	if !found {
		return Message{}, errorOf(ErrUnknownMessage, "mockbroker: no kept message has msgId or offsetMsgId %q (%d kept)", id, kept)
	}
	return out, nil
}

// WaitMessages waits until at least n messages of topic ("" for any) have
// been accepted since the start (or the last ClearMessages), then returns
// the kept ones, as Messages does. It fails when ctx ends or the broker
// closes; the error says how many had arrived.
func (b *Broker) WaitMessages(ctx context.Context, topic string, n int) ([]Message, error) {
	var got int64
	var out []Message
	err := b.records.Wait(ctx, func(st *recordState) bool {
		if got = st.Accepted(topic); got < int64(n) {
			return false
		}
		out = messagesOf(st, topic)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("waiting for %d messages on topic %q, %d arrived: %w", n, topic, got, b.waitErr(err))
	}
	return out, nil
}

// MessagesDropped returns how many messages the record let go to stay
// within its limit.
func (b *Broker) MessagesDropped() int64 {
	var n int64
	b.records.View(func(st *recordState) { n = st.MessagesDropped() })
	return n
}

// MessagesDroppedBytes returns the bytes of the messages the record let
// go (WithMessageBytes, WithMessageLimit), bodies as kept.
func (b *Broker) MessagesDroppedBytes() int64 {
	var n int64
	b.records.View(func(st *recordState) { n = st.MessagesDroppedBytes() })
	return n
}

// SendCounts returns, for every producer connection, producer group and
// queue, how many messages it sent there: the per-queue counts that show
// data skew, which the open-source broker does not expose. They count
// every accepted message, also those the record dropped. Sorted by client
// id, address, group, topic and queue.
func (b *Broker) SendCounts() []SendCount {
	var counts []records.SendCount
	b.records.View(func(st *recordState) { counts = st.SendCounts() })
	out := make([]SendCount, len(counts))
	for i, c := range counts {
		out[i] = SendCount{ClientID: c.ClientID, Addr: c.Addr, Group: c.Group, Queue: Queue(c.Queue), Messages: c.Messages}
	}
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
func (b *Broker) ClearMessages() { b.records.ClearMessages() }

// waitErr turns the records' closed error into ErrClosed.
func (b *Broker) waitErr(err error) error {
	if errors.Is(err, records.ErrClosed) {
		return ErrClosed
	}
	return err
}
