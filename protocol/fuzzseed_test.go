package protocol

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Seed corpora for the fuzz targets in fuzz_test.go: the spec examples the
// other tests use, plus the golden frames captured from real clients under
// fixtures/frames/ when that folder exists.

// fixtureFramesDir holds golden frames captured from real clients.
const fixtureFramesDir = "../fixtures/frames"

// fixtureFrames returns every golden frame under fixtures/frames/, or nil if
// the folder does not exist. A file whose name ends in .hex or .txt holds hex
// digits (spaces, '|' and lines starting with '#' or "//" are ignored); any
// other file is taken as raw bytes, except notes (.md, .json, .yaml, README).
// A capture file may hold several frames back to back; they are split with
// PeekFrame. Whatever does not split cleanly is still returned whole: it is a
// valid fuzz input all the same.
func fixtureFrames(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	err := filepath.WalkDir(fixtureFramesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || isFixtureNote(d.Name()) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(d.Name())) {
		case ".hex", ".txt":
			if b, ok := parseHexDump(string(data)); ok {
				data = b
			}
		}
		out = append(out, splitFrames(data)...)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatalf("reading %s: %v", fixtureFramesDir, err)
	}
	return out
}

func isFixtureNote(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "readme") || strings.HasPrefix(lower, ".") {
		return true
	}
	switch filepath.Ext(lower) {
	case ".md", ".json", ".yaml", ".yml", ".go":
		return true
	}
	return false
}

// parseHexDump decodes hex digits, ignoring white space, '|' separators and
// comment lines.
func parseHexDump(s string) ([]byte, bool) {
	var digits strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
			continue
		}
		for _, r := range line {
			switch r {
			case ' ', '\t', '\r', '|':
			default:
				digits.WriteRune(r)
			}
		}
	}
	b, err := hex.DecodeString(digits.String())
	return b, err == nil && len(b) > 0
}

// splitFrames splits back-to-back frames; data that does not split cleanly
// is returned whole.
func splitFrames(data []byte) [][]byte {
	var out [][]byte
	for rest := data; len(rest) > 0; {
		n, err := PeekFrame(rest, 0)
		if err != nil || n == 0 {
			return [][]byte{data}
		}
		out = append(out, rest[:n:n])
		rest = rest[n:]
	}
	return out
}

