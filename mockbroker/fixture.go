package mockbroker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/internal/strictjson"
	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/records"
	"github.com/rocketmock/rocketmock/protocol"
)

// ErrInvalidFixture is wrapped by every error about a fixture's content.
var ErrInvalidFixture = errors.New("invalid fixture")

// ErrFixtureConflict is wrapped by LoadFixture's error when a virtual
// producer's address is already loaded with another identity.
var ErrFixtureConflict = errors.New("fixture conflicts with the loaded state")

// Fixture is a broker state to preload: producer groups with virtual
// producers. Its JSON form is documented in fixtures/state/README.md:
//
//	{"groups": [{"name": "PG_orders", "producers": [
//	  {"clientId": "10.0.0.5@4242", "addr": "10.0.0.5:50001", "language": "JAVA",
//	   "version": "V4_9_8", "lastHeartbeatAge": "30s"}]}]}
type Fixture struct {
	// Description is free text for people reading the file.
	Description string         `json:"description,omitempty"`
	Groups      []FixtureGroup `json:"groups"`
	// Topics are created as UPDATE_AND_CREATE_TOPIC would ("topics").
	Topics []FixtureTopic `json:"topics,omitempty"`
	// SubscriptionGroups are created as UPDATE_AND_CREATE_SUBSCRIPTIONGROUP
	// would ("subscriptionGroups").
	SubscriptionGroups []FixtureSubscriptionGroup `json:"subscriptionGroups,omitempty"`
}

// FixtureTopic is a topic to preload; the counts default to the broker's
// queue count and perm to 6 (read+write).
type FixtureTopic struct {
	Name            string `json:"name"`
	ReadQueueNums   int32  `json:"readQueueNums,omitempty"`
	WriteQueueNums  int32  `json:"writeQueueNums,omitempty"`
	Perm            int32  `json:"perm,omitempty"`
	TopicFilterType string `json:"topicFilterType,omitempty"`
	TopicSysFlag    int32  `json:"topicSysFlag,omitempty"`
	Order           bool   `json:"order,omitempty"`
}

// FixtureSubscriptionGroup is a subscription group to preload; the fields
// left out keep SubscriptionGroupConfig's defaults.
type FixtureSubscriptionGroup struct {
	GroupName                    string `json:"groupName"`
	ConsumeEnable                *bool  `json:"consumeEnable,omitempty"`
	ConsumeFromMinEnable         *bool  `json:"consumeFromMinEnable,omitempty"`
	ConsumeBroadcastEnable       *bool  `json:"consumeBroadcastEnable,omitempty"`
	ConsumeMessageOrderly        *bool  `json:"consumeMessageOrderly,omitempty"`
	RetryQueueNums               *int32 `json:"retryQueueNums,omitempty"`
	RetryMaxTimes                *int32 `json:"retryMaxTimes,omitempty"`
	BrokerID                     *int64 `json:"brokerId,omitempty"`
	WhichBrokerWhenConsumeSlowly *int64 `json:"whichBrokerWhenConsumeSlowly,omitempty"`
}

// Config is the group's config: the defaults with the given fields set.
func (g FixtureSubscriptionGroup) Config() GroupConfig {
	c := DefaultGroupConfig(g.GroupName)
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.ConsumeEnable, g.ConsumeEnable)
	set(&c.ConsumeFromMinEnable, g.ConsumeFromMinEnable)
	set(&c.ConsumeBroadcastEnable, g.ConsumeBroadcastEnable)
	set(&c.ConsumeMessageOrderly, g.ConsumeMessageOrderly)
	if g.RetryQueueNums != nil {
		c.RetryQueueNums = *g.RetryQueueNums
	}
	if g.RetryMaxTimes != nil {
		c.RetryMaxTimes = *g.RetryMaxTimes
	}
	if g.BrokerID != nil {
		c.BrokerID = *g.BrokerID
	}
	if g.WhichBrokerWhenConsumeSlowly != nil {
		c.WhichBrokerWhenConsumeSlowly = *g.WhichBrokerWhenConsumeSlowly
	}
	return c
}

