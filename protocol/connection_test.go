package protocol

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

func TestProducerConnectionMarshal(t *testing.T) {
	tests := []struct {
		name string
		pc   ProducerConnection
		want string
	}{
		{
			name: "spec 5.1",
			pc:   ProducerConnection{ConnectionSet: []Connection{{ClientAddr: "127.0.0.1:54321", ClientID: "10.0.0.1@123#456", Language: Java, Version: 479}}},
			want: `{"connectionSet":[{"clientAddr":"127.0.0.1:54321","clientId":"10.0.0.1@123#456","language":"JAVA","version":479}]}`,
		},
		{
			name: "empty",
			pc:   ProducerConnection{},
			want: `{"connectionSet":[]}`,
		},
		{
			name: "go client and unknown language",
			pc: ProducerConnection{ConnectionSet: []Connection{
				{ClientAddr: "127.0.0.1:54321", ClientID: "10.0.0.5@4242", Language: Go, Version: 317},
				{ClientAddr: "[0:0:0:0:0:0:0:1]:50432", ClientID: "x", Language: LanguageUnknown, Version: 409},
				{ClientAddr: "10.1.1.1:1", ClientID: "y", Language: LanguageCode(99), Version: 700},
			}},
			want: `{"connectionSet":[{"clientAddr":"127.0.0.1:54321","clientId":"10.0.0.5@4242","language":"GO","version":317},` +
				`{"clientAddr":"[0:0:0:0:0:0:0:1]:50432","clientId":"x","version":409},{"clientAddr":"10.1.1.1:1","clientId":"y","version":700}]}`,
		},
		{
			name: "non-ascii and quotes stay raw utf-8",
			pc:   ProducerConnection{ConnectionSet: []Connection{{ClientAddr: "1.2.3.4:5", ClientID: "客户端\"<1>", Language: NodeJS, Version: 1}}},
			want: `{"connectionSet":[{"clientAddr":"1.2.3.4:5","clientId":"客户端\"<1>","language":"NODE_JS","version":1}]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, string(tc.pc.Marshal()), tc.want)
			got, err := DecodeProducerConnection([]byte(tc.want))
			assert.NilError(t, err)
			want := tc.pc
			if want.ConnectionSet == nil {
				want.ConnectionSet = []Connection{}
			}
			for i := range want.ConnectionSet {
				if !want.ConnectionSet[i].Language.Known() {
					want.ConnectionSet[i].Language = LanguageUnknown
				}
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Fatalf("decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeProducerConnectionLenient(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *ProducerConnection
	}{
		{"null set", `{"connectionSet":null}`, &ProducerConnection{ConnectionSet: []Connection{}}},
		{"no set", `{}`, &ProducerConnection{ConnectionSet: []Connection{}}},
		{"null language", `{"connectionSet":[{"clientId":"a","language":null,"version":1}]}`,
			&ProducerConnection{ConnectionSet: []Connection{{ClientID: "a", Language: LanguageUnknown, Version: 1}}}},
		{"unknown language name", `{"connectionSet":[{"clientId":"a","language":"COBOL"}]}`,
			&ProducerConnection{ConnectionSet: []Connection{{ClientID: "a", Language: LanguageUnknown}}}},
		{"language ordinal", `{"connectionSet":[{"clientId":"a","language":9,"extra":true}]}`,
			&ProducerConnection{ConnectionSet: []Connection{{ClientID: "a", Language: Go}}}},
		{"absent, escaped and spaced languages", `{"connectionSet":[{"clientId":"a"},{"language":"G\u004F"},{"language" : "NODE_JS" },{"language":"GO "}]}`,
			&ProducerConnection{ConnectionSet: []Connection{{ClientID: "a", Language: LanguageUnknown}, {Language: Go}, {Language: NodeJS}, {Language: LanguageUnknown}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeProducerConnection([]byte(tc.body))
			assert.NilError(t, err)
			assert.DeepEqual(t, got, tc.want)
		})
	}
	_, err := DecodeProducerConnection([]byte(`{"connectionSet":[{"language":true}]}`))
	assert.ErrorContains(t, err, "ProducerConnection: ")
}

func TestProducerTableInfo(t *testing.T) {
	const spec = `{"data":{"PG":[{"clientId":"10.0.0.1@1","language":"GO","lastUpdateTimestamp":1700000000000,"remoteIP":"/127.0.0.1:5555","version":317}]}}`
	ti := &ProducerTableInfo{Data: map[string][]ProducerInfo{
		"PG": {{ClientID: "10.0.0.1@1", RemoteIP: "/127.0.0.1:5555", Language: Go, Version: 317, LastUpdateTimestamp: 1700000000000}},
	}}
	assert.Equal(t, string(ti.Marshal()), spec)
	got, err := DecodeProducerTableInfo([]byte(spec))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, ti)

	multi := &ProducerTableInfo{Data: map[string][]ProducerInfo{
		"b": {{ClientID: "2", RemoteIP: "/1.1.1.1:2", Language: LanguageUnknown, Version: 409, LastUpdateTimestamp: 2}},
		"a": {{ClientID: "1", RemoteIP: "/1.1.1.1:1", Language: Java, Version: 479, LastUpdateTimestamp: 1},
			{ClientID: "3", RemoteIP: "/1.1.1.1:3", Language: Java, Version: 479, LastUpdateTimestamp: 3}},
		"empty": {},
	}}
	const multiJSON = `{"data":{"a":[{"clientId":"1","language":"JAVA","lastUpdateTimestamp":1,"remoteIP":"/1.1.1.1:1","version":479},` +
		`{"clientId":"3","language":"JAVA","lastUpdateTimestamp":3,"remoteIP":"/1.1.1.1:3","version":479}],` +
		`"b":[{"clientId":"2","lastUpdateTimestamp":2,"remoteIP":"/1.1.1.1:2","version":409}],"empty":[]}}`
	assert.Equal(t, string(multi.Marshal()), multiJSON)
	got, err = DecodeProducerTableInfo([]byte(multiJSON))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, multi)

	assert.Equal(t, string((&ProducerTableInfo{}).Marshal()), `{"data":{}}`)
}

func benchConnections(n int) *ProducerConnection {
	pc := &ProducerConnection{ConnectionSet: make([]Connection, n)}
	for i := range pc.ConnectionSet {
		pc.ConnectionSet[i] = Connection{
			ClientAddr: fmt.Sprintf("10.0.%d.%d:%d", i/250, i%250, 40000+i),
			ClientID:   fmt.Sprintf("10.0.0.1@%d#%d", 1000+i, 8837465123456+int64(i)),
			Language:   Java,
			Version:    479,
		}
	}
	return pc
}

func BenchmarkProducerConnectionMarshal1000(b *testing.B) {
	pc := benchConnections(1000)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(pc.Marshal())
	}
	b.SetBytes(int64(n))
}

func BenchmarkDecodeProducerConnection1000(b *testing.B) {
	body := benchConnections(1000).Marshal()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeProducerConnection(body); err != nil {
			b.Fatal(err)
		}
	}
}
