package mockbroker

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
)

// The schedule service: messages with a DELAY level wait in
// SCHEDULE_TOPIC_XXXX (queue level-1) and 5.x timer messages in
// rmq_sys_wheel_timer, both invisible to consumers, until their due time
// on the broker's clock, when they are stored again in their real topic
// and queue (ScheduleMessageService, TimerMessageStore). Retries a
// consumer sends back (cmd_sendback.go) take the same way to
// %RETRY%<group>.

const (
	// scheduleTopic is TopicValidator.RMQ_SYS_SCHEDULE_TOPIC.
	scheduleTopic = "SCHEDULE_TOPIC_XXXX"
	// timerTopic is TimerMessageStore.TIMER_TOPIC.
	timerTopic = "rmq_sys_wheel_timer"
	// timerPrecision is MessageStoreConfig.timerPrecisionMs (1000).
	timerPrecision = time.Second
	// timerMaxDelay is MessageStoreConfig.timerMaxDelaySec (3 days).
	timerMaxDelay = 3 * 24 * time.Hour
)

// 5.x timer message properties (MessageConst).
const (
	propTimerDelaySec  = protocol.PropertyTimerDelaySec
	propTimerDelayMS   = "TIMER_DELAY_MS"
	propTimerDeliverMS = protocol.PropertyTimerDeliverMS
	propTimerOutMS     = "TIMER_OUT_MS"
	propTimerEnqueueMS = "TIMER_ENQUEUE_MS"
	propTimerDequeueMS = "TIMER_DEQUEUE_MS"
)

// DefaultDelayLevels are MessageStoreConfig.messageDelayLevel's: "1s 5s
// 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h", levels 1 to 18.
var DefaultDelayLevels = []time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute, 5 * time.Minute, 6 * time.Minute,
	7 * time.Minute, 8 * time.Minute, 9 * time.Minute, 10 * time.Minute, 20 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour,
}

// WithDelayLevels sets the delay of each level from 1 on, as
// messageDelayLevel does (default DefaultDelayLevels). Levels above the
// last are delivered at the last, as on a real broker.
func WithDelayLevels(levels ...time.Duration) Option {
	return func(c *config) { c.timed.delayLevels = slices.Clone(levels) }
}

// WithTimerWheel turns 5.x timer messages (TIMER_DELAY_SEC, TIMER_DELAY_MS,
// TIMER_DELIVER_MS) on or off (timerWheelEnable, default on in 5.3.3).
// 4.9.8 has no timer messages: it stores them at once.
func WithTimerWheel(on bool) Option { return func(c *config) { c.timed.timerWheel = &on } }

// ParseDelayLevels parses a messageDelayLevel string: durations separated
// by spaces, each a number and one of s, m, h, d.
func ParseDelayLevels(s string) ([]time.Duration, error) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}
	var out []time.Duration
	for _, f := range strings.Fields(s) {
		u, ok := units[f[len(f)-1]]
		n, err := strconv.ParseInt(f[:len(f)-1], 10, 64)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("delay level %q: want a number and one of s, m, h, d", f)
		}
		out = append(out, time.Duration(n)*u)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("delay levels %q: want at least one", s)
	}
	return out, nil
}

// ScheduledMessage is a message the broker holds until its due time.
type ScheduledMessage struct {
	Topic           string // SCHEDULE_TOPIC_XXXX or rmq_sys_wheel_timer
	QueueID         int32  // delay level - 1; 0 in the timer topic
	QueueOffset     int64
	CommitLogOffset int64
	RealTopic       string // where it goes when due (%RETRY%<group> for a retry)
	RealQueueID     int32
	DelayLevel      int32 // 0 for a timer message
	MsgID           string
	ReconsumeTimes  int32
	Due             time.Time // on the broker's clock
	Properties      map[string]string
	Body            []byte
}

// delayQueue holds the scheduled messages by commit-log offset.
type delayQueue struct {
	mu   sync.Mutex
	held map[int64]*ScheduledMessage
}

func (c *config) delayLevels() []time.Duration {
	if len(c.timed.delayLevels) > 0 {
		return c.timed.delayLevels
	}
	return DefaultDelayLevels
}

func (c *config) timerWheelEnabled() bool {
	if c.release == protocol.Release498 {
		return false
	}
	return c.timed.timerWheel == nil || *c.timed.timerWheel
}

// ScheduledMessages returns the messages held for later delivery, by due
// time (ties by commit-log offset).
func (b *Broker) ScheduledMessages() []ScheduledMessage {
	b.delays.mu.Lock()
	out := make([]ScheduledMessage, 0, len(b.delays.held))
	for _, s := range b.delays.held {
		c := *s
		c.Properties = maps.Clone(s.Properties)
		c.Body = slices.Clone(s.Body)
		out = append(out, c)
	}
	b.delays.mu.Unlock()
	slices.SortFunc(out, func(a, b ScheduledMessage) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return int(a.CommitLogOffset - b.CommitLogOffset)
	})
	return out
}

// diversion is where a delayed message is held and until when.
type diversion struct {
	topic string // SCHEDULE_TOPIC_XXXX or rmq_sys_wheel_timer
	queue int32
	props map[string]string // as stored, with REAL_TOPIC and REAL_QID
	str   string            // their string
	due   time.Time
	level int32 // 0 for a timer message
}

