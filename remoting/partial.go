package remoting

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// DefaultMaxPartial is the default budget of bytes buffered in incomplete
// frames across all connections (Config.MaxPartial).
const DefaultMaxPartial = 64 << 20

// partials accounts the bytes each connection holds in gnet's inbound
// buffer that are not a whole frame yet: a frame's length field may claim
// up to MaxFrame and its bytes trickle in, so many connections could
// otherwise hold MaxFrame each.
type partials struct {
	total atomic.Int64
	mu    sync.Mutex
	conns map[*Conn]int64 // connections holding partial bytes
}

// overPartialBudget records that c now holds n bytes of an incomplete
// frame (its inbound buffer at the end of OnTraffic) and, if that puts
// the total over MaxPartial, closes the connection holding the most with
// a logged reason. It reports whether that is c itself (the caller closes
// it). Event loop only; it locks only when c's share changes.
func (s *Server) overPartialBudget(c *Conn, n int) bool {
	if int64(n) == c.partialSeen {
		return false
	}
	c.partialSeen = int64(n)
	p := &s.partials
	p.mu.Lock()
	if c.partialDoomed {
		p.mu.Unlock()
		return false
	}
	if p.conns == nil {
		p.conns = map[*Conn]int64{}
	}
	p.total.Add(int64(n) - p.conns[c])
	if n == 0 {
		delete(p.conns, c)
	} else {
		p.conns[c] = int64(n)
	}
	total := p.total.Load()
	if s.maxPartial <= 0 || total <= s.maxPartial {
		p.mu.Unlock()
		return false
	}
	var victim *Conn
	var most int64
	for vc, held := range p.conns {
		if held > most || held == most && victim != nil && vc.id < victim.id {
			victim, most = vc, held
		}
	}
	// Its share leaves the total now, so that the next check does not
	// pick another victim before its close has run.
	delete(p.conns, victim)
	p.total.Add(-most)
	victim.partialDoomed = true
	p.mu.Unlock()
	s.log.Warn("closing connection: incomplete frames over budget", "remote", victim.addr,
		"err", fmt.Sprintf("it holds %d bytes of an incomplete frame, the most of the %d bytes buffered in incomplete frames across all connections; the budget is %d bytes", most, total, s.maxPartial))
	if victim == c {
		return true
	}
	_ = victim.Close()
	return false
}

// forget drops a closed connection's share.
func (p *partials) forget(c *Conn) {
	if c.partialSeen == 0 {
		return
	}
	p.mu.Lock()
	if held, ok := p.conns[c]; ok {
		p.total.Add(-held)
		delete(p.conns, c)
	}
	c.partialDoomed = true
	p.mu.Unlock()
}
