package render

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/osteele/liquid"
	"github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/parser"
	lrender "github.com/osteele/liquid/render"
)

// CheckContent checks the syntax of every string value of the JSON object
// content, the fields Content renders, without rendering with any data. It is
// meant for saving a template: it returns nil when every field would parse, or
// an *Error for the first field (in Content's order) that does not, naming the
// field, the 1-based line within it and the reason:
//
//	content field "body", line 3: unterminated "if" block in {% if x %}
//	content field "actions[0].label", line 1: undefined filter "nosuch" in {{ x | nosuch }}
//
// See Check for what is refused; a URL field (url.go) whose text has no
// Liquid must also be a safe URL. Content that is not a JSON object is an
// *Error with no Field.
func (r *Renderer) CheckContent(content json.RawMessage) error {
	doc, err := decodeObject(content)
	if err != nil {
		return err
	}
	_, err = walk(doc, "", func(path, src string) (string, error) {
		if e := r.check(src); e != nil {
			e.Field = path
			return "", e
		}
		if isURLField(path) && !strings.Contains(src, "{") && !SafeURL(src) {
			return "", unsafeURL(path, src)
		}
		return src, nil
	})
	if err != nil {
		return err
	}
	return r.trial(content)
}

// trial renders content with empty data, as the runtime would, and returns
// the *Error of a rendering that runs over the render budget (or its
// MaxRenderTime), or nil. Other errors depend on data and are not reported.
func (r *Renderer) trial(content json.RawMessage) error {
	_, err := r.content(content, nil, nil)
	if e, ok := err.(*Error); ok && e.OverBudget() {
		return e
	}
	return nil
}

// Check checks the syntax of one Liquid source and returns nil or an *Error
// with no Field. It refuses what Liquid fails to parse (an unterminated or
// stray block, an unknown tag, a malformed expression), a filter the
// Renderer does not define anywhere in the source (Liquid itself only notices
// one when it renders it, and then only in the branches taken), a "{{" or
// "{%" that is never closed (Liquid would print it as text), and the include
// tag. Errors that depend on data, such as a filter given a value it cannot
// take, are not reported. Text meant to show "{{" literally goes in
// {% raw %}…{% endraw %}.
//
// It also refuses a source that cannot render within the render budget
// (budget.go) for any data, an *Error for which OverBudget is true: a
// constant range (1..100000) or nested loops over constant ranges of more
// than MaxLoopIterations, or a rendering with empty data that already runs
// over the budget.
func (r *Renderer) Check(src string) error {
	if e := r.check(src); e != nil {
		return e
	}
	content, _ := json.Marshal(map[string]string{"": src})
	if err := r.trial(content); err != nil {
		err.(*Error).Field = ""
		return err
	}
	return nil
}

func (r *Renderer) check(src string) *Error {
	if !strings.Contains(src, "{") {
		return nil
	}
	tpl, err := r.Compile(src)
	if err != nil {
		return liquidError("", err)
	}
	return r.checkNode(tpl.GetRoot(), 1)
}

