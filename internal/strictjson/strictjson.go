// Package strictjson decodes JSON written by people (fixtures, control-API
// bodies) strictly, and words decoding errors so that they can fix them.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
)

// Decode decodes exactly one JSON value with no unknown fields.
func Decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty input: want a JSON object")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// Describe rewords a decoding error for people: syntax errors
// get their line and column in data (when data is what was decoded), type
// errors name the field and the JSON type expected.
func Describe(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		if data == nil {
			return err.Error()
		}
		p := min(max(se.Offset-1, 0), int64(len(data)))
		line := 1 + bytes.Count(data[:p], []byte("\n"))
		col := p - int64(bytes.LastIndexByte(data[:p], '\n'))
		return fmt.Sprintf("line %d, column %d: %v", line, col, err)
	case errors.As(err, &te):
		want := "a JSON " + jsonKind(te.Type)
		if te.Field == "" {
			return fmt.Sprintf("found a JSON %s, want %s", te.Value, want)
		}
		return fmt.Sprintf("%s: found a JSON %s, want %s", te.Field, te.Value, want)
	}
	return err.Error()
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		if t == reflect.TypeFor[json.RawMessage]() {
			return "value"
		}
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "number"
}
