package mockbroker

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// Socket tests of the consumer side: HEART_BEAT with consumers, 35, 38,
// the offset codes, PULL_MESSAGE with long polling, and 36.

var releases = []protocol.Release{protocol.Release498, protocol.Release533}

// consumerHeartbeatCmd builds a heartbeat registering one consumer group
// (clustering) with a subscription per topic ("topic" or "topic:TagA||TagB").
func consumerHeartbeatCmd(clientID, group string, subVersion int64, topics ...string) *protocol.Command {
	cd := protocol.ConsumerData{GroupName: group, ConsumeType: "CONSUME_PASSIVELY", MessageModel: "CLUSTERING",
		ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET"}
	for _, t := range topics {
		topic, expr, _ := cutTopic(t)
		sub := buildSubscription(topic, expr, "TAG", subVersion)
		cd.SubscriptionDataSet = append(cd.SubscriptionDataSet, protocol.SubscriptionData{
			Topic: topic, SubString: sub.SubString, TagsSet: sub.Tags, CodeSet: sub.Codes, SubVersion: subVersion, ExpressionType: "TAG",
		})
	}
	hb := protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{cd}}
	cmd := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.Marshal())
	cmd.Language, cmd.Version = protocol.Go, 317
	return cmd
}

func cutTopic(s string) (topic, expr string, ok bool) {
	for i := range len(s) {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "*", false
}

// pullCmd builds a PULL_MESSAGE as the Go client sends it (suspend set).
func pullCmd(group, topic string, queue int32, offset int64, flag protocol.PullSysFlag) *protocol.Command {
	h := protocol.PullMessageRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: queue, QueueOffset: offset,
		MaxMsgNums: 32, SysFlag: flag, SuspendTimeoutMillis: 15000, SubVersion: 0}
	return protocol.NewRequest(protocol.PullMessage, h.Encode(), nil)
}

func pullHeader(t *testing.T, resp *protocol.Command) protocol.PullMessageResponseHeader {
	t.Helper()
	var h protocol.PullMessageResponseHeader
	assert.NilError(t, h.Decode(resp.ExtFields), "%+v", resp)
	return h
}

func offsetOf(t *testing.T, resp *protocol.Command) int64 {
	t.Helper()
	assert.Equal(t, resp.Code, int32(0), resp.Remark)
	n, err := strconv.ParseInt(resp.ExtFields["offset"], 10, 64)
	assert.NilError(t, err, "%+v", resp.ExtFields)
	return n
}

func queueExt(group, topic string, queue int) map[string]string {
	ext := map[string]string{"topic": topic, "queueId": fmt.Sprint(queue)}
	if group != "" {
		ext["consumerGroup"] = group
	}
	return ext
}

