package protocol

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

func TestWalkBatch(t *testing.T) {
	props1 := FormatProperties(map[string]string{PropertyUniqClientMsgID: "AC110001000118B4AAC2000000000000", PropertyWaitStoreMsgOK: "true"})
	props2 := FormatProperties(map[string]string{PropertyUniqClientMsgID: "AC110001000118B4AAC2000000010000", PropertyTags: "TagA"})
	var body []byte
	body = AppendBatchMessage(body, 0, []byte("hello"), props1)
	off2 := len(body)
	body = AppendBatchMessage(body, 7, nil, props2)
	off3 := len(body)
	body = AppendBatchMessage(body, -1, []byte{0, 1, 2}, "")

	// Record 1 byte for byte: 4+4+4+4+4+5+2+len(props1).
	size := 27 + len(props1)
	assert.Equal(t, int(binary.BigEndian.Uint32(body)), size)
	assert.DeepEqual(t, body[4:20], []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5})

	want := []BatchMessage{
		{Offset: 0, Flag: 0, Body: []byte("hello"), Properties: props1},
		{Offset: off2, Flag: 7, Body: []byte{}, Properties: props2},
		{Offset: off3, Flag: -1, Body: []byte{0, 1, 2}, Properties: ""},
	}
	var got []BatchMessage
	n, err := WalkBatch(body, func(i int, m BatchMessage) error {
		assert.Equal(t, i, len(got))
		got = append(got, m)
		return nil
	})
	assert.NilError(t, err)
	assert.Equal(t, n, 3)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	uniq, ok := got[1].Property(PropertyUniqClientMsgID)
	assert.Assert(t, ok)
	assert.Equal(t, uniq, "AC110001000118B4AAC2000000010000")
	assert.DeepEqual(t, got[1].PropertiesMap(), map[string]string{PropertyUniqClientMsgID: "AC110001000118B4AAC2000000010000", PropertyTags: "TagA"})

	c, err := CountBatch(body)
	assert.NilError(t, err)
	assert.Equal(t, c, 3)

	all, err := DecodeBatch(body)
	assert.NilError(t, err)
	assert.DeepEqual(t, all, want)

	c, err = CountBatch(nil)
	assert.NilError(t, err)
	assert.Equal(t, c, 0)
}

func TestWalkBatchCallbackError(t *testing.T) {
	body := AppendBatchMessage(AppendBatchMessage(nil, 0, []byte("a"), ""), 0, []byte("b"), "")
	stop := errors.New("stop")
	n, err := WalkBatch(body, func(i int, m BatchMessage) error {
		if i == 1 {
			return stop
		}
		return nil
	})
	assert.Equal(t, err, stop)
	assert.Equal(t, n, 1)
}

func TestWalkBatchErrors(t *testing.T) {
	good := AppendBatchMessage(nil, 0, []byte("abc"), "A\x01b\x02") // 29 bytes
	setInt32 := func(b []byte, at int, v int32) []byte {
		b = append([]byte(nil), b...)
		binary.BigEndian.PutUint32(b[at:], uint32(v))
		return b
	}
	setInt16 := func(b []byte, at int, v int16) []byte {
		b = append([]byte(nil), b...)
		binary.BigEndian.PutUint16(b[at:], uint16(v))
		return b
	}
	tests := []struct {
		name  string
		body  []byte
		count int
		err   string
	}{
		{"trailing bytes", append(append([]byte(nil), good...), 0, 0, 0), 1,
			"malformed batch body: record 1 at offset 29: truncated: 3 bytes left, a record needs at least 22"},
		{"truncated record", good[:25], 0,
			"malformed batch body: record 0 at offset 0: totalSize 29 exceeds the 25 bytes left"},
		{"totalSize too small", setInt32(good, 0, 8), 0,
			"malformed batch body: record 0 at offset 0: totalSize 8 is less than the 22-byte minimum"},
		{"negative totalSize", setInt32(good, 0, -1), 0,
			"malformed batch body: record 0 at offset 0: totalSize -1 is less than the 22-byte minimum"},
		{"bodyLen too big", setInt32(good, 16, 100), 0,
			"malformed batch body: record 0 at offset 0: bodyLen 100 does not fit in totalSize 29"},
		{"bodyLen negative", setInt32(good, 16, -5), 0,
			"malformed batch body: record 0 at offset 0: bodyLen -5 does not fit in totalSize 29"},
		{"propLen negative", setInt16(good, 23, -2), 0,
			"malformed batch body: record 0 at offset 0: propLen -2 is negative (properties over 32767 bytes?)"},
		{"sizes disagree", setInt16(good, 23, 1), 0,
			"malformed batch body: record 0 at offset 0: totalSize 29, but bodyLen 3 and propLen 1 make 26"},
		{"second record bad", append(append([]byte(nil), good...), setInt32(good, 0, 30)...), 1,
			"malformed batch body: record 1 at offset 29: totalSize 30 exceeds the 29 bytes left"},
		{"oversized properties", AppendBatchMessage(nil, 0, nil, strings.Repeat("x", 40000)), 0,
			"malformed batch body: record 0 at offset 0: propLen -25536 is negative (properties over 32767 bytes?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := CountBatch(tc.body)
			assert.Error(t, err, tc.err)
			assert.Assert(t, errors.Is(err, ErrBadBatch))
			assert.Equal(t, n, tc.count)
			_, err = DecodeBatch(tc.body)
			assert.Assert(t, errors.Is(err, ErrBadBatch))
		})
	}
}

func TestBatchBodyIsCapped(t *testing.T) {
	body := AppendBatchMessage(AppendBatchMessage(nil, 0, []byte("ab"), "P\x01v\x02"), 0, []byte("cd"), "")
	msgs, err := DecodeBatch(body)
	assert.NilError(t, err)
	// Appending to one message body must not overwrite the batch.
	_ = append(msgs[0].Body, 'X', 'X', 'X')
	again, err := DecodeBatch(body)
	assert.NilError(t, err)
	assert.DeepEqual(t, again, msgs)
}
