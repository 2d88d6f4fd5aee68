package consumers

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// DefaultChannelExpiredTimeout is how long a consumer channel may go
// without a heartbeat before the scan removes it (4.9.8's
// CHANNEL_EXPIRED_TIMEOUT, 5.x's channelExpiredTimeout default).
const DefaultChannelExpiredTimeout = 120 * time.Second

// DefaultSubscriptionExpiredTimeout is 5.x's subscriptionExpiredTimeout:
// how long a compensated subscription lives after its subVersion.
const DefaultSubscriptionExpiredTimeout = 10 * time.Minute

// Options configure a Manager. The zero value imitates 5.3.3 with real
// time and no callback.
type Options struct {
	// Release picks the 4.9.8 or 5.x behaviour where they differ.
	Release protocol.Release
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ChannelExpiredTimeout; 0 means DefaultChannelExpiredTimeout.
	ChannelExpiredTimeout time.Duration
	// SubscriptionExpiredTimeout (5.x compensation table); 0 means
	// DefaultSubscriptionExpiredTimeout.
	SubscriptionExpiredTimeout time.Duration
	// DisableNotify is BrokerConfig notifyConsumerIdsChangedEnable=false:
	// no Notify events at all.
	DisableNotify bool
	// OnEvent receives every event, outside the manager's lock. It may
	// call the manager.
	OnEvent func(Event)
}

// Manager is the Java ConsumerManager. It is safe for concurrent use.
type Manager struct {
	opts Options

	mu           sync.Mutex
	groups       map[string]*group
	topicGroups  map[string]map[string]struct{} // 5.x topicGroupTable
	compensation map[string]*group              // 5.x consumerCompensationTable
}

// group is a ConsumerGroupInfo.
type group struct {
	name             string
	consumeType      ConsumeType
	messageModel     MessageModel
	consumeFromWhere ConsumeFromWhere
	lastUpdate       time.Time
	subs             map[string]Subscription
	chans            map[Channel]*ClientInfo
	order            []Channel // chans' keys in registration order
}

// New returns an empty manager.
func New(opts Options) *Manager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ChannelExpiredTimeout <= 0 {
		opts.ChannelExpiredTimeout = DefaultChannelExpiredTimeout
	}
	if opts.SubscriptionExpiredTimeout <= 0 {
		opts.SubscriptionExpiredTimeout = DefaultSubscriptionExpiredTimeout
	}
	return &Manager{
		opts:         opts,
		groups:       map[string]*group{},
		topicGroups:  map[string]map[string]struct{}{},
		compensation: map[string]*group{},
	}
}

func newGroup(name string, ct ConsumeType, mm MessageModel, cfw ConsumeFromWhere, now time.Time) *group {
	return &group{name: name, consumeType: ct, messageModel: mm, consumeFromWhere: cfw, lastUpdate: now,
		subs: map[string]Subscription{}, chans: map[Channel]*ClientInfo{}}
}

func (m *Manager) v5() bool { return m.opts.Release != protocol.Release498 }

// emit delivers events; the caller must not hold m.mu.
func (m *Manager) emit(evs []Event) {
	if m.opts.OnEvent == nil {
		return
	}
	for _, e := range evs {
		m.opts.OnEvent(e)
	}
}

// notify appends Java's CHANGE event for g when the broker-wide switch
// lets DefaultConsumerIdsChangeListener send it and there is someone to
// send it to. 5.x fires none for a BROADCASTING group (each of Java's
// call sites tests isBroadcastMode; they all do, so it is tested here).
func (m *Manager) notify(evs []Event, g *group) []Event {
	if m.opts.DisableNotify || len(g.order) == 0 || (m.v5() && g.messageModel == Broadcasting) {
		return evs
	}
	return append(evs, Event{Kind: Notify, Group: g.name, Channels: slices.Clone(g.order)})
}

// Register is registerConsumer: it records one consumerDataSet entry of a
// heartbeat and reports whether the group's channels or topics changed
// (r1 || r2). It fires Registered or Refreshed, then Notify when something
// changed, reg.NotifyEnabled is set and (5.x) the group is not
// BROADCASTING.
func (m *Manager) Register(reg Registration) bool {
	return m.register(reg, true)
}

// RegisterWithoutSub is 5.x registerConsumerWithoutSub (heartbeat V2 with
// an unchanged fingerprint): the channel is refreshed, the subscription
// table kept.
func (m *Manager) RegisterWithoutSub(reg Registration) bool {
	return m.register(reg, false)
}

