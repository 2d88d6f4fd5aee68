package interop

// Access control (issue 17): the real clients sign their requests with
// their credentials; the mock, with WithACL, checks them as a 4.9.x
// broker with aclEnable=true does.

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

const (
	aclAccessKey = "RocketMQ"
	aclSecretKey = "12345678"
	aclTopic     = "TopicACL"    // PUB allowed
	deniedTopic  = "TopicDenied" // DENY by default

	remarkWrongSecret = "org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=RocketMQ, " +
		"org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)"
	remarkDeniedTopic = "org.apache.rocketmq.acl.common.AclException: No default permission for topic:TopicDenied, " +
		"org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:606)"
)

// signedFrames keeps the signed requests the broker received.
type signedFrames struct {
	mu   sync.Mutex
	cmds []*protocol.Command
}

func (s *signedFrames) observe(r mockbroker.Received) {
	if r.Command.IsResponse() || r.Command.ExtFields["Signature"] == "" {
		return
	}
	s.mu.Lock()
	s.cmds = append(s.cmds, r.Command)
	s.mu.Unlock()
}

func (s *signedFrames) all() []*protocol.Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*protocol.Command(nil), s.cmds...)
}

func startACLBroker(t *testing.T) (*mockbroker.Broker, *signedFrames) {
	t.Helper()
	rec := &signedFrames{}
	b := mockbroker.Start(t, mockbroker.WithRequestObserver(rec.observe), mockbroker.WithACL(&mockbroker.ACLConfig{
		Accounts: []mockbroker.ACLAccount{{
			AccessKey: aclAccessKey, SecretKey: aclSecretKey,
			DefaultTopicPerm: "DENY", DefaultGroupPerm: "SUB", TopicPerms: []string{aclTopic + "=PUB"},
		}},
	}))
	return b, rec
}

