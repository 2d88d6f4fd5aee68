package testsuite

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rocketmock/rocketmock/internal/textdiff"
	"github.com/rocketmock/rocketmock/protocol"
)

var (
	quotedAddrKey = regexp.MustCompile(`"brokerAddrs":\{"\d+":"`)
	bareAddrKey   = regexp.MustCompile(`"brokerAddrs":\{\d+:"`)
)

func routeKeysQuoted(t T, s *session) {
	ns := s.dialNamesrv(t)
	cases := []struct {
		what    string
		lang    protocol.LanguageCode
		version protocol.MQVersion
		std     *bool
		quoted  bool
	}{
		{"version 479 (Java 5.3.3)", protocol.Java, protocol.V5_3_3, nil, true},
		{"version 409 (Java 4.9.8)", protocol.Java, protocol.V4_9_8, nil, true},
		{"version 401 (V4_9_4, the threshold)", protocol.Java, protocol.V4_9_4, nil, true},
		{"version 400", protocol.Java, protocol.V4_9_4 - 1, nil, false},
		{"version 317 (Go client)", protocol.Go, protocol.V4_5_2, nil, false},
		{"version 317 with acceptStandardJsonOnly=true", protocol.Go, protocol.V4_5_2, protocol.Bool(true), true},
	}
	var first *protocol.TopicRouteData
	for _, tc := range cases {
		h := protocol.GetRouteInfoRequestHeader{Topic: s.target.Topic, AcceptStandardJsonOnly: tc.std}
		req := protocol.NewRequest(protocol.GetRouteInfoByTopic, h.Encode(), nil)
		req.Language, req.Version = tc.lang, tc.version
		resp := s.call(t, ns, req)
		what := fmt.Sprintf("route of %s for %s", s.target.Topic, tc.what)
		s.expectHeader(t, what, resp, wantReply(protocol.Success, ""))
		if resp.ResponseCode() != protocol.Success {
			continue
		}
		body := string(resp.Body)
		switch {
		case tc.quoted && !quotedAddrKey.MatchString(body):
			t.Errorf("%s: want quoted brokerAddrs keys ({\"0\":...}), body %s", what, body)
		case !tc.quoted && !bareAddrKey.MatchString(body):
			t.Errorf("%s: want bare brokerAddrs keys ({0:...}) as plain fastjson writes them, body %s", what, body)
		}
		if tc.quoted && !json.Valid(resp.Body) {
			t.Errorf("%s: the standard encoding must be valid JSON: %s", what, body)
		}
		s.checkCompactJSON(t, what, body)
		s.checkBodyFields(t, what, body)
		if !strings.Contains(body, `"filterServerTable":{`) {
			t.Errorf("%s: no filterServerTable object (the name server always writes one): %s", what, body)
		}
		route, err := protocol.DecodeTopicRouteData(resp.Body)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		checkRoute(t, what, route)
		if first == nil {
			first = route
		} else if d := textdiff.Values(first, route); d != "" {
			t.Errorf("%s: decodes to another route than for %s (-first +this):\n%s", what, cases[0].what, d)
		}
	}
}

// checkRoute checks what clients rely on: both arrays, every queue data on
// a broker data with a master, and a writable queue.
func checkRoute(t T, what string, r *protocol.TopicRouteData) {
	t.Helper()
	if len(r.QueueDatas) == 0 || len(r.BrokerDatas) == 0 {
		t.Errorf("%s: want queueDatas and brokerDatas, got %+v", what, r)
		return
	}
	writable := false
	for _, q := range r.QueueDatas {
		i := slices.IndexFunc(r.BrokerDatas, func(b protocol.BrokerData) bool { return b.BrokerName == q.BrokerName })
		if i < 0 {
			t.Errorf("%s: queue data of broker %q has no broker data", what, q.BrokerName)
			continue
		}
		if _, ok := r.BrokerDatas[i].MasterAddr(); !ok {
			t.Errorf("%s: broker %q has no master (id 0): %v", what, q.BrokerName, r.BrokerDatas[i].BrokerAddrs)
		}
		writable = writable || q.Perm&protocol.PermWrite != 0 && q.WriteQueueNums > 0
	}
	if !writable {
		t.Errorf("%s: no writable queue: %+v", what, r.QueueDatas)
	}
}

// checkBodyFields checks the release-specific BrokerData properties: 5.x has
// enableActingMaster, 4.9 does not.
func (s *session) checkBodyFields(t T, what, body string) {
	t.Helper()
	has := strings.Contains(body, `"enableActingMaster":`)
	switch {
	case s.target.Release.HasV5BodyFields() && !has:
		t.Errorf("%s: a 5.x BrokerData has enableActingMaster: %s", what, body)
	case !s.target.Release.HasV5BodyFields() && has:
		t.Errorf("%s: a 4.9 BrokerData has no enableActingMaster: %s", what, body)
	}
}

// checkCompactJSON checks there is no whitespace outside strings: the Go
// client splits brokerAddrs on ',' and ':' by hand, so a space would end
// up in an address.
func (s *session) checkCompactJSON(t T, what, body string) {
	t.Helper()
	inString, escaped := false, false
	for i := 0; i < len(body); i++ {
		ch := body[i]
		switch {
		case escaped:
			escaped = false
		case inString && ch == '\\':
			escaped = true
		case ch == '"':
			inString = !inString
		case !inString && (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r'):
			t.Errorf("%s: whitespace at offset %d outside a string; fastjson writes compact JSON: %s", what, i, body)
			return
		}
	}
}

func clusterInfo(t T, s *session) {
	ns := s.dialNamesrv(t)
	resp := s.call(t, ns, protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
	s.expectHeader(t, "cluster info", resp, wantReply(protocol.Success, ""))
	if resp.ResponseCode() != protocol.Success {
		return
	}
	body := string(resp.Body)
	// Plain fastjson for every client version: bare numeric keys.
	if !bareAddrKey.MatchString(body) {
		t.Errorf("cluster info: want bare brokerAddrs keys ({0:...}), body %s", body)
	}
	s.checkCompactJSON(t, "cluster info", body)
	s.checkBodyFields(t, "cluster info", body)
	info, err := protocol.DecodeClusterInfo(resp.Body)
	if err != nil {
		t.Fatalf("cluster info: %v", err)
	}
	for name, bd := range info.BrokerAddrTable {
		if bd.BrokerName != name {
			t.Errorf("cluster info: brokerAddrTable key %q holds broker %q", name, bd.BrokerName)
		}
	}
	// Every broker the topic's route names is in the cluster info, with
	// the same addresses, under its cluster.
	route, err := RouteInfo(ns, s.target.Topic)
	if err != nil {
		t.Fatalf("route of %s: %v", s.target.Topic, err)
	}
	for _, rb := range route.BrokerDatas {
		bd, ok := info.BrokerAddrTable[rb.BrokerName]
		if !ok {
			t.Errorf("cluster info: broker %q of the route of %s is missing: %s", rb.BrokerName, s.target.Topic, body)
			continue
		}
		if d := textdiff.Values(rb.BrokerAddrs, bd.BrokerAddrs); d != "" {
			t.Errorf("cluster info: broker %q addresses differ from the route's (-route +cluster info):\n%s", rb.BrokerName, d)
		}
		if !slices.Contains(info.ClusterAddrTable[bd.Cluster], bd.BrokerName) {
			t.Errorf("cluster info: clusterAddrTable[%q] = %v, want it to list %q", bd.Cluster, info.ClusterAddrTable[bd.Cluster], bd.BrokerName)
		}
	}
}
