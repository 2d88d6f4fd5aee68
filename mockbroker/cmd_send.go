package mockbroker

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"

	"github.com/rocketmock/rocketmock/mockbroker/internal/records"
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
	ci := c.info()
	msgs := b.newMessages(ci, h, queue, req.Body, batch)
	ids := make([]string, len(sizes))
	first := b.records.Send(recordConn(ci), h.ProducerGroup, records.Queue{Topic: h.Topic, QueueID: queue}, sizes, msgs,
		func(i int, queueOffset, commitLogOffset int64) {
			ids[i] = b.storeHost.msgID(commitLogOffset)
			msgs[i].QueueOffset, msgs[i].CommitLogOffset, msgs[i].OffsetMsgID = queueOffset, commitLogOffset, ids[i]
		})
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
