// Package render renders message content with Liquid: every string value of a
// template's JSON content is a Liquid template, rendered with the person's
// attributes as {{customer.*}} and the send request's message_data as
// {{trigger.*}}. Compiled templates are cached, so a template source is parsed
// once per Renderer.
package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/osteele/liquid"
	"github.com/osteele/liquid/expressions"
	lrender "github.com/osteele/liquid/render"
)

// maxCachedTemplates bounds the compiled-template cache; past it the cache is reset.
const maxCachedTemplates = 1024

// Renderer renders message content. It is safe for concurrent use.
type Renderer struct {
	engine *liquid.Engine
	// renderTime is MaxRenderTime (tests may change it).
	renderTime time.Duration
	// parseHook, when set (by tests), is called before each parse, outside the lock.
	parseHook func(src string)

	mu    sync.Mutex
	cache map[string]cached
	// plans caches compiled content (content.go), planBytes the size of its keys.
	plans     map[string]*plan
	planBytes int
	// scratch is kept for the next rendering, or nil.
	scratch *scratch
}

type cached struct {
	tpl *liquid.Template
	err error
}

// New returns a Renderer with Liquid's standard filters and the message
// filters of filters.go.
func New() *Renderer {
	engine := liquid.NewEngine()
	registerFilters(engine)
	// Liquid's include reads a file: never on the server, and there are no
	// files in the runtime. Check refuses the tag; this is the fence.
	engine.RegisterTag("include", func(lrender.Context) (string, error) {
		return "", errors.New(errInclude)
	})
	return &Renderer{engine: engine, renderTime: MaxRenderTime, cache: map[string]cached{}, plans: map[string]*plan{}}
}

// errInclude is the error of the include tag.
const errInclude = "the include tag is not supported (message templates have no files)"

// Error is content whose template failed to parse, to check or to render, or
// content that is not a JSON object. Its message names the field and the line,
// for example:
//
//	content field "body", line 3: unterminated "if" block in {% if x %}
type Error struct {
	// Field is the path of the content field, for example "title" or
	// "actions[0].label"; it is empty when the content is not a JSON object and
	// for Check, which has no field.
	Field string
	// Line is the 1-based line within the field's source where the error is, or
	// 0 when it is unknown.
	Line int
	// Reason is what is wrong, in plain words and without the field or line,
	// for example `unterminated "if" block in {% if x %}`.
	Reason string
	// Err is the underlying Liquid error, or nil when the check itself found
	// the fault (an undefined filter, an unclosed "{{", content that is not a
	// JSON object).
	Err error
}

// Error returns `content field "F", line L: REASON`, leaving out the parts that
// are unknown.
func (e *Error) Error() string {
	var where string
	if e.Field != "" {
		where = fmt.Sprintf("content field %q", e.Field)
	}
	if e.Line > 0 {
		if where != "" {
			where += ", "
		}
		where += fmt.Sprintf("line %d", e.Line)
	}
	if where == "" {
		return e.Reason
	}
	return where + ": " + e.Reason
}

// Unwrap returns the underlying Liquid error, if any.
func (e *Error) Unwrap() error { return e.Err }

// liquidError makes an *Error of a Liquid error for the field at path: the
// line comes from the error (templates are parsed with 1-based lines) and the
// reason is Liquid's message without its "Liquid error (line N): " prefix.
func liquidError(path string, err error) *Error {
	e := &Error{Field: path, Reason: err.Error(), Err: err}
	if se, ok := err.(interface{ LineNumber() int }); ok {
		e.Line = max(se.LineNumber(), 0)
	}
	if rest, ok := strings.CutPrefix(e.Reason, "Liquid error"); ok {
		if strings.HasPrefix(rest, " (line ") {
			if i := strings.Index(rest, "): "); i >= 0 {
				rest = rest[i+1:]
			}
		}
		if r, ok := strings.CutPrefix(rest, ": "); ok {
			e.Reason = r
		}
	}
	return e
}

// Compile parses src, or returns the template compiled before from the same
// source. A parse error's LineNumber is the 1-based line in src. The parse
// runs outside the Renderer's lock, so one long parse holds up no other
// (two callers may parse the same new source at once; both get a template).
func (r *Renderer) Compile(src string) (*liquid.Template, error) {
	r.mu.Lock()
	c, ok := r.cache[src]
	r.mu.Unlock()
	if ok {
		return c.tpl, c.err
	}
	if r.parseHook != nil {
		r.parseHook(src)
	}
	c = r.parse(src)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.cache) >= maxCachedTemplates {
		clear(r.cache)
	}
	r.cache[src] = c
	return c.tpl, c.err
}

// panicError is the error of a panic p in Liquid, without the stack trace
// Liquid adds to some.
func panicError(p any) error {
	if c, ok := p.(interface{ Cause() error }); ok && c.Cause() != nil {
		p = c.Cause()
	}
	return fmt.Errorf("Liquid failed: %v", p)
}

