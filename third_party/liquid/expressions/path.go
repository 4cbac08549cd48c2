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
		if v = c.bindings[e.names[0]]; !isJSON(v) {
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
	if isJSON(v) { // values.ValueOf(v).Interface() is v
		return v, nil
	}
	return e.expression.Evaluate(ctx)
}

// isJSON reports whether v is nil or of a type of JSON data (or an int): not
// a drop, and values.ValueOf(v).Interface() is v.
func isJSON(v any) bool {
	switch v.(type) {
	case nil, string, bool, int, int64, float64, map[string]any, []any:
		return true
	}
	return false
}

// sizeProperty is the property a map answers with its length when it has
// no such key.
const sizeProperty = "size"

// pathOf returns the names of source when it is a variable followed by
// properties (a.b.c), read by the lexer as the parser does, or nil. The
// parser has read source: the lexer does not panic.
func pathOf(source string) (names []string) {
	lex := newLexer([]byte(source + ";"))
	var sym yySymType
	for {
		switch tok := lex.Lex(&sym); {
		case tok == IDENTIFIER && names == nil, tok == PROPERTY && names != nil:
			names = append(names, sym.name)
		case tok == ';' && names != nil && lex.Lex(&sym) == 0:
			return names
		default:
			return nil
		}
	}
}
