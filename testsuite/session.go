package testsuite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// defaultTopic is the route the suite asks for when the target names none:
// a broker with autoCreateTopicEnable (the default) registers it.
const defaultTopic = "TBW102"

// session is one run of the suite against one target.
type session struct {
	target  Target
	broker  string // resolved broker address
	runID   string // makes group names and client ids unique per run
	seq     atomic.Int64
	timeout time.Duration
}

func newSession(ctx context.Context, target Target) (*session, error) {
	if target.NameServer == "" {
		return nil, errors.New("target: the name server address is required")
	}
	if target.Topic == "" {
		target.Topic = defaultTopic
	}
	s := &session{target: target, broker: target.Broker, runID: newRunID(), timeout: target.Timeout}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.broker == "" {
		addr, err := s.findBroker(ctx)
		if err != nil {
			return nil, fmt.Errorf("finding the broker through the route of %q at %s: %w (give the broker address)",
				target.Topic, target.NameServer, err)
		}
		s.broker = addr
	}
	return s, nil
}

// newRunID returns 8 hex digits, fresh for every run: a real broker keeps
// the state of earlier runs.
func newRunID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%08x", uint32(time.Now().UnixNano()))
	}
	return hex.EncodeToString(b[:])
}

// findBroker returns the master address of the first broker (by name) in
// the route of the session's topic.
func (s *session) findBroker(ctx context.Context) (string, error) {
	c, err := s.dialAddr(ctx, s.target.NameServer)
	if err != nil {
		return "", err
	}
	defer c.Close()
	route, err := RouteInfo(c, s.target.Topic)
	if err != nil {
		return "", err
	}
	return PickBroker(route, nil)
}

// RouteInfo asks a name server for a topic's route, as mqadmin does, and
// returns it decoded. A reply other than success is an *ReplyError.
func RouteInfo(c *Conn, topic string) (*protocol.TopicRouteData, error) {
	h := protocol.GetRouteInfoRequestHeader{Topic: topic}
	resp, err := c.Call(protocol.NewRequest(protocol.GetRouteInfoByTopic, h.Encode(), nil))
	if err != nil {
		return nil, err
	}
	if resp.ResponseCode() != protocol.Success || resp.Body == nil {
		return nil, &ReplyError{Code: resp.ResponseCode(), Remark: resp.Remark}
	}
	return protocol.DecodeTopicRouteData(resp.Body)
}

// ReplyError is a reply whose code says the request failed.
type ReplyError struct {
	Code   protocol.ResponseCode
	Remark string
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("reply code %d (%s): %s", e.Code, e.Code, e.Remark)
}

// PickBroker returns the address of broker id 0 of the first broker data
// (in name order) that has one. pick, when non-nil, chooses the broker
// data instead (mqadmin picks at random); it gets the sorted list.
func PickBroker(route *protocol.TopicRouteData, pick func(n int) int) (string, error) {
	bds := append([]protocol.BrokerData(nil), route.BrokerDatas...)
	if len(bds) == 0 {
		return "", errors.New("the route has no broker data")
	}
	sort.Slice(bds, func(i, j int) bool { return bds[i].BrokerName < bds[j].BrokerName })
	if pick != nil {
		bd := bds[pick(len(bds))]
		if addr, ok := bd.MasterAddr(); ok {
			return addr, nil
		}
		return "", fmt.Errorf("broker %q has no master (id 0): %v", bd.BrokerName, bd.BrokerAddrs)
	}
	for _, bd := range bds {
		if addr, ok := bd.MasterAddr(); ok {
			return addr, nil
		}
	}
	return "", fmt.Errorf("no broker in the route has a master (id 0): %+v", bds)
}

func (s *session) dialAddr(ctx context.Context, addr string) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	c, err := Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	c.SetTimeout(s.timeout)
	c.Version = s.serverVersion()
	return c, nil
}

// serverVersion is the version a Java client of the target's release
// sends.
func (s *session) serverVersion() protocol.MQVersion {
	return s.target.Release.Version()
}

