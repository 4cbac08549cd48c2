// Package render is an internal package that renders a compiled template parse tree.
package render

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/parser"

	"github.com/osteele/liquid/values"
)

// Render renders the render tree.
func Render(node Node, w io.Writer, vars map[string]any, c Config) Error {
	return RenderBudget(node, w, vars, c, nil)
}

// RenderBudget renders the render tree, spending b (nil: no limit); it
// stops with an error that wraps an *expressions.LimitError when b runs out
// (Roost addition).
func RenderBudget(node Node, w io.Writer, vars map[string]any, c Config, b *expressions.Budget) Error {
	s := &State{}
	s.r.config = c
	return RenderState(node, w, vars, &s.r.config, b, s)
}

// A State is the memory of a rendering, which a caller that renders one
// template after another can keep for the next (Roost addition).
type State struct{ r rendering }

// RenderState is RenderBudget with the configuration c, in the memory of
// s, which no other rendering may be using (Roost addition). Every field
// the rendering uses is set one by one: zeroing s would be a bulk write
// barrier, slow in WebAssembly, whose GC marks for long.
func RenderState(node Node, w io.Writer, vars map[string]any, c *Config, b *expressions.Budget, s *State) Error {
	r := &s.r
	tw := &r.tw
	tw.init(w, b)
	if err := node.render(tw, newNodeContext(&r.scope, vars, c, b)); err != nil {
		return err
	}
	if _, err := tw.Flush(); err != nil {
		panic(err)
	}
	return nil
}

// RenderSequence renders a sequence of nodes.
func (c nodeContext) RenderSequence(w io.Writer, seq []Node) Error {
	tw, ok := w.(*trimWriter)
	if !ok {
		tw = newTrimWriter(w, c.budget)
	}
	for _, n := range seq {
		if err := c.budget.Tick(); err != nil {
			return wrapRenderError(err, n)
		}
		if err := n.render(tw, c); err != nil {
			return err
		}
	}
	if _, err := tw.Flush(); err != nil {
		panic(err)
	}
	return nil
}

func (n *BlockNode) render(w *trimWriter, ctx nodeContext) Error {
	cd, ok := ctx.config.findBlockDef(n.Name)
	if !ok || cd.parser == nil {
		// this should have been detected during compilation; it's an implementation error if it happens here
		panic(fmt.Errorf("undefined tag %q", n.Name))
	}
	renderer := n.renderer
	if renderer == nil {
		panic(fmt.Errorf("unset renderer for %v", n))
	}
	err := renderer(w, rendererContext{ctx, nil, n})
	return wrapRenderError(err, n)
}

func (n *RawNode) render(w *trimWriter, ctx nodeContext) Error {
	for _, s := range n.slices {
		_, err := w.WriteString(s) // Roost: no io.WriteString's type assertion
		if err != nil {
			return wrapRenderError(err, n)
		}
	}
	return nil
}

func (n *ObjectNode) render(w *trimWriter, ctx nodeContext) Error {
	value, err := ctx.Evaluate(n.expr)
	if err != nil {
		return wrapRenderError(err, n)
	}
	if value == nil && ctx.config.StrictVariables {
		return wrapRenderError(errors.New("undefined variable"), n)
	}
	if err := writeObject(w, value); err != nil { // Roost: wrapRenderError(nil) is nil, and a call
		return wrapRenderError(err, n)
	}
	return nil
}

func (n *SeqNode) render(w *trimWriter, ctx nodeContext) Error {
	for _, c := range n.Children {
		if err := ctx.budget.Tick(); err != nil {
			return wrapRenderError(err, c)
		}
		if err := c.render(w, ctx); err != nil {
			return err
		}
	}
	return nil
}

func (n *TagNode) render(w *trimWriter, ctx nodeContext) Error {
	err := wrapRenderError(n.renderer(w, rendererContext{ctx, n, nil}), n)
	return err
}

func (n *TextNode) render(w *trimWriter, _ nodeContext) Error {
	if _, err := w.WriteString(n.Source); err != nil { // Roost: no io.WriteString's type assertion
		return wrapRenderError(err, n) // (nor a call that wraps no error)
	}
	return nil
}

func (n *TrimNode) render(w *trimWriter, _ nodeContext) Error {
	if n.TrimDirection == parser.Left {
		return wrapRenderError(w.TrimLeft(), n)
	} else {
		w.TrimRight()
		return nil
	}
}

// writeObject writes a value used in an object node
// (Roost: into a *trimWriter, so that strings are written without
// io.WriteString's type assertion.)
func writeObject(w *trimWriter, value any) error {
	if s, ok := value.(string); ok { // Roost: no ToLiquid's interface assertion
		_, err := w.WriteString(s)
		return err
	}
	value = values.ToLiquid(value)
	if value == nil {
		return nil
	}
	switch value := value.(type) {
	case string: // Roost: as fmt.Sprint writes it, without fmt
		_, err := w.WriteString(value)
		return err
	case time.Time:
		_, err := io.WriteString(w, value.Format("2006-01-02 15:04:05 -0700"))
		return err
	case []byte:
		_, err := w.Write(value)
		return err
		// there used be a case on fmt.Stringer here, but fmt.Sprint produces better results than obj.Write
		// for instances of error and *string
	}
	rt := reflect.ValueOf(value)
	switch rt.Kind() {
	case reflect.Array, reflect.Slice:
		for i := range rt.Len() {
			item := rt.Index(i)
			if item.IsValid() {
				if err := writeObject(w, item.Interface()); err != nil {
					return err
				}
			}
		}
		return nil
	case reflect.Ptr:
		return writeObject(w, reflect.ValueOf(value).Elem())
	default:
		_, err := io.WriteString(w, fmt.Sprint(value))
		return err
	}
}
