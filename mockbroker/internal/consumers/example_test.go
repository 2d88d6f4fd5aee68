package consumers_test

import (
	"fmt"

	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
	"github.com/rocketmock/rocketmock/protocol"
)

type conn struct{ addr string }

func (c *conn) RemoteAddr() string { return c.addr }
func (c *conn) IsActive() bool     { return true }
func (c *conn) IsWritable() bool   { return true }
func (c *conn) Close() error       { return nil }

// A second consumer joining a group makes the broker notify both.
func Example() {
	m := consumers.New(consumers.Options{Release: protocol.Release498, OnEvent: func(e consumers.Event) {
		if e.Kind == consumers.Notify {
			fmt.Println("send NOTIFY_CONSUMER_IDS_CHANGED to", len(e.Channels), "channels of", e.Group)
		}
	}})
	for _, addr := range []string{"10.0.0.1:50001", "10.0.0.2:50002"} {
		m.Register(consumers.Registration{
			Group:         "CG_orders",
			Client:        consumers.ClientInfo{Channel: &conn{addr}, ClientID: addr + "@1"},
			ConsumeType:   consumers.ConsumePassively,
			MessageModel:  consumers.Clustering,
			Subscriptions: []consumers.Subscription{{Topic: "orders", SubString: "*"}},
			NotifyEnabled: true,
		})
	}
	fmt.Println(m.ClientIDs("CG_orders"))
	// Output:
	// send NOTIFY_CONSUMER_IDS_CHANGED to 1 channels of CG_orders
	// send NOTIFY_CONSUMER_IDS_CHANGED to 2 channels of CG_orders
	// [10.0.0.1:50001@1 10.0.0.2:50002@1]
}
