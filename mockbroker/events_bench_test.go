package mockbroker

import (
	"context"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// BenchmarkDispatchObserved is BenchmarkDispatch's heartbeat and send
// with someone following the events (as controlapi's handler does), and a
// send answered by a fault, without and with a follower: what publishing
// the events costs the event loop.
func BenchmarkDispatchObserved(b *testing.B) {
	reqs := benchRequests(b)
	frames := map[string][]byte{}
	for _, r := range reqs {
		frames[r.name] = r.frame
	}
	for _, tc := range []struct {
		name, frame      string
		follow, faulting bool
	}{
		{"heartbeat-java/followed", "heartbeat-java", true, false},
		{"send/followed", "send", true, false},
		{"send-fault", "send", false, true},
		{"send-fault/followed", "send", true, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			br := benchBroker(b)
			if tc.faulting {
				br.Intercept(protocol.SendMessageV2, FaultCode(protocol.SystemBusy, "busy"))
			}
			if tc.follow {
				sub := br.Subscribe()
				done := make(chan struct{})
				go func() { // as controlapi's follower: take what is queued, then pause
					defer close(done)
					queued, cancel := context.WithCancel(context.Background())
					cancel()
					for {
						if _, err := sub.Next(context.Background()); err != nil {
							return
						}
						for {
							if _, err := sub.Next(queued); err != nil {
								break
							}
						}
						time.Sleep(5 * time.Millisecond)
					}
				}()
				b.Cleanup(func() { sub.Close(); <-done })
			}
			c := benchConn(br, 1)
			frame := frames[tc.frame]
			if len(dispatch(b, c, frame)) == 0 {
				b.Fatal("no reply")
			}
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				dispatch(b, c, frame)
			}
		})
	}
}
