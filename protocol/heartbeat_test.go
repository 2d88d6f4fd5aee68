package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// Spec 3.1 / 1.10 (a): the Go client's producer heartbeat body.
const hbGoProducerBody = `{"clientID":"10.0.0.5@4242","producerDataSet":[{"groupName":"PG"}],"consumerDataSet":[]}`

// Spec 3.1: a Java 5.x producer's heartbeat body.
const hbJava5Body = `{"clientID":"10.0.0.1@123#456","consumerDataSet":[],"heartbeatFingerprint":0,"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"},{"groupName":"PG"}],"withoutSub":false}`

// The same body from a 4.9.8 client: no heartbeatFingerprint, no withoutSub.
const hbJava4Body = `{"clientID":"10.0.0.1@123#456","consumerDataSet":[],"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"},{"groupName":"PG"}]}`

// A Java push consumer (fastjson: sorted properties, codeSet as numbers).
const hbJavaConsumerBody = `{"clientID":"192.168.1.20@31337#8837465123456","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"CG","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[2598919,2598920],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1700000000000,"tagsSet":["TagA","TagB"],"topic":"T"},{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000001,"tagsSet":[],"topic":"%RETRY%CG"}],"unitMode":false}],"heartbeatFingerprint":0,"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}],"withoutSub":false}`

// A Go push consumer (declaration order, codeSet as strings, nanosecond subVersion).
const hbGoConsumerBody = `{"clientID":"10.0.0.5@4242","producerDataSet":[],"consumerDataSet":[{"groupName":"CG","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","subscriptionDataSet":[{"classFilterMode":false,"topic":"T","subString":"TagA || TagB","tagsSet":["TagA","TagB"],"codeSet":["2598919","2598920"],"subVersion":1700000000000000000,"expressionType":"TAG"},{"classFilterMode":false,"topic":"T2","subString":"*","tagsSet":[],"codeSet":{},"subVersion":1,"expressionType":"TAG"}],"unitMode":false}]}`

var hbJavaConsumer = &HeartbeatData{
	ClientID: "192.168.1.20@31337#8837465123456",
	ConsumerDataSet: []ConsumerData{{
		GroupName:        "CG",
		ConsumeType:      ConsumePassively,
		MessageModel:     MessageModelClustering,
		ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
		SubscriptionDataSet: []SubscriptionData{
			{CodeSet: []int32{2598919, 2598920}, ExpressionType: ExpressionTypeTag, SubString: "TagA || TagB",
				SubVersion: 1700000000000, TagsSet: []string{"TagA", "TagB"}, Topic: "T"},
			{ExpressionType: ExpressionTypeTag, SubString: "*", SubVersion: 1700000000001, Topic: "%RETRY%CG"},
		},
	}},
	ProducerDataSet: []ProducerData{{GroupName: "CLIENT_INNER_PRODUCER"}},
}