// fixtureCommands decodes the golden frames that decode.
func fixtureCommands(tb testing.TB) []*Command {
	var out []*Command
	for _, f := range fixtureFrames(tb) {
		if c, err := DecodeFrame(f); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// seedCommands are commands from the spec examples and the other tests.
func seedCommands() []*Command {
	return []*Command{
		{Code: 34, Language: Go, Version: 317, Opaque: 1, ExtFields: map[string]string{}, Body: []byte(hbGoProducerBody)},
		{Code: 34, Language: Java, Version: 479, Opaque: 1, ExtFields: map[string]string{}, Body: []byte(hbJava5Body)},
		{Code: 34, Language: Java, Version: 409, Opaque: 3, Body: []byte(hbJava4Body)},
		{Code: 34, Language: Java, Version: 479, Opaque: 9, Body: []byte(hbJavaConsumerBody)},
		{Code: 0, Language: Java, Version: 409, Opaque: 1, Flag: 1},
		{Code: 0, Language: Java, Version: 479, Opaque: 1, Flag: 1,
			ExtFields: map[string]string{"IS_SUB_CHANGE": "true", "IS_SUPPORT_HEART_BEAT_V2": "true"}, ExtFieldsTable: JavaAddExtFieldTable},
		{Code: 3, Language: Java, Version: 479, Opaque: 7, Flag: 1, Remark: " request type 9999 not supported"},
		{Code: 0, Language: Java, Version: 479, Opaque: 12, Flag: 1, ExtFields: map[string]string{
			"msgId": "7F00000100002A9F0000000000000000", "queueId": "1", "queueOffset": "0",
			"transactionId": "7F000001B3E418B4AAC25C3B7E4E0000", "MSG_REGION": "DefaultRegion", "TRACE_ON": "true"},
			ExtFieldsTable: JavaAddExtFieldTable},
		{Code: 17, Language: Java, Version: 479, Opaque: 2, Flag: 1, Remark: "No topic route info in name server for the topic: T\nSee \"x\" \\ \x01 ünï"},
		{Code: 0, Language: Java, Version: 409, Opaque: 5, Flag: 1, Body: []byte(`{"connectionSet":[]}`)},
		{Code: 35, Language: Go, Version: 317, Opaque: 4, ExtFields: map[string]string{"clientID": "10.0.0.5@4242", "producerGroup": "PG"}},
		{Code: 204, Language: Java, Version: 479, Opaque: 8, ExtFields: map[string]string{"producerGroup": "PG"}},
		{Code: 105, Language: Go, Version: 317, Opaque: 2, ExtFields: map[string]string{"topic": "T"}},
		{Code: 105, Language: Java, Version: 479, Opaque: 2, ExtFields: map[string]string{"topic": "T", "acceptStandardJsonOnly": "true", "lo": "false"}},
		{Code: 10, Language: Go, Version: 317, Opaque: 6, ExtFields: goSendV1, Body: []byte("hello")},
		{Code: 310, Language: Java, Version: 479, Opaque: 6, ExtFields: javaSendV2, Body: []byte("hello")},
		{Code: 320, Language: Java, Version: 479, Opaque: 6, ExtFields: javaSendV2, Body: seedBatch()},
		{Code: 37, Language: Java, Version: 479, Opaque: 11, Flag: FlagOneway, ExtFields: map[string]string{
			"producerGroup": "PG", "tranStateTableOffset": "5", "commitLogOffset": "1024", "commitOrRollback": "8",
			"fromTransactionCheck": "false", "msgId": "UNIQ", "transactionId": "UNIQ"}},
		{Code: 0, Language: Java, Version: 479, Opaque: 8, Flag: 1, Body: benchConnections(3).Marshal()},
		{Code: 200050, Language: NodeJS, Version: 479, Opaque: -1, Flag: 3, Remark: "é\u2028😀"},
		{Code: -1, Language: LanguageUnknown, Version: -1, Opaque: 0x7fffffff, ExtFields: map[string]string{"": ""}},
	}
}

// seedFrames are whole frames: the spec examples, the seed commands in both
// header types, frames the error tests use, and the golden frames.
func seedFrames(tb testing.TB) [][]byte {
	tb.Helper()
	out := [][]byte{unhex(tb, goHeartbeatHex)}
	for _, c := range seedCommands() {
		for _, st := range []SerializeType{JSON, RocketMQ} {
			cc := *c
			cc.Serialize = st
			if f, err := cc.Encode(); err == nil {
				out = append(out, f)
			}
		}
	}
	for _, h := range seedJSONHeaders() {
		out = append(out, frame(JSON, []byte(h), []byte("{}")))
	}
	for _, h := range seedBinaryHeaders(tb) {
		out = append(out, frame(RocketMQ, h, nil))
	}
	out = append(out,
		[]byte{0, 0, 0, 2, 0, 0},                           // no room for the header length
		[]byte{0x80, 0, 0, 0},                              // negative length
		[]byte{0, 0xff, 0xff, 0xfd},                        // too large
		frame(2, []byte("{}"), nil),                        // unknown serialize type
		[]byte{0, 0, 0, 8, 0, 0, 0, 9, '{', '}', ' ', ' '}, // header beyond the frame
	)
	return append(out, fixtureFrames(tb)...)
}

// seedJSONHeaders are JSON headers from the spec and the lenient-reading tests.
func seedJSONHeaders() []string {
	return []string{
		`{"code":34,"language":"GO","version":317,"opaque":1,"flag":0,"remark":"","extFields":{}}`,
		`{"code":0,"flag":1,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":409}`,
		`{"code":0,"extFields":{"IS_SUPPORT_HEART_BEAT_V2":"true","IS_SUB_CHANGE":"true"},"flag":1,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":479}`,
		`{"code":10,"extFields":{"queueId":3,"unitMode":false,"x":null,"o":{"a":[1]}},"opaque":2}`,
		"{ \"foo\" : [1,{\"b\":true}], \"code\" : \"34\" ,\n\"language\":\"NODE_JS\", \"remark\":null, \"extFields\":null}",
		`{"code":1,"language":9,"remark":"a\"b\\c\u00e9\ud83d\ude00\/"}`,
		`{"code":1,"language":"KLINGON"}`,
		`{}`,
		`{"code":}`,
		`{"code":"x"}`,
		`{"code":1}x`,
		`{"x":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
		`{"remark":"\ud800\u0041\udc00 \b\f\n\r\t\u001f","extFields":{"k\u0000":"v\\","":""}}`,
	}
}

// seedBinaryHeaders are ROCKETMQ headers from the spec and the error tests.
func seedBinaryHeaders(tb testing.TB) [][]byte {
	tb.Helper()
	hexes := []string{
		"0000 00 01df 00000001 00000001 00000000 00000039 0018" + hex.EncodeToString([]byte("IS_SUPPORT_HEART_BEAT_V2")) +
			"00000004" + hex.EncodeToString([]byte("true")) + "000d" + hex.EncodeToString([]byte("IS_SUB_CHANGE")) +
			"00000004" + hex.EncodeToString([]byte("true")),
		"0022 00 01df 00000001 00000000 00000000 00000000",
		"0022 00 01df 00000001 00000000 00000005 00000000",
		"0022 00 01df 00000001 00000000 00000000 7fffffff",
		"0022 00 01df 00000001 00000000 00000000 00000003 0005 6162",
		"0022 ff 01df 00000001 00000000 00000002 6869 0000000a 0001 41 00000003 424344",
		"ffff 0d 8000 80000000 ffffffff 00000000 00000006 0000 00000000",
	}
	out := [][]byte{make([]byte, 20)}
	for _, h := range hexes {
		out = append(out, unhex(tb, h))
	}
	return out
}

// seedBodies are JSON bodies of every kind, from the spec and the tests,
// and the bodies of the golden frames.
func seedBodies(tb testing.TB) [][]byte {
	tb.Helper()
	bodies := []string{
		hbGoProducerBody, hbJava5Body, hbJava4Body, hbJavaConsumerBody, hbGoConsumerBody,
		`{"clientID":"c","consumerDataSet":[{"groupName":"CG","subscriptionDataSet":[]}],"heartbeatFingerprint":-123456,"producerDataSet":[],"withoutSub":true}`,
		`{"clientID":"c","future":{"x":[1,{2:3}]},"producerDataSet":null,"consumerDataSet":[{"groupName":"G","subscriptionDataSet":[{"topic":"T","codeSet":null,"tagsSet":null}]}]}`,
		`{"connectionSet":[{"clientAddr":"127.0.0.1:54321","clientId":"10.0.0.1@123#456","language":"JAVA","version":479}]}`,
		`{"connectionSet":[{"clientId":"a","language":9,"extra":true},{"language":null},{"language":"COBOL"}]}`,
		`{"data":{"PG":[{"clientId":"10.0.0.1@1","language":"GO","lastUpdateTimestamp":1700000000000,"remoteIP":"/127.0.0.1:5555","version":317}],"empty":[]}}`,
		routePlainSpec, routeStandardSpec, clusterInfoSpec,
		`{"table":{"brokerVersionDesc":"V5_3_3","msgPutTotalTodayNow":"0","putTps":"0.0 0.0 0.0","q\"uote":"é"}}`,
		`{0:"a",-7:{"k:1":"v,2"},abc:[{$x_y.z:2}]}`,
		hbAliOnsConsumerBody, consumerConnectionBody, consumeStats498Body, consumeStats533Body,
		runningInfoJava, runningInfoGo,
		`{"clientId":"c","consumerGroup":"CG","mqSet":[{"brokerName":"b","queueId":0,"topic":"T"}],"onlyThisBroker":true}`,
		`{"lockOKMQSet":[{"brokerName":"b","queueId":1,"topic":"T"}]}`,
		`{"consumerIdList":["10.0.0.1@1",2,null]}`,
		`{"offsetTable":{"{\"topic\":\"T\"}":{"brokerOffset":1}},"consumeTps":1E400}`,
		"null", "", "{}", "[]",
	}
	out := make([][]byte, 0, len(bodies))
	for _, b := range bodies {
		out = append(out, []byte(b))
	}
	for _, c := range fixtureCommands(tb) {
		if len(c.Body) > 0 {
			out = append(out, c.Body)
		}
	}
	return out
}

// seedBatch is a SEND_BATCH_MESSAGE body of three records.
func seedBatch() []byte {
	var body []byte
	body = AppendBatchMessage(body, 0, []byte("hello"), "UNIQ_KEY\x01AC110001000118B4AAC2000000000000\x02WAIT\x01true\x02")
	body = AppendBatchMessage(body, 7, nil, "TAGS\x01TagA\x02")
	return AppendBatchMessage(body, -1, []byte{0, 1, 2}, "")
}

// seedBatches are batch bodies: hand-made ones and those of the golden
// SEND_BATCH_MESSAGE frames.
func seedBatches(tb testing.TB) [][]byte {
	good := AppendBatchMessage(nil, 0, []byte("abc"), "A\x01b\x02")
	out := [][]byte{nil, seedBatch(), good, good[:25], append(append([]byte(nil), good...), 0, 0, 0)}
	for _, c := range fixtureCommands(tb) {
		if c.Code == int32(SendBatchMessage) && len(c.Body) > 0 {
			out = append(out, c.Body)
		}
	}
	return out
}

// seedExts are extFields for the typed header decoders.
func seedExts(tb testing.TB) []map[string]string {
	out := []map[string]string{
		nil, {},
		{"ns": "NS1", "nsd": "true", "bname": "broker-a", "oway": "false"},
		{"clientID": "10.0.0.1@123#456", "producerGroup": "PG", "consumerGroup": "CG"},
		{"producerGroup": "PG"},
		{"topic": "T", "acceptStandardJsonOnly": "TRUE", "lo": "False", "bname": "b"},
		goSendV1, javaSendV2,
		{"a": "PG", "topic": "T", "c": "TBW102", "defaultTopicQueueNums": "4", "e": "-1", "sysFlag": "1", "g": "9", "flag": "3", "lo": "true", "ns": "N"},
		{"queueId": "1", "transactionId": "7F000001B3E418B4AAC25C3B7E4E0000", "msgId": "7F00000100002A9F0000000000000000",
			"TRACE_ON": "true", "MSG_REGION": "DefaultRegion", "queueOffset": "0", "batchUniqId": "U", "recallHandle": "R"},
		{"producerGroup": "PG", "tranStateTableOffset": "5", "commitLogOffset": "1024", "commitOrRollback": "8",
			"fromTransactionCheck": "false", "msgId": "UNIQ", "transactionId": "UNIQ", "bname": "broker-a", "topic": "T"},
		{"tranStateTableOffset": "7", "commitLogOffset": "4096", "msgId": "U", "transactionId": "U",
			"offsetMsgId": "7F00000100002A9F0000000000001000", "topic": "T", "bname": "broker-a"},
		{"clientID": "", "producerGroup": "x", "queueId": "+1", "commitOrRollback": "7", "nsd": "maybe"},
		pullJava498, pullJava533, pullGo, pullAliOns,
		{"suggestWhichBrokerId": "0", "nextBeginOffset": "3", "minOffset": "1", "maxOffset": "3",
			"topicSysFlag": "0", "groupSysFlag": "0", "offsetDelta": "-2", "forbiddenType": "1"},
		{"consumerGroup": "CG", "topic": "T", "queueId": "3", "commitOffset": "9", "setZeroIfNotFound": "false",
			"committed": "true", "timestamp": "1700000000000", "boundaryType": "upper", "offset": "-1", "topicList": "A;B;"},
		{"offset": "4096", "group": "CG", "delayLevel": "0", "originMsgId": "M", "originTopic": "T", "unitMode": "false",
			"maxReconsumeTimes": "16", "clientId": "c", "jstackEnable": "true"},
	}
	for _, c := range fixtureCommands(tb) {
		if c.ExtFields != nil {
			out = append(out, c.ExtFields)
		}
	}
	return out
}

// formatExt writes extFields in the "key=value\n" form parseExt reads, keys
// sorted; nil gives "" and an empty map "{}".
func formatExt(m map[string]string) string {
	if m == nil {
		return ""
	}
	if len(m) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(m[k])
		b.WriteByte('\n')
	}
	return b.String()
}

// parseExt reads extFields written by formatExt: "" is nil, "{}" an empty
// map, otherwise one "key=value" per line (a line without '=' is a key with
// an empty value; the last of duplicate keys wins).
func parseExt(s string) map[string]string {
	switch s {
	case "":
		return nil
	case "{}":
		return map[string]string{}
	}
	m := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSuffix(s, "\n"), "\n") {
		k, v, _ := strings.Cut(line, "=")
		m[k] = v
	}
	return m
}
