package mockbroker

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"

	"github.com/rocketmock/rocketmock/mockbroker/internal/records"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerSendCodes registers the send codes.
func (b *Broker) registerSendCodes(m *remoting.Mux) {
	m.Handle(protocol.SendMessage, handle(b.sendMessage))
	m.Handle(protocol.SendMessageV2, handle(b.sendMessage))
	m.Handle(protocol.SendBatchMessage, handle(b.sendMessage))
}

// storeHost is the broker's address in offset message ids: the
// advertised "ip:port".
type storeHost struct {
	ip   net.IP
	port int32
}

// parseStoreHost reads the store host from the advertised "ip:port".
func parseStoreHost(advertise string) (storeHost, error) {
	host, port, err := net.SplitHostPort(advertise)
	if err != nil {
		return storeHost{}, err
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return storeHost{}, fmt.Errorf("%q: want an IP literal (clients match routes against ip:port)", advertise)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return storeHost{}, fmt.Errorf("port of %q: %w", advertise, err)
	}
	return storeHost{ip, int32(p)}, nil
}

// msgID formats the offset message id of a commit-log offset.
func (h storeHost) msgID(commitLogOffset int64) string {
	return protocol.FormatOffsetMsgID(h.ip, h.port, commitLogOffset)
}

// sendMessage answers SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and
// SEND_BATCH_MESSAGE (320) with a reply real clients take as success
// (SendMessageProcessor).
func (b *Broker) sendMessage(c *conn, req *protocol.Command) *protocol.Command {
	resp := protocol.NewResponse(req, protocol.Success, "")
	// Added before processing, so present on error replies too.
	resp.ExtFields = map[string]string{"MSG_REGION": "DefaultRegion", "TRACE_ON": "true"}
	fail := func(code protocol.ResponseCode, remark string) *protocol.Command {
		resp.Code, resp.Remark = int32(code), remark
		return resp
	}
	h, err := protocol.DecodeSendMessageHeader(req.RequestCode(), req.ExtFields)
	if err != nil {
		return fail(protocol.SystemError, err.Error())
	}
	queues, code, remark := b.sendTopicCheck(h.Topic) // cmd_topic.go
	if code != protocol.Success {
		return fail(code, remark)
	}
	queue := h.QueueID
	if queue < 0 {
		queue = rand.Int32N(queues) // the broker picks one, as Java does
	}
	if queue >= queues {
		return fail(b.cfg.release.IllegalQueueIDCode(), fmt.Sprintf("request queueId[%d] is illegal, topic:%s writeQueueNums:%d Producer: %s",
			queue, h.Topic, queues, clientAddr(c.RemoteAddr())))
	}
	var batch []protocol.BatchMessage
	if h.IsBatch() {
		batch = []protocol.BatchMessage{}
		if _, err := protocol.WalkBatch(req.Body, func(_ int, m protocol.BatchMessage) error {
			batch = append(batch, m)
			return nil
		}); err != nil {
			return fail(protocol.MessageIllegal, "the batch message body does not decode: "+err.Error())
		}
		if len(batch) == 0 {
			return fail(protocol.MessageIllegal, "the batch message body holds no message")
		}
	}
	ci := c.info()
	msgs := b.newMessages(ci, h, queue, req.Body, batch)
	ids, first, err := b.appendSend(c, ci, h, queue, req.Body, batch, msgs)
	if err != nil {
		return fail(protocol.SystemError, err.Error())
	}
	resp.ExtFields["msgId"] = strings.Join(ids, ",")
	resp.ExtFields["queueId"] = strconv.Itoa(int(queue))
	resp.ExtFields["queueOffset"] = strconv.FormatInt(first, 10)
	if b.cfg.release.SendReplyHasTransactionID() && !h.IsBatch() {
		if uniq := msgs[0].MsgID; uniq != "" { // UNIQ_KEY, as newMessages parsed it
			resp.ExtFields["transactionId"] = uniq
		}
	}
	return resp
}

