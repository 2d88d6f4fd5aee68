package mockbroker

import (
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// A broker behind a load balancer: the connection starts with a HAProxy
// PROXY header (5.x), and 204 and 203 report the address it carries as
// the client's (RemotingHelper.parseChannelRemoteAddr), while 328's
// remoteIP stays the socket's (channel.remoteAddress()).
func TestProxyHeaderAddressIn204And203(t *testing.T) {
	v2, err := hex.DecodeString("0d0a0d0a000d0a515549540a" + // signature
		"21" + "11" + "000c" + // v2 PROXY, TCP over IPv4, 12 address bytes
		"c0000207" + "0a000001" + "c351" + "2a9f") // 192.0.2.7:50001 -> 10.0.0.1:10911
	assert.NilError(t, err)
	for _, tc := range []struct {
		name, want string
		preface    []byte
	}{
		{"v2", "192.0.2.7:50001", v2},
		{"v1", "198.51.100.9:40404", []byte("PROXY TCP4 198.51.100.9 10.0.0.1 40404 10911\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Start(t)
			nc, err := net.DialTimeout("tcp", b.Addr(), 2*time.Second)
			assert.NilError(t, err)
			t.Cleanup(func() { nc.Close() })
			_, err = nc.Write(tc.preface)
			assert.NilError(t, err)
			c := newRawClient(t, nc)
			assert.Equal(t, c.call(heartbeatCmd("p@1", protocol.Go, 317, "PG")).Code, int32(0))
			assert.Equal(t, c.call(consumerHeartbeatCmd("c@1", "CG", 1, "T")).Code, int32(0))

			admin := dial(t, b.Addr())
			_, pc := connections(t, admin, "PG", protocol.JSON)
			assert.Assert(t, pc != nil)
			assert.Equal(t, len(pc.ConnectionSet), 1)
			assert.Equal(t, pc.ConnectionSet[0].ClientAddr, tc.want)

			resp := admin.call(protocol.NewRequest(protocol.GetConsumerConnectionList, map[string]string{"consumerGroup": "CG"}, nil))
			assert.Equal(t, resp.Code, int32(0), resp.Remark)
			cc, err := protocol.DecodeConsumerConnection(resp.Body)
			assert.NilError(t, err)
			assert.Equal(t, len(cc.ConnectionSet), 1)
			assert.Equal(t, cc.ConnectionSet[0].ClientAddr, tc.want)

			resp = admin.call(protocol.NewRequest(protocol.GetAllProducerInfo, nil, nil))
			assert.Equal(t, resp.Code, int32(0), resp.Remark)
			assert.Assert(t, strings.Contains(string(resp.Body), "/"+c.LocalAddr()), "328 names the socket's address: %s", resp.Body)
			assert.Assert(t, !strings.Contains(string(resp.Body), tc.want), "328 names the socket's address: %s", resp.Body)
		})
	}
}

// 4.9.8 has no preface stage: the PROXY header is framed and closes the
// connection (a length field 0x0d0a0d0a, beyond 16 MiB).
func TestProxyHeaderClosesOn498(t *testing.T) {
	b := Start(t, WithRelease(protocol.Release498))
	c := dial(t, b.Addr())
	_, err := c.Write([]byte("PROXY TCP4 198.51.100.9 10.0.0.1 40404 10911\r\n"))
	assert.NilError(t, err)
	assert.Equal(t, len(c.ReadEOF()), 0)
}
