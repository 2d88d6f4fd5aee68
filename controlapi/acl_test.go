package controlapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// signed signs ext and body as AclClientRPCHook does (ASCII keys).
func signed(ext map[string]string, body []byte, ak, sk string) map[string]string {
	ext["AccessKey"] = ak
	keys := make([]string, 0, len(ext))
	for k := range ext {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(sk))
	for _, k := range keys {
		mac.Write([]byte(ext[k]))
	}
	mac.Write(body)
	ext["Signature"] = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return ext
}

func sendV2(topic string) *protocol.Command {
	return protocol.NewRequest(protocol.SendMessageV2, map[string]string{
		"a": "PG", "b": topic, "c": "TBW102", "d": "4", "e": "0", "f": "0", "g": "1700000000000",
		"h": "0", "i": "", "j": "0", "k": "false", "m": "false",
	}, []byte("hi"))
}

func TestACLEndpoints(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	a.expect("GET", "/v1/acl", "", http.StatusOK, `{"enabled":false,"globalWhiteRemoteAddresses":[],"accounts":[]}`)

	a.expect("PUT", "/v1/acl", `{"accounts":[{"accessKey":"RocketMQ","secretKey":"12345678","defaultTopicPerm":"DENY","topicPerms":["topicB=PUB"]}]}`,
		http.StatusOK, `{"enabled":true,"globalWhiteRemoteAddresses":[],"accounts":[{"accessKey":"RocketMQ","secretKey":"12345678","admin":false,"defaultTopicPerm":"DENY","topicPerms":["topicB=PUB"]}]}`)

	ok := testclient.Dial(t, b.Addr()).Call(&protocol.Command{Code: int32(protocol.SendMessageV2), ExtFields: signed(sendV2("topicB").ExtFields, []byte("hi"), "RocketMQ", "12345678"), Body: []byte("hi")})
	assert.Equal(t, ok.ResponseCode(), protocol.Success, ok.Remark)
	denied := testclient.Dial(t, b.Addr()).Call(&protocol.Command{Code: int32(protocol.SendMessageV2), ExtFields: signed(sendV2("topicC").ExtFields, []byte("hi"), "RocketMQ", "12345678"), Body: []byte("hi")})
	const remark = "org.apache.rocketmq.acl.common.AclException: No default permission for topic:topicC, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:606)"
	assert.Equal(t, denied.Remark, remark)

	c := NewClient(a.url, "")
	ctx := context.Background()
	list, err := c.Denials(ctx)
	assert.NilError(t, err)
	assert.Equal(t, len(list.Denials), 1)
	d := list.Denials[0]
	assert.Equal(t, d.CodeName, "SEND_MESSAGE_V2")
	assert.Equal(t, d.Reason, "No default permission for topic:topicC")
	assert.Equal(t, d.Remark, remark)
	assert.Equal(t, d.AccessKey, "RocketMQ")

	j, err := c.Journal(ctx, 0, 0)
	assert.NilError(t, err)
	var denials []string
	for _, e := range j.Entries {
		if e.Denied != "" {
			denials = append(denials, e.Denied)
		}
	}
	assert.DeepEqual(t, denials, []string{remark})

	assert.NilError(t, c.ClearDenials(ctx))
	list, err = c.Denials(ctx)
	assert.NilError(t, err)
	assert.Equal(t, len(list.Denials), 0)

	// YAML, as plain_acl.yml is written.
	status, text := a.doYAML("globalWhiteRemoteAddresses:\n  - 127.0.0.1\n")
	assert.Equal(t, status, http.StatusOK, text)
	assert.Equal(t, text, `{"enabled":true,"globalWhiteRemoteAddresses":["127.0.0.1"],"accounts":[]}`)
	open := testclient.Dial(t, b.Addr()).Call(sendV2("topicC"))
	assert.Equal(t, open.ResponseCode(), protocol.Success, open.Remark)

	assert.NilError(t, c.DisableACL(ctx))
	got, err := c.ACL(ctx)
	assert.NilError(t, err)
	assert.Assert(t, !got.Enabled)
	assert.Assert(t, b.ACL() == nil)
}

func TestACLEndpointRefusesBadConfig(t *testing.T) {
	b := mockbroker.Start(t)
	a := newAPI(t, b)
	a.expect("PUT", "/v1/acl", `{"accounts":[{"accessKey":"short","secretKey":"12345678"}]}`, http.StatusBadRequest,
		`{"error":"invalid ACL configuration: accounts[0]: The accessKey=short and secretKey=12345678 cannot be null and length should longer than 6"}`)
	status, text := a.do("PUT", "/v1/acl", `{"acounts":[]}`)
	assert.Equal(t, status, http.StatusBadRequest, text)
	assert.Assert(t, strings.Contains(text, "acounts"), text)
	status, text = a.doYAML("accounts: [")
	assert.Equal(t, status, http.StatusBadRequest, text)
	assert.Assert(t, b.ACL() == nil)

	c := NewClient(a.url, "")
	_, err := c.SetACL(context.Background(), ACLConfig{GlobalWhiteRemoteAddresses: []string{"1.2.3.300"}})
	assert.Assert(t, errors.Is(err, mockbroker.ErrInvalidACL), "%v", err)
	cfg := ACLConfig{Accounts: []ACLAccount{{AccessKey: "RocketMQ", SecretKey: "12345678", Admin: true}}}
	got, err := c.SetACL(context.Background(), cfg)
	assert.NilError(t, err)
	if diff := cmp.Diff(&ACL{Enabled: true, GlobalWhiteRemoteAddresses: []string{}, Accounts: cfg.Accounts}, got); diff != "" {
		t.Errorf("SetACL (-want +got):\n%s", diff)
	}
}

// doYAML PUTs a plain_acl.yml.
func (a *api) doYAML(body string) (int, string) {
	a.t.Helper()
	req, err := http.NewRequest("PUT", a.url+"/v1/acl", strings.NewReader(body))
	assert.NilError(a.t, err)
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(a.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	assert.NilError(a.t, err)
	return resp.StatusCode, strings.TrimSuffix(string(data), "\n")
}
