// Package producers mirrors the Java broker's ProducerManager: the table of
// producer groups and their channels, with the close, unregister and expiry
// rules of 4.9.8 and 5.x. It works over a small Channel interface, so it is
// unit-testable without sockets and fixtures can add virtual channels.
package producers

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/protocol"
)

// DefaultExpiry is how long a producer may stay silent before the
// scan drops it (Java CHANNEL_EXPIRED_TIMEOUT, hard-coded there).
const DefaultExpiry = 120 * time.Second

// availableChannelTries is Java's GET_AVAILABLE_CHANNEL_RETRY_COUNT.
const availableChannelTries = 3

// positiveMask is Java PositiveAtomicCounter's MASK.
const positiveMask = 0x7FFFFFFF

// Channel is one client connection as Manager sees it.
//
// Implementations must be comparable (in practice pointers): a Channel is a
// map key. Manager never calls a Channel method while holding its
// own lock, so an implementation may call back into the manager from any of
// them, Close included.
type Channel interface {
	// RemoteAddr returns the peer "ip:port", without a leading slash.
	RemoteAddr() string
	// IsActive reports whether the connection is open (Netty isActive).
	IsActive() bool
	// IsWritable reports whether a write would be accepted now (Netty isWritable).
	IsWritable() bool
	// Close asks the connection to close. Its close event reaches
	// DoChannelCloseEvent later, or synchronously from inside Close.
	Close() error
}

// ClientChannelInfo is one producer entry: a channel in a group. Channel,
// ClientID, Language and Version are fixed by the first registration of the
// channel in the group; heartbeats only refresh LastUpdate.
type ClientChannelInfo struct {
	Channel    Channel
	ClientID   string
	Language   protocol.LanguageCode
	Version    int32
	LastUpdate time.Time
}

// String formats the entry like Java's ClientChannelInfo.toString, with the
// channel shown as its remote address.
func (c ClientChannelInfo) String() string {
	addr := "null"
	if c.Channel != nil {
		addr = c.Channel.RemoteAddr()
	}
	return c.describe(addr)
}

func (c ClientChannelInfo) describe(addr string) string {
	return fmt.Sprintf("ClientChannelInfo [channel=%s, clientId=%s, language=%s, version=%d, lastUpdateTimestamp=%d]",
		addr, logsink.Truncate(c.ClientID, logsink.DefaultMaxValue), c.Language, c.Version, c.LastUpdate.UnixMilli())
}

// EventKind says what happened to a producer entry or group.
type EventKind int

// Producer event kinds. Java 5.x fires CLIENT_UNREGISTER for Unregistered,
// Closed and Expired, and GROUP_UNREGISTER for GroupRemoved; Registered and
// Refreshed have no Java event (only the "new producer connected" log).
const (
	EventRegistered   EventKind = iota + 1 // a channel joined a group
	EventRefreshed                         // a heartbeat refreshed an existing entry
	EventUnregistered                      // UNREGISTER_CLIENT removed the entry
	EventClosed                            // the channel closed (DoChannelCloseEvent)
	EventExpired                           // the scan (or an Expire hook) dropped a silent entry
	EventGroupRemoved                      // the group left the table
)

var eventNames = [...]string{
	EventRegistered:   "registered",
	EventRefreshed:    "refreshed",
	EventUnregistered: "unregistered",
	EventClosed:       "closed",
	EventExpired:      "expired",
	EventGroupRemoved: "group-removed",
}

// String returns the kind's lower-case name.
func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event reports one change of the producer table. For
// EventGroupRemoved only Kind, Group and Time are set.
type Event struct {
	Kind       EventKind
	Group      string
	ClientID   string
	RemoteAddr string
	Channel    Channel
	Time       time.Time
}