func (m *Manager) register(reg Registration, updateSub bool) bool {
	m.mu.Lock()
	now := m.opts.Now()
	g := m.groups[reg.Group]
	if g == nil {
		g = newGroup(reg.Group, reg.ConsumeType, reg.MessageModel, reg.ConsumeFromWhere, now)
		m.groups[reg.Group] = g
	}
	if m.v5() {
		topics := reg.Subscriptions
		if !updateSub {
			topics = nil
			for _, s := range g.subs {
				topics = append(topics, s)
			}
		}
		for _, s := range topics {
			set := m.topicGroups[s.Topic]
			if set == nil {
				set = map[string]struct{}{}
				m.topicGroups[s.Topic] = set
			}
			// 5.3.3 adds the topic here (a bug fixed on master); the
			// fixed behaviour is what queryTopicConsumeByWho means.
			set[reg.Group] = struct{}{}
		}
	}
	info, r1 := g.updateChannel(reg, now)
	r2 := false
	if updateSub {
		r2 = g.updateSubscription(reg.Subscriptions, now)
	}
	kind := Refreshed
	if r1 {
		kind = Registered
	}
	evs := []Event{{Kind: kind, Group: g.name, Client: info, SubscriptionsChanged: r2}}
	if (r1 || r2) && reg.NotifyEnabled {
		evs = m.notify(evs, g)
	}
	m.mu.Unlock()
	m.emit(evs)
	return r1 || r2
}

// updateChannel is ConsumerGroupInfo.updateChannel: it returns the
// channel's info after the update and whether the channel is new.
func (g *group) updateChannel(reg Registration, now time.Time) (ClientInfo, bool) {
	g.consumeType, g.messageModel, g.consumeFromWhere = reg.ConsumeType, reg.MessageModel, reg.ConsumeFromWhere
	ch := reg.Client.Channel
	old := g.chans[ch]
	added := false
	if old == nil {
		c := reg.Client
		old = &c
		g.chans[ch] = old
		g.order = append(g.order, ch)
		added = true
	} else if old.ClientID != reg.Client.ClientID {
		// Java logs "[BUG] consumer channel exist in broker, but clientId
		// not equal" and replaces the info.
		c := reg.Client
		old = &c
		g.chans[ch] = old
	}
	g.lastUpdate = now
	old.LastUpdate = now
	return *old, added
}

// updateSubscription is ConsumerGroupInfo.updateSubscription: a new topic
// or a dropped one is a change; a higher subVersion replaces the entry
// without being one; an equal or lower one is ignored.
func (g *group) updateSubscription(subs []Subscription, now time.Time) bool {
	updated := false
	in := make(map[string]struct{}, len(subs))
	for _, s := range subs {
		in[s.Topic] = struct{}{}
		old, ok := g.subs[s.Topic]
		if !ok {
			g.subs[s.Topic] = s.clone()
			updated = true
		} else if s.SubVersion > old.SubVersion {
			g.subs[s.Topic] = s.clone()
		}
	}
	for t := range g.subs {
		if _, ok := in[t]; !ok {
			delete(g.subs, t)
			updated = true
		}
	}
	g.lastUpdate = now
	return updated
}

// removeChannel deletes ch from g and returns its info, or nil.
func (g *group) removeChannel(ch Channel) *ClientInfo {
	info := g.chans[ch]
	if info == nil {
		return nil
	}
	delete(g.chans, ch)
	if i := slices.Index(g.order, ch); i >= 0 {
		g.order = slices.Delete(g.order, i, i+1)
	}
	return info
}

// Unregister is unregisterConsumer (UNREGISTER_CLIENT with a
// consumerGroup): it removes ch from the group whatever client id the
// request named (Java matches by channel), drops the group when empty,
// and fires Notify to the rest when notifyEnabled (the group's config)
// is set, even when ch was not in the group; 5.x skips BROADCASTING
// groups.
func (m *Manager) Unregister(group string, ch Channel, notifyEnabled bool) {
	m.mu.Lock()
	g := m.groups[group]
	if g == nil {
		m.mu.Unlock()
		return
	}
	var evs []Event
	if info := g.removeChannel(ch); info != nil {
		evs = append(evs, Event{Kind: Unregistered, Group: group, Client: *info})
	}
	if len(g.chans) == 0 {
		delete(m.groups, group)
		m.clearTopicGroups(g)
		evs = append(evs, Event{Kind: GroupRemoved, Group: group})
	}
	if notifyEnabled {
		evs = m.notify(evs, g)
	}
	m.mu.Unlock()
	m.emit(evs)
}

