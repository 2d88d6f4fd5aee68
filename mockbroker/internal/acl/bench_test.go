package acl

import (
	"testing"

	"github.com/rocketmock/rocketmock/protocol"
)

// BenchmarkCheck: a signed SEND_MESSAGE_V2 as ali-ons sends it, accepted.
func BenchmarkCheck(b *testing.B) {
	r, err := Compile(&Config{Accounts: []Account{{AccessKey: "RocketMQ", SecretKey: "12345678", DefaultTopicPerm: "PUB"}}})
	if err != nil {
		b.Fatal(err)
	}
	ext := signed(map[string]string{
		"OnsChannel": "ALIYUN", "a": "PG", "b": "TopicACL", "c": "TBW102", "d": "4", "e": "3", "f": "0",
		"g": "1795986047904", "h": "0", "i": "TAGS\x01interop\x02", "j": "0", "k": "false",
	}, "hello from ali-ons #0", "RocketMQ", "12345678")
	req := Request{Code: protocol.SendMessageV2, Remote: "127.0.0.1:5555", ExtFields: ext, Body: []byte("hello from ali-ons #0")}
	b.ReportAllocs()
	for b.Loop() {
		if e := r.Check(req); e != nil {
			b.Fatal(e.Remark())
		}
	}
}
