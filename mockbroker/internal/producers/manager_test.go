package producers

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/internal/fake"
	"github.com/rocketmock/rocketmock/protocol"
)

var pmT0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// pmEventLog records events as "kind group clientID addr" lines.
type pmEventLog struct{ fake.Lines }

func (l *pmEventLog) add(ev Event) {
	l.Add(strings.TrimSpace(fmt.Sprintf("%s %s %s %s", ev.Kind, ev.Group, ev.ClientID, ev.RemoteAddr)))
}

type pmFixture struct {
	pm     *Manager
	clock  *fake.Clock
	events *pmEventLog
	logs   *bytes.Buffer
}

func newPMFixture(compat49 bool) *pmFixture {
	f := &pmFixture{clock: fake.NewClock(pmT0), events: &pmEventLog{}, logs: &bytes.Buffer{}}
	f.pm = New(Config{
		Now:     f.clock.Now,
		Release: releaseOf(compat49),
		OnEvent: f.events.add,
		Logger:  slog.New(slog.NewTextHandler(f.logs, nil)),
	})
	return f
}

// channel returns a fake channel; closeSync makes its Close fire the close event.
func (f *pmFixture) channel(addr string, closeSync bool) *fake.Channel {
	c := fake.NewChannel(addr)
	if closeSync {
		c.OnClose(func() { f.pm.DoChannelCloseEvent(addr, c) })
	}
	return c
}

func pmInfo(ch Channel, clientID string) ClientChannelInfo {
	return ClientChannelInfo{Channel: ch, ClientID: clientID, Language: protocol.Java, Version: 479}
}

// pmView is a comparable summary of one entry.
type pmView struct {
	Addr, ClientID, Lang string
	Version              int32
	Age                  time.Duration // pmT0-relative LastUpdate
}

func pmGroupView(t *testing.T, pm *Manager, group string) ([]pmView, bool) {
	t.Helper()
	infos, ok := pm.Group(group)
	var out []pmView
	for _, i := range infos {
		out = append(out, pmView{i.Channel.RemoteAddr(), i.ClientID, i.Language.String(), i.Version, i.LastUpdate.Sub(pmT0)})
	}
	return out, ok
}

var pmModes = []struct {
	name     string
	compat49 bool
}{{"5.x", false}, {"4.9.8", true}}

func TestProducerManagerRegisterRefresh(t *testing.T) {
	for _, mode := range pmModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newPMFixture(mode.compat49)
			c1 := f.channel("10.0.0.1:1001", false)
			f.pm.RegisterProducer("PG", ClientChannelInfo{Channel: c1, ClientID: "A", Language: protocol.Go, Version: 317, LastUpdate: pmT0.Add(-time.Hour)})
			f.clock.Advance(5 * time.Second)
			// A second heartbeat on the same channel with other identity: only the time changes.
			f.pm.RegisterProducer("PG", ClientChannelInfo{Channel: c1, ClientID: "B", Language: protocol.Java, Version: 479})

			got, ok := pmGroupView(t, f.pm, "PG")
			assert.Assert(t, ok)
			assert.DeepEqual(t, got, []pmView{{"10.0.0.1:1001", "A", "GO", 317, 5 * time.Second}})
			assert.Equal(t, f.pm.FindChannel("A"), Channel(c1))
			assert.Equal(t, f.pm.FindChannel("B"), nil)
			assert.Assert(t, f.pm.GroupOnline("PG"))
			assert.Equal(t, f.pm.GroupSize(), 1)
			assert.DeepEqual(t, f.events.Take(), []string{
				"registered PG A 10.0.0.1:1001",
				"refreshed PG A 10.0.0.1:1001",
			})
			assert.Assert(t, strings.Contains(f.logs.String(), "new producer connected, group: PG channel: ClientChannelInfo [channel=10.0.0.1:1001, clientId=A, language=GO, version=317"))
		})
	}
}

