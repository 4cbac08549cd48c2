package render_test

import (
	"strings"
	"testing"
	"time"

	"github.com/roostmsg/roost/internal/fuzzbudget"
	"github.com/roostmsg/roost/render"
)

// fuzzBudget is the fuzz targets' budget for one input: over it, the input
// fails. 2 s is a check and two renders of MaxRenderTime each, with room
// for a loaded machine; the heap may grow by 256 MiB.
var fuzzBudget = fuzzbudget.Budget{Time: 2 * time.Second, Heap: 256 << 20}

// attackSources are the templates that hung or exhausted the save check or
// the runtime before the parser was linear and rendering had a budget.
var attackSources = []string{
	`{% cycle ` + strings.TrimSuffix(strings.Repeat(`"a",`, 50_000), ",") + ` %}`,
	`{% case x %}{% when ` + strings.TrimSuffix(strings.Repeat(`1,`, 50_000), ",") + ` %}y{% endcase %}`,
	attackRange,
	attackDoubling,
	attackDataRange,
	`{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}`,
	`{% capture s %}ab{% endcapture %}` + strings.Repeat(`{% capture s %}{{ s }}{{ s }}{% endcapture %}`, 30),
	`{% assign s = "` + strings.Repeat("a", 2000) + `" %}{{ s | replace: "", s | replace: "", s }}`,
	`{{ 0 | date: "%1000000Y%1000000Y" }}`,
	`{{ (1..100000000) | join: "," }}`,
	`{{ (1..3) | map: "x" | uniq }}`,
	`{{ (5..1) | join }}`,
	`{{ 99999999999999999999 }}`,
	`{% include "/etc/passwd" %}`,
}

// FuzzCheckAndRender checks that no Liquid source makes Check or Content
// panic or go over fuzzBudget, with data that takes loops far: customer.n is 10^8 and
// trigger.s a string.
func FuzzCheckAndRender(f *testing.F) {
	for _, src := range attackSources {
		f.Add(src)
	}
	f.Add("Hi {{ customer.first_name | default: 'there' }}, {% for i in trigger.items %}{{ i }}{% endfor %}")
	r := render.New()
	customer := map[string]any{"n": 100_000_000, "first_name": "Ada"}
	trigger := map[string]any{"s": "ab", "items": []any{1, "two", nil}}
	f.Fuzz(func(t *testing.T, src string) {
		fuzzBudget.Check(t, "source "+clip(src), len(src), func() {
			_ = r.Check(src)
			_, _ = r.Content(contentOf(src), customer, trigger)
		})
	})
}

// clip shortens s for a failure message.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
