package mockbroker

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// registerSubGroupCodes registers 200, 201 and 207.
func (b *Broker) registerSubGroupCodes(m *remoting.Mux) {
	m.Handle(protocol.UpdateAndCreateSubscription, handle(b.updateAndCreateSubscriptionGroup))
	m.Handle(protocol.GetAllSubscriptionGroupConfig, handle(b.allSubscriptionGroup))
	m.Handle(protocol.DeleteSubscriptionGroup, handle(b.deleteSubscriptionGroup))
}

// groupWire is SubscriptionGroupConfig's JSON; the 5.x-only fields are
// pointers so that 4.9.8 leaves them out.
type groupWire struct {
	BrokerID                       int64           `json:"brokerId"`
	ConsumeBroadcastEnable         bool            `json:"consumeBroadcastEnable"`
	ConsumeEnable                  bool            `json:"consumeEnable"`
	ConsumeFromMinEnable           bool            `json:"consumeFromMinEnable"`
	ConsumeMessageOrderly          *bool           `json:"consumeMessageOrderly,omitempty"`
	ConsumeTimeoutMinute           *int32          `json:"consumeTimeoutMinute,omitempty"`
	GroupName                      string          `json:"groupName"`
	GroupRetryPolicy               json.RawMessage `json:"groupRetryPolicy,omitempty"`
	GroupSysFlag                   *int32          `json:"groupSysFlag,omitempty"`
	NotifyConsumerIdsChangedEnable bool            `json:"notifyConsumerIdsChangedEnable"`
	RetryMaxTimes                  int32           `json:"retryMaxTimes"`
	RetryQueueNums                 int32           `json:"retryQueueNums"`
	WhichBrokerWhenConsumeSlowly   int64           `json:"whichBrokerWhenConsumeSlowly"`
}

func (b *Broker) groupToWire(g store.GroupConfig) groupWire {
	w := groupWire{BrokerID: g.BrokerID, ConsumeBroadcastEnable: g.ConsumeBroadcastEnable,
		ConsumeEnable: g.ConsumeEnable, ConsumeFromMinEnable: g.ConsumeFromMinEnable, GroupName: g.GroupName,
		NotifyConsumerIdsChangedEnable: g.NotifyConsumerIDsChangedEnable, RetryMaxTimes: g.RetryMaxTimes,
		RetryQueueNums: g.RetryQueueNums, WhichBrokerWhenConsumeSlowly: g.WhichBrokerWhenConsumeSlowly}
	if b.cfg.release != protocol.Release498 {
		w.ConsumeMessageOrderly, w.ConsumeTimeoutMinute, w.GroupSysFlag = &g.ConsumeMessageOrderly, &g.ConsumeTimeoutMinute, &g.GroupSysFlag
		w.GroupRetryPolicy = json.RawMessage(`{"type":"CUSTOMIZED"}`)
	}
	return w
}

// updateAndCreateSubscriptionGroup (200) stores the body's
// SubscriptionGroupConfig; fields it leaves out take the Java defaults.
func (b *Broker) updateAndCreateSubscriptionGroup(c *conn, req *protocol.Command) *protocol.Command {
	if len(req.Body) == 0 {
		return protocol.NewResponse(req, protocol.Success, "") // config == null: nothing done
	}
	d := store.DefaultGroupConfig("")
	w := b.groupToWire(d)
	w.ConsumeMessageOrderly, w.ConsumeTimeoutMinute, w.GroupSysFlag = &d.ConsumeMessageOrderly, &d.ConsumeTimeoutMinute, &d.GroupSysFlag
	if err := json.Unmarshal(req.Body, &w); err != nil {
		return errorReply(req, fmt.Errorf("SubscriptionGroupConfig body: %w", err))
	}
	b.store.SetGroup(store.GroupConfig{GroupName: w.GroupName, ConsumeEnable: w.ConsumeEnable,
		ConsumeFromMinEnable: w.ConsumeFromMinEnable, ConsumeBroadcastEnable: w.ConsumeBroadcastEnable,
		ConsumeMessageOrderly: *w.ConsumeMessageOrderly, RetryQueueNums: w.RetryQueueNums, RetryMaxTimes: w.RetryMaxTimes,
		BrokerID: w.BrokerID, WhichBrokerWhenConsumeSlowly: w.WhichBrokerWhenConsumeSlowly,
		NotifyConsumerIDsChangedEnable: w.NotifyConsumerIdsChangedEnable, GroupSysFlag: *w.GroupSysFlag,
		ConsumeTimeoutMinute: *w.ConsumeTimeoutMinute})
	b.records.Touch()
	return protocol.NewResponse(req, protocol.Success, "")
}

// allSubscriptionGroup (201) is SubscriptionGroupManager.encode:
// {"dataVersion":…,"subscriptionGroupTable":{…}} (5.x adds an empty
// forbiddenTable).
func (b *Broker) allSubscriptionGroup(c *conn, req *protocol.Command) *protocol.Command {
	gs, v := b.store.Groups()
	table := make(map[string]groupWire, len(gs))
	for _, g := range gs {
		table[g.GroupName] = b.groupToWire(g)
	}
	body := struct {
		DataVersion            json.RawMessage      `json:"dataVersion"`
		ForbiddenTable         *struct{}            `json:"forbiddenTable,omitempty"`
		SubscriptionGroupTable map[string]groupWire `json:"subscriptionGroupTable"`
	}{DataVersion: json.RawMessage(b.dataVersionJSON(v)), SubscriptionGroupTable: table}
	if b.cfg.release != protocol.Release498 {
		body.ForbiddenTable = &struct{}{}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return errorReply(req, err)
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = data
	return resp
}

// deleteSubscriptionGroup (207) forgets the group's config and, with
// removeOffset=true, its committed offsets; SUCCESS either way.
func (b *Broker) deleteSubscriptionGroup(c *conn, req *protocol.Command) *protocol.Command {
	f := extFields{header: "DeleteSubscriptionGroupRequestHeader", ext: req.ExtFields}
	group := f.str("groupName", true)
	if f.err != nil {
		return errorReply(req, f.err)
	}
	removeOffset := req.ExtFields["removeOffset"] == "true"
	b.store.DeleteGroup(group, removeOffset)
	b.records.Touch()
	return protocol.NewResponse(req, protocol.Success, "")
}

// subscriptionGroup is SubscriptionGroupManager.findSubscriptionGroupConfig:
// the group's config, created with the defaults when the broker has
// autoCreateSubscriptionGroup (the default) or the group is a system one
// (MixAll.isSysConsumerGroup); false when it does not exist.
func (b *Broker) subscriptionGroup(group string) (store.GroupConfig, bool) {
	if g, ok := b.store.Group(group); ok {
		return g, true
	}
	if !b.cfg.settings.bool("autoCreateSubscriptionGroup") && !strings.HasPrefix(group, "CID_RMQ_SYS_") {
		return store.DefaultGroupConfig(group), false
	}
	return b.store.EnsureGroup(group), true
}
