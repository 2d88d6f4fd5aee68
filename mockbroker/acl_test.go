package mockbroker

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"

	"github.com/rocketmock/rocketmock/protocol"
)

// signCmd signs cmd as AclClientRPCHook does, written out here apart from
// the broker's code: AccessKey added, values by key (ASCII keys: byte
// order is Java's), body appended, HmacSHA1 with the secret, Base64.
func signCmd(cmd *protocol.Command, accessKey, secretKey string) *protocol.Command {
	if cmd.ExtFields == nil {
		cmd.ExtFields = map[string]string{}
	}
	cmd.ExtFields["AccessKey"] = accessKey
	keys := make([]string, 0, len(cmd.ExtFields))
	for k := range cmd.ExtFields {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(secretKey))
	for _, k := range keys {
		mac.Write([]byte(cmd.ExtFields[k]))
	}
	mac.Write(cmd.Body)
	cmd.ExtFields["Signature"] = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return cmd
}

// testACL is one account that may publish to topicB only.
func testACL() *ACLConfig {
	return &ACLConfig{Accounts: []ACLAccount{{
		AccessKey: "RocketMQ", SecretKey: "12345678", DefaultTopicPerm: "DENY", DefaultGroupPerm: "SUB",
		TopicPerms: []string{"topicB=PUB|SUB", "topicC=SUB"},
	}}}
}

const (
	remarkBadSignature = "org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=RocketMQ, " +
		"org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)"
	remarkTopicC = "org.apache.rocketmq.acl.common.AclException: No default permission for topic:topicC, " +
		"org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:611)"
	remarkNoKey = "org.apache.rocketmq.acl.common.AclException: No accessKey is configured, " +
		"org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:664)"
)

func TestACLOffIgnoresSignatures(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	resp := c.call(signCmd(sendCmd("PG", "topicA", 0, "", []byte("x")), "RocketMQ", "not-the-secret"))
	assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
	resp = c.call(sendCmd("PG", "topicA", 0, "", []byte("y")))
	assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
	assert.Assert(t, b.ACL() == nil)
	assert.Assert(t, is.Len(b.Denials(), 0))
	for _, e := range b.Journal() {
		assert.Equal(t, e.Denied, "", e.String())
	}
}

func TestACLSend(t *testing.T) {
	b := Start(t, WithACL(testACL()))
	c := dial(t, b.Addr())

	ok := c.call(signCmd(sendCmd("PG", "topicB", 0, "", []byte("hello")), "RocketMQ", "12345678"))
	assert.Equal(t, ok.ResponseCode(), protocol.Success, ok.Remark)

	wrong := signCmd(sendCmd("PG", "topicB", 0, "", []byte("hello")), "RocketMQ", "12345679")
	wrong.Serialize = protocol.RocketMQ
	resp := c.call(wrong)
	assert.Equal(t, resp.ResponseCode(), protocol.SystemError)
	assert.Equal(t, resp.Remark, remarkBadSignature)
	assert.Equal(t, resp.Serialize, protocol.JSON, "the broker answers exceptions in its default serialize type")
	assert.Assert(t, resp.ExtFields == nil && resp.Body == nil)

	tampered := signCmd(sendCmd("PG", "topicB", 0, "", []byte("hello")), "RocketMQ", "12345678")
	tampered.Body = []byte("hellO")
	assert.Equal(t, c.call(tampered).Remark, remarkBadSignature)

	denied := c.call(signCmd(sendCmd("PG", "topicC", 0, "", []byte("x")), "RocketMQ", "12345678"))
	assert.Equal(t, denied.ResponseCode(), protocol.SystemError)
	assert.Equal(t, denied.Remark, remarkTopicC)

	unsigned := c.call(sendCmd("PG", "topicB", 0, "", []byte("x")))
	assert.Equal(t, unsigned.Remark, remarkNoKey)

	assert.Equal(t, len(b.Messages("topicB")), 1, "only the signed send is stored")
	assert.Equal(t, len(b.Messages("topicC")), 0)

	want := []Denial{
		{Code: protocol.SendMessage, Opaque: 2, AccessKey: "RocketMQ", Reason: "Check signature failed for accessKey=RocketMQ", Remark: remarkBadSignature},
		{Code: protocol.SendMessage, Opaque: 3, AccessKey: "RocketMQ", Reason: "Check signature failed for accessKey=RocketMQ", Remark: remarkBadSignature},
		{Code: protocol.SendMessage, Opaque: 4, AccessKey: "RocketMQ", Reason: "No default permission for topic:topicC", Remark: remarkTopicC},
		{Code: protocol.SendMessage, Opaque: 5, Reason: "No accessKey is configured", Remark: remarkNoKey},
	}
	if diff := cmp.Diff(want, b.Denials(), cmpopts.IgnoreFields(Denial{}, "Time", "Conn")); diff != "" {
		t.Errorf("Denials (-want +got):\n%s", diff)
	}
	var deniedInJournal []string
	for _, e := range b.Journal() {
		if e.Denied != "" {
			assert.Equal(t, e.Remark, e.Denied, e.String())
			deniedInJournal = append(deniedInJournal, e.Denied)
		}
	}
	assert.DeepEqual(t, deniedInJournal, []string{remarkBadSignature, remarkBadSignature, remarkTopicC, remarkNoKey})
	b.ClearDenials()
	assert.Assert(t, is.Len(b.Denials(), 0))
}

