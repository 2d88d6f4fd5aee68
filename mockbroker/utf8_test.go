package mockbroker

import (
	"context"
	"slices"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/protocol"
)

// A group name with invalid UTF-8 is one name whichever way it comes: in
// the heartbeat's JSON body (decoded with U+FFFD for the bad byte) or in a
// binary request header (bytes as sent), as on the Java broker, which
// decodes both as UTF-8 (issue 12, item 11).
func TestInvalidUTF8GroupIsOneGroup(t *testing.T) {
	const raw = "G\xffx"
	b := Start(t)
	c := dial(t, b.Addr())
	hb := protocol.NewRequest(protocol.HeartBeat, map[string]string{},
		[]byte(`{"clientID":"c@1","consumerDataSet":[],"producerDataSet":[{"groupName":"`+raw+`"}]}`))
	hb.Language, hb.Version = protocol.Java, protocol.V5_3_3
	assert.Equal(t, c.call(hb).Code, int32(0))

	for _, ser := range []protocol.SerializeType{protocol.JSON, protocol.RocketMQ} {
		list := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: raw}
		req := protocol.NewRequest(protocol.GetProducerConnectionList, list.Encode(), nil)
		req.Language, req.Version, req.Serialize = protocol.Java, protocol.V5_3_3, ser
		resp := c.call(req)
		assert.Equal(t, resp.Code, int32(0), "%v: %s", ser, resp.Remark)
		pc, err := protocol.DecodeProducerConnection(resp.Body)
		assert.NilError(t, err)
		assert.Equal(t, len(pc.ConnectionSet), 1, "%v", ser)
	}
	assert.Equal(t, len(b.Producers(raw)), 1)
	assert.Equal(t, len(b.Producers("G\uFFFDx")), 1)
	assert.Assert(t, slices.Contains(b.Groups(), "G\uFFFDx"), "%q", b.Groups())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	assert.NilError(t, b.WaitProducers(ctx, raw, 1))
	gone := make(chan error, 1)
	go func() { gone <- b.WaitProducers(ctx, raw, 0) }() // woken by the change of its group
	time.Sleep(50 * time.Millisecond)
	assert.NilError(t, b.ExpireProducer(raw, "c@1"))
	assert.NilError(t, <-gone)
	assert.Equal(t, len(b.Producers(raw)), 0)
}
