package mockbroker

import (
	"context"
	"errors"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/protocol"
)

// The hooks' errors carry their kind for errors.Is, and their text says
// what was asked and what the broker had.
func TestHookErrorsHaveKinds(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG"))
	assert.NilError(t, b.LoadFixture(&Fixture{Groups: []FixtureGroup{{Name: "VG", Producers: []FixtureProducer{
		{ClientID: "v@1", Addr: "10.0.0.9:5000", Language: protocol.Java, Version: protocol.V4_9_8}}}}}))

	err := b.CloseClient("nobody@1")
	assert.Assert(t, errors.Is(err, ErrUnknownClient), "%v", err)
	assert.ErrorContains(t, err, `no producer connection with client id "nobody@1" (known: [c@1 v@1])`)

	err = b.ExpireProducer("PG", "nobody@1")
	assert.Assert(t, errors.Is(err, ErrUnknownProducer), "%v", err)
	assert.Assert(t, !errors.Is(err, ErrUnknownGroup), "%v", err)
	assert.ErrorContains(t, err, `group "PG" has no producer with client id "nobody@1"`)
	err = b.ExpireProducer("NOPE", "c@1")
	assert.Assert(t, errors.Is(err, ErrUnknownProducer) && errors.Is(err, ErrUnknownGroup), "%v", err)

	_, err = b.CheckTransaction("NOPE", Message{})
	assert.Assert(t, errors.Is(err, ErrNoProducer), "%v", err)
	_, err = b.CheckTransaction("VG", Message{})
	assert.Assert(t, errors.Is(err, ErrNoProducer), "%v", err)

	_, err = b.FindMessage("U1")
	assert.Assert(t, errors.Is(err, ErrUnknownMessage), "%v", err)
	assert.ErrorContains(t, err, `no kept message has msgId or offsetMsgId "U1" (0 kept)`)
	assert.Equal(t, c.call(sendCmd("PG", "T", 0, "UNIQ_KEY\x01U1\x02", []byte("x"))).Code, int32(0))
	m, err := b.FindMessage("U1")
	assert.NilError(t, err)
	assert.Equal(t, m.ClientID, "c@1")
	byOffset, err := b.FindMessage(m.OffsetMsgID)
	assert.NilError(t, err)
	assert.Equal(t, byOffset.MsgID, "U1")

	ctx, cancel := context.WithTimeout(ctxT(t), 10*time.Millisecond)
	defer cancel()
	err = b.WaitProducers(ctx, "PG", 2)
	assert.Assert(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.ErrorContains(t, err, `waiting for 2 producers in group "PG", it has 1 [c@1]`)
	_, err = b.WaitEndTransaction(ctx, "U1")
	assert.Assert(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.ErrorContains(t, err, `END_TRANSACTION for msgId "U1" (0 other END_TRANSACTIONs kept)`)
}

// Every wait ends with ErrClosed when the broker closes under it.
func TestWaitsEndWithClose(t *testing.T) {
	b := Start(t)
	errs := make(chan error, 3)
	go func() { errs <- b.WaitProducers(context.Background(), "PG", 1) }()
	go func() { _, err := b.WaitMessages(context.Background(), "T", 1); errs <- err }()
	go func() { _, err := b.WaitEndTransaction(context.Background(), "U"); errs <- err }()
	time.Sleep(10 * time.Millisecond)
	b.Close()
	for range 3 {
		err := <-errs
		assert.Assert(t, errors.Is(err, ErrClosed), "%v", err)
	}
	assert.ErrorContains(t, b.WaitProducers(context.Background(), "PG", 1), `waiting for 1 producers in group "PG", it has 0 []`)
}
