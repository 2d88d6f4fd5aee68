package testsuite

import (
	"context"

	"github.com/rocketmock/rocketmock/remoting"
)

// DefaultTimeout bounds each network step of a scenario or admin call
// (mqadmin's own RPC timeout is 5 s).
const DefaultTimeout = remoting.DefaultTimeout

// Conn is the blocking remoting client the scenarios and the admin tools
// use (see remoting.Client).
type Conn = remoting.Client

// Dial connects to a remoting server ("ip:port"); see remoting.Dial.
func Dial(ctx context.Context, addr string) (*Conn, error) { return remoting.Dial(ctx, addr) }