func TestProducerManagerMultipleGroups(t *testing.T) {
	f := newPMFixture(false)
	c1 := f.channel("10.0.0.1:1001", false)
	c2 := f.channel("10.0.0.2:1002", false)
	f.pm.RegisterProducers([]string{"PG", "CLIENT_INNER_PRODUCER"}, pmInfo(c1, "A"))
	f.pm.RegisterProducer("PG", pmInfo(c2, "B"))
	f.pm.RegisterProducer("OTHER", pmInfo(c2, "B"))

	assert.DeepEqual(t, f.pm.Groups(), []string{"CLIENT_INNER_PRODUCER", "OTHER", "PG"})
	assert.Equal(t, f.pm.GroupSize(), 3)
	pg, _ := pmGroupView(t, f.pm, "PG")
	assert.DeepEqual(t, pg, []pmView{{"10.0.0.1:1001", "A", "JAVA", 479, 0}, {"10.0.0.2:1002", "B", "JAVA", 479, 0}})

	// Entries made by one heartbeat share their timestamp (Java shares the
	// ClientChannelInfo object): refreshing PG alone refreshes
	// CLIENT_INNER_PRODUCER too. Entries made by separate calls do not.
	f.clock.Advance(10 * time.Second)
	f.pm.RegisterProducer("PG", pmInfo(c1, "A"))
	f.pm.RegisterProducer("PG", pmInfo(c2, "B"))
	cip, _ := pmGroupView(t, f.pm, "CLIENT_INNER_PRODUCER")
	assert.DeepEqual(t, cip, []pmView{{"10.0.0.1:1001", "A", "JAVA", 479, 10 * time.Second}})
	other, _ := pmGroupView(t, f.pm, "OTHER")
	assert.DeepEqual(t, other, []pmView{{"10.0.0.2:1002", "B", "JAVA", 479, 0}})

	assert.DeepEqual(t, f.events.Take(), []string{
		"registered PG A 10.0.0.1:1001",
		"registered CLIENT_INNER_PRODUCER A 10.0.0.1:1001",
		"registered PG B 10.0.0.2:1002",
		"registered OTHER B 10.0.0.2:1002",
		"refreshed PG A 10.0.0.1:1001",
		"refreshed PG B 10.0.0.2:1002",
	})

	tbl := f.pm.ProducerTable()
	keys := make([]string, 0, len(tbl))
	for k, v := range tbl {
		keys = append(keys, fmt.Sprintf("%s=%d", k, len(v)))
	}
	sort.Strings(keys)
	assert.DeepEqual(t, keys, []string{"CLIENT_INNER_PRODUCER=1", "OTHER=1", "PG=2"})
}

func TestProducerManagerRegisterAt(t *testing.T) {
	f := newPMFixture(false)
	c1 := f.channel("10.0.0.1:1001", false)
	old := pmInfo(c1, "A")
	old.LastUpdate = pmT0.Add(-100 * time.Second)
	f.pm.RegisterAt("PG", old)
	got, _ := pmGroupView(t, f.pm, "PG")
	assert.DeepEqual(t, got, []pmView{{"10.0.0.1:1001", "A", "JAVA", 479, -100 * time.Second}})
	// On an existing entry RegisterAt moves the timestamp, backwards too.
	old.LastUpdate = pmT0.Add(-200 * time.Second)
	f.pm.RegisterAt("PG", old)
	got, _ = pmGroupView(t, f.pm, "PG")
	assert.DeepEqual(t, got, []pmView{{"10.0.0.1:1001", "A", "JAVA", 479, -200 * time.Second}})
	assert.Equal(t, f.pm.ScanNotActiveChannel(), 1)
}