// divert decides where a single message of a send goes (CommitLog's
// delay handling, 5.x HookUtils.handleScheduleMessage): for a DELAY level
// (clamped to the last level) queue level-1 of SCHEDULE_TOPIC_XXXX; for a
// 5.x timer message due later, queue 0 of rmq_sys_wheel_timer. ok is
// false for a message stored as it is.
func (b *Broker) divert(realTopic string, queue int32, props map[string]string) (d diversion, ok bool) {
	lv, _ := strconv.Atoi(props[protocol.PropertyDelayTimeLevel])
	levels := b.cfg.delayLevels()
	now := b.Now()
	timer := b.cfg.timerWheelEnabled()
	if lv > 0 {
		out := maps.Clone(props)
		if b.cfg.release != protocol.Release498 { // checkIfTimerMessage
			delete(out, propTimerDeliverMS)
			delete(out, propTimerDelaySec)
			delete(out, propTimerDelayMS)
		}
		if lv > len(levels) {
			lv = len(levels)
			out[protocol.PropertyDelayTimeLevel] = strconv.Itoa(lv)
		}
		out[protocol.PropertyRealTopic] = realTopic
		out[protocol.PropertyRealQueueID] = strconv.Itoa(int(queue))
		return diversion{scheduleTopic, int32(lv - 1), out, protocol.FormatPropertiesAs(b.cfg.release, out),
			now.Add(levels[lv-1]), int32(lv)}, true
	}
	if !timer || props[propTimerOutMS] != "" {
		return
	}
	var deliver time.Time
	switch {
	case props[propTimerDelaySec] != "":
		n, err := strconv.ParseInt(props[propTimerDelaySec], 10, 64)
		if err != nil {
			return
		}
		deliver = now.Add(time.Duration(n) * time.Second)
	case props[propTimerDelayMS] != "":
		n, err := strconv.ParseInt(props[propTimerDelayMS], 10, 64)
		if err != nil {
			return
		}
		deliver = now.Add(time.Duration(n) * time.Millisecond)
	case props[propTimerDeliverMS] != "":
		n, err := strconv.ParseInt(props[propTimerDeliverMS], 10, 64)
		if err != nil {
			return
		}
		deliver = time.UnixMilli(n)
	default:
		return
	}
	if !deliver.After(now) || deliver.Sub(now) > timerMaxDelay {
		return // stored at once (a real broker refuses one beyond the maximum)
	}
	ms := deliver.UnixMilli()
	p := timerPrecision.Milliseconds()
	if ms%p == 0 {
		ms -= p
	} else {
		ms = ms / p * p
	}
	out := maps.Clone(props)
	out[propTimerOutMS] = strconv.FormatInt(ms, 10)
	out[protocol.PropertyRealTopic] = realTopic
	out[protocol.PropertyRealQueueID] = strconv.Itoa(int(queue))
	return diversion{timerTopic, 0, out, protocol.FormatPropertiesAs(b.cfg.release, out), time.UnixMilli(ms), 0}, true
}

// hold notes a stored scheduled message and schedules its delivery.
func (b *Broker) hold(sm store.Message, realTopic string, realQueue int32, level int32, due time.Time) {
	s := &ScheduledMessage{
		Topic: sm.Topic, QueueID: sm.QueueID, QueueOffset: sm.QueueOffset, CommitLogOffset: sm.CommitLogOffset,
		RealTopic: realTopic, RealQueueID: realQueue, DelayLevel: level, MsgID: sm.Properties[protocol.PropertyUniqClientMsgID],
		ReconsumeTimes: sm.ReconsumeTimes, Due: due, Properties: sm.Properties, Body: sm.Body,
	}
	b.delays.mu.Lock()
	if b.delays.held == nil {
		b.delays.held = map[int64]*ScheduledMessage{}
	}
	b.delays.held[sm.CommitLogOffset] = s
	b.delays.mu.Unlock()
	off := sm.CommitLogOffset
	b.sched.after(max(due.Sub(b.Now()), 0), func() { b.deliverScheduled(off) })
}

// deliverScheduled stores a due message in its real topic and queue, as
// ScheduleMessageService.messageTimeup (the properties string made before
// DELAY leaves the map, so it keeps DELAY, REAL_TOPIC and REAL_QID) and
// TimerMessageStore.convert (TIMER_ENQUEUE_MS and TIMER_DEQUEUE_MS added)
// do.
func (b *Broker) deliverScheduled(commitLogOffset int64) {
	b.delays.mu.Lock()
	s, ok := b.delays.held[commitLogOffset]
	delete(b.delays.held, commitLogOffset)
	b.delays.mu.Unlock()
	if !ok || b.closed.Load() {
		return
	}
	held, ok := b.store.ByPhysicalOffset(commitLogOffset)
	if !ok {
		b.log.Warn("scheduled message no longer in the store, not delivered", "topic", s.RealTopic, "msgId", s.MsgID)
		return
	}
	props := maps.Clone(held.Properties)
	if s.Topic == timerTopic {
		props[propTimerEnqueueMS] = strconv.FormatInt(held.StoreTimestamp.UnixMilli(), 10)
		props[propTimerDequeueMS] = strconv.FormatInt(b.Now().UnixMilli(), 10)
	}
	// Java then sets WAIT=false and clears DELAY (or REAL_TOPIC and
	// REAL_QID) in the map only; the stored record, and so the map a
	// reader decodes from it, is the string.
	str := protocol.FormatPropertiesAs(b.cfg.release, props)
	m := store.Message{TagsCode: held.TagsCode, MessageExt: held.MessageExt}
	m.Properties, m.PropertiesString, m.Size = props, str, 0
	m.StoreHost, m.StorePort = b.storeHost().addr()
	if _, err := b.appendStoredAt(s.RealTopic, s.RealQueueID, m); err != nil {
		b.log.Warn("scheduled message not delivered", "topic", s.RealTopic, "err", err)
		return
	}
	b.log.Debug("scheduled message delivered", "topic", s.RealTopic, "queue", s.RealQueueID, "msgId", s.MsgID,
		"delayLevel", s.DelayLevel)
}
