package render

import (
	"github.com/osteele/liquid/expressions"
)

// nodeContext provides the evaluation context for rendering the AST.
//
// This type has a clumsy name so that render.Context, in the public API, can
// have a clean name that doesn't stutter.
type nodeContext struct {
	scope  *scope              // Roost: upstream held the bindings map itself
	config *Config             // Roost: upstream held a copy (nodeContext is passed by value)
	budget *expressions.Budget // Roost addition; nil is no limit
}

// A scope is a rendering's variables (Roost addition). Upstream copied the
// caller's bindings at the start of every rendering, since the assign tag
// sets variables; a scope copies them when the rendering first sets one,
// and never changes the caller's map.
type scope struct {
	vars  map[string]any
	owned bool // vars is the scope's own copy
	// expr evaluates expressions over vars, made once per rendering (upstream:
	// once per expression).
	expr    expressions.Context
	storage expressions.ContextStorage
}

// A rendering is what RenderBudget allocates, at once (Roost addition).
type rendering struct {
	tw    trimWriter
	scope scope
	// config is RenderBudget's copy of its configuration.
	config Config
}

// newNodeContext creates a new evaluation context, whose variables are
// those of scope until it sets one.
func newNodeContext(s *scope, vars map[string]any, c *Config, b *expressions.Budget) nodeContext {
	s.vars, s.owned = vars, false
	s.expr = s.storage.Init(vars, c.Config.Config, b)
	return nodeContext{s, c, b}
}

// bindings returns the variables, to read.
func (c nodeContext) bindings() map[string]any { return c.scope.vars }

// ownBindings returns the variables, to change: the scope's own copy.
func (c nodeContext) ownBindings() map[string]any {
	s := c.scope
	if !s.owned {
		vars := make(map[string]any, len(s.vars)+1)
		for k, v := range s.vars {
			vars[k] = v
		}
		s.vars, s.owned = vars, true
		s.storage.SetBindings(vars)
	}
	return s.vars
}

// Evaluate evaluates an expression within the template context.
func (c nodeContext) Evaluate(expr expressions.Expression) (out any, err error) {
	return expr.Evaluate(c.scope.expr)
}