func TestConsumerHeartbeatRegistersAndListByGroup(t *testing.T) {
	for _, st := range []protocol.SerializeType{protocol.JSON, protocol.RocketMQ} {
		t.Run(st.String(), func(t *testing.T) {
			b := Start(t)
			a, c := dial(t, b.Addr()), dial(t, b.Addr())
			hb := consumerHeartbeatCmd("a@1", "CG", 1, "T")
			hb.Serialize = st
			assert.Equal(t, a.call(hb).Code, int32(0))
			// The newcomer itself is told too (Java notifies every channel).
			n := a.read()
			assert.Equal(t, n.RequestCode(), protocol.NotifyConsumerIDsChanged)
			assert.Assert(t, n.IsOneway())
			assert.Equal(t, n.ExtFields["consumerGroup"], "CG")

			assert.Equal(t, c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T")).Code, int32(0))
			assert.Equal(t, a.read().RequestCode(), protocol.NotifyConsumerIDsChanged, "a is told of c")
			assert.Equal(t, c.read().RequestCode(), protocol.NotifyConsumerIDsChanged)

			list := func(group string) *protocol.Command {
				req := protocol.NewRequest(protocol.GetConsumerListByGroup, map[string]string{"consumerGroup": group}, nil)
				req.Serialize = st
				return c.call(req)
			}
			r := list("CG")
			assert.Equal(t, r.Code, int32(0))
			body, err := protocol.DecodeGetConsumerListByGroupResponseBody(r.Body)
			assert.NilError(t, err)
			assert.DeepEqual(t, body.ConsumerIDList, []string{"a@1", "c@1"})
			assert.Equal(t, string(r.Body), `{"consumerIdList":["a@1","c@1"]}`)

			none := list("nobody")
			assert.Equal(t, none.Code, int32(1))
			assert.Equal(t, none.Remark, "no consumer for this group, nobody")
			assert.Equal(t, len(none.Body), 0)

			// The heartbeat created the group's retry topic with 1 queue.
			info, ok := b.store.Topic("%RETRY%CG")
			assert.Assert(t, ok)
			assert.Equal(t, info.ReadQueueNums, int32(1))
			route := c.call(protocol.NewRequest(protocol.GetRouteInfoByTopic, map[string]string{"topic": "%RETRY%CG"}, nil))
			rd, err := protocol.DecodeTopicRouteData(route.Body)
			assert.NilError(t, err)
			assert.Equal(t, rd.QueueDatas[0].ReadQueueNums, int32(1))

			// 35 with the consumer group: c leaves, a is told.
			un := protocol.NewRequest(protocol.UnregisterClient, map[string]string{"clientID": "c@1", "consumerGroup": "CG"}, nil)
			un.Serialize = st
			assert.Equal(t, c.call(un).Code, int32(0))
			assert.Equal(t, a.read().RequestCode(), protocol.NotifyConsumerIDsChanged)
			body, err = protocol.DecodeGetConsumerListByGroupResponseBody(list("CG").Body)
			assert.NilError(t, err)
			assert.DeepEqual(t, body.ConsumerIDList, []string{"a@1"})

			// Closing a's connection empties the group.
			a.Close()
			eventually(t, func() bool { return len(b.consumers.ClientIDs("CG")) == 0 })
			assert.Equal(t, list("CG").Code, int32(1))
		})
	}
}

// eventually waits up to 5 s for cond to hold.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestOffsetCodes(t *testing.T) {
	for _, rel := range releases {
		t.Run(rel.String(), func(t *testing.T) {
			start := time.UnixMilli(1_700_000_000_000)
			b := Start(t, WithRelease(rel), WithVirtualClock(start))
			c := dial(t, b.Addr())
			c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T")) // 5.x commits only for known groups
			c.read()
			for i := range 3 {
				assert.Equal(t, c.call(sendCmd("PG", "T", 0, "", []byte(fmt.Sprint("m", i)))).Code, int32(0))
				b.Advance(time.Second)
			}
			query := func(queue int, extra map[string]string) *protocol.Command {
				ext := queueExt("CG", "T", queue)
				for k, v := range extra {
					ext[k] = v
				}
				return c.call(protocol.NewRequest(protocol.QueryConsumerOffset, ext, nil))
			}
			// Nothing committed, message 0 held: both answer 0.
			assert.Equal(t, offsetOf(t, query(0, nil)), int64(0))
			// An empty queue: 4.9.8 still 0; 5.x QUERY_NOT_FOUND.
			empty := query(1, nil)
			if rel == protocol.Release498 {
				assert.Equal(t, offsetOf(t, empty), int64(0))
			} else {
				assert.Equal(t, empty.Code, int32(protocol.QueryNotFound))
				assert.Equal(t, empty.Remark, store.RemarkOffsetNotFound)
				assert.DeepEqual(t, empty.ExtFields, map[string]string{})
				notZero := query(0, map[string]string{"setZeroIfNotFound": "false"})
				assert.Equal(t, notZero.Code, int32(protocol.QueryNotFound))
			}

			// 15 is oneway: stored, never answered.
			up := protocol.NewRequest(protocol.UpdateConsumerOffset, map[string]string{
				"consumerGroup": "CG", "topic": "T", "queueId": "0", "commitOffset": "2"}, nil)
			up.Flag |= protocol.FlagOneway
			c.send(up)
			_, err := c.tryRead(100 * time.Millisecond)
			assert.Assert(t, isTimeout(err), "a oneway 15 got a reply: %v", err)
			assert.Equal(t, offsetOf(t, query(0, nil)), int64(2))

			get := func(code protocol.RequestCode, ext map[string]string) int64 {
				return offsetOf(t, c.call(protocol.NewRequest(code, ext, nil)))
			}
			assert.Equal(t, get(protocol.GetMaxOffset, queueExt("", "T", 0)), int64(3))
			assert.Equal(t, get(protocol.GetMinOffset, queueExt("", "T", 0)), int64(0))
			assert.Equal(t, get(protocol.GetMaxOffset, queueExt("", "Unknown", 0)), int64(0))
			search := queueExt("", "T", 0)
			search["timestamp"] = fmt.Sprint(start.Add(1500 * time.Millisecond).UnixMilli())
			got := get(protocol.SearchOffsetByTimestamp, search)
			assert.Assert(t, got == 1 || got == 2, "search at 1.5 s: %d", got)
		})
	}
}