// Config configures a Manager.
type Config struct {
	// Now is the clock, real or virtual; nil means time.Now. It is never
	// called with the manager's lock held.
	Now func() time.Time
	// Expiry is how long an entry may go without a heartbeat before the
	// scan drops it; 0 means DefaultExpiry.
	Expiry time.Duration
	// Release is the broker release the manager mirrors (default 5.x); with
	// protocol.Release498 closing and expiry leave emptied groups in place,
	// and the scan removes a clientID from the client table even when it
	// maps to another channel.
	Release protocol.Release
	// OnEvent, if set, receives every event, one call at a time, in the
	// order the changes were made, and without the manager's lock held (it
	// may call back into the manager). An event may be delivered by another
	// goroutine that is already delivering, so it can arrive just after the
	// method that caused it has returned.
	OnEvent func(Event)
	// Logger receives Java-like log lines; nil discards them.
	Logger *slog.Logger
}

// Manager is the broker's table of producer groups and their
// channels. It mirrors org.apache.rocketmq.broker.client.ProducerManager of
// 5.x (HEAD), or of 4.9.8 with Config.Release; each method
// names the Java method it mirrors, and rules where the versions differ are
// marked "5.x:" and "4.9.8:" (see shared/docs/wire-spec.md section 6).
// It is safe for concurrent use.
type Manager struct {
	now     func() time.Time
	expiry  time.Duration
	v498    bool // mirrors the 4.9.8 class (see Config.Release)
	keep    bool // emptied groups stay (Release.KeepsEmptiedProducerGroups)
	onEvent func(Event)
	log     *slog.Logger

	// counter is Java's PositiveAtomicCounter (masked on read).
	counter atomic.Uint32

	mu sync.Mutex
	// groups is Java's groupChannelTable.
	groups map[string]*producerGroup
	// clients is Java's clientChannelTable: clientID → channel of the
	// latest new entry registered with that clientID.
	clients map[string]Channel
	// pending holds log lines and events not yet delivered, in state order.
	pending  []producerNotice
	draining bool
	// scanning counts the scans in progress: a heartbeat delivering
	// notices then hands delivery over to the scan (see expire).
	scanning int
	// spare is a delivered batch's array, reused for the next notices so
	// a heartbeat does not allocate a new one.
	spare []producerNotice
}

// producerEntry is the stored ClientChannelInfo. Entries created by one
// RegisterProducers call are shared by all its groups, as Java shares the
// one ClientChannelInfo a heartbeat builds.
type producerEntry struct {
	info ClientChannelInfo
	addr string // info.Channel.RemoteAddr(), read once outside the lock
}

// producerGroup is one group's channel map. order keeps the entries in
// registration order, which stands in for Java's map key order; walks go
// through it rather than the map.
type producerGroup struct {
	entries map[Channel]*producerEntry
	order   []*producerEntry
}

func newProducerGroup() *producerGroup {
	return &producerGroup{entries: make(map[Channel]*producerEntry)}
}

func (g *producerGroup) add(ch Channel, e *producerEntry) {
	g.entries[ch] = e
	g.order = append(g.order, e)
}

func (g *producerGroup) remove(ch Channel) *producerEntry {
	e := g.entries[ch]
	if e == nil {
		return nil
	}
	delete(g.entries, ch)
	if i := slices.Index(g.order, e); i >= 0 {
		g.order = slices.Delete(g.order, i, i+1)
	}
	return e
}

func (g *producerGroup) snapshot() []ClientChannelInfo {
	out := make([]ClientChannelInfo, 0, len(g.order))
	for _, e := range g.order {
		out = append(out, e.info)
	}
	return out
}

type producerNotice struct {
	level slog.Level
	msg   string // "" when there is nothing to log
	event Event  // Kind 0 when there is no event
}

// New returns an empty manager.
func New(cfg Config) *Manager {
	pm := &Manager{
		now:     cfg.Now,
		expiry:  cfg.Expiry,
		v498:    cfg.Release == protocol.Release498,
		keep:    cfg.Release.KeepsEmptiedProducerGroups(),
		onEvent: cfg.OnEvent,
		log:     cfg.Logger,
		groups:  make(map[string]*producerGroup),
		clients: make(map[string]Channel),
	}
	if pm.now == nil {
		pm.now = time.Now
	}
	if pm.expiry <= 0 {
		pm.expiry = DefaultExpiry
	}
	if pm.log == nil {
		pm.log = slog.New(slog.DiscardHandler)
	}
	return pm
}

