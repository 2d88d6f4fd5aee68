package remoting_test

import (
	"context"
	"fmt"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// An echo server: one request code whose reply carries the request's body.
func Example() {
	const echo = protocol.RequestCode(9000)
	mux := remoting.NewMux()
	mux.Handle(echo, func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		resp := protocol.NewResponse(req, protocol.Success, "")
		resp.Body = req.Body
		return remoting.Respond(resp)
	})
	srv, err := remoting.Listen(mux.Serve, remoting.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	c, err := remoting.Dial(context.Background(), srv.Addr())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	resp, err := c.Call(protocol.NewRequest(echo, nil, []byte("hello")))
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.ResponseCode(), string(resp.Body))
	resp, _ = c.Call(protocol.NewRequest(9001, nil, nil))
	fmt.Println(resp.ResponseCode(), resp.Remark)
	// Output:
	// SUCCESS hello
	// REQUEST_CODE_NOT_SUPPORTED  request type 9001 not supported
}
