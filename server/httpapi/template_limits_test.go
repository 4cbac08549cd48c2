package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/render"
	"github.com/roostmsg/roost/server"
)

// templateWithBody is a POST /v1/transactional body whose content's "body"
// field is src.
func templateWithBody(src string) string {
	b, _ := json.Marshal(map[string]any{"name": "n", "trigger_name": "t", "channel": "inbox", "content": map[string]string{"body": src}})
	return string(b)
}

// contentWithBody is a PUT /v1/transactional/{id}/content/{content_id}
// body whose "body" field is src.
func contentWithBody(src string) string {
	b, _ := json.Marshal(map[string]any{"body": map[string]string{"body": src}})
	return string(b)
}

// cycleOf is a {% cycle %} of n values inside a loop, and a {% when %} of n values.
func cycleOf(n int) string {
	return `{% for i in (1..2) %}{% cycle ` + strings.TrimSuffix(strings.Repeat(`"a",`, n), ",") + ` %}{% endfor %}` +
		`{% case x %}{% when ` + strings.TrimSuffix(strings.Repeat(`1,`, n), ",") + ` %}y{% endcase %}`
}

// The attacks on the save check and on every visitor's runtime: each is a
// 400 that names the limit, and nothing is stored.
func TestTemplates_Limits(t *testing.T) {
	f := newFixture(t)
	iters := fmt.Sprintf("it cannot render within the budget: content field \"body\", line 1: render budget exceeded: more than %d loop iterations", render.MaxLoopIterations)
	for _, tt := range []struct {
		name, src, message string
	}{
		// 300 KB: the cycle of 50,000 values that took 13 GB to check.
		{"ErrCycle50000", `{% cycle ` + strings.TrimSuffix(strings.Repeat(`"aaaa",`, 50_000), ",") + ` %}`,
			fmt.Sprintf("over the limit of %d bytes", server.MaxContentBytes)},
		{"ErrTooLarge", strings.Repeat("x", server.MaxContentBytes), fmt.Sprintf("template \"t\", default content (id 1): the body is %d bytes, over the limit of %d bytes", server.MaxContentBytes+11, server.MaxContentBytes)},
		{"ErrConstantRange", `{% for i in (1..100000000) %}x{% endfor %}`, iters + " (a range of 100000000 values)"},
		{"ErrNestedRanges", `{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}`, iters + " (nested loops over constant ranges)"},
		{"ErrDoubling", `{% assign s = "ab" %}` + strings.Repeat(`{% assign s = s | append: s %}`, 30),
			fmt.Sprintf("render budget exceeded: more than %d bytes of output and text", render.MaxRenderBytes)},
		{"ErrInclude", `{% include "/etc/passwd" %}`, "Liquid syntax error: content field \"body\", line 1: the include tag is not supported"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.app(http.MethodPost, "/v1/transactional", templateWithBody(tt.src))
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Contains(t, errorMessage(t, w), tt.message)
			w = f.app(http.MethodPut, "/v1/transactional/1/content/1", contentWithBody(tt.src))
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Contains(t, errorMessage(t, w), strings.TrimPrefix(tt.message, `template "t", `))
		})
	}
	assert.Equal(t, http.StatusNotFound, f.app(http.MethodGet, "/v1/transactional/5", "").Code, "nothing stored")
	got := templateAnswer(t, f.app(http.MethodGet, "/v1/transactional/1", "").Body.Bytes())
	assert.Contains(t, string(got.Contents[0].Body), "has shipped", "no content replaced")
}

// What only data can take over the budget is accepted; a long cycle under
// the size limit is checked at once.
func TestTemplates_WithinLimits(t *testing.T) {
	f := newFixture(t)
	src := `{% for i in (1..customer.n) %}x{% endfor %}` + cycleOf(5_000)
	require.Less(t, len(src), server.MaxContentBytes)
	start := time.Now()
	w := f.app(http.MethodPost, "/v1/transactional", templateWithBody(src))
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	t.Logf("a 5,000-value cycle and when, %d bytes, saved in %v", len(src), time.Since(start))
}
