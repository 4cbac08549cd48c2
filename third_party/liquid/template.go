package liquid

import (
	"bytes"
	"io"

	"github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/parser"
	"github.com/osteele/liquid/render"
)

// A Template is a compiled Liquid template. It knows how to evaluate itself within a variable binding environment, to create a rendered byte slice.
//
// Use Engine.ParseTemplate to create a template.
type Template struct {
	root render.Node
	cfg  *render.Config
}

func newTemplate(cfg *render.Config, source []byte, path string, line int) (*Template, SourceError) {
	loc := parser.SourceLoc{Pathname: path, LineNo: line}
	root, err := cfg.Compile(string(source), loc)
	if err != nil {
		return nil, err
	}
	return &Template{root, cfg}, nil
}

// GetRoot returns the root node of the abstract syntax tree (AST) representing
// the parsed template.
func (t *Template) GetRoot() render.Node {
	return t.root
}

// Render executes the template with the specified variable bindings.
func (t *Template) Render(vars Bindings) ([]byte, SourceError) {
	buf := new(bytes.Buffer)
	err := render.Render(t.root, buf, vars, *t.cfg)
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RenderBudget executes the template with the specified variable bindings,
// spending b (nil: no limit): past it, rendering stops with an error that
// wraps an *expressions.LimitError (Roost addition).
func (t *Template) RenderBudget(vars Bindings, b *expressions.Budget) ([]byte, SourceError) {
	buf := new(bytes.Buffer)
	if err := render.RenderBudget(t.root, buf, vars, *t.cfg, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FRenderBudget is RenderBudget into w (Roost addition). Into a
// *bytes.Buffer, the rendering writes straight into it; after an error w
// may hold part of the output.
func (t *Template) FRenderBudget(w io.Writer, vars Bindings, b *expressions.Budget) SourceError {
	if err := render.RenderBudget(t.root, w, vars, *t.cfg, b); err != nil {
		return err
	}
	return nil
}

// A RenderState is the memory of a rendering, which a caller that renders
// one template after another can keep for the next (Roost addition).
type RenderState = render.State

// FRenderState is FRenderBudget in the memory of s (nil: its own), which no
// other rendering may be using (Roost addition).
func (t *Template) FRenderState(w io.Writer, vars Bindings, b *expressions.Budget, s *RenderState) SourceError {
	if s == nil {
		s = &RenderState{}
	}
	if err := render.RenderState(t.root, w, vars, t.cfg, b, s); err != nil {
		return err
	}
	return nil
}

// FRender executes the template with the specified variable bindings and renders it into w.
func (t *Template) FRender(w io.Writer, vars Bindings) SourceError {
	err := render.Render(t.root, w, vars, *t.cfg)
	if err != nil {
		return err
	}
	return nil
}

// RenderString is a convenience wrapper for Render, that has string input and output.
func (t *Template) RenderString(b Bindings) (string, SourceError) {
	bs, err := t.Render(b)
	if err != nil {
		return "", err
	}
	return string(bs), nil
}
