package main

import (
	"net/http"
	"strings"
)

// addPage has the test site serve body at path, under the site's
// Content-Security-Policy: HTML, or JavaScript, CSS or SVG when path ends in
// .js, .css or .svg.
func (s *testSite) addPage(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.testPages == nil {
		s.testPages = map[string]string{}
	}
	s.testPages[path] = body
}

// serveTestPage answers a path addPage added; it reports whether it did.
func (s *testSite) serveTestPage(w http.ResponseWriter, path string) bool {
	s.mu.Lock()
	body, ok := s.testPages[path]
	s.mu.Unlock()
	if !ok {
		return false
	}
	ctype := "text/html; charset=utf-8"
	switch {
	case strings.HasSuffix(path, ".js"):
		ctype = "text/javascript; charset=utf-8"
	case strings.HasSuffix(path, ".css"):
		ctype = "text/css; charset=utf-8"
	case strings.HasSuffix(path, ".svg"):
		ctype = "image/svg+xml"
	}
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(body))
	return true
}
