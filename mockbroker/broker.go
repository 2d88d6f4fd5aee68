package mockbroker

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/mockbroker/internal/consumers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/records"
	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// Broker is a mock RocketMQ broker and name server on one TCP address.
type Broker struct {
	cfg       config
	log       *slog.Logger
	logSink   *logsink.Sink      // the default logger's queue; nil under WithLogger
	version   protocol.MQVersion // written in every reply
	extTable  int                // Java HashMap size of reply extFields (see protocol.Command)
	producers *producers.Manager
	consumers *consumers.Manager // consumers.go
	// sysTopics caches the system topics for the settings' version
	// (cmd_topic.go).
	sysTopics atomic.Pointer[systemTopicList]
	store     *store.Store // consumers.go: messages behind sends and pulls
	// appendMu keeps the store and the records numbering messages alike
	// (cmd_send.go).
	appendMu sync.Mutex
	holds    *pullHolds // parked long-polling pulls (cmd_pull.go)
	// redeliveries are the messages consumers sent back (cmd_sendback.go).
	redeliveries recentLog[redelivery]
	// hbFingerprints is 5.x's consumerGroupHeartbeatTable: consumer group
	// → int32 heartbeatFingerprint of its last heartbeat (cmd_client.go).
	hbFingerprints sync.Map
	sched          *scheduler
	txs            txChecker  // the transaction check service (txcheck.go)
	delays         delayQueue // the schedule service (schedule.go)

	mux     *remoting.Mux    // each cmd_*.go registers its codes (dispatch.go)
	handler remoting.Handler // the mux inside the pipeline
	// hbReplyExt is the extFields of every heartbeat reply (none in
	// 4.9.8), shared by them all: replies are only encoded, never changed.
	hbReplyExt map[string]string
	// adv is the advertised address with the routes and store host built
	// from it (advertise.go): set at boot, swapped by SetAdvertise.
	adv atomic.Pointer[advertised]

	addr string // bound "ip:port"
	srv  *remoting.Server

	connsMu sync.Mutex
	conns   map[*conn]struct{} // open connections, from the server's callbacks

	events    eventHub
	locks     rebalanceLocks // orderly consumers' queue locks (cmd_consumer_admin.go)
	fixtureMu sync.Mutex     // LoadFixture checks and registers as one step
	closeOnce sync.Once
	closed    atomic.Bool

	// Interception and records (intercept.go, journal.go, strict.go).
	interceptMu sync.Mutex                      // serializes changes to intercepts
	intercepts  atomic.Pointer[[]*Interception] // read per request without locking
	unhandled   unhandledLog
	// records are the messages, END_TRANSACTIONs and the journal
	// (messages.go, cmd_transaction.go, journal.go), and what Wait*
	// wait on.
	records *recordStore
	panics  panicLog // panics.go
	acl     aclGuard // acl.go
	// requests counts requests by code and result (stats.go).
	requests requestStats
}

// brokerRoute is one broker as the name server describes it.
type brokerRoute struct {
	cluster string
	name    string
	addrs   map[int64]string // broker id (0 = master) → "ip:port"
}

// New starts a broker with the given options. Close stops it.
func New(opts ...Option) (*Broker, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	cfg.resolveTimedDefaults()
	if cfg.queueNums <= 0 {
		return nil, fmt.Errorf("mockbroker: queue count %d: want at least 1", cfg.queueNums)
	}
	b := &Broker{cfg: cfg, log: cfg.logger, conns: map[*conn]struct{}{}}
	if b.log == nil {
		out := cfg.logOut
		if out == nil {
			out = os.Stderr
		}
		b.logSink = logsink.New(out, logsink.Options{})
		b.log = slog.New(slog.NewTextHandler(b.logSink, &slog.HandlerOptions{
			Level: slog.LevelWarn, ReplaceAttr: logsink.TruncateAttrs(logsink.DefaultMaxValue),
		}))
	}
	b.version, b.extTable = cfg.release.Version(), cfg.release.ExtFieldsTable()
	b.sched = newScheduler(&b.cfg, b.housekeeping)
	b.records = records.New[Message, EndTransaction, JournalEntry](records.Limits[Message]{
		Messages: cfg.messageLimit, MessageBytes: cfg.messageBytes, MessageSize: keptSize,
		Journal: cfg.journalLimit, JournalBytes: cfg.journalBytes,
		Topics: cfg.topicLimit, ClosedConns: cfg.closedLimit,
	})
	b.producers = b.newProducerManager()
	b.consumers = b.newConsumerManager()
	b.store = b.newStore()
	b.holds = newPullHolds(b.sched)
	b.handler = b.newHandler()
	b.hbReplyExt = cfg.release.HeartbeatReplyExtFields()
	err := b.applyACL()
	if err == nil {
		err = b.listen()
	}
	if err != nil {
		if b.logSink != nil {
			_ = b.logSink.Close(time.Second)
		}
		return nil, err
	}
	b.startTransactionCheck()
	b.sched.start()
	b.log.Debug("rocketmock broker ready", "addr", b.addr, "advertise", b.AdvertisedAddr(), "compat", cfg.release.String())
	return b, nil
}

