package mockbroker

import (
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
)

// timedConfig configures the broker's timed services: the transaction
// check service (this file) and the schedule service (schedule.go).
type timedConfig struct {
	txSet       bool          // WithTransactionCheck was given
	txInterval  time.Duration // <= 0: no check service
	txTimeout   time.Duration
	txMax       int
	delayLevels []time.Duration // nil: DefaultDelayLevels
	timerWheel  *bool           // nil: the release's default
}

// Java defaults of the transaction check service (BrokerConfig); the
// release carries them (protocol.Release.TransactionTimeout and friends).
const (
	// DefaultTransactionTimeout is transactionTimeOut: a half message is
	// checked once it is this old.
	DefaultTransactionTimeout = 6 * time.Second
	// DefaultTransactionCheckMax is transactionCheckMax: a half message
	// checked this many times is discarded at the next check.
	DefaultTransactionCheckMax = 15
)

// DefaultTransactionCheckInterval returns transactionCheckInterval of the
// release: 60 s on 4.9.8, 30 s on 5.3.3 (protocol.Release
// .TransactionCheckInterval).
func DefaultTransactionCheckInterval(r protocol.Release) time.Duration {
	return r.TransactionCheckInterval()
}

// transCheckMaxTimeTopic is where a real broker moves a half message
// checked too many times (TopicValidator.RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC).
const transCheckMaxTimeTopic = "TRANS_CHECK_MAX_TIME_TOPIC"

// propertyCheckImmunity is CHECK_IMMUNITY_TIME_IN_SECONDS: a producer's
// own first-check delay for one message.
const propertyCheckImmunity = "CHECK_IMMUNITY_TIME_IN_SECONDS"

// WithTransactionCheck sets the transaction check service
// (TransactionalMessageCheckService): every interval it sends
// CHECK_TRANSACTION_STATE for each half message at least timeout old that
// no END_TRANSACTION committed or rolled back, and discards one checked
// max times. Defaults: DefaultTransactionCheckInterval of the release,
// DefaultTransactionTimeout, DefaultTransactionCheckMax; the service is on
// by default, as on a real broker. interval <= 0 turns it off
// (RunTransactionCheck and CheckTransaction still work).
func WithTransactionCheck(interval, timeout time.Duration, max int) Option {
	return func(c *config) {
		c.timed.txSet, c.timed.txInterval, c.timed.txTimeout, c.timed.txMax = true, interval, timeout, max
	}
}

// PendingTransaction is a half message no END_TRANSACTION resolved yet.
type PendingTransaction struct {
	Message Message   // the half message as the records keep it
	Stored  time.Time // the broker's clock when it stored it
	Checks  int       // CHECK_TRANSACTION_STATE sent for it by the service
}

// TransactionCheckRun says what one pass of the check service did.
type TransactionCheckRun struct {
	Checked    int // CHECK_TRANSACTION_STATE sent
	NoProducer int // due, but the group had no producer connection
	Discarded  int // checked the maximum times and dropped
	NotDue     int // younger than the transaction timeout
}

// txChecker is the transaction check service's state: the unresolved
// half messages by commit-log offset.
type txChecker struct {
	mu      sync.Mutex
	pending map[int64]*PendingTransaction
	running sync.Mutex // one pass at a time
}

// addHalf notes a stored half message (cmd_send.go).
func (b *Broker) addHalf(m Message) {
	b.txs.mu.Lock()
	defer b.txs.mu.Unlock()
	if b.txs.pending == nil {
		b.txs.pending = map[int64]*PendingTransaction{}
	}
	b.txs.pending[m.CommitLogOffset] = &PendingTransaction{Message: m, Stored: m.Time}
}

// resolveHalf forgets a half message an END_TRANSACTION committed or
// rolled back; it reports whether it was pending.
func (b *Broker) resolveHalf(commitLogOffset int64) bool {
	b.txs.mu.Lock()
	defer b.txs.mu.Unlock()
	_, ok := b.txs.pending[commitLogOffset]
	delete(b.txs.pending, commitLogOffset)
	return ok
}

