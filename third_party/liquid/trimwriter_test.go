package liquid

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Roost addition: rendering into a *bytes.Buffer writes straight into it
// (render/trimwriter.go); into any other writer, through the trimWriter's
// own buffer, as upstream did. Both must give the same text.

// plainWriter hides a buffer's type, so rendering into it takes upstream's path.
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }

// trimPieces are the parts of the generated templates: whitespace, text,
// objects and tags with and without whitespace control, and blocks that
// render into buffers of their own (capture) or loop.
var trimPieces = []string{
	" ", "\n", " \t\n ", "x", "a b", " y ", "é ",
	"{{ s }}", "{{- s }}", "{{ s -}}", "{{- s -}}", "{{- nil -}}", "{{ nil }}", "{{- sp -}}", "{{ sp }}",
	"{% if true %}", "{%- if true %}", "{% if true -%}", "{%- if true -%}", "{% endif %}", "{%- endif -%}",
	"{% assign v = 1 %}", "{%- assign v = s -%}", "{{- v -}}",
	"{% capture c %}", "{%- capture c -%}", "{% endcapture %}", "{%- endcapture -%}", "{{ c }}", "{{- c -}}",
	"{% for i in (1..2) %}", "{%- for i in (1..2) -%}", "{% endfor %}", "{%- endfor -%}",
	"{% comment %} x {% endcomment %}", "{%- comment -%} x {%- endcomment -%}",
	"{% raw %} {{ a }} {% endraw %}",
}

func renderBothWays(t *testing.T, tpl *Template, b Bindings) (direct, buffered string) {
	t.Helper()
	out, err := tpl.Render(b)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, tpl.FRender(plainWriter{&buf}, b))
	return string(out), buf.String()
}

func TestTrimWriterIntoABufferAsUpstream(t *testing.T) {
	engine := NewEngine()
	b := Bindings{"s": "S", "sp": "  "}
	rnd := rand.New(rand.NewPCG(1, 2))
	tried := 0
	for range 20_000 {
		var src strings.Builder
		for range 1 + rnd.IntN(12) {
			src.WriteString(trimPieces[rnd.IntN(len(trimPieces))])
		}
		tpl, err := engine.ParseString(src.String())
		if err != nil {
			continue // an unbalanced block
		}
		tried++
		direct, buffered := renderBothWays(t, tpl, b)
		require.Equal(t, buffered, direct, "%q", src.String())
	}
	require.Greater(t, tried, 2_000)
}

func FuzzTrimWriterIntoABufferAsUpstream(f *testing.F) {
	for _, p := range trimPieces {
		f.Add(" x " + p + " y ")
	}
	engine := NewEngine()
	b := Bindings{"s": "S", "sp": "  "}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := engine.ParseString(src)
		if err != nil {
			return
		}
		direct, buffered := renderBothWays(t, tpl, b)
		require.Equal(t, buffered, direct)
	})
}
