package mockbroker

import (
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// TestTransactionCheckService: under the virtual clock the service checks
// an unresolved half message at its interval (60 s on 4.9.8, 30 s on
// 5.3.3), the answer commits it into its real topic with a new offset, and
// a rolled-back one is dropped.
func TestTransactionCheckService(t *testing.T) {
	for _, compat := range []protocol.Release{protocol.Release533, protocol.Release498} {
		t.Run(compat.String(), func(t *testing.T) {
			start := time.UnixMilli(1_700_000_000_000)
			b := Start(t, WithVirtualClock(start), WithRelease(compat))
			iv := DefaultTransactionCheckInterval(compat)
			c := dial(t, b.Addr())
			c.call(heartbeatCmd("go@1", protocol.Go, 317, "PG"))
			assert.Equal(t, c.call(halfSend("PG", "T", "U1")).Code, int32(0))
			assert.Equal(t, c.call(halfSend("PG", "T", "U2")).Code, int32(0))
			pend := b.PendingTransactions()
			assert.Equal(t, len(pend), 2)
			assert.Equal(t, pend[0].Message.MsgID, "U1")

			b.Advance(iv - time.Millisecond)
			_, err := c.tryRead(20 * time.Millisecond)
			assert.Assert(t, isTimeout(err), "no check before the interval: %v", err)

			b.Advance(time.Millisecond)
			for _, want := range []string{"U1", "U2"} {
				req := c.read()
				assert.Equal(t, req.RequestCode(), protocol.CheckTransactionState)
				assert.Equal(t, req.ExtFields["msgId"], want)
				assert.Equal(t, decodeStored(t, req.Body).Properties["TRANSACTION_CHECK_TIMES"], "1")
			}
			assert.Equal(t, b.PendingTransactions()[0].Checks, 1)

			for i, st := range []int32{protocol.TransactionCommitType, protocol.TransactionRollbackType} {
				p := pend[i].Message
				c.call(endTxCmd(protocol.EndTransactionRequestHeader{ProducerGroup: "PG", CommitLogOffset: p.CommitLogOffset,
					TranStateTableOffset: p.QueueOffset, CommitOrRollback: st, FromTransactionCheck: true, MsgID: p.MsgID, TransactionID: p.MsgID}))
			}
			assert.Equal(t, len(b.PendingTransactions()), 0)
			var visible []string
			for q := range int32(4) {
				for _, m := range b.store.Range("T", q, 0, 100) {
					visible = append(visible, m.Properties["UNIQ_KEY"])
				}
			}
			assert.DeepEqual(t, visible, []string{"U1"})

			// Nothing left to check at the next interval.
			b.Advance(iv)
			_, err = c.tryRead(20 * time.Millisecond)
			assert.Assert(t, isTimeout(err), "no check once resolved: %v", err)
		})
	}
}

// TestTransactionCheckServiceDiscards: a half message whose producer keeps
// answering "unknown" is checked max times, then discarded into
// TRANS_CHECK_MAX_TIME_TOPIC; one younger than the timeout waits.
func TestTransactionCheckServiceDiscards(t *testing.T) {
	b := Start(t, WithVirtualClock(time.UnixMilli(1_700_000_000_000)), WithTransactionCheck(10*time.Second, 6*time.Second, 2))
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("go@1", protocol.Go, 317, "PG"))
	b.Advance(5 * time.Second)
	c.call(halfSend("PG", "T", "U1"))
	b.Advance(5 * time.Second) // 5 s old at the first pass: not due
	_, err := c.tryRead(20 * time.Millisecond)
	assert.Assert(t, isTimeout(err), "not checked before the timeout: %v", err)
	assert.Equal(t, b.RunTransactionCheck(), TransactionCheckRun{NotDue: 1})

	b.Advance(20 * time.Second) // two passes
	for _, n := range []string{"1", "2"} {
		assert.Equal(t, decodeStored(t, c.read().Body).Properties["TRANSACTION_CHECK_TIMES"], n)
	}
	assert.Equal(t, b.RunTransactionCheck(), TransactionCheckRun{Discarded: 1})
	assert.Equal(t, len(b.PendingTransactions()), 0)
	// TopicValidator.RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC, by its Java value.
	assert.Equal(t, len(b.store.Range("TRANS_CHECK_MAX_TIME_TOPIC", 0, 0, 10)), 1)
	_, err = c.tryRead(20 * time.Millisecond)
	assert.Assert(t, isTimeout(err), "no third check: %v", err)
}

// TestTransactionCheckServiceOff: interval 0 turns the service off.
func TestTransactionCheckServiceOff(t *testing.T) {
	b := Start(t, WithVirtualClock(time.UnixMilli(1_700_000_000_000)), WithTransactionCheck(0, 0, 0))
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("go@1", protocol.Go, 317, "PG"))
	c.call(halfSend("PG", "T", "U1"))
	b.Advance(100 * time.Second) // three default intervals, within the producer expiry
	_, err := c.tryRead(20 * time.Millisecond)
	assert.Assert(t, isTimeout(err), "no check with the service off: %v", err)
	assert.Equal(t, b.RunTransactionCheck(), TransactionCheckRun{Checked: 1})
	assert.Equal(t, c.read().RequestCode(), protocol.CheckTransactionState)
}

// TestTransactionCheckServiceRealClock: on the real clock a short interval
// checks an unresolved half message on its own, and a DELAY level of a
// short custom level is delivered on its own.
func TestTransactionCheckServiceRealClock(t *testing.T) {
	b := Start(t, WithTransactionCheck(50*time.Millisecond, 0, 15), WithDelayLevels(50*time.Millisecond))
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("go@1", protocol.Go, 317, "PG"))
	c.call(halfSend("PG", "T", "U1"))
	req, err := c.tryRead(5 * time.Second)
	assert.NilError(t, err)
	assert.Equal(t, req.RequestCode(), protocol.CheckTransactionState)
	assert.Equal(t, req.ExtFields["msgId"], "U1")

	// Another connection: this one keeps receiving checks.
	dial(t, b.Addr()).call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01D1\x02DELAY\x011\x02", nil))
	eventually(t, func() bool { return b.store.MaxOffset("T", 0) == 1 })
	assert.Equal(t, len(b.ScheduledMessages()), 0)
}
