package testsuite

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/rocketmock/rocketmock/internal/textdiff"
	"github.com/rocketmock/rocketmock/protocol"
)

// Consumer scenarios: registration by heartbeat, GET_CONSUMER_LIST_BY_GROUP
// (38), offsets (14, 15, 30, 31), pull statuses (11), long polling,
// GET_CONSUMER_CONNECTION_LIST (203), GET_CONSUME_STATS (208),
// UNREGISTER_CLIENT (35) and connection close, as a 4.9.8 or 5.x broker
// answers them (ConsumerManageProcessor, PullMessageProcessor,
// AdminBrokerProcessor, DefaultMessageStore.getMessage). Each scenario
// makes its own group and topic (the topic is created by a send, as a
// broker with autoCreateTopicEnable does: 4 queues).

// ConsumerHooks are the consumer test hooks, beyond Hooks, that the
// consumer hook scenarios need; *mockbroker.Broker and HTTPHooks have them.
type ConsumerHooks interface {
	// ExpireConsumer drops the client's connections from a consumer group
	// now and closes them, as the expiry scan does.
	ExpireConsumer(group, clientID string) error
	// WaitConsumers waits until the consumer group has exactly n
	// connections.
	WaitConsumers(ctx context.Context, group string, n int) error
}

// needConsumers fails a consumer scenario at once on a target that does
// not serve consumers at all (GET_CONSUMER_LIST_BY_GROUP answered with
// REQUEST_CODE_NOT_SUPPORTED): every RocketMQ broker serves them.
func (s *session) needConsumers(t T) {
	t.Helper()
	resp := s.consumerList(t, s.dialBroker(t), "rmck_"+s.runID+"_probe")
	if resp.ResponseCode() == protocol.RequestCodeNotSupported {
		t.Fatalf("the target does not serve consumers (38: %q); every RocketMQ broker does", resp.Remark)
	}
}

// consumerSubVersion is the subVersion the suite's consumers subscribe
// with (and pull with).
const consumerSubVersion = 1700000000000

// topic returns a topic name unique to this run.
func (s *session) topic(t T) string {
	return fmt.Sprintf("rmck_%s_T%d", s.runID, s.seq.Add(1))
}

