package interop

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rocketmock/rocketmock/internal/mqadmin"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// startGoAdmin starts a rocketmq-client-go v2.1.2 admin client on nameSrvAddr.
func startGoAdmin(t *testing.T, nameSrvAddr string) admin.Admin {
	t.Helper()
	quietGoClient()
	a, err := admin.NewAdmin(admin.WithResolver(primitive.NewPassthroughResolver([]string{nameSrvAddr})))
	if err != nil {
		t.Fatalf("admin.NewAdmin: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// The Go admin API creates a topic with 8 queues: the producer's route has
// 8 and its sends go round all of them; the topic is listed; DeleteTopic
// removes the route, and a producer then gets "route info not found".
// That needs autoCreateTopicEnable=false, on a real broker as here: the Go
// producer falls back to TBW102's route for a topic without one, and a
// broker with auto-creation routes TBW102 and creates the topic again.
func TestGoAdminCreateListDeleteTopic(t *testing.T) {
	b := mockbroker.Start(t, mockbroker.WithVirtualClock(virtualStart), mockbroker.WithAutoCreateTopic(false))
	adm := startGoAdmin(t, b.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const topic = "AdminTopic8"
	if err := adm.CreateTopic(ctx, admin.WithTopicCreate(topic), admin.WithBrokerAddrCreate(b.AdvertisedAddr()),
		admin.WithReadQueueNums(8), admin.WithWriteQueueNums(8)); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	if tc, ok := b.Topic(topic); !ok || tc.ReadQueueNums != 8 || tc.WriteQueueNums != 8 || tc.Perm != 6 {
		t.Fatalf("broker's topic config = %+v, %v; want 8/8 queues, perm 6", tc, ok)
	}
	mqs, err := adm.FetchPublishMessageQueues(ctx, topic)
	if err != nil || len(mqs) != 8 {
		t.Fatalf("FetchPublishMessageQueues = %d queues, %v; want 8", len(mqs), err)
	}

	p, _ := startGoProducer(t, b.Addr(), "PG_admin")
	queues := map[int]bool{}
	for range 8 {
		queues[goSend(t, p, topic, "x").MessageQueue.QueueId] = true
	}
	if len(queues) != 8 {
		t.Errorf("8 sends went to queues %v, want all 8", queues)
	}

	list, err := adm.FetchAllTopicList(ctx)
	if err != nil {
		t.Fatalf("FetchAllTopicList: %v", err)
	}
	if !slices.Contains(list.TopicList, topic) || !slices.Contains(list.TopicList, "SCHEDULE_TOPIC_XXXX") || slices.Contains(list.TopicList, "TBW102") {
		t.Errorf("FetchAllTopicList = %v, want %s and SCHEDULE_TOPIC_XXXX in it, no TBW102", list.TopicList, topic)
	}

	if err := adm.DeleteTopic(ctx, admin.WithTopicDelete(topic), admin.WithBrokerAddrDelete(b.AdvertisedAddr()),
		admin.WithNameSrvAddr([]string{b.Addr()})); err != nil {
		t.Fatalf("DeleteTopic: %v", err)
	}
	if _, ok := b.Topic(topic); ok {
		t.Errorf("topic %s still in the broker after DeleteTopic", topic)
	}
	list, err = adm.FetchAllTopicList(ctx)
	if err != nil || slices.Contains(list.TopicList, topic) {
		t.Errorf("FetchAllTopicList after DeleteTopic = %v, %v; want no %s", list, err, topic)
	}
	p2, _ := startGoProducer(t, b.Addr(), "PG_admin2")
	_, err = p2.SendSync(ctx, primitive.NewMessage(topic, []byte("y")))
	if err == nil || !strings.Contains(err.Error(), "route info not found") {
		t.Fatalf("send to the deleted topic: %v, want \"route info not found\"", err)
	}
}

// Subscription groups made and removed by updateSubGroup/deleteSubGroup
// show in (and leave) the Go admin's GetAllSubscriptionGroup, which decodes
// the broker's 201 body.
func TestGoAdminSubscriptionGroups(t *testing.T) {
	b := startBroker(t)
	adm := startGoAdmin(t, b.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := func(args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := mqadmin.Run(ctx, args, &out, &errb); code != 0 || errb.Len() > 0 {
			t.Fatalf("rocketmock admin %v: exit %d\n%s%s", args, code, out.String(), errb.String())
		}
	}
	run("updateSubGroup", "-n", b.Addr(), "-b", b.Addr(), "-g", "CG_admin", "-s", "false", "-r", "3")
	w, err := adm.GetAllSubscriptionGroup(ctx, b.Addr(), 3*time.Second)
	if err != nil {
		t.Fatalf("GetAllSubscriptionGroup: %v", err)
	}
	g, ok := w.SubscriptionGroupTable["CG_admin"]
	if !ok || g.ConsumeEnable || g.RetryMaxTimes != 3 || g.RetryQueueNums != 1 {
		t.Fatalf("CG_admin = %+v, %v; want consumeEnable false, retryMaxTimes 3", g, ok)
	}
	if _, ok := w.SubscriptionGroupTable["TOOLS_CONSUMER"]; !ok {
		t.Errorf("the system group TOOLS_CONSUMER is missing: %v", w.SubscriptionGroupTable)
	}
	run("deleteSubGroup", "-n", b.Addr(), "-b", b.Addr(), "-g", "CG_admin")
	w, err = adm.GetAllSubscriptionGroup(ctx, b.Addr(), 3*time.Second)
	if err != nil {
		t.Fatalf("GetAllSubscriptionGroup: %v", err)
	}
	if _, ok := w.SubscriptionGroupTable["CG_admin"]; ok {
		t.Errorf("CG_admin still listed after deleteSubGroup")
	}
}