// parse parses src; a panic in Liquid's parser is an error.
func (r *Renderer) parse(src string) (c cached) {
	defer func() {
		if p := recover(); p != nil {
			c = cached{err: panicError(p)}
		}
	}()
	// Line numbers start at 1, so that an error's LineNumber is the 1-based
	// line (ParseString would count from 0) and 0 means no line.
	tpl, serr := r.engine.ParseTemplateLocation([]byte(src), "", 1)
	c.tpl = tpl
	if serr != nil {
		c.err = serr
	}
	return c
}

// CachedTemplates reports how many template sources are compiled and cached.
func (r *Renderer) CachedTemplates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cache)
}

// render renders src, compiled to tpl or to the error err (tpl and err nil
// for a source without markup, written unparsed), into buf, which it resets
// first, spending budget. A panic in Liquid (a filter's) is an error. After
// an error buf holds part of the output or none. state is the rendering's
// memory (nil: its own).
func render(buf *bytes.Buffer, src string, tpl *liquid.Template, err error, b liquid.Bindings, budget *expressions.Budget, state *liquid.RenderState) (rerr error) {
	buf.Reset()
	if tpl == nil && err == nil {
		buf.WriteString(src)
		return nil
	}
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			rerr = panicError(p)
		}
	}()
	if serr := tpl.FRenderState(buf, b, budget, state); serr != nil {
		return serr
	}
	return nil
}

// scratch is what a rendering of content works with besides its output. A
// Renderer keeps one for the next rendering (concurrent ones make their
// own): Liquid only reads the bindings map (a rendering that sets a
// variable sets it in a copy), and nothing keeps the buffer, the budget or
// the rendering's state.
type scratch struct {
	bindings liquid.Bindings
	buf      bytes.Buffer
	budget   expressions.Budget
	state    liquid.RenderState
}

// maxScratchBuffer is the largest buffer a Renderer keeps for the next rendering.
const maxScratchBuffer = 16 << 10

// takeScratch returns a scratch for a rendering with the data customer and
// trigger (an empty map for nil) and a fresh budget of d.
func (r *Renderer) takeScratch(customer, trigger map[string]any, d time.Duration) *scratch {
	r.mu.Lock()
	s := r.scratch
	r.scratch = nil
	r.mu.Unlock()
	if s == nil {
		s = &scratch{bindings: make(liquid.Bindings, 2)}
	}
	if customer == nil {
		customer = map[string]any{}
	}
	if trigger == nil {
		trigger = map[string]any{}
	}
	s.bindings["customer"], s.bindings["trigger"] = customer, trigger
	s.budget = budget(d)
	return s
}

// putScratch keeps s for the next rendering, without the data.
func (r *Renderer) putScratch(s *scratch) {
	s.bindings["customer"], s.bindings["trigger"] = nil, nil
	if s.buf.Cap() > maxScratchBuffer {
		s.buf = bytes.Buffer{}
	}
	r.mu.Lock()
	r.scratch = s
	r.mu.Unlock()
}

// Content renders every string value of the JSON object content and returns the
// rendered object. Non-string values are kept as they are. The first field that
// fails yields an *Error and no output: content is never returned half-rendered.
// A URL field (url.go) that renders to an unsafe URL fails too. All the fields
// together spend one render budget (budget.go): past it, the *Error's reason
// is "render budget exceeded: more than …".
func (r *Renderer) Content(content json.RawMessage, customer, trigger map[string]any) (json.RawMessage, error) {
	return r.content(content, customer, trigger)
}

func (r *Renderer) content(content json.RawMessage, customer, trigger map[string]any) (json.RawMessage, error) {
	p, err := r.plan(content)
	if err != nil {
		return nil, err
	}
	s := r.takeScratch(customer, trigger, r.renderTime)
	defer r.putScratch(s)
	out := make([]byte, 0, p.size+64*len(p.holes))
	for _, h := range p.holes {
		out = append(out, h.before...)
		if err := render(&s.buf, h.src, h.tpl, h.err, s.bindings, &s.budget, &s.state); err != nil {
			return nil, liquidError(h.path, err)
		}
		if h.url {
			if u := s.buf.String(); !SafeURL(u) {
				return nil, unsafeURL(h.path, u)
			}
		}
		out = appendJSONString(out, s.buf.Bytes())
	}
	return append(out, p.tail...), nil
}

// decodeObject decodes content, which must be a JSON object, keeping numbers
// as they are written.
func decodeObject(content json.RawMessage) (map[string]any, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return nil, &Error{Reason: "content is not a JSON object"}
	}
	return doc, nil
}

// walk calls leaf for every string in v, in a fixed order (object keys sorted),
// with the string's path ("title", "actions[0].label"), and replaces the
// string with leaf's result. It stops at the first error, which it returns as
// leaf made it.
func walk(v any, path string, leaf func(path, src string) (string, error)) (any, error) {
	switch v := v.(type) {
	case string:
		return leaf(path, v)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			x := v[k]
			p := k
			if path != "" {
				p = path + "." + k
			}
			y, err := walk(x, p, leaf)
			if err != nil {
				return nil, err
			}
			v[k] = y
		}
		return v, nil
	case []any:
		for i, x := range v {
			y, err := walk(x, fmt.Sprintf("%s[%d]", path, i), leaf)
			if err != nil {
				return nil, err
			}
			v[i] = y
		}
		return v, nil
	default:
		return v, nil
	}
}
