package mockbroker

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/acl"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// ACLConfig is the content of a 4.9.x plain_acl.yml: the addresses every
// request is accepted from (globalWhiteRemoteAddresses) and the accounts.
// Address patterns are those RemoteAddressStrategyFactory accepts: an
// address, "*", "192.168.0.*", "192.168.1-10.*", "192.168.0.{1,2}", or a
// comma-separated list.
type ACLConfig = acl.Config

// ACLAccount is one account of an ACLConfig (PlainAccessConfig):
// accessKey and secretKey (more than 6 characters each), the address it
// is accepted from without a signature (whiteRemoteAddress), admin, the
// default permissions and the "name=PERM" lists; a permission is DENY,
// PUB, SUB, PUB|SUB or SUB|PUB, and anything else (or none) is DENY.
type ACLAccount = acl.Account

// ParseACL reads a plain_acl.yml.
func ParseACL(yaml []byte) (*ACLConfig, error) { return acl.Parse(yaml) }

// LoadACL reads a plain_acl.yml file.
func LoadACL(path string) (*ACLConfig, error) { return acl.Load(path) }

// MarshalACL writes cfg as a plain_acl.yml.
func MarshalACL(cfg *ACLConfig) ([]byte, error) { return acl.Marshal(cfg) }

// ErrInvalidACL: an ACL configuration the broker would not load (see
// SetACL); the error says which entry and why, in the broker's words.
var ErrInvalidACL = errors.New("invalid ACL configuration")

// DefaultDenialLimit is how many denials a broker keeps (see Denials).
const DefaultDenialLimit = 1000

// Denial is one request the access control refused.
type Denial struct {
	Time      time.Time // the broker's clock when it arrived
	Conn      ConnInfo
	Code      protocol.RequestCode
	Opaque    int32
	Oneway    bool   // no reply was sent, as the broker sends none
	AccessKey string // the request's AccessKey, "" if it had none
	// Reason is the AclException's message, e.g. "Check signature failed
	// for accessKey=rocketmq2" or "No default permission for topic:T".
	Reason string
	// Remark is the reply's remark: the exception with its first stack
	// frame, as the broker writes it.
	Remark string
}

// String formats the denial on one line.
func (d Denial) String() string {
	return fmt.Sprintf("conn %d %s %s opaque %d: %s", d.Conn.ID, d.Conn.Addr, d.Code, d.Opaque, d.Reason)
}

// aclGuard is the broker's access control: the rules in force (nil: off)
// and the denials.
type aclGuard struct {
	rules atomic.Pointer[acl.Rules]
	mu    sync.Mutex
	// denials is a ring once it holds DefaultDenialLimit: the oldest at
	// oldest, where the next denial goes.
	denials []Denial
	oldest  int
	dropped int64
}

// WithACL turns the access control of a 4.9.x broker with aclEnable=true
// on: every request to a broker code must come from a whitelisted address
// or be signed by an account of cfg with the permissions its code needs;
// others are answered with SYSTEM_ERROR (code 1) and the broker's remark.
// The name server's codes are never checked (a 4.9.8 name server has no
// ACL). WithACL(nil) turns it on with no account and no whitelist. New
// fails if cfg does not compile (see SetACL).
func WithACL(cfg *ACLConfig) Option {
	return func(c *config) { c.acl, c.aclSet = cfg.Clone(), true }
}

// SetACL replaces the access-control configuration while the broker runs,
// as the broker reloads a changed plain_acl.yml; nil turns access control
// off. The configuration is checked as the broker loads it: an account
// without keys of more than 6 characters, a malformed permission entry or
// address pattern is an error, and nothing changes.
func (b *Broker) SetACL(cfg *ACLConfig) error {
	if cfg == nil {
		b.acl.rules.Store(nil)
		b.log.Info("access control off")
		return nil
	}
	rules, err := acl.Compile(cfg)
	if err != nil {
		return fmt.Errorf("mockbroker: %w: %w", ErrInvalidACL, err)
	}
	for _, k := range rules.Repeated {
		b.log.Warn("ACL: the accessKey is repeated; its first account counts", "accessKey", k)
	}
	b.acl.rules.Store(rules)
	b.log.Info("access control on", "accounts", len(cfg.Accounts), "globalWhiteRemoteAddresses", len(cfg.GlobalWhiteRemoteAddresses))
	return nil
}

// CheckACL reports whether the broker would load cfg (see SetACL), with
// the same error, without changing anything.
func CheckACL(cfg *ACLConfig) error {
	if _, err := acl.Compile(cfg); err != nil {
		return fmt.Errorf("mockbroker: %w: %w", ErrInvalidACL, err)
	}
	return nil
}