func TestPullStatuses(t *testing.T) {
	for _, rel := range releases {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel))
			c := dial(t, b.Addr())
			assert.Equal(t, c.call(consumerHeartbeatCmd("c@1", "CG", 5, "T", "F:TagA")).Code, int32(0))
			c.read() // the notification
			for i := range 3 {
				assert.Equal(t, c.call(sendCmd("PG", "T", 0, fmt.Sprintf("UNIQ_KEY\x01U%d\x02TAGS\x01TagA\x02", i), []byte(fmt.Sprint("m", i)))).Code, int32(0))
			}
			assert.Equal(t, c.call(sendCmd("PG", "F", 0, "TAGS\x01TagB\x02", []byte("b"))).Code, int32(0))
			assert.Equal(t, c.call(sendCmd("PG", "F", 0, "TAGS\x01TagA\x02", []byte("a"))).Code, int32(0))

			type want struct {
				code   protocol.ResponseCode
				remark string
				next   int64
			}
			noSuspend := protocol.BuildPullSysFlag(false, false, false, false)
			cases := []struct {
				name string
				req  *protocol.Command
				want want
			}{
				{"found", pullCmd("CG", "T", 0, 0, noSuspend), want{protocol.Success, "FOUND", 3}},
				{"overflow one", pullCmd("CG", "T", 0, 3, noSuspend), want{protocol.PullNotFound, "OFFSET_OVERFLOW_ONE", 3}},
				{"overflow badly", pullCmd("CG", "T", 0, 9, noSuspend), want{protocol.PullOffsetMoved, "OFFSET_OVERFLOW_BADLY", 3}},
				{"empty queue at 0", pullCmd("CG", "T", 1, 0, noSuspend), want{protocol.PullNotFound, "NO_MESSAGE_IN_QUEUE", 0}},
				{"empty queue at 5", pullCmd("CG", "T", 1, 5, noSuspend), want{protocol.PullOffsetMoved, "NO_MESSAGE_IN_QUEUE", 0}},
				{"filtered", pullCmd("CG", "F", 0, 0, noSuspend), want{protocol.Success, "FOUND", 2}},
				{"all filtered", pullCmd("CG", "F", 0, 0, noSuspend), want{protocol.Success, "FOUND", 2}},
			}
			// A subscription in the request that matches nothing: the
			// scan moves past both messages.
			cases[6].req = pullCmd("CG", "F", 0, 0, protocol.BuildPullSysFlag(false, false, true, false))
			cases[6].req.ExtFields["subscription"] = "TagZ"
			cases[6].want = want{protocol.PullRetryImmediately, "NO_MATCHED_MESSAGE", 2}
			for _, tc := range cases {
				resp := c.call(tc.req)
				h := pullHeader(t, resp)
				got := want{resp.ResponseCode(), resp.Remark, h.NextBeginOffset}
				assert.DeepEqual(t, got, tc.want, cmp.AllowUnexported(want{}))
				assert.Equal(t, h.TopicSysFlag != nil, rel.PullReplyHasSysFlags(), tc.name)
			}

			// The FOUND body: the stored messages, encoded.
			resp := c.call(pullCmd("CG", "T", 0, 1, noSuspend))
			msgs, err := protocol.DecodeMessageExts(resp.Body)
			assert.NilError(t, err)
			assert.Equal(t, len(msgs), 2)
			h := pullHeader(t, resp)
			assert.DeepEqual(t, []int64{h.MinOffset, h.MaxOffset, h.NextBeginOffset}, []int64{0, 3, 3})
			for i, m := range msgs {
				assert.Equal(t, string(m.Body), fmt.Sprint("m", i+1))
				assert.Equal(t, m.QueueOffset, int64(i+1))
				assert.Equal(t, m.StoreHost.String()+":"+fmt.Sprint(m.StorePort), b.AdvertisedAddr())
				assert.Equal(t, m.Properties["CLUSTER"], "DefaultCluster")
				assert.Equal(t, m.Properties["UNIQ_KEY"], fmt.Sprint("U", i+1))
			}
			// The filter: only TagA of F.
			fm, err := protocol.DecodeMessageExts(c.call(pullCmd("CG", "F", 0, 0, noSuspend)).Body)
			assert.NilError(t, err)
			assert.Equal(t, len(fm), 1)
			assert.Equal(t, string(fm[0].Body), "a")

			// The pre-checks.
			other := dial(t, b.Addr())
			checks := []struct {
				req    *protocol.Command
				code   protocol.ResponseCode
				remark string
			}{
				{pullCmd("CG", "Nope", 0, 0, noSuspend), protocol.TopicNotExist, "topic[Nope] not exist, apply first please!"},
				{pullCmd("CG", "T", 7, 0, noSuspend), rel.IllegalQueueIDCode(), "queueId[7] is illegal, topic:[T] topicConfig.readQueueNums:[4] consumer:[/"},
				{pullCmd("NoGroup", "T", 0, 0, noSuspend), protocol.SubscriptionNotExist, "the consumer's group info not exist"},
				{pullCmd("CG", "%RETRY%CG", 0, 0, noSuspend), protocol.SubscriptionNotExist, "the consumer's subscription not exist"},
			}
			newer := pullCmd("CG", "T", 0, 0, noSuspend)
			newer.ExtFields["subVersion"] = "6"
			checks = append(checks, struct {
				req    *protocol.Command
				code   protocol.ResponseCode
				remark string
			}{newer, protocol.SubscriptionNotLatest, "the consumer's subscription not latest"})
			for _, ck := range checks {
				resp := other.call(ck.req)
				assert.Equal(t, resp.ResponseCode(), ck.code, resp.Remark)
				assert.Assert(t, is.Contains(resp.Remark, ck.remark))
			}
			// With the subscription in the request, no heartbeat is needed.
			withSub := pullCmd("Other", "T", 0, 0, protocol.BuildPullSysFlag(false, false, true, false))
			withSub.ExtFields["subscription"] = "*"
			assert.Equal(t, other.call(withSub).Code, int32(0))
		})
	}
}

