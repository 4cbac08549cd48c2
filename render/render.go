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

	"github.com/osteele/liquid"
)

// maxCachedTemplates bounds the compiled-template cache; past it the cache is reset.
const maxCachedTemplates = 1024

// Renderer renders message content. It is safe for concurrent use.
type Renderer struct {
	engine *liquid.Engine

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	tpl *liquid.Template
	err error
}

// New returns a Renderer with Liquid's standard filters.
func New() *Renderer {
	return &Renderer{engine: liquid.NewEngine(), cache: map[string]cached{}}
}

// Error is a template that failed to parse or render.
type Error struct {
	// Field is the path of the content field, for example "title" or "actions[0].label".
	Field string
	// Err is Liquid's error, which carries the line.
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("content field %q: %v", e.Field, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Compile parses src, or returns the template compiled before from the same source.
func (r *Renderer) Compile(src string) (*liquid.Template, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cache[src]; ok {
		return c.tpl, c.err
	}
	tpl, serr := r.engine.ParseString(src)
	c := cached{tpl: tpl}
	if serr != nil {
		c.err = serr
	}
	if len(r.cache) >= maxCachedTemplates {
		clear(r.cache)
	}
	r.cache[src] = c
	return c.tpl, c.err
}

// CachedTemplates reports how many template sources are compiled and cached.
func (r *Renderer) CachedTemplates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cache)
}

// source renders one Liquid source; a source without markup is returned unparsed.
func (r *Renderer) source(src string, b liquid.Bindings) (string, error) {
	if !strings.Contains(src, "{") {
		return src, nil
	}
	tpl, err := r.Compile(src)
	if err != nil {
		return "", err
	}
	out, serr := tpl.RenderString(b)
	if serr != nil {
		return "", serr
	}
	return out, nil
}

func bindings(customer, trigger map[string]any) liquid.Bindings {
	if customer == nil {
		customer = map[string]any{}
	}
	if trigger == nil {
		trigger = map[string]any{}
	}
	return liquid.Bindings{"customer": customer, "trigger": trigger}
}

// Content renders every string value of the JSON object content and returns the
// rendered object. Non-string values are kept as they are. The first field that
// fails yields an *Error and no output: content is never returned half-rendered.
func (r *Renderer) Content(content json.RawMessage, customer, trigger map[string]any) (json.RawMessage, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return nil, &Error{Field: "", Err: errors.New("content is not a JSON object")}
	}
	b := bindings(customer, trigger)
	out, err := r.walk(doc, "", b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func (r *Renderer) walk(v any, path string, b liquid.Bindings) (any, error) {
	switch v := v.(type) {
	case string:
		s, err := r.source(v, b)
		if err != nil {
			return nil, &Error{Field: path, Err: err}
		}
		return s, nil
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			x := v[k]
			p := k
			if path != "" {
				p = path + "." + k
			}
			y, err := r.walk(x, p, b)
			if err != nil {
				return nil, err
			}
			v[k] = y
		}
		return v, nil
	case []any:
		for i, x := range v {
			y, err := r.walk(x, fmt.Sprintf("%s[%d]", path, i), b)
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
