package acl

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rocketmock/rocketmock/protocol"
)

// Extension fields of a signed request (SessionCredentials, MixAll).
const (
	AccessKeyField     = "AccessKey"
	SignatureField     = "Signature"
	SecurityTokenField = "SecurityToken"
	UniqueKeyQuery     = "_UNIQUE_KEY_QUERY"
)

// Request is what the check needs of a request.
type Request struct {
	Code      protocol.RequestCode
	Remote    string            // the client's "ip:port"
	ExtFields map[string]string // nil when the header had none
	Body      []byte
}

// Where an AclException is made, as the first frame of its stack trace
// (RocketMQ 4.9.8 sources): the reply's remark ends with it.
const (
	wherePermission = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:%d)"
	whereValidate   = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:%d)"
	whereParse      = "org.apache.rocketmq.acl.plain.PlainAccessValidator.parse(PlainAccessValidator.java:134)"
)

// Error is a denial: the AclException the broker would throw.
type Error struct {
	// Message is the exception's message, e.g. "No acl config for
	// rocketmq3"; empty for a parse failure without one (Java's null).
	Message   string
	Where     string // the stack frame the remark names
	AccessKey string // the request's AccessKey, "" if none
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Remark is what the broker answers: RemotingHelper.exceptionSimpleDesc,
// the exception's toString and its first stack frame.
func (e *Error) Remark() string {
	s := "org.apache.rocketmq.acl.common.AclException"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s + ", " + e.Where
}

func denied(key, where string, line int, format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...), Where: fmt.Sprintf(where, line), AccessKey: key}
}

// Request codes that PlainAccessValidator.parse and Permission look at
// and that protocol does not name.
const (
	codeUpdateBrokerConfig               protocol.RequestCode = 25
	codeUpdateAndCreateSubscriptionGroup protocol.RequestCode = 200
	codeDeleteSubscriptionGroup          protocol.RequestCode = 207
	codeDeleteTopicInBroker              protocol.RequestCode = 215
)

// needsAdmin is Permission.ADMIN_CODE.
func needsAdmin(code protocol.RequestCode) bool {
	switch code {
	case protocol.UpdateAndCreateTopic, codeUpdateBrokerConfig, codeDeleteTopicInBroker,
		codeUpdateAndCreateSubscriptionGroup, codeDeleteSubscriptionGroup:
		return true
	}
	return false
}

// traceTopic is TopicValidator.RMQ_SYS_TRACE_TOPIC: publishing to it
// skips the permission check.
const traceTopic = "RMQ_SYS_TRACE_TOPIC"

// Check is PlainAccessValidator.validate(parse(request)): nil accepts the
// request, an *Error denies it.
func (r *Rules) Check(req Request) *Error {
	ext := req.ExtFields
	key := ext[AccessKeyField]
	var res resources
	if ext != nil {
		var err *Error
		if res, err = parseResources(req); err != nil {
			err.AccessKey = key
			return err
		}
	}
	host := RemoteHost(req.Remote)
	for _, m := range r.global {
		if m.match(host) {
			return nil
		}
	}
	if _, ok := ext[AccessKeyField]; !ok {
		return denied("", whereValidate, 664, "No accessKey is configured")
	}
	acc := r.accounts[key]
	if acc == nil {
		return denied(key, whereValidate, 668, "No acl config for %s", key)
	}
	if acc.white.match(host) {
		return nil
	}
	sig, ok := ext[SignatureField]
	if !ok || Signature(ext, req.Body, acc.secretKey) != sig {
		return denied(key, whereValidate, 684, "Check signature failed for accessKey=%s", key)
	}
	if p, ok := res.get(traceTopic); ok && p == Pub {
		return nil
	}
	return acc.checkPerm(req.Code, res, key)
}

