package mockbroker

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// AnyCode makes Intercept match requests of every code.
const AnyCode protocol.RequestCode = -1

// ConnInfo identifies the client connection a request came on.
type ConnInfo struct {
	ID   uint64 // numbers the broker's connections from 1, in accept order
	Addr string // the client's "ip:port"
	// ClientID is the client id of the first heartbeat on the connection,
	// "" before it. The Go client sends its first messages before its first
	// heartbeat, so they come on a connection with no client id yet.
	ClientID string
}

// Request is a request as an interceptor sees it.
type Request struct {
	// Command is the decoded request. An interceptor may change it before
	// passing it on: the handler sees the change.
	Command *protocol.Command
	Conn    ConnInfo
	// Group is the producer or consumer group the header names
	// (producerGroup, the V2 send key a, consumerGroup), "" if none.
	Group string

	groups []string // Groups, computed once
}

// Code returns the request code.
func (r *Request) Code() protocol.RequestCode { return r.Command.RequestCode() }

// Groups returns the groups the request is about: Group if the header names
// one, else, for HEART_BEAT, every producer group of its body.
func (r *Request) Groups() []string {
	if r.groups != nil {
		return r.groups
	}
	r.groups = []string{}
	if r.Group != "" {
		r.groups = append(r.groups, r.Group)
	} else if r.Code() == protocol.HeartBeat && len(r.Command.Body) > 0 {
		if hb, err := protocol.DecodeHeartbeatData(r.Command.Body); err == nil {
			r.groups = hb.ProducerGroups()
		}
	}
	return r.groups
}

// requestGroup returns the group a request header names.
func requestGroup(req *protocol.Command) string {
	ext := req.ExtFields
	if ext == nil {
		return ""
	}
	if g := ext["producerGroup"]; g != "" {
		return g
	}
	if protocol.IsSendV2(req.RequestCode()) {
		if g := ext["a"]; g != "" {
			return g
		}
	}
	if g := ext["consumerGroup"]; g != "" {
		return g
	}
	return ext["group"]
}

// actionKind says what an Action does with a request.
type actionKind uint8

const (
	actPass       actionKind = iota // the normal handler answers
	actRespond                      // a given reply
	actRespondErr                   // a reply with a given code and remark
	actDrop                         // no reply
	actDisconnect                   // close the connection instead of replying
	actTruncate                     // the normal reply, cut short, then close
	actRaw                          // given bytes instead of a reply
)

var actionNames = [...]string{
	actPass: "pass", actRespond: "respond", actRespondErr: "respond-code", actDrop: "drop",
	actDisconnect: "disconnect", actTruncate: "truncate", actRaw: "raw",
}

// Action is what an interceptor does with one request. Make one with Pass,
// Respond, RespondCode, Drop, Disconnect, Truncate or WriteRaw, and modify
// it with After and ThenDisconnect.
type Action struct {
	kind       actionKind
	reply      *protocol.Command
	code       protocol.ResponseCode
	remark     string
	raw        []byte
	cut        int
	delay      time.Duration
	disconnect bool
}

// Pass hands the request to the broker's normal handler. A plain Pass
// (without After or ThenDisconnect) means "not mine": the interception is
// not counted as used and the next matching interception is asked.
func Pass() Action { return Action{kind: actPass} }

// Respond answers with resp instead of the handler's reply. Build a new
// one per request with protocol.NewResponse(req.Command, ...) so that it
// carries the request's opaque; it is written as given, except that the
// broker stamps its version and the JAVA language into it.
func Respond(resp *protocol.Command) Action { return Action{kind: actRespond, reply: resp} }

// RespondCode answers with a reply of the given code and remark, and no
// extFields or body, such as SYSTEM_BUSY or SYSTEM_ERROR.
func RespondCode(code protocol.ResponseCode, remark string) Action {
	return Action{kind: actRespondErr, code: code, remark: remark}
}

// Drop answers nothing: the client waits for a reply that never comes.
// The request is not handled.
func Drop() Action { return Action{kind: actDrop} }

// Disconnect closes the connection instead of replying; replies to earlier
// requests are written first. The request is not handled, and requests
// that follow it on the connection are not served.
func Disconnect() Action { return Action{kind: actDisconnect, disconnect: true} }

// Truncate lets the handler answer, writes only the first n bytes of the
// reply frame (n <= 0 or beyond the frame: half of it) and closes the
// connection: the client sees a frame cut short.
func Truncate(n int) Action { return Action{kind: actTruncate, cut: n, disconnect: true} }

