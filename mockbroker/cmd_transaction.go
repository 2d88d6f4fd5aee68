package mockbroker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"strconv"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
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
}

// export returns a copy the caller may keep and change, with the client
// ids the records know for its connection and its half message's.
func (e *EndTransaction) export(clientID, halfClientID string) EndTransaction {
	out := *e
	if out.ClientID == "" {
		out.ClientID = clientID
	}
	if e.Message != nil {
		m := e.Message.export(halfClientID)
		out.Message = &m
	}
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
	ci := c.info()
	e := EndTransaction{
		Group: h.ProducerGroup, ClientID: ci.ClientID, Addr: ci.Addr, Topic: h.Topic, MsgID: h.MsgID,
		TransactionID: h.TransactionID, CommitLogOffset: h.CommitLogOffset, TranStateTableOffset: h.TranStateTableOffset,
		State: TxState(h.CommitOrRollback), FromCheck: h.FromTransactionCheck, Remark: req.Remark,
		Time: b.Now(),
	}
	b.records.AddEnd(recordConn(ci), h.CommitLogOffset, func(seq uint64, half *Message, _ string) EndTransaction {
		e.Seq = seq
		if half != nil {
			kept := *half
			e.Message = &kept
		}
		return e
	})
	switch {
	case e.State == TxUnknown:
	case !b.resolveHalf(h.CommitLogOffset): // txcheck.go
		// Resolved before, discarded, or never sent here: a real broker
		// finds no half message to end (it answers code 1; see below).
		b.log.Debug("end transaction for no pending half message", "commitLogOffset", h.CommitLogOffset)
	case e.State == TxCommit:
		b.commitHalf(h.CommitLogOffset) // cmd_send.go
	}
	b.log.Debug("end transaction", "remote", c.addr, "group", h.ProducerGroup, "msgId", h.MsgID,
		"state", e.State.String(), "fromCheck", h.FromTransactionCheck)
	if e.State == TxUnknown {
		return nil
	}
	return protocol.NewResponse(req, protocol.Success, "")
}

// EndTransactions returns the kept END_TRANSACTION requests, oldest first.
func (b *Broker) EndTransactions() []EndTransaction {
	var out []EndTransaction
	b.records.View(func(st *recordState) {
		st.EachEnd(func(e *EndTransaction, clientID, halfClientID string) bool {
			out = append(out, e.export(clientID, halfClientID))
			return true
		})
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

// waitEnd waits for the first kept END_TRANSACTION that match accepts;
// what describes it for the error.
func (b *Broker) waitEnd(ctx context.Context, what string, match func(*EndTransaction) bool) (EndTransaction, error) {
	var out EndTransaction
	seen := 0
	err := b.records.Wait(ctx, func(st *recordState) bool {
		found := false
		seen = 0
		st.EachEnd(func(e *EndTransaction, clientID, halfClientID string) bool {
			seen++
			if match(e) {
				out, found = e.export(clientID, halfClientID), true
				return false
			}
			return true
		})
		return found
	})
	if err != nil {
		return EndTransaction{}, fmt.Errorf("waiting for %s (%d other END_TRANSACTIONs kept): %w", what, seen, b.waitErr(err))
	}
	return out, nil
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
// as Java's ProducerManager.getAvailableChannel does (round-robin, at most three
// tried, active and writable first) and sends it CHECK_TRANSACTION_STATE
// (39), oneway, with the header and the MessageExt body of wire-spec
// section 9.2. msg is normally a half message from Messages; its PGROUP
// property is set to group if it has none (the clients check it). Wait on
// the result for the producer's END_TRANSACTION.
//
// It fails with ErrNoProducer when the group has no usable connection
// (Java logs "Check transaction failed, channel is null") or the chosen
// one is a fixture's virtual connection, and with ErrClosed after Close.
func (b *Broker) CheckTransaction(group string, msg Message) (*TransactionCheck, error) {
	if b.closed.Load() {
		return nil, fmt.Errorf("mockbroker: check transaction: %w", ErrClosed)
	}
	ch := b.producers.GetAvailableChannel(group)
	if ch == nil {
		return nil, errorOf(ErrNoProducer, "mockbroker: check transaction failed: group %q has no active producer connection (known groups: %s)", logsink.Truncate(group, maxEchoed), logsink.List(b.Groups(), maxListed, maxEchoed))
	}
	c, ok := ch.(*conn)
	if !ok {
		return nil, errorOf(ErrNoProducer, "mockbroker: check transaction: the chosen connection %s of group %q is a virtual (fixture) one and cannot receive requests", ch.RemoteAddr(), group)
	}

	times, after := b.records.Check(msg.CommitLogOffset)

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
		msg.OffsetMsgID = b.storeHost().msgID(msg.CommitLogOffset)
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
	b.stamp(req)
	info := c.info()
	if err := c.rc.Send(req); err != nil { // numbers req.Opaque
		if errors.Is(err, remoting.ErrServerClosed) {
			err = ErrClosed
		}
		return nil, fmt.Errorf("mockbroker: check transaction: %w", err)
	}
	b.addJournal(JournalEntry{Time: b.Now(), Conn: info, Code: protocol.CheckTransactionState,
		Opaque: req.Opaque, Oneway: true, Outcome: OutcomeSent})
	b.log.Debug("check transaction state sent", "remote", c.addr, "group", group, "msgId", msg.MsgID,
		"commitLogOffset", msg.CommitLogOffset)
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
	host := b.storeHost()
	return protocol.EncodeMessageExt(&protocol.MessageExt{
		Topic: m.Topic, QueueID: m.QueueID, Flag: m.Flag, QueueOffset: m.QueueOffset, CommitLogOffset: m.CommitLogOffset,
		SysFlag: sysFlag, BornTimestamp: m.BornTimestamp, BornHost: bornIP, BornPort: bornPort,
		StoreTimestamp: m.Time, StoreHost: host.ip, StorePort: host.port,
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