// consumerHeartbeatRequest is a HEART_BEAT registering c as a push
// consumer of group, CLUSTERING, subscribing "*" to the topics.
func (c *client) consumerHeartbeatRequest(rel protocol.Release, group string, topics ...string) *protocol.Command {
	cd := protocol.ConsumerData{GroupName: group, ConsumeType: protocol.ConsumePassively,
		MessageModel: protocol.MessageModelClustering, ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET"}
	for _, tp := range topics {
		cd.SubscriptionDataSet = append(cd.SubscriptionDataSet, protocol.SubscriptionData{Topic: tp, SubString: "*",
			ExpressionType: protocol.ExpressionTypeTag, SubVersion: consumerSubVersion, TagsSet: []string{}, CodeSet: []int32{}})
	}
	hb := protocol.HeartbeatData{ClientID: c.id, ConsumerDataSet: []protocol.ConsumerData{cd}}
	var ext map[string]string
	if c.lang != protocol.Java || rel.ClientHeartbeatHasExtFields() {
		ext = map[string]string{}
	}
	cmd := protocol.NewRequest(protocol.HeartBeat, ext, hb.MarshalAs(rel))
	cmd.Language, cmd.Version = c.lang, protocol.MQVersion(c.version)
	return cmd
}

// consumerHeartbeat registers c as a consumer of group and checks the reply.
func (s *session) consumerHeartbeat(t T, c *client, group string, topics ...string) {
	t.Helper()
	resp := s.call(t, c.Conn, c.consumerHeartbeatRequest(s.target.Release, group, topics...))
	s.expectReply(t, "consumer heartbeat of "+c.label, resp, s.heartbeatReply())
}

// send stores n messages in a queue of topic through a producer
// connection, creating the topic (4 queues) on first use.
func (s *session) send(t T, c *Conn, topic string, queue int32, n int) {
	t.Helper()
	for i := range n {
		h := protocol.SendMessageRequestHeader{ProducerGroup: "rmck_" + s.runID + "_PG", Topic: topic, DefaultTopic: "TBW102",
			DefaultTopicQueueNums: 4, QueueID: queue, BornTimestamp: time.Now().UnixMilli(),
			Properties: fmt.Sprintf("UNIQ_KEY\x01rmck%s%d%d\x02WAIT\x01true", s.runID, s.seq.Add(1), i)}
		resp := s.call(t, c, protocol.NewRequest(protocol.SendMessage, h.Encode(), []byte(fmt.Sprintf("body %d", i))))
		if resp.ResponseCode() != protocol.Success {
			t.Fatalf("sending to %s queue %d: code %d, remark %q", topic, queue, resp.Code, resp.Remark)
		}
	}
}

// consumerConnections sends GET_CONSUMER_CONNECTION_LIST for the group.
func (s *session) consumerConnections(t T, c *Conn, group string) *protocol.Command {
	t.Helper()
	h := protocol.GetConsumerConnectionListRequestHeader{ConsumerGroup: group}
	return s.call(t, c, protocol.NewRequest(protocol.GetConsumerConnectionList, h.Encode(), nil))
}

// consumerList sends GET_CONSUMER_LIST_BY_GROUP.
func (s *session) consumerList(t T, c *Conn, group string) *protocol.Command {
	t.Helper()
	h := protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: group}
	return s.call(t, c, protocol.NewRequest(protocol.GetConsumerListByGroup, h.Encode(), nil))
}

// withEmptyHeader is a reply built by createResponseCommand with a
// response header class whose fields are all null (38's
// GetConsumerListByGroupResponseHeader, 14's QueryConsumerOffsetResponseHeader
// without an offset): "extFields":{}.
func withEmptyHeader(r reply) reply {
	r.ExtFields = map[string]string{}
	return r
}

// consumerNotOnline is the 203 reply for a group without consumers.
func consumerNotOnline(group string) reply {
	return wantReply(protocol.ConsumerNotOnline, "the consumer group["+group+"] not online")
}

