package protocol

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

func TestQuoteBareKeys(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"standard json untouched", `{"0":"a","b":[1,2,{"c":null}]}`, `{"0":"a","b":[1,2,{"c":null}]}`},
		{"fastjson broker addrs", `{0:"127.0.0.1:10911",1:"127.0.0.1:10921"}`, `{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"}`},
		{"negative and long keys", `{-1:"x",9007199254740993:"y"}`, `{"-1":"x","9007199254740993":"y"}`},
		{"nested", `{"brokerDatas":[{"brokerAddrs":{0:"a:1"},"n":1}],"t":{"b":{5:"c"}}}`,
			`{"brokerDatas":[{"brokerAddrs":{"0":"a:1"},"n":1}],"t":{"b":{"5":"c"}}}`},
		{"whitespace", "{ 0 : \"a\" ,\n\t1:\"b\"}", "{ \"0\" : \"a\" ,\n\t\"1\":\"b\"}"},
		{"identifier key", `{abc:1,$x_y.z:2}`, `{"abc":1,"$x_y.z":2}`},
		{"colon comma brace in values", `{0:"a:1,{2}:3",1:"}]"}`, `{"0":"a:1,{2}:3","1":"}]"}`},
		{"escaped quote in value", `{0:"say \"{1:2}\", ok",1:"\\"}`, `{"0":"say \"{1:2}\", ok","1":"\\"}`},
		{"key-looking text in string", `{"k":"{0:\"x\"}"}`, `{"k":"{0:\"x\"}"}`},
		{"keys with colons and escapes", `{"a:b":1,"c\",d":{0:2}}`, `{"a:b":1,"c\",d":{"0":2}}`},
		{"array values are not keys", `{"a":[0,1,true,null,"x"],1:[2]}`, `{"a":[0,1,true,null,"x"],"1":[2]}`},
		{"empty object and array", `{}`, `{}`},
		{"top-level array of objects", `[{0:"a"},{1:"b"}]`, `[{"0":"a"},{"1":"b"}]`},
		{"non-ascii in strings", `{0:"经纪人"}`, `{"0":"经纪人"}`},
		{"unterminated string left alone", `{0:"abc`, `{"0":"abc`},
		{"garbage key left for the decoder", `{'a':1}`, `{'a':1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(QuoteBareKeys([]byte(tc.in)))
			assert.Equal(t, got, tc.want)
		})
	}
}

func TestQuoteBareKeysNoCopyWhenClean(t *testing.T) {
	in := []byte(`{"a":{"0":"b"}}`)
	out := QuoteBareKeys(in)
	assert.Assert(t, &in[0] == &out[0], "expected the input slice back")
}

func TestQuoteBareKeysThenDecode(t *testing.T) {
	var m map[int64]map[string]string
	in := `{0:{"k:1":"v,2"},-7:{"\"q\"":"}"}}`
	assert.NilError(t, json.Unmarshal(QuoteBareKeys([]byte(in)), &m))
	want := map[int64]map[string]string{0: {"k:1": "v,2"}, -7: {`"q"`: "}"}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Fatal(diff)
	}
}

func TestFastjsonStringEscaping(t *testing.T) {
	tests := []struct {
		name          string
		in            string
		plain, browse string
	}{
		{"ascii", "127.0.0.1:10911", `"127.0.0.1:10911"`, `"127.0.0.1:10911"`},
		{"quote backslash slash", `a"b\c/d`, `"a\"b\\c/d"`, `"a\"b\\c\/d"`},
		{"short escapes", "\b\t\n\f\r", `"\b\t\n\f\r"`, `"\b\t\n\f\r"`},
		{"other controls uppercase hex", "\x00\x01\x02\x0b\x1f", `"\u0000\u0001\u0002\u000B\u001F"`, `"\u0000\u0001\u0002\u000B\u001F"`},
		{"DEL and C1", "\x7f\u0085\u009f", `"\u007F\u0085\u009F"`, `"\u007F\u0085\u009F"`},
		{"html is not escaped", "<a>&'", `"<a>&'"`, `"<a>&'"`},
		{"non-ascii", "é经", "\"é经\"", `"\u00E9\u7ECF"`},
		{"line separators", "\u2028\u2029", `"\u2028\u2029"`, `"\u2028\u2029"`},
		{"astral", "😀", "\"😀\"", `"\uD83D\uDE00"`},
		{"invalid utf8", "a\xffb", "\"a\uFFFDb\"", `"a\uFFFDb"`},
		{"empty", "", `""`, `""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, string(fjAppendString(nil, tc.in, false)), tc.plain)
			assert.Equal(t, string(fjAppendString(nil, tc.in, true)), tc.browse)
			// Both forms are valid JSON for the same text (modulo invalid UTF-8).
			for _, enc := range []string{tc.plain, tc.browse} {
				var s string
				assert.NilError(t, json.Unmarshal([]byte(enc), &s))
				if tc.name != "invalid utf8" {
					assert.Equal(t, s, tc.in)
				}
			}
		})
	}
}

func TestDecodeBodyErrors(t *testing.T) {
	_, err := DecodeKVTable(nil)
	assert.Error(t, err, "KVTable: empty body, want a JSON object")
	_, err = DecodeKVTable([]byte(" null "))
	assert.Assert(t, errors.Is(err, fjErrNull), "got %v", err)
	_, err = DecodeKVTable([]byte(`{"table":`))
	assert.ErrorContains(t, err, "KVTable: ")
}
