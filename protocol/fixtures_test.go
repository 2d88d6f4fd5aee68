package protocol

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// goldenFrames reads every golden frame under fixtures/frames.
func goldenFrames(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("../fixtures/frames/*/*.bin")
	assert.NilError(t, err)
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		assert.NilError(t, err)
		rel, _ := filepath.Rel("../fixtures/frames", p)
		out[filepath.ToSlash(rel)] = b
	}
	return out
}

// volatile matches values that change on every capture.
var (
	digits  = regexp.MustCompile(`^[0-9]+$`)
	uniqKey = regexp.MustCompile("^UNIQ_KEY\x01[0-9A-Fa-f]{32}\x02$") // Go mixes hex case
	goID    = regexp.MustCompile(`^[0-9.]+@[0-9]+#[0-9]+$`)
)

// TestFixtureFrames decodes every frame captured from a real client and
// checks its fields: what each client is known to send, with volatile
// values (timestamps, opaques, ids) checked by pattern.
func TestFixtureFrames(t *testing.T) {
	goHeader := Command{Language: Go, Version: 317}
	aliHeader := Command{Language: Java, Version: 121}
	type want struct {
		header   Command           // Code, Language, Version, Flag, Remark, Serialize
		ext      map[string]string // exact values ("" = checked by pattern below)
		patterns map[string]*regexp.Regexp
		check    func(t *testing.T, c *Command)
	}
	with := func(c Command, code RequestCode) Command { c.Code = int32(code); return c }
	tests := map[string]want{
		"rocketmq-client-go/105_GET_ROUTEINFO_BY_TOPIC.bin": {
			header: with(goHeader, GetRouteInfoByTopic), ext: map[string]string{"topic": "TopicCapture"},
		},
		"rocketmq-client-go/034_HEART_BEAT.bin": {
			header: with(goHeader, HeartBeat), ext: map[string]string{},
			check: func(t *testing.T, c *Command) {
				hb, err := DecodeHeartbeatData(c.Body)
				assert.NilError(t, err)
				assert.Assert(t, goID.MatchString(hb.ClientID), hb.ClientID)
				assert.DeepEqual(t, hb.ProducerGroups(), []string{"PG_capture"})
				assert.Equal(t, len(hb.ConsumerDataSet), 0)
			},
		},
		"rocketmq-client-go/010_SEND_MESSAGE.bin": {
			header: with(goHeader, SendMessage),
			ext: map[string]string{"producerGroup": "PG_capture", "topic": "TopicCapture", "defaultTopic": "TBW102",
				"defaultTopicQueueNums": "4", "sysFlag": "0", "flag": "0", "reconsumeTimes": "0", "unitMode": "false",
				"batch": "false", "maxReconsumeTimes": "0", "queueId": "", "bornTimestamp": "", "properties": ""},
			patterns: map[string]*regexp.Regexp{"queueId": regexp.MustCompile(`^[0-3]$`), "bornTimestamp": digits, "properties": uniqKey},
			check: func(t *testing.T, c *Command) {
				h, err := DecodeSendMessageHeader(SendMessage, c.ExtFields)
				assert.NilError(t, err)
				assert.Assert(t, !h.IsBatch())
				assert.Equal(t, string(c.Body), "hello from go")
			},
		},
		"rocketmq-client-go/320_SEND_BATCH_MESSAGE.bin": {
			header: with(goHeader, SendBatchMessage),
			ext: map[string]string{"a": "PG_capture", "b": "TopicCapture", "c": "TBW102", "d": "4", "e": "", "f": "0",
				"g": "", "h": "0", "i": "", "j": "0", "k": "false", "l": "0", "m": "true"},
			patterns: map[string]*regexp.Regexp{"e": regexp.MustCompile(`^[0-3]$`), "g": digits, "i": regexp.MustCompile(`^$`)},
			check: func(t *testing.T, c *Command) {
				h, err := DecodeSendMessageHeader(SendBatchMessage, c.ExtFields)
				assert.NilError(t, err)
				assert.Assert(t, h.IsBatch())
				msgs, err := DecodeBatch(c.Body)
				assert.NilError(t, err)
				var bodies []string
				for _, m := range msgs {
					bodies = append(bodies, string(m.Body))
				}
				assert.DeepEqual(t, bodies, []string{"batch 0", "batch 1"})
			},
		},
		"ali-ons/105_GET_ROUTEINFO_BY_TOPIC.bin": {
			header: with(aliHeader, GetRouteInfoByTopic), ext: map[string]string{"topic": "TopicCapture"},
		},
		"ali-ons/034_HEART_BEAT.bin": {
			header: with(aliHeader, HeartBeat), ext: map[string]string{},
			check: func(t *testing.T, c *Command) {
				hb, err := DecodeHeartbeatData(c.Body)
				assert.NilError(t, err)
				assert.Equal(t, hb.ClientID, "10.0.0.9@capture")
				groups := hb.ProducerGroups()
				sort.Strings(groups)
				assert.DeepEqual(t, groups, []string{"CLIENT_INNER_PRODUCER", "PG_capture"})
			},
		},
		"ali-ons/310_SEND_MESSAGE_V2.bin": {
			header: with(aliHeader, SendMessageV2),
			// ali-ons writes d, e, f, g, h, j as JSON numbers and k as a boolean.
			ext: map[string]string{"a": "PG_capture", "b": "TopicCapture", "c": "TBW102", "d": "4", "e": "",
				"f": "0", "g": "", "h": "0", "i": "TAGS\x01interop\x02", "j": "0", "k": "false"},
			patterns: map[string]*regexp.Regexp{"e": regexp.MustCompile(`^[0-3]$`), "g": digits},
			check: func(t *testing.T, c *Command) {
				h, err := DecodeSendMessageHeader(SendMessageV2, c.ExtFields)
				assert.NilError(t, err)
				assert.Equal(t, h.Topic, "TopicCapture")
				assert.Equal(t, ParseProperties(h.Properties)["TAGS"], "interop")
				assert.Equal(t, string(c.Body), "hello from ali-ons #0")
			},
		},
		"ali-ons/035_UNREGISTER_CLIENT.bin": {
			header: with(aliHeader, UnregisterClient),
			ext:    map[string]string{"clientID": "10.0.0.9@capture", "producerGroup": "PG_capture"},
			check: func(t *testing.T, c *Command) {
				var h UnregisterClientRequestHeader
				assert.NilError(t, h.Decode(c.ExtFields))
				assert.Equal(t, h.ClientID, "10.0.0.9@capture")
			},
		},
	}
	frames := goldenFrames(t)
	var names []string
	for n := range frames {
		names = append(names, n)
	}
	for n := range tests {
		if _, ok := frames[n]; !ok {
			t.Errorf("fixture %s is missing", n)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			w, ok := tests[name]
			assert.Assert(t, ok, "no expectations for fixture %s: add them", name)
			raw := frames[name]
			n, err := PeekFrame(raw, 0)
			assert.NilError(t, err)
			assert.Equal(t, n, len(raw), "one whole frame")
			c, err := DecodeFrame(raw)
			assert.NilError(t, err)
			head := Command{Code: c.Code, Language: c.Language, Version: c.Version, Flag: c.Flag, Remark: c.Remark, Serialize: c.Serialize}
			assert.Assert(t, cmp.Equal(head, w.header), cmp.Diff(w.header, head))
			ext := map[string]string{}
			for k, v := range c.ExtFields {
				ext[k] = v
				if p := w.patterns[k]; p != nil {
					assert.Assert(t, p.MatchString(v), "extFields[%q] = %q, want %s", k, v, p)
					ext[k] = ""
				}
			}
			assert.Assert(t, cmp.Equal(ext, w.ext), cmp.Diff(w.ext, ext))
			if w.check != nil {
				w.check(t, c)
			}
			// Re-encoding (fastjson's key order, not the client's) keeps every field.
			again, err := c.Encode()
			assert.NilError(t, err)
			back, err := DecodeFrame(again)
			assert.NilError(t, err)
			assert.Assert(t, cmp.Equal(back, c), cmp.Diff(c, back))
			// And so does the ROCKETMQ binary header, byte-stable on a second
			// pass; it writes empty extFields as length 0, which reads back as
			// absent (Java reads null too).
			c.Serialize = RocketMQ
			if len(c.ExtFields) == 0 {
				c.ExtFields = nil
			}
			bin, err := c.Encode()
			assert.NilError(t, err)
			back, err = DecodeFrame(bin)
			assert.NilError(t, err)
			assert.Assert(t, cmp.Equal(back, c), cmp.Diff(c, back))
			bin2, err := back.Encode()
			assert.NilError(t, err)
			assert.DeepEqual(t, bin2, bin)
		})
	}
}
