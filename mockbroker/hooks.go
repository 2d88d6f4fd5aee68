package mockbroker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
)

// maxListed is how many names an error lists (CloseClient's known client
// ids, CheckTransaction's known groups) before "… N more".
const maxListed = 20

// maxEchoed is how many bytes of a client-sent value an error, a log line
// or a journal remark quotes before "…(N bytes)".
const maxEchoed = 1 << 10

// WaitProducers waits until the group has exactly n producers (n = 0
// also waits for the group to go), or until ctx ends or the broker closes
// (the error then wraps ctx's error or ErrClosed). The error says what the
// group had.
//
// A producer joins its group with its first heartbeat to the broker, and
// clients heartbeat only to brokers their routes name, that is after their
// first send. rocketmq-client-go v2.1.2 heartbeats 1 s after Start, then
// every 30 s (fixed): a send right after Start shows the producer about
// 1 s after the send. The Java client heartbeats 1 s after start(), then
// every heartbeatBrokerInterval (30 s; setHeartbeatBrokerInterval lowers
// it). ali-ons heartbeats first after heartbeatBrokerInterval (30 s), then
// as often: set heartbeatBrokerInterval: 1000 in tests. No client can be
// told to heartbeat now. To avoid waiting, send first and wait on the
// message (WaitMessages: it shows at once), or wait on producers after a
// send with a timeout past the client's interval.
func (b *Broker) WaitProducers(ctx context.Context, group string, n int) error {
	err := b.records.WaitKey(ctx, groupKey(group), func(*recordState) bool { return b.producers.GroupLen(group) == n })
	if err == nil {
		return nil
	}
	got := b.Producers(group)
	return fmt.Errorf("waiting for %d producers in group %q, it has %d %v: %w", n, group, len(got), clientIDs(got), b.waitErr(err))
}

func clientIDs(ps []Producer) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ClientID
	}
	return ids
}

// LastMessages returns the newest n kept messages of topic ("" for every
// topic), oldest first, as Messages(topic)[len-n:] would, without copying
// the others.
func (b *Broker) LastMessages(topic string, n int) []Message {
	var out []Message
	b.records.View(func(st *recordState) {
		st.EachMessageNewest(topic, func(m *Message, clientID string) bool {
			if len(out) >= n {
				return false
			}
			out = append(out, m.export(clientID))
			return true
		})
	})
	slices.Reverse(out)
	return out
}

// TopicsDropped returns how many topics the per-topic counts let go to
// stay within WithTopicLimit, and how many messages those topics had.
func (b *Broker) TopicsDropped() (topics, messages int64) {
	b.records.View(func(st *recordState) { topics, messages = st.TopicsDropped() })
	return topics, messages
}

// SendCountsDropped returns how many closed connections' send counts were
// let go to stay within WithClosedSenderLimit, and how many messages they
// had counted.
func (b *Broker) SendCountsDropped() (connections, messages int64) {
	b.records.View(func(st *recordState) { connections, messages = st.SendCountsDropped() })
	return connections, messages
}

// CloseClient closes, from the broker's side, every connection on which
// the client id registered a producer or a consumer, so the broker's close
// path runs (the client leaves its groups once the close is processed, and
// the rest of each consumer group is told to rebalance). With no such
// connection the error wraps ErrUnknownClient.
func (b *Broker) CloseClient(clientID string) error {
	chans := b.channelsOf(clientID)
	if len(chans) == 0 {
		return errorOf(ErrUnknownClient, "mockbroker: no producer connection with client id %q (known: %s)",
			logsink.Truncate(clientID, maxEchoed), logsink.List(b.clientIDs(), maxListed, maxEchoed))
	}
	for _, ch := range chans {
		if err := ch.Close(); err != nil {
			return fmt.Errorf("mockbroker: closing %s of client %q: %w", ch.RemoteAddr(), clientID, err)
		}
	}
	return nil
}

// ExpireProducer drops the client's registration in a group now and closes
// its connection, as the scan does after 120 s of silence. If the group
// has no producer with the client id, the error wraps ErrUnknownProducer
// (and ErrUnknownGroup if the group does not exist).
func (b *Broker) ExpireProducer(group, clientID string) error {
	if b.producers.Expire(group, clientID) > 0 {
		return nil
	}
	kind := ErrUnknownProducer
	if _, ok := b.producers.Group(group); !ok {
		kind = errors.Join(ErrUnknownProducer, ErrUnknownGroup)
	}
	return errorOf(kind, "mockbroker: group %q has no producer with client id %q", group, clientID)
}

// Scan runs the expiry scan now and returns how many registrations it dropped.
func (b *Broker) Scan() int { return b.producers.ScanNotActiveChannel() }

// ScanInterval returns the period of the expiry scan (the every of
// WithScanInterval): Advance runs one scan per period it crosses.
func (b *Broker) ScanInterval() time.Duration { return b.cfg.scanInterval }

// Advance moves the virtual clock forward, running each scan that falls
// due on the way, then publishes EventClockAdvanced. It panics on a
// broker without WithVirtualClock.
func (b *Broker) Advance(d time.Duration) {
	if b.AdvanceClock(d) != nil {
		panic("mockbroker: Advance needs a broker started WithVirtualClock")
	}
}

// channelsOf returns the distinct channels the client id registered a
// producer or a consumer on.
func (b *Broker) channelsOf(clientID string) []producers.Channel {
	seen := map[producers.Channel]bool{}
	var out []producers.Channel
	for _, infos := range b.producers.ProducerTable() {
		for _, in := range infos {
			if in.ClientID == clientID && !seen[in.Channel] {
				seen[in.Channel] = true
				out = append(out, in.Channel)
			}
		}
	}
	for _, m := range b.consumers.ClientsByID(clientID) {
		if ch, ok := m.Client.Channel.(producers.Channel); ok && !seen[ch] {
			seen[ch] = true
			out = append(out, ch)
		}
	}
	return out
}

// clientIDs returns the client ids of every producer, sorted.
func (b *Broker) clientIDs() []string {
	seen := map[string]bool{}
	var out []string
	for _, infos := range b.producers.ProducerTable() {
		for _, in := range infos {
			if !seen[in.ClientID] {
				seen[in.ClientID] = true
				out = append(out, in.ClientID)
			}
		}
	}
	slices.Sort(out)
	return out
}