// RegisterProducer adds info.Channel to group, or refreshes its entry's
// LastUpdate if it is already there (Java registerProducer). info.LastUpdate
// is ignored: a new entry gets Now().
func (pm *Manager) RegisterProducer(group string, info ClientChannelInfo) {
	pm.register([]string{ValidName(group)}, info, time.Time{})
}

// RegisterProducers registers info in each group the way one HEART_BEAT
// does: the new entries it creates share one ClientChannelInfo, so a later
// refresh through any of these groups refreshes them all (Java builds one
// ClientChannelInfo per heartbeat and stores that object in every group).
func (pm *Manager) RegisterProducers(groups []string, info ClientChannelInfo) {
	pm.register(validNames(groups), info, time.Time{})
}

// RegisterAt is a fixture hook: it registers info in group like
// RegisterProducer but sets LastUpdate to info.LastUpdate (Now() if zero),
// both for a new entry and for an existing one, so virtual producers can be
// preloaded with any age.
func (pm *Manager) RegisterAt(group string, info ClientChannelInfo) {
	at := info.LastUpdate
	if at.IsZero() {
		at = pm.now()
	}
	pm.register([]string{ValidName(group)}, info, at)
}

// register mirrors Java registerProducer for each group. A zero at means
// "now". A nil channel is ignored (Java would throw).
//
// The 5.x gate (enableRegisterProducer=false && rejectTransactionMessage=true:
// refresh only, never add) is off by default and not mirrored.
func (pm *Manager) register(groups []string, info ClientChannelInfo, at time.Time) {
	if info.Channel == nil {
		return
	}
	info = validInfo(info)
	addr := info.Channel.RemoteAddr()
	now := pm.now()
	if at.IsZero() {
		at = now
	}
	pm.mu.Lock()
	var shared *producerEntry
	var lines lineBurst
	for _, group := range groups {
		g := pm.groups[group]
		if g == nil {
			g = newProducerGroup()
			pm.groups[group] = g
		}
		if found := g.entries[info.Channel]; found != nil {
			// Existing entry: only the timestamp changes; the first
			// registration fixed clientID, language and version.
			found.info.LastUpdate = at
			pm.noteLocked(pm.event(EventRefreshed, group, found, now))
			continue
		}
		if shared == nil {
			e := info
			e.LastUpdate = at
			shared = &producerEntry{info: e, addr: addr}
		}
		g.add(info.Channel, shared)
		// clientChannelTable is written only when a new entry is created.
		pm.clients[info.ClientID] = info.Channel
		pm.burstLocked(&lines, slog.LevelInfo, "new producer connected, group: %s channel: %s", short(group), entryText{shared})
		pm.noteLocked(pm.event(EventRegistered, group, shared, now))
	}
	if shared != nil {
		pm.burstEndLocked(&lines, slog.LevelInfo, "new producer connected, %d more groups, channel: %s", entryText{shared})
	}
	pm.mu.Unlock()
	pm.drain()
}

// UnregisterProducer removes info.Channel from group (Java
// unregisterProducer, for UNREGISTER_CLIENT). Rules, the same in 4.9.8 and
// 5.x:
//   - nothing at all happens unless the group exists and is non-empty (so an
//     empty 4.9.8 group is never removed this way);
//   - clientChannelTable[info.ClientID] is removed unconditionally, even if
//     the channel was not in the group or the ID maps to another channel;
//   - a group left empty is removed, in 4.9.8 too.
//
// The Unregistered event carries the caller's info (ClientID of the
// request), as Java passes the request's ClientChannelInfo to its listener.
func (pm *Manager) UnregisterProducer(group string, info ClientChannelInfo) {
	if info.Channel == nil {
		return
	}
	group, info = ValidName(group), validInfo(info)
	addr := info.Channel.RemoteAddr()
	now := pm.now()
	if info.LastUpdate.IsZero() {
		info.LastUpdate = now
	}
	req := &producerEntry{info: info, addr: addr}
	pm.mu.Lock()
	g := pm.groups[group]
	if g != nil && len(g.order) > 0 {
		old := g.remove(info.Channel)
		delete(pm.clients, info.ClientID)
		if old != nil {
			pm.logLocked(slog.LevelInfo, "unregister a producer[%s] from groupChannelTable %s", group, entryText{req})
			pm.noteLocked(pm.event(EventUnregistered, group, req, now))
		}
		if len(g.order) == 0 {
			delete(pm.groups, group)
			pm.noteLocked(Event{Kind: EventGroupRemoved, Group: group, Time: now})
			pm.logLocked(slog.LevelInfo, "unregister a producer group[%s] from groupChannelTable", group)
		}
	}
	pm.mu.Unlock()
	pm.drain()
}

