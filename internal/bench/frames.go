package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// Kind is a request mix the generator sends.
type Kind string

// The request kinds.
const (
	KindHeartbeat Kind = "heartbeat" // HEART_BEAT (34) registering one producer group
	KindProducers Kind = "producers" // GET_PRODUCER_CONNECTION_LIST (204) of the group
	KindRoute     Kind = "route"     // GET_ROUTEINFO_BY_TOPIC (105)
	KindSend      Kind = "send"      // SEND_MESSAGE_V2 (310), one message
	KindMixed     Kind = "mixed"     // heartbeat, route, send, producers in turn
	// KindPull is PULL_MESSAGE (11) of up to pullBatch messages from queue
	// 0 of the topic, which Config.Stored messages fill before the load;
	// each connection walks the stored offsets in turn.
	KindPull Kind = "pull"
)

// pullBatch is the maxMsgNums of a pull, the Java client's default.
const pullBatch = 32

// Kinds lists the request kinds in the order the usage text names them.
var Kinds = []Kind{KindHeartbeat, KindProducers, KindRoute, KindSend, KindMixed, KindPull}

// ParseKind checks a kind name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("kind %q: want one of %s", s, strings.Join(names, ", "))
}

// opaqueBase is added to every sequence number: opaques then always have
// ten decimal digits, so a JSON header can be patched in place.
const opaqueBase = 1_000_000_000

// maxSeq keeps base+seq within int32.
const maxSeq = 1<<31 - 1 - opaqueBase

// frame is one pre-encoded request whose opaque is patched before each write.
type frame struct {
	b     []byte
	opOff int  // offset of the opaque: 10 ASCII digits (JSON) or a big-endian int32
	json  bool // header serialize type
}

// appendTo appends the frame with opaque opaqueBase+seq to dst.
func (f *frame) appendTo(dst []byte, seq uint32) []byte {
	n := len(dst)
	dst = append(dst, f.b...)
	v := uint32(opaqueBase) + seq
	if f.json {
		p := dst[n+f.opOff : n+f.opOff+10]
		for i := 9; i >= 0; i-- {
			p[i] = byte('0' + v%10)
			v /= 10
		}
	} else {
		binary.BigEndian.PutUint32(dst[n+f.opOff:], v)
	}
	return dst
}

// frameSet builds the request frames of one connection.
type frameSet struct {
	group, topic string
	body         int
	serialize    protocol.SerializeType
	pid          int
	stored       int // messages in queue 0 of the topic (KindPull)
}

func (s frameSet) clientID(conn int) string {
	return fmt.Sprintf("127.0.0.1@bench-%d-%d", s.pid, conn)
}

// heartbeat is a Java 5.x client's heartbeat registering one producer in
// the group.
func (s frameSet) heartbeat(conn int) *protocol.Command {
	hb := protocol.HeartbeatData{
		ClientID:        s.clientID(conn),
		ProducerDataSet: []protocol.ProducerData{{GroupName: s.group}},
		ConsumerDataSet: []protocol.ConsumerData{},
	}
	cmd := protocol.NewRequest(protocol.HeartBeat, map[string]string{}, hb.MarshalAs(protocol.Release533))
	return cmd
}

func (s frameSet) producers() *protocol.Command {
	h := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: s.group}
	return protocol.NewRequest(protocol.GetProducerConnectionList, h.Encode(), nil)
}

func (s frameSet) route() *protocol.Command {
	h := protocol.GetRouteInfoRequestHeader{Topic: s.topic}
	return protocol.NewRequest(protocol.GetRouteInfoByTopic, h.Encode(), nil)
}

func (s frameSet) send(conn int) *protocol.Command {
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: s.group, Topic: s.topic, DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
		QueueID: int32(conn % 4), BornTimestamp: time.Now().UnixMilli(),
		Properties: protocol.FormatProperties(map[string]string{
			"UNIQ_KEY": fmt.Sprintf("7F000001%08X%016X", s.pid, conn), "WAIT": "true",
		}),
	}
	return protocol.NewRequest(protocol.SendMessageV2, h.EncodeV2(), bytes.Repeat([]byte{'x'}, s.body))
}

// storedSend is one message of the body size for queue 0, sent before a
// pull load.
func (s frameSet) storedSend() *protocol.Command {
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: s.group, Topic: s.topic, DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
		QueueID: 0, BornTimestamp: time.Now().UnixMilli(),
		Properties: protocol.FormatProperties(map[string]string{"WAIT": "true"}),
	}
	return protocol.NewRequest(protocol.SendMessageV2, h.EncodeV2(), bytes.Repeat([]byte{'x'}, s.body))
}

