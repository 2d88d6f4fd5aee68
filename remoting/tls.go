package remoting

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// TLSMode is the broker's tlsMode (TlsSystemConfig.tlsMode,
// "tls.server.mode"): whether the remoting port speaks TLS. Java tells a
// TLS connection by its first byte, 0x16 (a handshake record), after the
// PROXY header if any (NettyRemotingServer.TlsModeHandler, 5.3.3 lines
// 486-540; 4.9.8's HandshakeHandler).
type TLSMode uint8

const (
	// TLSDisabled: no TLS. Java closes a connection whose first byte is
	// 0x16; the mock frames it as before, and the length field a
	// ClientHello makes, beyond 16 MiB, closes it too.
	TLSDisabled TLSMode = iota
	// TLSPermissive: plaintext and TLS on one port (Java's default).
	TLSPermissive
	// TLSEnforcing: TLS only; a plaintext connection is closed.
	TLSEnforcing
)

// String is the mode's name as Java's TlsMode.getName spells it.
func (m TLSMode) String() string {
	switch m {
	case TLSDisabled:
		return "disabled"
	case TLSPermissive:
		return "permissive"
	case TLSEnforcing:
		return "enforcing"
	}
	return fmt.Sprintf("TLSMode(%d)", uint8(m))
}

// ParseTLSMode parses "disabled", "permissive" or "enforcing".
func ParseTLSMode(s string) (TLSMode, error) {
	for _, m := range []TLSMode{TLSDisabled, TLSPermissive, TLSEnforcing} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("tls mode %q: want disabled, permissive or enforcing", s)
}

// tlsHandshakeByte starts a TLS handshake record (TlsModeHandler's
// HANDSHAKE_MAGIC_CODE).
const tlsHandshakeByte = 0x16

// SelfSignedTLS returns a server configuration with a certificate made
// now for the given host names and addresses, valid for a year: what a
// broker without certificate files uses (TlsHelper with tlsTestModeEnable,
// Netty's SelfSignedCertificate).
func SelfSignedTLS(hosts ...string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "rocketmock"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, hosts...) {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, nil
}

// TLS connections. gnet has no TLS, and the frame loop reads gnet's
// buffers; so a TLS connection is terminated beside the event loop: its
// ciphertext is handed from OnTraffic to a crypto/tls server over an
// in-memory net.Conn (tlsPipe), and a goroutine relays the plaintext over
// a loopback connection to the server itself, which serves it as any
// other. That inner connection reports the TLS client's address
// (Conn.RemoteAddr). Each TLS connection has two goroutines, which end
// when either side closes; the event loop never blocks on them.

// tlsHandshakeTimeout bounds a TLS handshake.
const tlsHandshakeTimeout = 10 * time.Second

// tlsInners maps the local address of an inner loopback connection to the
// TLS client's address, until the inner connection is served.
type tlsInners struct {
	mu     sync.Mutex
	m      map[string]string
	pipes  map[*tlsPipe]struct{} // relays running
	relays sync.WaitGroup
}

// start registers a relay, on the event loop (stop runs only once the
// event loops have stopped, so no relay starts after it).
func (t *tlsInners) start(p *tlsPipe) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pipes == nil {
		t.pipes = map[*tlsPipe]struct{}{}
	}
	t.pipes[p] = struct{}{}
	t.relays.Add(1)
}

func (t *tlsInners) end(p *tlsPipe) {
	t.mu.Lock()
	delete(t.pipes, p)
	t.mu.Unlock()
	t.relays.Done()
}

// stop ends every relay and waits for them (Server.Close, once the event
// loops have stopped).
func (t *tlsInners) stop() {
	t.mu.Lock()
	for p := range t.pipes {
		p.shut()
	}
	t.mu.Unlock()
	t.relays.Wait()
}

func (t *tlsInners) put(local, client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]string{}
	}
	t.m[local] = client
}

// take returns and forgets the client address of an inner connection.
func (t *tlsInners) take(remote string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	client, ok := t.m[remote]
	delete(t.m, remote)
	return client, ok
}

// tlsPipe is the in-memory net.Conn under a TLS connection's crypto/tls
// server: Read takes the ciphertext OnTraffic fed, Write hands ciphertext
// to gnet's AsyncWrite (in call order, which crypto/tls keeps under its
// own lock).
type tlsPipe struct {
	srv *Server
	c   *Conn

	mu     sync.Mutex
	cond   sync.Cond
	in     []byte
	closed bool
}

