package mockbroker

import (
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// PullRecord is what one PULL_MESSAGE the broker's handler answered
// returned (a pull an interception answered has none).
type PullRecord struct {
	Time       time.Time // the broker's clock when the pull arrived
	Conn       ConnInfo
	Opaque     int32
	Group      string
	Topic      string
	QueueID    int32
	Offset     int64 // the queue offset asked for
	MaxMsgNums int32
	// Parked says the pull waited at the end of its queue (long polling)
	// for Waited, by the broker's clock, before it was answered or
	// released.
	Parked bool
	Waited time.Duration
	// Released says a parked pull was left unanswered: its connection or
	// the broker closed. Code, Status and the offsets are then zero.
	Released bool
	// Code and Status are the reply's code and remark: FOUND,
	// NO_NEW_MSG, NO_MATCHED_MESSAGE, OFFSET_TOO_SMALL, ... or the
	// remark of an error.
	Code     protocol.ResponseCode
	Status   string
	Messages int // how many messages the reply carried
	// NextBeginOffset, MinOffset and MaxOffset are the reply header's.
	NextBeginOffset int64
	MinOffset       int64
	MaxOffset       int64
}

// Pulls returns what the pulls the broker answered returned, oldest
// answer first, the newest 10,000 at most. A parked pull is
// listed once answered or released; until then the journal shows it as
// OutcomeParked.
func (b *Broker) Pulls() []PullRecord { return b.holds.log.where(nil) }

// releasedPull is the record of a parked pull left unanswered at now.
func releasedPull(p *heldPull, now time.Time) PullRecord {
	return PullRecord{
		Time: p.at, Conn: p.c.info(), Opaque: p.req.Opaque, Group: p.h.ConsumerGroup, Topic: p.h.Topic,
		QueueID: p.h.QueueID, Offset: p.h.QueueOffset, MaxMsgNums: p.h.MaxMsgNums,
		Parked: true, Waited: now.Sub(p.at), Released: true,
	}
}