func TestProducerManagerUnregister(t *testing.T) {
	type want struct {
		pg       []pmView
		pgExists bool
		findA    string // addr FindChannel("A") returns, "" for nil
		events   []string
	}
	c1v := pmView{"10.0.0.1:1001", "A", "JAVA", 479, 0}
	c2v := pmView{"10.0.0.2:1002", "B", "JAVA", 479, 0}
	tests := []struct {
		name string
		// setup gets channels c1 (client A) and c2 (client B) and c3 (client A, second connection).
		setup func(f *pmFixture, c1, c2, c3 *fake.Channel)
		act   func(f *pmFixture, c1, c2, c3 *fake.Channel)
		want  map[bool]want // by compat49
	}{
		{
			name:  "last producer leaves: group removed (pmModes versions)",
			setup: func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.RegisterProducer("PG", pmInfo(c1, "A")) },
			act:   func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.UnregisterProducer("PG", pmInfo(c1, "A")) },
			want: map[bool]want{
				false: {events: []string{"unregistered PG A 10.0.0.1:1001", "group-removed PG"}},
				true:  {events: []string{"unregistered PG A 10.0.0.1:1001", "group-removed PG"}},
			},
		},
		{
			name: "one of two leaves: group stays",
			setup: func(f *pmFixture, c1, c2, c3 *fake.Channel) {
				f.pm.RegisterProducer("PG", pmInfo(c1, "A"))
				f.pm.RegisterProducer("PG", pmInfo(c2, "B"))
			},
			act: func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.UnregisterProducer("PG", pmInfo(c1, "A")) },
			want: map[bool]want{
				false: {pg: []pmView{c2v}, pgExists: true, events: []string{"unregistered PG A 10.0.0.1:1001"}},
				true:  {pg: []pmView{c2v}, pgExists: true, events: []string{"unregistered PG A 10.0.0.1:1001"}},
			},
		},
		{
			name:  "unknown group: nothing happens, client table untouched",
			setup: func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.RegisterProducer("PG", pmInfo(c1, "A")) },
			act:   func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.UnregisterProducer("NOPE", pmInfo(c1, "A")) },
			want: map[bool]want{
				false: {pg: []pmView{c1v}, pgExists: true, findA: "10.0.0.1:1001"},
				true:  {pg: []pmView{c1v}, pgExists: true, findA: "10.0.0.1:1001"},
			},
		},
		{
			name: "channel not in a non-empty group: clientID still removed from client table",
			setup: func(f *pmFixture, c1, c2, c3 *fake.Channel) {
				f.pm.RegisterProducer("OTHER", pmInfo(c1, "A"))
				f.pm.RegisterProducer("PG", pmInfo(c2, "B"))
			},
			act: func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.UnregisterProducer("PG", pmInfo(c1, "A")) },
			want: map[bool]want{
				false: {pg: []pmView{c2v}, pgExists: true},
				true:  {pg: []pmView{c2v}, pgExists: true},
			},
		},
		{
			name: "clientID removed even when it maps to another channel",
			setup: func(f *pmFixture, c1, c2, c3 *fake.Channel) {
				f.pm.RegisterProducer("PG", pmInfo(c1, "A"))
				f.pm.RegisterProducer("PG", pmInfo(c3, "A")) // client table: A -> c3
			},
			act: func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.UnregisterProducer("PG", pmInfo(c1, "A")) },
			want: map[bool]want{
				false: {pg: []pmView{{"10.0.0.1:1003", "A", "JAVA", 479, 0}}, pgExists: true, events: []string{"unregistered PG A 10.0.0.1:1001"}},
				true:  {pg: []pmView{{"10.0.0.1:1003", "A", "JAVA", 479, 0}}, pgExists: true, events: []string{"unregistered PG A 10.0.0.1:1001"}},
			},
		},
		{
			name: "event carries the request's clientID, as Java's listener call does",
			setup: func(f *pmFixture, c1, c2, c3 *fake.Channel) {
				f.pm.RegisterProducer("PG", pmInfo(c1, "A"))
				f.pm.RegisterProducer("PG", pmInfo(c2, "B"))
			},
			act: func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.UnregisterProducer("PG", pmInfo(c1, "X")) },
			want: map[bool]want{
				// A stays in the client table: only X is removed.
				false: {pg: []pmView{c2v}, pgExists: true, findA: "10.0.0.1:1001", events: []string{"unregistered PG X 10.0.0.1:1001"}},
				true:  {pg: []pmView{c2v}, pgExists: true, findA: "10.0.0.1:1001", events: []string{"unregistered PG X 10.0.0.1:1001"}},
			},
		},
		{
			name: "empty group (left by a close): 4.9.8 keeps it, unregister does not remove it",
			setup: func(f *pmFixture, c1, c2, c3 *fake.Channel) {
				f.pm.RegisterProducer("PG", pmInfo(c1, "A"))
				f.pm.RegisterProducer("OTHER", pmInfo(c3, "A"))
				f.pm.DoChannelCloseEvent(c1.RemoteAddr(), c1)
				f.pm.RegisterProducer("OTHER", pmInfo(c3, "A")) // refresh: A stays unmapped
				f.pm.RegisterProducer("OTHER2", pmInfo(c3, "A"))
			},
			act: func(f *pmFixture, c1, c2, c3 *fake.Channel) { f.pm.UnregisterProducer("PG", pmInfo(c3, "A")) },
			want: map[bool]want{
				false: {findA: "10.0.0.1:1003"},
				true:  {pg: nil, pgExists: true, findA: "10.0.0.1:1003"},
			},
		},
	}
	for _, tc := range tests {
		for _, mode := range pmModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				f := newPMFixture(mode.compat49)
				c1 := f.channel("10.0.0.1:1001", false)
				c2 := f.channel("10.0.0.2:1002", false)
				c3 := f.channel("10.0.0.1:1003", false)
				tc.setup(f, c1, c2, c3)
				f.events.Take()
				tc.act(f, c1, c2, c3)

				w := tc.want[mode.compat49]
				pg, ok := pmGroupView(t, f.pm, "PG")
				assert.DeepEqual(t, pg, w.pg)
				assert.Equal(t, ok, w.pgExists)
				findA := ""
				if ch := f.pm.FindChannel("A"); ch != nil {
					findA = ch.RemoteAddr()
				}
				assert.Equal(t, findA, w.findA)
				if diff := cmp.Diff(w.events, f.events.Take()); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestProducerManagerChannelClose(t *testing.T) {
	for _, mode := range pmModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newPMFixture(mode.compat49)
			c1 := f.channel("10.0.0.1:1001", false)
			c2 := f.channel("10.0.0.2:1002", false)
			c3 := f.channel("10.0.0.1:1003", false)
			f.pm.RegisterProducers([]string{"PG", "SHARED"}, pmInfo(c1, "A"))
			f.pm.RegisterProducer("SHARED", pmInfo(c2, "B"))
			f.pm.RegisterProducer("ELSEWHERE", pmInfo(c3, "A")) // client table: A -> c3
			f.events.Take()

			assert.Assert(t, f.pm.DoChannelCloseEvent("10.0.0.1:1001", c1))
			assert.Assert(t, !f.pm.DoChannelCloseEvent("10.0.0.1:1001", c1), "second close removes nothing")
			assert.Assert(t, !f.pm.DoChannelCloseEvent("x", nil))

			// The close drops A from the client table although A maps to c3.
			assert.Equal(t, f.pm.FindChannel("A"), nil)
			assert.Equal(t, f.pm.FindChannel("B"), Channel(c2))
			shared, _ := pmGroupView(t, f.pm, "SHARED")
			assert.DeepEqual(t, shared, []pmView{{"10.0.0.2:1002", "B", "JAVA", 479, 0}})
			pg, pgExists := pmGroupView(t, f.pm, "PG")
			assert.Assert(t, !f.pm.GroupOnline("PG"))
			_, inTable := f.pm.ProducerTable()["PG"]
			assert.Assert(t, !inTable, "ProducerTable leaves out empty groups")
			assert.Equal(t, len(pg), 0)
			assert.Assert(t, c1.Closes() == 0, "a close event does not close the channel")

			if mode.compat49 {
				assert.Assert(t, pgExists, "4.9.8 keeps the emptied group")
				assert.DeepEqual(t, f.pm.Groups(), []string{"ELSEWHERE", "PG", "SHARED"})
				assert.DeepEqual(t, f.events.Take(), []string{
					"closed PG A 10.0.0.1:1001",
					"closed SHARED A 10.0.0.1:1001",
				})
				// The empty group stays through scans too.
				f.clock.Advance(time.Hour)
				f.pm.ScanNotActiveChannel()
				assert.DeepEqual(t, f.pm.Groups(), []string{"ELSEWHERE", "PG", "SHARED"})
			} else {
				assert.Assert(t, !pgExists, "5.x removes the emptied group")
				assert.DeepEqual(t, f.pm.Groups(), []string{"ELSEWHERE", "SHARED"})
				assert.DeepEqual(t, f.events.Take(), []string{
					"closed PG A 10.0.0.1:1001",
					"group-removed PG",
					"closed SHARED A 10.0.0.1:1001",
				})
			}
			assert.Assert(t, strings.Contains(f.logs.String(), "NETTY EVENT: remove channel[ClientChannelInfo [channel=10.0.0.1:1001"))
		})
	}
}