func TestPullCommitsItsOffsetOnTheFirstPassOnly(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	c.call(sendCmd("PG", "T", 0, "", []byte("x")))
	req := pullCmd("CG", "T", 0, 0, protocol.BuildPullSysFlag(true, false, false, false))
	req.ExtFields["commitOffset"] = "1"
	assert.Equal(t, c.call(req).Code, int32(0))
	off, ok := b.store.Offset("CG", "T", 0)
	assert.Assert(t, ok)
	assert.Equal(t, off, int64(1))
}

func TestLongPollWakesOnArrivalAndLetsLaterRepliesOvertake(t *testing.T) {
	b := Start(t)
	c, p := dial(t, b.Addr()), dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T", "F:TagA"))
	c.read()
	suspend := protocol.BuildPullSysFlag(false, true, false, false)
	parked := c.send(pullCmd("CG", "T", 2, 0, suspend))
	parkedF := c.send(pullCmd("CG", "F", 0, 0, suspend))
	_, err := c.tryRead(100 * time.Millisecond)
	assert.Assert(t, isTimeout(err), "a pull at the end of its queue was answered: %v", err)
	eventually(t, func() bool { return b.holds.count() == 2 })

	// A later request on the same connection is answered at once.
	assert.Equal(t, offsetOf(t, c.call(protocol.NewRequest(protocol.GetMaxOffset, queueExt("", "T", 2), nil))), int64(0))

	// A message for another queue wakes nothing; one for queue 2 wakes it.
	p.call(sendCmd("PG", "T", 1, "", []byte("elsewhere")))
	_, err = c.tryRead(50 * time.Millisecond)
	assert.Assert(t, isTimeout(err))
	p.call(sendCmd("PG", "T", 2, "", []byte("wake")))
	resp := c.read()
	assert.Equal(t, resp.Opaque, parked)
	assert.Equal(t, resp.Code, int32(0), resp.Remark)
	assert.Equal(t, resp.Remark, "FOUND")
	assert.Equal(t, resp.Version, b.version)
	msgs, err := protocol.DecodeMessageExts(resp.Body)
	assert.NilError(t, err)
	assert.Equal(t, string(msgs[0].Body), "wake")

	// The tag filter: TagB leaves the F pull parked, TagA wakes it.
	p.call(sendCmd("PG", "F", 0, "TAGS\x01TagB\x02", []byte("b")))
	_, err = c.tryRead(50 * time.Millisecond)
	assert.Assert(t, isTimeout(err), "a filtered-out message woke the pull")
	p.call(sendCmd("PG", "F", 0, "TAGS\x01TagA\x02", []byte("a")))
	resp = c.read()
	assert.Equal(t, resp.Opaque, parkedF)
	msgs, err = protocol.DecodeMessageExts(resp.Body)
	assert.NilError(t, err)
	assert.Equal(t, len(msgs), 1)
	assert.Equal(t, string(msgs[0].Body), "a")
	assert.Equal(t, b.holds.count(), 0)
}

