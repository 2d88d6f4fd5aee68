package mockbroker

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// TestDelayedMessageDeliveredWhenDue: a DELAY level 3 message waits in
// queue 2 of SCHEDULE_TOPIC_XXXX, invisible to pulls, and reaches its
// topic and queue 10 s later with the properties string Java writes.
func TestDelayedMessageDeliveredWhenDue(t *testing.T) {
	for _, rel := range releases {
		t.Run(rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(rel), WithVirtualClock(time.UnixMilli(1_700_000_000_000)))
			c := dial(t, b.Addr())
			c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
			c.read()
			r := c.call(sendCmd("PG", "T", 1, "UNIQ_KEY\x01D1\x02DELAY\x013\x02WAIT\x01true\x02", []byte("later")))
			assert.Equal(t, r.Code, int32(0))
			assert.Equal(t, r.ExtFields["queueId"], "1")
			assert.Equal(t, r.ExtFields["queueOffset"], "0", "the offset in the schedule queue")
			held := b.ScheduledMessages()
			assert.Equal(t, len(held), 1)
			assert.Equal(t, held[0].Topic, "SCHEDULE_TOPIC_XXXX")
			assert.Equal(t, held[0].QueueID, int32(2))
			assert.Equal(t, held[0].DelayLevel, int32(3))
			assert.Equal(t, held[0].Due, time.UnixMilli(1_700_000_010_000))
			assert.Equal(t, b.store.MaxOffset("T", 1), int64(0))

			b.Advance(10*time.Second - time.Millisecond)
			assert.Equal(t, pullHeader(t, c.call(pullCmd("CG", "T", 1, 0, 0))).MaxOffset, int64(0), "not visible before its delay")
			b.Advance(time.Millisecond)
			msgs, err := protocol.DecodeMessageExts(c.call(pullCmd("CG", "T", 1, 0, 0)).Body)
			assert.NilError(t, err)
			assert.Equal(t, len(msgs), 1)
			assert.Equal(t, msgs[0].Topic, "T")
			assert.Equal(t, string(msgs[0].Body), "later")
			want := map[string]string{"UNIQ_KEY": "D1", "DELAY": "3", "WAIT": "true", "CLUSTER": "DefaultCluster",
				"REAL_TOPIC": "T", "REAL_QID": "1"}
			assert.DeepEqual(t, protocol.ParseProperties(msgs[0].PropertiesString), want)
			assert.Equal(t, len(b.ScheduledMessages()), 0)
		})
	}
}

// TestDelayedMessagesInDueOrder: many delayed messages of several levels
// (one above the last, clamped to it, and custom levels) reach their
// topic in due-time order after one Advance.
func TestDelayedMessagesInDueOrder(t *testing.T) {
	b := Start(t, WithVirtualClock(time.UnixMilli(1_700_000_000_000)), WithDelayLevels(3*time.Second, time.Second, 2*time.Second))
	c := dial(t, b.Addr())
	var want []string
	for i, lv := range []int{1, 2, 3, 2, 9, 1, 2} {
		c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01M"+strconv.Itoa(i)+"\x02DELAY\x01"+strconv.Itoa(lv)+"\x02", nil))
	}
	want = []string{"M1", "M3", "M6", "M2", "M4", "M0", "M5"} // 1 s, 2 s (9 → level 3), 3 s
	b.Advance(time.Minute)
	var got []string
	for _, m := range b.store.Range("T", 0, 0, 10) {
		got = append(got, m.Properties["UNIQ_KEY"])
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("delivery order (-want +got):\n%s", d)
	}
	assert.Equal(t, b.store.Range("T", 0, 4, 5)[0].Properties["DELAY"], "3", "clamped to the last level")
}

// TestTimerMessages: on 5.x TIMER_DELAY_SEC holds a message in
// rmq_sys_wheel_timer until its due time (rounded down to the 1 s
// precision); 4.9.8 and a broker without the timer wheel store it at once.
func TestTimerMessages(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_000)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01T1\x02TIMER_DELAY_SEC\x015\x02", nil))
	held := b.ScheduledMessages()
	assert.Equal(t, len(held), 1)
	assert.Equal(t, held[0].Topic, "rmq_sys_wheel_timer")
	assert.Equal(t, held[0].Due, start.Add(4*time.Second), "a due time on the precision is moved one step earlier")
	b.Advance(4 * time.Second)
	got := b.store.Range("T", 0, 0, 1)
	assert.Equal(t, len(got), 1)
	props := protocol.ParseProperties(got[0].PropertiesString)
	assert.Equal(t, props["TIMER_OUT_MS"], strconv.FormatInt(start.Add(4*time.Second).UnixMilli(), 10))
	assert.Equal(t, props["TIMER_ENQUEUE_MS"], strconv.FormatInt(start.UnixMilli(), 10))
	assert.Equal(t, props["TIMER_DEQUEUE_MS"], strconv.FormatInt(start.Add(4*time.Second).UnixMilli(), 10))
	assert.Equal(t, props["REAL_TOPIC"], "T")

	for _, opt := range []Option{WithRelease(protocol.Release498), WithTimerWheel(false)} {
		b := Start(t, WithVirtualClock(start), opt)
		c := dial(t, b.Addr())
		c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01T1\x02TIMER_DELAY_SEC\x015\x02", nil))
		assert.Equal(t, len(b.ScheduledMessages()), 0)
		assert.Equal(t, b.store.MaxOffset("T", 0), int64(1))
	}
}

func TestParseDelayLevels(t *testing.T) {
	got, err := ParseDelayLevels("1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h")
	assert.NilError(t, err)
	assert.DeepEqual(t, got, DefaultDelayLevels)
	_, err = ParseDelayLevels("1s 5x")
	assert.ErrorContains(t, err, `delay level "5x"`)
	_, err = ParseDelayLevels(" ")
	assert.ErrorContains(t, err, "want at least one")
}

// TestAdvanceRunsServicesInTimeOrder: in one Advance, a delayed message
// due at 10 s answers a pull parked until 15 s, and a second parked pull
// of another queue times out at its own due time; the events of the
// services interleave by due time.
func TestAdvanceRunsServicesInTimeOrder(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_000)
	b := Start(t, WithVirtualClock(start))
	c := dial(t, b.Addr())
	c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T"))
	c.read()
	suspend := protocol.BuildPullSysFlag(false, true, true, false)
	p0 := c.send(pullCmd("CG", "T", 0, 0, suspend)) // parked until 15 s
	b.Advance(time.Second)
	p1 := c.send(pullCmd("CG", "T", 1, 0, suspend)) // parked until 16 s
	other := dial(t, b.Addr())
	other.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01D\x02DELAY\x013\x02", nil)) // due at 11 s
	eventually(t, func() bool { return b.holds.count() == 2 })

	b.Advance(30 * time.Second)
	r0, r1 := c.read(), c.read()
	assert.Equal(t, r0.Opaque, p0, "the pull of queue 0, answered at 11 s by the delivery")
	assert.Equal(t, r0.Code, int32(protocol.Success))
	assert.Equal(t, r1.Opaque, p1, "the pull of queue 1, timed out at 16 s")
	assert.Equal(t, r1.Code, int32(protocol.PullNotFound))
	m, err := protocol.DecodeMessageExts(r0.Body)
	assert.NilError(t, err)
	assert.Assert(t, m[0].StoreTimestamp.Equal(start.Add(11*time.Second)), "stored at its due time on the clock: %v", m[0].StoreTimestamp)
}
