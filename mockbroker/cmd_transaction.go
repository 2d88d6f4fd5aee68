package mockbroker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"strconv"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerTransactionCodes registers the transaction codes a producer sends.
func (b *Broker) registerTransactionCodes(m *remoting.Mux) {
	m.Handle(protocol.EndTransaction, handle(b.endTransaction))
}

// halfTopic is where a real broker keeps half messages; 5.x names it in
// the CHECK_TRANSACTION_STATE header.
const halfTopic = "RMQ_SYS_TRANS_HALF_TOPIC"

// propertyCheckTimes counts a half message's checks (Java
// MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES).
const propertyCheckTimes = "TRANSACTION_CHECK_TIMES"

// TxState is a transaction's outcome as END_TRANSACTION reports it; the
// values are the wire's commitOrRollback.
type TxState int32

// Transaction states.
const (
	TxUnknown  = TxState(protocol.TransactionNotType)      // 0: not decided yet
	TxCommit   = TxState(protocol.TransactionCommitType)   // 8
	TxRollback = TxState(protocol.TransactionRollbackType) // 12
)

// String returns "unknown", "commit" or "rollback".
func (s TxState) String() string {
	switch s {
	case TxUnknown:
		return "unknown"
	case TxCommit:
		return "commit"
	case TxRollback:
		return "rollback"
	}
	return fmt.Sprintf("TxState(%d)", int32(s))
}

// EndTransaction is one END_TRANSACTION (37) request a producer sent.
type EndTransaction struct {
	Seq                  uint64 // numbers END_TRANSACTION requests from 1
	Group                string // producerGroup
	ClientID             string // see Message.ClientID
	Addr                 string // the producer connection's "ip:port"
	Topic                string // the 5.x header's topic, "" from older clients
	MsgID                string // the half message's UNIQ_KEY
	TransactionID        string
	CommitLogOffset      int64
	TranStateTableOffset int64
	State                TxState
	FromCheck            bool   // the answer to a CHECK_TRANSACTION_STATE
	Remark               string // e.g. "checkLocalTransactionState Exception: ..."
	// Message is the half message stored at CommitLogOffset, if the record
	// still holds it.
	Message *Message
	Time    time.Time // the broker's clock

	conn *conn
}

func (e *EndTransaction) export() EndTransaction {
	out := *e
	if out.ClientID == "" && e.conn != nil {
		out.ClientID = e.conn.info().ClientID
	}
	if e.Message != nil {
		m := e.Message.export()
		out.Message = &m
	}
	out.conn = nil
	return out
}

// endTransaction answers END_TRANSACTION (37) and records it. Like
// EndTransactionProcessor it answers nothing for the unknown state; for
// commit and rollback it answers code 0 without checking the half message
// (a real broker answers code 1 when it cannot find it or the group
// differs). Java sends it oneway, so only the Go client, which leaves the
// oneway bit out, sees the reply; it ignores it.
func (b *Broker) endTransaction(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.EndTransactionRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	e := EndTransaction{
		Group: h.ProducerGroup, Addr: c.addr, Topic: h.Topic, MsgID: h.MsgID, TransactionID: h.TransactionID,
		CommitLogOffset: h.CommitLogOffset, TranStateTableOffset: h.TranStateTableOffset,
		State: TxState(h.CommitOrRollback), FromCheck: h.FromTransactionCheck, Remark: req.Remark,
		Time: b.Now(), conn: c,
	}
	l := &b.msgs
	l.mu.Lock()
	if m := l.findLocked(h.CommitLogOffset); m != nil {
		kept := *m
		e.Message = &kept
	}
	l.endSeq++
	e.Seq = l.endSeq
	l.ends.add(e)
	l.changed.notify()
	l.mu.Unlock()
	b.log.Debug("end transaction", "remote", c.addr, "group", h.ProducerGroup, "msgId", h.MsgID,
		"state", e.State.String(), "fromCheck", h.FromTransactionCheck)
	if e.State == TxUnknown {
		return nil
	}
	return protocol.NewResponse(req, protocol.Success, "")
}

// findLocked returns the newest kept message stored at a commit-log
// offset, or nil.
func (l *messageLog) findLocked(commitLogOffset int64) *Message {
	var found *Message
	l.ring.eachNewest(func(m *Message) bool {
		if m.CommitLogOffset == commitLogOffset {
			found = m
			return false
		}
		return true
	})
	return found
}