// FixtureGroup is one producer group. A group without producers is loaded
// as an empty group, the state a 4.9.8 broker keeps after its last producer
// left (in 5.x mode the next scan removes it).
type FixtureGroup struct {
	Name      string            `json:"name"`
	Producers []FixtureProducer `json:"producers,omitempty"`
}

// FixtureProducer is one virtual producer connection. Producers with the
// same Addr are one connection, registered in each of their groups, as a
// real client registers all its groups on one connection.
type FixtureProducer struct {
	ClientID string                // "clientId", required
	Addr     string                // "addr": the client's "ip:port", required
	Language protocol.LanguageCode // "language": Java enum name, required
	Version  protocol.MQVersion    // "version": MQVersion name ("V4_9_8") or ordinal (409), required
	// LastHeartbeatAge is how long before the load the producer last sent
	// a heartbeat ("lastHeartbeatAge": a Go duration such as "90s", default 0).
	LastHeartbeatAge time.Duration
}

// fixtureProducerJSON is the JSON form of FixtureProducer.
type fixtureProducerJSON struct {
	ClientID         string          `json:"clientId"`
	Addr             string          `json:"addr"`
	Language         *string         `json:"language"`
	Version          json.RawMessage `json:"version"`
	LastHeartbeatAge string          `json:"lastHeartbeatAge,omitempty"`
}

// MarshalJSON writes the producer in the fixture file format.
func (p FixtureProducer) MarshalJSON() ([]byte, error) {
	lang := p.Language.String()
	v := fixtureProducerJSON{ClientID: p.ClientID, Addr: p.Addr, Language: &lang}
	v.Version, _ = json.Marshal(p.Version.String())
	if p.LastHeartbeatAge != 0 {
		v.LastHeartbeatAge = p.LastHeartbeatAge.String()
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads the producer from the fixture file format, checking
// the language, version and age; ParseFixture checks the rest.
func (p *FixtureProducer) UnmarshalJSON(data []byte) error {
	var v fixtureProducerJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	out := FixtureProducer{ClientID: v.ClientID, Addr: v.Addr}
	if v.Language == nil {
		return &fieldError{"language", errors.New("missing: want a Java LanguageCode name such as \"JAVA\" or \"GO\"")}
	}
	lang, ok := protocol.ParseLanguage(*v.Language)
	if !ok {
		return &fieldError{"language", fmt.Errorf("%q is not a Java LanguageCode name (JAVA, CPP, DOTNET, PYTHON, GO, RUST, NODE_JS, ...)", *v.Language)}
	}
	out.Language = lang
	ver, err := parseFixtureVersion(v.Version)
	if err != nil {
		return &fieldError{"version", err}
	}
	out.Version = ver
	if v.LastHeartbeatAge != "" {
		d, err := time.ParseDuration(v.LastHeartbeatAge)
		if err != nil || d < 0 {
			return &fieldError{"lastHeartbeatAge", fmt.Errorf("%q: want a non-negative Go duration such as \"30s\" or \"2m1s\"", v.LastHeartbeatAge)}
		}
		out.LastHeartbeatAge = d
	}
	*p = out
	return nil
}

// parseFixtureVersion reads an MQVersion name ("V4_9_8") or ordinal (409).
func parseFixtureVersion(raw json.RawMessage) (protocol.MQVersion, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, errors.New("missing: want an MQVersion name such as \"V4_9_8\" or its ordinal such as 409")
	}
	var n int32
	if err := json.Unmarshal(raw, &n); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%d: want a non-negative MQVersion ordinal", n)
		}
		return protocol.MQVersion(n), nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return 0, fmt.Errorf("%s: want an MQVersion name such as \"V4_9_8\" or an ordinal such as 409", raw)
	}
	for v := protocol.MQVersion(0); v <= protocol.HigherVersion; v++ {
		if v.String() == name {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%q is not an MQVersion name (such as \"V4_9_8\" or \"V5_3_3\")", name)
}

// fieldError names the JSON field a producer error is about.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// ParseFixture decodes and checks a fixture in its JSON form. Unknown
// fields are errors (they are usually typos); every error wraps
// ErrInvalidFixture and says where the problem is.
func ParseFixture(data []byte) (*Fixture, error) {
	var raw struct {
		Description        string                     `json:"description"`
		Groups             []json.RawMessage          `json:"groups"`
		Topics             []FixtureTopic             `json:"topics"`
		SubscriptionGroups []FixtureSubscriptionGroup `json:"subscriptionGroups"`
	}
	if err := strictjson.Decode(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFixture, strictjson.Describe(data, err))
	}
	if raw.Groups == nil && raw.Topics == nil && raw.SubscriptionGroups == nil {
		return nil, fmt.Errorf("%w: \"groups\" is missing: want {\"groups\": [{\"name\": ..., \"producers\": [...]}]}", ErrInvalidFixture)
	}
	f := &Fixture{Description: raw.Description, Groups: make([]FixtureGroup, len(raw.Groups)),
		Topics: raw.Topics, SubscriptionGroups: raw.SubscriptionGroups}
	for i, g := range raw.Groups {
		var rg struct {
			Name      string            `json:"name"`
			Producers []json.RawMessage `json:"producers"`
		}
		if err := strictjson.Decode(g, &rg); err != nil {
			return nil, fmt.Errorf("%w: groups[%d]: %v", ErrInvalidFixture, i, strictjson.Describe(nil, err))
		}
		f.Groups[i].Name = rg.Name
		for j, p := range rg.Producers {
			var fp FixtureProducer
			if err := strictjson.Decode(p, &fp); err != nil {
				return nil, fmt.Errorf("%w: groups[%d].producers[%d]%s", ErrInvalidFixture, i, j, producerProblem(err))
			}
			f.Groups[i].Producers = append(f.Groups[i].Producers, fp)
		}
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// producerProblem formats a producer's decoding error to follow its path:
// ".field: reason" or ": reason".
func producerProblem(err error) string {
	var fe *fieldError
	if errors.As(err, &fe) {
		return "." + fe.Error()
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "." + strictjson.Describe(nil, err)
	}
	return ": " + strictjson.Describe(nil, err)
}

// ReadFixture reads and parses a fixture file.
func ReadFixture(path string) (*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading fixture: %w", err)
	}
	f, err := ParseFixture(data)
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", path, err)
	}
	return f, nil
}