// checkNode looks for undefined filters, unclosed delimiters, the include
// tag and constant ranges over the budget in the parsed template n, inside
// loops over constant ranges of iters iterations in all. Comments are
// dropped by the parser and raw blocks are skipped.
func (r *Renderer) checkNode(n lrender.Node, iters int) *Error {
	switch n := n.(type) {
	case *lrender.SeqNode:
		for _, c := range n.Children {
			if e := r.checkNode(c, iters); e != nil {
				return e
			}
		}
	case *lrender.BlockNode:
		if e := r.checkToken(n.Token); e != nil {
			return e
		}
		if ranges := constantRanges(n.Token.Args); (n.Name == "for" || n.Name == "tablerow") && len(ranges) > 0 {
			iters = min(iters*ranges[0], MaxLoopIterations+1) // ranges[0] <= MaxLoopIterations (checkToken)
			if iters > MaxLoopIterations {
				return overBudgetError(n.Token, fmt.Sprintf("%d loop iterations (nested loops over constant ranges)", MaxLoopIterations))
			}
		}
		for _, c := range n.Body {
			if e := r.checkNode(c, iters); e != nil {
				return e
			}
		}
		for _, c := range n.Clauses {
			if e := r.checkNode(c, iters); e != nil {
				return e
			}
		}
	case *lrender.TagNode:
		if n.Token.Name == "include" {
			return &Error{Line: n.Token.SourceLoc.LineNo, Reason: errInclude + " in " + n.Token.Source}
		}
		return r.checkToken(n.Token)
	case *lrender.ObjectNode:
		return r.checkToken(n.Token)
	case *lrender.TextNode:
		for _, delim := range []string{"{{", "{%"} {
			if i := strings.Index(n.Source, delim); i >= 0 {
				closing := map[string]string{"{{": "}}", "{%": "%}"}[delim]
				return &Error{
					Line:   n.SourceLoc.LineNo + strings.Count(n.Source[:i], "\n"),
					Reason: fmt.Sprintf("%q is not closed by %q", delim, closing),
				}
			}
		}
	}
	return nil
}

// checkToken reports the first filter in a tag's or object's expression that
// the Renderer does not define, or a constant range over MaxLoopIterations.
func (r *Renderer) checkToken(t parser.Token) *Error {
	for _, n := range constantRanges(t.Args) {
		if n > MaxLoopIterations {
			return overBudgetError(t, fmt.Sprintf("%d loop iterations (a range of %d values)", MaxLoopIterations, n))
		}
	}
	for _, name := range filterNames(t.Args) {
		if !r.hasFilter(name) {
			return &Error{
				Line:   t.SourceLoc.LineNo,
				Reason: fmt.Sprintf("undefined filter %q in %s", name, t.Source),
			}
		}
	}
	return nil
}

// filterNames returns the names of the filters applied in a Liquid
// expression: the identifiers after a "|" outside quoted strings (Liquid has
// no other use for "|", and its strings have no escapes).
func filterNames(expr string) []string {
	var names []string
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '"', '\'':
			end := strings.IndexByte(expr[i+1:], c)
			if end < 0 {
				return names
			}
			i += end + 1
		case '|':
			j := i + 1
			for j < len(expr) && strings.IndexByte(" \t\r\n", expr[j]) >= 0 {
				j++
			}
			k := j
			for k < len(expr) && isIdentByte(expr[k], k == j) {
				k++
			}
			if k < len(expr) && k > j && expr[k] == '?' {
				k++
			}
			if k > j {
				names = append(names, expr[j:k])
			}
			i = k - 1
		}
	}
	return names
}

// isIdentByte reports whether c may be in a Liquid identifier:
// (alpha | '_') (alnum | '_' | '-')*.
func isIdentByte(c byte, first bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		return true
	case '0' <= c && c <= '9', c == '-':
		return !first
	}
	return false
}

// hasFilter reports whether the Renderer's engine defines the filter name. It
// asks the engine itself, by rendering the filter on nil: only an undefined
// filter fails with expressions.UndefinedFilter; a defined one may return
// anything, fail otherwise, or panic.
func (r *Renderer) hasFilter(name string) (defined bool) {
	defer func() {
		if recover() != nil {
			defined = true
		}
	}()
	tpl, perr := r.engine.ParseString("{{ nil | " + name + " }}")
	if perr != nil {
		return true // cannot tell; the source it came from did parse
	}
	_, rerr := tpl.RenderString(liquid.Bindings{})
	var err error
	if rerr != nil {
		err = rerr
	}
	for err != nil {
		if _, ok := err.(expressions.UndefinedFilter); ok {
			return false
		}
		c, ok := err.(interface{ Cause() error })
		if !ok {
			break
		}
		err = c.Cause()
	}
	return true
}
