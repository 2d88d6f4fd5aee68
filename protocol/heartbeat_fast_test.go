package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// heartbeatFastSeeds are bodies the fast path takes, and near misses it
// must leave to the general decoder.
var heartbeatFastSeeds = []string{
	hbGoProducerBody, hbJava5Body, hbJava4Body, hbJavaConsumerBody,
	`{}`, ` { } `, `{"clientID":""}`, `{"producerDataSet":[{}]}`, `{"producerDataSet":[]}`,
	`{"clientID":"a","clientID":"b"}`, `{"CLIENTID":"a"}`, `{clientID:"a"}`, `{"clientID":"\u0041"}`,
	`{"clientID":"é"}`, `{"clientID":"a\u0000"}`, `{"heartbeatFingerprint":-2147483648}`,
	`{"heartbeatFingerprint":2147483648}`, `{"heartbeatFingerprint":-0}`, `{"heartbeatFingerprint":01}`,
	`{"heartbeatFingerprint":1.0}`, `{"heartbeatFingerprint":1e3}`, `{"withoutSub":true}`, `{"withoutSub":truex}`,
	`{"consumerDataSet":null}`, `{"producerDataSet":[{"groupName":"a","x":1}]}`, `{"producerDataSet":[{"GroupName":"a"}]}`,
	`{"clientID":"a"} x`, `{"clientID":"a",}`, `{"producerDataSet":[{"groupName":"a"},]}`, `null`, ``,
	"{\"clientID\":\"a\"}\n", `{"clientID":"a" , "withoutSub" : false }`,
}

// The fast path accepts the usual producer heartbeats and agrees with the
// general decoder on everything it accepts.
func TestHeartbeatFastPath(t *testing.T) {
	for _, body := range []string{hbGoProducerBody, hbJava5Body, hbJava4Body, `{"clientID":"a" , "withoutSub" : false }`} {
		_, ok := decodeHeartbeatFast([]byte(body))
		assert.Assert(t, ok, "fast path refused %s", body)
	}
	for _, body := range []string{hbJavaConsumerBody, `{"clientID":"a","clientID":"b"}`, `{"CLIENTID":"a"}`, `{clientID:"a"}`, `{"clientID":"é"}`} {
		_, ok := decodeHeartbeatFast([]byte(body))
		assert.Assert(t, !ok, "fast path took %s", body)
	}
	for _, body := range heartbeatFastSeeds {
		checkHeartbeatFast(t, []byte(body))
	}
}

func checkHeartbeatFast(t *testing.T, body []byte) {
	fast, ok := decodeHeartbeatFast(body)
	if !ok {
		return
	}
	general, err := decodeHeartbeatGeneral(body)
	if err != nil {
		t.Fatalf("fast path took %q, which the general decoder refuses: %v", body, err)
	}
	if diff := cmp.Diff(general, fast); diff != "" {
		t.Fatalf("fast path of %q differs (-general +fast):\n%s", body, diff)
	}
}

// FuzzHeartbeatFastPath checks that the fast path never disagrees with the
// general decoder.
func FuzzHeartbeatFastPath(f *testing.F) {
	for _, s := range heartbeatFastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkHeartbeatFast(t, body) })
}
