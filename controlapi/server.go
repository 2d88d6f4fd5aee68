package controlapi

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bounds what one HTTP server of the control API holds: how long a
// connection may take to send a request, to take the answer, or sit idle
// between requests, and how many connections it keeps open.
type Limits struct {
	ReadHeaderTimeout time.Duration // request line and headers
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration // the answer (waits get their timeout on top)
	IdleTimeout       time.Duration // a keep-alive connection between requests
	MaxHeaderBytes    int
	MaxConns          int // open connections; more are answered 503 and closed
}

// DefaultLimits returns the limits of `rocketmock serve --control`.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    64 << 10,
		MaxConns:          64,
	}
}

// NewServer returns an http.Server for h within l's timeouts. Serve it on
// LimitListener(ln, l.MaxConns) to bound its connections too.
func NewServer(h http.Handler, l Limits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// LimitListener returns a listener that keeps at most n accepted
// connections open: past them, a new connection gets a JSON 503 and is
// closed at once, so that idle or slow clients cannot run the process out
// of file descriptors. Once connections close, new ones are accepted
// again.
func LimitListener(ln net.Listener, n int) *LimitedListener {
	return &LimitedListener{Listener: ln, max: int64(n)}
}

// LimitedListener is a listener with a bound on open connections.
type LimitedListener struct {
	net.Listener
	max     int64
	open    atomic.Int64
	refused atomic.Int64
}

// Refused returns how many connections were refused past the limit.
func (l *LimitedListener) Refused() int64 { return l.refused.Load() }

// Open returns how many accepted connections are open.
func (l *LimitedListener) Open() int64 { return l.open.Load() }

// Accept returns the next connection within the limit.
func (l *LimitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &limitedConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		l.refused.Add(1)
		body := fmt.Sprintf(`{"error":"too many control API connections (limit %d): close idle ones and retry"}`+"\n", l.max)
		_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		_ = c.Close()
	}
}

// limitedConn gives its place back once, when closed.
type limitedConn struct {
	net.Conn
	l    *LimitedListener
	once sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}
