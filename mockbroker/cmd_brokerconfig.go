package mockbroker

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker/internal/store"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// brokerSettings are the broker config properties the mock has, as
// GET_BROKER_CONFIG shows and UPDATE_BROKER_CONFIG changes them.
type brokerSettings struct {
	mu    sync.Mutex
	props map[string]string
	ver   int64 // DataVersion counter
	at    int64 // DataVersion timestamp (ms): the last change, else creation
	born  int64 // creation (ms): the timestamp of tables never changed
}

func newBrokerSettings() *brokerSettings {
	now := time.Now().UnixMilli()
	return &brokerSettings{born: now, props: map[string]string{
		"autoCreateTopicEnable":       "true",
		"autoCreateSubscriptionGroup": "true",
		"brokerPermission":            "6",
		"clusterTopicEnable":          "true",
		"brokerTopicEnable":           "true",
		"traceTopicEnable":            "false",
		"msgTraceTopicName":           "RMQ_SYS_TRACE_TOPIC",
		"brokerId":                    "0",
		"brokerRole":                  "ASYNC_MASTER",
		"flushDiskType":               "ASYNC_FLUSH",
		"maxMessageSize":              "4194304",
		"messageDelayLevel":           "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h",
	}, at: now}
}

func (s *brokerSettings) set(k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.props[k] = v
	s.ver++
	s.at = time.Now().UnixMilli()
}

// version counts the changes made to the settings.
func (s *brokerSettings) version() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ver
}

func (s *brokerSettings) get(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.props[k]
}

func (s *brokerSettings) bool(k string) bool { return strings.EqualFold(s.get(k), "true") }

func (s *brokerSettings) int(k string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s.get(k)))
	if err != nil {
		return def
	}
	return n
}

func (s *brokerSettings) snapshot() (map[string]string, store.DataVersion) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.props), store.DataVersion{Counter: s.ver, Timestamp: s.at}
}

// dataVersionJSON is DataVersion.toJson: 5.x adds stateVersion; a table
// never changed has the broker's start as its timestamp.
func (b *Broker) dataVersionJSON(v store.DataVersion) string {
	if v.Timestamp == 0 {
		v.Timestamp = b.cfg.settings.born
	}
	if b.cfg.release == protocol.Release498 {
		return fmt.Sprintf(`{"counter":%d,"timestamp":%d}`, v.Counter, v.Timestamp)
	}
	return fmt.Sprintf(`{"counter":%d,"stateVersion":0,"timestamp":%d}`, v.Counter, v.Timestamp)
}

// autoCreateTopic is autoCreateTopicEnable.
func (b *Broker) autoCreateTopic() bool { return b.cfg.settings.bool("autoCreateTopicEnable") }

// brokerPermission is brokerPermission (PermName bits, default 6).
func (b *Broker) brokerPermission() int32 {
	return int32(b.cfg.settings.int("brokerPermission", permRead|permWrite))
}

// registerBrokerConfigCodes registers 25 and 26.
func (b *Broker) registerBrokerConfigCodes(m *remoting.Mux) {
	m.Handle(protocol.UpdateBrokerConfig, handle(b.updateBrokerConfig))
	m.Handle(protocol.GetBrokerConfig, handle(b.brokerConfig))
}

// brokerConfigs are every property GET_BROKER_CONFIG lists, with the
// fixed ones (names, port) filled in.
func (b *Broker) brokerConfigs() (map[string]string, store.DataVersion) {
	props, ver := b.cfg.settings.snapshot()
	props["brokerName"] = b.cfg.brokerName
	props["brokerClusterName"] = b.cfg.clusterName
	props["defaultTopicQueueNums"] = strconv.Itoa(b.cfg.queueNums)
	if host, port, ok := strings.Cut(b.AdvertisedAddr(), ":"); ok {
		props["brokerIP1"], props["listenPort"] = host, port
	}
	return props, ver
}

// configBlackList is AdminBrokerProcessor.configBlackList (4.9.8 has
// none: every key may be updated; 5.x refuses these).
var configBlackList = []string{"brokerConfigPath", "rocketmqHome", "configBlackList"}

// updateBrokerConfig (25) is AdminBrokerProcessor.updateBrokerConfig: the
// body is java.util.Properties text; every key is stored.
func (b *Broker) updateBrokerConfig(c *conn, req *protocol.Command) *protocol.Command {
	if len(req.Body) > 0 {
		props := parseProperties(string(req.Body))
		if b.cfg.release != protocol.Release498 {
			for _, k := range configBlackList {
				if _, ok := props[k]; ok {
					return protocol.NewResponse(req, protocol.NoPermission, "Can not update config in black list.")
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(props)) {
			b.cfg.settings.set(k, props[k])
		}
	}
	return protocol.NewResponse(req, protocol.Success, "")
}

// brokerConfig (26) is AdminBrokerProcessor.getBrokerConfig: "key=value"
// lines, and the config's DataVersion in the header.
func (b *Broker) brokerConfig(c *conn, req *protocol.Command) *protocol.Command {
	props, ver := b.brokerConfigs()
	var sb strings.Builder
	for _, k := range slices.Sorted(maps.Keys(props)) {
		sb.WriteString(k + "=" + props[k] + "\n")
	}
	resp := protocol.NewResponse(req, protocol.Success, "")
	resp.Body = []byte(sb.String())
	resp.ExtFields = map[string]string{"version": b.dataVersionJSON(ver)}
	return resp
}

// parseProperties is MixAll.string2Properties for the plain "k=v" lines
// admin tools send (comments and blank lines skipped).
func parseProperties(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}
