package remoting_test

import (
	"errors"
	"testing"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// A handler may leave a request unanswered and answer it later by opaque.
func TestWriteResponseAnswersLater(t *testing.T) {
	var held *protocol.Command
	h := func(_ *remoting.Conn, req *protocol.Command) remoting.Reply {
		held = req
		return remoting.Reply{}
	}
	lb := remoting.NewLoopback(h, 1, "127.0.0.1:1", nil, nil)
	req := protocol.NewRequest(protocol.PullMessage, map[string]string{}, nil)
	req.Opaque = 42
	if resp, err := lb.RoundTrip(req); err != nil || resp != nil {
		t.Fatalf("RoundTrip = %v, %v; want nothing written", resp, err)
	}
	if err := lb.Conn().WriteResponse(protocol.NewResponse(held, protocol.Success, "later")); err != nil {
		t.Fatalf("WriteResponse: %v", err)
	}
	got, err := protocol.DecodeFrame(lb.Sent())
	if err != nil || got.Opaque != 42 || !got.IsResponse() || got.Remark != "later" {
		t.Fatalf("sent %+v (%v), want the response to opaque 42", got, err)
	}
	lb.Close()
	if err := lb.Conn().WriteResponse(protocol.NewResponse(held, protocol.Success, "")); !errors.Is(err, remoting.ErrConnClosed) {
		t.Fatalf("WriteResponse after close: %v, want ErrConnClosed", err)
	}
}
