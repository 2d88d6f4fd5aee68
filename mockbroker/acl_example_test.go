package mockbroker_test

import (
	"context"
	"fmt"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// With WithACL the broker checks requests as a 4.9.x broker with
// aclEnable=true: an unsigned send is refused with the broker's remark,
// and Denials says who was refused and why.
func ExampleWithACL() {
	cfg, err := mockbroker.ParseACL([]byte(`
accounts:
  - accessKey: RocketMQ
    secretKey: "12345678"
    defaultTopicPerm: DENY
    topicPerms: [TopicOrders=PUB]
`))
	if err != nil {
		panic(err)
	}
	b, err := mockbroker.New(mockbroker.WithACL(cfg))
	if err != nil {
		panic(err)
	}
	defer b.Close()

	c, err := remoting.Dial(context.Background(), b.Addr())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	resp, err := c.Call(protocol.NewRequest(protocol.SendMessage, map[string]string{"topic": "TopicOrders", "producerGroup": "PG"}, []byte("x")))
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.ResponseCode(), resp.Remark)
	for _, d := range b.Denials() {
		fmt.Println(d.Code, d.Reason)
	}
	// Output:
	// SYSTEM_ERROR org.apache.rocketmq.acl.common.AclException: No accessKey is configured, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:664)
	// SEND_MESSAGE No accessKey is configured
}
