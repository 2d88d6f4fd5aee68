package store

import "github.com/rocketmock/rocketmock/protocol"

// GetMessageStatus is the Java enum GetMessageStatus.
type GetMessageStatus uint8

// Statuses, as DefaultMessageStore.getMessage and PullMessageProcessor
// produce them.
const (
	Found GetMessageStatus = iota
	NoMatchedMessage
	MessageWasRemoving
	OffsetFoundNull
	OffsetOverflowBadly
	OffsetOverflowOne
	OffsetTooSmall
	NoMatchedLogicQueue
	NoMessageInQueue
	// OffsetReset is 5.x: the group's offset was reset on the broker
	// (useServerSideResetOffset) and not yet pulled.
	OffsetReset
)

var statusNames = [...]string{"FOUND", "NO_MATCHED_MESSAGE", "MESSAGE_WAS_REMOVING", "OFFSET_FOUND_NULL",
	"OFFSET_OVERFLOW_BADLY", "OFFSET_OVERFLOW_ONE", "OFFSET_TOO_SMALL", "NO_MATCHED_LOGIC_QUEUE",
	"NO_MESSAGE_IN_QUEUE", "OFFSET_RESET"}

// String returns the Java name, which a pull response carries as remark.
func (s GetMessageStatus) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "GetMessageStatus(?)"
}

// Java constants the scan follows.
const (
	// cqUnitSize is ConsumeQueue.CQ_STORE_UNIT_SIZE.
	cqUnitSize = 20
	// maxFilterMessageSize is 4.9.8's 16000 floor of
	// maxFilterMessageCount and 5.x's maxFilterMessageSize: one pull scans
	// at most max(800, maxMsgNums) queue entries.
	maxFilterMessageSize = 16000
	// CQEntriesPerFile is mappedFileSizeConsumeQueue / 20: one pull never
	// scans past the end of the consume-queue file holding its offset.
	CQEntriesPerFile = 300_000
	// maxPullMsgSize is 5.x MAX_PULL_MSG_SIZE.
	maxPullMsgSize = 128 << 20
)

// GetRequest is one getMessage call.
type GetRequest struct {
	Group      string
	Topic      string
	QueueID    int32
	Offset     int64
	MaxMsgNums int32
	// MaxMsgBytes is 5.x getMessage's maxTotalMsgSize (at least 100, at
	// most 128 MiB); 0 means 128 MiB. 5.3.3's pull processor does not pass
	// the request's maxMsgBytes: leave it 0 to imitate it.
	MaxMsgBytes int32
	// MatchTagsCode is MessageFilter.isMatchedByConsumeQueue; nil matches
	// everything.
	MatchTagsCode func(tagsCode int64) bool
	// MatchMessage is MessageFilter.isMatchedByCommitLog; nil matches
	// everything.
	MatchMessage func(m *Message) bool
}

// GetResult is GetMessageResult.
type GetResult struct {
	Status          GetMessageStatus
	NextBeginOffset int64
	MinOffset       int64
	MaxOffset       int64
	Messages        []Message
	// BufferTotalSize is the sum of the messages' encoded sizes.
	BufferTotalSize int
	// Scanned is how many queue entries the call examined.
	Scanned int
}

// GetMessage is DefaultMessageStore.getMessage for a master whose whole
// commit log is in memory: the status, the messages and the next, min and
// max offsets exactly as Java computes them. An unknown topic or queue
// reads as an empty queue (Java's findConsumeQueue creates it).
func (s *Store) GetMessage(r GetRequest) GetResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := GetResult{Status: NoMessageInQueue, NextBeginOffset: r.Offset}
	q := s.queueLocked(r.Topic, r.QueueID)
	if q == nil {
		q = &queue{}
	}
	res.MinOffset, res.MaxOffset = q.min, q.max()
	offset := r.Offset
	switch {
	case res.MaxOffset == 0:
		res.Status, res.NextBeginOffset = NoMessageInQueue, 0
	case offset < res.MinOffset:
		res.Status, res.NextBeginOffset = OffsetTooSmall, res.MinOffset
	case offset == res.MaxOffset:
		res.Status, res.NextBeginOffset = OffsetOverflowOne, offset
	case offset > res.MaxOffset:
		res.Status, res.NextBeginOffset = OffsetOverflowBadly, res.MaxOffset
	default:
		s.scanLocked(q, r, &res)
		s.delivered += int64(len(res.Messages))
	}
	return res
}

