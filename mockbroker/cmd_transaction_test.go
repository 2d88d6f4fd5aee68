package mockbroker

import (
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// storedMessage is a MessageExt body as a client decodes it (V1 magic,
// IPv4 hosts), read field by field like rocketmq-client-go's DecodeMessage.
type storedMessage struct {
	StoreSize, Magic, BodyCRC, QueueID, Flag int32
	QueueOffset, CommitLogOffset             int64
	SysFlag                                  int32
	BornTimestamp                            int64
	BornHost                                 string
	StoreTimestamp                           int64
	StoreHost                                string
	ReconsumeTimes                           int32
	PreparedTransactionOffset                int64
	Body                                     string
	Topic                                    string
	Properties                               map[string]string
}

func decodeStored(t *testing.T, b []byte) storedMessage {
	t.Helper()
	var m storedMessage
	i32 := func() int32 { v := int32(binary.BigEndian.Uint32(b)); b = b[4:]; return v }
	i64 := func() int64 { v := int64(binary.BigEndian.Uint64(b)); b = b[8:]; return v }
	host := func() string {
		ip := net.IP(b[:4])
		b = b[4:]
		return fmt.Sprintf("%s:%d", ip, i32())
	}
	total := len(b)
	m.StoreSize, m.Magic, m.BodyCRC, m.QueueID, m.Flag = i32(), i32(), i32(), i32(), i32()
	m.QueueOffset, m.CommitLogOffset, m.SysFlag, m.BornTimestamp = i64(), i64(), i32(), i64()
	m.BornHost, m.StoreTimestamp, m.StoreHost = host(), i64(), host()
	m.ReconsumeTimes, m.PreparedTransactionOffset = i32(), i64()
	n := i32()
	m.Body, b = string(b[:n]), b[n:]
	tl := int(b[0])
	m.Topic, b = string(b[1:1+tl]), b[1+tl:]
	pl := int(binary.BigEndian.Uint16(b))
	m.Properties, b = protocol.ParseProperties(string(b[2:2+pl])), b[2+pl:]
	assert.Equal(t, len(b), 0, "bytes after the properties")
	assert.Equal(t, int(m.StoreSize), total, "storeSize is the body length")
	return m
}

// halfSend builds a Go-client half message send.
func halfSend(group, topic, uniq string) *protocol.Command {
	return testclient.HalfSend(group, topic, uniq)
}

func endTxCmd(h protocol.EndTransactionRequestHeader) *protocol.Command {
	return testclient.EndTransaction(h)
}

func TestCheckTransactionRoundTrip(t *testing.T) {
	for _, compat := range []protocol.Release{protocol.Release533, protocol.Release498} {
		t.Run(compat.String(), func(t *testing.T) {
			start := time.UnixMilli(1_700_000_000_000)
			b := Start(t, WithVirtualClock(start), WithRelease(compat))
			c := dial(t, b.Addr())
			c.call(heartbeatCmd("go@1", protocol.Go, 317, "PG"))
			assert.Equal(t, c.call(halfSend("PG", "T", "U1")).Code, int32(0))
			msgs, err := b.WaitMessages(ctxT(t), "T", 1)
			assert.NilError(t, err)
			half := msgs[0]
			assert.Assert(t, half.Half())

			// The Go client ends with "unknown" after its local transaction,
			// without the oneway bit: a real broker answers nothing then.
			c.send(endTxCmd(protocol.EndTransactionRequestHeader{ProducerGroup: "PG", CommitLogOffset: half.CommitLogOffset,
				TranStateTableOffset: half.QueueOffset, MsgID: "U1", TransactionID: "U1"}))
			op := c.send(clusterInfoCmd())
			assert.Equal(t, c.read().Opaque, op, "no reply to END_TRANSACTION with the unknown state")

			check, err := b.CheckTransaction("PG", half)
			assert.NilError(t, err)
			assert.Equal(t, check.Conn.ClientID, "go@1")
			req := c.read()
			assert.Equal(t, req.RequestCode(), protocol.CheckTransactionState)
			assert.Equal(t, req.Flag, protocol.FlagOneway, "a oneway request, not a response")
			assert.Equal(t, req.Opaque, check.Opaque)
			wantExt := map[string]string{"tranStateTableOffset": "0", "commitLogOffset": "0",
				"msgId": "U1", "transactionId": "U1", "offsetMsgId": half.OffsetMsgID}
			if compat == protocol.Release533 {
				wantExt["topic"], wantExt["bname"] = "RMQ_SYS_TRANS_HALF_TOPIC", "broker-a"
			}
			assert.DeepEqual(t, req.ExtFields, wantExt)

			got := decodeStored(t, req.Body)
			want := storedMessage{
				StoreSize: got.StoreSize, Magic: -626843481 /* 0xDAA320A7 */, BodyCRC: got.BodyCRC, QueueID: 1,
				SysFlag:       0, // the transaction bits are reset, as in the stored half message
				BornTimestamp: 1700000000000, BornHost: localAddr(c), StoreTimestamp: start.UnixMilli(), StoreHost: b.AdvertisedAddr(),
				Body: "half body", Topic: "T",
				Properties: map[string]string{"TRAN_MSG": "true", "PGROUP": "PG", "UNIQ_KEY": "U1",
					"REAL_TOPIC": "T", "REAL_QID": "1", "TRANSACTION_CHECK_TIMES": "1"},
			}
			assert.DeepEqual(t, got, want)
			assert.Equal(t, got.BodyCRC, int32(879076939), "Java's UtilAll.crc32 of the body: IEEE CRC-32 & 0x7FFFFFFF")

			// The producer's check listener answers with a separate
			// END_TRANSACTION, fromTransactionCheck=true.
			c.send(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil)) // an unrelated request in between
			c.read()
			resp := c.call(endTxCmd(protocol.EndTransactionRequestHeader{ProducerGroup: "PG", CommitLogOffset: half.CommitLogOffset,
				TranStateTableOffset: half.QueueOffset, CommitOrRollback: protocol.TransactionCommitType, FromTransactionCheck: true,
				MsgID: "U1", TransactionID: "U1"}))
			assert.Equal(t, resp.Code, int32(0), "Go sends it without the oneway bit; a code 0 reply is harmless")

			end, err := check.Wait(ctxT(t))
			assert.NilError(t, err)
			wantEnd := EndTransaction{Seq: 2, Group: "PG", ClientID: "go@1", Addr: localAddr(c), MsgID: "U1", TransactionID: "U1",
				State: TxCommit, FromCheck: true, Message: &half, Time: start}
			assert.DeepEqual(t, end, wantEnd, cmpopts.IgnoreUnexported(Message{}, EndTransaction{}))
			ends := b.EndTransactions()
			assert.Equal(t, len(ends), 2)
			assert.Equal(t, ends[0].State, TxUnknown)

			// A second check counts the checks in the body.
			_, err = b.CheckTransaction("PG", half)
			assert.NilError(t, err)
			assert.Equal(t, decodeStored(t, c.read().Body).Properties["TRANSACTION_CHECK_TIMES"], "2")
		})
	}
}

