package textdiff

import (
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	var long, longChanged []string
	for i := range 20 {
		long = append(long, strings.Repeat("x", i+1))
	}
	longChanged = append(longChanged, long...)
	longChanged[10] = "changed"
	for _, tc := range []struct {
		name, want, got, diff string
	}{
		{"equal texts give no diff", "a\nb\n", "a\nb\n", ""},
		{"changed lines", "one\ntwo\nthree\nfour\n", "one\n2\nthree\nfour\nfive\n",
			" one\n-two\n+2\n three\n four\n+five\n \n"},
		{"long unchanged runs are elided", strings.Join(long, "\n"), strings.Join(longChanged, "\n"),
			" ... (7 unchanged lines)\n" +
				" xxxxxxxx\n xxxxxxxxx\n xxxxxxxxxx\n" +
				"-xxxxxxxxxxx\n+changed\n" +
				" xxxxxxxxxxxx\n xxxxxxxxxxxxx\n xxxxxxxxxxxxxx\n" +
				" ... (6 unchanged lines)\n"},
		{"short unchanged runs are kept", "a\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n", " a\n b\n c\n d\n-e\n+E\n \n"},
	} {
		if d := Lines(tc.want, tc.got); d != tc.diff {
			t.Errorf("%s: Lines =\n%s\nwant\n%s", tc.name, d, tc.diff)
		}
	}
}

func TestLinesQuotesInvisibleDifferences(t *testing.T) {
	d := Lines("a\n", "a \n")
	if !strings.Contains(d, `(quoted: want "a\n", got "a \n")`) {
		t.Errorf("Lines of texts differing in a trailing space = %q, want the quoted texts", d)
	}
	d = Lines("a\n", "a")
	if !strings.Contains(d, "-\n") || !strings.Contains(d, `(quoted: want "a\n", got "a")`) {
		t.Errorf("Lines of texts differing in the final newline = %q, want a removed empty line and the quoted texts", d)
	}
}

func TestLinesLargeInputsStillDiff(t *testing.T) {
	a := strings.Repeat("same\n", 3000) + "old\n"
	b := strings.Repeat("other\n", 3000) + "new\n"
	d := Lines(a, b)
	if !strings.Contains(d, "-old\n") || !strings.Contains(d, "+new\n") {
		t.Errorf("Lines of large texts does not show the last lines changed: %.200q...", d)
	}
}

type code int

func (c code) String() string { return map[code]string{0: "SUCCESS", 1: "SYSTEM_ERROR"}[c] }

type reply struct {
	Code   code
	Remark string
	Ext    map[string]string
	Body   []byte
	Next   *reply
	hidden int
}

func TestRender(t *testing.T) {
	got := Render(&reply{Code: 1, Remark: "no \"group\"", Ext: map[string]string{"b": "2", "a": "1"},
		Body: []byte("{}"), Next: &reply{}, hidden: 7})
	const want = `&textdiff.reply{
  Code: 1 (SYSTEM_ERROR),
  Remark: "no \"group\"",
  Ext: map[string]string{
    "a": "1",
    "b": "2",
  },
  Body: []uint8("{}"),
  Next: &textdiff.reply{
    Code: 0 (SUCCESS),
    Remark: "",
    Ext: nil,
    Body: nil,
    Next: nil,
    hidden: 0,
  },
  hidden: 7,
}`
	if got != want {
		t.Errorf("Render =\n%s\nwant\n%s\ndiff:\n%s", got, want, Lines(want, got))
	}
}

func TestRenderElementsAndEmptyComposites(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{[]string{"a", "b"}, "[]string{\n  \"a\",\n  \"b\",\n}"},
		{[2][]int{{1}, {}}, "[2][]int{\n  []int{\n    1,\n  },\n  []int{},\n}"},
		{struct{}{}, "struct {}{}"},
		{map[int]bool{}, "map[int]bool{}"},
		{map[int]bool{2: true, 1: false}, "map[int]bool{\n  1: false,\n  2: true,\n}"},
	} {
		if got := Render(tc.v); got != tc.want {
			t.Errorf("Render(%#v) =\n%s\nwant\n%s", tc.v, got, tc.want)
		}
	}
}

func TestRenderCutsCycles(t *testing.T) {
	r := &reply{}
	r.Next = r
	if got := Render(r); !strings.Contains(got, "Next: &<cycle>,") {
		t.Errorf("Render of a cycle = %s, want the cycle cut", got)
	}
}

func TestValuesNamesTheDifferingField(t *testing.T) {
	want := reply{Code: 0, Remark: "", Ext: map[string]string{"IS_SUB_CHANGE": "true"}}
	got := reply{Code: 1, Remark: "", Ext: map[string]string{"IS_SUB_CHANGE": "false"}}
	d := Values(want, got)
	for _, line := range []string{"-  Code: 0 (SUCCESS),", "+  Code: 1 (SYSTEM_ERROR),",
		`-    "IS_SUB_CHANGE": "true",`, `+    "IS_SUB_CHANGE": "false",`} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("Values diff lacks %q:\n%s", line, d)
		}
	}
	if Values(want, want) != "" {
		t.Errorf("Values of equal values is not empty")
	}
}