// Validate checks what the JSON types cannot: required fields, addresses,
// duplicate groups, and that producers sharing an address agree on who
// they are. Errors wrap ErrInvalidFixture.
func (f *Fixture) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidFixture}, args...)...)
	}
	groups := map[string]int{}
	first := map[string]string{} // addr → path of its first appearance
	who := map[string]FixtureProducer{}
	for i, g := range f.Groups {
		if g.Name == "" {
			return bad("groups[%d].name: missing", i)
		}
		if j, dup := groups[g.Name]; dup {
			return bad("groups[%d].name: %q is also groups[%d]; list each group once", i, g.Name, j)
		}
		groups[g.Name] = i
		inGroup := map[string]bool{}
		for j, p := range g.Producers {
			path := fmt.Sprintf("groups[%d].producers[%d]", i, j)
			if p.ClientID == "" {
				return bad("%s.clientId: missing", path)
			}
			host, port, err := net.SplitHostPort(p.Addr)
			if err != nil || net.ParseIP(host) == nil || port == "" {
				return bad("%s.addr: %q: want the client's \"ip:port\", such as \"10.0.0.5:50001\"", path, p.Addr)
			}
			if !p.Language.Known() {
				return bad("%s.language: %d is not a Java LanguageCode", path, p.Language)
			}
			if p.Version < 0 {
				return bad("%s.version: %d: want a non-negative MQVersion ordinal", path, p.Version)
			}
			if p.LastHeartbeatAge < 0 {
				return bad("%s.lastHeartbeatAge: %v: want a non-negative age", path, p.LastHeartbeatAge)
			}
			if inGroup[p.Addr] {
				return bad("%s.addr: %q appears twice in group %q (one connection registers once per group)", path, p.Addr, g.Name)
			}
			inGroup[p.Addr] = true
			if w, seen := who[p.Addr]; seen {
				if w.ClientID != p.ClientID || w.Language != p.Language || w.Version != p.Version {
					return bad("%s: addr %q is one connection with %s, which says clientId %q, language %s, version %s; these must match",
						path, p.Addr, first[p.Addr], w.ClientID, w.Language, w.Version)
				}
				continue
			}
			who[p.Addr], first[p.Addr] = p, path
		}
	}
	topics := map[string]int{}
	for i, t := range f.Topics {
		if remark := validateTopic(t.Name); remark != "" {
			return bad("topics[%d].name: %q: %s", i, t.Name, remark)
		}
		if j, dup := topics[t.Name]; dup {
			return bad("topics[%d].name: %q is also topics[%d]; list each topic once", i, t.Name, j)
		}
		topics[t.Name] = i
		if t.ReadQueueNums < 0 || t.WriteQueueNums < 0 || t.Perm < 0 || t.Perm > 7 {
			return bad("topics[%d]: queue counts %d/%d and perm %d: want counts >= 0 and a perm 0-7", i, t.ReadQueueNums, t.WriteQueueNums, t.Perm)
		}
		if t.TopicFilterType != "" && t.TopicFilterType != "SINGLE_TAG" && t.TopicFilterType != "MULTI_TAG" {
			return bad("topics[%d].topicFilterType: %q: want SINGLE_TAG or MULTI_TAG", i, t.TopicFilterType)
		}
	}
	subs := map[string]int{}
	for i, g := range f.SubscriptionGroups {
		if !validGroupName(g.GroupName) {
			return bad("subscriptionGroups[%d].groupName: %q: want 1-255 of [%%|a-zA-Z0-9_-]", i, g.GroupName)
		}
		if j, dup := subs[g.GroupName]; dup {
			return bad("subscriptionGroups[%d].groupName: %q is also subscriptionGroups[%d]; list each group once", i, g.GroupName, j)
		}
		subs[g.GroupName] = i
	}
	return nil
}

