package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/osteele/liquid"
)

// A plan is content compiled for Content: the JSON text json.Marshal makes of
// the rendered object (keys sorted), with a hole for every string value that
// has to be rendered or checked. Rendering a cached plan decodes and encodes
// no JSON: it renders the holes in Content's order and writes each result as
// a JSON string between the plan's fixed text.
type plan struct {
	holes []hole
	// tail is the text after the last hole.
	tail string
	// size is the length of the fixed text, a hint for the output's size.
	size int
}

// A hole is a string value of the content, and the fixed JSON text before it.
type hole struct {
	before string
	path   string
	src    string
	url    bool
	// tpl and err are Compile's for a src with markup (tpl is nil without).
	tpl *liquid.Template
	err error
}

// maxCachedPlans and maxCachedPlanBytes bound the plan cache (by entries and
// by the bytes of the contents); past either it is reset.
const (
	maxCachedPlans     = 256
	maxCachedPlanBytes = 4 << 20
)

// plan returns content's plan, from the cache or compiled (and cached); a
// content that is not a JSON object is an *Error, not cached.
func (r *Renderer) plan(content json.RawMessage) (*plan, error) {
	r.mu.Lock()
	p, ok := r.plans[string(content)]
	r.mu.Unlock()
	if ok {
		return p, nil
	}
	doc, err := decodeObject(content)
	if err != nil {
		return nil, err
	}
	var b planBuilder
	b.value(doc, "")
	for i := range b.holes {
		if h := &b.holes[i]; strings.Contains(h.src, "{") {
			h.tpl, h.err = r.Compile(h.src)
		}
	}
	p = &plan{holes: b.holes, tail: b.text.String(), size: b.size + b.text.Len()}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.plans) >= maxCachedPlans || r.planBytes+len(content) > maxCachedPlanBytes {
		clear(r.plans)
		r.planBytes = 0
	}
	if _, ok := r.plans[string(content)]; !ok {
		r.plans[string(content)] = p
		r.planBytes += len(content)
	}
	return p, nil
}

// planBuilder makes a plan from decoded content, in walk's order.
type planBuilder struct {
	text  strings.Builder
	holes []hole
	size  int
}

// value writes v, found at path, as json.Marshal would.
func (b *planBuilder) value(v any, path string) {
	switch v := v.(type) {
	case string:
		// A string without markup renders as itself; it needs no hole
		// unless it is a URL field's, which must be checked (and fails
		// in its turn).
		url := isURLField(path)
		if !strings.Contains(v, "{") && (!url || SafeURL(v)) {
			b.text.Write(appendJSONString(nil, []byte(v)))
			return
		}
		b.holes = append(b.holes, hole{before: b.text.String(), path: path, src: v, url: url})
		b.size += b.text.Len()
		b.text = strings.Builder{}
	case map[string]any:
		b.text.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				b.text.WriteByte(',')
			}
			b.text.Write(appendJSONString(nil, []byte(k)))
			b.text.WriteByte(':')
			p := k
			if path != "" {
				p = path + "." + k
			}
			b.value(v[k], p)
		}
		b.text.WriteByte('}')
	case []any:
		b.text.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.text.WriteByte(',')
			}
			b.value(x, fmt.Sprintf("%s[%d]", path, i))
		}
		b.text.WriteByte(']')
	default:
		// json.Number, bool or nil: decoded, so Marshal cannot fail.
		j, _ := json.Marshal(v)
		b.text.Write(j)
	}
}

// jsonSafe are the ASCII bytes a JSON string holds as they are: not the
// control characters, '"', '\\', nor '<', '>' and '&' (escaped for HTML).
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := range safe {
		safe[c] = c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// appendJSONString appends s to dst as json.Marshal writes a string: quoted,
// with <, > and & escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped
// (encoding/json's appendString with escapeHTML). Every escape is appended
// at one place, which keeps the code small.
func appendJSONString(dst []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && jsonSafe[c] {
			i++
			continue
		}
		size := 1
		esc := [6]byte{'\\', 'u', '0', '0', hex[c>>4], hex[c&0xF]}
		n := 6 // bytes of esc to write
		if c < utf8.RuneSelf {
			switch c {
			case '\\', '"':
				esc[1], n = c, 2
			case '\b':
				esc[1], n = 'b', 2
			case '\f':
				esc[1], n = 'f', 2
			case '\n':
				esc[1], n = 'n', 2
			case '\r':
				esc[1], n = 'r', 2
			case '\t':
				esc[1], n = 't', 2
			}
		} else {
			var r rune
			r, size = utf8.DecodeRune(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				esc[2], esc[3], esc[4], esc[5] = 'f', 'f', 'f', 'd'
			case r == '\u2028' || r == '\u2029':
				esc[2], esc[3], esc[4], esc[5] = '2', '0', '2', hex[r&0xF]
			default:
				i += size
				continue
			}
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, esc[:n]...)
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
