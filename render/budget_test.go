package render_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The attacks on the runtime: small templates that would loop or grow
// without end. Each is refused by the save check and, with data that
// brings it there, stopped by the budget when it renders.
var (
	// A constant range of 10^8 (42 bytes): 23 minutes in the runtime.
	attackRange = `{% for i in (1..100000000) %}x{% endfor %}`
	// A string doubled 30 times (99 bytes): 2 GB.
	attackDoubling = `{% assign s = "ab" %}` + strings.Repeat(`{% assign s = s | append: s %}`, 30) + `{{ s | size }}`
	// Loops over data: fine at save, over the budget with large data.
	attackDataRange = `{% for i in (1..customer.n) %}x{% endfor %}`
)

// newRenderer returns a Renderer whose budget has all the time it needs,
// so that the tests of the other limits do not depend on the machine's speed.
func newRenderer() *render.Renderer {
	r := render.New()
	r.SetRenderTime(time.Minute)
	return r
}

func contentOf(src string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"body": src})
	return b
}

// requireOverBudget asserts err is an *Error over the render budget whose
// reason names the limit.
func requireOverBudget(t *testing.T, err error, limit string) {
	t.Helper()
	var rerr *render.Error
	require.ErrorAs(t, err, &rerr)
	assert.True(t, rerr.OverBudget(), "not over budget: %v", err)
	assert.Contains(t, rerr.Reason, "render budget exceeded: more than "+limit)
}

func TestCheckRefusesWhatCannotRenderWithinBudget(t *testing.T) {
	iters := fmt.Sprint(render.MaxLoopIterations, " loop iterations")
	bytes := fmt.Sprint(render.MaxRenderBytes, " bytes of output and text")
	for _, tc := range []struct{ name, src, limit string }{
		{"ConstantRange", attackRange, iters + " (a range of 100000000 values)"},
		{"ConstantRangeUntakenBranch", `{% if customer.vip %}{% for i in (0..10000) %}{% endfor %}{% endif %}`, iters + " (a range of 10001 values)"},
		{"ConstantRangeInFilter", `{{ (1..100000000) | join: "," }}`, iters + " (a range of 100000000 values)"},
		{"NestedConstantRanges", `{% if x %}{% for i in (1..200) %}{% for j in ( 1 .. 200 ) %}{% endfor %}{% endfor %}{% endif %}`, iters + " (nested loops over constant ranges)"},
		{"LoopsInSequence", `{% for i in (1..1500) %}{% endfor %}{% for i in (1..1500) %}{% endfor %}`, iters + " in {% for i in (1..1500) %}"},
		{"RangeOfAVariable", `{% assign n = 100000000 %}{% for i in (1..n) %}{% endfor %}`, iters + " (a range of 100000000 values)"},
		{"Doubling", attackDoubling, bytes},
		{"Output", `{% for i in (1..2000) %}` + strings.Repeat("x", 200) + `{% endfor %}`, bytes},
		{"CaptureDoubling", `{% capture s %}ab{% endcapture %}` + strings.Repeat(`{% capture s %}{{ s }}{{ s }}{% endcapture %}`, 30), bytes},
		{"ReplaceSquares", `{% assign s = "` + strings.Repeat("a", 2000) + `" %}{{ s | replace: "", s }}`, bytes + " (replace would make"},
		{"JoinSquares", `{% assign s = "` + strings.Repeat("a", 2000) + `" %}{{ s | split: "" | join: s }}`, bytes + " (join would make"},
		{"DateWidth", `{{ 0 | date: "%1000000Y%1000000Y" }}`, bytes + " (date would make"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRenderer()
			requireOverBudget(t, r.Check(tc.src), tc.limit)
			err := r.CheckContent(contentOf(tc.src))
			requireOverBudget(t, err, tc.limit)
			assert.Equal(t, "body", err.(*render.Error).Field)
		})
	}
}

func TestCheckAcceptsLoopsOverData(t *testing.T) {
	r := newRenderer()
	for _, src := range []string{
		attackDataRange,
		`{% for item in trigger.items %}{{ item.name | upcase }}{% endfor %}`,
		`{% for i in (1..` + fmt.Sprint(render.MaxLoopIterations) + `) %}{% cycle "a", "b" %}{% endfor %}{% for i in (5..1) %}{% endfor %}`,
		`{% for i in (1..39) %}{% for j in (1..50) %}{% endfor %}{% endfor %}`, // 1,989 iterations
	} {
		assert.NoError(t, r.Check(src), src)
		assert.NoError(t, r.CheckContent(contentOf(src)), src)
	}
}

