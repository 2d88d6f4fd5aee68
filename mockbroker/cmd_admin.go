package mockbroker

import (
	"strconv"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerAdminCodes registers the codes the admin tools send.
func (b *Broker) registerAdminCodes(m *remoting.Mux) {
	m.Handle(protocol.GetProducerConnectionList, handle(b.producerConnectionList))
	m.Handle(protocol.GetAllProducerInfo, handle(b.allProducerInfo))
	m.Handle(protocol.GetBrokerRuntimeInfo, handle(b.brokerRuntimeInfo))
}

// producerConnectionList (204) answers what `mqadmin producerConnection`
// prints (AdminBrokerProcessor.getProducerConnectionList).
func (b *Broker) producerConnectionList(c *conn, req *protocol.Command) *protocol.Command {
	var h protocol.GetProducerConnectionListRequestHeader
	if err := h.Decode(req.ExtFields); err != nil {
		return errorReply(req, err)
	}
	infos, ok := b.producers.Group(h.ProducerGroup)
	if !ok {
		return protocol.NewResponse(req, protocol.SystemError, "the producer group["+h.ProducerGroup+"] not exist")
	}
	body := protocol.ProducerConnection{ConnectionSet: make([]protocol.Connection, 0, len(infos))}
	for _, in := range infos {
		body.ConnectionSet = append(body.ConnectionSet, connectionOf(in.Channel.RemoteAddr(), in.ClientID, in.Language, in.Version))
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = body.Marshal()
	return resp
}

// allProducerInfo (328) lists every group with its producers and their
// last heartbeat (AdminBrokerProcessor.getAllProducerInfo).
func (b *Broker) allProducerInfo(c *conn, req *protocol.Command) *protocol.Command {
	table := protocol.ProducerTableInfo{Data: map[string][]protocol.ProducerInfo{}}
	for group, infos := range b.producers.ProducerTable() {
		list := make([]protocol.ProducerInfo, 0, len(infos))
		for _, in := range infos {
			list = append(list, protocol.ProducerInfo{
				ClientID:            in.ClientID,
				RemoteIP:            "/" + clientAddr(socketAddr(in.Channel)), // raw SocketAddress.toString()
				Language:            in.Language,
				Version:             in.Version,
				LastUpdateTimestamp: in.LastUpdate.UnixMilli(),
			})
		}
		table.Data[group] = list
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = table.Marshal()
	return resp
}

// putTps is StoreStatsService.getPutTps: messages stored per second over
// the last 10 s, 1 min and 10 min ("12.5 2.1 0.21").
func (b *Broker) putTps() string {
	now := b.Now()
	out := make([]string, 0, 3)
	for _, secs := range []int{10, 60, 600} {
		n := b.store.PutsSince(now.Add(-time.Duration(secs) * time.Second))
		out = append(out, javaDouble(float64(n)/float64(secs)))
	}
	return strings.Join(out, " ")
}

// javaDouble is Double.toString for the plain values TPS figures take.
func javaDouble(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// connectionOf is a client's Connection in the 203 and 204 bodies
// (ConsumerConnection, ProducerConnection).
func connectionOf(remote, clientID string, lang protocol.LanguageCode, version int32) protocol.Connection {
	return protocol.Connection{ClientAddr: clientAddr(remote), ClientID: clientID, Language: lang, Version: version}
}

// clientAddr is RemotingHelper.parseChannelRemoteAddr: everything up to
// the last '/' removed.
func clientAddr(addr string) string {
	if i := strings.LastIndexByte(addr, '/'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

// brokerRuntimeInfo (28) answers the KVTable that `mqadmin clusterList`
// and `brokerStatus` read (AdminBrokerProcessor.getBrokerRuntimeInfo),
// with the mock's own figures: no load, the messages it accepted (and
// their rate, putTps) and delivered, and the bounds of its commit log.
func (b *Broker) brokerRuntimeInfo(c *conn, req *protocol.Command) *protocol.Command {
	var put int64
	for _, sc := range b.SendCounts() {
		put += sc.Messages
	}
	st := b.store.Stats()
	kv := map[string]string{
		"brokerVersionDesc":                    b.version.String(),
		"brokerVersion":                        strconv.Itoa(int(b.version)),
		"brokerActive":                         "true",
		"putTps":                               b.putTps(),
		"msgPutTotalYesterdayMorning":          "0",
		"msgPutTotalTodayMorning":              "0",
		"msgPutTotalTodayNow":                  strconv.FormatInt(put, 10),
		"msgGetTotalYesterdayMorning":          "0",
		"msgGetTotalTodayMorning":              "0",
		"msgGetTotalTodayNow":                  strconv.FormatInt(st.Delivered, 10),
		"dispatchBehindBytes":                  "0",
		"commitLogMinOffset":                   strconv.FormatInt(st.MinPhysicalOffset, 10),
		"commitLogMaxOffset":                   strconv.FormatInt(st.MaxPhysicalOffset, 10),
		"pageCacheLockTimeMills":               "0",
		"commitLogDiskRatio":                   "0.0",
		"sendThreadPoolQueueSize":              "0",
		"pullThreadPoolQueueSize":              "0",
		"sendThreadPoolQueueHeadWaitTimeMills": "0",
		"pullThreadPoolQueueHeadWaitTimeMills": "0",
	}
	kv[b.cfg.release.RuntimeInfoTransferredKey()] = "0.0 0.0 0.0"
	if b.cfg.release.HasPopAndTimer() {
		for _, k := range []string{"ackThreadPoolQueueSize", "ackThreadPoolQueueHeadWaitTimeMills", "timerReadBehind", "timerOffsetBehind", "timerCongestNum"} {
			kv[k] = "0"
		}
		kv["timerEnqueueTps"], kv["timerDequeueTps"] = "0.0", "0.0"
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = (&protocol.KVTable{Table: kv}).Marshal()
	return resp
}