// checkPerm is PlainPermissionManager.checkPerm.
func (acc *account) checkPerm(code protocol.RequestCode, need resources, key string) *Error {
	if needsAdmin(code) && !acc.admin {
		return denied(key, wherePermission, 581, "Need admin permission for request code=%d, but accessKey=%s is not", int32(code), acc.accessKey)
	}
	if need.names == nil {
		return nil
	}
	if acc.perms == nil && acc.admin {
		return nil
	}
	for _, name := range need.javaOrder() {
		needed := need.perm[name]
		group := isRetryTopic(name)
		owned, ok := acc.perms[name]
		line := 611
		if !ok {
			owned, line = acc.defaultTopic, 606
			if group {
				owned = acc.defaultGroup
			}
		}
		if !CheckPermission(needed, owned) {
			return denied(key, wherePermission, line, "No default permission for %s", printResource(name, group))
		}
	}
	return nil
}

// printResource is PlainAccessResource.printStr.
func printResource(name string, group bool) string {
	if group {
		return "group:" + name[len(RetryPrefix):]
	}
	return "topic:" + name
}

// resources is PlainAccessResource's resourcePermMap: the permission each
// resource needs, in insertion order (names), nil when none was added.
type resources struct {
	names []string
	perm  map[string]byte
}

// add is addResourceAndPerm; a missing resource (Java's null) is skipped.
func (r *resources) add(name string, ok bool, perm byte) {
	if !ok {
		return
	}
	if r.perm == nil {
		r.perm = map[string]byte{}
	}
	if _, seen := r.perm[name]; !seen {
		r.names = append(r.names, name)
	}
	r.perm[name] = perm
}

func (r *resources) get(name string) (byte, bool) {
	p, ok := r.perm[name]
	return p, ok
}

// javaOrder returns the names in the order the broker's HashMap iterates
// them, which decides which denied resource the remark names.
func (r *resources) javaOrder() []string {
	idx := make([]int, len(r.names))
	for i := range idx {
		idx[i] = i
	}
	idx = protocol.JavaHashMapOrder(idx, 0, func(i int) int32 { return protocol.JavaStringHash(r.names[i]) }, cmp.Compare[int])
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = r.names[j]
	}
	return out
}

// parseResources is the switch of PlainAccessValidator.parse.
func parseResources(req Request) (resources, *Error) {
	var res resources
	ext := req.ExtFields
	get := func(k string) (string, bool) { v, ok := ext[k]; return v, ok }
	retry := func(k string) (string, bool) { v, ok := ext[k]; return RetryPrefix + v, ok }
	switch req.Code {
	case protocol.SendMessage, protocol.SendMessageV2:
		topicKey, groupKey := "topic", "group"
		if req.Code == protocol.SendMessageV2 {
			topicKey, groupKey = "b", "a"
		}
		if t, ok := get(topicKey); ok && isRetryTopic(t) {
			g, ok := retry(groupKey)
			res.add(g, ok, Sub)
		} else {
			res.add(t, ok, Pub)
		}
	case protocol.ConsumerSendMsgBack:
		g, ok := retry("group")
		res.add(g, ok, Sub)
	case protocol.PullMessage:
		t, ok := get("topic")
		res.add(t, ok, Sub)
		g, ok := retry("consumerGroup")
		res.add(g, ok, Sub)
	case protocol.QueryMessage:
		t, ok := get("topic")
		res.add(t, ok, Sub)
	case protocol.HeartBeat:
		if len(req.Body) == 0 { // Java's body is null: a NullPointerException
			return res, &Error{Where: whereParse}
		}
		hb, err := protocol.DecodeHeartbeatData(req.Body)
		if err != nil {
			return res, &Error{Message: err.Error(), Where: whereParse}
		}
		for _, c := range hb.ConsumerDataSet {
			res.add(RetryPrefix+c.GroupName, true, Sub)
			for _, s := range c.SubscriptionDataSet {
				res.add(s.Topic, true, Sub)
			}
		}
	case protocol.UnregisterClient:
		if err := customHeader(ext, field{"clientID", ""}, field{"producerGroup", "?"}, field{"consumerGroup", "?"}); err != nil {
			return res, err
		}
		g, ok := retry("consumerGroup")
		res.add(g, ok, Sub)
	case protocol.GetConsumerListByGroup:
		if err := customHeader(ext, field{"consumerGroup", ""}); err != nil {
			return res, err
		}
		g, ok := retry("consumerGroup")
		res.add(g, ok, Sub)
	case protocol.UpdateConsumerOffset:
		if err := customHeader(ext, field{"consumerGroup", ""}, field{"topic", ""}, field{"queueId", "int"}, field{"commitOffset", "long"}); err != nil {
			return res, err
		}
		g, ok := retry("consumerGroup")
		res.add(g, ok, Sub)
		t, ok := get("topic")
		res.add(t, ok, Sub)
	}
	return res, nil
}

