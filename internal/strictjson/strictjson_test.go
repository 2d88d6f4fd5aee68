package strictjson

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeAndDescribe(t *testing.T) {
	type body struct {
		Count int    `json:"count"`
		Name  string `json:"name"`
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"ok", `{"count": 1}`, ""},
		{"empty", ``, "empty input: want a JSON object"},
		{"trailing", `{"count": 1} {}`, "data after the JSON value"},
		{"unknown field", `{"cnt": 1}`, `json: unknown field "cnt"`},
		{"syntax", "{\n  \"count\": 1,\n}", "line 3, column 1: invalid character '}' looking for beginning of object key string"},
		{"type", `{"count": "x"}`, "count: found a JSON string, want a JSON number"},
		{"top-level type", `[1]`, "found a JSON array, want a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v body
			got := ""
			if err := Decode([]byte(tc.in), &v); err != nil {
				got = Describe([]byte(tc.in), err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}