func TestACLOnewayDenialIsJournaled(t *testing.T) {
	b := Start(t, WithACL(testACL()))
	c := dial(t, b.Addr())
	ow := sendCmd("PG", "topicB", 0, "", []byte("x"))
	ow.Flag |= protocol.FlagOneway
	c.send(ow)
	// The next reply on the connection is the next request's: nothing
	// was written for the oneway one.
	resp := c.call(signCmd(sendCmd("PG", "topicB", 0, "", []byte("y")), "RocketMQ", "12345678"))
	assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)
	ds := b.Denials()
	assert.Assert(t, is.Len(ds, 1))
	assert.Assert(t, ds[0].Oneway)
	assert.Equal(t, ds[0].Reason, "No accessKey is configured")
	j := b.Journal()
	assert.Equal(t, j[0].Outcome, OutcomeNoReply)
	assert.Equal(t, j[0].Denied, remarkNoKey)
	assert.Assert(t, strings.Contains(j[0].String(), "denied"), j[0].String())
}

func TestACLLeavesNameServerCodesAndDeniesUnknownCodes(t *testing.T) {
	b := Start(t, WithACL(testACL()), WithStrict())
	c := dial(t, b.Addr())
	route := c.call(protocol.NewRequest(protocol.GetRouteInfoByTopic, map[string]string{"topic": "topicB"}, nil))
	assert.Equal(t, route.ResponseCode(), protocol.Success, route.Remark)
	assert.Equal(t, c.call(clusterInfoCmd()).ResponseCode(), protocol.Success)
	// A code the mock does not serve is checked like any broker code (the
	// broker's default processor is behind the hook too), and not kept as
	// unhandled: strict mode does not fail the test for it.
	unknown := c.call(protocol.NewRequest(protocol.RequestCode(9999), nil, nil))
	assert.Equal(t, unknown.Remark, remarkNoKey)
	assert.Assert(t, is.Len(b.Unhandled(), 0))
}

func TestACLAfterInterceptions(t *testing.T) {
	b := Start(t, WithACL(testACL()))
	c := dial(t, b.Addr())
	in := b.Intercept(protocol.SendMessage, FaultCode(protocol.SystemBusy, "busy"), Once())
	resp := c.call(sendCmd("PG", "topicB", 0, "", []byte("x")))
	assert.Equal(t, resp.ResponseCode(), protocol.SystemBusy, "the interception decides before the ACL")
	assert.Assert(t, is.Len(b.Denials(), 0))
	<-in.Done()

	b.Intercept(protocol.SendMessage, FaultDelay(150*time.Millisecond), Once())
	start := time.Now()
	resp = c.call(sendCmd("PG", "topicB", 0, "", []byte("x")))
	assert.Equal(t, resp.Remark, remarkNoKey)
	assert.Assert(t, time.Since(start) >= 150*time.Millisecond, "a delayed Pass delays the denial too")
	j := b.Journal()
	last := j[len(j)-1]
	assert.Assert(t, last.Intercepted && last.Delay == 150*time.Millisecond && last.Denied == remarkNoKey, last.String())
}