func TestLongPollTimesOutOnTheVirtualClock(t *testing.T) {
	b := Start(t, WithVirtualClock(time.Unix(1_700_000_000, 0)))
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	op := c.send(pullCmd("CG", "T", 0, 0, protocol.BuildPullSysFlag(false, true, false, false)))
	eventually(t, func() bool { return b.holds.count() == 1 })
	b.Advance(14 * time.Second)
	_, err := c.tryRead(50 * time.Millisecond)
	assert.Assert(t, isTimeout(err), "answered before its 15 s")
	b.Advance(time.Second)
	resp := c.read()
	assert.Equal(t, resp.Opaque, op)
	assert.Equal(t, resp.ResponseCode(), protocol.PullNotFound)
	assert.Equal(t, resp.Remark, "NO_MESSAGE_IN_QUEUE")
}

func TestParkedPullsReleasedOnCloses(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	c.send(pullCmd("CG", "T", 0, 0, protocol.BuildPullSysFlag(false, true, false, false)))
	eventually(t, func() bool { return b.holds.count() == 1 })
	c.Close()
	eventually(t, func() bool { return b.holds.count() == 0 })

	d := dial(t, b.Addr())
	d.call(consumerHeartbeatCmd("d@1", "CG", 1, "T"))
	d.read()
	d.send(pullCmd("CG", "T", 0, 0, protocol.BuildPullSysFlag(false, true, false, false)))
	eventually(t, func() bool { return b.holds.count() == 1 })
	done := make(chan struct{})
	go func() { b.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a parked pull")
	}
	assert.Equal(t, b.holds.count(), 0)
}