// clearTopicGroups is 5.x clearTopicGroupTable for a removed group.
func (m *Manager) clearTopicGroups(g *group) {
	if !m.v5() {
		return
	}
	for t := range g.subs {
		if set := m.topicGroups[t]; set != nil {
			delete(set, g.name)
			if len(set) == 0 {
				delete(m.topicGroups, t)
			}
		}
	}
}

// ChannelClosed is doChannelCloseEvent (the connection closed, failed or
// went idle): ch leaves every group, empty groups are dropped, and the
// rest of each group it left gets Notify (5.x: not for BROADCASTING
// groups; the group-level notify switch does not apply). It reports
// whether ch was in any group.
func (m *Manager) ChannelClosed(ch Channel) bool {
	m.mu.Lock()
	// Only the groups holding ch change (every connection's close comes
	// here, a producer's too); they are visited in name order.
	var names []string
	for name, g := range m.groups {
		if g.chans[ch] != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var evs []Event
	for _, name := range names {
		g := m.groups[name]
		info := g.removeChannel(ch)
		evs = append(evs, Event{Kind: Closed, Group: name, Client: *info})
		if len(g.chans) == 0 {
			delete(m.groups, name)
			m.clearTopicGroups(g)
			evs = append(evs, Event{Kind: GroupRemoved, Group: name})
		}
		evs = m.notify(evs, g)
	}
	m.mu.Unlock()
	m.emit(evs)
	return len(names) > 0
}

// ScanNotActive is scanNotActiveChannel: every channel whose last
// heartbeat is more than the expiry timeout ago is removed and closed,
// with no notification to the rest of its group (Java sends none); empty
// groups are dropped. 5.x also expires compensated subscriptions. It
// returns the channels it closed.
func (m *Manager) ScanNotActive() []ClientInfo {
	m.mu.Lock()
	now := m.opts.Now()
	silent := func(c *ClientInfo) bool { return now.Sub(c.LastUpdate) > m.opts.ChannelExpiredTimeout }
	var expired []ClientInfo
	var evs []Event
	for _, name := range sortedKeys(m.groups) {
		expired, evs = m.expireLocked(m.groups[name], silent, expired, evs)
	}
	if m.v5() {
		m.removeExpiredCompensation(now)
	}
	m.mu.Unlock()
	m.closeExpired(expired, evs)
	return expired
}

// removeExpiredCompensation is 5.x removeExpireConsumerGroupInfo.
func (m *Manager) removeExpiredCompensation(now time.Time) {
	for name, g := range m.compensation {
		for t, s := range g.subs {
			if now.UnixMilli()-s.SubVersion > m.opts.SubscriptionExpiredTimeout.Milliseconds() {
				delete(g.subs, t)
				if len(g.subs) == 0 {
					delete(m.compensation, name)
				}
			}
		}
	}
}

// CompensateBasicInfo is 5.x compensateBasicConsumerInfo: remembers a
// group's consume type and model for consumers that send no heartbeat
// (pull and proxy consumers).
func (m *Manager) CompensateBasicInfo(group string, ct ConsumeType, mm MessageModel) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.compensationGroup(group)
	g.consumeType, g.messageModel = ct, mm
}

// CompensateSubscription is 5.x compensateSubscribeData.
func (m *Manager) CompensateSubscription(group, topic string, sub Subscription) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.compensationGroup(group).subs[topic] = sub.clone()
}

func (m *Manager) compensationGroup(name string) *group {
	g := m.compensation[name]
	if g == nil {
		g = newGroup(name, "", "", "", m.opts.Now())
		m.compensation[name] = g
	}
	return g
}

// FindChannel is findChannel(group, clientId): the first channel of the
// group, in registration order, with that client id.
func (m *Manager) FindChannel(group, clientID string) (ClientInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.groups[group]; g != nil {
		for _, ch := range g.order {
			if c := g.chans[ch]; c.ClientID == clientID {
				return *c, true
			}
		}
	}
	return ClientInfo{}, false
}

// FindChannelByConn is 5.x findChannel(group, channel).
func (m *Manager) FindChannelByConn(group string, ch Channel) (ClientInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.groups[group]; g != nil {
		if c := g.chans[ch]; c != nil {
			return *c, true
		}
	}
	return ClientInfo{}, false
}

