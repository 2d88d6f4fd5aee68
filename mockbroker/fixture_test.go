package mockbroker

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func TestParseFixture(t *testing.T) {
	f, err := ParseFixture([]byte(`{
	  "description": "x",
	  "groups": [
	    {"name": "PG", "producers": [
	      {"clientId": "c@1", "addr": "10.0.0.1:1", "language": "JAVA", "version": "V4_9_8", "lastHeartbeatAge": "1m30s"},
	      {"clientId": "c@2", "addr": "10.0.0.2:2", "language": "GO", "version": 317}
	    ]},
	    {"name": "PG2", "producers": [
	      {"clientId": "c@1", "addr": "10.0.0.1:1", "language": "JAVA", "version": 409}
	    ]},
	    {"name": "EMPTY"}
	  ]}`))
	assert.NilError(t, err)
	want := &Fixture{Description: "x", Groups: []FixtureGroup{
		{Name: "PG", Producers: []FixtureProducer{
			{ClientID: "c@1", Addr: "10.0.0.1:1", Language: protocol.Java, Version: protocol.V4_9_8, LastHeartbeatAge: 90 * time.Second},
			{ClientID: "c@2", Addr: "10.0.0.2:2", Language: protocol.Go, Version: protocol.V4_5_2},
		}},
		{Name: "PG2", Producers: []FixtureProducer{{ClientID: "c@1", Addr: "10.0.0.1:1", Language: protocol.Java, Version: protocol.V4_9_8}}},
		{Name: "EMPTY"},
	}}
	assert.Assert(t, cmp.Diff(want, f) == "", cmp.Diff(want, f))
	g, p := f.Counts()
	assert.Equal(t, g, 3)
	assert.Equal(t, p, 2)
}

func TestFixtureRoundTripsThroughJSON(t *testing.T) {
	f := &Fixture{Groups: []FixtureGroup{{Name: "PG", Producers: []FixtureProducer{
		{ClientID: "c@1", Addr: "10.0.0.1:1", Language: protocol.Rust, Version: protocol.V5_3_3, LastHeartbeatAge: 2500 * time.Millisecond},
	}}}}
	data, err := json.Marshal(f)
	assert.NilError(t, err)
	assert.Equal(t, string(data), `{"groups":[{"name":"PG","producers":[{"clientId":"c@1","addr":"10.0.0.1:1","language":"RUST","version":"V5_3_3","lastHeartbeatAge":"2.5s"}]}]}`)
	back, err := ParseFixture(data)
	assert.NilError(t, err)
	assert.Assert(t, cmp.Diff(f, back) == "", cmp.Diff(f, back))
}