func TestPullAfterEvictionIsMoved(t *testing.T) {
	b := Start(t, WithStoreLimits(-1, 2))
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	for i := range 3 {
		c.call(sendCmd("PG", "T", 0, "", []byte(fmt.Sprint(i))))
	}
	resp := c.call(pullCmd("CG", "T", 0, 0, protocol.BuildPullSysFlag(false, true, false, false)))
	assert.Equal(t, resp.ResponseCode(), protocol.PullOffsetMoved)
	assert.Equal(t, resp.Remark, "OFFSET_TOO_SMALL")
	assert.Equal(t, pullHeader(t, resp).NextBeginOffset, int64(1))
	assert.Equal(t, len(b.Messages("T")), 3, "the records keep their own bound")
}

func TestHalfMessagesAreNotPulled(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	half := sendCmd("PG", "T", 0, "TRAN_MSG\x01true\x02PGROUP\x01PG\x02", []byte("half"))
	half.ExtFields["sysFlag"] = fmt.Sprint(protocol.TransactionPreparedType)
	assert.Equal(t, c.call(half).Code, int32(0))
	assert.Equal(t, b.store.MaxOffset("T", 0), int64(0))
	held := b.store.Range(halfTopic, 0, 0, 1)
	assert.Equal(t, len(held), 1)
	assert.Equal(t, held[0].Properties["REAL_TOPIC"], "T")
	assert.Equal(t, held[0].Properties["REAL_QID"], "0")
	assert.Equal(t, b.Messages("T")[0].Topic, "T", "the records show it under its topic")

	// A rollback leaves it hidden; a commit stores it in its topic.
	hr := c.call(half)
	_, _, phys, err := protocol.ParseOffsetMsgID(hr.ExtFields["msgId"])
	assert.NilError(t, err)
	end := func(phys int64, state int32) {
		h := protocol.EndTransactionRequestHeader{ProducerGroup: "PG", CommitLogOffset: phys, CommitOrRollback: state, MsgID: "U"}
		req := protocol.NewRequest(protocol.EndTransaction, h.Encode(), nil)
		req.Flag |= protocol.FlagOneway
		c.send(req)
	}
	end(held[0].CommitLogOffset, protocol.TransactionRollbackType)
	end(phys, protocol.TransactionCommitType)
	eventually(t, func() bool { return b.store.MaxOffset("T", 0) == 1 })
	resp := c.call(pullCmd("CG", "T", 0, 0, 0))
	msgs, err := protocol.DecodeMessageExts(resp.Body)
	assert.NilError(t, err)
	assert.Equal(t, len(msgs), 1)
	assert.Equal(t, string(msgs[0].Body), "half")
	assert.Equal(t, msgs[0].Topic, "T")
	assert.Equal(t, msgs[0].PreparedTransactionOffset, phys)
	assert.Equal(t, protocol.TransactionType(msgs[0].SysFlag), protocol.TransactionCommitType)
}