// WriteRaw writes frame, any bytes at all, instead of a reply, even to a
// oneway request. The request is not handled.
func WriteRaw(frame []byte) Action { return Action{kind: actRaw, raw: frame} }

// After delays what the action writes by d (real time, also under a
// virtual clock). The handler, if any, runs at once; only its reply waits.
// Replies to later requests on the same connection wait behind it, so the
// client still gets them in request order. Drop().After(d) writes nothing
// but holds the connection's later replies for d.
func (a Action) After(d time.Duration) Action { a.delay = d; return a }

// ThenDisconnect closes the connection after writing what the action
// writes.
func (a Action) ThenDisconnect() Action { a.disconnect = true; return a }

// String describes the action, e.g. "respond-code 2 after 1s".
func (a Action) String() string {
	s := actionNames[a.kind]
	if a.kind == actRespondErr {
		s += fmt.Sprintf(" %d", a.code)
	}
	if a.delay > 0 {
		s += " after " + a.delay.String()
	}
	if a.disconnect && a.kind != actDisconnect && a.kind != actTruncate {
		s += " then disconnect"
	}
	return s
}

// declines reports whether the action is a plain Pass.
func (a Action) declines() bool { return a.kind == actPass && a.delay <= 0 && !a.disconnect }

// InterceptFunc decides what happens to a request. It runs on the event
// loop of the request's connection, before the handler: it must return
// quickly, never block, and be safe for concurrent use (connections on
// different loops call it at the same time). It may call the Broker's
// methods, Intercept and Remove included.
type InterceptFunc func(req *Request) Action

// Ready-made faults, for Intercept.

// FaultCode answers with the given code and remark, e.g.
// FaultCode(protocol.SystemBusy, "[PC_SYNCHRONIZED]broker busy, start flow control for a while").
func FaultCode(code protocol.ResponseCode, remark string) InterceptFunc {
	return func(*Request) Action { return RespondCode(code, remark) }
}

// FaultDelay handles the request normally and writes its reply after d.
func FaultDelay(d time.Duration) InterceptFunc {
	return func(*Request) Action { return Pass().After(d) }
}

// FaultNoReply never answers.
func FaultNoReply() InterceptFunc { return func(*Request) Action { return Drop() } }

// FaultDisconnect closes the connection instead of answering.
func FaultDisconnect() InterceptFunc { return func(*Request) Action { return Disconnect() } }

// FaultTruncatedFrame writes the first half of the normal reply's frame and
// closes the connection.
func FaultTruncatedFrame() InterceptFunc { return func(*Request) Action { return Truncate(0) } }

// InterceptOption narrows or limits an interception.
type InterceptOption func(*Interception)

// ForClient matches only requests on connections whose first heartbeat
// carried this client id (see ConnInfo.ClientID).
func ForClient(clientID string) InterceptOption {
	return func(i *Interception) {
		i.match = append(i.match, func(r *Request) bool { return r.Conn.ClientID == clientID })
	}
}

// ForGroup matches only requests about this group (see Request.Groups).
func ForGroup(group string) InterceptOption {
	return func(i *Interception) {
		i.match = append(i.match, func(r *Request) bool { return slices.Contains(r.Groups(), group) })
	}
}

// Where matches only requests for which pred is true. pred runs like an
// InterceptFunc.
func Where(pred func(*Request) bool) InterceptOption {
	return func(i *Interception) { i.match = append(i.match, pred) }
}

// Times limits the interception to n uses; then it removes itself. A
// request counts as a use unless the function returned a plain Pass. The
// default is no limit: until Remove.
func Times(n int) InterceptOption { return func(i *Interception) { i.left.Store(int64(n)) } }

// Once is Times(1).
func Once() InterceptOption { return Times(1) }

// Interception is one registered interceptor (see Broker.Intercept).
type Interception struct {
	b     *Broker
	code  protocol.RequestCode
	fn    InterceptFunc
	match []func(*Request) bool
	left  atomic.Int64 // uses left; -1 = no limit
	hits  atomic.Int64
	done  chan struct{}
	once  sync.Once
}