// Counts returns how many groups and distinct producer connections f holds.
func (f *Fixture) Counts() (groups, connections int) {
	addrs := map[string]bool{}
	for _, g := range f.Groups {
		for _, p := range g.Producers {
			addrs[p.Addr] = true
		}
	}
	return len(f.Groups), len(addrs)
}

// LoadFixture registers the fixture's groups and virtual producers. A
// producer's last heartbeat is the broker's clock (virtual or real) minus
// its age; from then on it ages, expires and closes like a real one, and
// 204 and 328 report it. Loading a producer whose address is already
// loaded as a virtual producer refreshes its last heartbeat instead of
// adding a second connection, so loading a fixture twice is harmless. The
// fixture is checked in full before anything changes, and a load is one
// step: concurrent loads of one fixture register each producer once.
func (b *Broker) LoadFixture(f *Fixture) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if b.closed.Load() {
		return ErrClosed
	}
	b.fixtureMu.Lock()
	defer b.fixtureMu.Unlock()
	for i, t := range f.Topics {
		if b.systemTopic(t.Name) {
			return fmt.Errorf("%w: topics[%d].name: %q is a system topic", ErrInvalidFixture, i, t.Name)
		}
	}
	loaded := b.virtualChannels()
	for i, g := range f.Groups {
		for j, p := range g.Producers {
			vc := loaded[p.Addr]
			if vc == nil {
				continue
			}
			if vc.clientID != p.ClientID || vc.language != p.Language || vc.version != p.Version {
				return fmt.Errorf("%w: groups[%d].producers[%d]: addr %q is already loaded as clientId %q, language %s, version %s; reset or close that client first",
					ErrFixtureConflict, i, j, p.Addr, vc.clientID, vc.language, vc.version)
			}
		}
	}
	for _, t := range f.Topics {
		if err := b.CreateTopic(TopicConfig(t)); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidFixture, err)
		}
	}
	for _, g := range f.SubscriptionGroups {
		if err := b.CreateGroup(g.Config()); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidFixture, err)
		}
	}
	now := b.Now()
	for _, g := range f.Groups {
		if len(g.Producers) == 0 {
			b.producers.AddGroup(g.Name)
			continue
		}
		for _, p := range g.Producers {
			vc := loaded[p.Addr]
			if vc == nil {
				vc = &virtualChannel{pm: b.producers, addr: p.Addr, clientID: p.ClientID, language: p.Language, version: p.Version}
				vc.active.Store(true)
				loaded[p.Addr] = vc
			}
			b.producers.RegisterAt(g.Name, producers.ClientChannelInfo{
				Channel: vc, ClientID: p.ClientID, Language: p.Language, Version: int32(p.Version),
				LastUpdate: now.Add(-p.LastHeartbeatAge),
			})
		}
	}
	return nil
}

