package mockbroker

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/protocol"
)

func TestSetAdvertise(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	route := func() string {
		req := protocol.NewRequest(protocol.GetRouteInfoByTopic, map[string]string{"topic": "T"}, nil)
		req.Version = 479
		return string(c.call(req).Body)
	}
	send := func() string {
		resp := c.call(protocol.NewRequest(protocol.SendMessageV2, map[string]string{"a": "PG", "b": "T", "c": "TBW102", "d": "4", "e": "0",
			"f": "0", "g": "1700000000000", "h": "0", "i": "", "j": "0", "k": "false", "m": "false"}, []byte("x")))
		assert.Equal(t, resp.Code, int32(0), resp.Remark)
		ip, port, _, err := protocol.ParseOffsetMsgID(resp.ExtFields["msgId"])
		assert.NilError(t, err)
		return net.JoinHostPort(ip.String(), fmt.Sprint(port))
	}
	before := b.AdvertisedAddr()
	assert.Assert(t, strings.Contains(route(), `"0":"`+before+`"`))
	assert.Equal(t, send(), before)

	assert.NilError(t, b.SetAdvertise("10.1.2.3:32771"))
	assert.Equal(t, b.AdvertisedAddr(), "10.1.2.3:32771")
	// The same connection (it stays open) gets the new address in routes,
	// cluster info, message ids and kept messages at once.
	assert.Equal(t, route(), `{"brokerDatas":[{"brokerAddrs":{"0":"10.1.2.3:32771"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`)
	info := c.call(protocol.NewRequest(protocol.GetBrokerClusterInfo, nil, nil))
	assert.Assert(t, strings.Contains(string(info.Body), `{0:"10.1.2.3:32771"}`), string(info.Body))
	assert.Equal(t, send(), "10.1.2.3:32771")
	msgs := b.Messages("T")
	assert.Equal(t, len(msgs), 2)
	ip, port, _, err := protocol.ParseOffsetMsgID(msgs[1].OffsetMsgID)
	assert.NilError(t, err)
	assert.Equal(t, net.JoinHostPort(ip.String(), fmt.Sprint(port)), "10.1.2.3:32771", "the kept message's id")

	// IPv6 literals are addresses too.
	assert.NilError(t, b.SetAdvertise("[::1]:9876"))
	assert.Equal(t, send(), "[::1]:9876")
}

func TestSetAdvertiseRefusesNonAddresses(t *testing.T) {
	b := Start(t)
	for _, addr := range []string{"", "localhost:9876", "10.0.0.1", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:-1", "rocketmock:9876"} {
		err := b.SetAdvertise(addr)
		assert.Assert(t, errors.Is(err, ErrInvalidAddress), "%q: %v", addr, err)
	}
	assert.Equal(t, b.AdvertisedAddr(), defaultAdvertise(b.Addr()), "a refused address changes nothing")
}

// TestSetAdvertiseWhileServing changes the address while clients ask for
// routes and send: -race finds any unsynchronized read, and every reply
// names one of the addresses set.
func TestSetAdvertiseWhileServing(t *testing.T) {
	b := Start(t)
	addrs := []string{b.AdvertisedAddr(), "10.0.0.1:1000", "10.0.0.2:2000"}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		c := dial(t, b.Addr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				req := protocol.NewRequest(protocol.GetRouteInfoByTopic, map[string]string{"topic": "T"}, nil)
				req.Version = 479
				body := string(c.call(req).Body)
				ok := false
				for _, a := range addrs {
					ok = ok || strings.Contains(body, `"0":"`+a+`"`)
				}
				if !ok {
					t.Errorf("route names none of %v: %s", addrs, body)
					return
				}
			}
		}()
	}
	for j := 0; j < 100; j++ {
		assert.NilError(t, b.SetAdvertise(addrs[1+j%2]))
	}
	wg.Wait()
}