func TestACLWhitelist(t *testing.T) {
	b := Start(t, WithACL(&ACLConfig{GlobalWhiteRemoteAddresses: []string{"127.0.0.*"}}))
	c := dial(t, b.Addr())
	resp := c.call(sendCmd("PG", "anyTopic", 0, "", []byte("x")))
	assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)

	acc := testACL()
	acc.Accounts[0].WhiteRemoteAddress = "127.0.0.1"
	assert.NilError(t, b.SetACL(acc))
	resp = c.call(signCmd(sendCmd("PG", "topicC", 0, "", []byte("x")), "RocketMQ", "wrong-secret"))
	assert.Equal(t, resp.ResponseCode(), protocol.Success, "an account's whitelisted address needs neither signature nor permission")
}

func TestSetACLAtRunTime(t *testing.T) {
	b := Start(t)
	c := dial(t, b.Addr())
	assert.NilError(t, b.SetACL(testACL()))
	assert.DeepEqual(t, b.ACL(), testACL())
	assert.Equal(t, c.call(sendCmd("PG", "topicB", 0, "", nil)).Remark, remarkNoKey)

	err := b.SetACL(&ACLConfig{Accounts: []ACLAccount{{AccessKey: "short", SecretKey: "12345678"}}})
	assert.ErrorContains(t, err, "The accessKey=short and secretKey=12345678 cannot be null and length should longer than 6")
	assert.Assert(t, errors.Is(err, ErrInvalidACL))
	assert.DeepEqual(t, b.ACL(), testACL()) // unchanged

	next := testACL()
	next.Accounts[0].TopicPerms = []string{"topicC=PUB"}
	assert.NilError(t, b.SetACL(next))
	resp := c.call(signCmd(sendCmd("PG", "topicC", 0, "", []byte("x")), "RocketMQ", "12345678"))
	assert.Equal(t, resp.ResponseCode(), protocol.Success, resp.Remark)

	assert.NilError(t, b.SetACL(nil))
	assert.Assert(t, b.ACL() == nil)
	assert.Equal(t, c.call(sendCmd("PG", "topicA", 0, "", []byte("x"))).ResponseCode(), protocol.Success)
}

func TestWithACLRejectsBadConfig(t *testing.T) {
	_, err := New(WithACL(&ACLConfig{GlobalWhiteRemoteAddresses: []string{"localhost"}}))
	assert.ErrorContains(t, err, "Netaddress examine Exception netaddress is localhost")
	b, err := New(WithACL(nil))
	assert.NilError(t, err)
	defer b.Close()
	assert.DeepEqual(t, b.ACL(), &ACLConfig{})
}

func TestParseACLFile(t *testing.T) {
	cfg, err := ParseACL([]byte("accounts:\n  - accessKey: RocketMQ\n    secretKey: 12345678\n    topicPerms: [topicB=PUB|SUB, topicC=SUB]\n    defaultTopicPerm: DENY\n    defaultGroupPerm: SUB\n"))
	assert.NilError(t, err)
	assert.DeepEqual(t, cfg, testACL())
}

func TestACLDenialsAreBounded(t *testing.T) {
	b := Start(t, WithACL(testACL()), WithJournalLimit(10))
	c := dial(t, b.Addr())
	var opaques []int32
	for range DefaultDenialLimit + 4 {
		ow := sendCmd("PG", "topicB", 0, "", nil)
		ow.Flag |= protocol.FlagOneway
		opaques = append(opaques, c.send(ow))
	}
	assert.Equal(t, c.call(sendCmd("PG", "topicB", 0, "", nil)).Remark, remarkNoKey)
	ds := b.Denials()
	assert.Equal(t, len(ds), DefaultDenialLimit)
	assert.Equal(t, b.DenialsDropped(), int64(5))
	assert.Assert(t, !ds[len(ds)-1].Oneway && ds[len(ds)-2].Oneway)
	for i, d := range ds[:len(ds)-1] { // the newest, oldest first
		assert.Equal(t, d.Opaque, opaques[5+i], "denial %d", i)
	}
}
