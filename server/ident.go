package server

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// CheckIdentifier returns the reason s cannot be an identifier (a person
// id, a trigger name, a topic, a template type), or "": the one rule all
// of them follow. An identifier is non-empty UTF-8 of at most maxLen
// bytes, without white space at either end, without control characters
// (NUL, newlines, tabs, U+2028 and U+2029 among them) and without the
// invisible characters that change how text around them is read or
// ordered: bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E,
// U+200F, U+061C) and the byte order mark U+FEFF. Such an id would look
// like another in a list, or could never be sent in an HTTP header (a
// person id's X-Roost-User), so its messages could never be delivered.
func CheckIdentifier(s string, maxLen int) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > maxLen:
		return fmt.Sprintf("is longer than %d bytes", maxLen)
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return "has white space at its start or end"
	}
	for i, r := range s {
		if bad := invisibleName(r); bad != "" {
			return fmt.Sprintf("has %s (U+%04X) at byte %d", bad, r, i)
		}
	}
	return ""
}

// invisibleName names r when an identifier may not hold it, else "".
func invisibleName(r rune) string {
	switch {
	case unicode.IsControl(r):
		return "a control character"
	case r == '\u2028' || r == '\u2029':
		return "a line or paragraph separator"
	case r == '\u061c' || r == '\u200e' || r == '\u200f' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
		return "a bidirectional control character"
	case r == '\ufeff':
		return "a byte order mark"
	}
	return ""
}