func TestDecodeHeartbeatData(t *testing.T) {
	java := &HeartbeatData{
		ClientID:        "10.0.0.1@123#456",
		ProducerDataSet: []ProducerData{{"CLIENT_INNER_PRODUCER"}, {"PG"}},
	}
	tests := []struct {
		name string
		body string
		want *HeartbeatData
	}{
		{"go producer", hbGoProducerBody, &HeartbeatData{ClientID: "10.0.0.5@4242", ProducerDataSet: []ProducerData{{"PG"}}}},
		{"java 5.x producer", hbJava5Body, java},
		{"java 4.9.8 producer", hbJava4Body, java},
		{"java consumer", hbJavaConsumerBody, hbJavaConsumer},
		{"go consumer", hbGoConsumerBody, &HeartbeatData{
			ClientID: "10.0.0.5@4242",
			ConsumerDataSet: []ConsumerData{{
				GroupName: "CG", ConsumeType: ConsumePassively, MessageModel: MessageModelClustering,
				ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
				SubscriptionDataSet: []SubscriptionData{
					{CodeSet: []int32{2598919, 2598920}, ExpressionType: "TAG", SubString: "TagA || TagB",
						SubVersion: 1700000000000000000, TagsSet: []string{"TagA", "TagB"}, Topic: "T"},
					{ExpressionType: "TAG", SubString: "*", SubVersion: 1, Topic: "T2"},
				},
			}},
		}},
		{"v2 heartbeat without sub", `{"clientID":"c","consumerDataSet":[{"groupName":"CG","subscriptionDataSet":[]}],"heartbeatFingerprint":-123456,"producerDataSet":[],"withoutSub":true}`,
			&HeartbeatData{ClientID: "c", ConsumerDataSet: []ConsumerData{{GroupName: "CG"}}, HeartbeatFingerprint: -123456, WithoutSub: true}},
		{"unknown keys and nulls", `{"clientID":"c","future":{"x":[1,{2:3}]},"producerDataSet":null,"consumerDataSet":[{"groupName":"G","subscriptionDataSet":[{"topic":"T","codeSet":null,"tagsSet":null}]}]}`,
			// No expressionType: Java's initial value, TAG.
			&HeartbeatData{ClientID: "c", ConsumerDataSet: []ConsumerData{{GroupName: "G", SubscriptionDataSet: []SubscriptionData{{Topic: "T", ExpressionType: ExpressionTypeTag}}}}}},
		{"no clientID", `{}`, &HeartbeatData{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeHeartbeatData([]byte(tc.body))
			assert.NilError(t, err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeHeartbeatDataErrors(t *testing.T) {
	tests := []struct {
		name, body, err string
	}{
		{"empty", "", "HeartbeatData: empty body, want a JSON object"},
		{"null", "null", "HeartbeatData: body is JSON null, want a JSON object"},
		{"not json", "hello", "HeartbeatData: invalid character 'h' looking for beginning of value"},
		{"bad code", `{"consumerDataSet":[{"subscriptionDataSet":[{"codeSet":["x1"]}]}]}`, `HeartbeatData: want a 32-bit integer, got "x1"`},
		{"fingerprint overflow", `{"heartbeatFingerprint":4294967296}`, "HeartbeatData: json: cannot unmarshal number 4294967296 into Go struct field heartbeatWire.heartbeatFingerprint of type int32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeHeartbeatData([]byte(tc.body))
			assert.Error(t, err, tc.err)
		})
	}
}

func TestHeartbeatDataMarshal(t *testing.T) {
	java := &HeartbeatData{
		ClientID:        "10.0.0.1@123#456",
		ProducerDataSet: []ProducerData{{"CLIENT_INNER_PRODUCER"}, {"PG"}},
	}
	assert.Equal(t, string(java.Marshal()), hbJava5Body)
	assert.Equal(t, string(java.MarshalAs(Release498)), hbJava4Body)
	assert.Equal(t, string(hbJavaConsumer.Marshal()), hbJavaConsumerBody)

	// Round trips.
	for _, body := range []string{hbJava5Body, hbJavaConsumerBody} {
		h, err := DecodeHeartbeatData([]byte(body))
		assert.NilError(t, err)
		assert.Equal(t, string(h.Marshal()), body)
	}
	// Nil sets are still arrays.
	assert.Equal(t, string((&HeartbeatData{ClientID: "c"}).MarshalAs(Release498)), `{"clientID":"c","consumerDataSet":[],"producerDataSet":[]}`)
	assert.DeepEqual(t, java.ProducerGroups(), []string{"CLIENT_INNER_PRODUCER", "PG"})
}

func BenchmarkDecodeHeartbeatData(b *testing.B) {
	body := []byte(hbJavaConsumerBody)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeHeartbeatData(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeHeartbeatDataGoProducer(b *testing.B) {
	body := []byte(hbGoProducerBody)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeHeartbeatData(body); err != nil {
			b.Fatal(err)
		}
	}
}