// applyACL turns access control on at start when WithACL was given.
func (b *Broker) applyACL() error {
	if !b.cfg.aclSet {
		return nil
	}
	cfg := b.cfg.acl
	if cfg == nil {
		cfg = &ACLConfig{}
	}
	return b.SetACL(cfg)
}

// ACL returns a copy of the access-control configuration in force, nil
// when access control is off.
func (b *Broker) ACL() *ACLConfig {
	if r := b.acl.rules.Load(); r != nil {
		return r.Config()
	}
	return nil
}

// Denials returns the requests the access control refused, oldest first:
// the last DefaultDenialLimit of them (DenialsDropped counts the others).
// The journal marks the same requests (JournalEntry.Denied).
func (b *Broker) Denials() []Denial {
	b.acl.mu.Lock()
	defer b.acl.mu.Unlock()
	g := &b.acl
	return append(append([]Denial(nil), g.denials[g.oldest:]...), g.denials[:g.oldest]...)
}

// DenialsDropped returns how many older denials were let go.
func (b *Broker) DenialsDropped() int64 {
	b.acl.mu.Lock()
	defer b.acl.mu.Unlock()
	return b.acl.dropped
}

// ClearDenials forgets the kept denials.
func (b *Broker) ClearDenials() {
	b.acl.mu.Lock()
	b.acl.denials, b.acl.oldest, b.acl.dropped = nil, 0, 0
	b.acl.mu.Unlock()
}

func (g *aclGuard) deny(d Denial) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.denials) < DefaultDenialLimit {
		g.denials = append(g.denials, d)
		return
	}
	g.denials[g.oldest] = d
	g.oldest = (g.oldest + 1) % DefaultDenialLimit
	g.dropped++
}

// nameServerCode reports whether only a name server serves the code
// (namesrv DefaultRequestProcessor, 4.9.8): the 4.9.8 name server has no
// ACL, so the mock, which is both on one address, does not check them.
func nameServerCode(code protocol.RequestCode) bool {
	switch code {
	case 100, 101, 102, // PUT_KV_CONFIG, GET_KV_CONFIG, DELETE_KV_CONFIG
		103, 104, // REGISTER_BROKER, UNREGISTER_BROKER
		protocol.GetRouteInfoByTopic, protocol.GetBrokerClusterInfo,
		205, 206, 216, 219, 224, // WIPE_WRITE_PERM_OF_BROKER, GET_ALL_TOPIC_LIST_FROM_NAMESERVER, DELETE_TOPIC_IN_NAMESRV, GET_KVLIST_BY_NAMESPACE, GET_TOPICS_BY_CLUSTER
		304, 311, 312, 313, // GET_SYSTEM_TOPIC_LIST_FROM_NS, GET_UNIT_TOPIC_LIST, GET_HAS_UNIT_SUB_TOPIC_LIST, GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST
		318, 319, 322, 327: // UPDATE_NAMESRV_CONFIG, GET_NAMESRV_CONFIG, QUERY_DATA_VERSION, ADD_WRITE_PERM_OF_BROKER
		return true
	}
	return false
}

// accessControl is the pipeline's ACL step, innermost, right before the
// mux: the broker's ACL RPC hook runs in the request's processor task,
// after the transport and flow control (what interceptions imitate) and
// before the processor. A denied request gets SYSTEM_ERROR with the
// exception's simple description, in the broker's default JSON header
// (NettyRemotingAbstract's catch block does not copy the request's
// serialize type), and nothing if it is oneway.
func (b *Broker) accessControl(next remoting.Handler) remoting.Handler {
	return func(rc *remoting.Conn, req *protocol.Command) remoting.Reply {
		rules := b.acl.rules.Load()
		if rules == nil || nameServerCode(req.RequestCode()) {
			return next(rc, req)
		}
		c := connOf(rc)
		err := rules.Check(acl.Request{Code: req.RequestCode(), Remote: c.RemoteAddr(), ExtFields: req.ExtFields, Body: req.Body})
		if err == nil {
			return next(rc, req)
		}
		d := Denial{
			Time: c.req.at, Conn: c.req.info, Code: req.RequestCode(), Opaque: req.Opaque, Oneway: req.IsOneway(),
			AccessKey: err.AccessKey, Reason: err.Message, Remark: err.Remark(),
		}
		if d.Reason == "" { // Java's exception had no message
			d.Reason = d.Remark
		}
		b.acl.deny(d)
		c.req.denied = d.Remark
		b.log.Info("request denied by ACL", "remote", c.addr, "code", req.RequestCode().String(), "accessKey", d.AccessKey, "reason", d.Reason)
		if req.IsOneway() {
			return remoting.Reply{}
		}
		resp := protocol.NewResponse(req, protocol.SystemError, d.Remark)
		resp.Serialize = protocol.JSON
		return remoting.Reply{Command: resp}
	}
}
