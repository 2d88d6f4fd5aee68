package mockbroker

import (
	"fmt"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// A request goes through the broker's pipeline, outermost first:
//
//	stamping      the broker's version and language in every reply
//	journaling    the journal entry of the request and its outcome (journal.go)
//	recovering    a panic closes the connection and is kept (panics.go)
//	intercepting  the interceptions decide first (intercept.go)
//	access        the ACL, when on, denies what a 4.9.x broker would (acl.go)
//	the mux       each cmd_*.go registers its codes; the others get
//	              REQUEST_CODE_NOT_SUPPORTED and are kept (strict.go)

// newHandler builds the mux and the pipeline around it.
func (b *Broker) newHandler() remoting.Handler {
	m := remoting.NewMux()
	b.registerClientCodes(m)
	b.registerAdminCodes(m)
	b.registerConsumerAdminCodes(m)
	b.registerNamesrvCodes(m)
	b.registerTopicCodes(m)
	b.registerBrokerConfigCodes(m)
	b.registerSubGroupCodes(m)
	b.registerSendCodes(m)
	b.registerTransactionCodes(m)
	b.registerConsumerCodes(m)
	b.registerOffsetCodes(m)
	b.registerPullCodes(m)
	b.registerSendBackCodes(m)
	m.Fallback(b.notSupported)
	b.mux = m
	return remoting.Chain(m.Serve, b.stamping, b.journaling, b.recovering, b.intercepting, b.accessControl)
}

// handlerFunc answers one request; a nil reply sends nothing.
type handlerFunc func(c *conn, req *protocol.Command) *protocol.Command

// handle makes a handlerFunc a mux handler.
func handle(h handlerFunc) remoting.Handler {
	return func(rc *remoting.Conn, req *protocol.Command) remoting.Reply {
		return remoting.Reply{Command: h(connOf(rc), req)}
	}
}

// stamping writes the broker's version and the JAVA language into every
// reply, and the broker's extFields table size where the reply has none.
func (b *Broker) stamping(next remoting.Handler) remoting.Handler {
	return func(rc *remoting.Conn, req *protocol.Command) remoting.Reply {
		r := next(rc, req)
		if resp := r.Command; resp != nil {
			b.stamp(resp)
		}
		return r
	}
}

// stamp writes the broker's version, language and extFields table size
// into a reply, or a request the broker sends.
func (b *Broker) stamp(resp *protocol.Command) {
	resp.Version = b.version
	resp.Language = protocol.Java
	if resp.ExtFieldsTable == 0 {
		resp.ExtFieldsTable = b.extTable
	}
}

// surelyFits is a header size bound below which a reply is known to
// encode: even if JSON escaped every byte of its remark and extFields six
// times over (\u00XX), the header stays within the 24-bit header length.
const surelyFits = remoting.MaxHeader/6 - 4096

// encodable makes sure the reply to a request can be written before the
// journal records it: a reply whose header exceeds the 24-bit header
// length (a send reply naming every id of a huge batch) is answered with
// SYSTEM_ERROR and a remark saying so, which the client reads and the
// journal records. Replies surely small enough, nearly all, are left to
// the transport to encode; a large one is encoded here once and handed
// over as bytes.
func (b *Broker) encodable(c *conn, req *protocol.Command, r remoting.Reply) remoting.Reply {
	resp := r.Command
	if resp == nil || req.IsOneway() || r.Raw != nil || headerBound(resp) <= surelyFits {
		return r
	}
	b.stamp(resp)
	frame, err := remoting.EncodeReply(nil, resp)
	if err == nil {
		if !r.Truncate {
			r.Raw = frame
		}
		return r
	}
	b.log.Warn("reply cannot be encoded; answering SYSTEM_ERROR", "remote", c.addr, "code", req.RequestCode().String(), "opaque", req.Opaque, "err", err)
	r.Command = remoting.ReplyNotSent(resp, err)
	return r
}

// headerBound is the size of a reply's remark and extFields, plus room for
// the fixed fields: its header's size before escaping.
func headerBound(resp *protocol.Command) int {
	n := len(resp.Remark) + 256
	for k, v := range resp.ExtFields {
		n += len(k) + len(v) + 16
	}
	return n
}

// journaling journals each request with its outcome, and drops the
// responses clients send: nothing the broker sends expects one
// (CHECK_TRANSACTION_STATE is oneway), and Java drops responses it has no
// pending request for.
func (b *Broker) journaling(next remoting.Handler) remoting.Handler {
	return func(rc *remoting.Conn, req *protocol.Command) remoting.Reply {
		c := connOf(rc)
		start := time.Now()
		at := start // the broker's clock, read once more only when virtual
		if b.sched.virtual {
			at = b.Now()
		}
		info := c.info()
		entry := JournalEntry{Time: at, Conn: info, Opaque: req.Opaque}
		if req.IsResponse() {
			b.log.Debug("dropping unmatched response", "remote", c.addr, "opaque", req.Opaque, "code", req.Code)
			entry.Outcome, entry.Result, entry.Remark = OutcomeIgnored, req.ResponseCode(), req.Remark
			b.record(entry, start)
			return remoting.Reply{}
		}
		entry.Code, entry.Oneway = req.RequestCode(), req.IsOneway()
		c.req = servingNote{info: info, at: at}
		r := b.encodable(c, req, next(rc, req))
		n := &c.req
		entry.Intercepted, entry.Delay, entry.Denied, entry.Messages = n.intercepted, n.delay, n.denied, n.messages
		switch {
		case n.outcome != 0:
			entry.Outcome = n.outcome
		case r.Command == nil || req.IsOneway():
			entry.Outcome = OutcomeNoReply
			if r.Truncate {
				entry.Outcome = OutcomeDisconnected
			}
		default:
			entry.Outcome, entry.Result, entry.Remark = OutcomeReplied, r.Command.ResponseCode(), r.Command.Remark
			if r.Truncate {
				entry.Outcome = OutcomeTruncated
			}
		}
		b.record(entry, start)
		return r
	}
}

// record journals a request's outcome.
func (b *Broker) record(e JournalEntry, start time.Time) {
	e.Duration = time.Since(start)
	b.addJournal(e)
}

// serveHandler runs the handler of a request.
func (b *Broker) serveHandler(h remoting.Handler, rc *remoting.Conn, req *protocol.Command) remoting.Reply {
	r := h(rc, req)
	if resp := r.Command; resp != nil && resp.ResponseCode() == protocol.SystemError {
		b.log.Info("request answered with an error", "remote", rc.RemoteAddr(), "code", req.RequestCode().String(), "err", resp.Remark)
	}
	return r
}

// notSupported answers codes without a handler as the real broker's
// default processor does, and keeps them for Unhandled unless an
// interception took the request.
func (b *Broker) notSupported(rc *remoting.Conn, req *protocol.Command) remoting.Reply {
	c := connOf(rc)
	if !c.req.intercepted {
		b.unhandled.add(req.RequestCode(), c.req.info, c.req.at)
	}
	b.log.Info("request code not supported", "remote", c.addr, "code", req.Code)
	return remoting.NotSupported(rc, req)
}

// errorReply answers a request whose header or body does not decode.
func errorReply(req *protocol.Command, err error) *protocol.Command {
	return protocol.NewResponse(req, protocol.SystemError, err.Error())
}

// emptyHeaderReply answers req with code and remark from an empty
// response header: "extFields":{} on the wire, where a reply without
// header fields has none.
func emptyHeaderReply(req *protocol.Command, code protocol.ResponseCode, remark string) *protocol.Command {
	resp := protocol.NewResponse(req, code, remark)
	resp.ExtFields = map[string]string{}
	return resp
}

// errMissingBody says which request came without the body it needs.
func errMissingBody(request, body string) error {
	return fmt.Errorf("%s: the body (%s) is missing", request, body)
}
