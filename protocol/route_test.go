package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// Spec 7.2: what a namesrv sends to the Go client (version 317).
const routePlainSpec = `{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`

// Spec 7.2: what Java >= 4.9.4 and mqadmin get.
const routeStandardSpec = `{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`

// Spec 7.3.
const clusterInfoSpec = `{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}`

var specBrokerA = BrokerData{
	BrokerAddrs: map[int64]string{1: "127.0.0.1:10921", 0: "127.0.0.1:10911"},
	BrokerName:  "broker-a",
	Cluster:     "DefaultCluster",
}

var specRoute = &TopicRouteData{
	QueueDatas:        []QueueData{{BrokerName: "broker-a", Perm: PermRead | PermWrite, ReadQueueNums: 4, WriteQueueNums: 4}},
	BrokerDatas:       []BrokerData{specBrokerA},
	FilterServerTable: map[string][]string{},
}

func TestTopicRouteDataMarshalSpec(t *testing.T) {
	assert.Equal(t, string(specRoute.Marshal(false)), routePlainSpec)
	assert.Equal(t, string(specRoute.Marshal(true)), routeStandardSpec)
	// nil FilterServerTable is still {}.
	r := *specRoute
	r.FilterServerTable = nil
	assert.Equal(t, string(r.Marshal(true)), routeStandardSpec)
}

func TestTopicRouteDataDecode(t *testing.T) {
	for name, body := range map[string]string{"plain": routePlainSpec, "standard": routeStandardSpec} {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeTopicRouteData([]byte(body))
			assert.NilError(t, err)
			if diff := cmp.Diff(specRoute, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			addr, ok := got.BrokerDatas[0].MasterAddr()
			assert.Assert(t, ok)
			assert.Equal(t, addr, "127.0.0.1:10911")
		})
	}
}