// Intercept makes fn decide the fate of every request with this code (or
// of every request, for AnyCode) that matches the options, from now until
// Remove, or for the number of uses Times allows. Interceptions are asked
// in the order they were registered; the first whose function returns
// anything but a plain Pass decides, and the request is then handled as
// its Action says. Interceptions see requests only, never the responses
// clients send.
//
// Sends arrive as SEND_MESSAGE_V2 (310) from the Java client and ali-ons,
// SEND_MESSAGE (10) from rocketmq-client-go, SEND_BATCH_MESSAGE (320) for
// batches: intercept the code the client under test sends.
//
//	b.Intercept(protocol.SendMessageV2, mockbroker.FaultCode(protocol.SystemBusy, "busy"), mockbroker.Once()) // Java, Node
//	b.Intercept(protocol.SendMessage, mockbroker.FaultCode(protocol.SystemBusy, "busy"), mockbroker.Once())   // Go
func (b *Broker) Intercept(code protocol.RequestCode, fn InterceptFunc, opts ...InterceptOption) *Interception {
	i := &Interception{b: b, code: code, fn: fn, done: make(chan struct{})}
	i.left.Store(-1)
	for _, o := range opts {
		o(i)
	}
	if i.left.Load() == 0 {
		i.finish()
		return i
	}
	b.interceptMu.Lock()
	defer b.interceptMu.Unlock()
	list := slices.Clone(b.interceptList())
	list = append(list, i)
	b.intercepts.Store(&list)
	return i
}

// Remove stops the interception; requests already decided keep their
// action. It is safe to call more than once.
func (i *Interception) Remove() {
	i.b.interceptMu.Lock()
	list := slices.DeleteFunc(slices.Clone(i.b.interceptList()), func(x *Interception) bool { return x == i })
	i.b.intercepts.Store(&list)
	i.b.interceptMu.Unlock()
	i.finish()
}

// Hits returns how many requests the interception has decided.
func (i *Interception) Hits() int { return int(i.hits.Load()) }

// Done is closed when the interception has been used up or removed.
func (i *Interception) Done() <-chan struct{} { return i.done }

func (i *Interception) finish() { i.once.Do(func() { close(i.done) }) }

// take claims one use; false when none is left.
func (i *Interception) take() bool {
	for {
		select {
		case <-i.done: // removed while the request was being decided
			return false
		default:
		}
		n := i.left.Load()
		if n == 0 {
			return false
		}
		if n < 0 {
			i.hits.Add(1)
			return true
		}
		if i.left.CompareAndSwap(n, n-1) {
			i.hits.Add(1)
			if n == 1 {
				i.Remove()
			}
			return true
		}
	}
}

// ClearInterceptions removes every interception.
func (b *Broker) ClearInterceptions() {
	b.interceptMu.Lock()
	old := b.interceptList()
	b.intercepts.Store(nil)
	b.interceptMu.Unlock()
	for _, i := range old {
		i.finish()
	}
}

func (b *Broker) interceptList() []*Interception {
	if p := b.intercepts.Load(); p != nil {
		return *p
	}
	return nil
}

// intercept asks the interceptions about a request and returns the
// deciding action, or a plain Pass and nil.
func (b *Broker) intercept(r *Request) (Action, *Interception) {
	code := r.Code()
	for _, i := range b.interceptList() {
		if i.code != AnyCode && i.code != code {
			continue
		}
		if !i.matches(r) {
			continue
		}
		act := i.fn(r)
		if act.declines() || !i.take() {
			continue
		}
		return act, i
	}
	return Pass(), nil
}

func (i *Interception) matches(r *Request) bool {
	for _, m := range i.match {
		if !m(r) {
			return false
		}
	}
	return true
}

// intercepting is the pipeline's interception step: the first deciding
// interception's Action becomes the reply; a Pass (delayed or not) or a
// Truncate lets the handler answer.
func (b *Broker) intercepting(next remoting.Handler) remoting.Handler {
	return func(rc *remoting.Conn, req *protocol.Command) remoting.Reply {
		if len(b.interceptList()) == 0 {
			return b.serveHandler(next, rc, req)
		}
		c := connOf(rc)
		ir := &Request{Command: req, Conn: c.req.info, Group: requestGroup(req)}
		act, by := b.intercept(ir)
		if by != nil {
			c.req.intercepted, c.req.delay = true, act.delay
			b.faultFired(ir, act)
		}
		var r remoting.Reply
		switch act.kind {
		case actPass:
			r = b.serveHandler(next, rc, req)
		case actTruncate:
			r = b.serveHandler(next, rc, req)
			r.Truncate, r.TruncateAt = true, act.cut
		case actRespond:
			r.Command = act.reply
		case actRespondErr:
			r.Command = protocol.NewResponse(req, act.code, act.remark)
		case actDrop:
			c.req.outcome = OutcomeDropped
		case actDisconnect:
			c.req.outcome = OutcomeDisconnected
		case actRaw:
			c.req.outcome = OutcomeRaw
			r.Raw = act.raw
		}
		r.Delay = act.delay
		r.Close = r.Close || act.disconnect
		return r
	}
}
