package liquid

import (
	"bytes"
	"testing"

	"github.com/osteele/liquid/render"
	"github.com/stretchr/testify/require"
)

// Roost addition: a rendering copies its bindings when it first sets a
// variable (render/node_context.go), not at its start; the caller's map is
// never changed, and what one rendering sets no other sees.

func TestRenderingNeverChangesTheBindings(t *testing.T) {
	engine := NewEngine()
	engine.RegisterTag("poke", func(c render.Context) (string, error) {
		c.Bindings()["poked"] = true // a tag may change the map Bindings returns
		return "", nil
	})
	for _, tc := range []struct{ src, out string }{
		{`{{ a }}{% assign a = 2 %}{{ a }}`, "12"},
		{`{% capture a %}c{% endcapture %}{{ a }}`, "c"},
		{`{% for i in (1..2) %}{{ i }}{% endfor %}{{ i }}`, "12"},
		{`{% for a in (1..2) %}{{ a }}{% endfor %}{{ a }}`, "121"}, // the loop restores a
		{`{% for i in (1..3) %}{% cycle "x", "y" %}{% endfor %}`, "xyx"},
		{`{% poke %}{{ poked }}{{ a }}`, "true1"},
		{`{% if a == 1 %}{% assign b = a | plus: 1 %}{% endif %}{{ b }}{{ a }}`, "21"},
		{`{{ a }}`, "1"},
	} {
		bindings := Bindings{"a": 1, "m": map[string]any{"k": "v"}}
		tpl, err := engine.ParseString(tc.src)
		require.NoError(t, err)
		for range 2 {
			out, err := tpl.RenderString(bindings)
			require.NoError(t, err)
			require.Equal(t, tc.out, out, tc.src)
			require.Equal(t, Bindings{"a": 1, "m": map[string]any{"k": "v"}}, bindings, tc.src)
		}
	}
}

func TestRenderStateIsReused(t *testing.T) {
	engine := NewEngine()
	var state RenderState
	for _, tc := range []struct{ src, out string }{
		{`{% assign a = 2 %}{{ a }} {{- b }}`, "2"},
		{`{{ a }}{% capture b %}x{% endcapture %}`, "1"},
		{`[{{ b }}] {{- a -}} `, "[]1"},
		{`{% for i in (1..2) %} {{- i -}} {% endfor %}{{ i }}`, "12"},
		{`{{ a }}`, "1"},
	} {
		bindings := Bindings{"a": 1}
		tpl, err := engine.ParseString(tc.src)
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, tpl.FRenderState(&buf, bindings, nil, &state))
		require.Equal(t, tc.out, buf.String(), tc.src)
		require.Equal(t, Bindings{"a": 1}, bindings)
	}
}
