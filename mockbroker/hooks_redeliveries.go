package mockbroker

import (
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
)

// Redelivery is one message a consumer sent back (CONSUMER_SEND_MSG_BACK)
// and where the broker stored it.
type Redelivery struct {
	Time  time.Time // the broker's clock when it was sent back
	Group string
	// Topic is %RETRY%<group> for a retry, %DLQ%<group> for a dead
	// letter (DeadLetter says which).
	Topic       string
	DeadLetter  bool
	OriginTopic string // the topic the message was first sent to
	OriginMsgID string // the first copy's offset message id (ORIGIN_MESSAGE_ID)
	// ReconsumeTimes is the stored copy's: the consumer's count plus one.
	ReconsumeTimes int32
	// DelayLevel is the level the retry waits in SCHEDULE_TOPIC_XXXX
	// before it reaches Topic (see ScheduledMessages); 0 for a dead letter.
	DelayLevel int32
	// QueueOffset and CommitLogOffset say where the copy was stored: in
	// SCHEDULE_TOPIC_XXXX (queue DelayLevel-1) for a retry, which reaches
	// Topic with new offsets when due; in Topic, queue 0, for a dead letter.
	QueueOffset     int64
	CommitLogOffset int64
}

// Redeliveries returns the messages the consumers of group ("" for every
// group) sent back, oldest first: retries and dead letters.
func (b *Broker) Redeliveries(group string) []Redelivery {
	notes := b.redeliveries.where(func(r *redelivery) bool { return group == "" || r.Group == group })
	out := make([]Redelivery, len(notes))
	for i, r := range notes {
		out[i] = Redelivery{
			Time: r.Time, Group: r.Group, Topic: r.Topic, DeadLetter: r.Topic == store.DLQTopic(r.Group),
			OriginTopic: r.OriginTopic, OriginMsgID: r.OriginMsgID, ReconsumeTimes: r.ReconsumeTimes,
			DelayLevel: r.DelayLevel, QueueOffset: r.QueueOffset, CommitLogOffset: r.CommitLogOffset,
		}
	}
	return out
}
