package controlapi

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// rawClient speaks remoting over one TCP connection, one request at a
// time: the client side of the broker the API steers.
type rawClient struct {
	t      testing.TB
	conn   net.Conn
	r      *bufio.Reader
	opaque atomic.Int32
}

func dial(t testing.TB, addr string) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	assert.NilError(t, err)
	t.Cleanup(func() { c.Close() })
	return &rawClient{t: t, conn: c, r: bufio.NewReader(c)}
}

// send writes a request, numbering it, and returns its opaque.
func (c *rawClient) send(cmd *protocol.Command) int32 {
	c.t.Helper()
	cmd.Opaque = c.opaque.Add(1)
	b, err := cmd.Encode()
	assert.NilError(c.t, err)
	_, err = c.conn.Write(b)
	assert.NilError(c.t, err)
	return cmd.Opaque
}

// read reads one frame.
func (c *rawClient) read() *protocol.Command {
	c.t.Helper()
	cmd, err := c.tryRead(2 * time.Second)
	assert.NilError(c.t, err)
	return cmd
}

func (c *rawClient) tryRead(timeout time.Duration) (*protocol.Command, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	return protocol.ReadFrame(c.r, 0)
}

// call sends a request and reads its reply, checking the opaque.
func (c *rawClient) call(cmd *protocol.Command) *protocol.Command {
	c.t.Helper()
	op := c.send(cmd)
	resp := c.read()
	assert.Equal(c.t, resp.Opaque, op, "reply opaque")
	return resp
}

// readEOF reads until the broker closes the connection and returns what
// came; it fails on a timeout.
func readEOF(t *testing.T, c *rawClient) []byte {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	got, err := io.ReadAll(c.r)
	assert.NilError(t, err, "want the broker to close the connection")
	return got
}

func localAddr(c *rawClient) string { return c.conn.LocalAddr().String() }

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// heartbeatCmd builds a Go-client style heartbeat for the groups.
func heartbeatCmd(clientID string, lang protocol.LanguageCode, version protocol.MQVersion, groups ...string) *protocol.Command {
	hb := protocol.HeartbeatData{ClientID: clientID}
	for _, g := range groups {
		hb.ProducerDataSet = append(hb.ProducerDataSet, protocol.ProducerData{GroupName: g})
	}
	cmd := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.Marshal())
	cmd.Language, cmd.Version = lang, version
	return cmd
}

func sendCmd(group, topic string, queue int, props string, body []byte) *protocol.Command {
	return protocol.NewRequest(protocol.SendMessage, map[string]string{
		"producerGroup": group, "topic": topic, "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
		"queueId": fmt.Sprint(queue), "sysFlag": "0", "bornTimestamp": "1700000000000", "flag": "0",
		"properties": props, "reconsumeTimes": "0", "unitMode": "false", "batch": "false",
	}, body)
}

// halfSend is a transactional (prepared) send.
func halfSend(group, topic, uniq string) *protocol.Command {
	cmd := sendCmd(group, topic, 1, "TRAN_MSG\x01true\x02PGROUP\x01"+group+"\x02UNIQ_KEY\x01"+uniq+"\x02", []byte("half body"))
	cmd.ExtFields["sysFlag"] = fmt.Sprint(protocol.TransactionPreparedType)
	return cmd
}

func endTxCmd(h protocol.EndTransactionRequestHeader) *protocol.Command {
	return protocol.NewRequest(protocol.EndTransaction, h.Encode(), nil)
}

func clusterInfoCmd() *protocol.Command {
	return protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil)
}
