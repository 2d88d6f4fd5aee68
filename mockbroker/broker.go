package mockbroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/rocketmock/rocketmock/internal/gnetaddr"
	"github.com/rocketmock/rocketmock/mockbroker/internal/producers"
	"github.com/rocketmock/rocketmock/mockbroker/internal/records"
	"github.com/rocketmock/rocketmock/protocol"
)

// Broker is a mock RocketMQ broker and name server on one TCP address.
type Broker struct {
	cfg       config
	log       *slog.Logger
	version   int32 // MQVersion written in every reply
	extTable  int   // Java HashMap size of reply extFields (see protocol.Command)
	producers *producers.Manager
	sched     *scheduler
	handlers  map[protocol.RequestCode]handlerFunc
	// hbReplyExt is the extFields of every 5.x heartbeat reply, shared by
	// them all: replies are only encoded, never changed.
	hbReplyExt map[string]string
	brokers    []brokerRoute // what the name server routes to
	storeHost  storeHost     // the advertised address, in offset message ids

	addr      string // bound "ip:port"
	advertise string
	engine    gnet.Engine
	runDone   chan error

	connsMu sync.Mutex
	conns   map[*conn]struct{}

	events    eventHub
	closeOnce sync.Once
	closed    atomic.Bool

	// Interception, delayed replies and records (intercept.go, replies.go,
	// journal.go, strict.go).
	connSeq     atomic.Uint64
	interceptMu sync.Mutex                      // serializes changes to intercepts
	intercepts  atomic.Pointer[[]*Interception] // read per request without locking
	delays      delays
	asyncMu     sync.RWMutex // async calls vs. Close
	asyncClosed bool
	unhandled   unhandledLog
	// records are the messages, END_TRANSACTIONs and the journal
	// (messages.go, cmd_transaction.go, journal.go), and what Wait*
	// wait on.
	records *recordStore
	opaque  atomic.Int32 // of requests the broker sends
	panics  panicLog     // panics.go
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
	if cfg.queueNums <= 0 {
		return nil, fmt.Errorf("mockbroker: queue count %d: want at least 1", cfg.queueNums)
	}
	b := &Broker{cfg: cfg, log: cfg.logger, conns: map[*conn]struct{}{}, runDone: make(chan error, 1)}
	if b.log == nil {
		b.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	b.version, b.extTable = int32(protocol.V5_3_3), protocol.JavaAddExtFieldTable
	if cfg.compat == Compat49 {
		b.version, b.extTable = int32(protocol.V4_9_8), 0
	}
	b.sched = newScheduler(&b.cfg, b.housekeeping)
	b.records = records.New[Message, EndTransaction, JournalEntry](records.Limits{Messages: cfg.messageLimit, Journal: cfg.journalLimit})
	b.producers = b.newProducerManager()
	b.handlers = b.handlerTable()
	b.hbReplyExt = map[string]string{"IS_SUPPORT_HEART_BEAT_V2": "true", "IS_SUB_CHANGE": "true"}
	if err := b.listen(); err != nil {
		return nil, err
	}
	b.sched.start()
	b.log.Debug("rocketmock broker ready", "addr", b.addr, "advertise", b.advertise, "compat", cfg.compat.String())
	return b, nil
}

// Start starts a broker on 127.0.0.1 (a free port) that logs to t and is
// closed by t.Cleanup. It fails the test if the broker cannot start, and
// when the test ends if the broker recovered from a panic in a handler,
// an interceptor or a request observer (see TakePanics).
func Start(t testing.TB, opts ...Option) *Broker {
	t.Helper()
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
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
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// listen starts the gnet engine and waits until it has bound its address.
func (b *Broker) listen() error {
	booted := make(chan error, 1)
	srv := &server{b: b, booted: booted}
	go func() {
		err := gnet.Run(srv, "tcp://"+b.cfg.listen,
			gnet.WithNumEventLoop(b.cfg.loops),
			gnet.WithLogger(quietGnetLogger{}),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithReuseAddr(true), // so the port can be bound again at once after Close
		)
		booted <- err // only read if OnBoot never ran
		b.runDone <- err
	}()
	if err := <-booted; err != nil {
		return fmt.Errorf("mockbroker: listen on %s: %w", b.cfg.listen, err)
	}
	return nil
}

// bound completes the set-up that needs the bound address. It runs in
// OnBoot, before any connection is served.
func (b *Broker) bound(eng gnet.Engine) error {
	addr, err := gnetaddr.Of(eng)
	if err != nil {
		return fmt.Errorf("reading the bound address: %w", err)
	}
	b.engine, b.addr = eng, addr
	b.advertise = b.cfg.advertise
	if b.advertise == "" {
		host, port, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		b.advertise = net.JoinHostPort(host, port)
	}
	if b.storeHost, err = parseStoreHost(b.advertise); err != nil {
		return fmt.Errorf("advertised address: %w", err)
	}
	b.brokers = []brokerRoute{{cluster: b.cfg.clusterName, name: b.cfg.brokerName, addrs: map[int64]string{0: b.advertise}}}
	return nil
}

// Addr returns the "ip:port" the broker listens on: give it to clients as
// the name-server address.
func (b *Broker) Addr() string { return b.addr }

// AdvertisedAddr returns the "ip:port" that routes point clients to.
func (b *Broker) AdvertisedAddr() string { return b.advertise }

// Close stops the broker: it closes every connection, frees the port and
// returns once nothing of the broker runs any more. It is safe to call twice.
func (b *Broker) Close() {
	b.closeOnce.Do(func() {
		b.closed.Store(true)
		b.stopAsync() // no AsyncWrite or Close into a stopping engine
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Stop only signals; waiting for Run is faster than its 500 ms poll
		if err := b.engine.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
			b.log.Warn("stopping the event loop", "err", err)
		}
		<-b.runDone
		b.sched.close()
		b.events.close()
		b.records.Close()
	})
}

// Now returns the broker's clock: virtual time under WithVirtualClock.
func (b *Broker) Now() time.Time { return b.sched.Now() }

// quietGnetLogger drops gnet's own chatter; its errors go to slog.Default.
type quietGnetLogger struct{}

func (quietGnetLogger) Debugf(string, ...any) {}
func (quietGnetLogger) Infof(string, ...any)  {}
func (quietGnetLogger) Warnf(f string, a ...any) {
	slog.Default().Warn("gnet: " + fmt.Sprintf(f, a...))
}
func (quietGnetLogger) Errorf(f string, a ...any) {
	slog.Default().Error("gnet: " + fmt.Sprintf(f, a...))
}
func (quietGnetLogger) Fatalf(f string, a ...any) {
	slog.Default().Error("gnet: " + fmt.Sprintf(f, a...))
}