func TestParseFixtureErrorsSayWhere(t *testing.T) {
	prod := func(fields string) string {
		return `{"groups":[{"name":"PG","producers":[{` + fields + `}]}]}`
	}
	const ok = `"clientId":"c@1","addr":"10.0.0.1:1","language":"JAVA","version":"V4_9_8"`
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, `invalid fixture: empty input: want a JSON object`},
		{"syntax", "{\n  \"groups\": [,]\n}", `invalid fixture: line 2, column 14: invalid character ','`},
		{"not an object", `[]`, `invalid fixture: found a JSON array, want a JSON object`},
		{"no groups", `{}`, `"groups" is missing`},
		{"unknown top field", `{"group":[]}`, `json: unknown field "group"`},
		{"trailing data", `{"groups":[]} {}`, `data after the JSON value`},
		{"unknown group field", `{"groups":[{"name":"PG","producer":[]}]}`, `groups[0]: json: unknown field "producer"`},
		{"groups not a list", `{"groups":{}}`, `invalid fixture: groups: found a JSON object, want a JSON array`},
		{"producers not a list", `{"groups":[{"name":"PG","producers":"x"}]}`, `groups[0]: producers: found a JSON string, want a JSON array`},
		{"client id a number", prod(`"clientId":5`), `groups[0].producers[0].clientId: found a JSON number, want a JSON string`},
		{"no name", `{"groups":[{"producers":[]}]}`, `groups[0].name: missing`},
		{"duplicate group", `{"groups":[{"name":"PG"},{"name":"PG"}]}`, `groups[1].name: "PG" is also groups[0]`},
		{"unknown producer field", prod(ok + `,"age":"1s"`), `groups[0].producers[0]: json: unknown field "age"`},
		{"no client id", prod(`"addr":"10.0.0.1:1","language":"JAVA","version":1`), `groups[0].producers[0].clientId: missing`},
		{"no addr", prod(`"clientId":"c","language":"JAVA","version":1`), `groups[0].producers[0].addr: "": want the client's "ip:port"`},
		{"hostname addr", prod(`"clientId":"c","addr":"host:1","language":"JAVA","version":1`), `addr: "host:1": want the client's "ip:port"`},
		{"no language", prod(`"clientId":"c","addr":"10.0.0.1:1","version":1`), `groups[0].producers[0].language: missing`},
		{"bad language", prod(`"clientId":"c","addr":"10.0.0.1:1","language":"java","version":1`), `language: "java" is not a Java LanguageCode name`},
		{"no version", prod(`"clientId":"c","addr":"10.0.0.1:1","language":"JAVA"`), `version: missing: want an MQVersion name`},
		{"bad version name", prod(`"clientId":"c","addr":"10.0.0.1:1","language":"JAVA","version":"4.9.8"`), `version: "4.9.8" is not an MQVersion name`},
		{"negative version", prod(`"clientId":"c","addr":"10.0.0.1:1","language":"JAVA","version":-1`), `version: -1: want a non-negative`},
		{"bad age", prod(ok + `,"lastHeartbeatAge":"30"`), `lastHeartbeatAge: "30": want a non-negative Go duration`},
		{"negative age", prod(ok + `,"lastHeartbeatAge":"-1s"`), `lastHeartbeatAge: "-1s": want a non-negative Go duration`},
		{"twice in a group", `{"groups":[{"name":"PG","producers":[{` + ok + `},{` + ok + `}]}]}`, `groups[0].producers[1].addr: "10.0.0.1:1" appears twice in group "PG"`},
		{"one addr, two ids", `{"groups":[{"name":"A","producers":[{` + ok + `}]},{"name":"B","producers":[{` +
			strings.Replace(ok, "c@1", "c@2", 1) + `}]}]}`,
			`groups[1].producers[0]: addr "10.0.0.1:1" is one connection with groups[0].producers[0], which says clientId "c@1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFixture([]byte(tt.in))
			assert.ErrorContains(t, err, tt.want)
			assert.Assert(t, errors.Is(err, ErrInvalidFixture), "%v", err)
		})
	}
}

func TestReadFixtureNamesTheFile(t *testing.T) {
	_, err := ReadFixture(filepath.Join(t.TempDir(), "missing.json"))
	assert.ErrorContains(t, err, "reading fixture: open ")
	assert.ErrorContains(t, err, "missing.json: no such file")
}

// The shipped examples must load and mean what their descriptions say.
func TestExampleFixtures(t *testing.T) {
	paths, err := filepath.Glob("../fixtures/state/*.json")
	assert.NilError(t, err)
	assert.Assert(t, len(paths) >= 4, "examples: %v", paths)
	for _, p := range paths {
		f, err := ReadFixture(p)
		assert.NilError(t, err)
		assert.Assert(t, f.Description != "", "%s has no description", p)
		assert.NilError(t, Start(t).LoadFixture(f), p)
	}

	start := time.UnixMilli(1_700_000_000_000)
	b := Start(t, WithVirtualClock(start))
	f, err := ReadFixture("../fixtures/state/about-to-expire.json")
	assert.NilError(t, err)
	assert.NilError(t, b.LoadFixture(f))
	b.Advance(10 * time.Second)
	assert.DeepEqual(t, clientIDs(b.Producers("PG_inventory")), []string{"10.0.2.2@fresh"})

	for _, compat := range []protocol.Release{protocol.Release498, protocol.Release533} {
		b := Start(t, WithVirtualClock(start), WithRelease(compat))
		f, err := ReadFixture("../fixtures/state/empty-group.json")
		assert.NilError(t, err)
		assert.NilError(t, b.LoadFixture(f))
		b.Advance(10 * time.Second)
		_, exists := b.producers.Group("PG_gone")
		assert.Equal(t, exists, compat == protocol.Release498, compat.String())
	}
}

func loadJSON(t *testing.T, b *Broker, js string) {
	t.Helper()
	f, err := ParseFixture([]byte(js))
	assert.NilError(t, err)
	assert.NilError(t, b.LoadFixture(f))
}

func TestFixtureProducersAnswer204And328(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_123)
	b := Start(t, WithVirtualClock(start))
	loadJSON(t, b, `{"groups":[
	  {"name":"PG","producers":[
	    {"clientId":"10.0.0.5@1","addr":"10.0.0.5:50001","language":"JAVA","version":"V4_9_8","lastHeartbeatAge":"5s"},
	    {"clientId":"10.0.0.6@2","addr":"10.0.0.6:50002","language":"GO","version":317}]},
	  {"name":"PG2","producers":[
	    {"clientId":"10.0.0.5@1","addr":"10.0.0.5:50001","language":"JAVA","version":"V4_9_8","lastHeartbeatAge":"7s"}]}]}`)
	c := dial(t, b.Addr())
	for _, st := range []protocol.SerializeType{protocol.JSON, protocol.RocketMQ} {
		resp, pc := connections(t, c, "PG", st)
		assert.Equal(t, resp.Code, int32(0), resp.Remark)
		want := []protocol.Connection{
			{ClientID: "10.0.0.5@1", ClientAddr: "10.0.0.5:50001", Language: protocol.Java, Version: 409},
			{ClientID: "10.0.0.6@2", ClientAddr: "10.0.0.6:50002", Language: protocol.Go, Version: 317},
		}
		assert.Assert(t, cmp.Diff(want, pc.ConnectionSet) == "", cmp.Diff(want, pc.ConnectionSet))
	}
	resp := c.call(protocol.NewRequest(protocol.GetAllProducerInfo, map[string]string{}, nil))
	assert.Equal(t, resp.Code, int32(0))
	table, err := protocol.DecodeProducerTableInfo(resp.Body)
	assert.NilError(t, err)
	want := map[string][]protocol.ProducerInfo{
		"PG": {
			{ClientID: "10.0.0.5@1", RemoteIP: "/10.0.0.5:50001", Language: protocol.Java, Version: 409, LastUpdateTimestamp: 1_700_000_000_123 - 5000},
			{ClientID: "10.0.0.6@2", RemoteIP: "/10.0.0.6:50002", Language: protocol.Go, Version: 317, LastUpdateTimestamp: 1_700_000_000_123},
		},
		"PG2": {{ClientID: "10.0.0.5@1", RemoteIP: "/10.0.0.5:50001", Language: protocol.Java, Version: 409, LastUpdateTimestamp: 1_700_000_000_123 - 7000}},
	}
	assert.Assert(t, cmp.Diff(want, table.Data) == "", cmp.Diff(want, table.Data))
}

func TestFixtureProducersCloseAndExpireLikeRealOnes(t *testing.T) {
	const js = `{"groups":[
	  {"name":"A","producers":[
	    {"clientId":"v@1","addr":"10.0.0.1:1","language":"JAVA","version":409},
	    {"clientId":"v@2","addr":"10.0.0.2:2","language":"JAVA","version":409,"lastHeartbeatAge":"100s"}]},
	  {"name":"B","producers":[
	    {"clientId":"v@1","addr":"10.0.0.1:1","language":"JAVA","version":409},
	    {"clientId":"v@2","addr":"10.0.0.2:2","language":"JAVA","version":409}]}]}`
	start := time.Unix(1_700_000_000, 0)

	t.Run("close client", func(t *testing.T) {
		b := Start(t, WithVirtualClock(start))
		loadJSON(t, b, js)
		assert.NilError(t, b.CloseClient("v@1"))
		// The virtual close path runs synchronously, in every group.
		assert.DeepEqual(t, clientIDs(b.Producers("A")), []string{"v@2"})
		assert.DeepEqual(t, clientIDs(b.Producers("B")), []string{"v@2"})
		assert.ErrorContains(t, b.CloseClient("v@1"), `no producer connection with client id "v@1"`)
	})
	t.Run("expire one registration closes the connection", func(t *testing.T) {
		b := Start(t, WithVirtualClock(start))
		loadJSON(t, b, js)
		assert.NilError(t, b.ExpireProducer("A", "v@1"))
		assert.DeepEqual(t, clientIDs(b.Producers("B")), []string{"v@2"})
	})
	t.Run("scan", func(t *testing.T) {
		b := Start(t, WithVirtualClock(start))
		sub := b.Subscribe()
		defer sub.Close()
		loadJSON(t, b, js)
		// Scans at +10 s … +20 s: v@2's registration in A is 110 s, then
		// 120 s old (not more than 120 s: kept); at +30 s it is 130 s old.
		b.Advance(20 * time.Second)
		assert.Equal(t, len(b.Producers("A")), 2)
		b.Advance(10 * time.Second)
		// Expired in A, so its connection closed and it left B as well.
		assert.DeepEqual(t, clientIDs(b.Producers("A")), []string{"v@1"})
		assert.DeepEqual(t, clientIDs(b.Producers("B")), []string{"v@1"})
		var got []string
		for len(got) < 6 {
			ev, err := sub.Next(ctxT(t))
			assert.NilError(t, err)
			if ev.Kind.Clock() {
				continue // the Advance calls
			}
			got = append(got, ev.Kind.String()+" "+ev.Group+" "+ev.ClientID+" "+ev.RemoteAddr)
		}
		assert.DeepEqual(t, got, []string{
			"registered A v@1 10.0.0.1:1", "registered A v@2 10.0.0.2:2",
			"registered B v@1 10.0.0.1:1", "registered B v@2 10.0.0.2:2",
			"expired A v@2 10.0.0.2:2", "closed B v@2 10.0.0.2:2",
		})
	})
}

func TestLoadFixtureTwiceRefreshesAndConflictsChangeNothing(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	b := Start(t, WithVirtualClock(start))
	const js = `{"groups":[{"name":"PG","producers":[{"clientId":"v@1","addr":"10.0.0.1:1","language":"JAVA","version":409,"lastHeartbeatAge":"60s"}]}]}`
	loadJSON(t, b, js)
	b.Advance(50 * time.Second)
	loadJSON(t, b, js)
	ps := b.Producers("PG")
	assert.Equal(t, len(ps), 1, "the same address is the same connection")
	assert.Equal(t, ps[0].LastHeartbeat, start.Add(50*time.Second-60*time.Second), "reloading sets the age again")

	f, err := ParseFixture([]byte(`{"groups":[
	  {"name":"NEW","producers":[{"clientId":"n@1","addr":"10.0.0.9:9","language":"JAVA","version":409}]},
	  {"name":"PG","producers":[{"clientId":"other@1","addr":"10.0.0.1:1","language":"JAVA","version":409}]}]}`))
	assert.NilError(t, err)
	err = b.LoadFixture(f)
	assert.ErrorContains(t, err, `groups[1].producers[0]: addr "10.0.0.1:1" is already loaded as clientId "v@1"`)
	assert.Assert(t, errors.Is(err, ErrFixtureConflict))
	assert.DeepEqual(t, b.Groups(), []string{"PG"})

	// Once the old connection is closed, the address is free again.
	assert.NilError(t, b.CloseClient("v@1"))
	assert.NilError(t, b.LoadFixture(f))
	assert.DeepEqual(t, b.Groups(), []string{"NEW", "PG"})
	assert.DeepEqual(t, clientIDs(b.Producers("PG")), []string{"other@1"})
}

func TestResetIsARestart(t *testing.T) {
	for _, compat := range []protocol.Release{protocol.Release533, protocol.Release498} {
		t.Run(compat.String(), func(t *testing.T) {
			b := Start(t, WithVirtualClock(time.Unix(1_700_000_000, 0)), WithRelease(compat))
			real := dial(t, b.Addr())
			real.call(heartbeatCmd("r@1", protocol.Go, 317, "PG_real"))
			idle := dial(t, b.Addr()) // a connection with no producer
			idle.call(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
			assert.Equal(t, real.call(sendCmd("PG_real", "T", 0, "UNIQ_KEY\x01A\x02", []byte("x"))).Code, int32(0))
			ic := b.Intercept(protocol.SendMessage, FaultNoReply())
			loadJSON(t, b, `{"groups":[{"name":"PG_v","producers":[{"clientId":"v@1","addr":"10.0.0.1:1","language":"JAVA","version":409}]},{"name":"PG_empty"}]}`)
			b.Advance(time.Minute)
			before := b.Now()

			assert.NilError(t, b.Reset(ctxT(t)))
			assert.Equal(t, len(b.Groups()), 0, "groups left: %v", b.Groups())
			assert.Equal(t, len(b.Messages("")), 0)
			assert.Equal(t, len(b.SendCounts()), 0)
			assert.Equal(t, len(b.Journal()), 0)
			select {
			case <-ic.Done():
			default:
				t.Error("reset removes interceptions")
			}
			for _, c := range []*rawClient{real, idle} {
				_, err := c.tryRead(2 * time.Second)
				assert.Assert(t, err != nil && !isTimeout(err), "reset closes every connection: %v", err)
			}
			assert.Equal(t, b.Now(), before, "the clock is kept")

			// The broker serves new connections as before.
			again := dial(t, b.Addr())
			assert.Equal(t, again.call(heartbeatCmd("r@1", protocol.Go, 317, "PG_real")).Code, int32(0))
			assert.Equal(t, again.call(sendCmd("PG_real", "T", 0, "UNIQ_KEY\x01B\x02", []byte("x"))).Code, int32(0))
			assert.DeepEqual(t, b.Groups(), []string{"PG_real"})
		})
	}
}

func TestResetAfterClose(t *testing.T) {
	b := Start(t)
	b.Close()
	assert.Assert(t, errors.Is(b.Reset(ctxT(t)), ErrClosed))
	assert.Assert(t, errors.Is(b.LoadFixture(&Fixture{}), ErrClosed))
}