func TestCheckTransactionRoundRobin(t *testing.T) {
	b := Start(t)
	var cs []*rawClient
	for i := range 3 {
		c := dial(t, b.Addr())
		c.call(heartbeatCmd(fmt.Sprint("c@", i), protocol.Go, 317, "PG"))
		cs = append(cs, c)
	}
	// getAvailableChannel: the counter is incremented first, so the first
	// check goes to the second connection in registration order.
	var order []string
	for range 4 {
		check, err := b.CheckTransaction("PG", Message{Topic: "T", CommitLogOffset: 7, MsgID: "U"})
		assert.NilError(t, err)
		order = append(order, check.Conn.ClientID)
		for i, c := range cs {
			if fmt.Sprint("c@", i) == check.Conn.ClientID {
				got := decodeStored(t, c.read().Body)
				assert.Equal(t, got.Properties["PGROUP"], "PG", "PGROUP is filled in from the group")
			}
		}
	}
	assert.DeepEqual(t, order, []string{"c@1", "c@2", "c@0", "c@1"})
	for _, c := range cs {
		_, err := c.tryRead(20 * time.Millisecond)
		assert.Assert(t, isTimeout(err), "no other connection got a check: %v", err)
	}
}

func TestCheckTransactionErrors(t *testing.T) {
	b := Start(t)
	_, err := b.CheckTransaction("nobody", Message{})
	assert.ErrorContains(t, err, `check transaction failed: group "nobody" has no active producer connection`)

	assert.NilError(t, b.LoadFixture(&Fixture{Groups: []FixtureGroup{{Name: "VG", Producers: []FixtureProducer{
		{ClientID: "v@1", Addr: "10.0.0.9:5000", Language: protocol.Java, Version: protocol.V4_9_8}}}}}))
	_, err = b.CheckTransaction("VG", Message{})
	assert.ErrorContains(t, err, "is a virtual (fixture) one")

	c := dial(t, b.Addr())
	resp := c.call(protocol.NewRequest(protocol.EndTransaction, map[string]string{"producerGroup": "PG"}, nil))
	assert.Equal(t, resp.Code, int32(1))
	assert.Assert(t, is.Contains(resp.Remark, "tranStateTableOffset"))
	bad := endTxCmd(protocol.EndTransactionRequestHeader{ProducerGroup: "PG", MsgID: "U"})
	bad.ExtFields["commitOrRollback"] = "5"
	assert.Assert(t, is.Contains(c.call(bad).Remark, "commitOrRollback"))

	// Java sends END_TRANSACTION oneway: recorded, never answered.
	oneway := endTxCmd(protocol.EndTransactionRequestHeader{ProducerGroup: "PG", MsgID: "J1", CommitOrRollback: protocol.TransactionRollbackType})
	oneway.Flag = protocol.FlagOneway
	oneway.Remark = "executeLocalTransactionBranch exception: boom"
	c.send(oneway)
	op := c.send(clusterInfoCmd())
	assert.Equal(t, c.read().Opaque, op)
	end, err := b.WaitEndTransaction(ctxT(t), "J1")
	assert.NilError(t, err)
	assert.Equal(t, end.State, TxRollback)
	assert.Equal(t, end.Remark, "executeLocalTransactionBranch exception: boom")
	assert.Assert(t, end.Message == nil, "no recorded message at that offset")
	assert.Equal(t, end.State.String(), "rollback")
}
