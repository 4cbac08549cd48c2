package expressions

import (
	"fmt"
	"testing"

	"github.com/osteele/liquid/values"
	"github.com/stretchr/testify/require"
)

// Roost addition: a pathExpression evaluates as upstream's expression.

type testDrop struct{ v any }

func (d testDrop) ToLiquid() any { return d.v }

type namedMap map[string]any

func TestPathOf(t *testing.T) {
	for src, want := range map[string][]string{
		"a":                   {"a"},
		" a.b.c ":             {"a", "b", "c"},
		"customer.first_name": {"customer", "first_name"},
		"a.b-c.d?":            {"a", "b-c", "d?"},
		"a.size":              {"a", "size"},
		"a[0]":                nil,
		"a.b | upcase":        nil,
		"a.b == 1":            nil,
		"a b":                 nil,
		"true":                nil,
		"nil":                 nil,
		"1":                   nil,
		"'a'":                 nil,
		"(a)":                 nil,
		"a.b;c":               nil,
		"":                    nil,
	} {
		require.Equal(t, want, pathOf(src), "%q", src)
	}
}

func TestPathExpressionAsUpstream(t *testing.T) {
	s := "s"
	leaf := []any{
		nil, "str", "", true, false, 0, 1, 2, int64(3), 0.0, 1.5, float32(2), uint8(4),
		[]any{1, 2}, []string{"x"}, map[string]any{"k": "v"}, namedMap{"k": "v"},
		map[string]int{"k": 1}, map[any]any{"k": 1}, &s, (*string)(nil),
		struct{ K string }{"v"}, &struct{ K string }{"v"}, testDrop{"dropped"},
		testDrop{map[string]any{"k": "in a drop"}}, values.ValueOf("a value"),
		func() {}, fmt.Errorf("an error"),
	}
	var data []any
	for _, l := range leaf {
		data = append(data, l,
			map[string]any{"k": l, "size": l},
			map[string]any{"k": map[string]any{"k": l}, "other": 1},
			namedMap{"k": l},
			map[string]any{"k": testDrop{l}},
			[]any{l},
		)
	}
	paths := []string{"v", "v.k", "v.k.k", "v.size", "v.k.size", "v.first", "v.k.first", "v.missing", "v.missing.k", "v.k.missing", "nosuch", "nosuch.k", "v.K", "v.k.K"}
	cfg := NewConfig()
	for i, d := range data {
		for _, src := range paths {
			e, err := Parse(src)
			require.NoError(t, err)
			_, ok := e.(*pathExpression)
			require.True(t, ok, src)
			p, err := parse(src)
			require.NoError(t, err)
			up := &expression{p.val}
			ctx := NewContext(map[string]any{"v": d}, cfg)
			want, wantErr := evaluateOrPanic(up, ctx)
			got, gotErr := evaluateOrPanic(e, ctx)
			require.Equal(t, fmt.Sprintf("%#v %v", want, wantErr), fmt.Sprintf("%#v %v", got, gotErr), "data %d %#v, %s", i, d, src)
		}
	}
}

// evaluateOrPanic evaluates e, with a panic as an error.
func evaluateOrPanic(e Expression, ctx Context) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return e.Evaluate(ctx)
}