// pull asks for pullBatch messages from offset of queue 0, with a "*"
// subscription of its own (no heartbeat needed), neither committing an
// offset nor suspending.
func (s frameSet) pull(offset int64) *protocol.Command {
	h := protocol.PullMessageRequestHeader{
		ConsumerGroup: s.group, Topic: s.topic, QueueID: 0, QueueOffset: offset, MaxMsgNums: pullBatch,
		SysFlag: protocol.BuildPullSysFlag(false, false, true, false), SuspendTimeoutMillis: 15000,
		Subscription: "*", ExpressionType: protocol.ExpressionTypeTag,
	}
	return protocol.NewRequest(protocol.PullMessage, h.Encode(), nil)
}

// build returns the frames connection conn cycles through for kind.
func (s frameSet) build(kind Kind, conn int) ([]frame, error) {
	var cmds []*protocol.Command
	switch kind {
	case KindHeartbeat:
		cmds = []*protocol.Command{s.heartbeat(conn)}
	case KindProducers:
		cmds = []*protocol.Command{s.producers()}
	case KindRoute:
		cmds = []*protocol.Command{s.route()}
	case KindSend:
		cmds = []*protocol.Command{s.send(conn)}
	case KindMixed:
		cmds = []*protocol.Command{s.heartbeat(conn), s.route(), s.send(conn), s.producers()}
	case KindPull:
		for off := 0; off == 0 || off < s.stored; off += pullBatch {
			cmds = append(cmds, s.pull(int64(off)))
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	out := make([]frame, len(cmds))
	for i, c := range cmds {
		f, err := s.encode(c)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// encode writes cmd with a placeholder opaque and finds where it sits.
func (s frameSet) encode(cmd *protocol.Command) (frame, error) {
	cmd.Language, cmd.Version, cmd.Serialize = protocol.Java, protocol.V5_3_3, s.serialize
	cmd.ExtFieldsTable = protocol.JavaAddExtFieldTable
	cmd.Opaque = opaqueBase
	b, err := cmd.Encode()
	if err != nil {
		return frame{}, fmt.Errorf("encoding %v: %w", protocol.RequestCode(cmd.Code), err)
	}
	if s.serialize != protocol.JSON {
		// ROCKETMQ header: length, header length, code(2) language(1) version(2) opaque(4).
		return frame{b: b, opOff: 4 + 4 + 2 + 1 + 2}, nil
	}
	hl := int(binary.BigEndian.Uint32(b[4:8]) & 0xFFFFFF)
	key := []byte(`"opaque":` + strconv.Itoa(opaqueBase))
	i := bytes.LastIndex(b[8:8+hl], key)
	if i < 0 {
		return frame{}, fmt.Errorf("encoding %v: no opaque in the JSON header", protocol.RequestCode(cmd.Code))
	}
	return frame{b: b, opOff: 8 + i + len(`"opaque":`), json: true}, nil
}

// reply is what the generator reads of a reply header.
type reply struct {
	code   int32
	opaque int32
	flag   int32
}

// parseReply reads code, opaque and flag from a frame's header without
// decoding the rest: fixed offsets in a ROCKETMQ header, the keys' first
// (code) or last (flag, opaque) occurrence in a JSON one. fastjson writes
// keys in alphabetical order, so code comes before extFields, flag and
// opaque after it; a remark cannot hold an unescaped quote.
func parseReply(f []byte) (reply, bool) {
	if len(f) < 8 {
		return reply{}, false
	}
	hl := int(binary.BigEndian.Uint32(f[4:8]) & 0xFFFFFF)
	if 8+hl > len(f) {
		return reply{}, false
	}
	h := f[8 : 8+hl]
	if f[4] != byte(protocol.JSON) {
		if len(h) < 13 {
			return reply{}, false
		}
		return reply{
			code:   int32(int16(binary.BigEndian.Uint16(h[0:2]))),
			opaque: int32(binary.BigEndian.Uint32(h[5:9])),
			flag:   int32(binary.BigEndian.Uint32(h[9:13])),
		}, true
	}
	code, ok1 := jsonInt(h, bytes.Index(h, []byte(`"code":`)), len(`"code":`))
	op, ok2 := jsonInt(h, bytes.LastIndex(h, []byte(`"opaque":`)), len(`"opaque":`))
	flag, ok3 := jsonInt(h, bytes.LastIndex(h, []byte(`"flag":`)), len(`"flag":`))
	return reply{code: int32(code), opaque: int32(op), flag: int32(flag)}, ok1 && ok2 && ok3
}

// jsonInt parses the integer after key at h[at:].
func jsonInt(h []byte, at, keyLen int) (int64, bool) {
	if at < 0 {
		return 0, false
	}
	p := h[at+keyLen:]
	neg := false
	if len(p) > 0 && p[0] == '-' {
		neg, p = true, p[1:]
	}
	var v int64
	n := 0
	for n < len(p) && p[n] >= '0' && p[n] <= '9' {
		v = v*10 + int64(p[n]-'0')
		n++
	}
	if neg {
		v = -v
	}
	return v, n > 0
}