func TestProducerManagerScan(t *testing.T) {
	for _, mode := range pmModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newPMFixture(mode.compat49)
			stale := f.channel("10.0.0.1:1001", true) // Close fires the close event
			fresh := f.channel("10.0.0.1:1002", true)
			f.pm.RegisterProducers([]string{"PG", "CLIENT_INNER_PRODUCER"}, pmInfo(stale, "A"))
			f.pm.AddGroup("EMPTY")
			f.clock.Advance(60 * time.Second)
			// stale is also in a group where it is still fresh.
			f.pm.RegisterProducer("LATE", pmInfo(stale, "A"))
			// Same client reconnected: client table A -> fresh.
			f.pm.RegisterProducer("PG", pmInfo(fresh, "A"))
			f.events.Take()

			f.clock.Advance(60 * time.Second) // stale entries exactly 120 s old: they stay
			assert.Equal(t, f.pm.ScanNotActiveChannel(), 0)
			assert.Equal(t, stale.Closes(), 0)
			if mode.compat49 {
				assert.DeepEqual(t, f.pm.Groups(), []string{"CLIENT_INNER_PRODUCER", "EMPTY", "LATE", "PG"})
			} else {
				// 5.x removes any empty group it passes, even one it did not empty.
				assert.DeepEqual(t, f.pm.Groups(), []string{"CLIENT_INNER_PRODUCER", "LATE", "PG"})
				assert.DeepEqual(t, f.events.Take(), []string{"group-removed EMPTY"})
			}

			f.clock.Advance(time.Millisecond)
			assert.Equal(t, f.pm.ScanNotActiveChannel(), 2)
			assert.Equal(t, stale.Closes(), 1, "closed once although expired in two groups")
			assert.Equal(t, fresh.Closes(), 0)
			// The synchronous close event then removed stale from LATE.
			_, late := f.pm.Group("LATE")
			pg, _ := pmGroupView(t, f.pm, "PG")
			assert.DeepEqual(t, pg, []pmView{{"10.0.0.1:1002", "A", "JAVA", 479, 60 * time.Second}})
			if mode.compat49 {
				assert.DeepEqual(t, f.events.Take(), []string{
					"expired CLIENT_INNER_PRODUCER A 10.0.0.1:1001",
					"expired PG A 10.0.0.1:1001",
					"closed LATE A 10.0.0.1:1001",
				})
				assert.DeepEqual(t, f.pm.Groups(), []string{"CLIENT_INNER_PRODUCER", "EMPTY", "LATE", "PG"})
				assert.Assert(t, late)
				// 4.9.8 removed A from the client table although it maps to fresh.
				assert.Equal(t, f.pm.FindChannel("A"), nil)
				assert.Assert(t, strings.Contains(f.logs.String(), "SCAN: remove expired channel[10.0.0.1:1001] from ProducerManager groupChannelTable, producer group name: PG"))
			} else {
				assert.DeepEqual(t, f.events.Take(), []string{
					"expired CLIENT_INNER_PRODUCER A 10.0.0.1:1001",
					"group-removed CLIENT_INNER_PRODUCER",
					"expired PG A 10.0.0.1:1001",
					"closed LATE A 10.0.0.1:1001",
					"group-removed LATE",
				})
				assert.DeepEqual(t, f.pm.Groups(), []string{"PG"})
				assert.Assert(t, !late)
				// 5.x keeps A -> fresh: the expired entry's channel was not the mapped one.
				// (The close event then ran for stale, whose entry in LATE had
				// clientID A: Java removes A unconditionally there.)
				assert.Equal(t, f.pm.FindChannel("A"), nil)
				assert.Assert(t, strings.Contains(f.logs.String(), "ProducerManager#scanNotActiveChannel: remove expired channel[10.0.0.1:1001]"))
				assert.Assert(t, strings.Contains(f.logs.String(), "SCAN: remove expired channel from ProducerManager groupChannelTable, all clear, group=CLIENT_INNER_PRODUCER"))
			}

			// A later (real, asynchronous) close event is harmless.
			assert.Assert(t, !f.pm.DoChannelCloseEvent(stale.RemoteAddr(), stale))
			assert.DeepEqual(t, f.events.Take(), []string(nil))
		})
	}
}