// appendSend stores one accepted send: the message store numbers it (the
// one numbering of sends, pulls and offset message ids), then the records
// keep its metadata under the same offsets. It returns the offset message
// ids and the first queue offset.
//
// Bodies are not kept twice: a record's Body is the stored body's slice,
// except for a zlib-compressed body, which the records keep inflated and
// the store as sent (clients inflate what they pull).
func (b *Broker) appendSend(c *conn, ci ConnInfo, h *protocol.SendMessageRequestHeader, queue int32, body []byte, batch []protocol.BatchMessage, msgs []Message) ([]string, int64, error) {
	topic, qid := h.Topic, queue
	bornIP, bornPort := c.bornHost()
	var batchProps string
	if batch != nil {
		batchProps = b.storedBatchProperties(h.Properties)
	}
	sms := make([]store.Message, len(msgs))
	host := b.storeHost()
	for i := range msgs {
		m := &msgs[i]
		sysFlag, raw, props, propStr := h.SysFlag, body, m.Properties, ""
		if batch == nil {
			props, propStr = b.storedProperties(props)
		} else {
			raw = m.Body
			props, propStr = b.batchProperties(batch[i].Properties, batchProps)
		}
		if m.Half() {
			// TransactionalMessageBridge.parseHalfMessageInner: the string
			// is made again from the map (WAIT included).
			topic, qid = halfTopic, 0
			props = withProperty(props, protocol.PropertyRealTopic, h.Topic)
			props = withProperty(props, protocol.PropertyRealQueueID, fmt.Sprint(queue))
			propStr = protocol.FormatPropertiesAs(b.cfg.release, props)
			sysFlag &^= protocol.SysFlagTransactionMask
		}
		sms[i] = store.Message{TagsCode: tagsCode(m.Tags), MessageExt: protocol.MessageExt{
			Flag: m.Flag, SysFlag: sysFlag, BornTimestamp: m.BornTimestamp,
			BornHost: bornIP, BornPort: bornPort, StoreHost: host.ip, StorePort: host.port,
			ReconsumeTimes: derefInt32(h.ReconsumeTimes), Body: raw, Properties: props, PropertiesString: propStr,
		}}
	}
	// A delayed or 5.x timer message waits in a schedule topic
	// (schedule.go); batches cannot be delayed.
	var held diversion
	delayed := false
	if batch == nil && len(sms) == 1 && !msgs[0].Half() {
		if held, delayed = b.divert(h.Topic, queue, sms[0].Properties); delayed {
			topic, qid = held.topic, held.queue
			sms[0].Properties, sms[0].PropertiesString = held.props, held.str
		}
	}
	ids := make([]string, len(msgs))
	b.appendMu.Lock()
	defer b.appendMu.Unlock()
	switch {
	case topic == h.Topic:
		b.store.EnsureTopic(topic, int32(b.cfg.queueNums))
	case delayed:
		b.store.EnsureTopic(h.Topic, int32(b.cfg.queueNums)) // msgCheck creates it
		if topic == scheduleTopic {
			b.store.EnsureTopic(topic, int32(len(b.cfg.delayLevels())))
		} else {
			b.store.EnsureTopic(topic, 1)
		}
	default:
		b.store.EnsureTopic(topic, 1)
	}
	res, err := b.store.Append(topic, qid, sms)
	if err != nil {
		return nil, 0, fmt.Errorf("storing the message: %w", err)
	}
	sizes := make([]int, len(res.Messages))
	for i, sm := range res.Messages {
		sizes[i] = int(sm.Size)
	}
	b.records.Send(recordConn(ci), h.ProducerGroup, records.Queue{Topic: h.Topic, QueueID: queue}, sizes, msgs,
		func(i int, _, _ int64) {
			sm := &res.Messages[i]
			ids[i] = host.msgID(sm.CommitLogOffset)
			msgs[i].QueueOffset, msgs[i].CommitLogOffset, msgs[i].OffsetMsgID = sm.QueueOffset, sm.CommitLogOffset, ids[i]
		})
	for i := range msgs {
		if msgs[i].Half() {
			b.addHalf(msgs[i]) // txcheck.go
		}
	}
	if delayed {
		b.hold(res.Messages[0], h.Topic, queue, held.level, held.due) // schedule.go
	}
	return ids, res.Messages[0].QueueOffset, nil
}

