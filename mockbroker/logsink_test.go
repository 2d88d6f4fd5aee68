package mockbroker

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/protocol"
)

// stuckWriter blocks every Write until release is closed, as stderr piped
// to a process that never reads it.
type stuckWriter struct{ release chan struct{} }

func (w stuckWriter) Write(p []byte) (int, error) {
	<-w.release
	return len(p), nil
}

// The default logger never blocks the broker: with its writer stuck,
// 1,200 warning lines later clients are still served and the lines past
// the queue are dropped and counted (issue 12, item 5).
func TestDefaultLoggerNeverBlocks(t *testing.T) {
	w := stuckWriter{make(chan struct{})}
	b, err := New(func(c *config) { c.logOut = w })
	assert.NilError(t, err)
	defer b.Close()
	defer close(w.release)
	// A bad length field and 12 bytes in all: 5.x frames nothing before
	// 12 bytes have come (remoting.PrefaceDetect).
	bad := binary.BigEndian.AppendUint32(make([]byte, 0, 16), 0x7fffffff)
	bad = append(bad, make([]byte, 12)...)
	for range 1200 {
		c, err := net.DialTimeout("tcp", b.Addr(), 2*time.Second)
		assert.NilError(t, err)
		_, err = c.Write(bad)
		assert.NilError(t, err)
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err = io.Copy(io.Discard, c) // the broker closes it: a warning line
		assert.NilError(t, err)
		c.Close()
	}
	c := dial(t, b.Addr())
	assert.Equal(t, c.call(heartbeatCmd("c@1", protocol.Go, 317, "PG")).Code, int32(0))
	assert.Assert(t, b.LogLinesDropped() > 0, "dropped %d", b.LogLinesDropped())
}