// expectConsumers checks a 203 reply: success, exactly the clients'
// connections (in any order), the topics subscribed "*" and the group's
// settings.
func (s *session) expectConsumers(t T, what string, got *protocol.Command, topics []string, clients ...*client) {
	t.Helper()
	s.expectHeader(t, what, got, wantReply(protocol.Success, ""))
	if got.ResponseCode() != protocol.Success {
		return
	}
	cc, err := protocol.DecodeConsumerConnection(got.Body)
	if err != nil {
		t.Errorf("%s: body %q: %v", what, got.Body, err)
		return
	}
	type view struct {
		Conns                                       []conn
		Topics                                      []string
		ConsumeType, MessageModel, ConsumeFromWhere string
	}
	want := view{Topics: slices.Sorted(slices.Values(topics)), ConsumeType: protocol.ConsumePassively,
		MessageModel: protocol.MessageModelClustering, ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET"}
	for _, c := range clients {
		want.Conns = append(want.Conns, c.want())
	}
	have := view{ConsumeType: cc.ConsumeType, MessageModel: cc.MessageModel, ConsumeFromWhere: cc.ConsumeFromWhere}
	for _, c := range cc.ConnectionSet {
		have.Conns = append(have.Conns, conn{ClientID: c.ClientID, Addr: addrLabel(c.ClientAddr, c.ClientID, clients),
			Language: c.Language.String(), Version: c.Version})
	}
	for tp, sd := range cc.SubscriptionTable {
		if sd.SubString != "*" || sd.Topic != tp {
			t.Errorf("%s: subscription of %s: %+v, want topic %s and subString *", what, tp, sd, tp)
		}
		have.Topics = append(have.Topics, tp)
	}
	slices.Sort(have.Topics)
	byID := func(a, b conn) int {
		if a.ClientID < b.ClientID {
			return -1
		}
		if a.ClientID > b.ClientID {
			return 1
		}
		return 0
	}
	slices.SortFunc(want.Conns, byID)
	slices.SortFunc(have.Conns, byID)
	if d := textdiff.Values(want, have); d != "" {
		t.Errorf("%s: 203 differs (-want +got):\n%s\nbody: %s", what, d, got.Body)
	}
}

// waitConsumerIDs polls 38 until it lists exactly the ids (any order).
func (s *session) waitConsumerIDs(t T, admin *Conn, group string, ids ...string) {
	t.Helper()
	slices.Sort(ids)
	var last []string
	ok := s.eventually(t, func() bool {
		resp := s.consumerList(t, admin, group)
		last = nil
		if resp.ResponseCode() == protocol.Success {
			if b, err := protocol.DecodeGetConsumerListByGroupResponseBody(resp.Body); err == nil {
				last = slices.Sorted(slices.Values(b.ConsumerIDList))
			}
		}
		return slices.Equal(last, ids)
	})
	if !ok {
		t.Fatalf("38 for %s lists %v, want %v", group, last, ids)
	}
}

// twoConsumers dials an admin connection and sends a heartbeat for a new
// group and topic from two new clients, c1 then c2.
func (s *session) twoConsumers(t T, id1, id2 ident) (group, topic string, admin *Conn, c1, c2 *client) {
	t.Helper()
	group, topic = s.group(t), s.topic(t)
	admin = s.dialBroker(t)
	c1 = s.newClient(t, "c1", id1)
	c2 = s.newClient(t, "c2", id2)
	s.consumerHeartbeat(t, c1, group, topic)
	s.consumerHeartbeat(t, c2, group, topic)
	return group, topic, admin, c1, c2
}

// consumerAfterSends needs consumers, sends n messages to queue 0 of a
// new topic over producer connection p, then registers client c1
// (4.9.8) in a new group with a heartbeat.
func (s *session) consumerAfterSends(t T, n int) (group, topic string, p *Conn, c1 *client) {
	t.Helper()
	s.needConsumers(t)
	group, topic = s.group(t), s.topic(t)
	p = s.dialBroker(t)
	s.send(t, p, topic, 0, n)
	c1 = s.newClient(t, "c1", java498)
	s.consumerHeartbeat(t, c1, group, topic)
	return group, topic, p, c1
}

func consumerHeartbeatRegisters(t T, s *session) {
	s.needConsumers(t)
	g, topic := s.group(t), s.topic(t)
	admin := s.dialBroker(t)
	c1 := s.newClient(t, "c1", java498)
	s.consumerHeartbeat(t, c1, g, topic)
	s.expectConsumers(t, "203 after the heartbeat", s.consumerConnections(t, admin, g), []string{topic}, c1)
	c2 := s.newClient(t, "c2", goClient)
	s.consumerHeartbeat(t, c2, g, topic)
	s.expectConsumers(t, "203 after a second consumer", s.consumerConnections(t, admin, g), []string{topic}, c1, c2)
}

func consumerUnknownGroup(t T, s *session) {
	s.needConsumers(t)
	g := s.group(t)
	admin := s.dialBroker(t)
	s.expectReply(t, "203 for a group never seen", s.consumerConnections(t, admin, g), consumerNotOnline(g))
	s.expectReply(t, "38 for a group never seen", s.consumerList(t, admin, g),
		withEmptyHeader(wantReply(protocol.SystemError, "no consumer for this group, "+g)))
}

func consumerListByGroup(t T, s *session) {
	s.needConsumers(t)
	g, _, admin, c1, c2 := s.twoConsumers(t, goClient, java533)
	resp := s.consumerList(t, admin, g)
	s.expectHeader(t, "38", resp, withEmptyHeader(wantReply(protocol.Success, "")))
	body, err := protocol.DecodeGetConsumerListByGroupResponseBody(resp.Body)
	if err != nil {
		t.Fatalf("38 body %q: %v", resp.Body, err)
	}
	got, want := slices.Sorted(slices.Values(body.ConsumerIDList)), slices.Sorted(slices.Values([]string{c1.id, c2.id}))
	if !slices.Equal(got, want) {
		t.Errorf("38 lists %v, want %v", got, want)
	}
}

// offsetCall sends an offset request (14, 30, 31) and returns the reply.
func (s *session) offsetCall(t T, c *Conn, code protocol.RequestCode, ext map[string]string) *protocol.Command {
	t.Helper()
	return s.call(t, c, protocol.NewRequest(code, ext, nil))
}

// expectOffset checks a reply carrying extFields offset.
func (s *session) expectOffset(t T, what string, got *protocol.Command, offset int64) {
	t.Helper()
	want := wantReply(protocol.Success, "")
	want.ExtFields = map[string]string{"offset": strconv.FormatInt(offset, 10)}
	s.expectReply(t, what, got, want)
}

// commitOffset sends UPDATE_CONSUMER_OFFSET oneway, as every client does,
// and waits until QUERY_CONSUMER_OFFSET reports it.
func (s *session) commitOffset(t T, c *Conn, group, topic string, queue int32, offset int64) {
	t.Helper()
	h := protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: queue, CommitOffset: offset}
	req := c.Prepare(protocol.NewRequest(protocol.UpdateConsumerOffset, h.Encode(), nil))
	req.Flag |= protocol.FlagOneway
	if err := c.Send(req); err != nil {
		t.Fatalf("sending 15: %v", err)
	}
	q := protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: queue}
	var last *protocol.Command
	if !s.eventually(t, func() bool {
		last = s.offsetCall(t, c, protocol.QueryConsumerOffset, q.Encode())
		return last.ResponseCode() == protocol.Success && last.ExtFields["offset"] == strconv.FormatInt(offset, 10)
	}) {
		t.Fatalf("14 after committing %d to %s queue %d: code %d, extFields %v", offset, topic, queue, last.Code, last.ExtFields)
	}
}

