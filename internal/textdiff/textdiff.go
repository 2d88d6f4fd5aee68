// Package textdiff describes how two texts or two values differ, as a line
// diff in "-want +got" style, for failure messages that must show what
// differed without a test-only dependency.
package textdiff

import (
	"fmt"
	"strings"
)

// context is how many unchanged lines are shown around each change.
const context = 3

// maxCells bounds the line-matching table; larger inputs are diffed as one
// changed block between their common first and last lines.
const maxCells = 1 << 22

// Lines returns a line diff of want and got: changed lines start with '-'
// (only in want) or '+' (only in got), unchanged ones near a change with
// ' ', and longer unchanged runs are elided. It returns "" when the texts
// are equal.
func Lines(want, got string) string {
	if want == got {
		return ""
	}
	ops := diff(strings.Split(want, "\n"), strings.Split(got, "\n"))
	var sb strings.Builder
	for i := 0; i < len(ops); {
		if ops[i].kind != ' ' {
			fmt.Fprintf(&sb, "%c%s\n", ops[i].kind, ops[i].line)
			i++
			continue
		}
		j := i
		for j < len(ops) && ops[j].kind == ' ' {
			j++
		}
		writeUnchanged(&sb, ops[i:j], i == 0, j == len(ops))
		i = j
	}
	if onlyInvisible(want, got) {
		fmt.Fprintf(&sb, "(quoted: want %q, got %q)\n", want, got)
	}
	return sb.String()
}

// onlyInvisible reports texts equal but for white space at line ends,
// which a line diff shows but a reader cannot see.
func onlyInvisible(want, got string) bool {
	trim := func(s string) string {
		ls := strings.Split(s, "\n")
		for i, l := range ls {
			ls[i] = strings.TrimRight(l, " \t\r")
		}
		return strings.TrimRight(strings.Join(ls, "\n"), "\n")
	}
	return trim(want) == trim(got)
}

// writeUnchanged writes a run of unchanged lines: context lines next to
// the changes around it, and a count of the lines left out.
func writeUnchanged(sb *strings.Builder, run []op, first, last bool) {
	head, tail := context, context
	if first {
		head = 0
	}
	if last {
		tail = 0
	}
	if len(run)-head-tail < 3 { // eliding fewer lines saves nothing
		for _, o := range run {
			fmt.Fprintf(sb, " %s\n", o.line)
		}
		return
	}
	for _, o := range run[:head] {
		fmt.Fprintf(sb, " %s\n", o.line)
	}
	fmt.Fprintf(sb, " ... (%d unchanged lines)\n", len(run)-head-tail)
	for _, o := range run[len(run)-tail:] {
		fmt.Fprintf(sb, " %s\n", o.line)
	}
}

// op is one line of a diff: kind is ' ', '-' or '+'.
type op struct {
	kind byte
	line string
}

// diff matches the lines of a and b by a longest common subsequence and
// returns the edit script, deletions before insertions within a change.
func diff(a, b []string) []op {
	var pre, post []op
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		pre = append(pre, op{' ', a[0]})
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		post = append([]op{{' ', a[len(a)-1]}}, post...)
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	out := pre
	if (len(a)+1)*(len(b)+1) > maxCells {
		out = appendChange(out, a, b)
		return append(out, post...)
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	w := len(b) + 1
	lcs := make([]int, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	var del, ins []string
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = appendChange(out, del, ins)
			del, ins = nil, nil
			out = append(out, op{' ', a[i]})
			i, j = i+1, j+1
		case j == len(b) || i < len(a) && lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			del = append(del, a[i])
			i++
		default:
			ins = append(ins, b[j])
			j++
		}
	}
	out = appendChange(out, del, ins)
	return append(out, post...)
}

func appendChange(out []op, del, ins []string) []op {
	for _, l := range del {
		out = append(out, op{'-', l})
	}
	for _, l := range ins {
		out = append(out, op{'+', l})
	}
	return out
}
