package mqadmin

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// What `rocketmock admin` needs to look like a Java program: exceptions as
// printStackTrace shows them, commons-cli parsing and help, HashMap
// iteration order, and fastjson's PrettyFormat.

// javaError is a Java exception: class, message (empty for none) and cause.
type javaError struct {
	class string
	msg   string
	cause *javaError
	// unwrapped: thrown before the subcommand's try block, so it reaches
	// MQAdminStartup without a SubCommandException around it.
	unwrapped bool
}

func (e *javaError) Error() string {
	if e.msg == "" {
		return e.class
	}
	return e.class + ": " + e.msg
}

// trace is what printStackTrace writes, without the frames (there is no
// JVM to name): the exception, then each cause.
func (e *javaError) trace() string {
	var b strings.Builder
	b.WriteString(e.Error())
	b.WriteByte('\n')
	for c := e.cause; c != nil; c = c.cause {
		b.WriteString("Caused by: ")
		b.WriteString(c.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// asJava returns err as a Java exception (a plain Go error becomes a
// RuntimeException).
func asJava(err error) *javaError {
	var je *javaError
	if errors.As(err, &je) {
		return je
	}
	return &javaError{class: "java.lang.RuntimeException", msg: err.Error()}
}

// subCommandFailed is the SubCommandException every subcommand wraps its
// failure in.
func subCommandFailed(class string, cause error) *javaError {
	if je := asJava(cause); je.unwrapped {
		return je
	}
	return &javaError{class: "org.apache.rocketmq.tools.command.SubCommandException",
		msg: class + " command failed", cause: asJava(cause)}
}

// cliOption is one commons-cli Option.
type cliOption struct {
	short, long string
	arg         bool // takes a value
	required    bool
	desc        string
}

// cmdLine is a parsed command line: option (short name) -> value.
type cmdLine map[string]string

func (c cmdLine) has(short string) bool { _, ok := c[short]; return ok }

func (c cmdLine) value(short string) (string, bool) { v, ok := c[short]; return v, ok }

// parseCmdLine parses args as commons-cli's DefaultParser does for these
// options: -x, -xVALUE, -x VALUE, --long, --long=VALUE, --long VALUE, and
// a long name after a single dash. The first value of a repeated option
// wins; other arguments are ignored. Errors carry commons-cli's messages.
func parseCmdLine(opts []cliOption, args []string) (cmdLine, error) {
	find := func(name string) *cliOption {
		for i := range opts {
			if opts[i].short == name || opts[i].long == name {
				return &opts[i]
			}
		}
		return nil
	}
	cl := cmdLine{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name := strings.TrimLeft(a, "-")
		value, hasValue := "", false
		if k, v, ok := strings.Cut(name, "="); ok {
			name, value, hasValue = k, v, true
		}
		o := find(name)
		if o == nil && !strings.HasPrefix(a, "--") && len(a) > 2 {
			// -gGROUP: a short option with its value attached.
			if so := find(a[1:2]); so != nil && so.arg {
				o, value, hasValue = so, a[2:], true
			}
		}
		if o == nil {
			return nil, fmt.Errorf("Unrecognized option: %s", a)
		}
		if o.arg && !hasValue {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") && find(strings.TrimLeft(args[i+1], "-")) != nil {
				return nil, fmt.Errorf("Missing argument for option: %s", o.short)
			}
			i++
			value = args[i]
		}
		if _, seen := cl[o.short]; !seen {
			cl[o.short] = value
		}
	}
	var missing []string
	for _, o := range opts {
		if o.required && !cl.has(o.short) {
			missing = append(missing, o.short)
		}
	}
	if len(missing) > 0 {
		s := ""
		if len(missing) > 1 {
			s = "s"
		}
		return nil, fmt.Errorf("Missing required option%s: %s", s, strings.Join(missing, ", "))
	}
	return cl, nil
}

// helpText is HelpFormatter.printHelp(appName, options, true) at width 110:
// the usage line (options sorted by name, optional ones in brackets), then
// one line per option.
func helpText(appName string, opts []cliOption) string {
	sorted := append([]cliOption(nil), opts...)
	sort.SliceStable(sorted, func(i, j int) bool { return strings.ToLower(sorted[i].short) < strings.ToLower(sorted[j].short) })
	var b strings.Builder
	b.WriteString("usage: " + appName)
	for _, o := range sorted {
		s := "-" + o.short
		if o.arg {
			s += " <arg>"
		}
		if !o.required {
			s = "[" + s + "]"
		}
		b.WriteString(" " + s)
	}
	b.WriteByte('\n')
	left := make([]string, len(sorted))
	width := 0
	for i, o := range sorted {
		left[i] = " -" + o.short + ",--" + o.long
		if o.arg {
			left[i] += " <arg>"
		}
		width = max(width, len(left[i]))
	}
	for i, o := range sorted {
		fmt.Fprintf(&b, "%-*s   %s\n", width, left[i], o.desc)
	}
	return b.String()
}

// fastjsonPretty reformats compact fastjson output the way
// JSON.toJSONString(obj, true) (SerializerFeature.PrettyFormat) writes it:
// tab indentation, no space after ':', an object's or array's elements on
// lines of their own, empty ones as {} and []; a map with non-string keys
// (written bare) keeps its entries on the opening line and only closes on
// a new line.
func fastjsonPretty(compact []byte) string {
	p := &prettyPrinter{in: compact}
	p.value(0)
	return p.out.String()
}

type prettyPrinter struct {
	in  []byte
	pos int
	out strings.Builder
}

func (p *prettyPrinter) newline(depth int) {
	p.out.WriteByte('\n')
	for range depth {
		p.out.WriteByte('\t')
	}
}

func (p *prettyPrinter) peek() byte {
	if p.pos < len(p.in) {
		return p.in[p.pos]
	}
	return 0
}

// value copies one value, containers reformatted.
func (p *prettyPrinter) value(depth int) {
	switch p.peek() {
	case '{':
		p.object(depth)
	case '[':
		p.array(depth)
	case '"':
		p.out.Write(p.stringToken())
	default:
		start := p.pos
		for p.pos < len(p.in) && !strings.ContainsRune(",]}:", rune(p.in[p.pos])) {
			p.pos++
		}
		p.out.Write(p.in[start:p.pos])
	}
}

// stringToken consumes a quoted string, escapes included.
func (p *prettyPrinter) stringToken() []byte {
	start := p.pos
	p.pos++
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case '\\':
			p.pos += 2
			continue
		case '"':
			p.pos++
			return p.in[start:p.pos]
		}
		p.pos++
	}
	return p.in[start:]
}

