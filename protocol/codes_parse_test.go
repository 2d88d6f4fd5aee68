package protocol

import (
	"testing"

	"gotest.tools/v3/assert"
)

func TestParseCodesInvertString(t *testing.T) {
	for c := range requestCodeNames {
		got, ok := ParseRequestCode(c.String())
		assert.Assert(t, ok, c.String())
		assert.Equal(t, got, c)
	}
	for c := range responseCodeNames {
		got, ok := ParseResponseCode(c.String())
		assert.Assert(t, ok, c.String())
		assert.Equal(t, got, c)
	}
	rc, ok := ParseRequestCode("SEND_MESSAGE_V2")
	assert.Assert(t, ok)
	assert.Equal(t, rc, SendMessageV2)
	sc, ok := ParseResponseCode("SYSTEM_BUSY")
	assert.Assert(t, ok)
	assert.Equal(t, sc, SystemBusy)
	for _, bad := range []string{"", "send_message", "RequestCode(10)", "SYSTEM_BUSY "} {
		_, ok := ParseRequestCode(bad)
		assert.Assert(t, !ok, bad)
		_, ok = ParseResponseCode(bad)
		assert.Assert(t, !ok, bad)
	}
}
