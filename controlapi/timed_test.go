package controlapi

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

func TestClientTimedServices(t *testing.T) {
	ctx := t.Context()
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(apiStart))
	c := newClient(t, b)
	p := testclient.Dial(t, b.Addr())
	p.Call(testclient.Heartbeat("go@1", protocol.Go, 317, "PG"))
	assert.Equal(t, p.Call(testclient.HalfSend("PG", "T", "U1")).Code, int32(0))
	assert.Equal(t, p.Call(testclient.SendMessage("PG", "T", 0, "UNIQ_KEY\x01D1\x02DELAY\x013\x02", []byte("d"))).Code, int32(0))

	pending, err := c.PendingTransactions(ctx)
	assert.NilError(t, err)
	assert.Equal(t, len(pending), 1)
	assert.Equal(t, pending[0].Group, "PG")
	assert.Equal(t, pending[0].MsgID, "U1")
	assert.Equal(t, pending[0].StoredMs, apiStart.UnixMilli())

	sched, err := c.ScheduledMessages(ctx)
	assert.NilError(t, err)
	assert.Equal(t, len(sched), 1)
	assert.Equal(t, sched[0].Topic, "SCHEDULE_TOPIC_XXXX")
	assert.Equal(t, sched[0].DelayLevel, int32(3))
	assert.Equal(t, sched[0].RealTopic, "T")
	assert.Equal(t, sched[0].DueMs, apiStart.Add(10*time.Second).UnixMilli())

	run, err := c.RunTransactionCheck(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, *run, TransactionCheckRun{NotDue: 1})
	_, err = c.Advance(ctx, 10*time.Second)
	assert.NilError(t, err)
	sched, err = c.ScheduledMessages(ctx)
	assert.NilError(t, err)
	assert.Equal(t, len(sched), 0)
	run, err = c.RunTransactionCheck(ctx)
	assert.NilError(t, err)
	assert.DeepEqual(t, *run, TransactionCheckRun{Checked: 1})
	assert.Equal(t, p.Read().RequestCode(), protocol.CheckTransactionState)

	b.Close()
	_, err = c.RunTransactionCheck(ctx)
	apiError(t, err, http.StatusServiceUnavailable)
	assert.Assert(t, errors.Is(err, mockbroker.ErrClosed))
}
