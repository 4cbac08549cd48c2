package render

import (
	"github.com/osteele/liquid/expressions"
)

// nodeContext provides the evaluation context for rendering the AST.
//
// This type has a clumsy name so that render.Context, in the public API, can
// have a clean name that doesn't stutter.
type nodeContext struct {
	bindings map[string]any
	config   Config
	budget   *expressions.Budget // Roost addition; nil is no limit
	// exprCtx evaluates expressions over bindings (Roost: made once per
	// rendering, not once per expression).
	exprCtx expressions.Context
}

// newNodeContext creates a new evaluation context.
func newNodeContext(scope map[string]any, c Config, b *expressions.Budget) nodeContext {
	// The assign tag modifies the scope, so make a copy first.
	// TODO this isn't really the right place for this.
	vars := map[string]any{}
	for k, v := range scope {
		vars[k] = v
	}
	return nodeContext{vars, c, b, expressions.NewBudgetContext(vars, c.Config.Config, b)}
}

// Evaluate evaluates an expression within the template context.
func (c nodeContext) Evaluate(expr expressions.Expression) (out any, err error) {
	return expr.Evaluate(c.exprCtx)
}
