// Package testclient is the raw remoting client that tests of the broker
// and of its control API drive: one TCP connection, one request at a time
// unless the test pipelines by hand, and every failure fails the test. It
// also builds the requests those tests send most.
package testclient

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// Client speaks remoting over one TCP connection for one test.
type Client struct {
	// T is the test a failure fails; a fuzz target sets its own T before
	// it uses a client made with the F.
	T      testing.TB
	nc     net.Conn
	r      *bufio.Reader
	opaque atomic.Int32
}

// Dial connects to addr within 2 s; the test's cleanup closes the
// connection.
func Dial(t testing.TB, addr string) *Client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	assert.NilError(t, err)
	t.Cleanup(func() { nc.Close() })
	return New(t, nc)
}

// New wraps a connection the caller dialled and closes.
func New(t testing.TB, nc net.Conn) *Client {
	return &Client{T: t, nc: nc, r: bufio.NewReader(nc)}
}

// Send writes a request, numbering it, and returns its opaque.
func (c *Client) Send(cmd *protocol.Command) int32 {
	c.T.Helper()
	cmd.Opaque = c.opaque.Add(1)
	b, err := cmd.Encode()
	assert.NilError(c.T, err)
	_, err = c.nc.Write(b)
	assert.NilError(c.T, err)
	return cmd.Opaque
}

// Read reads one frame within 2 s.
func (c *Client) Read() *protocol.Command {
	c.T.Helper()
	cmd, err := c.TryRead(2 * time.Second)
	assert.NilError(c.T, err)
	return cmd
}

// TryRead reads one frame within timeout and returns the error as it came
// (see IsTimeout).
func (c *Client) TryRead(timeout time.Duration) (*protocol.Command, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	return protocol.ReadFrame(c.r, 0)
}

// Call sends a request and reads its reply, checking the opaque and the
// response flag.
func (c *Client) Call(cmd *protocol.Command) *protocol.Command {
	c.T.Helper()
	op := c.Send(cmd)
	resp := c.Read()
	assert.Equal(c.T, resp.Opaque, op, "reply opaque")
	assert.Assert(c.T, resp.IsResponse(), "reply lacks the response flag: %+v", resp)
	return resp
}

// ReadEOF reads until the server closes the connection and returns what
// came; it fails the test if the connection is still open after 3 s.
func (c *Client) ReadEOF() []byte {
	c.T.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	got, err := io.ReadAll(c.r)
	assert.NilError(c.T, err, "want the broker to close the connection")
	return got
}

// Write writes bytes as they are: several frames at once, or a broken one.
func (c *Client) Write(b []byte) (int, error) { return c.nc.Write(b) }

// Close closes the connection.
func (c *Client) Close() error { return c.nc.Close() }

// LocalAddr returns this side's "ip:port", the address the server sees.
func (c *Client) LocalAddr() string { return c.nc.LocalAddr().String() }

// IsTimeout reports whether err is a network timeout (a read that saw
// nothing), as opposed to a closed connection.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Heartbeat builds a Go-client style heartbeat for the producer groups.
func Heartbeat(clientID string, lang protocol.LanguageCode, version protocol.MQVersion, groups ...string) *protocol.Command {
	hb := protocol.HeartbeatData{ClientID: clientID}
	for _, g := range groups {
		hb.ProducerDataSet = append(hb.ProducerDataSet, protocol.ProducerData{GroupName: g})
	}
	cmd := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.Marshal())
	cmd.Language, cmd.Version = lang, version
	return cmd
}

// ConsumerHeartbeat builds a Java 4.9.8 client's heartbeat registering one
// clustering consumer group that subscribes to every tag of each topic.
func ConsumerHeartbeat(clientID, group string, topics ...string) *protocol.Command {
	cd := protocol.ConsumerData{GroupName: group, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.MessageModelClustering,
		ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET"}
	for _, tp := range topics {
		cd.SubscriptionDataSet = append(cd.SubscriptionDataSet, protocol.SubscriptionData{Topic: tp, SubString: "*",
			ExpressionType: protocol.ExpressionTypeTag, SubVersion: 1700000000000})
	}
	hb := protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{cd}}
	cmd := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.Marshal())
	cmd.Language, cmd.Version = protocol.Java, protocol.V4_9_8
	return cmd
}

// SendMessage builds a Go-client SEND_MESSAGE to one queue.
func SendMessage(group, topic string, queue int, props string, body []byte) *protocol.Command {
	return protocol.NewRequest(protocol.SendMessage, map[string]string{
		"producerGroup": group, "topic": topic, "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
		"queueId": fmt.Sprint(queue), "sysFlag": "0", "bornTimestamp": "1700000000000", "flag": "0",
		"properties": props, "reconsumeTimes": "0", "unitMode": "false", "batch": "false",
	}, body)
}

// HalfSend builds a Go-client transactional (prepared) send to queue 1.
func HalfSend(group, topic, uniq string) *protocol.Command {
	cmd := SendMessage(group, topic, 1, "TRAN_MSG\x01true\x02PGROUP\x01"+group+"\x02UNIQ_KEY\x01"+uniq+"\x02", []byte("half body"))
	cmd.ExtFields["sysFlag"] = fmt.Sprint(protocol.TransactionPreparedType)
	return cmd
}

// EndTransaction builds an END_TRANSACTION request.
func EndTransaction(h protocol.EndTransactionRequestHeader) *protocol.Command {
	return protocol.NewRequest(protocol.EndTransaction, h.Encode(), nil)
}

// ClusterInfo builds a GET_BROKER_CLUSTER_INFO request.
func ClusterInfo() *protocol.Command {
	return protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil)
}