// EndTransactions returns the kept END_TRANSACTION requests, oldest first.
func (b *Broker) EndTransactions() []EndTransaction {
	b.msgs.mu.Lock()
	defer b.msgs.mu.Unlock()
	var out []EndTransaction
	b.msgs.ends.each(func(e *EndTransaction) bool {
		out = append(out, e.export())
		return true
	})
	return out
}

// WaitEndTransaction waits for an END_TRANSACTION whose msgId (the half
// message's UNIQ_KEY) is msgID and returns the first one kept, or fails
// when ctx ends or the broker closes.
func (b *Broker) WaitEndTransaction(ctx context.Context, msgID string) (EndTransaction, error) {
	return b.waitEnd(ctx, fmt.Sprintf("END_TRANSACTION for msgId %q", msgID), func(e *EndTransaction) bool {
		return e.MsgID == msgID
	})
}

func (b *Broker) waitEnd(ctx context.Context, what string, match func(*EndTransaction) bool) (EndTransaction, error) {
	l := &b.msgs
	for {
		l.mu.Lock()
		var found *EndTransaction
		l.ends.each(func(e *EndTransaction) bool {
			if match(e) {
				found = e
				return false
			}
			return true
		})
		if found != nil {
			out := found.export()
			l.mu.Unlock()
			return out, nil
		}
		if l.closed {
			l.mu.Unlock()
			return EndTransaction{}, fmt.Errorf("waiting for %s: %w", what, ErrClosed)
		}
		changed := l.changed.wait()
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return EndTransaction{}, fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-changed:
		}
	}
}

// TransactionCheck is a CHECK_TRANSACTION_STATE the broker sent (see
// Broker.CheckTransaction).
type TransactionCheck struct {
	Group   string
	Conn    ConnInfo // the producer connection it went to
	Opaque  int32
	Header  protocol.CheckTransactionStateRequestHeader
	Message Message // the message as the body carries it

	b     *Broker
	after uint64 // END_TRANSACTION requests before the check
}

// Wait waits for the producer's answer to the check: the first
// END_TRANSACTION, received after the check was sent, for the same
// commit-log offset or msgId. It fails when ctx ends or the broker closes.
// A producer whose check listener answers "unknown" sends state TxUnknown.
func (tc *TransactionCheck) Wait(ctx context.Context) (EndTransaction, error) {
	what := fmt.Sprintf("the END_TRANSACTION answering the check of commit-log offset %d (msgId %q) sent to %s",
		tc.Header.CommitLogOffset, tc.Header.MsgID, tc.Conn.Addr)
	return tc.b.waitEnd(ctx, what, func(e *EndTransaction) bool {
		return e.Seq > tc.after && (e.CommitLogOffset == tc.Header.CommitLogOffset ||
			(tc.Header.MsgID != "" && e.MsgID == tc.Header.MsgID))
	})
}