func (p *prettyPrinter) object(depth int) {
	p.pos++ // {
	p.out.WriteByte('{')
	if p.peek() == '}' {
		p.pos++
		p.out.WriteByte('}')
		return
	}
	for first := true; p.pos < len(p.in); first = false {
		if !first {
			p.out.WriteByte(',')
		}
		if p.peek() == '"' { // a String key: on a line of its own
			p.newline(depth + 1)
			p.out.Write(p.stringToken())
		} else { // a bare (non-String) key stays on the line
			start := p.pos
			for p.pos < len(p.in) && p.in[p.pos] != ':' {
				p.pos++
			}
			p.out.Write(p.in[start:p.pos])
		}
		p.pos++ // :
		p.out.WriteByte(':')
		p.value(depth + 1)
		if p.peek() == ',' {
			p.pos++
			continue
		}
		p.pos++ // }
		break
	}
	p.newline(depth)
	p.out.WriteByte('}')
}

func (p *prettyPrinter) array(depth int) {
	p.pos++ // [
	p.out.WriteByte('[')
	if p.peek() == ']' {
		p.pos++
		p.out.WriteByte(']')
		return
	}
	for first := true; p.pos < len(p.in); first = false {
		if !first {
			p.out.WriteByte(',')
		}
		p.newline(depth + 1)
		p.value(depth + 1)
		if p.peek() == ',' {
			p.pos++
			continue
		}
		p.pos++ // ]
		break
	}
	p.newline(depth)
	p.out.WriteByte(']')
}