func newTLSPipe(s *Server, c *Conn) *tlsPipe {
	p := &tlsPipe{srv: s, c: c}
	p.cond.L = &p.mu
	return p
}

// feed appends ciphertext (event loop); false: over the bound, close.
func (p *tlsPipe) feed(b []byte, limit int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return true
	}
	if len(p.in)+len(b) > limit {
		return false
	}
	p.in = append(p.in, b...)
	p.cond.Broadcast()
	return true
}

func (p *tlsPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.in) == 0 && !p.closed {
		p.cond.Wait()
	}
	if len(p.in) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	if len(p.in) == 0 {
		p.in = nil
	}
	return n, nil
}

func (p *tlsPipe) Write(b []byte) (int, error) {
	data := append([]byte(nil), b...)
	if err := p.srv.async(func() error { return p.c.gc.AsyncWrite(data, nil) }); err != nil {
		return 0, err
	}
	return len(b), nil
}

// shut ends Read (EOF) without touching the socket: the connection closed.
func (p *tlsPipe) shut() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Close ends Read and closes the socket.
func (p *tlsPipe) Close() error {
	p.shut()
	_ = p.srv.async(func() error { return p.c.gc.Close() })
	return nil
}

func (p *tlsPipe) LocalAddr() net.Addr              { return p.c.gc.LocalAddr() }
func (p *tlsPipe) RemoteAddr() net.Addr             { return p.c.gc.RemoteAddr() }
func (p *tlsPipe) SetDeadline(time.Time) error      { return nil }
func (p *tlsPipe) SetReadDeadline(time.Time) error  { return nil }
func (p *tlsPipe) SetWriteDeadline(time.Time) error { return nil }

// decideTLS looks at the first byte after the preface (c.tlsPending):
// a TLS handshake starts the relay, a plaintext connection in enforcing
// mode closes. Event loop only; err: close.
func (s *Server) decideTLS(c *Conn, gc gnet.Conn) error {
	c.tlsPending = false
	if client, ok := s.inners.take(c.addr); ok {
		c.proxied.Store(&client) // our own relay: plaintext, the TLS client's address
		return nil
	}
	first, _ := gc.Peek(1)
	switch {
	case first[0] == tlsHandshakeByte:
		c.tls = newTLSPipe(s, c)
		s.inners.start(c.tls)
		go s.relayTLS(c, c.tls, c.RemoteAddr())
		return nil
	case s.cfg.TLSMode == TLSEnforcing:
		return fmt.Errorf("a plaintext connection while the server runs in TLS enforcing mode: want a TLS handshake (first byte 0x16), got 0x%02x", first[0])
	}
	return nil
}

// relayTLS runs a TLS connection: the handshake, then plaintext both ways
// between it and an inner loopback connection to the server.
func (s *Server) relayTLS(c *Conn, pipe *tlsPipe, client string) {
	defer s.inners.end(pipe)
	tc := tls.Server(pipe, s.cfg.TLS)
	ctx, cancel := context.WithTimeout(context.Background(), tlsHandshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		s.log.Warn("closing connection: TLS handshake", "remote", client, "err", err)
		_ = pipe.Close()
		return
	}
	inner, err := net.DialTimeout("tcp", loopbackAddr(s.addr), tlsHandshakeTimeout)
	if err != nil {
		s.log.Warn("closing connection: relaying TLS to the server", "remote", client, "err", err)
		_ = pipe.Close()
		return
	}
	s.inners.put(inner.LocalAddr().String(), client)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(tc, inner) // replies and server requests to the client
		_ = pipe.Close()
	}()
	_, _ = io.Copy(inner, tc) // requests to the server
	_ = inner.Close()
	<-done
	s.inners.take(inner.LocalAddr().String())
}

// loopbackAddr turns a listen address on every interface into one a
// local dial reaches.
func loopbackAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// feedTLS hands a TLS connection's bytes to its relay. Event loop only.
func (s *Server) feedTLS(c *Conn, gc gnet.Conn) gnet.Action {
	n := gc.InboundBuffered()
	if n == 0 {
		return gnet.None
	}
	b, _ := gc.Peek(n)
	ok := c.tls.feed(b, 2*s.maxFrame+1<<20)
	_, _ = gc.Discard(n)
	if !ok {
		s.log.Warn("closing connection: TLS bytes the relay has not taken exceed the bound", "remote", c.addr)
		return gnet.Close
	}
	return gnet.None
}
