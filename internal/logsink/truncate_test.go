package logsink

import "testing"

func TestList(t *testing.T) {
	for _, tc := range []struct {
		items []string
		want  string
	}{
		{nil, "[]"},
		{[]string{"a", "b"}, "[a b]"},
		{[]string{"a", "b", "c", "d"}, "[a b … 2 more]"},
		{[]string{"abcdef"}, "[abc…(6 bytes)]"},
	} {
		if got := List(tc.items, 2, 3); got != tc.want {
			t.Errorf("List(%q) = %q, want %q", tc.items, got, tc.want)
		}
	}
}
