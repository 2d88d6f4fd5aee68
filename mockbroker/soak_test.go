package mockbroker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
	"github.com/rocketmock/rocketmock/protocol"
	"gotest.tools/v3/assert"
)

// The churn soak: workers connect, heartbeat, unregister, close (plainly,
// half-closed or reset) and use the CloseClient and ExpireProducer hooks
// in random interleavings against a live broker on two event loops, while
// the virtual clock advances (running expiry scans) and Scan runs. A model
// tracks what the ProducerManager must hold; after each phase, quiesced,
// the broker's table, client table and wire answers must equal it.
//
// It runs for ROCKETMOCK_SOAK (a Go duration; default 20s, 3s with
// -short), e.g.
//
//	ROCKETMOCK_SOAK=10m go test -race -run TestChurnSoak -v ./mockbroker/
//
// Determinism: each worker owns its connections and client ids, and only
// unregisters from groups it holds an entry in, so concurrent operations
// of different workers commute in the ProducerManager (a group exists iff
// it has an entry, under protocol.Release533; protocol.Release498's emptied groups outlive or not
// depending on which worker's removal came last, so it is not soaked).
// Within a phase the clock may move only so far that no scan can expire
// anything; the boundary between phases advances it scan by scan, quiesced,
// so expiry is exact.

const (
	soakWorkers  = 6
	soakMaxConns = 4  // per worker
	soakOps      = 25 // per worker per phase
	soakGroups   = 6
	soakMaxDrift = 5 * time.Second // of the clock within a phase
	soakExpiry   = DefaultProducerExpiry
	soakScan     = 10 * time.Second // the default first delay and interval
)

func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("ROCKETMOCK_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("ROCKETMOCK_SOAK=%q: want a Go duration such as 90s: %v", v, err)
		}
		return d
	}
	if testing.Short() {
		return 3 * time.Second
	}
	return 20 * time.Second
}

// soakEntry is one modelled producers.ClientChannelInfo; groups registered by one
// heartbeat share it, as in the broker.
type soakEntry struct {
	clientID string
	lang     protocol.LanguageCode
	version  int32
	lu       time.Time // last update, exact unless fresh
	fresh    bool      // refreshed in this phase: lu is within the phase
}

// soakConn is one client connection.
type soakConn struct {
	owner  int
	nc     *net.TCPConn
	r      *bufio.Reader
	addr   string
	opaque int32
	groups map[string]*soakEntry // model, under soakModel.mu
	active bool                  // used by its worker in this phase
}

// soakModel is what the ProducerManager must hold.
type soakModel struct {
	mu      sync.Mutex
	conns   map[string]*soakConn // open as the broker sees them, by address
	clients map[string]string    // clientChannelTable: client id → address
	ids     map[string]bool      // every client id used
	now     func() time.Time     // the broker's clock
}

// closeConnLocked applies the close path (DoChannelCloseEvent, 5.x): the
// connection leaves every group and each removed entry's client id leaves
// the client table, whatever it maps to.
func (m *soakModel) closeConnLocked(c *soakConn) {
	for _, e := range c.groups {
		delete(m.clients, e.clientID)
	}
	c.groups = nil
	delete(m.conns, c.addr)
}

// expireLocked applies the removal of dead entries by the scan or a hook
// (5.x): the client id leaves the table only if it maps to the connection.
// It returns the connections the broker closes afterwards.
func (m *soakModel) expireLocked(dead func(group string, e *soakEntry) bool) []*soakConn {
	var hit []*soakConn
	for _, c := range m.conns {
		expired := false
		for g, e := range c.groups {
			if !dead(g, e) {
				continue
			}
			delete(c.groups, g)
			if m.clients[e.clientID] == c.addr {
				delete(m.clients, e.clientID)
			}
			expired = true
		}
		if expired {
			hit = append(hit, c)
		}
	}
	return hit
}

type soakRow struct {
	Addr, ClientID, Language string
	Version                  int32
}

