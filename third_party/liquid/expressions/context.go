package expressions

import "github.com/osteele/liquid/values"

// Context is the expression evaluation context. It maps variables names to values.
type Context interface {
	ApplyFilter(string, valueFn, []valueFn) (any, error)
	// Clone returns a copy with a new variable binding map
	// (so that copy.Set does effect the source context.)
	Clone() Context
	Get(string) any
	Set(string, any)
	// Budget returns the budget evaluation spends, or nil (Roost addition).
	Budget() *Budget
}

type context struct {
	Config
	bindings map[string]any
	budget   *Budget
}

// NewContext makes a new expression evaluation context.
func NewContext(vars map[string]any, cfg Config) Context {
	return &context{cfg, vars, nil}
}

// NewBudgetContext makes a new expression evaluation context whose filters
// and ranges spend b (Roost addition).
func NewBudgetContext(vars map[string]any, cfg Config, b *Budget) Context {
	return &context{cfg, vars, b}
}

func (ctx *context) Clone() Context {
	bindings := map[string]any{}
	for k, v := range ctx.bindings {
		bindings[k] = v
	}
	return &context{ctx.Config, bindings, ctx.budget}
}

// Budget returns the budget evaluation spends, or nil.
func (ctx *context) Budget() *Budget { return ctx.budget }

// Get looks up a variable value in the expression context.
func (ctx *context) Get(name string) any {
	return values.ToLiquid(ctx.bindings[name])
}

// Set sets a variable value in the expression context.
func (ctx *context) Set(name string, value any) {
	ctx.bindings[name] = value
}

// ContextStorage holds a Context, so that a caller can allocate it within
// a struct of its own (Roost addition).
type ContextStorage struct{ c context }

// Init makes s a context as NewBudgetContext makes, and returns it.
func (s *ContextStorage) Init(vars map[string]any, cfg Config, b *Budget) Context {
	s.c = context{cfg, vars, b}
	return &s.c
}

// SetBindings makes the context of s evaluate over vars.
func (s *ContextStorage) SetBindings(vars map[string]any) { s.c.bindings = vars }
