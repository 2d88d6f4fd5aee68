package protocol

import (
	"slices"
	"strings"
)

// Name server bodies: GET_ROUTEINFO_BY_TOPIC (105) answers TopicRouteData,
// GET_BROKER_CLUSTER_INFO (106) answers ClusterInfo; and the broker's
// GET_BROKER_RUNTIME_INFO (28) answers KVTable.
//
// Java's brokerAddrs is a HashMap<Long,String>. Plain fastjson writes its keys
// bare ({0:"127.0.0.1:10911"}); the name server's "standard JSON" encoding
// (browser compatible) quotes them ({"0":"127.0.0.1:10911"}) and escapes all
// non-ASCII. Keys are written in numeric order.

// Topic permission bits (QueueData.Perm).
const (
	PermPriority int32 = 1 << 3
	PermRead     int32 = 1 << 2
	PermWrite    int32 = 1 << 1
	PermInherit  int32 = 1 << 0
)

// QueueData describes a topic's queues on one broker.
type QueueData struct {
	BrokerName     string `json:"brokerName"`
	Perm           int32  `json:"perm"` // Perm* bits: 6 for a normal topic, 7 for TBW102
	ReadQueueNums  int32  `json:"readQueueNums"`
	TopicSysFlag   int32  `json:"topicSysFlag"`
	WriteQueueNums int32  `json:"writeQueueNums"`
}

// BrokerData describes one broker name: its master (id 0) and slaves.
type BrokerData struct {
	BrokerAddrs map[int64]string `json:"brokerAddrs"` // broker id -> "ip:port"; 0 is the master
	BrokerName  string           `json:"brokerName"`
	Cluster     string           `json:"cluster"`
	// EnableActingMaster and ZoneName exist only in 5.x (Release.HasV5BodyFields);
	// ZoneName is left out when empty.
	EnableActingMaster bool   `json:"enableActingMaster"`
	ZoneName           string `json:"zoneName"`
}

// TopicRouteData is the GET_ROUTEINFO_BY_TOPIC reply body.
type TopicRouteData struct {
	OrderTopicConf    string              `json:"orderTopicConf"` // "brokerName:queueNums;…", left out when empty
	QueueDatas        []QueueData         `json:"queueDatas"`
	BrokerDatas       []BrokerData        `json:"brokerDatas"`
	FilterServerTable map[string][]string `json:"filterServerTable"` // broker addr -> filter servers; normally empty
}

// RouteKeysQuoted reports whether a GET_ROUTEINFO_BY_TOPIC request gets the
// standard JSON encoding (quoted map keys): request version >= V4_9_4 (401)
// or acceptStandardJsonOnly=true.
func RouteKeysQuoted(req *Command) bool {
	if req.Version >= V4_9_4 {
		return true
	}
	return strings.EqualFold(req.ExtFields["acceptStandardJsonOnly"], "true")
}

// Marshal encodes t as a 5.x name server does: quoteKeys selects the
// standard JSON encoding (see RouteKeysQuoted), else plain fastjson with
// bare numeric keys. queueDatas and brokerDatas are always arrays and
// filterServerTable always an object, never null.
func (t *TopicRouteData) Marshal(quoteKeys bool) []byte { return t.MarshalAs(Release533, quoteKeys) }

// MarshalAs is Marshal for a name server of the given release (4.9.8
// leaves out enableActingMaster and zoneName).
func (t *TopicRouteData) MarshalAs(r Release, quoteKeys bool) []byte {
	w := fjWriter{b: make([]byte, 0, 256), browser: quoteKeys}
	w.open('{')
	w.key("brokerDatas")
	fjArray(&w, t.BrokerDatas, func(b *BrokerData, w *fjWriter) { b.write(w, r, quoteKeys) })
	w.key("filterServerTable")
	fjSortedObject(&w, t.FilterServerTable, (*fjWriter).strArray)
	w.strFieldOmitEmpty("orderTopicConf", t.OrderTopicConf)
	w.key("queueDatas")
	fjArray(&w, t.QueueDatas, (*QueueData).write)
	w.close('}')
	return w.b
}

