package interop

// TestCaptureFrames records the golden request frames in fixtures/frames:
// the first frame of every request code that each real client sends to a
// mock broker on loopback. It only runs when asked:
//
//	cd testsuite/interop && ROCKETMOCK_CAPTURE_DIR=../../fixtures/frames go test -run TestCaptureFrames -v
//
// Each client gets a broker of its own, so every frame's origin is known.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// frameRecorder keeps the first frame of each request code.
type frameRecorder struct {
	mu     sync.Mutex
	frames map[int32][]byte
}

func (r *frameRecorder) observe(rc mockbroker.Received) {
	if rc.Command.IsResponse() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.frames[rc.Command.Code]; !ok {
		r.frames[rc.Command.Code] = rc.Frame
	}
}

func (r *frameRecorder) has(code protocol.RequestCode) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.frames[int32(code)]
	return ok
}

// write saves the frames as <dir>/<client>/<code>_<NAME>.bin.
func (r *frameRecorder) write(t *testing.T, dir, client string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := filepath.Join(dir, client)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for code, frame := range r.frames {
		name := fmt.Sprintf("%03d_%s.bin", code, protocol.RequestCode(code))
		if err := os.WriteFile(filepath.Join(out, name), frame, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s/%s (%d bytes)", client, name, len(frame))
	}
}

func newRecordingBroker(t *testing.T) (*mockbroker.Broker, *frameRecorder) {
	rec := &frameRecorder{frames: map[int32][]byte{}}
	return mockbroker.Start(t, mockbroker.WithRequestObserver(rec.observe)), rec
}

func waitFor(t *testing.T, rec *frameRecorder, codes ...protocol.RequestCode) {
	t.Helper()
	eventually(t, goRegisterTimeout, fmt.Sprint("frames with codes ", codes), func() bool {
		for _, c := range codes {
			if !rec.has(c) {
				return false
			}
		}
		return true
	})
}

func TestCaptureFrames(t *testing.T) {
	dir := os.Getenv("ROCKETMOCK_CAPTURE_DIR")
	if dir == "" {
		t.Skip("set ROCKETMOCK_CAPTURE_DIR to (re)capture the golden frames")
	}
	t.Run("rocketmq-client-go", func(t *testing.T) {
		b, rec := newRecordingBroker(t)
		p, _ := startGoProducer(t, b.Addr(), "PG_capture")
		goSend(t, p, "TopicCapture", "hello from go") // 105, then 10
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		batch := []*primitive.Message{
			primitive.NewMessage("TopicCapture", []byte("batch 0")),
			primitive.NewMessage("TopicCapture", []byte("batch 1")),
		}
		if _, err := p.SendSync(ctx, batch...); err != nil { // 320
			t.Fatalf("batch send: %v", err)
		}
		waitFor(t, rec, protocol.GetRouteInfoByTopic, protocol.SendMessage, protocol.SendBatchMessage, protocol.HeartBeat)
		rec.write(t, dir, "rocketmq-client-go")
	})
	t.Run("ali-ons", func(t *testing.T) {
		b, rec := newRecordingBroker(t)
		np := startNodeProducerWith(t, nodeProducerConfig{
			NameSrv: b.Addr(), Group: "PG_capture", Topic: "TopicCapture", Count: 1,
			HeartbeatInterval: time.Second, ClientIP: "10.0.0.9", InstanceName: "capture",
		})
		np.waitStarted(nodeTimeout)
		np.waitSent(1, nodeTimeout)
		waitFor(t, rec, protocol.HeartBeat)
		np.closeProducer(nodeTimeout) // 35
		waitFor(t, rec, protocol.GetRouteInfoByTopic, protocol.SendMessageV2, protocol.HeartBeat, protocol.UnregisterClient)
		rec.write(t, dir, "ali-ons")
	})
}
