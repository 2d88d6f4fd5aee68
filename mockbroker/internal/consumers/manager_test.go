package consumers

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/fake"
	"github.com/rocketmock/rocketmock/protocol"
)

// harness is a manager with a fake clock, recording its events as text.
type harness struct {
	t     *testing.T
	m     *Manager
	clock *fake.Clock
	evs   fake.Lines
	chans map[string]*fake.Channel
}

func newHarness(t *testing.T, rel protocol.Release, mod func(*Options)) *harness {
	h := &harness{t: t, clock: fake.NewClock(time.UnixMilli(1_700_000_000_000)), chans: map[string]*fake.Channel{}}
	opts := Options{Release: rel, Now: h.clock.Now, OnEvent: h.record}
	if mod != nil {
		mod(&opts)
	}
	h.m = New(opts)
	return h
}

func (h *harness) ch(name string) *fake.Channel {
	if c := h.chans[name]; c != nil {
		return c
	}
	c := fake.NewChannel(name)
	h.chans[name] = c
	return c
}

func (h *harness) record(e Event) {
	s := e.Kind.String() + " " + e.Group
	switch e.Kind {
	case Notify:
		var names []string
		for _, c := range e.Channels {
			names = append(names, c.RemoteAddr())
		}
		s += " [" + strings.Join(names, " ") + "]"
	case GroupRemoved:
	default:
		s += " " + e.Client.Channel.RemoteAddr() + "/" + e.Client.ClientID
		if e.SubscriptionsChanged {
			s += " subs-changed"
		}
	}
	h.evs.Add(s)
}

// take returns and clears the recorded events.
func (h *harness) take() []string { return h.evs.Take() }

func sub(topic string, version int64) Subscription {
	return Subscription{Topic: topic, SubString: "*", SubVersion: version, ExpressionType: "TAG"}
}

// hb registers channel name (client id "id-"+name) in group with topics
// at subVersion 1.
func (h *harness) hb(group, name string, mm MessageModel, subs ...Subscription) bool {
	return h.m.Register(Registration{
		Group:       group,
		Client:      ClientInfo{Channel: h.ch(name), ClientID: "id-" + name, Language: 9, Version: 399},
		ConsumeType: ConsumePassively, MessageModel: mm, ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
		Subscriptions: subs, NotifyEnabled: true,
	})
}

