package liquid

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/osteele/liquid/expressions"
	"github.com/stretchr/testify/require"
)

// Roost addition: Template.RenderBudget stops a rendering that runs over
// its budget with an error that wraps an *expressions.LimitError.

func renderBudget(t *testing.T, src string, b *expressions.Budget) (string, error) {
	t.Helper()
	tpl, err := NewEngine().ParseString(src)
	require.NoError(t, err)
	out, serr := tpl.RenderBudget(Bindings{"n": 100_000_000}, b)
	if serr != nil {
		return "", serr
	}
	return string(out), nil
}

func requireLimit(t *testing.T, err error, limit string) {
	t.Helper()
	var le *expressions.LimitError
	require.True(t, errors.As(err, &le), "want a LimitError, got %v", err)
	require.Contains(t, le.Limit, limit)
	require.Contains(t, err.Error(), "render budget exceeded: more than "+limit)
}

func TestRenderBudget(t *testing.T) {
	for _, tc := range []struct {
		name, src, limit string
	}{
		{"ConstantRange", `{% for i in (1..100000000) %}x{% endfor %}`, "100 loop iterations (a range of 100000000 values)"},
		{"DataRange", `{% for i in (1..n) %}x{% endfor %}`, "100 loop iterations (a range of 100000000 values)"},
		{"RangeAsArray", `{{ (1..100000000) | join: "," }}`, "100 loop iterations (a range of 100000000 values)"},
		{"HugeRange", `{{ (-9223372036854775807..9223372036854775807) | size }}`, "100 loop iterations (a range of 9223372036854775807 values)"},
		{"NestedLoops", `{% for i in (1..20) %}{% for j in (1..20) %}{% endfor %}{% endfor %}`, "100 loop iterations"},
		{"Tablerow", `{% tablerow i in (1..50) %}{% endtablerow %}{% tablerow i in (1..51) %}{% endtablerow %}`, "1000 bytes of output and text"},
		{"Output", `{% for i in (1..100) %}` + strings.Repeat("x", 20) + `{% endfor %}`, "1000 bytes of output and text"},
		{"Capture", `{% for i in (1..100) %}{% capture c %}` + strings.Repeat("x", 20) + `{% endcapture %}{% endfor %}`, "1000 bytes of output and text"},
		{"Doubling", `{% assign s = "xxxxxxxx" %}` + strings.Repeat(`{% assign s = s | append: s %}`, 30) + `{{ s | size }}`, "1000 bytes of output and text"},
		{"SplitArray", `{% assign a = "` + strings.Repeat("x", 100) + `" | split: "" %}`, "1000 bytes of output and text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := renderBudget(t, tc.src, &expressions.Budget{MaxIterations: 100, MaxBytes: 1000})
			requireLimit(t, err, tc.limit)
		})
	}
}

func TestRenderBudgetWithin(t *testing.T) {
	b := &expressions.Budget{MaxIterations: 100, MaxBytes: 1000, Deadline: time.Now().Add(time.Minute)}
	out, err := renderBudget(t, `{% for i in (1..50) %}{% cycle "a", "b" %}{% endfor %}{% for i in (5..1) %}never{% endfor %}{{ (3..1) | join }}`, b)
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("ab", 25), out)
	// One budget spent by two renderings: 50 more iterations fit, 51 do not.
	_, err = renderBudget(t, `{% for i in (1..50) %}{% endfor %}`, b)
	require.NoError(t, err)
	_, err = renderBudget(t, `{% for i in (1..1) %}{% endfor %}`, b)
	requireLimit(t, err, "100 loop iterations")
}

func TestRenderBudgetDeadline(t *testing.T) {
	b := &expressions.Budget{Deadline: time.Now().Add(-time.Second)}
	_, err := renderBudget(t, `{% for i in (1..2) %}x{% endfor %}`, b)
	requireLimit(t, err, "its time")
	_, err = renderBudget(t, `{{ "a" | upcase }}`, b)
	requireLimit(t, err, "its time")
	_, err = renderBudget(t, strings.Repeat(`{{ "a" }}`, 16), b) // checked every 16th node
	requireLimit(t, err, "its time")
}

func TestRenderBudgetTimeout(t *testing.T) {
	// A small rendering never reads the clock.
	b := &expressions.Budget{Timeout: time.Nanosecond}
	out, err := renderBudget(t, strings.Repeat(`{{ n }}`, 15), b)
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("100000000", 15), out)
	require.True(t, b.Deadline.IsZero())
	// The first check sets the deadline, the next ones check it.
	start := time.Now()
	_, err = renderBudget(t, `{% for i in (1..n) %}{% endfor %}`, b)
	requireLimit(t, err, "its time")
	require.False(t, b.Deadline.Before(start))
	require.False(t, b.Deadline.After(time.Now()))
	b = &expressions.Budget{Timeout: time.Nanosecond}
	_, err = renderBudget(t, `{{ "a" | upcase }}{{ "a" | upcase }}`, b)
	requireLimit(t, err, "its time")
	b = &expressions.Budget{Timeout: time.Minute}
	before := time.Now()
	_, err = renderBudget(t, `{{ "a" | upcase }}{% for i in (1..1000) %}{% endfor %}`, b)
	require.NoError(t, err)
	require.WithinRange(t, b.Deadline, before.Add(time.Minute), time.Now().Add(time.Minute))
	// A Deadline is kept: Timeout is only for a zero one.
	b = &expressions.Budget{Deadline: time.Now().Add(-time.Second), Timeout: time.Hour}
	_, err = renderBudget(t, `{{ "a" | upcase }}`, b)
	requireLimit(t, err, "its time")
}

// Roost: a range's bounds may be JSON numbers (int64, float64, json.Number).
func TestRangeOfJSONNumbers(t *testing.T) {
	for _, n := range []any{int64(3), float64(3), json.Number("3")} {
		tpl, err := NewEngine().ParseString(`{% for i in (1..n) %}{{ i }}{% endfor %}`)
		require.NoError(t, err)
		out, serr := tpl.RenderString(Bindings{"n": n})
		require.NoError(t, serr)
		require.Equal(t, "123", out, "%T", n)
	}
	tpl, err := NewEngine().ParseString(`{% for i in (1..n) %}{{ i }}{% endfor %}`)
	require.NoError(t, err)
	_, serr := tpl.RenderString(Bindings{"n": 2.5})
	require.Error(t, serr)
}
