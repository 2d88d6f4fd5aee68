package mockbroker

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/remoting"
)

// conn is the broker's state of one client connection, kept as its
// remoting.Conn's value; it is the Channel ProducerManager keys by.
type conn struct {
	rc       *remoting.Conn
	id       uint64                 // ConnInfo.ID
	addr     string                 // the socket's peer "ip:port", for logs (RemoteAddr: the client's)
	clientID atomic.Pointer[string] // from the first heartbeat
	hb       lastHeartbeat          // event loop only
	born     *bornHost              // the address as messages' born host (event loop only)
	req      servingNote            // the request being served (event loop only)
}

// servingNote is what the pipeline's middleware tell each other about the
// request in progress on a connection (dispatch.go).
type servingNote struct {
	info        ConnInfo
	at          time.Time // the broker's clock when it arrived
	intercepted bool
	delay       time.Duration
	outcome     Outcome // set when the reply alone does not tell
	denied      string  // the ACL's remark when it refused the request (acl.go)
	messages    int     // the messages a pull's reply holds (cmd_pull.go)
}

// connOf returns the broker's state of a connection.
func connOf(rc *remoting.Conn) *conn { return rc.Value().(*conn) }

// RemoteAddr is the client's "ip:port": the one a PROXY protocol header
// carried (5.x), else the socket's peer.
func (c *conn) RemoteAddr() string { return c.rc.RemoteAddr() }

// SocketAddr is the socket's peer "ip:port" (Netty's channel.remoteAddress()),
// whatever a PROXY header said.
func (c *conn) SocketAddr() string { return c.addr }

// socketAddr is the channel's socket peer address: what Java reads with
// channel.remoteAddress() rather than RemotingHelper.parseChannelRemoteAddr.
func socketAddr(ch interface{ RemoteAddr() string }) string {
	if s, ok := ch.(interface{ SocketAddr() string }); ok {
		return s.SocketAddr()
	}
	return ch.RemoteAddr()
}

func (c *conn) IsActive() bool   { return c.rc.IsActive() }
func (c *conn) IsWritable() bool { return c.rc.IsWritable() }

// Close asks the event loop to close the connection; connClosed follows.
// After Broker.Close it does nothing.
func (c *conn) Close() error { return c.rc.Close() }

// setClientID records the client id a heartbeat (or an unregister)
// names; the first one stays.
func (c *conn) setClientID(id string) {
	if id != "" && c.clientID.Load() == nil {
		v := id // allocated only here, not on every heartbeat
		c.clientID.CompareAndSwap(nil, &v)
	}
}

// info describes the connection for interceptors and records.
func (c *conn) info() ConnInfo {
	ci := ConnInfo{ID: c.id, Addr: c.RemoteAddr()}
	if p := c.clientID.Load(); p != nil {
		ci.ClientID = *p
	}
	return ci
}

// connOpened is the server's open callback: the broker keeps the
// connection's state with it and lists it.
func (b *Broker) connOpened(rc *remoting.Conn) {
	c := &conn{rc: rc, id: rc.ID(), addr: rc.SocketAddr()}
	rc.SetValue(c)
	b.records.Opened(c.id)
	b.connsMu.Lock()
	b.conns[c] = struct{}{}
	b.connsMu.Unlock()
}

// connClosed is the server's close callback: the connection's producers
// leave (ProducerManager.doChannelCloseEvent), then the records learn of
// it, which wakes Reset.
func (b *Broker) connClosed(rc *remoting.Conn, _ error) {
	c := connOf(rc)
	b.connsMu.Lock()
	delete(b.conns, c)
	b.connsMu.Unlock()
	b.producers.DoChannelCloseEvent(c.RemoteAddr(), c)
	b.consumers.ChannelClosed(c)
	if dropped := b.holds.dropConn(c); dropped != nil {
		b.releaseHeld(dropped)
	}
	b.records.Closed(c.id)
}

// bornHost is a connection's address as the born host of the messages it
// sends, parsed once.
type bornHost struct {
	ip   net.IP
	port int32
}

// bornHost returns the connection's address as a born host (nil and 0 if
// it is not "ip:port"). Event loop only.
func (c *conn) bornHost() (net.IP, int32) {
	if c.born == nil {
		ip, port := splitHost(c.addr)
		c.born = &bornHost{ip, port}
	}
	return c.born.ip, c.born.port
}
