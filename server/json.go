package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxJSONDepth is how deeply the JSON a client or a site's backend sends
// may nest arrays and objects, counting the outermost one: a request body
// (so message_data, one level in, may nest MaxJSONDepth-1 deep), and a
// template content sent as a string. A poll answer wraps stored data in
// two more levels, so this keeps every answer far below what a JSON
// decoder takes (Go's stops at 10,000).
const MaxJSONDepth = 64

// CheckJSONText returns an EINVALID error when b, JSON text a client sent,
// is not UTF-8 (encoding/json would silently read each bad byte as
// U+FFFD, so two different ids would become one), or nests arrays and
// objects deeper than MaxJSONDepth. It does not check the JSON syntax,
// which decoding does: it runs before decoding, in time linear in len(b).
func CheckJSONText(b []byte) error {
	if !utf8.Valid(b) {
		at := 0
		for at < len(b) {
			r, size := utf8.DecodeRune(b[at:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			at += size
		}
		return Errorf(EINVALID, "malformed JSON: the text is not valid UTF-8 (at byte %d); send JSON encoded as UTF-8", at)
	}
	depth, inString, escaped := 0, false, false
	for i, c := range b {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > MaxJSONDepth {
				return Errorf(EINVALID, "malformed JSON: arrays and objects nest deeper than %d levels (at byte %d)", MaxJSONDepth, i)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// DescribeJSONError says in plain words what a JSON decoding error means,
// naming the field and the types where it can.
func DescribeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("%s (at byte %d)", syntax.Error(), syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s must be %s, not %s", Quote(typ.Field), jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("expected %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	}
	return err.Error()
}

// jsonKind names a Go kind as the JSON type it decodes from.
func jsonKind(kind string) string {
	switch kind {
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "a " + kind
}