// virtualChannels returns the open virtual channels in the producer table
// by address.
func (b *Broker) virtualChannels() map[string]*virtualChannel {
	out := map[string]*virtualChannel{}
	for _, infos := range b.producers.ProducerTable() {
		for _, in := range infos {
			if vc, ok := in.Channel.(*virtualChannel); ok && vc.IsActive() {
				out[vc.addr] = vc
			}
		}
	}
	return out
}

// virtualChannel is a fixture's producer connection: it exists only in the
// producer table. Closing it runs the close path at once, as a real
// connection's close event would, so CloseClient, ExpireProducer and the
// scan treat it like a real one. Writes to it go nowhere.
type virtualChannel struct {
	pm       *producers.Manager
	addr     string
	clientID string
	language protocol.LanguageCode
	version  protocol.MQVersion
	active   atomic.Bool
}

func (v *virtualChannel) RemoteAddr() string { return v.addr }
func (v *virtualChannel) IsActive() bool     { return v.active.Load() }
func (v *virtualChannel) IsWritable() bool   { return v.active.Load() }

// Close marks the channel closed and removes it from every group
// (DoChannelCloseEvent), synchronously.
func (v *virtualChannel) Close() error {
	if v.active.CompareAndSwap(true, false) {
		v.pm.DoChannelCloseEvent(v.addr, v)
	}
	return nil
}

// Reset brings the broker back to the state of a fresh start, as a broker
// restart would: it removes every interception, closes every client
// connection (real clients see the close, reconnect and register again with
// their next heartbeat, as after a restart), drops every virtual producer,
// removes the groups left empty, and once the close path has run for every
// connection it closed, forgets the recorded messages, send counts,
// END_TRANSACTIONs and the journal. The clock and the broker's options are
// kept: time never goes backwards. Connections opened while Reset runs are
// left alone.
func (b *Broker) Reset(ctx context.Context) error {
	if b.closed.Load() {
		return fmt.Errorf("resetting: %w", ErrClosed)
	}
	b.ClearInterceptions()
	b.connsMu.Lock()
	old := make([]*conn, 0, len(b.conns))
	for c := range b.conns {
		old = append(old, c)
	}
	b.connsMu.Unlock()
	for _, c := range old {
		if err := c.Close(); err != nil {
			b.log.Debug("reset: closing a connection", "remote", c.addr, "err", err)
		}
	}
	for _, vc := range b.virtualChannels() {
		_ = vc.Close()
	}
	// A gnet close is processed on the event loop; OnClose then runs the
	// producer close path and tells the records (connClosed).
	left := 0
	err := b.records.Wait(ctx, func(st *recordState) bool {
		left = 0
		for _, c := range old {
			if st.Open(c.id) {
				left++
			}
		}
		return left == 0
	})
	switch {
	case errors.Is(err, records.ErrClosed):
		return fmt.Errorf("resetting: %w", ErrClosed)
	case err != nil:
		return fmt.Errorf("resetting: %d of %d connections still open: %w", left, len(old), err)
	}
	b.producers.RemoveEmptyGroups()
	b.ClearMessages()
	b.ClearJournal()
	return nil
}