func (q *QueueData) write(w *fjWriter) {
	w.open('{')
	w.strFieldOmitEmpty("brokerName", q.BrokerName)
	w.intField("perm", int64(q.Perm))
	w.intField("readQueueNums", int64(q.ReadQueueNums))
	w.intField("topicSysFlag", int64(q.TopicSysFlag))
	w.intField("writeQueueNums", int64(q.WriteQueueNums))
	w.close('}')
}

// write encodes b. brokerAddrs is always written ({} when empty): the Go
// client slices its text and would panic on a missing one.
func (b *BrokerData) write(w *fjWriter, r Release, quoteKeys bool) {
	w.open('{')
	w.key("brokerAddrs")
	w.open('{')
	ids := make([]int64, 0, len(b.BrokerAddrs))
	for id := range b.BrokerAddrs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		w.sep()
		if quoteKeys {
			w.b = append(w.b, '"')
			w.int(id)
			w.b = append(w.b, '"')
		} else {
			w.int(id)
		}
		w.b = append(w.b, ':')
		w.str(b.BrokerAddrs[id])
	}
	w.close('}')
	w.strFieldOmitEmpty("brokerName", b.BrokerName)
	w.strFieldOmitEmpty("cluster", b.Cluster)
	if r.HasV5BodyFields() {
		w.boolField("enableActingMaster", b.EnableActingMaster)
		w.strFieldOmitEmpty("zoneName", b.ZoneName)
	}
	w.close('}')
}

// DecodeTopicRouteData decodes a GET_ROUTEINFO_BY_TOPIC reply body, with
// quoted or bare brokerAddrs keys.
func DecodeTopicRouteData(body []byte) (*TopicRouteData, error) {
	return fjDecodeNew[TopicRouteData]("TopicRouteData", body)
}

// MasterAddr returns the address of broker id 0, if any.
func (b *BrokerData) MasterAddr() (string, bool) {
	addr, ok := b.BrokerAddrs[0]
	return addr, ok
}

// ClusterInfo is the GET_BROKER_CLUSTER_INFO reply body.
type ClusterInfo struct {
	BrokerAddrTable  map[string]BrokerData `json:"brokerAddrTable"`  // broker name -> broker
	ClusterAddrTable map[string][]string   `json:"clusterAddrTable"` // cluster name -> broker names
}

// Marshal encodes c as a 5.x name server does: plain fastjson, so brokerAddrs
// keys are bare even for new clients. Map keys are sorted; nil maps give {}.
func (c *ClusterInfo) Marshal() []byte { return c.MarshalAs(Release533) }

// MarshalAs is Marshal for a name server of the given release.
func (c *ClusterInfo) MarshalAs(r Release) []byte {
	w := fjWriter{b: make([]byte, 0, 256)}
	w.open('{')
	w.key("brokerAddrTable")
	fjSortedObject(&w, c.BrokerAddrTable, func(w *fjWriter, b BrokerData) { b.write(w, r, false) })
	w.key("clusterAddrTable")
	fjSortedObject(&w, c.ClusterAddrTable, (*fjWriter).strArray)
	w.close('}')
	return w.b
}

// DecodeClusterInfo decodes a GET_BROKER_CLUSTER_INFO reply body, with
// quoted or bare brokerAddrs keys.
func DecodeClusterInfo(body []byte) (*ClusterInfo, error) {
	return fjDecodeNew[ClusterInfo]("ClusterInfo", body)
}

// KVTable is a string map body, such as the GET_BROKER_RUNTIME_INFO reply.
type KVTable struct {
	Table map[string]string `json:"table"`
}

// Marshal encodes t as {"table":{"k":"v",…}}, keys sorted; nil gives {"table":{}}.
func (t *KVTable) Marshal() []byte {
	w := fjWriter{b: make([]byte, 0, 64)}
	w.open('{')
	w.key("table")
	fjSortedObject(&w, t.Table, (*fjWriter).str)
	w.close('}')
	return w.b
}

// DecodeKVTable decodes a KVTable body.
func DecodeKVTable(body []byte) (*KVTable, error) {
	return fjDecodeNew[KVTable]("KVTable", body)
}
