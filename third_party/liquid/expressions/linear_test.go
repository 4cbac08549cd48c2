package expressions

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Lists of values ({% cycle %}, {% when %}) are parsed in time and memory
// linear in their length: the grammar once prepended each value to the list
// of the values after it, which kept every suffix on the parser's stack. A
// cycle of 50,000 values allocated gigabytes (13 GB before it was killed).

func cycleArgs(n int) string {
	return strings.TrimSuffix(strings.Repeat(`"abcd", `, n), ", ")
}

func whenArgs(n int) string {
	return strings.TrimSuffix(strings.Repeat(`x.y, `, n), ", ")
}

// parseBytes returns the bytes allocated by parsing the statement.
func parseBytes(t testing.TB, selector, args string) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ParseStatement(selector, args)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	return after.TotalAlloc - before.TotalAlloc
}

func TestParseLongListsIsLinear(t *testing.T) {
	const n = 50_000
	for _, tc := range []struct {
		name     string
		selector string
		args     func(int) string
	}{
		{"cycle", CycleStatementSelector, cycleArgs},
		{"when", WhenStatementSelector, whenArgs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseStatement(tc.selector, tc.args(n))
			require.NoError(t, err)
			if tc.name == "cycle" {
				require.Len(t, s.Cycle.Values, n)
				require.Equal(t, "abcd", s.Cycle.Values[n-1])
			} else {
				require.Len(t, s.When.Exprs, n)
			}
			small := parseBytes(t, tc.selector, tc.args(n/4))
			big := parseBytes(t, tc.selector, tc.args(n))
			// Linear: 4x the values, about 4x the bytes (quadratic was 16x).
			require.Less(t, float64(big)/float64(small), 6.0, "bytes for %d values: %d; for %d: %d", n/4, small, n, big)
			// And small in absolute terms: under 1 KB a value.
			require.Less(t, big, uint64(n*1024), "bytes for %d values", n)
		})
	}
}

func TestParseLongListsKeepsOrder(t *testing.T) {
	s, err := ParseStatement(CycleStatementSelector, `"g": "a", "b", "c"`)
	require.NoError(t, err)
	require.Equal(t, Cycle{Group: "g", Values: []string{"a", "b", "c"}}, s.Cycle)
	s, err = ParseStatement(CycleStatementSelector, `"a"`)
	require.NoError(t, err)
	require.Equal(t, Cycle{Values: []string{"a"}}, s.Cycle)
	s, err = ParseStatement(WhenStatementSelector, `1, "two", 3`)
	require.NoError(t, err)
	var got []any
	for _, e := range s.When.Exprs {
		v, err := e.Evaluate(NewContext(map[string]any{}, NewConfig()))
		require.NoError(t, err)
		got = append(got, v)
	}
	require.Equal(t, []any{1, "two", 3}, got)
	_, err = ParseStatement(CycleStatementSelector, `"a",`)
	require.Error(t, err, fmt.Sprintf("a trailing comma"))
}

// BenchmarkParseCycle50000 reports the time and bytes of parsing a cycle of
// 50,000 values.
func BenchmarkParseCycle50000(b *testing.B) {
	args := cycleArgs(50_000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseStatement(CycleStatementSelector, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseWhen50000 reports the time and bytes of parsing a when of
// 50,000 values.
func BenchmarkParseWhen50000(b *testing.B) {
	args := whenArgs(50_000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseStatement(WhenStatementSelector, args); err != nil {
			b.Fatal(err)
		}
	}
}

// Roost: a number literal out of range is a syntax error, not a panic.
func TestParseNumberOutOfRange(t *testing.T) {
	for _, src := range []string{"99999999999999999999", "-99999999999999999999", "1e99999"} {
		_, err := Parse(src)
		if src == "1e99999" {
			continue // not a float literal in this grammar; any answer but a panic
		}
		require.ErrorContains(t, err, "value out of range")
	}
}
