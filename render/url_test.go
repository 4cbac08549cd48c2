package render_test

import (
	"encoding/json"
	"testing"

	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSafeURL(t *testing.T) {
	for _, u := range []string{"", "https://example.com/a?b#c", "http://x", "HTTPS://X", "mailto:ada@example.com",
		"/orders/1", "orders/1", "?q=1", "#top", "//cdn.example.com/x.png", "a b:c", "jav&#x09;ascript:x"} {
		assert.True(t, render.SafeURL(u), "%q", u)
	}
	for _, u := range []string{"javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
		"java\nscript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox",
		"file:///etc/passwd", "blob:https://x/1", "Note: read more"} {
		assert.False(t, render.SafeURL(u), "%q", u)
	}
}

func TestURLFieldsRenderOnlySafeURLs(t *testing.T) {
	r := render.New()
	content := json.RawMessage(`{"title":"{{trigger.t}}","url":"{{trigger.u}}","image":{"url":"{{trigger.u}}","alt":"{{trigger.t}}"},
		"actions":[{"label":"{{trigger.t}}","url":"{{trigger.u}}"}],"tracking_url":"{{trigger.u}}","body":"{{trigger.u}}"}`)
	out, err := r.Content(content, nil, map[string]any{"t": "javascript:alert(1)", "u": "https://ok.example/x"})
	require.NoError(t, err)
	assert.Contains(t, string(out), `"title":"javascript:alert(1)"`, "a text field keeps its text")

	for _, field := range []string{"url", "image.url", "actions[0].url", "tracking_url"} {
		c := map[string]any{"title": "x", "body": "{{trigger.u}}"}
		switch field {
		case "image.url":
			c["image"] = map[string]any{"url": "{{trigger.u}}"}
		case "actions[0].url":
			c["actions"] = []any{map[string]any{"url": "{{trigger.u}}"}}
		default:
			c[field] = "{{trigger.u}}"
		}
		raw, _ := json.Marshal(c)
		_, err := r.Content(raw, nil, map[string]any{"u": " JaVa\tScRiPt:alert(document.cookie)"})
		var rerr *render.Error
		require.ErrorAs(t, err, &rerr, field)
		assert.Equal(t, field, rerr.Field)
		assert.Contains(t, err.Error(), "not a safe URL")
	}

	// Saving a template: a literal unsafe URL is refused; one made by Liquid is checked when rendered.
	err = r.CheckContent(json.RawMessage(`{"actions":[{"label":"Go","url":"javascript:alert(1)"}]}`))
	assert.ErrorContains(t, err, `content field "actions[0].url": not a safe URL`)
	assert.NoError(t, r.CheckContent(json.RawMessage(`{"url":"{{trigger.url}}","link":"/orders"}`)))
}
