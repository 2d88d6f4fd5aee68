package mockbroker

import (
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
)

// DefaultProducerExpiry is how long a producer may stay silent before the
// scan drops it (Java CHANNEL_EXPIRED_TIMEOUT, hard-coded there).
const DefaultProducerExpiry = producers.DefaultExpiry

// Producer is one producer connection of a group, as 204 reports it plus
// what the open-source broker keeps to itself.
type Producer struct {
	Group         string
	ClientID      string
	Addr          string // the client's "ip:port" as the broker sees it
	Language      string // Java enum name, "null" when unknown
	Version       int32  // MQVersion ordinal from the heartbeat
	LastHeartbeat time.Time
	// ConnID is the connection's ConnInfo.ID; 0 for a fixture's virtual
	// producer.
	ConnID uint64
	// Virtual reports a fixture's virtual producer (LoadFixture) rather
	// than a TCP connection.
	Virtual bool
}

// newProducerManager builds the broker's producer table.
func (b *Broker) newProducerManager() *producers.Manager {
	return producers.New(producers.Config{
		Now:     func() time.Time { return b.sched.Now() },
		Expiry:  b.cfg.expiry,
		Release: b.cfg.release,
		OnEvent: b.producerEvent,
		Logger:  b.log,
	})
}

// Producers returns the producers of a group, in registration order (nil
// when the group does not exist).
func (b *Broker) Producers(group string) []Producer {
	infos, _ := b.producers.Group(group)
	return producersOf(group, infos)
}

func producersOf(group string, infos []producers.ClientChannelInfo) []Producer {
	if len(infos) == 0 {
		return nil
	}
	out := make([]Producer, len(infos))
	for i, in := range infos {
		id, virtual := channelID(in.Channel)
		out[i] = Producer{
			Group: group, ClientID: in.ClientID, Addr: clientAddr(in.Channel.RemoteAddr()),
			Language: in.Language.String(), Version: in.Version, LastHeartbeat: in.LastUpdate,
			ConnID: id, Virtual: virtual,
		}
	}
	return out
}

// Groups returns the names of the producer groups the broker knows, sorted.
// Under protocol.Release498 emptied groups stay listed, as on a 4.9.8 broker.
func (b *Broker) Groups() []string { return b.producers.Groups() }

// channelID returns the ConnInfo.ID of a producer channel, and whether it
// is a fixture's virtual one (id 0).
func channelID(ch producers.Channel) (id uint64, virtual bool) {
	switch c := ch.(type) {
	case *conn:
		return c.id, false
	case *virtualChannel:
		return 0, true
	}
	return 0, false
}