// field is one field of a custom header: its name and kind ("" a
// required String, "?" a nullable String, "int" and "long" required
// numbers).
type field struct{ name, kind string }

// customHeader is RemotingCommand.decodeCommandCustomHeader's checks, in
// the header class's field order, with its exception messages.
func customHeader(ext map[string]string, fields ...field) *Error {
	for _, f := range fields {
		v, ok := ext[f.name]
		if !ok {
			if f.kind == "?" {
				continue
			}
			return &Error{Message: "the custom field <" + f.name + "> is null", Where: whereParse}
		}
		var bits int
		switch f.kind {
		case "int":
			bits = 32
		case "long":
			bits = 64
		default:
			continue
		}
		if _, err := strconv.ParseInt(v, 10, bits); err != nil {
			return &Error{Message: fmt.Sprintf("For input string: %q", v), Where: whereParse}
		}
	}
	return nil
}

// Signature is the signature the broker expects: HmacSHA1 with the secret
// key over the values of ext (all but Signature and _UNIQUE_KEY_QUERY)
// sorted by key in Java String order, UTF-8, then the body; Base64.
func Signature(ext map[string]string, body []byte, secretKey string) string {
	mac := hmac.New(sha1.New, []byte(javaUTF8(secretKey)))
	mac.Write(Content(ext, body))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Content is the signed content (AclUtils.combineRequestContent over the
// TreeMap PlainAccessValidator.parse builds).
func Content(ext map[string]string, body []byte) []byte {
	keys := make([]string, 0, len(ext))
	for k := range ext {
		if k != SignatureField && k != UniqueKeyQuery {
			keys = append(keys, k)
		}
	}
	sortJava(keys)
	var out []byte
	for _, k := range keys {
		out = append(out, javaUTF8(ext[k])...)
	}
	return append(out, body...)
}

// sortJava sorts by String.compareTo: UTF-16 code units, where a
// character beyond U+FFFF (a surrogate pair) sorts before U+E000..U+FFFF,
// unlike Go's byte order.
func sortJava(keys []string) { slices.SortFunc(keys, CompareJava) }

// CompareJava is Java's String.compareTo over the UTF-16 code units of a
// and b (invalid UTF-8 counts as U+FFFD, as Java decodes it), without
// allocating: UTF-8 order is code point order, which differs from UTF-16
// order only between a surrogate pair and U+E000..U+FFFF.
func CompareJava(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			if ua, ub := firstUnit(ra), firstUnit(rb); ua != ub {
				return cmp.Compare(ua, ub)
			}
			return cmp.Compare(ra, rb) // same high surrogate: the low ones decide
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b)) // a prefix sorts first
}

// firstUnit is the first UTF-16 code unit of r.
func firstUnit(r rune) rune {
	if r < 0x10000 {
		return r
	}
	hi, _ := utf16.EncodeRune(r)
	return hi
}

// javaUTF8 is s as Java's getBytes(UTF_8) writes the String the broker
// decoded from s: each invalid byte became U+FFFD.
func javaUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}
