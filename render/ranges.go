package render

import (
	"math"
	"strconv"
	"strings"
)

// constantRanges returns the lengths of the ranges of two integer literals,
// "(1..100)", in a Liquid expression, outside quoted strings; a range whose
// end is before its start has length 0.
func constantRanges(expr string) []int {
	var lens []int
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '"', '\'':
			end := strings.IndexByte(expr[i+1:], c)
			if end < 0 {
				return lens
			}
			i += end + 1
		case '(':
			if n, ok := constantRange(expr[i+1:]); ok {
				lens = append(lens, n)
			}
		}
	}
	return lens
}

// constantRange reads "a..b)" (spaces allowed around each part) at the start
// of s, and returns the length of the range a..b.
func constantRange(s string) (int, bool) {
	a, s, ok := intLiteral(s)
	if !ok {
		return 0, false
	}
	s, ok = strings.CutPrefix(strings.TrimLeft(s, " \t\r\n"), "..")
	if !ok {
		return 0, false
	}
	b, s, ok := intLiteral(s)
	if !ok || !strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), ")") {
		return 0, false
	}
	switch {
	case b < a:
		return 0, true
	case b-a < 0 || b-a == math.MaxInt: // overflow
		return math.MaxInt, true
	}
	return b - a + 1, true
}

// intLiteral reads an integer literal, after spaces, at the start of s.
func intLiteral(s string) (int, string, bool) {
	s = strings.TrimLeft(s, " \t\r\n")
	end := 0
	if end < len(s) && s[end] == '-' {
		end++
	}
	start := end
	for end < len(s) && '0' <= s[end] && s[end] <= '9' {
		end++
	}
	if end == start {
		return 0, s, false
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0, s, false
	}
	return n, s[end:], true
}
