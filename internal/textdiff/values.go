package textdiff

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Values returns a line diff ("-want +got") of the renderings of want and
// got (see Render), or "" when they render the same.
func Values(want, got any) string {
	return Lines(Render(want), Render(got))
}

// Render writes a value on indented lines, one field, element or map entry
// a line, map keys sorted: a form whose line diff shows which field
// differs. Pointers are followed (a cycle is cut), strings quoted, and a
// number with a String method is followed by its name.
func Render(v any) string {
	r := renderer{seen: map[uintptr]bool{}}
	r.value(reflect.ValueOf(v), 0)
	return r.sb.String()
}

type renderer struct {
	sb   strings.Builder
	seen map[uintptr]bool // pointers on the current path
}

func (r *renderer) indent(depth int) {
	r.sb.WriteString(strings.Repeat("  ", depth))
}

// block writes typ{, then n items on lines of their own at depth+1, each
// "label: value," or "value," when the label is "", then } at depth; with
// no items, typ{}.
func (r *renderer) block(typ string, depth, n int, item func(i int) (label string, v reflect.Value)) {
	r.sb.WriteString(typ + "{")
	if n == 0 {
		r.sb.WriteString("}")
		return
	}
	r.sb.WriteString("\n")
	for i := range n {
		label, v := item(i)
		r.indent(depth + 1)
		if label != "" {
			r.sb.WriteString(label + ": ")
		}
		r.value(v, depth+1)
		r.sb.WriteString(",\n")
	}
	r.indent(depth)
	r.sb.WriteString("}")
}

// value writes v at the current position and, for composites, its
// elements on the following lines at depth+1.
func (r *renderer) value(v reflect.Value, depth int) {
	if !v.IsValid() {
		r.sb.WriteString("nil")
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			r.sb.WriteString("nil")
			return
		}
		if r.seen[v.Pointer()] {
			r.sb.WriteString("&<cycle>")
			return
		}
		r.seen[v.Pointer()] = true
		defer delete(r.seen, v.Pointer())
		r.sb.WriteString("&")
		r.value(v.Elem(), depth)
	case reflect.Interface:
		r.value(v.Elem(), depth)
	case reflect.Struct:
		r.block(v.Type().String(), depth, v.NumField(), func(i int) (string, reflect.Value) {
			return v.Type().Field(i).Name, v.Field(i)
		})
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			r.sb.WriteString("nil")
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			r.sb.WriteString(v.Type().String() + "(" + strconv.Quote(string(bytesOf(v))) + ")")
			return
		}
		r.block(v.Type().String(), depth, v.Len(), func(i int) (string, reflect.Value) { return "", v.Index(i) })
	case reflect.Map:
		if v.IsNil() {
			r.sb.WriteString("nil")
			return
		}
		type entry struct {
			key string
			val reflect.Value
		}
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			var k renderer
			k.seen = r.seen
			k.value(it.Key(), depth+1)
			entries = append(entries, entry{k.sb.String(), it.Value()})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
		r.block(v.Type().String(), depth, len(entries), func(i int) (string, reflect.Value) { return entries[i].key, entries[i].val })
	default:
		r.sb.WriteString(scalar(v))
	}
}

// scalar formats a value that has no elements.
func scalar(v reflect.Value) string {
	var s string
	switch v.Kind() {
	case reflect.String:
		return strconv.Quote(v.String())
	case reflect.Bool:
		s = strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s = strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s = strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		s = strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits())
	case reflect.Complex64, reflect.Complex128:
		s = strconv.FormatComplex(v.Complex(), 'g', -1, v.Type().Bits())
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			return "nil"
		}
		return fmt.Sprintf("%s(%#x)", v.Type(), v.Pointer())
	default:
		return v.Type().String()
	}
	if v.CanInterface() {
		if st, ok := v.Interface().(fmt.Stringer); ok {
			if name := st.String(); name != s {
				s += " (" + name + ")"
			}
		}
	}
	return s
}

// bytesOf returns the bytes of a byte slice or array, readable or not.
func bytesOf(v reflect.Value) []byte {
	b := make([]byte, v.Len())
	for i := range b {
		b[i] = byte(v.Index(i).Uint())
	}
	return b
}