// PendingTransactions returns the half messages no END_TRANSACTION
// committed or rolled back and the service did not discard, oldest first.
func (b *Broker) PendingTransactions() []PendingTransaction {
	b.txs.mu.Lock()
	out := make([]PendingTransaction, 0, len(b.txs.pending))
	for _, p := range b.txs.pending {
		q := *p
		q.Message = p.Message.export(p.Message.ClientID)
		out = append(out, q)
	}
	b.txs.mu.Unlock()
	slices.SortFunc(out, func(a, b PendingTransaction) int {
		return int(a.Message.CommitLogOffset - b.Message.CommitLogOffset)
	})
	return out
}

// RunTransactionCheck runs one pass of the transaction check service now,
// on the broker's clock, whether or not the service runs on its own.
func (b *Broker) RunTransactionCheck() TransactionCheckRun {
	b.txs.running.Lock()
	defer b.txs.running.Unlock()
	now := b.Now()
	timeout, maxChecks := b.cfg.timed.txTimeout, b.cfg.timed.txMax
	var run TransactionCheckRun
	for _, p := range b.PendingTransactions() {
		m := p.Message
		immunity := timeout
		if s := m.Properties[propertyCheckImmunity]; s != "" {
			if sec, err := strconv.Atoi(s); err == nil && sec > 0 {
				immunity = time.Duration(sec) * time.Second
			}
		}
		if now.Sub(p.Stored) < immunity {
			run.NotDue++
			continue
		}
		if _, ok := b.store.ByPhysicalOffset(m.CommitLogOffset); !ok {
			b.resolveHalf(m.CommitLogOffset) // evicted from the store (WithStoreLimits)
			continue
		}
		if p.Checks >= maxChecks {
			if b.resolveHalf(m.CommitLogOffset) {
				run.Discarded++
				b.discardHalf(m, p.Checks)
			}
			continue
		}
		b.txs.mu.Lock()
		if q, ok := b.txs.pending[m.CommitLogOffset]; ok {
			q.Checks++
		}
		b.txs.mu.Unlock()
		group := m.Properties[protocol.PropertyProducerGroup]
		if group == "" {
			group = m.ProducerGroup
		}
		if _, err := b.CheckTransaction(group, m); err != nil {
			run.NoProducer++
			b.log.Warn("Check transaction failed, channel is null", "groupId", group, "msgId", m.MsgID, "err", err)
			continue
		}
		run.Checked++
	}
	return run
}

// discardHalf is resolveDiscardMsg: the half message goes to
// TRANS_CHECK_MAX_TIME_TOPIC, with an error logged (whose text, as
// Java's, spells it TRANS_CHECK_MAXTIME_TOPIC).
func (b *Broker) discardHalf(m Message, checks int) {
	b.log.Error("half message has been checked too many times, so discard it by moving it to system topic TRANS_CHECK_MAXTIME_TOPIC",
		"msgId", m.MsgID, "topic", m.Topic, "group", m.ProducerGroup, "checks", checks, "commitLogOffset", m.CommitLogOffset)
	half, ok := b.store.ByPhysicalOffset(m.CommitLogOffset)
	if !ok {
		return
	}
	sm := store.Message{TagsCode: half.TagsCode, MessageExt: half.MessageExt}
	sm.Size = 0
	b.store.EnsureTopic(transCheckMaxTimeTopic, 1)
	if _, err := b.appendStored(transCheckMaxTimeTopic, sm); err != nil {
		b.log.Warn("discarded half message not stored", "err", err)
	}
}

// startTransactionCheck schedules the service on the broker's clock.
func (b *Broker) startTransactionCheck() {
	if iv := b.cfg.timed.txInterval; iv > 0 {
		b.sched.every(iv, iv, func() {
			if !b.closed.Load() {
				b.RunTransactionCheck()
			}
		})
	}
}

// resolveTimedDefaults fills the timed services' defaults of the release.
func (c *config) resolveTimedDefaults() {
	t := &c.timed
	if !t.txSet {
		t.txInterval, t.txTimeout, t.txMax = c.release.TransactionCheckInterval(), c.release.TransactionTimeout(), c.release.TransactionCheckMax()
	}
	if t.txTimeout < 0 {
		t.txTimeout = 0
	}
	if t.txMax <= 0 {
		t.txMax = DefaultTransactionCheckMax
	}
}