// TestProducerManagerScanClientTable isolates the 5.x vs 4.9.8 client-table
// rule of the scan, without a close event getting in the way.
func TestProducerManagerScanClientTable(t *testing.T) {
	for _, mode := range pmModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newPMFixture(mode.compat49)
			stale := f.channel("10.0.0.1:1001", false)
			fresh := f.channel("10.0.0.1:1002", false)
			f.pm.RegisterProducer("PG", pmInfo(stale, "A"))
			f.clock.Advance(100 * time.Second)
			f.pm.RegisterProducer("PG", pmInfo(fresh, "A"))
			f.clock.Advance(21 * time.Second)
			assert.Equal(t, f.pm.ScanNotActiveChannel(), 1)
			assert.Equal(t, stale.Closes(), 1)
			if mode.compat49 {
				assert.Equal(t, f.pm.FindChannel("A"), nil)
			} else {
				assert.Equal(t, f.pm.FindChannel("A"), Channel(fresh))
			}
		})
	}
}

func TestProducerManagerScanBoundary(t *testing.T) {
	tests := []struct {
		name    string
		last    time.Duration // LastUpdate relative to pmT0
		now     time.Duration // clock relative to pmT0
		expired bool
	}{
		{"exactly expiry", 0, 120 * time.Second, false},
		{"expiry + 1ms", 0, 120*time.Second + time.Millisecond, true},
		{"expiry + 1ns", 0, 120*time.Second + time.Nanosecond, false},
		// Java compares whole milliseconds: 120000.8 ms real age counts as 120000.
		{"sub-millisecond excess truncated", 100 * time.Microsecond, 120*time.Second + 900*time.Microsecond, false},
		{"millisecond boundary crossed", 900 * time.Microsecond, 120*time.Second + 1100*time.Microsecond, true},
		{"clock went back", 0, -time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPMFixture(false)
			c := f.channel("10.0.0.1:1001", false)
			i := pmInfo(c, "A")
			i.LastUpdate = pmT0.Add(tc.last)
			f.pm.RegisterAt("PG", i)
			f.clock.Advance(tc.now)
			n := f.pm.ScanNotActiveChannel()
			assert.Equal(t, n == 1, tc.expired)
			assert.Equal(t, c.Closes() == 1, tc.expired)
			assert.Equal(t, f.pm.GroupOnline("PG"), !tc.expired)
		})
	}
}

func TestProducerManagerCustomExpiry(t *testing.T) {
	clock := fake.NewClock(pmT0)
	pm := New(Config{Now: clock.Now, Expiry: 5 * time.Second})
	c := fake.NewChannel("10.0.0.1:1001")
	pm.RegisterProducer("PG", pmInfo(c, "A"))
	clock.Advance(5 * time.Second)
	assert.Equal(t, pm.ScanNotActiveChannel(), 0)
	clock.Advance(time.Millisecond)
	assert.Equal(t, pm.ScanNotActiveChannel(), 1)
}

