package protocol

// GetMessageStatus is the store's verdict on a pull (Java GetMessageStatus);
// a broker writes its name as the PULL_MESSAGE reply's remark.
type GetMessageStatus string

// GetMessageStatus values.
const (
	Found               GetMessageStatus = "FOUND"
	NoMatchedMessage    GetMessageStatus = "NO_MATCHED_MESSAGE" // every scanned message filtered out
	MessageWasRemoving  GetMessageStatus = "MESSAGE_WAS_REMOVING"
	OffsetFoundNull     GetMessageStatus = "OFFSET_FOUND_NULL"
	OffsetOverflowBadly GetMessageStatus = "OFFSET_OVERFLOW_BADLY" // offset > max
	OffsetOverflowOne   GetMessageStatus = "OFFSET_OVERFLOW_ONE"   // offset == max: wait for the next message
	OffsetTooSmall      GetMessageStatus = "OFFSET_TOO_SMALL"      // offset < min
	NoMatchedLogicQueue GetMessageStatus = "NO_MATCHED_LOGIC_QUEUE"
	NoMessageInQueue    GetMessageStatus = "NO_MESSAGE_IN_QUEUE" // max == 0
	OffsetReset         GetMessageStatus = "OFFSET_RESET"        // 5.x only
)

// PullResponseCode is the code PullMessageProcessor answers a status with
// (the same in 4.9.8 and 5.x): an empty queue is PULL_OFFSET_MOVED unless
// offset 0 was asked for. PULL_NOT_FOUND is what a suspendable pull parks on.
func (s GetMessageStatus) PullResponseCode(requestedOffset int64) ResponseCode {
	switch s {
	case Found:
		return Success
	case MessageWasRemoving, NoMatchedMessage:
		return PullRetryImmediately
	case NoMatchedLogicQueue, NoMessageInQueue:
		if requestedOffset != 0 {
			return PullOffsetMoved
		}
		return PullNotFound
	case OffsetFoundNull, OffsetOverflowOne:
		return PullNotFound
	case OffsetOverflowBadly, OffsetTooSmall, OffsetReset:
		return PullOffsetMoved
	}
	return SystemError
}

// CheckPullOffset is the first step of DefaultMessageStore.getMessage on a
// master, for a queue whose offsets run from minOffset up to maxOffset (the
// offset the next message gets): outside that range it gives the status
// and nextBeginOffset; inside it reports read, and the caller scans the
// queue (FOUND or NO_MATCHED_MESSAGE).
func CheckPullOffset(offset, minOffset, maxOffset int64) (status GetMessageStatus, nextBeginOffset int64, read bool) {
	switch {
	case maxOffset == 0:
		return NoMessageInQueue, 0, false
	case offset < minOffset:
		return OffsetTooSmall, minOffset, false
	case offset == maxOffset:
		return OffsetOverflowOne, offset, false
	case offset > maxOffset:
		return OffsetOverflowBadly, maxOffset, false
	}
	return "", offset, true
}