func consumerOffsets(t T, s *session) {
	g, topic, _, c1 := s.consumerAfterSends(t, 2)
	q := func(queue int32) map[string]string {
		return (&protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: g, Topic: topic, QueueID: queue}).Encode()
	}
	// Nothing committed, message 0 held in memory: offset 0 (both releases).
	s.expectOffset(t, "14 with nothing committed", s.offsetCall(t, c1.Conn, protocol.QueryConsumerOffset, q(0)), 0)
	// An empty queue: 4.9.8 still answers 0, 5.x QUERY_NOT_FOUND.
	empty := s.offsetCall(t, c1.Conn, protocol.QueryConsumerOffset, q(3))
	if s.target.Release == protocol.Release498 {
		s.expectOffset(t, "14 of an empty queue (4.9.8)", empty, 0)
	} else {
		s.expectReply(t, "14 of an empty queue (5.x)", empty,
			withEmptyHeader(wantReply(protocol.QueryNotFound, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first")))
	}
	mq := map[string]string{"topic": topic, "queueId": "0"}
	s.expectOffset(t, "30 GET_MAX_OFFSET", s.offsetCall(t, c1.Conn, protocol.GetMaxOffset, mq), 2)
	s.expectOffset(t, "31 GET_MIN_OFFSET", s.offsetCall(t, c1.Conn, protocol.GetMinOffset, mq), 0)
	s.commitOffset(t, c1.Conn, g, topic, 0, 1)
	s.expectOffset(t, "14 after committing 1", s.offsetCall(t, c1.Conn, protocol.QueryConsumerOffset, q(0)), 1)
}

// pullRequest is a PULL_MESSAGE as a push consumer sends it: no
// subscription (the broker uses the heartbeat's), the given flags.
func pullRequest(group, topic string, queue int32, offset int64, flags protocol.PullSysFlag, suspend time.Duration) *protocol.Command {
	h := protocol.PullMessageRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: queue, QueueOffset: offset,
		MaxMsgNums: 32, SysFlag: flags, SuspendTimeoutMillis: suspend.Milliseconds(), SubVersion: consumerSubVersion,
		ExpressionType: protocol.ExpressionTypeTag}
	return protocol.NewRequest(protocol.PullMessage, h.Encode(), nil)
}

// expectPull checks a pull reply's code, remark (the GetMessageStatus),
// offsets and message count.
func (s *session) expectPull(t T, what string, got *protocol.Command, code protocol.ResponseCode, status string, next, minOff, maxOff int64, msgs int) {
	t.Helper()
	type view struct {
		Code                    protocol.ResponseCode
		Remark                  string
		Next, Min, Max, Suggest int64
		Messages                int
	}
	var h protocol.PullMessageResponseHeader
	if err := h.Decode(got.ExtFields); err != nil {
		t.Errorf("%s: response header %v: %v", what, got.ExtFields, err)
	}
	n := 0
	if len(got.Body) > 0 {
		ms, err := protocol.DecodeMessageExts(got.Body)
		if err != nil {
			t.Errorf("%s: body: %v", what, err)
		}
		n = len(ms)
	}
	want := view{code, status, next, minOff, maxOff, 0, msgs}
	have := view{got.ResponseCode(), got.Remark, h.NextBeginOffset, h.MinOffset, h.MaxOffset, h.SuggestWhichBrokerID, n}
	if d := textdiff.Values(want, have); d != "" {
		t.Errorf("%s: pull reply differs (-want +got):\n%s", what, d)
	}
	s.checkVersion(t, what, got)
}

func consumerPullStatuses(t T, s *session) {
	g, topic, _, c1 := s.consumerAfterSends(t, 2)
	s.expectPull(t, "pull from 0", s.call(t, c1.Conn, pullRequest(g, topic, 0, 0, 0, 0)), protocol.Success, "FOUND", 2, 0, 2, 2)
	s.expectPull(t, "pull at the end", s.call(t, c1.Conn, pullRequest(g, topic, 0, 2, 0, 0)), protocol.PullNotFound, "OFFSET_OVERFLOW_ONE", 2, 0, 2, 0)
	s.expectPull(t, "pull past the end", s.call(t, c1.Conn, pullRequest(g, topic, 0, 7, 0, 0)), protocol.PullOffsetMoved, "OFFSET_OVERFLOW_BADLY", 2, 0, 2, 0)
	s.expectPull(t, "pull an empty queue from 0", s.call(t, c1.Conn, pullRequest(g, topic, 3, 0, 0, 0)), protocol.PullNotFound, "NO_MESSAGE_IN_QUEUE", 0, 0, 0, 0)
	s.expectPull(t, "pull an empty queue from 1", s.call(t, c1.Conn, pullRequest(g, topic, 3, 1, 0, 0)), protocol.PullOffsetMoved, "NO_MESSAGE_IN_QUEUE", 0, 0, 0, 0)
}

func consumerLongPollWakeUp(t T, s *session) {
	g, topic, p, c1 := s.consumerAfterSends(t, 1)
	const suspend = 15 * time.Second
	c1.SetTimeout(suspend + 5*time.Second)
	defer c1.SetTimeout(s.timeout)
	req := c1.Prepare(pullRequest(g, topic, 0, 1, protocol.PullSuspend, suspend))
	if err := c1.Send(req); err != nil {
		t.Fatalf("sending the pull: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // let the broker park it
	sent := time.Now()
	s.send(t, p, topic, 0, 1)
	resp, err := c1.ReadResponse()
	if err != nil {
		t.Fatalf("waiting for the parked pull's reply: %v", err)
	}
	if took := time.Since(sent); took > suspend/2 {
		t.Errorf("the parked pull was answered %v after the message arrived: want at once, well before its %v timeout", took.Round(time.Millisecond), suspend)
	}
	if resp.Opaque != req.Opaque {
		t.Errorf("reply opaque %d, want %d", resp.Opaque, req.Opaque)
	}
	s.expectPull(t, "the parked pull, woken", resp, protocol.Success, "FOUND", 2, 0, 2, 1)
}

func consumerConsumeStats(t T, s *session) {
	g, topic, _, c1 := s.consumerAfterSends(t, 2)
	s.commitOffset(t, c1.Conn, g, topic, 0, 1)
	h := protocol.GetConsumeStatsRequestHeader{ConsumerGroup: g, Topic: topic}
	resp := s.call(t, s.dialBroker(t), protocol.NewRequest(protocol.GetConsumeStats, h.Encode(), nil))
	s.expectHeader(t, "208", resp, wantReply(protocol.Success, ""))
	st, err := protocol.DecodeConsumeStats(resp.Body)
	if err != nil {
		t.Fatalf("208 body %q: %v", resp.Body, err)
	}
	type entry struct {
		QueueID                      int32
		BrokerOffset, ConsumerOffset int64
		HasLastTimestamp             bool
	}
	var have []entry
	for q, o := range st.OffsetTable {
		if q.Topic != topic {
			t.Errorf("208 lists %v, a queue of another topic", q)
			continue
		}
		have = append(have, entry{q.QueueID, o.BrokerOffset, o.ConsumerOffset, o.LastTimestamp > 0})
	}
	slices.SortFunc(have, func(a, b entry) int { return int(a.QueueID - b.QueueID) })
	want := []entry{{0, 2, 1, true}, {1, 0, 0, false}, {2, 0, 0, false}, {3, 0, 0, false}}
	if d := textdiff.Values(want, have); d != "" {
		t.Errorf("208 offsetTable differs (-want +got):\n%s\nbody: %s", d, resp.Body)
	}
}

func consumerUnregister(t T, s *session) {
	s.needConsumers(t)
	g, topic, admin, c1, c2 := s.twoConsumers(t, java498, java498)
	h := protocol.UnregisterClientRequestHeader{ClientID: c1.id, ConsumerGroup: g}
	resp := s.call(t, c1.Conn, protocol.NewRequest(protocol.UnregisterClient, h.Encode(), nil))
	want := wantReply(protocol.Success, "")
	want.ExtFields = map[string]string{}
	s.expectReply(t, "35 for c1", resp, want)
	s.expectConsumers(t, "203 after c1 unregistered", s.consumerConnections(t, admin, g), []string{topic}, c2)
	s.waitConsumerIDs(t, admin, g, c2.id)
	h = protocol.UnregisterClientRequestHeader{ClientID: c2.id, ConsumerGroup: g}
	s.call(t, c2.Conn, protocol.NewRequest(protocol.UnregisterClient, h.Encode(), nil))
	s.expectReply(t, "203 after the last consumer unregistered", s.consumerConnections(t, admin, g), consumerNotOnline(g))
}

// drainNotifications reads what the broker sent c on its own until it has
// been quiet for a moment.
func drainNotifications(c *client, quiet, restore time.Duration) {
	c.SetTimeout(quiet)
	defer c.SetTimeout(restore)
	for {
		if _, err := c.Read(); err != nil {
			return
		}
	}
}

func consumerClose(t T, s *session) {
	s.needConsumers(t)
	g, topic, admin, c1, c2 := s.twoConsumers(t, goClient, goClient)
	drainNotifications(c1, 500*time.Millisecond, s.timeout)
	c2.Close()
	// The rest of the group is told to rebalance: NOTIFY_CONSUMER_IDS_CHANGED,
	// oneway, header consumerGroup.
	notified := false
	for !notified {
		cmd, err := c1.Read()
		if err != nil {
			t.Fatalf("after c2 closed, c1 got no NOTIFY_CONSUMER_IDS_CHANGED: %v", err)
		}
		if cmd.IsResponse() || cmd.RequestCode() != protocol.NotifyConsumerIDsChanged {
			continue
		}
		notified = true
		if !cmd.IsOneway() || cmd.ExtFields["consumerGroup"] != g {
			t.Errorf("NOTIFY_CONSUMER_IDS_CHANGED: flag %d, extFields %v; want oneway with consumerGroup %s", cmd.Flag, cmd.ExtFields, g)
		}
	}
	s.waitConsumerIDs(t, admin, g, c1.id)
	s.expectConsumers(t, "203 after c2 closed", s.consumerConnections(t, admin, g), []string{topic}, c1)
	c1.Close()
	var last *protocol.Command
	if !s.eventually(t, func() bool {
		last = s.consumerConnections(t, admin, g)
		return last.ResponseCode() == protocol.ConsumerNotOnline
	}) {
		t.Errorf("203 after the last consumer closed: code %d, remark %q; want %d", last.Code, last.Remark, protocol.ConsumerNotOnline)
	}
}

// needConsumerHooks skips the scenario on a target without consumer hooks.
func (s *session) needConsumerHooks(t T) (Hooks, ConsumerHooks) {
	t.Helper()
	h := s.needHooks(t)
	s.needConsumers(t)
	ch, ok := h.(ConsumerHooks)
	if !ok {
		t.Skipf("needs the target's consumer hooks (ExpireConsumer, WaitConsumers)")
	}
	return h, ch
}

func (s *session) waitConsumers(t T, h ConsumerHooks, group string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), s.timeout)
	defer cancel()
	if err := h.WaitConsumers(ctx, group, n); err != nil {
		t.Fatalf("WaitConsumers(%s, %d): %v", group, n, err)
	}
}

func hooksCloseConsumer(t T, s *session) {
	h, ch := s.needConsumerHooks(t)
	g, topic, admin, c1, c2 := s.twoConsumers(t, goClient, java498)
	s.waitConsumers(t, ch, g, 2)
	if err := h.CloseClient(c1.id); err != nil {
		t.Fatalf("CloseClient(%s): %v", c1.id, err)
	}
	if _, err := c1.WaitClosed(s.timeout); err != nil {
		t.Errorf("CloseClient must close the consumer's connection: %v", err)
	}
	s.waitConsumers(t, ch, g, 1)
	s.expectConsumers(t, "203 after CloseClient(c1)", s.consumerConnections(t, admin, g), []string{topic}, c2)
}

func hooksExpireConsumer(t T, s *session) {
	_, ch := s.needConsumerHooks(t)
	g, topic, admin, c1, c2 := s.twoConsumers(t, goClient, goClient)
	if err := ch.ExpireConsumer(g, c1.id); err != nil {
		t.Fatalf("ExpireConsumer(%s, %s): %v", g, c1.id, err)
	}
	if _, err := c1.WaitClosed(s.timeout); err != nil {
		t.Errorf("ExpireConsumer must close the connection as the scan does: %v", err)
	}
	s.waitConsumers(t, ch, g, 1)
	s.expectConsumers(t, "203 after ExpireConsumer(c1)", s.consumerConnections(t, admin, g), []string{topic}, c2)
	if err := ch.ExpireConsumer(g, c1.id); err == nil {
		t.Errorf("ExpireConsumer of a client no longer in the group: want an error")
	}
	if err := ch.ExpireConsumer(g, c2.id); err != nil {
		t.Fatalf("ExpireConsumer(%s, %s): %v", g, c2.id, err)
	}
	s.expectReply(t, "203 after the last consumer expired", s.consumerConnections(t, admin, g), consumerNotOnline(g))
}