// FindSubscription is findSubscriptionData: the group's subscription to
// topic; with fromCompensation (5.x) the compensation table answers when
// the live group has none.
func (m *Manager) FindSubscription(group, topic string, fromCompensation bool) (Subscription, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.groups[group]; g != nil {
		if s, ok := g.subs[topic]; ok {
			return s.clone(), true
		}
	}
	if fromCompensation && m.v5() {
		if g := m.compensation[group]; g != nil {
			if s, ok := g.subs[topic]; ok {
				return s.clone(), true
			}
		}
	}
	return Subscription{}, false
}

// SubscriptionCount is findSubscriptionDataCount.
func (m *Manager) SubscriptionCount(group string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.groups[group]; g != nil {
		return len(g.subs)
	}
	return 0
}

// Group is getConsumerGroupInfo(group): a snapshot of the live group.
func (m *Manager) Group(name string) (GroupInfo, bool) {
	return m.GroupInfo(name, false)
}

// GroupInfo is getConsumerGroupInfo(group, fromCompensationTable): with
// fromCompensation (5.x) a group known only from compensation is
// returned too (with no clients).
func (m *Manager) GroupInfo(name string, fromCompensation bool) (GroupInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[name]
	if g == nil && fromCompensation && m.v5() {
		g = m.compensation[name]
	}
	if g == nil {
		return GroupInfo{}, false
	}
	return g.snapshot(), true
}

func (g *group) snapshot() GroupInfo {
	gi := GroupInfo{Name: g.name, ConsumeType: g.consumeType, MessageModel: g.messageModel,
		ConsumeFromWhere: g.consumeFromWhere, LastUpdate: g.lastUpdate,
		Subscriptions: make(map[string]Subscription, len(g.subs)), Clients: make([]ClientInfo, 0, len(g.order))}
	for t, s := range g.subs {
		gi.Subscriptions[t] = s.clone()
	}
	for _, ch := range g.order {
		gi.Clients = append(gi.Clients, *g.chans[ch])
	}
	return gi
}

// ClientIDs is getAllClientId, what GET_CONSUMER_LIST_BY_GROUP (38)
// answers: in registration order. (Java iterates a ConcurrentHashMap keyed
// by Netty channels, whose hash codes are random, so its order is
// arbitrary; clients sort the list.) Nil for an unknown group.
func (m *Manager) ClientIDs(group string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[group]
	if g == nil {
		return nil
	}
	ids := make([]string, 0, len(g.order))
	for _, ch := range g.order {
		ids = append(ids, g.chans[ch].ClientID)
	}
	return ids
}

// Groups returns the live group names, sorted.
func (m *Manager) Groups() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return sortedKeys(m.groups)
}

// Membership is one group a channel belongs to.
type Membership struct {
	Group  string
	Client ClientInfo
}

// ClientsByID returns every group membership of connections with the
// given client id, by group name (for closing or expiring a client by id).
func (m *Manager) ClientsByID(clientID string) []Membership {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Membership
	for _, name := range sortedKeys(m.groups) {
		g := m.groups[name]
		for _, ch := range g.order {
			if c := g.chans[ch]; c.ClientID == clientID {
				out = append(out, Membership{Group: name, Client: *c})
			}
		}
	}
	return out
}

// QueryTopicConsumeByWho is queryTopicConsumeByWho: the groups consuming
// topic, in the order Java's HashSet<String> iterates them. 4.9.8 reads
// the live subscription tables; 5.x its topicGroupTable, which gains a
// group on every heartbeat naming the topic and loses it only when the
// group is removed by unregister or close (not by the expiry scan, nor
// when the group drops the topic).
func (m *Manager) QueryTopicConsumeByWho(topic string) []string {
	m.mu.Lock()
	var names []string
	if m.v5() {
		for g := range m.topicGroups[topic] {
			names = append(names, g)
		}
	} else {
		for name, g := range m.groups {
			if _, ok := g.subs[topic]; ok {
				names = append(names, name)
			}
		}
	}
	m.mu.Unlock()
	return protocol.JavaHashMapOrder(names, 0, protocol.JavaStringHash, strings.Compare)
}

// TopicsSubscribed returns every topic some live group subscribes to,
// sorted: the topics the broker should know (auto-created on
// subscription).
func (m *Manager) TopicsSubscribed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := map[string]struct{}{}
	for _, g := range m.groups {
		for t := range g.subs {
			set[t] = struct{}{}
		}
	}
	return sortedKeys(set)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
