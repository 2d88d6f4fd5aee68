package store_test

import (
	"fmt"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
)

// A send appends, a pull reads from the consumer's offset, and a pull at
// the end of the queue gets the status long polling parks.
func Example() {
	s := store.New(store.Options{OnAppend: func(e store.AppendEvent) {
		fmt.Printf("wake pulls on %s/%d: max offset %d\n", e.Topic, e.QueueID, e.MaxOffset)
	}})
	m := store.Message{MessageExt: protocol.MessageExt{Body: []byte("hello")}}
	s.Append("orders", 0, []store.Message{m, m})

	res := s.GetMessage(store.GetRequest{Topic: "orders", QueueID: 0, Offset: 0, MaxMsgNums: 32})
	fmt.Println(res.Status, len(res.Messages), res.NextBeginOffset, store.PullCode(res.Status, 0))
	res = s.GetMessage(store.GetRequest{Topic: "orders", QueueID: 0, Offset: 2, MaxMsgNums: 32})
	fmt.Println(res.Status, store.PullCode(res.Status, 2))
	// Output:
	// wake pulls on orders/0: max offset 2
	// FOUND 2 2 SUCCESS
	// OFFSET_OVERFLOW_ONE PULL_NOT_FOUND
}