func TestTopicRouteDataVariants(t *testing.T) {
	r := &TopicRouteData{
		OrderTopicConf: "broker-a:4;broker-b:4",
		QueueDatas: []QueueData{
			{BrokerName: "broker-a", Perm: 7, ReadQueueNums: 8, WriteQueueNums: 8},
			{BrokerName: "broker-b", Perm: 6, ReadQueueNums: 2, TopicSysFlag: 1, WriteQueueNums: 2},
		},
		BrokerDatas: []BrokerData{
			{BrokerAddrs: map[int64]string{10: "10.0.0.2:10911", 2: "10.0.0.3:10911", 0: "10.0.0.1:10911"},
				BrokerName: "broker-a", Cluster: "C", EnableActingMaster: true, ZoneName: "z1"},
			{BrokerName: "broker-b", Cluster: "C"},
		},
		FilterServerTable: map[string][]string{"10.0.0.1:10911": {"10.0.0.1:30000"}},
	}
	tests := []struct {
		name    string
		release Release
		quote   bool
		want    string
	}{
		{"v5 plain", Release533, false, `{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",2:"10.0.0.3:10911",10:"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"C","enableActingMaster":true,"zoneName":"z1"},` +
			`{"brokerAddrs":{},"brokerName":"broker-b","cluster":"C","enableActingMaster":false}],"filterServerTable":{"10.0.0.1:10911":["10.0.0.1:30000"]},"orderTopicConf":"broker-a:4;broker-b:4",` +
			`"queueDatas":[{"brokerName":"broker-a","perm":7,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8},{"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":1,"writeQueueNums":2}]}`},
		{"v4 quoted", Release498, true, `{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.1:10911","2":"10.0.0.3:10911","10":"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"C"},` +
			`{"brokerAddrs":{},"brokerName":"broker-b","cluster":"C"}],"filterServerTable":{"10.0.0.1:10911":["10.0.0.1:30000"]},"orderTopicConf":"broker-a:4;broker-b:4",` +
			`"queueDatas":[{"brokerName":"broker-a","perm":7,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8},{"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":1,"writeQueueNums":2}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := r.MarshalAs(tc.release, tc.quote)
			assert.Equal(t, string(body), tc.want)
			got, err := DecodeTopicRouteData(body)
			assert.NilError(t, err)
			want := *r
			want.BrokerDatas = append([]BrokerData(nil), r.BrokerDatas...)
			want.BrokerDatas[1].BrokerAddrs = map[int64]string{}
			if tc.release == Release498 {
				want.BrokerDatas[0].EnableActingMaster = false
				want.BrokerDatas[0].ZoneName = ""
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTopicRouteDataEmpty(t *testing.T) {
	assert.Equal(t, string((&TopicRouteData{}).Marshal(false)), `{"brokerDatas":[],"filterServerTable":{},"queueDatas":[]}`)
}

func TestTopicRouteDataStandardEscapesNonASCII(t *testing.T) {
	r := &TopicRouteData{BrokerDatas: []BrokerData{{BrokerAddrs: map[int64]string{0: "h/1:1"}, BrokerName: "经纪人", Cluster: "C"}}}
	assert.Equal(t, string(r.MarshalAs(Release498, true)),
		`{"brokerDatas":[{"brokerAddrs":{"0":"h\/1:1"},"brokerName":"\u7ECF\u7EAA\u4EBA","cluster":"C"}],"filterServerTable":{},"queueDatas":[]}`)
	assert.Equal(t, string(r.MarshalAs(Release498, false)),
		`{"brokerDatas":[{"brokerAddrs":{0:"h/1:1"},"brokerName":"经纪人","cluster":"C"}],"filterServerTable":{},"queueDatas":[]}`)
	for _, q := range []bool{true, false} {
		got, err := DecodeTopicRouteData(r.MarshalAs(Release498, q))
		assert.NilError(t, err)
		assert.Equal(t, got.BrokerDatas[0].BrokerName, "经纪人")
		assert.Equal(t, got.BrokerDatas[0].BrokerAddrs[0], "h/1:1")
	}
}

func TestRouteKeysQuoted(t *testing.T) {
	tests := []struct {
		name    string
		version MQVersion
		ext     map[string]string
		want    bool
	}{
		{"go client", 317, map[string]string{"topic": "T"}, false},
		{"4.9.3", 399, map[string]string{"topic": "T"}, false},
		{"4.9.4", 401, map[string]string{"topic": "T"}, true},
		{"4.9.8", 409, map[string]string{"topic": "T"}, true},
		{"5.3.3", 479, nil, true},
		{"old but asks", 317, map[string]string{"topic": "T", "acceptStandardJsonOnly": "true"}, true},
		{"old asks in caps", 317, map[string]string{"acceptStandardJsonOnly": "TRUE"}, true},
		{"old says false", 317, map[string]string{"acceptStandardJsonOnly": "false"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := NewRequest(GetRouteInfoByTopic, tc.ext, nil)
			req.Version = tc.version
			assert.Equal(t, RouteKeysQuoted(req), tc.want)
		})
	}
}

func TestClusterInfo(t *testing.T) {
	ci := &ClusterInfo{
		BrokerAddrTable:  map[string]BrokerData{"broker-a": specBrokerA},
		ClusterAddrTable: map[string][]string{"DefaultCluster": {"broker-a"}},
	}
	assert.Equal(t, string(ci.Marshal()), clusterInfoSpec)
	assert.Equal(t, string(ci.MarshalAs(Release498)),
		`{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}`)

	got, err := DecodeClusterInfo([]byte(clusterInfoSpec))
	assert.NilError(t, err)
	if diff := cmp.Diff(ci, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// Quoted keys decode the same.
	got, err = DecodeClusterInfo(QuoteBareKeys([]byte(clusterInfoSpec)))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, ci)

	assert.Equal(t, string((&ClusterInfo{}).Marshal()), `{"brokerAddrTable":{},"clusterAddrTable":{}}`)
}

func TestKVTable(t *testing.T) {
	kv := &KVTable{Table: map[string]string{"putTps": "0.0 0.0 0.0", "brokerVersionDesc": "V5_3_3", "msgPutTotalTodayNow": "0", "q\"uote": "é"}}
	const want = `{"table":{"brokerVersionDesc":"V5_3_3","msgPutTotalTodayNow":"0","putTps":"0.0 0.0 0.0","q\"uote":"é"}}`
	assert.Equal(t, string(kv.Marshal()), want)
	got, err := DecodeKVTable([]byte(want))
	assert.NilError(t, err)
	assert.DeepEqual(t, got, kv)
	assert.Equal(t, string((&KVTable{}).Marshal()), `{"table":{}}`)
}