func TestProducerManagerExpireHooks(t *testing.T) {
	for _, mode := range pmModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newPMFixture(mode.compat49)
			c1 := f.channel("10.0.0.1:1001", true)
			c2 := f.channel("10.0.0.2:1002", true)
			f.pm.RegisterProducers([]string{"PG", "CLIENT_INNER_PRODUCER"}, pmInfo(c1, "A"))
			f.pm.RegisterProducer("PG", pmInfo(c2, "B"))
			f.pm.AddGroup("EMPTY")
			f.events.Take()

			// Expire one producer of one group: its channel is closed, and the close
			// event removes it from the other group.
			assert.Equal(t, f.pm.Expire("PG", "A"), 1)
			assert.Equal(t, c1.Closes(), 1)
			assert.Equal(t, f.pm.Expire("PG", "A"), 0)
			assert.Equal(t, c1.Closes(), 1)
			want := []string{"expired PG A 10.0.0.1:1001", "closed CLIENT_INNER_PRODUCER A 10.0.0.1:1001"}
			if !mode.compat49 {
				want = append(want, "group-removed CLIENT_INNER_PRODUCER")
			}
			assert.DeepEqual(t, f.events.Take(), want)
			// Hooks only consider groups they touched: EMPTY stays.
			_, ok := f.pm.Group("EMPTY")
			assert.Assert(t, ok)

			assert.Equal(t, f.pm.ExpireChannel(c2), 1)
			assert.Equal(t, c2.Closes(), 1)
			assert.Equal(t, f.pm.ExpireChannel(c2), 0)
			assert.Equal(t, c2.Closes(), 1, "nothing dropped, nothing closed")
			want = []string{"expired PG B 10.0.0.2:1002"}
			if !mode.compat49 {
				want = append(want, "group-removed PG")
			}
			assert.DeepEqual(t, f.events.Take(), want)
			assert.Equal(t, f.pm.ExpireChannel(nil), 0)
		})
	}
}