// scanLocked is getMessage's loop over the consume queue from r.Offset,
// which lies in [min, max).
func (s *Store) scanLocked(q *queue, r GetRequest, res *GetResult) {
	maxNums := int(r.MaxMsgNums)
	limit := max(maxFilterMessageSize, maxNums*cqUnitSize) / cqUnitSize
	end := min(q.max(), (r.Offset/CQEntriesPerFile+1)*CQEntriesPerFile)
	maxPull := int64(maxPullMsgSize)
	if r.MaxMsgBytes > 0 {
		maxPull = min(max(int64(r.MaxMsgBytes), 100), maxPullMsgSize)
	}
	v5 := s.v5()
	res.Status = NoMatchedMessage
	n := 0
	for o := r.Offset; o < end && n < limit; o++ {
		e := q.entries[o-q.min]
		size := int(e.msg.Size)
		if s.batchFull(size, maxNums, maxPull, v5, res) {
			break
		}
		n++
		if r.MatchTagsCode != nil && !r.MatchTagsCode(e.msg.TagsCode) {
			if res.BufferTotalSize == 0 {
				res.Status = NoMatchedMessage
			}
			continue
		}
		if e.removed {
			// Java then skips to the next commit-log file (rollNextFile),
			// past entries whose bodies went with the deleted file; here
			// bodies go one by one, so each removed entry is skipped alone.
			if res.BufferTotalSize == 0 {
				res.Status = MessageWasRemoving
			}
			continue
		}
		if r.MatchMessage != nil && !r.MatchMessage(&e.msg) {
			if res.BufferTotalSize == 0 {
				res.Status = NoMatchedMessage
			}
			continue
		}
		res.Messages = append(res.Messages, e.msg)
		res.BufferTotalSize += size
		res.Status = Found
	}
	res.Scanned = n
	res.NextBeginOffset = r.Offset + int64(n)
}

// batchFull is isTheBatchFull for messages in memory (5.x adds the
// request's byte budget).
func (s *Store) batchFull(size, maxNums int, maxPull int64, v5 bool, res *GetResult) bool {
	total, count := res.BufferTotalSize, len(res.Messages)
	if total == 0 || count == 0 {
		return false
	}
	if maxNums <= count {
		return true
	}
	if v5 && (int64(total+size) > maxPull || int64(total) >= maxPull) {
		return true
	}
	if total+size > s.opts.MaxTransferBytes {
		return true
	}
	return count > s.opts.MaxTransferCount-1
}

// PullCode is the response code PullMessageProcessor gives a status on a
// master (4.9.8 and 5.x agree): FOUND -> SUCCESS; MESSAGE_WAS_REMOVING and
// NO_MATCHED_MESSAGE -> PULL_RETRY_IMMEDIATELY; NO_MESSAGE_IN_QUEUE and
// NO_MATCHED_LOGIC_QUEUE -> PULL_OFFSET_MOVED unless the request asked for
// offset 0, then PULL_NOT_FOUND; OFFSET_FOUND_NULL and OFFSET_OVERFLOW_ONE
// -> PULL_NOT_FOUND (the one long polling parks); OFFSET_OVERFLOW_BADLY,
// OFFSET_TOO_SMALL and OFFSET_RESET -> PULL_OFFSET_MOVED. A master keeps
// PULL_OFFSET_MOVED (a slave without offsetCheckInSlave would answer
// PULL_RETRY_IMMEDIATELY instead).
func PullCode(st GetMessageStatus, requestOffset int64) protocol.ResponseCode {
	switch st {
	case Found:
		return protocol.Success
	case MessageWasRemoving, NoMatchedMessage:
		return protocol.PullRetryImmediately
	case NoMatchedLogicQueue, NoMessageInQueue:
		if requestOffset != 0 {
			return protocol.PullOffsetMoved
		}
		return protocol.PullNotFound
	case OffsetFoundNull, OffsetOverflowOne:
		return protocol.PullNotFound
	case OffsetOverflowBadly, OffsetTooSmall, OffsetReset:
		return protocol.PullOffsetMoved
	}
	return protocol.SystemError
}
