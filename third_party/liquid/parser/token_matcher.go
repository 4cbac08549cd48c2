package parser

import (
	"strings"
	"unicode/utf8"
)

// Roost: this file replaces the regular expression upstream scans with
// (kept as formTokenMatcher in scanner_test.go, which checks that the two
// find the same tokens). With the default delimiters it is
//
//	{{-?\s*(.+?)\s*-?}}|{%-?\s*(\w+)(?:\s+((?:[^%]|%[^}])+?))?\s*-?%}
//
// The matcher below tries the same alternatives in the same order as Go's
// leftmost-first regexp matching does, so it finds the same matches and the
// same groups, without linking package regexp into the browser build.

// findTokens returns the matches of the token pattern for delims in data,
// as regexp's FindAllStringSubmatchIndex would: for each match its start
// and end, then the start and end of the object's expression, the tag's
// name and the tag's arguments (-1, -1 for a group that did not take part).
func findTokens(data string, delims []string) [][]int {
	m := tokenMatcher{data: data, objLeft: delims[0], objRight: delims[1], tagLeft: delims[2], tagRight: delims[3],
		failFrom: -1, failTo: -1,
		lastObjRight: strings.LastIndex(data, delims[1]), lastTagRight: strings.LastIndex(data, delims[3]),
		nextObj: strings.Index(data, delims[0]), nextTag: strings.Index(data, delims[2])}
	var out [][]int
	for i := 0; i < len(data); {
		next := m.nextStart(i)
		if next < 0 {
			break
		}
		if match := m.at(next); match != nil {
			out = append(out, match)
			i = match[1]
			continue
		}
		_, size := utf8.DecodeRuneInString(data[next:])
		i = next + size
	}
	return out
}

// tokenMatcher matches the token pattern in data.
type tokenMatcher struct {
	data              string
	objLeft, objRight string
	tagLeft, tagRight string
	// closeAt(data, e, objRight) is known to fail for every e in
	// (failFrom, failTo], so a line is not scanned again for each "{{" on it
	failFrom, failTo int
	// where the last objRight and tagRight start: a token must end in one
	lastObjRight, lastTagRight int
	// where the next objLeft and tagLeft start, -1 for none, as last found
	nextObj, nextTag int
}

// nextStart returns the first index at or after i where a delimiter that
// opens a token starts, or -1.
func (m *tokenMatcher) nextStart(i int) int {
	if m.nextObj >= 0 && m.nextObj < i {
		m.nextObj = indexFrom(m.data, m.objLeft, i)
	}
	if m.nextTag >= 0 && m.nextTag < i {
		m.nextTag = indexFrom(m.data, m.tagLeft, i)
	}
	switch a, b := m.nextObj, m.nextTag; {
	case a < 0:
		return b
	case b < 0 || a < b:
		return a
	}
	return m.nextTag
}

// at returns the match that starts at i, or nil: the object alternative
// first, then the tag alternative.
func (m *tokenMatcher) at(i int) []int {
	if strings.HasPrefix(m.data[i:], m.objLeft) && i+len(m.objLeft) < m.lastObjRight {
		if match := m.object(i); match != nil {
			return match
		}
	}
	if strings.HasPrefix(m.data[i:], m.tagLeft) && i+len(m.tagLeft) < m.lastTagRight {
		return m.tag(i)
	}
	return nil
}

// object matches `L-?\s*(.+?)\s*-?R` at i.
func (m *tokenMatcher) object(i int) []int {
	data := m.data
	p := i + len(m.objLeft)
	for _, dash := range dashes(data, p) {
		q0 := p + dash
		for w := spaces(data, q0); w >= 0; w-- {
			q := q0 + w
			// (.+?): one or more characters other than \n, as few as will do
			e := q
			for e < len(data) && data[e] != '\n' {
				_, size := utf8.DecodeRuneInString(data[e:])
				e += size
				if e > m.failFrom && e <= m.failTo {
					e = m.failTo // known to fail up to here
					continue
				}
				if end, ok := closeAt(data, e, m.objRight); ok {
					return []int{i, end, q, e, -1, -1, -1, -1}
				}
			}
			// closeAt failed for every end in (q, e]: remember it
			if e > q {
				if q < m.failFrom || m.failTo < q {
					m.failFrom, m.failTo = q, e
				} else if e > m.failTo {
					m.failTo = e
				}
			}
		}
	}
	return nil
}

// tag matches `L-?\s*(\w+)(?:\s+((?:X)+?))?\s*-?R` at i, where X is any
// text that does not start R (`[^%]|%[^}]` for R = `%}`).
func (m *tokenMatcher) tag(i int) []int {
	data := m.data
	p := i + len(m.tagLeft)
	for _, dash := range dashes(data, p) {
		q0 := p + dash
		for w := spaces(data, q0); w >= 0; w-- {
			q := q0 + w
			for n := words(data, q); n >= 1; n-- {
				r := q + n
				// the optional group first: \s+ as many as will do, then
				// the arguments, as few as will do
				for ws := spaces(data, r); ws >= 1; ws-- {
					a := r + ws
					for e := a; ; {
						size := m.argUnit(e)
						if size == 0 {
							break
						}
						e += size
						if end, ok := closeAt(data, e, m.tagRight); ok {
							return []int{i, end, -1, -1, q, r, a, e}
						}
					}
				}
				if end, ok := closeAt(data, r, m.tagRight); ok {
					return []int{i, end, -1, -1, q, r, -1, -1}
				}
			}
		}
	}
	return nil
}

// argUnit returns the length of the text at e that one repetition of the
// arguments' unit matches: a character that is not R's first, or R's first
// k characters and then one that is not R's next. It is 0 at R itself or
// at the end of data.
func (m *tokenMatcher) argUnit(e int) int {
	right := m.tagRight
	for k := 0; k < len(right); k++ {
		if e+k >= len(m.data) {
			return 0
		}
		if m.data[e+k] != right[k] {
			_, size := utf8.DecodeRuneInString(m.data[e+k:])
			return k + size
		}
	}
	return 0
}

// closeAt matches `\s*-?R` at i, as the regexp tries it: as many spaces as
// will do, a dash before no dash. It returns where the match ends.
func closeAt(data string, i int, right string) (int, bool) {
	for w := spaces(data, i); w >= 0; w-- {
		j := i + w
		if j < len(data) && data[j] == '-' && strings.HasPrefix(data[j+1:], right) {
			return j + 1 + len(right), true
		}
		if strings.HasPrefix(data[j:], right) {
			return j + len(right), true
		}
	}
	return 0, false
}

// dashes lists the choices of `-?` at p, in the regexp's order.
func dashes(data string, p int) []int {
	if p < len(data) && data[p] == '-' {
		return []int{1, 0}
	}
	return []int{0}
}

// spaces returns the length of the run of \s characters (`[\t\n\f\r ]`) at i.
func spaces(data string, i int) int {
	n := 0
	for i+n < len(data) {
		switch data[i+n] {
		case ' ', '\t', '\n', '\f', '\r':
			n++
			continue
		}
		break
	}
	return n
}

// words returns the length of the run of \w characters (`[0-9A-Za-z_]`) at i.
func words(data string, i int) int {
	n := 0
	for i+n < len(data) {
		c := data[i+n]
		if c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			n++
			continue
		}
		break
	}
	return n
}

// indexFrom is strings.Index of sub in s from i on, as an index into s.
func indexFrom(s, sub string, i int) int {
	j := strings.Index(s[i:], sub)
	if j < 0 {
		return -1
	}
	return i + j
}
