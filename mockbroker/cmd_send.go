package mockbroker

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerSendCodes registers the send codes.
func (b *Broker) registerSendCodes(m *remoting.Mux) {
	m.Handle(protocol.SendMessage, handle(b.sendMessage))
	m.Handle(protocol.SendMessageV2, handle(b.sendMessage))
	m.Handle(protocol.SendBatchMessage, handle(b.sendMessage))
}

// sendState numbers accepted messages: a logical offset per (topic, queue)
// and a commit-log offset for the offset message id.
type sendState struct {
	mu        sync.Mutex
	storeIP   net.IP
	storePort int32
	commitLog int64
	offsets   map[queueKey]int64
}

type queueKey struct {
	topic string
	queue int32
}

// init takes the store host of message ids from the advertised "ip:port".
func (s *sendState) init(advertise string) error {
	host, port, err := net.SplitHostPort(advertise)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return fmt.Errorf("%q: want an IP literal (clients match routes against ip:port)", advertise)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return fmt.Errorf("port of %q: %w", advertise, err)
	}
	s.storeIP, s.storePort, s.offsets = ip, int32(p), map[queueKey]int64{}
	return nil
}

// store assigns offsets to n messages of the given sizes and returns the
// queue offset of the first and the offset message id of each. If log is
// set, it records msgs (one per size), offsets filled in, under the same
// lock, so the record keeps offset order.
func (s *sendState) store(topic string, queue int32, sizes []int, log *messageLog, msgs []Message) (int64, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := queueKey{topic, queue}
	first := s.offsets[k]
	s.offsets[k] = first + int64(len(sizes))
	ids := make([]string, len(sizes))
	for i, size := range sizes {
		ids[i] = protocol.FormatOffsetMsgID(s.storeIP, s.storePort, s.commitLog)
		if i < len(msgs) {
			msgs[i].QueueOffset, msgs[i].CommitLogOffset, msgs[i].OffsetMsgID = first+int64(i), s.commitLog, ids[i]
		}
		s.commitLog += int64(size)
	}
	if log != nil {
		log.mu.Lock()
		log.addLocked(msgs)
		log.mu.Unlock()
	}
	return first, ids
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
	queues := int32(b.cfg.queueNums)
	queue := h.QueueID
	if queue < 0 {
		queue = rand.Int32N(queues) // the broker picks one, as Java does
	}
	if queue >= queues {
		return fail(b.cfg.release.IllegalQueueIDCode(), fmt.Sprintf("request queueId[%d] is illegal, topic:%s writeQueueNums:%d Producer: %s",
			queue, h.Topic, queues, clientAddr(c.addr)))
	}
	sizes := []int{len(req.Body)}
	var batch []protocol.BatchMessage
	if h.IsBatch() {
		sizes = sizes[:0]
		batch = []protocol.BatchMessage{}
		if _, err := protocol.WalkBatch(req.Body, func(_ int, m protocol.BatchMessage) error {
			sizes = append(sizes, len(m.Body))
			batch = append(batch, m)
			return nil
		}); err != nil {
			return fail(protocol.MessageIllegal, "the batch message body does not decode: "+err.Error())
		}
		if len(sizes) == 0 {
			return fail(protocol.MessageIllegal, "the batch message body holds no message")
		}
	}
	first, ids := b.sends.store(h.Topic, queue, sizes, &b.msgs, b.newMessages(c, h, queue, req.Body, batch))
	resp.ExtFields["msgId"] = strings.Join(ids, ",")
	resp.ExtFields["queueId"] = strconv.Itoa(int(queue))
	resp.ExtFields["queueOffset"] = strconv.FormatInt(first, 10)
	if b.cfg.release.SendReplyHasTransactionID() && !h.IsBatch() {
		if uniq := protocol.ParseProperties(h.Properties)["UNIQ_KEY"]; uniq != "" {
			resp.ExtFields["transactionId"] = uniq
		}
	}
	return resp
}