// CheckTransaction asks a producer of group for the state of the
// transaction of msg, as the broker's transaction check service does for a
// half message older than its timeout: it picks one producer connection
// with ProducerManager.GetAvailableChannel (round-robin, at most three
// tried, active and writable first) and sends it CHECK_TRANSACTION_STATE
// (39), oneway, with the header and the MessageExt body of wire-spec
// section 9.2. msg is normally a half message from Messages; its PGROUP
// property is set to group if it has none (the clients check it). Wait on
// the result for the producer's END_TRANSACTION.
//
// It fails when the group has no usable connection (Java logs "Check
// transaction failed, channel is null") or the chosen one is a fixture's
// virtual connection.
func (b *Broker) CheckTransaction(group string, msg Message) (*TransactionCheck, error) {
	if b.closed.Load() {
		return nil, fmt.Errorf("mockbroker: check transaction: %w", ErrClosed)
	}
	ch := b.producers.GetAvailableChannel(group)
	if ch == nil {
		return nil, fmt.Errorf("mockbroker: check transaction failed: group %q has no active producer connection (known groups: %v)%.0w", group, b.Groups(), ErrNoProducer)
	}
	c, ok := ch.(*conn)
	if !ok {
		return nil, fmt.Errorf("mockbroker: check transaction: the chosen connection %s of group %q is a virtual (fixture) one and cannot receive requests%.0w", ch.RemoteAddr(), group, ErrNoProducer)
	}

	l := &b.msgs
	l.mu.Lock()
	if l.checks == nil {
		l.checks = map[int64]int{}
	}
	l.checks[msg.CommitLogOffset]++
	times := l.checks[msg.CommitLogOffset]
	after := l.endSeq
	l.mu.Unlock()

	msg.Properties = maps.Clone(msg.Properties)
	if msg.Properties == nil {
		msg.Properties = map[string]string{}
	}
	if msg.Properties[protocol.PropertyProducerGroup] == "" {
		msg.Properties[protocol.PropertyProducerGroup] = group
	}
	// What a real broker's stored half message carries besides the
	// client's properties.
	msg.Properties[protocol.PropertyRealTopic] = msg.Topic
	msg.Properties[protocol.PropertyRealQueueID] = strconv.Itoa(int(msg.QueueID))
	msg.Properties[propertyCheckTimes] = strconv.Itoa(times)
	if msg.OffsetMsgID == "" {
		msg.OffsetMsgID = protocol.FormatOffsetMsgID(b.sends.storeIP, b.sends.storePort, msg.CommitLogOffset)
	}
	body, err := b.encodeMessageExt(msg)
	if err != nil {
		return nil, fmt.Errorf("mockbroker: check transaction: encoding the message: %w", err)
	}

	h := protocol.CheckTransactionStateRequestHeader{
		TranStateTableOffset: msg.QueueOffset, CommitLogOffset: msg.CommitLogOffset,
		MsgID: msg.MsgID, TransactionID: msg.MsgID, OffsetMsgID: msg.OffsetMsgID,
	}
	if b.cfg.release.CheckTransactionNamesHalfTopic() {
		h.Topic, h.BrokerName = halfTopic, b.cfg.brokerName
	}
	req := protocol.NewRequest(protocol.CheckTransactionState, h.Encode(), body)
	req.Flag |= protocol.FlagOneway
	req.Version, req.Language, req.ExtFieldsTable = b.version, protocol.Java, b.extTable
	info := c.info()
	if err := c.rc.Send(req); err != nil { // numbers req.Opaque
		if errors.Is(err, remoting.ErrServerClosed) {
			err = ErrClosed
		}
		return nil, fmt.Errorf("mockbroker: check transaction: %w", err)
	}
	b.journal.add(JournalEntry{Time: b.Now(), Conn: info, Code: protocol.CheckTransactionState,
		Opaque: req.Opaque, Oneway: true, Outcome: OutcomeSent})
	b.log.Debug("check transaction state sent", "remote", c.addr, "group", group, "msgId", msg.MsgID,
		"commitLogOffset", msg.CommitLogOffset)
	msg.conn = nil
	return &TransactionCheck{Group: group, Conn: info, Opaque: req.Opaque, Header: h, Message: msg, b: b, after: after}, nil
}

// encodeMessageExt encodes m as MessageDecoder.encode(msgExt, false) does
// for a check: the real topic and queue, the broker's store host. As in the
// stored half message, the transaction bits of the sysFlag are cleared; a
// body the mock decompressed is sent uncompressed.
func (b *Broker) encodeMessageExt(m Message) ([]byte, error) {
	bornIP, bornPort := splitHost(m.Addr)
	sysFlag := m.SysFlag &^ protocol.SysFlagTransactionMask
	if !m.Compressed {
		sysFlag &^= protocol.SysFlagCompressed | protocol.SysFlagCompressionMask
	}
	return protocol.EncodeMessageExt(&protocol.MessageExt{
		Topic: m.Topic, QueueID: m.QueueID, Flag: m.Flag, QueueOffset: m.QueueOffset, CommitLogOffset: m.CommitLogOffset,
		SysFlag: sysFlag, BornTimestamp: m.BornTimestamp, BornHost: bornIP, BornPort: bornPort,
		StoreTimestamp: m.Time, StoreHost: b.sends.storeIP, StorePort: b.sends.storePort,
		Body: m.Body, Properties: m.Properties,
	})
}

// splitHost parses "ip:port"; a bad address gives nil and 0.
func splitHost(addr string) (net.IP, int32) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, 0
	}
	p, _ := strconv.ParseUint(port, 10, 16)
	return net.ParseIP(host), int32(p)
}