func TestConsumerSendMsgBackRetriesThenDeadLetters(t *testing.T) {
	b := Start(t, WithVirtualClock(time.UnixMilli(1_700_000_000_000)))
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	r := c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01U1\x02TAGS\x01t\x02", []byte("poison")))
	_, _, phys, err := protocol.ParseOffsetMsgID(r.ExtFields["msgId"])
	assert.NilError(t, err)
	back := func(offset int64, delay int) *protocol.Command {
		h := protocol.ConsumerSendMsgBackRequestHeader{Offset: offset, Group: "CG", DelayLevel: int32(delay), OriginMsgID: "U1", OriginTopic: "T"}
		maxTimes := int32(2)
		h.MaxReconsumeTimes = &maxTimes
		req := protocol.NewRequest(protocol.ConsumerSendMsgBack, h.Encode(), nil)
		req.Version = 317
		return c.call(req)
	}
	retry, dlq := "%RETRY%CG", "%DLQ%CG"
	for i := range 2 {
		assert.Equal(t, back(phys, 0).Code, int32(0))
		// Held in SCHEDULE_TOPIC_XXXX for the delay level, then delivered.
		held := b.ScheduledMessages()
		assert.Equal(t, len(held), 1)
		assert.Equal(t, held[0].Topic, "SCHEDULE_TOPIC_XXXX")
		assert.Equal(t, held[0].QueueID, int32(3+i-1))
		assert.Equal(t, held[0].RealTopic, retry)
		assert.Equal(t, b.store.MaxOffset(retry, 0), int64(i), "not in the retry topic before its delay")
		b.Advance(DefaultDelayLevels[3+i-1] - time.Millisecond)
		assert.Equal(t, b.store.MaxOffset(retry, 0), int64(i), "not in the retry topic before its delay")
		b.Advance(time.Millisecond)
		assert.Equal(t, len(b.ScheduledMessages()), 0)
		m := b.store.Range(retry, 0, int64(i), int64(i+1))[0]
		assert.Equal(t, m.ReconsumeTimes, int32(i+1))
		assert.Equal(t, m.Properties["RETRY_TOPIC"], "T")
		assert.Equal(t, m.Properties["ORIGIN_MESSAGE_ID"], r.ExtFields["msgId"])
		assert.Equal(t, m.Properties["REAL_TOPIC"], retry)
		assert.Equal(t, m.Properties["DELAY"], fmt.Sprint(3+i))
		assert.Equal(t, m.Properties["WAIT"], "false")
		assert.Equal(t, string(m.Body), "poison")
		notes := b.Redeliveries("CG")
		assert.Equal(t, notes[i].DelayLevel, int32(3+i), "delay level 0 means 3 + reconsumeTimes")
		phys = m.CommitLogOffset
	}
	assert.Equal(t, back(phys, 0).Code, int32(0))
	dead := b.store.Range(dlq, 0, 0, 1)
	assert.Equal(t, len(dead), 1)
	assert.Equal(t, dead[0].ReconsumeTimes, int32(3))
	assert.Equal(t, dead[0].Properties["DELAY"], "0")
	assert.Equal(t, dead[0].Properties["ORIGIN_MESSAGE_ID"], r.ExtFields["msgId"])

	missing := back(123456789, 0)
	assert.Equal(t, missing.Code, int32(1))
	assert.Equal(t, missing.Remark, "look message by offset failed, 123456789")

	// The send reply's numbering goes on after the broker's own appends.
	r2 := c.call(sendCmd("PG", "T", 0, "", []byte("next")))
	_, _, phys2, err := protocol.ParseOffsetMsgID(r2.ExtFields["msgId"])
	assert.NilError(t, err)
	assert.Equal(t, b.store.Range("T", 0, 1, 2)[0].CommitLogOffset, phys2)
	assert.Equal(t, b.Messages("T")[1].CommitLogOffset, phys2)
}