// table returns the model as group → rows sorted by address.
func (m *soakModel) tableLocked() map[string][]soakRow {
	out := map[string][]soakRow{}
	for _, c := range m.conns {
		for g, e := range c.groups {
			out[g] = append(out[g], soakRow{c.addr, e.clientID, e.lang.String(), e.version})
		}
	}
	for _, rows := range out {
		sort.Slice(rows, func(i, j int) bool { return rows[i].Addr < rows[j].Addr })
	}
	return out
}

// soak is one run: a broker, a model and the workers' connections.
type soak struct {
	t     *testing.T
	b     *Broker
	logs  *logCapture
	m     *soakModel
	owned [soakWorkers][]*soakConn
	check *rawClient // asks 204 over the wire; never registers
	stats map[string]int
	stMu  sync.Mutex
	// phaseStart is the clock when the phase began: entries refreshed in
	// the phase have a last heartbeat from then to its end.
	phaseStart time.Time
}

func (s *soak) count(op string) {
	s.stMu.Lock()
	s.stats[op]++
	s.stMu.Unlock()
}

func TestChurnSoak(t *testing.T) {
	d := soakDuration(t)
	// Warm the runtime's network poller up, so its descriptors are in the
	// baseline, then take the baseline.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NilError(t, err)
	warm, err := net.Dial("tcp", ln.Addr().String())
	assert.NilError(t, err)
	warm.Close()
	ln.Close()
	goroutines, fds := settledGoroutines(0), openFDs(t)
	// gnet's ants pool is package-level: its housekeeping goroutines start
	// at init, before this baseline, and stay for the life of the process.
	t.Logf("baseline: %d goroutines (%d of them ants's), %d descriptors", goroutines, goroutinesWith("panjf2000/ants"), fds)

	start := time.Unix(1_700_000_000, 0)
	logs := newLogCapture(500)
	b, err := New(WithLogger(logs.logger(nil)), WithVirtualClock(start), WithEventLoops(2), WithExpiry(soakExpiry),
		WithIdleTimeout(0)) // the model tracks producers, not idle connections
	assert.NilError(t, err)
	s := &soak{t: t, b: b, logs: logs, stats: map[string]int{},
		m: &soakModel{conns: map[string]*soakConn{}, clients: map[string]string{}, ids: map[string]bool{}, now: b.Now}}
	checkConn, err := net.DialTimeout("tcp", b.Addr(), 2*time.Second)
	assert.NilError(t, err)
	s.check = newRawClient(t, checkConn)

	phases := 0
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && !t.Failed() {
		s.phase(uint64(phases))
		s.compare(fmt.Sprintf("after phase %d", phases))
		if t.Failed() {
			break
		}
		s.boundary(rand.New(rand.NewPCG(uint64(phases), 0xb0)))
		s.compare(fmt.Sprintf("after the clock step of phase %d", phases))
		phases++
	}
	if phases >= 10 {
		for _, op := range []string{"heartbeat", "unregister", "close", "half-close", "reset", "CloseClient", "ExpireProducer", "scan", "advance", "boundary-scan", "expired-conns"} {
			if s.stats[op] == 0 {
				t.Errorf("the soak never did %s in %d phases: %v", op, phases, s.stats)
			}
		}
	}
	t.Logf("soak: %v, %d phases of %d workers × %d ops; clock %v ahead; ops %v", d, phases, soakWorkers, soakOps, b.Now().Sub(start), s.stats)
	if _, errs := logs.counts(); errs > 0 {
		t.Errorf("the broker logged errors:\n%s", logs.dump())
	}
	if ps := b.TakePanics(); len(ps) > 0 {
		t.Errorf("the broker recovered from panics: %v", ps)
	}

	// Close everything, then nothing of the broker may be left running or
	// open. gnet's ants worker pool is a package-level pool created at init
	// (two housekeeping goroutines, in the baseline) and gnet's server side
	// submits no work to it on Linux, so it adds nothing here.
	for w := range s.owned {
		for _, c := range s.owned[w] {
			c.nc.Close()
		}
	}
	checkConn.Close()
	b.Close()
	after := settledGoroutines(goroutines)
	if after > goroutines {
		t.Errorf("goroutine leak: %d before the broker, %d after Close\n%s", goroutines, after, stacks())
	}
	if left := brokerGoroutines(); left != "" {
		t.Errorf("goroutines of the broker or gnet still run after Close:\n%s", left)
	}
	var fdsAfter int
	for range 200 {
		if fdsAfter = openFDs(t); fdsAfter <= fds {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fdsAfter > fds {
		t.Errorf("file descriptor leak: %d open before the broker, %d after Close:\n%s", fds, fdsAfter, fdList())
	}
	t.Logf("leak check: goroutines %d before, %d after; descriptors %d before, %d after", goroutines, after, fds, fdsAfter)
}

// phase runs the workers concurrently, with the clock moving within the
// drift that cannot expire anything, and Scan calls that must expire
// nothing.
func (s *soak) phase(seed uint64) {
	drift := s.safeDrift()
	s.phaseStart = s.b.Now()
	for w := range s.owned { // forget connections the broker closed
		s.owned[w] = slices.DeleteFunc(s.owned[w], func(c *soakConn) bool {
			s.m.mu.Lock()
			defer s.m.mu.Unlock()
			if s.m.conns[c.addr] != c {
				c.nc.Close()
				return true
			}
			return false
		})
	}
	// Each phase, a worker leaves about half its connections alone, so
	// that some producers fall silent long enough to expire.
	rng := rand.New(rand.NewPCG(seed, 0xac))
	for w := range s.owned {
		for _, c := range s.owned[w] {
			c.active = rng.IntN(2) == 0
		}
	}

	stop := make(chan struct{})
	var clockDone sync.WaitGroup
	clockDone.Add(1)
	go func() { // the clock actor
		defer clockDone.Done()
		rng := rand.New(rand.NewPCG(seed, 0xc10c))
		moved := time.Duration(0)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if drift >= 0 && rng.IntN(3) == 0 {
				if n := s.b.Scan(); n != 0 {
					s.t.Errorf("an in-phase Scan expired %d entries; none was old enough", n)
				}
				s.count("scan")
			}
			if step := time.Duration(rng.Int64N(int64(500 * time.Millisecond))); moved+step <= drift {
				s.b.Advance(step)
				moved += step
				s.count("advance")
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for w := range soakWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for range soakOps {
				if err := s.step(w, rng); err != nil {
					s.t.Errorf("worker %d: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	clockDone.Wait()
}

// safeDrift is how far the clock may move in the next phase without any
// scan expiring an entry that exists now (-1: not even a Scan at once is
// safe, as an entry is already past the expiry).
func (s *soak) safeDrift() time.Duration {
	now := s.b.Now()
	drift := soakMaxDrift
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	for _, c := range s.m.conns {
		for _, e := range c.groups {
			// Expired when now_ms - lu_ms > expiry_ms.
			left := time.Duration(e.lu.UnixMilli()+soakExpiry.Milliseconds()-now.UnixMilli()) * time.Millisecond
			drift = min(drift, left)
		}
	}
	return max(drift, -1)
}

// step does one random operation of worker w.
func (s *soak) step(w int, rng *rand.Rand) error {
	var active []*soakConn
	for _, c := range s.owned[w] {
		if c.active {
			active = append(active, c)
		}
	}
	if len(active) == 0 || (len(s.owned[w]) < soakMaxConns && rng.IntN(6) == 0) {
		if len(s.owned[w]) < soakMaxConns {
			return s.connect(w)
		}
		if len(active) == 0 {
			return nil // idle this phase
		}
	}
	c := active[rng.IntN(len(active))]
	switch n := rng.IntN(100); {
	case n < 50:
		return s.heartbeat(w, c, rng)
	case n < 65:
		return s.unregister(w, c, rng)
	case n < 72:
		return s.clientClose(w, c, rng)
	case n < 76:
		return s.closeClient(w, rng)
	case n < 81:
		return s.expire(w, rng)
	default:
		return s.query(c, rng)
	}
}

func soakClientID(w int, rng *rand.Rand) string {
	return fmt.Sprintf("10.0.%d.1@w%d-%c", w, w, 'a'+rng.IntN(2))
}

func (s *soak) connect(w int) error {
	nc, err := net.DialTimeout("tcp", s.b.Addr(), 2*time.Second)
	if err != nil {
		return err
	}
	tc := nc.(*net.TCPConn)
	c := &soakConn{owner: w, nc: tc, r: bufio.NewReader(tc), addr: tc.LocalAddr().String(), active: true}
	s.m.mu.Lock()
	old := s.m.conns[c.addr]
	if old == nil {
		s.m.conns[c.addr] = c
	}
	s.m.mu.Unlock()
	if old != nil {
		return fmt.Errorf("port reuse: %s is still open in the model", c.addr)
	}
	s.owned[w] = append(s.owned[w], c)
	s.count("connect")
	return nil
}

// call writes a request and reads its reply.
func (s *soak) call(c *soakConn, cmd *protocol.Command) (*protocol.Command, error) {
	c.opaque++
	cmd.Opaque = c.opaque
	frame, err := cmd.Encode()
	if err != nil {
		return nil, err
	}
	_ = c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(frame); err != nil {
		return nil, fmt.Errorf("%s from %s: %w", cmd.RequestCode(), c.addr, err)
	}
	resp, err := protocol.ReadFrame(c.r, 0)
	if err != nil {
		return nil, fmt.Errorf("%s from %s: reading the reply: %w", cmd.RequestCode(), c.addr, err)
	}
	if resp.Opaque != cmd.Opaque || !resp.IsResponse() {
		return nil, fmt.Errorf("%s from %s: reply %+v to opaque %d", cmd.RequestCode(), c.addr, resp, cmd.Opaque)
	}
	return resp, nil
}

var soakLangs = []protocol.LanguageCode{protocol.Java, protocol.Go, protocol.CPP, protocol.Python}

func (s *soak) heartbeat(w int, c *soakConn, rng *rand.Rand) error {
	id := soakClientID(w, rng)
	groups := rng.Perm(soakGroups)[:rng.IntN(4)]
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = fmt.Sprintf("G%d", g)
	}
	lang, version := soakLangs[rng.IntN(len(soakLangs))], int32(300+rng.IntN(200))
	cmd := heartbeatCmd(id, lang, protocol.MQVersion(version), names...)
	if rng.IntN(2) == 0 {
		cmd.Serialize = protocol.RocketMQ
	}
	resp, err := s.call(c, cmd)
	if err != nil {
		return err
	}
	if resp.Code != 0 {
		return fmt.Errorf("heartbeat from %s: code %d %s", c.addr, resp.Code, resp.Remark)
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.ids[id] = true
	var shared *soakEntry
	for _, g := range names {
		if c.groups == nil {
			c.groups = map[string]*soakEntry{}
		}
		if e := c.groups[g]; e != nil {
			e.fresh = true // refreshed: every group sharing e is, too
			continue
		}
		if shared == nil {
			shared = &soakEntry{clientID: id, lang: lang, version: version, fresh: true}
		}
		c.groups[g] = shared
		s.m.clients[id] = c.addr
	}
	s.count("heartbeat")
	return nil
}

// unregister removes c from a group the worker holds an entry in (on any
// of its connections, so the group is not empty whatever others do).
func (s *soak) unregister(w int, c *soakConn, rng *rand.Rand) error {
	s.m.mu.Lock()
	var held []string
	for _, oc := range s.owned[w] {
		if s.m.conns[oc.addr] != oc {
			continue
		}
		for g := range oc.groups {
			if !slices.Contains(held, g) {
				held = append(held, g)
			}
		}
	}
	s.m.mu.Unlock()
	if len(held) == 0 {
		return s.heartbeat(w, c, rng)
	}
	sort.Strings(held)
	g, id := held[rng.IntN(len(held))], soakClientID(w, rng)
	resp, err := s.call(c, protocol.NewRequest(protocol.UnregisterClient, map[string]string{"clientID": id, "producerGroup": g}, nil))
	if err != nil {
		return err
	}
	if resp.Code != 0 {
		return fmt.Errorf("unregister from %s: code %d %s", c.addr, resp.Code, resp.Remark)
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.ids[id] = true
	delete(c.groups, g)
	delete(s.m.clients, id) // unconditionally, as Java
	s.count("unregister")
	return nil
}

// clientClose closes c from the client's side: plainly, half-closed or
// reset, and waits until the broker has run its close path.
func (s *soak) clientClose(w int, c *soakConn, rng *rand.Rand) error {
	switch rng.IntN(3) {
	case 0:
		c.nc.Close()
		s.count("close")
	case 1:
		_ = c.nc.CloseWrite()
		_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, c.r); err != nil {
			return fmt.Errorf("half-closed %s: want the broker to close too: %w", c.addr, err)
		}
		c.nc.Close()
		s.count("half-close")
	default:
		_ = c.nc.SetLinger(0)
		c.nc.Close()
		s.count("reset")
	}
	s.owned[w] = slices.DeleteFunc(s.owned[w], func(o *soakConn) bool { return o == c })
	return s.closeInModel(c)
}

// drop forgets a connection of worker w that the broker closed.
func (s *soak) drop(w int, c *soakConn) {
	s.owned[w] = slices.DeleteFunc(s.owned[w], func(o *soakConn) bool { return o == c })
	c.nc.Close()
}

// closeInModel waits until the broker has run the close path of c, then
// closes c in the model.
func (s *soak) closeInModel(c *soakConn) error {
	if err := s.waitClosed(c); err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.closeConnLocked(c)
	s.m.mu.Unlock()
	return nil
}

// dropClosed closes each of cs, connections of worker w the broker
// closes, in the model once the broker has, and drops it.
func (s *soak) dropClosed(w int, cs []*soakConn) error {
	for _, c := range cs {
		if err := s.closeInModel(c); err != nil {
			return err
		}
		s.drop(w, c)
	}
	return nil
}

// closeClient uses the CloseClient hook on one of the worker's client ids.
func (s *soak) closeClient(w int, rng *rand.Rand) error {
	id := soakClientID(w, rng)
	s.m.mu.Lock()
	var hit []*soakConn
	for _, c := range s.owned[w] {
		if s.m.conns[c.addr] != c {
			continue
		}
		for _, e := range c.groups {
			if e.clientID == id {
				hit = append(hit, c)
				break
			}
		}
	}
	s.m.mu.Unlock()
	err := s.b.CloseClient(id)
	if len(hit) == 0 {
		if err == nil {
			return fmt.Errorf("CloseClient(%q): want an error, the model has no connection of it", id)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("CloseClient(%q): %w", id, err)
	}
	if err := s.dropClosed(w, hit); err != nil {
		return err
	}
	s.count("CloseClient")
	return nil
}

// expire uses the ExpireProducer hook on a group and client id of the
// worker's.
func (s *soak) expire(w int, rng *rand.Rand) error {
	id, g := soakClientID(w, rng), fmt.Sprintf("G%d", rng.IntN(soakGroups))
	s.m.mu.Lock()
	mine := map[*soakConn]bool{}
	for _, c := range s.owned[w] {
		mine[c] = true
	}
	var victims []*soakConn
	for _, c := range s.m.conns {
		if e := c.groups[g]; e != nil && e.clientID == id {
			if !mine[c] {
				s.m.mu.Unlock()
				return fmt.Errorf("model: %s of worker %d holds %s's id", c.addr, c.owner, id)
			}
			victims = append(victims, c)
		}
	}
	s.m.mu.Unlock()
	err := s.b.ExpireProducer(g, id)
	if len(victims) == 0 {
		if err == nil {
			return fmt.Errorf("ExpireProducer(%q, %q): want an error, the model has no such entry", g, id)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("ExpireProducer(%q, %q): %w", g, id, err)
	}
	s.m.mu.Lock()
	closing := s.m.expireLocked(func(group string, e *soakEntry) bool { return group == g && e.clientID == id })
	s.m.mu.Unlock()
	if err := s.dropClosed(w, closing); err != nil {
		return err
	}
	s.count("ExpireProducer")
	return nil
}

// query asks 204 or 328 on c: load only, the answer depends on the others.
func (s *soak) query(c *soakConn, rng *rand.Rand) error {
	req := protocol.NewRequest(protocol.GetProducerConnectionList, map[string]string{"producerGroup": fmt.Sprintf("G%d", rng.IntN(soakGroups))}, nil)
	if rng.IntN(3) == 0 {
		req = protocol.NewRequest(protocol.GetAllProducerInfo, map[string]string{}, nil)
	}
	resp, err := s.call(c, req)
	if err == nil && resp.Code != 0 && resp.Code != 1 {
		err = fmt.Errorf("%s: code %d %s", req.RequestCode(), resp.Code, resp.Remark)
	}
	s.count("query")
	return err
}

// waitClosed waits until the broker has run the close path of c: it no
// longer lists the connection, and no entry of it is left.
func (s *soak) waitClosed(c *soakConn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	open := false
	err := s.b.records.Wait(ctx, func(*recordState) bool {
		open = false
		s.b.connsMu.Lock()
		for bc := range s.b.conns {
			if bc.addr == c.addr {
				open = true
			}
		}
		s.b.connsMu.Unlock()
		return !open && len(s.b.channelsAt(c.addr)) == 0
	})
	if err != nil {
		return fmt.Errorf("%s: the broker did not run its close path within 5 s (open %v): %w", c.addr, open, err)
	}
	return nil
}

// channelsAt returns the groups in which a channel with address addr has
// an entry.
func (b *Broker) channelsAt(addr string) []string {
	var out []string
	for g, infos := range b.producers.ProducerTable() {
		for _, in := range infos {
			if in.Channel.RemoteAddr() == addr {
				out = append(out, g)
			}
		}
	}
	return out
}

// boundary moves the clock, quiesced, by a random amount: not at all,
// within the current scan period, or across one to eight scans, one at a
// time, applying each scan to the model and waiting for the connections
// it closes.
func (s *soak) boundary(rng *rand.Rand) {
	now := s.b.Now()
	start := time.Unix(1_700_000_000, 0)
	// Scans are due at start + k·10 s, k ≥ 1; the next is the first after now.
	next := start.Add((now.Sub(start)/soakScan + 1) * soakScan)
	switch rng.IntN(4) {
	case 0:
		return
	case 1:
		if gap := next.Sub(now); gap > time.Millisecond {
			s.b.Advance(time.Duration(rng.Int64N(int64(gap - time.Millisecond))))
			s.count("boundary-advance")
		}
		return
	}
	for range 1 + rng.IntN(8) { // up to 80 s, one scan at a time
		s.b.Advance(next.Sub(s.b.Now()))
		scanAt := next
		s.m.mu.Lock()
		closing := s.m.expireLocked(func(_ string, e *soakEntry) bool {
			return scanAt.UnixMilli()-e.lu.UnixMilli() > soakExpiry.Milliseconds()
		})
		s.m.mu.Unlock()
		for _, c := range closing {
			if err := s.closeInModel(c); err != nil {
				s.t.Error(err)
				return
			}
		}
		s.count("boundary-scan")
		s.stMu.Lock()
		s.stats["expired-conns"] += len(closing)
		s.stMu.Unlock()
		next = next.Add(soakScan)
	}
}

// compare checks the broker against the model: groups, entries, last
// heartbeats, the client table and what 204 answers on the wire. Entries
// refreshed in the phase get their exact time from the broker, once it is
// checked to lie within the phase.
func (s *soak) compare(when string) {
	t := s.t
	t.Helper()
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	want := s.m.tableLocked()
	table := s.b.producers.ProducerTable()
	got := map[string][]soakRow{}
	byAddr := map[string]map[string]producers.ClientChannelInfo{} // group → addr → info
	for g, infos := range table {
		byAddr[g] = map[string]producers.ClientChannelInfo{}
		for _, in := range infos {
			got[g] = append(got[g], soakRow{in.Channel.RemoteAddr(), in.ClientID, in.Language.String(), in.Version})
			byAddr[g][in.Channel.RemoteAddr()] = in
		}
		sort.Slice(got[g], func(i, j int) bool { return got[g][i].Addr < got[g][j].Addr })
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: producer table (-model +broker):\n%s", when, diff)
		return
	}
	var groups []string
	for g := range want {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	if diff := cmp.Diff(groups, s.b.Groups(), cmpEmptyNil()); diff != "" {
		t.Errorf("%s: groups (-model +broker):\n%s", when, diff)
	}

	// Last heartbeats: exact, or within the phase and then pinned.
	now := s.b.Now()
	pinned := map[*soakEntry]time.Time{}
	for _, c := range s.m.conns {
		for g, e := range c.groups {
			lu := byAddr[g][c.addr].LastUpdate
			switch {
			case e.fresh:
				if p, ok := pinned[e]; ok && !p.Equal(lu) {
					t.Errorf("%s: %s in %s: last heartbeat %v, but the same entry in another group has %v", when, c.addr, g, lu, p)
				}
				if lu.After(now) || lu.Before(s.phaseStart) {
					t.Errorf("%s: %s in %s: last heartbeat %v is not within the phase ending %v", when, c.addr, g, lu, now)
				}
				pinned[e] = lu
			case !e.lu.Equal(lu):
				t.Errorf("%s: %s in %s: last heartbeat %v, want %v", when, c.addr, g, lu, e.lu)
			}
		}
	}
	for e, lu := range pinned {
		e.lu, e.fresh = lu, false
	}

	// The client table (clientChannelTable).
	wantClients, gotClients := map[string]string{}, map[string]string{}
	for id := range s.m.ids {
		if a, ok := s.m.clients[id]; ok {
			wantClients[id] = a
		}
		if ch := s.b.producers.FindChannel(id); ch != nil {
			gotClients[id] = ch.RemoteAddr()
		}
	}
	if diff := cmp.Diff(wantClients, gotClients); diff != "" {
		t.Errorf("%s: client table (-model +broker):\n%s", when, diff)
	}

	// What an admin sees over the wire.
	for i := range soakGroups {
		g := fmt.Sprintf("G%d", i)
		resp, pc := connections(t, s.check, g, protocol.JSON)
		var rows []soakRow
		if resp.Code == 0 {
			for _, c := range pc.ConnectionSet {
				rows = append(rows, soakRow{c.ClientAddr, c.ClientID, c.Language.String(), c.Version})
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i].Addr < rows[j].Addr })
		}
		if diff := cmp.Diff(want[g], rows); diff != "" {
			t.Errorf("%s: 204 for %s (code %d) (-model +wire):\n%s", when, g, resp.Code, diff)
		}
	}
}

func cmpEmptyNil() cmp.Option {
	return cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())
}

// settledGoroutines waits up to 5 s for the goroutine count to fall to
// at most want, or, with want 0, to stay the same for 50 ms, and returns it.
func settledGoroutines(want int) int {
	n, stable := runtime.NumGoroutine(), 0
	for range 500 {
		if want > 0 && n <= want || want == 0 && stable >= 5 {
			break
		}
		time.Sleep(10 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			stable++
		} else {
			stable = 0
		}
		n = m
	}
	return n
}

// goroutinesWith counts the goroutines whose stack mentions s.
func goroutinesWith(s string) int {
	n := 0
	for _, g := range strings.Split(stacks(), "\n\n") {
		if strings.Contains(g, s) {
			n++
		}
	}
	return n
}

// brokerGoroutines returns the stacks of goroutines running broker or gnet
// code, other than the caller's.
func brokerGoroutines() string {
	var out []string
	for _, g := range strings.Split(stacks(), "\n\n")[1:] {
		if strings.Contains(g, "panjf2000/gnet") || strings.Contains(g, "rocketmock/mockbroker.(*") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no /proc/self/fd: cannot count file descriptors here")
	}
	assert.NilError(t, err)
	return len(entries)
}

func fdList() string {
	entries, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, e := range entries {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		out = append(out, e.Name()+" -> "+target)
	}
	return strings.Join(out, "\n")
}