// DoChannelCloseEvent removes ch from every group (Java doChannelCloseEvent,
// called on a connection's CLOSE, EXCEPTION and IDLE events) and reports
// whether any entry was removed. For each removed entry the entry's
// clientID is dropped from the client table unconditionally (even if it now
// maps to a newer channel).
//
// 5.x: a group emptied by this removal is removed. 4.9.8: it stays, empty.
func (pm *Manager) DoChannelCloseEvent(remoteAddr string, ch Channel) bool {
	if ch == nil {
		return false
	}
	now := pm.now()
	removed := false
	pm.mu.Lock()
	// Only the groups holding ch change; they are visited in name order.
	var names []string
	for name, g := range pm.groups {
		if g.entries[ch] != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var lines, groupLines lineBurst
	var last *producerEntry
	for _, name := range names {
		g := pm.groups[name]
		e := g.remove(ch)
		last = e
		delete(pm.clients, e.info.ClientID)
		removed = true
		pm.burstLocked(&lines, slog.LevelInfo, "NETTY EVENT: remove channel[%s][%s] from ProducerManager groupChannelTable, producer group: %s",
			entryText{e}, remoteAddr, short(name))
		pm.noteLocked(pm.event(EventClosed, name, e, now))
		if !pm.keep && len(g.order) == 0 {
			delete(pm.groups, name)
			pm.burstLocked(&groupLines, slog.LevelInfo, "unregister a producer group[%s] from groupChannelTable", short(name))
			pm.noteLocked(Event{Kind: EventGroupRemoved, Group: name, Time: now})
		}
	}
	if last != nil {
		pm.burstEndLocked(&lines, slog.LevelInfo, "NETTY EVENT: remove channel from %d more producer groups, channel: %s", entryText{last})
		pm.burstEndLocked(&groupLines, slog.LevelInfo, "unregister %d more producer groups from groupChannelTable")
	}
	pm.mu.Unlock()
	pm.drain()
	return removed
}

// ScanNotActiveChannel drops every entry whose last heartbeat is more than
// Expiry old, closes their channels, and returns how many entries it
// dropped (Java scanNotActiveChannel, run every 10 s by
// ClientHousekeepingService). Ages are compared in whole milliseconds and
// strictly, as Java does: an entry exactly Expiry old stays.
//
// 5.x: the dropped clientID leaves the client table only if it still maps
// to the dropped channel; after the pass over a group, the group is removed
// if it is empty, including a group that was already empty. 4.9.8: the
// clientID is removed unconditionally and empty groups stay.
//
// A scan that drops many entries lets the lock go after every
// expireChunk (2,048) of them, so requests are served meanwhile. Channels
// are closed after the table is updated and the events are delivered,
// without the lock held; each distinct channel is closed once.
// The close event that follows (DoChannelCloseEvent) removes the channel
// from the groups where it was still fresh.
func (pm *Manager) ScanNotActiveChannel() int {
	now := pm.now()
	limit := pm.expiry.Milliseconds()
	return pm.expire(now, true, func(_ string, e *producerEntry) bool {
		return now.UnixMilli()-e.info.LastUpdate.UnixMilli() > limit
	})
}

// ExpireChannel is a test hook: it drops every entry of ch right now, as if
// the scan had found them all expired (EventExpired, same table rules), then
// closes ch. It returns how many entries it dropped; with none, ch is not
// closed.
func (pm *Manager) ExpireChannel(ch Channel) int {
	if ch == nil {
		return 0
	}
	return pm.expire(pm.now(), false, func(_ string, e *producerEntry) bool {
		return e.info.Channel == ch
	})
}

// Expire is a test hook: it drops the entries of group whose ClientID is
// clientID right now, exactly as the scan would, and closes their channels.
// It returns how many entries it dropped.
func (pm *Manager) Expire(group, clientID string) int {
	group, clientID = ValidName(group), ValidName(clientID)
	return pm.expire(pm.now(), false, func(name string, e *producerEntry) bool {
		return name == group && e.info.ClientID == clientID
	})
}

// expireChunk is how many entries expire drops before it lets the lock go
// for a moment.
const expireChunk = 2048

// yieldEvery is how many notices drain delivers, or channels a scan
// closes, before it yields the processor: with GOMAXPROCS at 2, a long
// delivery on one P and the garbage collector on the other would leave a
// woken event loop waiting for a P for tens of milliseconds.
const yieldEvery = 256

// expire is the body of ScanNotActiveChannel. fullScan says whether every
// empty group is a removal candidate (the scan) or only groups this call
// took an entry from (the hooks).
func (pm *Manager) expire(now time.Time, fullScan bool, dead func(group string, e *producerEntry) bool) int {
	var toClose []Channel
	var lines, groupLines lineBurst
	var closing map[Channel]bool
	n := 0
	pm.mu.Lock()
	// The scan delivers its own notices (and those queued meanwhile) at
	// each pause and at the end. Were it not the deliverer, the first
	// heartbeat to take the lock during a pause would become it, and an
	// event loop would deliver a mass expiry's notices.
	// A heartbeat delivering when the scan starts stops at its next batch
	// (scanning) and the scan claims delivery at its next pause.
	owned := !pm.draining
	pm.draining = true
	pm.scanning++
	unclaimed, scanned := false, false
	endScan := func() { // under the lock
		if !scanned {
			pm.scanning--
			scanned = true
		}
	}
	defer func() {
		pm.mu.Lock()
		endScan()
		if owned && !unclaimed { // a panic in between: give the claim up
			pm.draining = false
		}
		pm.mu.Unlock()
	}()
	claim := func() bool {
		pm.mu.Lock()
		defer pm.mu.Unlock()
		if !pm.draining {
			pm.draining, owned = true, true
		}
		return owned
	}
	deliver := func(release bool) {
		// At the end, wait a little for a heartbeat's delivery to stop;
		// past that (the deliverer is an OnEvent up this very stack) the
		// notices are left to it.
		for try := 0; !owned && !claim() && release && try < 1000; try++ {
			runtime.Gosched()
		}
		if owned {
			unclaimed = release
			pm.deliver(release, false)
		}
	}
	// First find the groups that change (one with an expired entry, or an
	// empty one the scan removes), without sorting or copying anything:
	// a scan that finds nothing holds the lock for one pass over the
	// entries. The changes are then made group by group in name order
	// (a group gone or changed meanwhile is taken as it is then).
	var names []string
	looked := 0
	for name, g := range pm.groups {
		if fullScan && !pm.keep && len(g.order) == 0 {
			names = append(names, name)
			continue
		}
		for _, e := range g.order {
			looked++
			if dead(name, e) {
				names = append(names, name)
				break
			}
		}
		if looked++; looked >= expireChunk*8 {
			// Over a very large table, let requests in now and then; a
			// group changed meanwhile is looked at as it is then, and
			// one added may or may not be seen (Go map iteration).
			pm.mu.Unlock()
			runtime.Gosched()
			pm.mu.Lock()
			looked = 0
		}
	}
	if len(names) == 0 {
		pm.mu.Unlock()
		deliver(true)
		return 0
	}
	if len(names) > 1 {
		pm.mu.Unlock()
		slices.Sort(names) // up to 100,000s of names: not with the lock held
		pm.mu.Lock()
	}
	budget := expireChunk
	for _, name := range names {
		hit := false
		for {
			g := pm.groups[name]
			if g == nil {
				break // removed while the lock was let go
			}
			// Filter the group's order in place: one pass, not one search
			// and shift per dropped entry. After expireChunk drops the
			// lock is let go for a moment, so a mass expiry does not hold
			// up heartbeats for its whole length (Java's scan walks
			// concurrent maps and holds no lock at all).
			kept := g.order[:0]
			paused := false
			for i, e := range g.order {
				if budget == 0 {
					kept = append(kept, g.order[i:]...)
					paused = true
					break
				}
				if !dead(name, e) {
					kept = append(kept, e)
					continue
				}
				budget--
				ch := e.info.Channel
				delete(g.entries, ch)
				n++
				hit = true
				if pm.v498 || pm.clients[e.info.ClientID] == ch {
					delete(pm.clients, e.info.ClientID)
				}
				if pm.v498 {
					pm.burstLocked(&lines, slog.LevelWarn, "SCAN: remove expired channel[%s] from ProducerManager groupChannelTable, producer group name: %s", e.addr, short(name))
				} else {
					pm.burstLocked(&lines, slog.LevelWarn, "ProducerManager#scanNotActiveChannel: remove expired channel[%s] from ProducerManager groupChannelTable, producer group name: %s", e.addr, short(name))
				}
				pm.noteLocked(pm.event(EventExpired, name, e, now))
				if !closing[ch] {
					if closing == nil {
						closing = make(map[Channel]bool)
					}
					closing[ch] = true
					toClose = append(toClose, ch)
				}
			}
			clear(g.order[len(kept):]) // no stale entry kept reachable
			g.order = kept
			if !paused {
				break
			}
			pm.mu.Unlock()
			deliver(false)
			runtime.Gosched() // the event loops wait for a P as well as for the lock
			pm.mu.Lock()
			budget = expireChunk
		}
		g := pm.groups[name]
		if g != nil && !pm.keep && len(g.order) == 0 && (fullScan || hit) {
			delete(pm.groups, name)
			pm.burstLocked(&groupLines, slog.LevelWarn, "SCAN: remove expired channel from ProducerManager groupChannelTable, all clear, group=%s", short(name))
			pm.noteLocked(Event{Kind: EventGroupRemoved, Group: name, Time: now})
		}
	}
	pm.burstEndLocked(&lines, slog.LevelWarn, "SCAN: removed %d more expired entries from ProducerManager groupChannelTable")
	pm.burstEndLocked(&groupLines, slog.LevelWarn, "SCAN: removed %d more emptied groups from ProducerManager groupChannelTable")
	pm.mu.Unlock()
	deliver(true)
	pm.mu.Lock()
	endScan() // the closes below deliver their own notices
	pm.mu.Unlock()
	pm.drain() // what a heartbeat left queued if the scan could not claim delivery
	logClose := pm.log.Enabled(context.Background(), slog.LevelInfo)
	for i, ch := range toClose {
		if i > 0 && i%yieldEvery == 0 {
			runtime.Gosched()
		}
		err := ch.Close()
		if logClose && i < maxBurstLines {
			pm.log.Info(fmt.Sprintf("closeChannel: close the connection to remote address[%s] result: %t", ch.RemoteAddr(), err == nil))
		}
	}
	if logClose && len(toClose) > maxBurstLines {
		pm.log.Info(fmt.Sprintf("closeChannel: closed %d more connections", len(toClose)-maxBurstLines))
	}
	return n
}

// GetAvailableChannel picks a channel of group for CHECK_TRANSACTION_STATE
// (Java getAvailableChannel): starting at counter % size (the counter is
// incremented first, so the first call starts at 1 % size), it looks at up
// to 3 consecutive channels in registration order, wrapping, and returns
// the first active and writable one; failing that, the last active one it
// looked at; failing that, nil. The counter advances only when the group
// has channels.
func (pm *Manager) GetAvailableChannel(group string) Channel {
	group = ValidName(group)
	// Only the channels looked at are copied (a group may hold thousands);
	// their methods are called without the lock held.
	var tries [availableChannelTries]Channel
	size := 0
	pm.mu.Lock()
	g := pm.groups[group]
	if g != nil {
		size = len(g.order)
	}
	if size > 0 {
		start := int(pm.counter.Add(1)&positiveMask) % size
		for i := range tries {
			tries[i] = g.order[(start+i)%size].info.Channel
		}
	}
	pm.mu.Unlock()
	if g == nil {
		pm.log.Warn("Check transaction failed, channel table is empty. groupId=" + group)
		return nil
	}
	if size == 0 {
		pm.log.Warn("Channel list is empty. groupId=" + group)
		return nil
	}
	var lastActive Channel
	for _, ch := range tries {
		if ch.IsActive() {
			if ch.IsWritable() {
				return ch
			}
			lastActive = ch
		}
	}
	return lastActive
}

// FindChannel returns the channel last registered with clientID, or nil
// (Java findChannel, used for request/reply messages).
func (pm *Manager) FindChannel(clientID string) Channel {
	clientID = ValidName(clientID)
	pm.mu.Lock()
	defer pm.mu.Unlock()
	return pm.clients[clientID]
}

// GroupSize returns the number of groups, empty ones included (Java groupSize).
func (pm *Manager) GroupSize() int {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	return len(pm.groups)
}

// GroupOnline reports whether group exists and has a channel (Java groupOnline).
func (pm *Manager) GroupOnline(group string) bool {
	group = ValidName(group)
	pm.mu.Lock()
	defer pm.mu.Unlock()
	g := pm.groups[group]
	return g != nil && len(g.order) > 0
}

// GroupLen returns how many channels group has (0 when it does not exist).
func (pm *Manager) GroupLen(group string) int {
	group = ValidName(group)
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if g := pm.groups[group]; g != nil {
		return len(g.order)
	}
	return 0
}

// Group returns a snapshot of group's entries in registration order.
// exists distinguishes an absent group (GET_PRODUCER_CONNECTION_LIST answers
// code 1) from a present but empty one (4.9.8: code 0, empty set).
func (pm *Manager) Group(group string) (infos []ClientChannelInfo, exists bool) {
	group = ValidName(group)
	pm.mu.Lock()
	defer pm.mu.Unlock()
	g := pm.groups[group]
	if g == nil {
		return nil, false
	}
	return g.snapshot(), true
}

// Groups returns the names of all groups, empty ones included, sorted.
func (pm *Manager) Groups() []string {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	return pm.groupNamesLocked()
}

// ProducerTable returns every non-empty group's entries in registration
// order (Java getProducerTable, for GET_ALL_PRODUCER_INFO). Empty groups are
// left out, as Java only creates a group's list when adding its first entry.
func (pm *Manager) ProducerTable() map[string][]ClientChannelInfo {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	out := make(map[string][]ClientChannelInfo, len(pm.groups))
	for name, g := range pm.groups {
		if len(g.order) > 0 {
			out[name] = g.snapshot()
		}
	}
	return out
}

// AddGroup is a fixture hook: it creates group with no channels if it does
// not exist, and reports whether it did. This is the state a 4.9.8 broker
// keeps after a group's last producer disconnected. In 5.x mode the next
// scan removes such a group, as Java's does.
func (pm *Manager) AddGroup(group string) bool {
	group = ValidName(group)
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if pm.groups[group] != nil {
		return false
	}
	pm.groups[group] = newProducerGroup()
	return true
}

// RemoveEmptyGroups is a reset hook: it removes every group that has no
// channels (the groups a 4.9.8 broker keeps after their last producer left,
// or that AddGroup made) and returns their names, sorted.
func (pm *Manager) RemoveEmptyGroups() []string {
	now := pm.now()
	var removed []string
	pm.mu.Lock()
	for _, name := range pm.groupNamesLocked() {
		if len(pm.groups[name].order) > 0 {
			continue
		}
		delete(pm.groups, name)
		removed = append(removed, name)
		pm.noteLocked(Event{Kind: EventGroupRemoved, Group: name, Time: now})
	}
	pm.mu.Unlock()
	pm.drain()
	return removed
}

// groupNamesLocked returns the group names sorted; the scan and the close
// event visit groups in this order, so their events are deterministic.
func (pm *Manager) groupNamesLocked() []string {
	names := make([]string, 0, len(pm.groups))
	for name := range pm.groups {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (pm *Manager) event(kind EventKind, group string, e *producerEntry, now time.Time) Event {
	return Event{
		Kind:       kind,
		Group:      group,
		ClientID:   e.info.ClientID,
		RemoteAddr: e.addr,
		Channel:    e.info.Channel,
		Time:       now,
	}
}

// entryText formats an entry like Java's ClientChannelInfo.toString without
// calling Channel methods (the address was cached at registration).
type entryText struct{ e *producerEntry }

func (l entryText) String() string { return l.e.info.describe(l.e.addr) }

// maxBurstLines is how many lines of one kind one call logs one by one
// (one heartbeat naming 100,000 groups must not write 100,000 lines from
// the event loop); the rest are summed up in one line.
const maxBurstLines = 10

// lineBurst counts the lines of one kind one call logged.
type lineBurst struct{ n int }

// burstLocked logs a line of a burst: the first maxBurstLines one by one,
// the rest only counted.
func (pm *Manager) burstLocked(b *lineBurst, level slog.Level, format string, args ...any) {
	b.n++
	if b.n <= maxBurstLines {
		pm.logLocked(level, format, args...)
	}
}

// burstEndLocked logs the line summing up the burst's lines not logged;
// format takes their count first, then args.
func (pm *Manager) burstEndLocked(b *lineBurst, level slog.Level, format string, args ...any) {
	if b.n > maxBurstLines {
		pm.logLocked(level, format, append([]any{b.n - maxBurstLines}, args...)...)
	}
}

// short truncates a value a client chose (a group name) for the log.
func short(s string) string { return logsink.Truncate(s, logsink.DefaultMaxValue) }

// logLocked queues a log line (formatted now, if the level is enabled).
func (pm *Manager) logLocked(level slog.Level, format string, args ...any) {
	if !pm.log.Enabled(context.Background(), level) {
		return
	}
	pm.pending = append(pm.pending, producerNotice{level: level, msg: fmt.Sprintf(format, args...)})
}

// noteLocked queues an event, if there is a listener.
func (pm *Manager) noteLocked(ev Event) {
	if pm.onEvent == nil {
		return
	}
	pm.pending = append(pm.pending, producerNotice{event: ev})
}

// maxSpareNotices bounds the notice array drain keeps for reuse: the one
// a mass expiry filled is let go.
const maxSpareNotices = 64

// drain delivers queued log lines and events without the lock held. Only
// one goroutine delivers at a time, so delivery follows queue (= state)
// order; a call made while another goroutine, or an OnEvent callback up the
// stack, is delivering returns at once and leaves its notices to it.
func (pm *Manager) drain() {
	pm.mu.Lock()
	if pm.draining || len(pm.pending) == 0 {
		pm.mu.Unlock()
		return
	}
	pm.draining = true
	pm.mu.Unlock()
	pm.deliver(true, true)
}

// deliver delivers queued notices until none is left, for a caller that
// has claimed delivery (set draining); release ends the claim then. With
// yieldToScan (a heartbeat's drain) it gives the claim up, leaving the
// rest queued, as soon as a scan runs: the scan delivers its notices.
func (pm *Manager) deliver(release, yieldToScan bool) {
	done := false
	defer func() {
		if !done { // OnEvent panicked: let a later call deliver the rest
			pm.mu.Lock()
			pm.draining = false
			pm.mu.Unlock()
		}
	}()
	var delivered []producerNotice
	for {
		pm.mu.Lock()
		if pm.spare == nil && cap(delivered) <= maxSpareNotices {
			pm.spare = delivered[:0]
		}
		batch := pm.pending
		if len(batch) == 0 || (yieldToScan && pm.scanning > 0) {
			if release {
				pm.draining = false
			}
			pm.mu.Unlock()
			done = true
			return
		}
		pm.pending, pm.spare = pm.spare, nil
		pm.mu.Unlock()
		for i, n := range batch {
			if i > 0 && i%yieldEvery == 0 {
				runtime.Gosched() // a mass expiry's thousands of lines: let requests in
			}
			if n.msg != "" {
				pm.log.Log(context.Background(), n.level, n.msg)
			}
			if n.event.Kind != 0 && pm.onEvent != nil {
				pm.onEvent(n.event)
			}
		}
		clear(batch) // keep no channel reachable from the spare
		delivered = batch
	}
}