func TestStoredPropertiesAsTheReleaseWritesThem(t *testing.T) {
	for _, rel := range releases {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel))
			c := dial(t, b.Addr())
			c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
			c.read()
			c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01U\x02WAIT\x01true\x02", []byte("single")))
			var batch []byte
			batch = protocol.AppendBatchMessage(batch, 0, []byte("b0"), "UNIQ_KEY\x01B0")
			v2 := map[string]string{"a": "PG", "b": "T", "c": "TBW102", "d": "4", "e": "0", "f": "0", "g": "1700000000000", "h": "0",
				"i": "WAIT\x01true\x02", "j": "0", "k": "false", "m": "true"}
			assert.Equal(t, c.call(protocol.NewRequest(protocol.SendBatchMessage, v2, batch)).Code, int32(0))

			msgs, err := protocol.DecodeMessageExts(c.call(pullCmd("CG", "T", 0, 0, 0)).Body)
			assert.NilError(t, err)
			assert.Equal(t, len(msgs), 2)
			single := map[string]string{"UNIQ_KEY": "U", "WAIT": "true", "CLUSTER": "DefaultCluster"}
			if rel == protocol.Release498 {
				delete(single, "WAIT") // kept out of the stored string
			}
			assert.Equal(t, msgs[0].PropertiesString, protocol.FormatPropertiesAs(rel, single))
			batchStr := protocol.FormatPropertiesAs(rel, map[string]string{"WAIT": "true", "CLUSTER": "DefaultCluster"})
			assert.Equal(t, msgs[1].PropertiesString, "UNIQ_KEY\x01B0\x02"+batchStr, "own properties, a separator, the batch's")
		})
	}
}

func TestUpdateConsumerOffsetChecksOn5x(t *testing.T) {
	for _, rel := range releases {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel))
			c := dial(t, b.Addr())
			up := func(group, topic string) *protocol.Command {
				return c.call(protocol.NewRequest(protocol.UpdateConsumerOffset, map[string]string{
					"consumerGroup": group, "topic": topic, "queueId": "0", "commitOffset": "3"}, nil))
			}
			c.call(sendCmd("PG", "T", 0, "", []byte("x")))
			r := up("Unknown", "T")
			if rel == protocol.Release498 {
				assert.Equal(t, r.Code, int32(0))
				return
			}
			assert.Equal(t, r.ResponseCode(), protocol.SubscriptionGroupNotExist)
			assert.Equal(t, r.Remark, "Group Unknown not exist!")
			c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
			c.read()
			r = up("CG", "Nope")
			assert.Equal(t, r.ResponseCode(), protocol.TopicNotExist)
			assert.Equal(t, r.Remark, "Topic Nope not exist!")
			assert.Equal(t, up("CG", "T").Code, int32(0))
			off, _ := b.store.Offset("CG", "T", 0)
			assert.Equal(t, off, int64(3))
		})
	}
}

// 5.x heartBeatV2: a fingerprinted heartbeat without subscriptions keeps
// the group's; a changed fingerprint is reported as IS_SUB_CHANGE.
func TestHeartbeatV2KeepsSubscriptions(t *testing.T) {
	b := Start(t, WithRelease(protocol.Release533))
	c := dial(t, b.Addr())
	hbCmd := func(fingerprint int32, withoutSub bool, topics ...string) *protocol.Command {
		full := consumerHeartbeatCmd("c@1", "CG", 1, topics...)
		hb, err := protocol.DecodeHeartbeatData(full.Body)
		assert.NilError(t, err)
		hb.HeartbeatFingerprint, hb.WithoutSub = fingerprint, withoutSub
		full.Body = hb.MarshalAs(protocol.Release533)
		return full
	}
	r := c.call(hbCmd(7, false, "T"))
	assert.DeepEqual(t, r.ExtFields, map[string]string{"IS_SUPPORT_HEART_BEAT_V2": "true", "IS_SUB_CHANGE": "false"})
	c.read() // the notification
	r = c.call(hbCmd(7, true))
	assert.Equal(t, r.ExtFields["IS_SUB_CHANGE"], "false")
	_, ok := b.consumers.FindSubscription("CG", "T", false)
	assert.Assert(t, ok, "a heartbeat without subscriptions keeps them")
	r = c.call(hbCmd(8, false, "T", "U"))
	assert.Equal(t, r.ExtFields["IS_SUB_CHANGE"], "true")
	_, ok = b.consumers.FindSubscription("CG", "U", false)
	assert.Assert(t, ok)
}