// dial connects to addr for the scenario and closes the connection when it
// ends.
func (s *session) dial(t T, addr string) *Conn {
	t.Helper()
	c, err := s.dialAddr(t.Context(), addr)
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (s *session) dialBroker(t T) *Conn  { t.Helper(); return s.dial(t, s.broker) }
func (s *session) dialNamesrv(t T) *Conn { t.Helper(); return s.dial(t, s.target.NameServer) }

// group returns a producer group name unique to this run.
func (s *session) group(t T) string {
	return fmt.Sprintf("rmck_%s_%d", s.runID, s.seq.Add(1))
}

// call sends a request and returns its reply, failing t on a network error.
func (s *session) call(t T, c *Conn, cmd *protocol.Command) *protocol.Command {
	t.Helper()
	resp, err := c.Call(cmd)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return resp
}

// client is one producer connection a scenario drives.
type client struct {
	*Conn
	label string // "c1", "c2", ... in diffs
	id    string // its client id
	ident
}

// newClient connects a producer that heartbeats as the given language and
// version (e.g. GO/317 for rocketmq-client-go, JAVA/409 for a 4.9.8 client).
func (s *session) newClient(t T, label string, id ident) *client {
	t.Helper()
	c := s.dialBroker(t)
	host, _, _ := net.SplitHostPort(c.LocalAddr())
	return &client{Conn: c, label: label, ident: id,
		id: fmt.Sprintf("%s@rmck_%s_%d", host, s.runID, s.seq.Add(1))}
}

// heartbeatRequest is a HEART_BEAT for the groups as this client sends it.
func (c *client) heartbeatRequest(rel protocol.Release, groups ...string) *protocol.Command {
	hb := protocol.HeartbeatData{ClientID: c.id}
	for _, g := range groups {
		hb.ProducerDataSet = append(hb.ProducerDataSet, protocol.ProducerData{GroupName: g})
	}
	var ext map[string]string
	if c.lang != protocol.Java || rel.ClientHeartbeatHasExtFields() {
		ext = map[string]string{} // Go and 5.x Java send "extFields":{}
	}
	cmd := protocol.NewRequest(protocol.HeartBeat, ext, hb.MarshalAs(rel))
	cmd.Language, cmd.Version = c.lang, protocol.MQVersion(c.version)
	return cmd
}

// twoProducers dials an admin connection, then clients "c1" and "c2" of
// the given kinds, and registers both in a fresh group.
func (s *session) twoProducers(t T, id1, id2 ident) (g string, admin *Conn, c1, c2 *client) {
	t.Helper()
	g = s.group(t)
	admin = s.dialBroker(t)
	c1, c2 = s.newClient(t, "c1", id1), s.newClient(t, "c2", id2)
	s.heartbeat(t, c1, g)
	s.heartbeat(t, c2, g)
	return g, admin, c1, c2
}

// heartbeat sends a heartbeat for the groups and checks it succeeded.
func (s *session) heartbeat(t T, c *client, groups ...string) *protocol.Command {
	t.Helper()
	resp := s.call(t, c.Conn, c.heartbeatRequest(s.target.Release, groups...))
	if resp.ResponseCode() != protocol.Success {
		t.Fatalf("heartbeat of %s for %v: reply code %d, remark %q", c.label, groups, resp.Code, resp.Remark)
	}
	return resp
}

// unregister sends UNREGISTER_CLIENT for the group over c.
func (s *session) unregister(t T, c *Conn, clientID, group string) *protocol.Command {
	t.Helper()
	h := protocol.UnregisterClientRequestHeader{ClientID: clientID, ProducerGroup: group}
	return s.call(t, c, protocol.NewRequest(protocol.UnregisterClient, h.Encode(), nil))
}

// producerConnections sends GET_PRODUCER_CONNECTION_LIST for the group.
func (s *session) producerConnections(t T, c *Conn, group string) *protocol.Command {
	t.Helper()
	h := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: group}
	return s.call(t, c, protocol.NewRequest(protocol.GetProducerConnectionList, h.Encode(), nil))
}

// eventually calls f until it reports true or the session's timeout
// passes, and returns its last verdict.
func (s *session) eventually(t T, f func() bool) bool {
	deadline := time.Now().Add(s.timeout)
	for {
		if f() {
			return true
		}
		if time.Now().After(deadline) || t.Context().Err() != nil {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
