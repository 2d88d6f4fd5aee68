package mockbroker

import (
	"fmt"
	"net"
)

// advertised is what the broker tells clients it is: the address routes
// name and the store host in message ids. SetAdvertise swaps it whole, so
// a reply never mixes an old route with a new store host; handlers read it
// without locking.
type advertised struct {
	addr      string
	storeHost storeHost
	brokers   []brokerRoute // what the name server routes to
}

// newAdvertised builds the routes of every broker the mock serves (one
// today: cfg's cluster and broker name, master only) at addr.
func newAdvertised(cfg *config, addr string) (*advertised, error) {
	sh, err := parseStoreHost(addr)
	if err != nil {
		return nil, err
	}
	if sh.port == 0 {
		return nil, fmt.Errorf("%q: want a port from 1 to 65535", addr)
	}
	return &advertised{
		addr:      addr,
		storeHost: sh,
		brokers:   []brokerRoute{{cluster: cfg.clusterName, name: cfg.brokerName, addrs: map[int64]string{0: addr}}},
	}, nil
}

// defaultAdvertise is the bound address, with 127.0.0.1 for an unspecified
// or non-IP host.
func defaultAdvertise(bound string) string {
	host, port, _ := net.SplitHostPort(bound)
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// SetAdvertise changes the "ip:port" that routes point clients to and that
// offset message ids (and the store host of messages) carry, for every
// broker the mock serves, at once: the next route, cluster-info or send
// reply says addr. Open connections stay; clients move to addr when they
// next refresh their routes (the Go client every 30 s, Java every 30 s;
// a new client at its first send). Use it when the mock sits behind a
// mapped port, as in a container with a random host port: advertise the
// address clients reach. addr must be an IP literal and a port from 1 to
// 65535 (ErrInvalidAddress otherwise); it is safe to call while clients
// are served.
func (b *Broker) SetAdvertise(addr string) error {
	a, err := newAdvertised(&b.cfg, addr)
	if err != nil {
		return fmt.Errorf("mockbroker: set advertised address: %w: %w", ErrInvalidAddress, err)
	}
	old := b.adv.Swap(a)
	b.log.Info("rocketmock advertised address changed", "from", old.addr, "to", addr)
	return nil
}

// AdvertisedAddr returns the "ip:port" that routes point clients to.
func (b *Broker) AdvertisedAddr() string { return b.adv.Load().addr }

// routes returns the brokers the name server routes to (one advertised
// snapshot: do not keep it past one reply).
func (b *Broker) routes() []brokerRoute { return b.adv.Load().brokers }

// storeHost returns the advertised address as message ids carry it.
func (b *Broker) storeHost() storeHost { return b.adv.Load().storeHost }

// addr returns the store host's IP and port, from one snapshot.
func (h storeHost) addr() (net.IP, int32) { return h.ip, h.port }
