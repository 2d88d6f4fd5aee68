package mockbroker

import (
	"crypto/tls"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// Option configures a Broker.
type Option func(*config)

type config struct {
	listen       string
	advertise    string
	brokerName   string
	clusterName  string
	queueNums    int
	expiry       time.Duration
	scanDelay    time.Duration
	scanInterval time.Duration
	virtualStart *time.Time
	logger       *slog.Logger
	logOut       io.Writer // the default logger's writer (os.Stderr; tests change it)
	release      protocol.Release
	maxFrame     int
	loops        int
	missing      map[string]bool
	observer     func(Received)
	strict       bool
	journalLimit int
	journalBytes int64
	topicLimit   int
	closedLimit  int
	messageLimit int
	messageBytes int64
	maxPending   int
	maxConns     int
	maxPartial   int
	tlsMode      remoting.TLSMode
	tls          *tls.Config
	idle         time.Duration
	storeBytes   int64      // 0: store.DefaultMaxBytes
	storeCount   int        // 0: store.DefaultMaxMessages
	acl          *ACLConfig // acl.go
	aclSet       bool
	timed        timedConfig     // txcheck.go, schedule.go
	settings     *brokerSettings // cmd_brokerconfig.go: what UPDATE_BROKER_CONFIG changes
}

func defaultConfig() config {
	return config{
		listen:       "127.0.0.1:0",
		brokerName:   "broker-a",
		clusterName:  "DefaultCluster",
		queueNums:    4,
		expiry:       120 * time.Second,
		scanDelay:    10 * time.Second,
		scanInterval: 10 * time.Second,
		loops:        1,
		journalLimit: DefaultJournalLimit,
		journalBytes: DefaultJournalBytes,
		topicLimit:   DefaultTopicLimit,
		closedLimit:  DefaultClosedSenderLimit,
		messageLimit: DefaultMessageLimit,
		messageBytes: DefaultMessageBytes,
		maxPending:   DefaultMaxPendingOutput,
		maxPartial:   DefaultPartialFrameBudget,
		idle:         120 * time.Second,
		settings:     newBrokerSettings(),
	}
}

// WithAutoCreateTopic sets the broker's autoCreateTopicEnable (default
// true, as the stock broker config). Off, the name server routes only the
// topics that exist (created, preloaded or system), so a client sees
// "No route info of this topic" for the others, and TBW102 is gone.
func WithAutoCreateTopic(enable bool) Option {
	return func(c *config) { c.settings.set("autoCreateTopicEnable", strconv.FormatBool(enable)) }
}

// WithIdleTimeout sets how long a connection may go without reading or
// writing before the broker closes it, as Netty's IdleStateHandler does on
// a real broker (serverChannelMaxIdleTimeSeconds, default 120 s); the
// check runs with the expiry scan. 0 keeps idle connections open.
func WithIdleTimeout(d time.Duration) Option { return func(c *config) { c.idle = d } }

// WithListen sets the TCP address to listen on (default 127.0.0.1:0, a free port).
func WithListen(addr string) Option { return func(c *config) { c.listen = addr } }

// WithAdvertise sets the "ip:port" put in routes (default: the listen
// address, with 127.0.0.1 for an unspecified host).
func WithAdvertise(addr string) Option { return func(c *config) { c.advertise = addr } }

// WithBrokerName sets the broker name in routes and cluster info (default broker-a).
func WithBrokerName(name string) Option { return func(c *config) { c.brokerName = name } }

// WithClusterName sets the cluster name (default DefaultCluster).
func WithClusterName(name string) Option { return func(c *config) { c.clusterName = name } }

// WithQueueNums sets the read and write queue count of every routed topic (default 4).
func WithQueueNums(n int) Option { return func(c *config) { c.queueNums = n } }

// WithExpiry sets how long a producer may stay silent before the scan
// drops it (default 120 s, the broker's hard-coded CHANNEL_EXPIRED_TIMEOUT).
func WithExpiry(d time.Duration) Option { return func(c *config) { c.expiry = d } }

// WithScanInterval sets the first delay and the period of the expiry scan
// (default 10 s each, as ClientHousekeepingService).
func WithScanInterval(first, every time.Duration) Option {
	return func(c *config) { c.scanDelay, c.scanInterval = first, every }
}

// WithVirtualClock makes time stand still at start until Advance moves it;
// scans then run only when Advance passes their due time.
func WithVirtualClock(start time.Time) Option { return func(c *config) { c.virtualStart = &start } }

// WithLogger sets the logger (default: warnings to stderr through a
// bounded queue that never blocks the broker and drops lines, counted by
// LogLinesDropped, when stderr is not read; values cut to 256 bytes.
// Start logs to t.Log).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithRelease selects the imitated broker release (default
// protocol.Release533): what differs is listed on protocol.Release, e.g.
// version 409 in replies and emptied producer groups kept under
// protocol.Release498.
func WithRelease(r protocol.Release) Option { return func(c *config) { c.release = r } }

// WithMaxFrame sets the largest accepted frame, length field included
// (default 16 MiB, as Netty's frameMaxLength).
func WithMaxFrame(n int) Option { return func(c *config) { c.maxFrame = n } }

// WithEventLoops sets the number of gnet event loops (default 1; more
// spread connections over cores).
func WithEventLoops(n int) Option { return func(c *config) { c.loops = n } }

// WithMissingTopics makes the name server answer TOPIC_NOT_EXIST (17) for
// these topics; every other topic is routed to this broker.
func WithMissingTopics(topics ...string) Option {
	return func(c *config) {
		if c.missing == nil {
			c.missing = map[string]bool{}
		}
		for _, t := range topics {
			c.missing[t] = true
		}
	}
}

// Received is one decoded request frame as it arrived.
type Received struct {
	Remote  string            // the client's "ip:port"
	Frame   []byte            // the raw frame, length field included (a copy)
	Command *protocol.Command // the decoded command
}

// WithRequestObserver calls fn with every request frame the broker
// receives, before it is handled, on the connection's event loop: fn must
// be quick and safe for concurrent use. Several observers are called in
// the order given.
func WithRequestObserver(fn func(Received)) Option {
	return func(c *config) {
		if prev := c.observer; prev != nil {
			c.observer = func(r Received) { prev(r); fn(r) }
			return
		}
		c.observer = fn
	}
}

// WithStrict makes requests that nothing handled (unknown codes, codes the
// mock does not serve, with no interception deciding them) fail the test:
// Start reports them with t.Error when the test ends (see StrictReport).
// They are still answered with code 3, as a real broker does.
func WithStrict() Option { return func(c *config) { c.strict = true } }

// WithJournalLimit sets how many journal entries the broker keeps (default
// DefaultJournalLimit); older ones are dropped and counted. 0 keeps none.
func WithJournalLimit(n int) Option { return func(c *config) { c.journalLimit = max(n, 0) } }

// Defaults of the byte and count bounds on the records besides messages.
const (
	// DefaultJournalBytes bounds the journal's entries by size (each entry
	// counted as its fixed part plus its strings, remarks truncated to
	// 1 KiB): WithJournalBytes.
	DefaultJournalBytes = 16 << 20
	// DefaultTopicLimit is how many topics Accepted counts by name:
	// WithTopicLimit.
	DefaultTopicLimit = 10_000
	// DefaultClosedSenderLimit is how many closed connections keep their
	// send counts: WithClosedSenderLimit.
	DefaultClosedSenderLimit = 1_000
)

// WithJournalBytes bounds the journal by size as well as by count
// (default DefaultJournalBytes): older entries are dropped and counted
// (JournalDropped, JournalDroppedBytes). n <= 0 removes the byte bound.
func WithJournalBytes(n int64) Option { return func(c *config) { c.journalBytes = max(n, 0) } }

// WithTopicLimit sets how many topics the broker counts accepted messages
// for by name (default DefaultTopicLimit): past it the topic seen first
// is let go and counted (TopicsDropped); WaitMessages on it then counts
// from 0, and the all-topics count keeps its messages. n <= 0 removes
// the bound.
func WithTopicLimit(n int) Option { return func(c *config) { c.topicLimit = max(n, 0) } }

// WithClosedSenderLimit sets how many closed connections keep their send
// counts (default DefaultClosedSenderLimit): past it the counts of the
// connection that closed first are let go and counted
// (SendCountsDropped). Open connections keep theirs. n <= 0 removes the
// bound.
func WithClosedSenderLimit(n int) Option { return func(c *config) { c.closedLimit = max(n, 0) } }

// WithMessageLimit sets how many sent messages, and how many
// END_TRANSACTION requests, the broker keeps (default
// DefaultMessageLimit); older ones are dropped and counted. Send counts
// are kept regardless (see WithClosedSenderLimit). 0 keeps none.
func WithMessageLimit(n int) Option { return func(c *config) { c.messageLimit = max(n, 0) } }

// WithMessageBytes bounds the bytes of the messages the broker keeps for
// Messages and WaitMessages (their bodies as kept, inflated ones included;
// default DefaultMessageBytes): older ones are dropped and counted
// (MessagesDropped, MessagesDroppedBytes). n <= 0 removes the bound. The
// message store behind pulls has its own bound (WithStoreLimits).
func WithMessageBytes(n int64) Option { return func(c *config) { c.messageBytes = max(n, 0) } }

// DefaultMaxPendingOutput is how many bytes of replies a client may leave
// unread before the broker holds its requests back, unless
// WithMaxPendingOutput says otherwise.
const DefaultMaxPendingOutput = 4 << 20

// WithMaxPendingOutput sets how many bytes of replies may wait for a client
// (beyond what the kernel buffers, delayed replies included) before the
// broker holds its further requests back until it reads (default
// DefaultMaxPendingOutput); one reply of any size still goes out. A client
// that reads none of them for 2 s, or sends more than this and the frame
// limit of requests meanwhile, is logged and its connection closed. n <= 0
// removes the limit.
func WithMaxPendingOutput(n int) Option { return func(c *config) { c.maxPending = n } }

// WithStoreLimits bounds the message store behind pulls: the sum of the
// stored messages' encoded sizes and their count (defaults 64 MiB and
// 100 000; 0 keeps a default, < 0 means no bound). The oldest messages go
// first; the queues' min offsets move with them, and a consumer still
// pulling below them gets PULL_OFFSET_MOVED as from a real broker.
func WithStoreLimits(maxBytes int64, maxMessages int) Option {
	return func(c *config) { c.storeBytes, c.storeCount = maxBytes, maxMessages }
}

// WithMaxConnections bounds the open client connections (default 0:
// derived from RLIMIT_NOFILE, leaving headroom for the listen backlog and
// the rest of the process; see remoting.FDLimits). Past the limit a new
// connection is closed at once, with one log line per second at most;
// connected clients carry on, and new ones are accepted again once some
// close. n < 0 removes the limit; the descriptor headroom is kept anyway.
func WithMaxConnections(n int) Option { return func(c *config) { c.maxConns = n } }

// DefaultPartialFrameBudget is how many bytes all connections together may
// hold in incomplete frames, unless WithPartialFrameBudget says otherwise.
const DefaultPartialFrameBudget = 64 << 20

// WithPartialFrameBudget bounds the bytes buffered in incomplete frames
// across all connections (default DefaultPartialFrameBudget): a frame's
// length may claim up to the frame limit and its bytes trickle in. Past
// the budget the connection holding the most is logged and closed. n <= 0
// removes the budget.
func WithPartialFrameBudget(n int) Option {
	return func(c *config) { c.maxPartial = max(n, -1) }
}

// WithTLS makes the remoting port speak TLS as a broker's tlsMode does
// (default remoting.TLSDisabled, plaintext only; a real broker defaults
// to permissive): remoting.TLSPermissive takes plaintext and TLS on one
// port, told by the first byte; remoting.TLSEnforcing closes plaintext
// connections. cfg nil: a self-signed certificate made at start (a real
// broker's tlsTestModeEnable). A TLS client's address is its own, as
// over plaintext.
func WithTLS(mode remoting.TLSMode, cfg *tls.Config) Option {
	return func(c *config) { c.tlsMode, c.tls = mode, cfg }
}