// TB is what Start needs from a test: *testing.T and *testing.B satisfy
// it, so mockbroker does not import the testing package.
type TB interface {
	Helper()
	Log(args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Start starts a broker on 127.0.0.1 (a free port) that logs to t and is
// closed by t.Cleanup. It fails the test if the broker cannot start, and
// when the test ends if the broker recovered from a panic in a handler,
// an interceptor or a request observer (see TakePanics).
func Start(t TB, opts ...Option) *Broker {
	t.Helper()
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{
		Level: slog.LevelDebug, ReplaceAttr: logsink.TruncateAttrs(logsink.DefaultMaxValue),
	})))}, opts...)
	b, err := New(opts...)
	if err != nil {
		t.Fatalf("mockbroker: %v", err)
	}
	b.failIfStrict(t)
	b.failOnPanics(t)
	t.Cleanup(b.Close)
	return b
}

// testWriter sends each log line to t.Log.
type testWriter struct{ t TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// listen starts the remoting server and waits until it has bound its
// address.
func (b *Broker) listen() error {
	cfg := remoting.Config{
		Addr:       b.cfg.listen,
		Loops:      b.cfg.loops,
		MaxFrame:   b.cfg.maxFrame,
		MaxPending: b.cfg.maxPending,
		MaxConns:   b.cfg.maxConns,
		MaxPartial: b.cfg.maxPartial,
		TLSMode:    b.cfg.tlsMode,
		TLS:        b.cfg.tls,
		Logger:     b.log,
		Now:        b.Now,
		OnBoot:     b.bound,
		OnOpen:     b.connOpened,
		OnClose:    b.connClosed,
	}
	if b.cfg.release.DetectsConnectionPreface() {
		cfg.Preface = remoting.PrefaceDetect
	}
	if b.cfg.observer != nil {
		cfg.Observe = b.observing
	}
	srv, err := remoting.Listen(b.handler, cfg)
	if err != nil {
		return fmt.Errorf("mockbroker: %w", err)
	}
	b.srv = srv
	return nil
}

// bound completes the set-up that needs the bound address. It runs before
// any connection is served.
func (b *Broker) bound(addr string) error {
	b.addr = addr
	adv := b.cfg.advertise
	if adv == "" {
		adv = defaultAdvertise(addr)
	}
	a, err := newAdvertised(&b.cfg, adv)
	if err != nil {
		return fmt.Errorf("advertised address: %w", err)
	}
	b.adv.Store(a)
	return nil
}

// Addr returns the "ip:port" the broker listens on: give it to clients as
// the name-server address.
func (b *Broker) Addr() string { return b.addr }

// Release returns the broker release the mock imitates (see WithRelease).
func (b *Broker) Release() protocol.Release { return b.cfg.release }

// Close stops the broker: it closes every connection, frees the port and
// returns once nothing of the broker runs any more. It is safe to call twice.
func (b *Broker) Close() {
	b.closeOnce.Do(func() {
		b.closed.Store(true)
		b.releaseHeld(b.holds.close())
		b.srv.Close()
		b.sched.close()
		b.events.close()
		b.records.Close()
		if b.logSink != nil {
			// Past a second the lines left are lost: stderr is stuck, and
			// nothing could report it there.
			_ = b.logSink.Close(time.Second)
		}
	})
}

// Err returns nil while the broker serves and after Close; an error
// (wrapping remoting.ErrEngineStopped) saying why once its transport
// stopped on its own: every client is then disconnected and the port no
// longer accepts. Health checks report it.
func (b *Broker) Err() error {
	if err := b.srv.Err(); err != nil {
		return fmt.Errorf("mockbroker: %w", err)
	}
	return nil
}

// Stopped is closed once the broker's transport has stopped: after Close,
// or on its own (then Err says why).
func (b *Broker) Stopped() <-chan struct{} { return b.srv.Done() }

// MaxConnections returns the connection limit in force (0: none), as
// WithMaxConnections set it or derived from RLIMIT_NOFILE.
func (b *Broker) MaxConnections() int { return b.srv.MaxConns() }

// RefusedConnections returns how many connections the broker closed at
// once because it was at its connection limit.
func (b *Broker) RefusedConnections() int64 { return b.srv.Refused() }

// LogLinesDropped returns how many lines the default logger dropped
// because its writer (stderr) did not take them; 0 under WithLogger.
func (b *Broker) LogLinesDropped() int64 {
	if b.logSink == nil {
		return 0
	}
	return b.logSink.Dropped()
}

// Now returns the broker's clock: virtual time under WithVirtualClock.
func (b *Broker) Now() time.Time { return b.sched.Now() }
