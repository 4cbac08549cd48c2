package inbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// The scanner below walks a poll answer's JSON without decoding it: it finds
// where each value starts and ends (strings are skipped whole, so a bracket
// inside one is not counted) and how deep each nests. It lets the decoder
// hand each message to encoding/json on its own, so one message nested past
// encoding/json's depth limit (10,000 for the whole document), or broken,
// costs that message only, not the whole answer. It does not check what it
// skips inside a container: what is decoded is checked by encoding/json.

// errTruncated is JSON that ends inside a value.
var errTruncated = errors.New("unexpected end of JSON")

// syntaxError is JSON that cannot be split into values at offset.
func syntaxError(offset int, want string) error {
	return fmt.Errorf("invalid JSON at byte %d: want %s", offset, want)
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i] ('"').
func stringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		k += j
		escaped := false // an odd run of backslashes before the quote escapes it
		for p := k - 1; p > i && b[p] == '\\'; p-- {
			escaped = !escaped
		}
		if !escaped {
			return k + 1, nil
		}
		j = k + 1
	}
	return 0, errTruncated
}

// valueEnd returns the index just past the JSON value starting at b[i] and
// how deep it nests: 0 for a string, number or literal, 1 for an object or
// array of those, and so on. A number or literal is checked; the inside of
// an object or array is not (brackets and strings are only matched up).
func valueEnd(b []byte, i int) (end, depth int, err error) {
	if i >= len(b) {
		return 0, 0, errTruncated
	}
	switch b[i] {
	case '"':
		end, err = stringEnd(b, i)
		return end, 0, err
	case '{', '[':
	default:
		end = i
		for end < len(b) && !delimiter(b[end]) {
			end++
		}
		if end == i || !json.Valid(b[i:end]) {
			return 0, 0, syntaxError(i, "a JSON value")
		}
		return end, 0, nil
	}
	level := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			k, err := stringEnd(b, j)
			if err != nil {
				return 0, 0, err
			}
			j = k - 1
		case '{', '[':
			level++
			depth = max(depth, level)
		case '}', ']':
			level--
			if level == 0 {
				return j + 1, depth, nil
			}
		}
	}
	return 0, 0, errTruncated
}

// eachMember calls member with the raw key (quotes included) and where in
// b the value starts and ends, for each member of the JSON object starting
// at b[i] ('{'), in order, and returns the index just past the object. It
// stops at the first error member returns.
func eachMember(b []byte, i int, member func(key []byte, at, end int) error) (int, error) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) {
			return 0, errTruncated
		}
		if b[i] != '"' {
			return 0, syntaxError(i, "a member name")
		}
		keyEnd, err := stringEnd(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i:keyEnd]
		i = skipSpace(b, keyEnd)
		if i >= len(b) {
			return 0, errTruncated
		}
		if b[i] != ':' {
			return 0, syntaxError(i, "':'")
		}
		i = skipSpace(b, i+1)
		end, _, err := valueEnd(b, i)
		if err != nil {
			return 0, err
		}
		if err := member(key, i, end); err != nil {
			return 0, err
		}
		var closed bool
		i, closed, err = next(b, end, '}')
		if err != nil || closed {
			return i, err
		}
		i = skipSpace(b, i)
	}
}

// eachElement calls element with the raw value and depth of each element
// of the JSON array starting at b[i] ('['), in order, and returns the index
// just past the array.
func eachElement(b []byte, i int, element func(value []byte, depth int)) (int, error) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		end, depth, err := valueEnd(b, i)
		if err != nil {
			return 0, err
		}
		element(b[i:end], depth)
		var closed bool
		i, closed, err = next(b, end, ']')
		if err != nil || closed {
			return i, err
		}
		i = skipSpace(b, i)
	}
}

// next reads the ',' or the closing byte that must follow a member or
// element ending at i, and returns the index just past it and whether it
// was the closing one.
func next(b []byte, i int, closing byte) (int, bool, error) {
	i = skipSpace(b, i)
	switch {
	case i >= len(b):
		return 0, false, errTruncated
	case b[i] == ',' || b[i] == closing:
		return i + 1, b[i] == closing, nil
	}
	return 0, false, syntaxError(i, fmt.Sprintf("',' or '%c'", closing))
}

// delimiter reports whether c ends a number or literal.
func delimiter(c byte) bool {
	switch c {
	case ',', ':', '[', ']', '{', '}', '"', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// keyIs reports whether raw, a JSON string with its quotes, is name.
func keyIs(raw []byte, name string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1:len(raw)-1]) == name
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == name
}
