package render

import (
	"strings"
)

// A content field whose name says it holds a URL ("url", "href", "link",
// "src", "image", or a name ending in "_url", "Url", "_href", "_link" or
// "_src"; the last part of its path, so "actions[0].url" and "image.url"
// are URL fields) must render to a safe URL: http, https, mailto or a
// relative one, or nothing. A page that puts it into an href or a src then
// cannot be made to run script by message data ("javascript:...").

// isURLField reports whether the content field at path holds a URL.
func isURLField(path string) bool {
	name := path
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	switch strings.ToLower(name) {
	case "url", "href", "link", "src", "image":
		return true
	}
	for _, suffix := range []string{"_url", "Url", "_href", "_link", "_src"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// SafeURL reports whether u is a URL a message may link to: empty, relative,
// or with the scheme http, https or mailto. It reads u as a browser does:
// tabs and newlines anywhere and control characters and spaces at either end
// do not count, so "java\tscript:" is the javascript scheme.
func SafeURL(u string) bool {
	u = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	u = strings.TrimFunc(u, func(r rune) bool { return r <= ' ' })
	end := strings.IndexAny(u, ":/?#")
	if end <= 0 || u[end] != ':' || !isScheme(u[:end]) {
		return true // no scheme: relative (or empty), as a browser reads it
	}
	switch strings.ToLower(u[:end]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// isScheme reports whether s has the form of a URL scheme: a letter, then
// letters, digits, "+", "-" or ".".
func isScheme(s string) bool {
	for i, c := range s {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// unsafeURL is the error for a URL field that is not a SafeURL.
func unsafeURL(path, u string) *Error {
	return &Error{Field: path, Reason: "not a safe URL: " + quoteShort(u) + " (use http, https, mailto or a relative URL)"}
}

// quoteShort quotes s, cut to a readable length.
func quoteShort(s string) string {
	const most = 80
	if len(s) > most {
		return `"` + s[:most] + `..."`
	}
	return `"` + s + `"`
}
