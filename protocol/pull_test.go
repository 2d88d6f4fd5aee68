package protocol

import (
	"testing"

	"gotest.tools/v3/assert"
)

// The table of consumer-spec section 4, checked against
// DefaultMessageStore.getMessage and PullMessageProcessor (4.9.8, 5.3.3).
func TestCheckPullOffset(t *testing.T) {
	tests := []struct {
		name             string
		offset, min, max int64
		status           GetMessageStatus
		next             int64
		read             bool
		code             ResponseCode
	}{
		{"empty queue, offset 0", 0, 0, 0, NoMessageInQueue, 0, false, PullNotFound},
		{"empty queue, offset 5", 5, 0, 0, NoMessageInQueue, 0, false, PullOffsetMoved},
		{"below min", 1, 3, 9, OffsetTooSmall, 3, false, PullOffsetMoved},
		{"at max", 9, 3, 9, OffsetOverflowOne, 9, false, PullNotFound},
		{"past max", 12, 3, 9, OffsetOverflowBadly, 9, false, PullOffsetMoved},
		{"in range", 4, 3, 9, "", 4, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, next, read := CheckPullOffset(tc.offset, tc.min, tc.max)
			assert.Equal(t, status, tc.status)
			assert.Equal(t, next, tc.next)
			assert.Equal(t, read, tc.read)
			if !read {
				assert.Equal(t, status.PullResponseCode(tc.offset), tc.code)
			}
		})
	}
	assert.Equal(t, Found.PullResponseCode(3), Success)
	assert.Equal(t, NoMatchedMessage.PullResponseCode(3), PullRetryImmediately)
	assert.Equal(t, OffsetFoundNull.PullResponseCode(3), PullNotFound)
	assert.Equal(t, OffsetReset.PullResponseCode(3), PullOffsetMoved)
	assert.Equal(t, GetMessageStatus("BOGUS").PullResponseCode(0), SystemError)
}
