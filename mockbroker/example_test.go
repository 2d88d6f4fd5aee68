package mockbroker_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// producer stands in for a real client: it connects to the broker and
// registers a producer group with one heartbeat, as a client does at start.
func producer(b *mockbroker.Broker, clientID, group string) *remoting.Client {
	c, err := remoting.Dial(context.Background(), b.Addr())
	if err != nil {
		panic(err)
	}
	hb := protocol.HeartbeatData{ClientID: clientID, ProducerDataSet: []protocol.ProducerData{{GroupName: group}}}
	if _, err := c.Call(protocol.NewRequest(protocol.HeartBeat, nil, hb.Marshal())); err != nil {
		panic(err)
	}
	return c
}

// send sends one message as SEND_MESSAGE_V2 and returns the reply's code.
func send(c *remoting.Client, group, topic, body string) protocol.ResponseCode {
	h := protocol.SendMessageRequestHeader{ProducerGroup: group, Topic: topic, DefaultTopic: "TBW102",
		DefaultTopicQueueNums: 4, QueueID: 0, BornTimestamp: time.Now().UnixMilli()}
	resp, err := c.Call(protocol.NewRequest(protocol.SendMessageV2, h.EncodeV2(), []byte(body)))
	if err != nil {
		panic(err)
	}
	return resp.ResponseCode()
}

// A test starts a broker (mockbroker.Start(t) in a test; New outside one),
// gives its address to the client as the name server, and watches what
// the client registered.
func Example() {
	b, err := mockbroker.New()
	if err != nil {
		panic(err)
	}
	defer b.Close()

	c := producer(b, "10.0.0.1@orders", "PG_orders")
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.WaitProducers(ctx, "PG_orders", 1); err != nil {
		panic(err)
	}
	for _, p := range b.Producers("PG_orders") {
		fmt.Println(p.Group, p.ClientID, p.Language)
	}
	// Output:
	// PG_orders 10.0.0.1@orders JAVA
}

// Under a virtual clock, time stands still until Advance moves it; the
// expiry scans that fall due on the way run in order. A producer silent for
// more than 120 s goes at the first scan after that: the one at 130 s.
func Example_virtualClock() {
	b, err := mockbroker.New(mockbroker.WithVirtualClock(time.Unix(1_700_000_000, 0)))
	if err != nil {
		panic(err)
	}
	defer b.Close()
	c := producer(b, "10.0.0.1@silent", "PG_silent")
	defer c.Close()

	b.Advance(121 * time.Second) // silent for 121 s, but the next scan is at 130 s
	fmt.Println("after 121 s:", len(b.Producers("PG_silent")))
	b.Advance(9 * time.Second) // the scan at 130 s expires it
	fmt.Println("after 130 s:", len(b.Producers("PG_silent")))
	// Output:
	// after 121 s: 1
	// after 130 s: 0
}

// Intercept makes the exact failure a test wants: here the first send is
// answered SYSTEM_BUSY, the next goes through and is recorded.
func Example_intercept() {
	b, err := mockbroker.New()
	if err != nil {
		panic(err)
	}
	defer b.Close()
	c := producer(b, "10.0.0.1@orders", "PG_orders")
	defer c.Close()

	b.Intercept(protocol.SendMessageV2, mockbroker.FaultCode(protocol.SystemBusy, "busy"), mockbroker.Once())
	fmt.Println(send(c, "PG_orders", "TopicTest", "first"))
	fmt.Println(send(c, "PG_orders", "TopicTest", "second"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, err := b.WaitMessages(ctx, "TopicTest", 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(msgs), string(msgs[0].Body))
	// Output:
	// SYSTEM_BUSY
	// SUCCESS
	// 1 second
}