func eq(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

var releases = []protocol.Release{protocol.Release498, protocol.Release533}

func TestRegister(t *testing.T) {
	type step struct {
		do      func(h *harness) bool
		changed bool
		events  []string
	}
	a1, b1 := sub("A", 1), sub("B", 1)
	cases := []struct {
		name  string
		steps []step
	}{
		{"new channel notifies the group including itself", []step{
			{func(h *harness) bool { return h.hb("g", "c1", Clustering, a1) }, true,
				[]string{"registered g c1/id-c1 subs-changed", "rebalance-notified g [c1]"}},
			{func(h *harness) bool { return h.hb("g", "c1", Clustering, a1) }, false,
				[]string{"refreshed g c1/id-c1"}},
			{func(h *harness) bool { return h.hb("g", "c2", Clustering, a1) }, true,
				[]string{"registered g c2/id-c2", "rebalance-notified g [c1 c2]"}},
		}},
		{"topic added and removed are changes, a newer subVersion is not", []step{
			{func(h *harness) bool { return h.hb("g", "c1", Clustering, a1) }, true,
				[]string{"registered g c1/id-c1 subs-changed", "rebalance-notified g [c1]"}},
			{func(h *harness) bool { return h.hb("g", "c1", Clustering, a1, b1) }, true,
				[]string{"refreshed g c1/id-c1 subs-changed", "rebalance-notified g [c1]"}},
			{func(h *harness) bool { return h.hb("g", "c1", Clustering, sub("A", 5), b1) }, false,
				[]string{"refreshed g c1/id-c1"}},
			{func(h *harness) bool { return h.hb("g", "c1", Clustering, b1) }, true,
				[]string{"refreshed g c1/id-c1 subs-changed", "rebalance-notified g [c1]"}},
		}},
		{"same channel with a new client id replaces it without a change", []step{
			{func(h *harness) bool { return h.hb("g", "c1", Clustering, a1) }, true,
				[]string{"registered g c1/id-c1 subs-changed", "rebalance-notified g [c1]"}},
			{func(h *harness) bool {
				return h.m.Register(Registration{Group: "g", Client: ClientInfo{Channel: h.ch("c1"), ClientID: "other"},
					ConsumeType: ConsumePassively, MessageModel: Clustering, Subscriptions: []Subscription{a1}, NotifyEnabled: true})
			}, false, []string{"refreshed g c1/other"}},
		}},
		{"group switch off: changed but no notify", []step{
			{func(h *harness) bool {
				return h.m.Register(Registration{Group: "g", Client: ClientInfo{Channel: h.ch("c1"), ClientID: "id-c1"},
					MessageModel: Clustering, Subscriptions: []Subscription{a1}})
			}, true, []string{"registered g c1/id-c1 subs-changed"}},
		}},
	}
	for _, rel := range releases {
		for _, tc := range cases {
			t.Run(rel.String()+"/"+tc.name, func(t *testing.T) {
				h := newHarness(t, rel, nil)
				for i, s := range tc.steps {
					if got := s.do(h); got != s.changed {
						t.Fatalf("step %d: changed = %v, want %v", i, got, s.changed)
					}
					eq(t, fmt.Sprintf("step %d events", i), h.take(), s.events)
				}
			})
		}
	}
}

func TestSubVersionRules(t *testing.T) {
	h := newHarness(t, protocol.Release533, nil)
	h.hb("g", "c1", Clustering, Subscription{Topic: "A", SubString: "x", SubVersion: 10})
	h.hb("g", "c1", Clustering, Subscription{Topic: "A", SubString: "older", SubVersion: 9})
	h.hb("g", "c1", Clustering, Subscription{Topic: "A", SubString: "same", SubVersion: 10})
	if s, _ := h.m.FindSubscription("g", "A", false); s.SubString != "x" {
		t.Fatalf("equal or lower subVersion replaced the entry: %+v", s)
	}
	h.hb("g", "c1", Clustering, Subscription{Topic: "A", SubString: "newer", SubVersion: 11, Tags: []string{"t"}})
	if s, _ := h.m.FindSubscription("g", "A", false); s.SubString != "newer" || !slices.Equal(s.Tags, []string{"t"}) {
		t.Fatalf("higher subVersion did not replace: %+v", s)
	}
}

func TestBroadcasting(t *testing.T) {
	for _, tc := range []struct {
		rel  protocol.Release
		want [][]string
	}{
		{protocol.Release498, [][]string{
			{"registered g c1/id-c1 subs-changed", "rebalance-notified g [c1]"},
			{"registered g c2/id-c2", "rebalance-notified g [c1 c2]"},
			{"unregistered g c2/id-c2", "rebalance-notified g [c1]"},
			{"registered g c2/id-c2", "rebalance-notified g [c1 c2]"},
			{"closed g c2/id-c2", "rebalance-notified g [c1]"},
		}},
		{protocol.Release533, [][]string{
			{"registered g c1/id-c1 subs-changed"},
			{"registered g c2/id-c2"},
			{"unregistered g c2/id-c2"},
			{"registered g c2/id-c2"},
			{"closed g c2/id-c2"},
		}},
	} {
		t.Run(tc.rel.String(), func(t *testing.T) {
			h := newHarness(t, tc.rel, nil)
			a := sub("A", 1)
			steps := []func(){
				func() { h.hb("g", "c1", Broadcasting, a) },
				func() { h.hb("g", "c2", Broadcasting, a) },
				func() { h.m.Unregister("g", h.ch("c2"), true) },
				func() { h.hb("g", "c2", Broadcasting, a) },
				func() { h.m.ChannelClosed(h.ch("c2")) },
			}
			for i, s := range steps {
				s()
				eq(t, fmt.Sprintf("step %d", i), h.take(), tc.want[i])
			}
		})
	}
}

func TestUnregister(t *testing.T) {
	for _, rel := range releases {
		t.Run(rel.String(), func(t *testing.T) {
			h := newHarness(t, rel, nil)
			a := sub("A", 1)
			h.hb("g", "c1", Clustering, a)
			h.hb("g", "c2", Clustering, a)
			h.take()
			// A channel not in the group: nothing removed, the group is
			// notified all the same (Java fires CHANGE unconditionally).
			h.m.Unregister("g", h.ch("stranger"), true)
			eq(t, "stranger", h.take(), []string{"rebalance-notified g [c1 c2]"})
			h.m.Unregister("g", h.ch("c1"), false)
			eq(t, "switch off", h.take(), []string{"unregistered g c1/id-c1"})
			h.m.Unregister("g", h.ch("c2"), true)
			eq(t, "last", h.take(), []string{"unregistered g c2/id-c2", "group-removed g"})
			if _, ok := h.m.Group("g"); ok {
				t.Fatal("empty group kept")
			}
			h.m.Unregister("nope", h.ch("c2"), true)
			eq(t, "unknown group", h.take(), nil)
		})
	}
}

func TestChannelClosed(t *testing.T) {
	h := newHarness(t, protocol.Release533, nil)
	h.hb("g1", "c1", Clustering, sub("A", 1))
	h.hb("g2", "c1", Clustering, sub("A", 1))
	h.hb("g2", "c2", Clustering, sub("A", 1))
	h.take()
	if !h.m.ChannelClosed(h.ch("c1")) {
		t.Fatal("ChannelClosed = false for a registered channel")
	}
	eq(t, "events", h.take(), []string{
		"closed g1 c1/id-c1", "group-removed g1",
		"closed g2 c1/id-c1", "rebalance-notified g2 [c2]",
	})
	if h.m.ChannelClosed(h.ch("c1")) {
		t.Fatal("ChannelClosed = true twice")
	}
	eq(t, "groups", h.m.Groups(), []string{"g2"})
}

func TestScanNotActive(t *testing.T) {
	for _, rel := range releases {
		t.Run(rel.String(), func(t *testing.T) {
			h := newHarness(t, rel, nil)
			h.hb("g", "c1", Clustering, sub("A", 1))
			h.hb("g", "c2", Clustering, sub("A", 1))
			h.clock.Advance(60 * time.Second)
			h.hb("g", "c2", Clustering, sub("A", 1))
			h.take()
			h.clock.Advance(60 * time.Second) // c1 silent exactly 120 s: kept
			if got := h.m.ScanNotActive(); len(got) != 0 {
				t.Fatalf("expired at exactly the timeout: %v", got)
			}
			h.clock.Advance(time.Millisecond)
			got := h.m.ScanNotActive()
			if len(got) != 1 || got[0].ClientID != "id-c1" || h.ch("c1").Closes() == 0 {
				t.Fatalf("scan = %+v, c1 closed %v", got, h.ch("c1").Closes() > 0)
			}
			eq(t, "events (no notify)", h.take(), []string{"expired g c1/id-c1"})
			h.clock.Advance(61 * time.Second)
			h.m.ScanNotActive()
			eq(t, "events", h.take(), []string{"expired g c2/id-c2"})
			if len(h.m.Groups()) != 0 {
				t.Fatal("empty group kept after scan")
			}
		})
	}
}

func TestExpiryTimeoutOption(t *testing.T) {
	h := newHarness(t, protocol.Release533, func(o *Options) { o.ChannelExpiredTimeout = 10 * time.Second })
	h.hb("g", "c1", Clustering)
	h.clock.Advance(11 * time.Second)
	if len(h.m.ScanNotActive()) != 1 {
		t.Fatal("channelExpiredTimeout not applied")
	}
}

func TestDisableNotify(t *testing.T) {
	h := newHarness(t, protocol.Release498, func(o *Options) { o.DisableNotify = true })
	h.hb("g", "c1", Clustering, sub("A", 1))
	h.hb("g", "c2", Clustering, sub("A", 1))
	h.m.ChannelClosed(h.ch("c1"))
	for _, e := range h.take() {
		if strings.HasPrefix(e, "rebalance") {
			t.Fatalf("notify with the broker switch off: %s", e)
		}
	}
}

func TestQueryTopicConsumeByWho(t *testing.T) {
	for _, tc := range []struct {
		rel           protocol.Release
		afterDrop     []string // g1 dropped topic A
		afterScan     []string // g2 expired by the scan
		afterClose    []string // g3 closed
		subscribedNow []string
	}{
		{protocol.Release498, []string{"g2", "g3"}, []string{"g3"}, nil, nil},
		{protocol.Release533, []string{"g1", "g2", "g3"}, []string{"g1", "g2", "g3"}, []string{"g1", "g2"}, []string{"B"}},
	} {
		t.Run(tc.rel.String(), func(t *testing.T) {
			h := newHarness(t, tc.rel, nil)
			h.hb("g1", "c1", Clustering, sub("A", 1))
			h.hb("g2", "c2", Clustering, sub("A", 1))
			h.clock.Advance(100 * time.Second)
			h.hb("g3", "c3", Clustering, sub("A", 1))
			h.hb("g1", "c1", Clustering, sub("B", 1))
			eq(t, "after drop", h.m.QueryTopicConsumeByWho("A"), tc.afterDrop)
			h.clock.Advance(30 * time.Second)
			h.m.ScanNotActive()
			eq(t, "after scan", h.m.QueryTopicConsumeByWho("A"), tc.afterScan)
			h.m.ChannelClosed(h.ch("c3"))
			eq(t, "after close", h.m.QueryTopicConsumeByWho("A"), tc.afterClose)
			eq(t, "live topics", h.m.TopicsSubscribed(), []string{"B"})
		})
	}
}

func TestQueryTopicConsumeByWhoJavaOrder(t *testing.T) {
	h := newHarness(t, protocol.Release498, nil)
	for _, g := range []string{"b", "a", "CG_orders", "c"} {
		h.hb(g, "c-"+g, Clustering, sub("T", 1))
	}
	// java.util.HashSet of these strings iterates by bucket: "a"=97,
	// "b"=98, "c"=99; "CG_orders" hashes elsewhere.
	got := h.m.QueryTopicConsumeByWho("T")
	want := protocol.JavaHashMapOrder([]string{"a", "b", "c", "CG_orders"}, 0, protocol.JavaStringHash, strings.Compare)
	eq(t, "order", got, want)
}

func TestCompensation(t *testing.T) {
	for _, rel := range releases {
		t.Run(rel.String(), func(t *testing.T) {
			h := newHarness(t, rel, nil)
			now := h.clock.Now().UnixMilli()
			h.m.CompensateBasicInfo("pull", ConsumeActively, Clustering)
			h.m.CompensateSubscription("pull", "T", Subscription{Topic: "T", SubString: "*", SubVersion: now})
			_, found := h.m.FindSubscription("pull", "T", true)
			gi, gfound := h.m.GroupInfo("pull", true)
			if v5 := rel == protocol.Release533; found != v5 || gfound != v5 {
				t.Fatalf("compensation found = %v/%v on %s", found, gfound, rel)
			}
			if gfound && (gi.ConsumeType != ConsumeActively || len(gi.Clients) != 0) {
				t.Fatalf("group = %+v", gi)
			}
			if _, ok := h.m.FindSubscription("pull", "T", false); ok {
				t.Fatal("found without fromCompensation")
			}
			h.clock.Advance(10*time.Minute + time.Millisecond)
			h.m.ScanNotActive()
			if _, ok := h.m.FindSubscription("pull", "T", true); ok {
				t.Fatal("compensated subscription outlived subscriptionExpiredTimeout")
			}
		})
	}
}

func TestLookups(t *testing.T) {
	h := newHarness(t, protocol.Release533, nil)
	h.hb("g", "c1", Clustering, sub("A", 1), sub("B", 1))
	h.hb("g", "c2", Clustering, sub("A", 1), sub("B", 1))
	h.hb("h", "c2", Clustering, sub("A", 1))
	eq(t, "client ids", h.m.ClientIDs("g"), []string{"id-c1", "id-c2"})
	if h.m.ClientIDs("none") != nil {
		t.Fatal("ClientIDs of an unknown group not nil")
	}
	if c, ok := h.m.FindChannel("g", "id-c2"); !ok || c.Channel != h.ch("c2") || c.Language != 9 || c.Version != 399 {
		t.Fatalf("FindChannel = %+v %v", c, ok)
	}
	if _, ok := h.m.FindChannelByConn("g", h.ch("zz")); ok {
		t.Fatal("FindChannelByConn found a stranger")
	}
	if n := h.m.SubscriptionCount("g"); n != 2 {
		t.Fatalf("SubscriptionCount = %d", n)
	}
	gi, _ := h.m.Group("g")
	eq(t, "topics", gi.Topics(), []string{"A", "B"})
	eq(t, "snapshot ids", gi.ClientIDs(), []string{"id-c1", "id-c2"})
	if gi.ConsumeFromWhere != "CONSUME_FROM_LAST_OFFSET" || !gi.LastUpdate.Equal(h.clock.Now()) {
		t.Fatalf("group = %+v", gi)
	}
	ms := h.m.ClientsByID("id-c2")
	if len(ms) != 2 || ms[0].Group != "g" || ms[1].Group != "h" {
		t.Fatalf("ClientsByID = %+v", ms)
	}
}

// TestCallbackOutsideLock: the callback may call back into the manager.
func TestCallbackOutsideLock(t *testing.T) {
	var m *Manager
	calls := 0
	m = New(Options{OnEvent: func(e Event) { calls++; _ = m.Groups(); _ = m.ClientIDs(e.Group) }})
	c := fake.NewChannel("c")
	m.Register(Registration{Group: "g", Client: ClientInfo{Channel: c, ClientID: "x"}, MessageModel: Clustering, NotifyEnabled: true})
	m.ChannelClosed(c)
	if calls == 0 {
		t.Fatal("no events")
	}
}

func TestConcurrent(t *testing.T) {
	clock := fake.NewClock(time.Unix(0, 0))
	var notified atomic.Int64
	m := New(Options{Now: clock.Now, OnEvent: func(e Event) {
		if e.Kind == Notify {
			notified.Add(int64(len(e.Channels)))
		}
	}})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				c := fake.NewChannel(fmt.Sprintf("%d-%d", w, i))
				g := fmt.Sprintf("g%d", i%3)
				m.Register(Registration{Group: g, Client: ClientInfo{Channel: c, ClientID: c.RemoteAddr()}, MessageModel: Clustering,
					Subscriptions: []Subscription{sub("T", int64(i))}, NotifyEnabled: true})
				_ = m.ClientIDs(g)
				_ = m.QueryTopicConsumeByWho("T")
				if i%2 == 0 {
					m.ChannelClosed(c)
				} else {
					m.Unregister(g, c, true)
				}
				if i%50 == 0 {
					clock.Advance(time.Minute)
					m.ScanNotActive()
				}
			}
		}(w)
	}
	wg.Wait()
	if len(m.Groups()) != 0 {
		t.Fatalf("groups left: %v", m.Groups())
	}
	if notified.Load() == 0 {
		t.Fatal("no notifications")
	}
}
