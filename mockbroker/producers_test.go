package mockbroker

import (
	"fmt"
	"testing"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
	"github.com/rocketmock/rocketmock/protocol"
)

// Helpers for the broker's benchmarks with many producers (the producer
// table's own are in internal/producers).

// benchChannel is a producer channel without a socket: a fixture's
// virtual one, whose Close runs the close path at once.
type benchChannel = virtualChannel

func benchChannels(n int) []*benchChannel {
	out := make([]*benchChannel, n)
	for i := range out {
		out[i] = &benchChannel{addr: fmt.Sprintf("10.%d.%d.%d:%d", i>>16&255, i>>8&255, i&255, 40000+i%20000)}
		out[i].active.Store(true)
	}
	return out
}

func benchInfo(ch *benchChannel, i int) producers.ClientChannelInfo {
	return producers.ClientChannelInfo{Channel: ch, ClientID: fmt.Sprintf("10.0.0.1@%d", i), Language: protocol.Java, Version: int32(protocol.V5_3_3)}
}

// fill registers the channels' producers spread over groups groups ("PG_0"...).
func fill(pm *producers.Manager, chans []*benchChannel, groups int) {
	for i, ch := range chans {
		ch.pm = pm
		pm.RegisterProducer(fmt.Sprintf("PG_%d", i%groups), benchInfo(ch, i))
	}
}

// scanShapes are ways to hold 100,000 producers: one huge group, a
// thousand groups of a hundred, and a group per producer.
var scanShapes = []struct{ n, groups int }{{100_000, 1}, {100_000, 1000}, {100_000, 100_000}}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Producers and producer events name the connection by its ConnInfo.ID;
// a fixture's virtual producer has none and says it is virtual.
func TestProducersAndEventsNameTheirConnection(t *testing.T) {
	b := Start(t)
	sub := b.Subscribe()
	defer sub.Close()
	assert.NilError(t, b.LoadFixture(&Fixture{Groups: []FixtureGroup{{Name: "PG", Producers: []FixtureProducer{
		{ClientID: "v@1", Addr: "10.0.0.1:1", Language: protocol.Java, Version: protocol.V4_9_8}}}}}))
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("real@1", protocol.Go, 317, "PG"))

	ps := b.Producers("PG")
	assert.Equal(t, len(ps), 2)
	assert.Equal(t, ps[0].ClientID+" "+fmt.Sprint(ps[0].ConnID, ps[0].Virtual), "v@1 0 true")
	assert.Equal(t, ps[1].ClientID+" "+fmt.Sprint(ps[1].ConnID, ps[1].Virtual), "real@1 1 false")
	for _, want := range []string{"registered v@1 0 true", "registered real@1 1 false"} {
		ev, err := sub.Next(ctxT(t))
		assert.NilError(t, err)
		assert.Equal(t, ev.Kind.String()+" "+ev.ClientID+" "+fmt.Sprint(ev.ConnID, ev.Virtual), want)
	}
	assert.Equal(t, ProducerEventKind(99).String(), "ProducerEventKind(99)")
}