func TestContentStopsAtBudget(t *testing.T) {
	r := newRenderer()
	_, err := r.Content(contentOf(attackDataRange), map[string]any{"n": 100_000_000}, nil)
	requireOverBudget(t, err, fmt.Sprint(render.MaxLoopIterations, " loop iterations (a range of 100000000 values)"))

	// A range within the limit, looped in two fields: the budget is the message's.
	src := `{% for i in (1..customer.n) %}{% endfor %}`
	out, err := r.Content(json.RawMessage(`{"a":`+quote(src)+`}`), map[string]any{"n": render.MaxLoopIterations}, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":""}`, string(out))
	_, err = r.Content(json.RawMessage(`{"a":`+quote(src)+`,"b":`+quote(src)+`}`), map[string]any{"n": render.MaxLoopIterations}, nil)
	requireOverBudget(t, err, fmt.Sprint(render.MaxLoopIterations, " loop iterations"))

	// A string from data doubled.
	_, err = r.Content(contentOf(`{% assign s = trigger.s %}`+strings.Repeat(`{% assign s = s | append: s %}`, 30)), nil, map[string]any{"s": "ab"})
	requireOverBudget(t, err, fmt.Sprint(render.MaxRenderBytes, " bytes"))
}

func TestContentStopsAtRenderTime(t *testing.T) {
	r := render.New()
	r.SetRenderTime(time.Millisecond)
	// Within the iterations and bytes, but a slow body: MaxLoopIterations iterations of 300 filters.
	src := `{% for i in (1..customer.n) %}` + strings.Repeat(`{{ i | plus: 1 }}`, 300) + `{% endfor %}`
	start := time.Now()
	_, err := r.Content(contentOf(src), map[string]any{"n": render.MaxLoopIterations}, nil)
	requireOverBudget(t, err, "its time")
	t.Logf("stopped after %v", time.Since(start))
	// The save check's trial render has its own time.
	requireOverBudget(t, r.Check(strings.Replace(src, "customer.n", fmt.Sprint(render.MaxLoopIterations), 1)), "its time")
}

func TestPanicsInLiquidAreErrors(t *testing.T) {
	r := newRenderer()
	for _, src := range []string{
		`{{ (1..3) | map: "x" | uniq }}`, // fixed in liquid: no panic
		`{{ (5..1) | join }}`,            // fixed in liquid: an empty range
		`{{ 99999999999999999999 }}`,     // a syntax error
	} {
		assert.NotPanics(t, func() { _, _ = r.Content(contentOf(src), nil, nil); _ = r.Check(src) }, src)
	}
	err := r.Check(`{{ 99999999999999999999 }}`)
	assert.ErrorContains(t, err, "value out of range")
	err = r.Check(`a {% include "/etc/passwd" %}`)
	assert.ErrorContains(t, err, "the include tag is not supported")
	_, err = r.Content(contentOf(`{% if trigger.x %}{% include "/etc/passwd" %}{% endif %}`), nil, map[string]any{"x": true})
	assert.ErrorContains(t, err, "the include tag is not supported")
}

// Compile parses outside the Renderer's lock: while one long parse runs,
// other sources compile and render.
func TestCompileParsesOutsideTheLock(t *testing.T) {
	r := render.New()
	const big = `{% cycle "a", "b" %}{{ x }}`
	inBig, release := make(chan struct{}), make(chan struct{})
	r.SetParseHook(func(src string) {
		if src == big {
			close(inBig)
			<-release
		}
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := r.Compile(big)
		assert.NoError(t, err)
	}()
	<-inBig // the big parse has begun and waits
	others := make(chan struct{})
	go func() {
		defer close(others)
		out, err := r.Content(contentOf("Hi {{ customer.name }}"), map[string]any{"name": "Ada"}, nil)
		assert.NoError(t, err)
		assert.JSONEq(t, `{"body":"Hi Ada"}`, string(out))
		assert.NoError(t, r.Check("{% if x %}y{% endif %}"))
	}()
	select {
	case <-others:
	case <-time.After(10 * time.Second): // a failure only: passing never waits
		close(release)
		t.Fatal("other sources waited for a parse to end: Compile holds its lock while parsing")
	}
	close(release)
	wg.Wait()
	assert.Equal(t, 3, r.CachedTemplates())
}

// A cycle and a when of 50,000 values each (the template that made the
// save check allocate 13 GB) are checked fast: within a few MB.
func TestCheckLongListsIsLinear(t *testing.T) {
	src := "{% for i in (1..2) %}{% cycle " + strings.TrimSuffix(strings.Repeat(`"a",`, 50_000), ",") + " %}{% endfor %}" +
		"{% case x %}{% when " + strings.TrimSuffix(strings.Repeat(`1,`, 50_000), ",") + " %}y{% endcase %}"
	require.NoError(t, render.New().Check(src))
	allocs := testing.AllocsPerRun(1, func() { _ = render.New().Check(src) })
	assert.Less(t, allocs, 2_000_000.0)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