// tagsCode is the consume queue's tags code of a message with these TAGS
// (MessageExtBrokerInner.tagsString2tagsCode): the tags' hash, 0 without.
func tagsCode(tags string) int64 {
	if tags == "" {
		return 0
	}
	return int64(protocol.JavaStringHash(tags))
}

// withProperty returns props with name set, copied when it changes.
func withProperty(props map[string]string, name, value string) map[string]string {
	if v, ok := props[name]; ok && v == value {
		return props
	}
	out := make(map[string]string, len(props)+1)
	for k, v := range props {
		out[k] = v
	}
	out[name] = value
	return out
}

func derefInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// recordsQueue names a queue in the records.
func recordsQueue(topic string, queueID int32) records.Queue {
	return records.Queue{Topic: topic, QueueID: queueID}
}

// commitHalf makes a committed transaction's half message visible: the
// message held in RMQ_SYS_TRANS_HALF_TOPIC at the commit-log offset is
// stored again in its real topic and queue, as
// EndTransactionProcessor.endMessageTransaction does. Java computes the
// properties string before it clears REAL_TOPIC, REAL_QID and TRAN_MSG
// from the map, so the stored copy still carries them. A half message no
// longer held (or never sent here) is skipped.
func (b *Broker) commitHalf(commitLogOffset int64) {
	half, ok := b.store.ByPhysicalOffset(commitLogOffset)
	if !ok || half.Topic != halfTopic {
		return
	}
	topic := half.Properties[protocol.PropertyRealTopic]
	qid, err := strconv.Atoi(half.Properties[protocol.PropertyRealQueueID])
	if topic == "" || err != nil {
		return
	}
	m := store.Message{TagsCode: half.TagsCode, MessageExt: half.MessageExt}
	m.SysFlag = m.SysFlag&^protocol.SysFlagTransactionMask | protocol.TransactionCommitType
	m.PreparedTransactionOffset = commitLogOffset
	m.StoreHost, m.StorePort = b.storeHost().addr()
	m.Size = 0
	if m.PropertiesString == "" {
		m.PropertiesString = protocol.FormatPropertiesAs(b.cfg.release, half.Properties)
	}
	b.store.EnsureTopic(topic, int32(b.cfg.queueNums))
	if _, err := b.appendStoredAt(topic, int32(qid), m); err != nil {
		b.log.Warn("committed half message not stored", "topic", topic, "err", err)
	}
}

// storedProperties returns a single message's properties as the broker
// stores them (SendMessageProcessor.sendMessage): with CLUSTER added; 4.9.8
// leaves WAIT out of the stored string (to save its 9 bytes) but keeps it
// in the map, 5.x keeps it.
func (b *Broker) storedProperties(sent map[string]string) (map[string]string, string) {
	props := withProperty(sent, protocol.PropertyCluster, b.cfg.clusterName)
	strProps := props
	if _, ok := props[protocol.PropertyWaitStoreMsgOK]; ok && b.cfg.release == protocol.Release498 {
		strProps = maps.Clone(props)
		delete(strProps, protocol.PropertyWaitStoreMsgOK)
	}
	return props, protocol.FormatPropertiesAs(b.cfg.release, strProps)
}

// storedBatchProperties returns the string of a batch header's
// properties with CLUSTER added, which the commit log appends to each
// message of the batch (SendMessageProcessor.sendBatchMessage).
func (b *Broker) storedBatchProperties(header string) string {
	props := withProperty(protocol.ParseProperties(header), protocol.PropertyCluster, b.cfg.clusterName)
	return protocol.FormatPropertiesAs(b.cfg.release, props)
}

// batchProperties is how CommitLog's batch encoder writes one message's
// properties: its own string as sent, a separator if it does not end with
// one, then the batch's string.
func (b *Broker) batchProperties(own, batchStr string) (map[string]string, string) {
	s := own
	if own != "" && batchStr != "" && own[len(own)-1] != protocol.PropertySeparator {
		s += string(rune(protocol.PropertySeparator))
	}
	s += batchStr
	return protocol.ParseProperties(s), s
}
