package mockbroker

import (
	"testing"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func TestVersionOrdinalsAreJavas(t *testing.T) {
	assert.Equal(t, protocol.MQVersion(version349).String(), "V3_4_9")
	assert.Equal(t, protocol.MQVersion(minRunningInfoVersion).String(), "V3_1_8_SNAPSHOT")
}

// From V3_4_9 on (ali-ons sends it) the request's maxReconsumeTimes counts:
// 0 sends the message to the dead letters at once; an older client gets
// the group's 16 and a retry.
func TestConsumerSendMsgBackMaxReconsumeTimesFromV349(t *testing.T) {
	for _, tc := range []struct {
		version protocol.MQVersion
		topic   string
	}{{121, "%DLQ%CG"}, {120, "%RETRY%CG"}} { // V3_4_9 and the version before
		b := Start(t)
		c := dial(t, b.Addr())
		r := c.call(sendCmd("PG", "T", 0, "", []byte("m")))
		_, _, phys, err := protocol.ParseOffsetMsgID(r.ExtFields["msgId"])
		assert.NilError(t, err)
		zero := int32(0)
		h := protocol.ConsumerSendMsgBackRequestHeader{Offset: phys, Group: "CG", MaxReconsumeTimes: &zero}
		req := protocol.NewRequest(protocol.ConsumerSendMsgBack, h.Encode(), nil)
		req.Version = tc.version
		assert.Equal(t, c.call(req).Code, int32(0))
		notes := b.Redeliveries("CG")
		assert.Equal(t, len(notes), 1)
		assert.Equal(t, notes[0].Topic, tc.topic, "version %d", tc.version)
	}
}