func TestProducerManagerGetAvailableChannel(t *testing.T) {
	type state struct{ active, writable bool }
	ok, busy, dead := state{true, true}, state{true, false}, state{false, false}
	tests := []struct {
		name   string
		states []state
		calls  int
		want   []int // index of the channel each call returns, -1 for nil
	}{
		{"round robin starts at 1", []state{ok, ok, ok}, 5, []int{1, 2, 0, 1, 2}},
		{"single channel", []state{ok}, 2, []int{0, 0}},
		{"skips non-writable", []state{ok, busy, ok}, 3, []int{2, 2, 0}},
		{"skips inactive", []state{ok, dead, ok}, 3, []int{2, 2, 0}},
		{"all busy: last active looked at", []state{busy, busy, busy, busy}, 4, []int{3, 0, 1, 2}},
		{"busy and dead mixed", []state{busy, dead, dead}, 3, []int{0, 0, 0}},
		{"all dead", []state{dead, dead}, 2, []int{-1, -1}},
		{"only three tried", []state{dead, dead, dead, dead, ok}, 5, []int{-1, 4, 4, 4, -1}},
		{"busy wins over an ok channel out of reach", []state{dead, busy, dead, dead, ok}, 5, []int{1, 4, 4, 4, 1}},
		{"three tries fall back to busy", []state{busy, dead, dead, dead, dead, ok}, 6, []int{-1, -1, 5, 5, 5, 0}},
		{"single busy channel", []state{busy}, 1, []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPMFixture(false)
			var chans []*fake.Channel
			for i, s := range tc.states {
				c := f.channel(fmt.Sprintf("10.0.0.%d:100%d", i, i), false)
				c.Set(s.active, s.writable)
				f.pm.RegisterProducer("PG", pmInfo(c, fmt.Sprintf("C%d", i)))
				chans = append(chans, c)
			}
			var got []int
			for range tc.calls {
				ch := f.pm.GetAvailableChannel("PG")
				idx := -1
				for i, c := range chans {
					if ch == Channel(c) {
						idx = i
					}
				}
				got = append(got, idx)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("channel sequence (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("absent and empty groups do not advance the counter", func(t *testing.T) {
		f := newPMFixture(true)
		a := f.channel("10.0.0.1:1", false)
		b := f.channel("10.0.0.2:2", false)
		f.pm.RegisterProducer("PG", pmInfo(a, "A"))
		f.pm.RegisterProducer("PG", pmInfo(b, "B"))
		f.pm.AddGroup("EMPTY")
		assert.Equal(t, f.pm.GetAvailableChannel("NOPE"), nil)
		assert.Equal(t, f.pm.GetAvailableChannel("EMPTY"), nil)
		assert.Equal(t, f.pm.GetAvailableChannel("PG"), Channel(b)) // counter 1
		assert.Assert(t, strings.Contains(f.logs.String(), "Check transaction failed, channel table is empty. groupId=NOPE"))
		assert.Assert(t, strings.Contains(f.logs.String(), "Channel list is empty. groupId=EMPTY"))
	})

	t.Run("counter wraps like a masked Java int", func(t *testing.T) {
		f := newPMFixture(false)
		var chans []Channel
		for i := range 3 {
			c := f.channel(fmt.Sprintf("10.0.0.%d:1", i), false)
			f.pm.RegisterProducer("PG", pmInfo(c, fmt.Sprintf("C%d", i)))
			chans = append(chans, c)
		}
		f.pm.counter.Store(0x7FFFFFFE)
		// 0x7FFFFFFF % 3 = 1; then 0x80000000 & mask = 0; then 1.
		assert.Equal(t, f.pm.GetAvailableChannel("PG"), chans[1])
		assert.Equal(t, f.pm.GetAvailableChannel("PG"), chans[0])
		assert.Equal(t, f.pm.GetAvailableChannel("PG"), chans[1])
	})

	t.Run("re-registered channel goes to the end", func(t *testing.T) {
		f := newPMFixture(false)
		a := f.channel("10.0.0.1:1", false)
		b := f.channel("10.0.0.2:2", false)
		f.pm.RegisterProducer("PG", pmInfo(a, "A"))
		f.pm.RegisterProducer("PG", pmInfo(b, "B"))
		f.pm.UnregisterProducer("PG", pmInfo(a, "A"))
		f.pm.RegisterProducer("PG", pmInfo(a, "A"))
		got, _ := pmGroupView(t, f.pm, "PG")
		assert.DeepEqual(t, []string{got[0].Addr, got[1].Addr}, []string{"10.0.0.2:2", "10.0.0.1:1"})
	})
}

func TestProducerManagerFindChannel(t *testing.T) {
	f := newPMFixture(false)
	c1 := f.channel("10.0.0.1:1", false)
	c2 := f.channel("10.0.0.1:2", false)
	assert.Equal(t, f.pm.FindChannel("A"), nil)
	f.pm.RegisterProducer("PG", pmInfo(c1, "A"))
	assert.Equal(t, f.pm.FindChannel("A"), Channel(c1))
	f.pm.RegisterProducer("PG2", pmInfo(c2, "A"))
	assert.Equal(t, f.pm.FindChannel("A"), Channel(c2), "the latest new entry wins")
	f.pm.RegisterProducer("PG", pmInfo(c1, "A"))
	assert.Equal(t, f.pm.FindChannel("A"), Channel(c2), "a refresh does not move the mapping")
	f.pm.RegisterProducer("PG3", pmInfo(c1, "A"))
	assert.Equal(t, f.pm.FindChannel("A"), Channel(c1), "a new entry does")
}

func TestProducerManagerEventReentrancy(t *testing.T) {
	// OnEvent may call back into the manager; its events follow the current one.
	clock := fake.NewClock(pmT0)
	var pm *Manager
	var got []string
	c1 := fake.NewChannel("10.0.0.1:1")
	pm = New(Config{Now: clock.Now, OnEvent: func(ev Event) {
		got = append(got, ev.Kind.String()+" "+ev.Group)
		if ev.Kind == EventRegistered && ev.Group == "PG" {
			pm.RegisterProducer("NESTED", pmInfo(c1, "A"))
			got = append(got, fmt.Sprintf("online %v", pm.GroupOnline("NESTED")))
			assert.Equal(t, pm.GetAvailableChannel("PG"), Channel(c1))
		}
	}})
	pm.RegisterProducers([]string{"PG", "PG2"}, pmInfo(c1, "A"))
	assert.DeepEqual(t, got, []string{"registered PG", "online true", "registered PG2", "registered NESTED"})
}

func TestProducerManagerEventKindString(t *testing.T) {
	var got []string
	for k := EventKind(0); k <= EventGroupRemoved+1; k++ {
		got = append(got, k.String())
	}
	assert.DeepEqual(t, got, []string{"EventKind(0)", "registered", "refreshed", "unregistered",
		"closed", "expired", "group-removed", "EventKind(7)"})
}

func TestProducerManagerNilChannel(t *testing.T) {
	pm := New(Config{})
	pm.RegisterProducer("PG", ClientChannelInfo{ClientID: "A"})
	pm.UnregisterProducer("PG", ClientChannelInfo{ClientID: "A"})
	assert.Equal(t, pm.GroupSize(), 0)
	assert.Equal(t, ClientChannelInfo{ClientID: "A", Language: protocol.LanguageUnknown}.String(),
		"ClientChannelInfo [channel=null, clientId=A, language=null, version=0, lastUpdateTimestamp=-62135596800000]")
}

// TestProducerManagerConcurrent hammers the manager from many goroutines
// (run it with -race). Channels close synchronously into the manager and
// OnEvent calls back into it. Replaying the event stream must rebuild the
// final table exactly, which checks that events are delivered one at a time
// and in state order.
func TestProducerManagerConcurrent(t *testing.T) {
	for _, mode := range pmModes {
		t.Run(mode.name, func(t *testing.T) {
			clock := fake.NewClock(pmT0)
			var (
				evMu   sync.Mutex
				events []Event
				inCall atomic.Int32
			)
			var pm *Manager
			pm = New(Config{
				Now:     clock.Now,
				Release: releaseOf(mode.compat49),
				Expiry:  50 * time.Millisecond,
				OnEvent: func(ev Event) {
					if inCall.Add(1) != 1 {
						t.Error("OnEvent called concurrently")
					}
					defer inCall.Add(-1)
					evMu.Lock()
					events = append(events, ev)
					evMu.Unlock()
					pm.GroupOnline(ev.Group) // re-entrant read
				},
			})
			const nChans, workers, ops = 12, 16, 400
			chans := make([]*fake.Channel, nChans)
			for i := range chans {
				addr := fmt.Sprintf("10.0.1.%d:%d", i, 2000+i)
				c := fake.NewChannel(addr)
				c.OnClose(func() { pm.DoChannelCloseEvent(addr, c) })
				chans[i] = c
			}
			groups := []string{"G0", "G1", "G2", "CLIENT_INNER_PRODUCER"}
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 42))
					for range ops {
						c := chans[r.IntN(nChans)]
						g := groups[r.IntN(len(groups))]
						id := fmt.Sprintf("client-%d", r.IntN(nChans))
						switch r.IntN(10) {
						case 0, 1, 2:
							pm.RegisterProducers([]string{g, "CLIENT_INNER_PRODUCER"}, pmInfo(c, id))
						case 3:
							pm.UnregisterProducer(g, pmInfo(c, id))
						case 4:
							pm.DoChannelCloseEvent(c.RemoteAddr(), c)
						case 5:
							clock.Advance(time.Duration(r.IntN(20)) * time.Millisecond)
							pm.ScanNotActiveChannel()
						case 6:
							pm.GetAvailableChannel(g)
						case 7:
							pm.Expire(g, id)
						case 8:
							_ = c.Close()
						case 9:
							pm.Group(g)
							pm.ProducerTable()
							pm.FindChannel(id)
							pm.Groups()
						}
					}
				})
			}
			wg.Wait()

			// Replay: group -> set of addresses.
			model := map[string]map[string]bool{}
			evMu.Lock()
			defer evMu.Unlock()
			assert.Assert(t, len(events) > 100)
			for _, ev := range events {
				switch ev.Kind {
				case EventRegistered:
					if model[ev.Group] == nil {
						model[ev.Group] = map[string]bool{}
					}
					assert.Assert(t, !model[ev.Group][ev.RemoteAddr], "double registration %v", ev)
					model[ev.Group][ev.RemoteAddr] = true
				case EventRefreshed:
					assert.Assert(t, model[ev.Group][ev.RemoteAddr], "refresh of a missing entry %v", ev)
				case EventUnregistered, EventClosed, EventExpired:
					assert.Assert(t, model[ev.Group][ev.RemoteAddr], "removal of a missing entry %v", ev)
					delete(model[ev.Group], ev.RemoteAddr)
				case EventGroupRemoved:
					assert.Assert(t, model[ev.Group] != nil && len(model[ev.Group]) == 0, "removal of a non-empty group %v", ev)
					delete(model, ev.Group)
				}
			}
			final := map[string]map[string]bool{}
			for _, g := range pm.Groups() {
				infos, _ := pm.Group(g)
				final[g] = map[string]bool{}
				for _, i := range infos {
					final[g][i.Channel.RemoteAddr()] = true
				}
				if !mode.compat49 {
					assert.Assert(t, len(infos) > 0, "5.x left empty group %s", g)
				}
			}
			if diff := cmp.Diff(model, final); diff != "" {
				t.Errorf("replayed events vs final table (-replay +final):\n%s", diff)
			}
		})
	}
}

func TestProducerManagerRemoveEmptyGroups(t *testing.T) {
	f := newPMFixture(true)
	f.pm.RegisterProducer("FULL", pmInfo(f.channel("10.0.0.1:1", false), "c@1"))
	f.pm.AddGroup("E1")
	f.pm.AddGroup("E0")
	f.events.Take()
	assert.DeepEqual(t, f.pm.RemoveEmptyGroups(), []string{"E0", "E1"})
	assert.DeepEqual(t, f.pm.Groups(), []string{"FULL"})
	assert.DeepEqual(t, f.events.Take(), []string{"group-removed E0", "group-removed E1"})
	assert.Equal(t, len(f.pm.RemoveEmptyGroups()), 0)
}

// releaseOf is the release a test mode mirrors.
func releaseOf(compat49 bool) protocol.Release {
	if compat49 {
		return protocol.Release498
	}
	return protocol.Release533
}
