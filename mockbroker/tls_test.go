package mockbroker

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
	"gotest.tools/v3/assert"
)

// A producer over TLS (self-signed certificate) registers, and 204 lists
// its own address; in enforcing mode a plaintext connection is closed.
func TestTLSProducerIn204(t *testing.T) {
	for _, tc := range []struct {
		mode remoting.TLSMode
		rel  protocol.Release
	}{
		{remoting.TLSPermissive, protocol.Release533},
		{remoting.TLSEnforcing, protocol.Release533},
		{remoting.TLSPermissive, protocol.Release498},
	} {
		t.Run(tc.mode.String()+"/"+tc.rel.String(), func(t *testing.T) {
			b := Start(t, WithRelease(tc.rel), WithTLS(tc.mode, nil))
			d := &net.Dialer{Timeout: 2 * time.Second}
			tc1, err := tls.DialWithDialer(d, "tcp", b.Addr(), &tls.Config{InsecureSkipVerify: true})
			assert.NilError(t, err)
			t.Cleanup(func() { tc1.Close() })
			c := newRawClient(t, tc1)
			assert.Equal(t, c.call(heartbeatCmd("p@1", protocol.Go, 317, "PG")).Code, int32(0))
			_, pc := connections(t, c, "PG", protocol.JSON)
			assert.Assert(t, pc != nil)
			assert.Equal(t, len(pc.ConnectionSet), 1)
			assert.Equal(t, pc.ConnectionSet[0].ClientAddr, tc1.LocalAddr().String())

			plain := dial(t, b.Addr())
			if tc.mode == remoting.TLSEnforcing {
				f, err := heartbeatCmd("p@2", protocol.Go, 317, "PG").Encode()
				assert.NilError(t, err)
				_, err = plain.Write(f)
				assert.NilError(t, err)
				assert.Equal(t, len(plain.ReadEOF()), 0)
				return
			}
			assert.Equal(t, plain.call(heartbeatCmd("p@2", protocol.Go, 317, "PG")).Code, int32(0))
		})
	}
}
