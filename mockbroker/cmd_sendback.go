package mockbroker

import (
	"fmt"
	"maps"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerSendBackCodes registers CONSUMER_SEND_MSG_BACK.
func (b *Broker) registerSendBackCodes(m *remoting.Mux) {
	m.Handle(protocol.ConsumerSendMsgBack, handle(b.consumerSendMsgBack))
}

// Java constants of CONSUMER_SEND_MSG_BACK.
const (
	defaultRetryMaxTimes = 16 // SubscriptionGroupConfig.retryMaxTimes
	// version349 is MQVersion V3_4_9's ordinal (ali-ons sends it): from
	// it on the request's maxReconsumeTimes overrides the group's.
	version349      = 121
	propOriginMsgID = "ORIGIN_MESSAGE_ID"
)

// redelivery notes one message a consumer sent back: where it goes and
// its delay level. A retry is first held in SCHEDULE_TOPIC_XXXX
// (schedule.go); the offsets are of that copy.
type redelivery struct {
	Time            time.Time
	Group           string
	Topic           string // %RETRY%<group> or %DLQ%<group>
	OriginTopic     string
	OriginMsgID     string
	ReconsumeTimes  int32 // of the stored copy
	DelayLevel      int32 // intended; 0 for a dead letter
	QueueOffset     int64
	CommitLogOffset int64
}

// consumerSendMsgBack answers CONSUMER_SEND_MSG_BACK (36) as
// SendMessageProcessor.asyncConsumerSendMsgBack (4.9.8) does: the message
// at the physical offset is stored again in %RETRY%<group> with
// reconsumeTimes + 1, or in %DLQ%<group> once its reconsumeTimes reached
// maxReconsumeTimes (the request's, else 16) or the delay level is
// negative. A retry is stored in SCHEDULE_TOPIC_XXXX for the delay level
// (0 means 3 + reconsumeTimes; above the last level, the last) and reaches
// the retry topic when due on the broker's clock (schedule.go), with
// REAL_TOPIC, REAL_QID and DELAY in its properties string.
func (b *Broker) consumerSendMsgBack(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.ConsumerSendMsgBackRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	group := b.noteSubscriptionGroup(h.Group) // findSubscriptionGroupConfig auto-creates it
	orig, ok := b.store.ByPhysicalOffset(h.Offset)
	if !ok {
		return emptyHeaderReply(req, protocol.SystemError, fmt.Sprintf("look message by offset failed, %d", h.Offset))
	}
	topic := store.RetryTopic(h.Group)
	b.store.EnsureTopic(topic, 1)
	props := maps.Clone(orig.Properties)
	if props == nil {
		props = map[string]string{}
	}
	if props[protocol.PropertyRetryTopic] == "" {
		props[protocol.PropertyRetryTopic] = orig.Topic
	}
	props[protocol.PropertyWaitStoreMsgOK] = "false"
	delay := h.DelayLevel
	maxTimes := group.RetryMaxTimes // the group's retryMaxTimes (16 unless set)
	if req.Version >= version349 && h.MaxReconsumeTimes != nil {
		maxTimes = *h.MaxReconsumeTimes
	}
	if orig.ReconsumeTimes >= maxTimes || delay < 0 {
		topic, delay = store.DLQTopic(h.Group), 0
		b.store.EnsureTopic(topic, 1)
	} else {
		if delay == 0 {
			delay = 3 + orig.ReconsumeTimes
		}
		if n := int32(len(b.cfg.delayLevels())); delay > n {
			delay = n // CommitLog clamps to the last level
		}
		// As ScheduleMessageService.messageTimeup delivers it: the commit
		// log added REAL_TOPIC and REAL_QID when it diverted the message
		// to SCHEDULE_TOPIC_XXXX, and the delivered string still holds
		// DELAY (cleared from the map only after the string was made).
		props[protocol.PropertyRealTopic] = topic
		props[protocol.PropertyRealQueueID] = "0"
	}
	props[protocol.PropertyDelayTimeLevel] = fmt.Sprint(delay) // setDelayTimeLevel, 0 for a dead letter
	if props[propOriginMsgID] == "" {
		props[propOriginMsgID] = orig.OffsetMsgID()
	}
	host := b.storeHost()
	m := store.Message{TagsCode: tagsCode(props[protocol.PropertyTags]), MessageExt: protocol.MessageExt{
		Flag: orig.Flag, SysFlag: orig.SysFlag, BornTimestamp: orig.BornTimestamp,
		BornHost: orig.BornHost, BornPort: orig.BornPort, StoreHost: host.ip, StorePort: host.port,
		ReconsumeTimes: orig.ReconsumeTimes + 1, Body: orig.Body, Properties: props,
		PropertiesString: protocol.FormatPropertiesAs(b.cfg.release, props),
	}}
	var res store.Message
	var err error
	if delay > 0 {
		b.store.EnsureTopic(scheduleTopic, int32(len(b.cfg.delayLevels())))
		res, err = b.appendStoredAt(scheduleTopic, delay-1, m)
		if err == nil {
			b.hold(res, topic, 0, delay, b.Now().Add(b.cfg.delayLevels()[delay-1]))
		}
	} else {
		res, err = b.appendStored(topic, m)
	}
	if err != nil {
		return emptyHeaderReply(req, protocol.SystemError, err.Error())
	}
	b.redeliveries.add(redelivery{
		Time: b.Now(), Group: h.Group, Topic: topic, OriginTopic: props[protocol.PropertyRetryTopic],
		OriginMsgID: props[propOriginMsgID], ReconsumeTimes: m.ReconsumeTimes, DelayLevel: delay,
		QueueOffset: res.QueueOffset, CommitLogOffset: res.CommitLogOffset,
	})
	return emptyHeaderReply(req, protocol.Success, "")
}

// appendStored stores one message the broker itself writes (a retry or a
// dead letter) in queue 0 of topic. The records' numbering advances with
// the store's (they keep no record of it).
func (b *Broker) appendStored(topic string, m store.Message) (store.Message, error) {
	return b.appendStoredAt(topic, 0, m)
}

// appendStoredAt is appendStored to any queue of topic.
func (b *Broker) appendStoredAt(topic string, queueID int32, m store.Message) (store.Message, error) {
	b.appendMu.Lock()
	defer b.appendMu.Unlock()
	res, err := b.store.Append(topic, queueID, []store.Message{m})
	if err != nil {
		return store.Message{}, fmt.Errorf("storing the message in %s: %w", topic, err)
	}
	sm := res.Messages[0]
	b.records.Send(recordConn(ConnInfo{}), "", recordsQueue(topic, queueID), []int{int(sm.Size)}, nil, func(int, int64, int64) {})
	return sm, nil
}