// checkSignatures recomputes every signed request's signature here, apart
// from the mock's code (the clients' extFields keys are ASCII: byte order is
// Java's String order), and fails unless the client's matches.
func checkSignatures(t *testing.T, cmds []*protocol.Command, secret string, want ...string) {
	t.Helper()
	if len(cmds) == 0 {
		t.Fatal("no signed request was received")
	}
	for _, cmd := range cmds {
		keys := make([]string, 0, len(cmd.ExtFields))
		for k := range cmd.ExtFields {
			if k != "Signature" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		mac := hmac.New(sha1.New, []byte(secret))
		for _, k := range keys {
			mac.Write([]byte(cmd.ExtFields[k]))
		}
		mac.Write(cmd.Body)
		if got := base64.StdEncoding.EncodeToString(mac.Sum(nil)); got != cmd.ExtFields["Signature"] {
			t.Errorf("%s: the client signed %q, the Java algorithm gives %q over %v", cmd.RequestCode(), cmd.ExtFields["Signature"], got, keys)
		}
		for _, k := range want {
			if _, ok := cmd.ExtFields[k]; !ok {
				t.Errorf("%s: no %s in the signed extFields %v", cmd.RequestCode(), k, keys)
			}
		}
	}
}

func startGoProducerWithCredentials(t *testing.T, nameSrvAddr, group string, c primitive.Credentials) rocketmq.Producer {
	t.Helper()
	opts, _ := goProducerOptions(nameSrvAddr, group)
	p, err := rocketmq.NewProducer(append(opts, producer.WithCredentials(c))...)
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	startGo(t, p, "Producer "+group)
	return p
}

func goSendErr(p rocketmq.Producer, topic string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := p.SendSync(ctx, primitive.NewMessage(topic, []byte("acl")))
	return err
}

func TestGoProducerACL(t *testing.T) {
	b, rec := startACLBroker(t)

	t.Run("right credentials", func(t *testing.T) {
		p := startGoProducerWithCredentials(t, b.Addr(), "PG_acl_ok", primitive.Credentials{AccessKey: aclAccessKey, SecretKey: aclSecretKey})
		goSend(t, p, aclTopic, "signed")
		if n := len(b.Messages(aclTopic)); n != 1 {
			t.Fatalf("messages in %s: %d, want 1", aclTopic, n)
		}
		checkSignatures(t, rec.all(), aclSecretKey, "AccessKey")
		if ds := b.Denials(); len(ds) != 0 {
			t.Fatalf("denials: %v", ds)
		}
		err := goSendErr(p, deniedTopic)
		if err == nil || !strings.Contains(err.Error(), "CODE: 1, DESC: "+remarkDeniedTopic) {
			t.Fatalf("send to %s: %v, want the broker's denial %q", deniedTopic, err, remarkDeniedTopic)
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		p := startGoProducerWithCredentials(t, b.Addr(), "PG_acl_wrong", primitive.Credentials{AccessKey: aclAccessKey, SecretKey: "not-the-secret"})
		err := goSendErr(p, aclTopic)
		if err == nil || !strings.Contains(err.Error(), "CODE: 1, DESC: "+remarkWrongSecret) {
			t.Fatalf("send: %v, want the broker's denial %q", err, remarkWrongSecret)
		}
		if n := len(b.Messages(aclTopic)); n != 1 {
			t.Fatalf("messages in %s: %d, want still 1", aclTopic, n)
		}
	})

	// rocketmq-client-go v2.1.2 sends SecurityToken but leaves it out of
	// the content it signs (internal/remote/interceptor.go); the broker
	// signs every extField it received, so the signature fails.
	t.Run("security token", func(t *testing.T) {
		p := startGoProducerWithCredentials(t, b.Addr(), "PG_acl_token", primitive.Credentials{AccessKey: aclAccessKey, SecretKey: aclSecretKey, SecurityToken: "tok"})
		err := goSendErr(p, aclTopic)
		if err == nil || !strings.Contains(err.Error(), "CODE: 1, DESC: "+remarkWrongSecret) {
			t.Fatalf("send: %v, want the broker's denial %q", err, remarkWrongSecret)
		}
	})

	var reasons []string
	for _, d := range b.Denials() {
		if d.Code == protocol.SendMessage || d.Code == protocol.SendMessageV2 {
			reasons = append(reasons, d.Reason)
		}
	}
	want := []string{"No default permission for topic:TopicDenied", "Check signature failed for accessKey=RocketMQ", "Check signature failed for accessKey=RocketMQ"}
	if strings.Join(reasons, "|") != strings.Join(want, "|") {
		t.Errorf("send denials %q, want %q", reasons, want)
	}
}

func TestAliOnsProducerACL(t *testing.T) {
	b, rec := startACLBroker(t)

	t.Run("right credentials", func(t *testing.T) {
		np := startNodeProducerWith(t, nodeProducerConfig{
			NameSrv: b.Addr(), Group: "PG_acl_node", Topic: aclTopic, Count: 1, HeartbeatInterval: time.Second,
			AccessKey: aclAccessKey, SecretKey: aclSecretKey, MaxLifetime: 40 * time.Second,
		})
		np.waitStarted(nodeTimeout)
		np.waitSent(1, nodeTimeout)
		np.Close(nodeTimeout)
		checkSignatures(t, rec.all(), aclSecretKey, "AccessKey", "OnsChannel")
		if n := len(b.Messages(aclTopic)); n != 1 {
			t.Fatalf("messages in %s: %d, want 1", aclTopic, n)
		}
		if ds := b.Denials(); len(ds) != 0 {
			t.Fatalf("denials: %v", ds)
		}
	})

	for _, tt := range []struct {
		name, secret, topic, remark string
	}{
		{"wrong secret", "not-the-secret", aclTopic, remarkWrongSecret},
		{"denied topic", aclSecretKey, deniedTopic, remarkDeniedTopic},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b.ClearDenials()
			b.ClearJournal()
			np := startNodeProducerWith(t, nodeProducerConfig{
				NameSrv: b.Addr(), Group: "PG_acl_node_" + strings.ReplaceAll(tt.name, " ", "_"), Topic: tt.topic, Count: 1,
				AccessKey: aclAccessKey, SecretKey: tt.secret, MaxLifetime: 40 * time.Second,
			})
			ev := nodeFailure(t, np, nodeTimeout)
			// ali-ons retries a SYSTEM_ERROR send only on another broker
			// (selectOneMessageQueue avoids the last one), and then reports
			// the attempts, not the remark: the journal has the reply.
			if !strings.Contains(ev.Message, "still failed") {
				t.Fatalf("ali-ons error %q", ev.Message)
			}
			var sends int
			for _, e := range b.Journal() {
				if e.Code != protocol.SendMessageV2 {
					continue
				}
				sends++
				if e.Result != protocol.SystemError || e.Remark != tt.remark || e.Denied != tt.remark {
					t.Errorf("journal: %s, want SYSTEM_ERROR %q", e, tt.remark)
				}
			}
			if sends != 1 {
				t.Errorf("SEND_MESSAGE_V2 requests: %d, want 1 (one broker: no retry)", sends)
			}
			if ds := b.Denials(); len(ds) != 1 || ds[0].Remark != tt.remark || ds[0].AccessKey != aclAccessKey {
				t.Errorf("denials %v, want one with %q", ds, tt.remark)
			}
		})
	}
}

// nodeFailure waits for producer.js to report a fatal error.
func nodeFailure(t *testing.T, np *nodeProc, timeout time.Duration) nodeEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-np.events:
			if !ok {
				t.Fatalf("producer.js exited without an error event; stderr:\n%s", np.stderrText())
			}
			switch ev.Event {
			case "error":
				return ev
			case "sent":
				t.Fatalf("producer.js sent: %s", ev.Raw)
			}
		case <-deadline:
			t.Fatalf("no error from producer.js within %v", timeout)
		}
	}
}

// TestSignedClientsWithoutACL: without ACL the mock serves signed requests
// and ignores the signature fields, wrong secret included.
func TestSignedClientsWithoutACL(t *testing.T) {
	b := mockbroker.Start(t)
	p := startGoProducerWithCredentials(t, b.Addr(), "PG_noacl_go", primitive.Credentials{AccessKey: aclAccessKey, SecretKey: "not-the-secret"})
	goSend(t, p, deniedTopic, "go")
	np := startNodeProducerWith(t, nodeProducerConfig{
		NameSrv: b.Addr(), Group: "PG_noacl_node", Topic: deniedTopic, Count: 1, HeartbeatInterval: time.Second,
		AccessKey: aclAccessKey, SecretKey: "not-the-secret", MaxLifetime: 40 * time.Second,
	})
	np.waitStarted(nodeTimeout)
	np.waitSent(1, nodeTimeout)
	np.Close(nodeTimeout)
	if n := len(b.Messages(deniedTopic)); n != 2 {
		t.Fatalf("messages: %d, want 2", n)
	}
	if ds := b.Denials(); len(ds) != 0 {
		t.Fatalf("denials without ACL: %v", ds)
	}
}
