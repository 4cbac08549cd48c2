package expressions

import "github.com/osteele/liquid/values"

// (Roost addition.) A variable and its properties, {{ customer.first_name }},
// is most of what message templates evaluate. Upstream evaluates it as any
// expression: a values.Value for the variable, one for each property (each
// allocated), and a deferred recover. A pathExpression looks the names up
// in JSON data (map[string]any) directly and takes upstream's path for
// anything else, so that the result is always the same.

// A pathExpression is a parsed variable followed by properties (a.b.c).
type pathExpression struct {
	expression
	// names are the variable's name and the properties'.
	names []string
}

// Evaluate evaluates e in ctx, without values.Value when every name is a
// variable or key of JSON data.
func (e *pathExpression) Evaluate(ctx Context) (any, error) {
	var v any
	if c, ok := ctx.(*context); ok {
		// c.Get without values.ToLiquid's interface assertion (slow in
		// WebAssembly) for the types that are not drops.
		switch v = c.bindings[e.names[0]]; v.(type) {
		case nil, string, bool, int, int64, float64, map[string]any, []any:
		default:
			v = values.ToLiquid(v)
		}
	} else {
		v = ctx.Get(e.names[0])
	}
	for _, name := range e.names[1:] {
		m, ok := v.(map[string]any)
		if !ok {
			return e.expression.Evaluate(ctx)
		}
		if v, ok = m[name]; !ok && name == sizeProperty {
			v = len(m)
		} // else v is nil, as upstream's value of a missing key
	}
	switch v.(type) {
	case nil, string, bool, int, int64, float64, map[string]any, []any:
		// values.ValueOf(v).Interface() is v
		return v, nil
	}
	return e.expression.Evaluate(ctx)
}

// sizeProperty is the property a map answers with its length when it has
// no such key.
const sizeProperty = "size"

// pathOf returns the names of source when it is a variable followed by
// properties (a.b.c), read by the lexer as the parser does, or nil.
func pathOf(source string) (names []string) {
	defer func() {
		if recover() != nil {
			names = nil
		}
	}()
	lex := newLexer([]byte(source + ";"))
	var sym yySymType
	if lex.Lex(&sym) != IDENTIFIER {
		return nil
	}
	names = append(names, sym.name)
	for {
		switch lex.Lex(&sym) {
		case PROPERTY:
			names = append(names, sym.name)
		case ';':
			if lex.Lex(&sym) != 0 {
				return nil
			}
			return names
		default:
			return nil
		}
	}
}
