package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/protocol"
)

const stockACL = `globalWhiteRemoteAddresses:
  - 10.10.103.*
accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    defaultTopicPerm: DENY
    topicPerms:
      - topicB=PUB|SUB
`

func TestServeACL(t *testing.T) {
	file := writeFile(t, "plain_acl.yml", stockACL)
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--acl", file)
	got := httpGet(t, "http://"+r.control+"/v1/acl", "")
	assert.Equal(t, got, `{"enabled":true,"globalWhiteRemoteAddresses":["10.10.103.*"],"accounts":[{"accessKey":"RocketMQ","secretKey":"12345678","admin":false,"defaultTopicPerm":"DENY","topicPerms":["topicB=PUB|SUB"]}]}`)

	conn, err := net.DialTimeout("tcp", r.addr, 2*time.Second)
	assert.NilError(t, err)
	defer conn.Close()
	req := protocol.NewRequest(protocol.SendMessage, map[string]string{"topic": "topicB", "producerGroup": "PG"}, []byte("x"))
	frame, err := req.Encode()
	assert.NilError(t, err)
	_, err = conn.Write(frame)
	assert.NilError(t, err)
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := protocol.ReadFrame(conn, 0)
	assert.NilError(t, err)
	assert.Equal(t, resp.ResponseCode(), protocol.SystemError)
	assert.Equal(t, resp.Remark, "org.apache.rocketmq.acl.common.AclException: No accessKey is configured, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:664)")
}

func TestServeACLFromEnv(t *testing.T) {
	t.Setenv("ROCKETMOCK_ACL", writeFile(t, "plain_acl.yml", stockACL))
	r := startServe(t, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0")
	got := httpGet(t, "http://"+r.control+"/v1/acl", "")
	assert.Assert(t, strings.HasPrefix(got, `{"enabled":true,`), got)
}

func TestServeRefusesBadACL(t *testing.T) {
	tests := []struct {
		file, content, want string
	}{
		{"", "", "--acl: reading the ACL file: open "},
		{"bad.yml", "accounts: [", "bad.yml: plain_acl.yml: yaml: line 1: did not find expected node content"},
		{"short.yml", "accounts:\n  - accessKey: abc\n    secretKey: 12345678\n", "short.yml: mockbroker: invalid ACL configuration: accounts[0]: The accessKey=abc and secretKey=12345678 cannot be null and length should longer than 6"},
		{"addr.yml", "globalWhiteRemoteAddresses: [10.0.0.256]\n", "invalid ACL configuration: globalWhiteRemoteAddresses: Netaddress examine Exception netaddress is 10.0.0.256"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.yml")
			if tt.file != "" {
				path = writeFile(t, tt.file, tt.content)
			}
			var out, errb syncBuf
			code := run([]string{"serve", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--acl", path}, &out, &errb, nil)
			assert.Equal(t, code, 2, errb.String())
			assert.Assert(t, strings.Contains(errb.String(), tt.want), errb.String())
			assert.Equal(t, out.String(), "", "nothing half-started")
		})
	}
}
