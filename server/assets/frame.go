package assets

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// frameFile is the frame that hosts the runtime for a page of another
// origin: roost.js, loaded from this server by such a page, adds it hidden
// as roost-frame.html?site=<site id>&v=<version>.
const frameFile = "roost-frame.html"

// framePolicy is the frame's policy, less its frame-ancestors: it runs
// roost-frame.js and starts the worker, both from this origin, and nothing else.
const framePolicy = "default-src 'none'; script-src 'self'; worker-src 'self'; connect-src 'self'; frame-ancestors "

// serveFrame answers roost-frame.html?site=<site id>: a page that runs
// roost-frame.js, framed only by the site's pages (Options.FrameAncestors).
// It is generated (its script URL carries the build's version) and
// revalidated on every use, since an operator may change the origins.
func (h *handler) serveFrame(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-cache")
	site := r.URL.Query().Get("site")
	ancestors, ok := h.frameAncestors(site)
	if !ok {
		hd.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		http.Error(w, fmt.Sprintf("roost: this server has no site %q", site), http.StatusNotFound)
		return
	}
	script := "roost-frame.js"
	if v := h.version(); v != "" {
		script += "?v=" + v
	}
	body := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Roost</title><script src="` + script + `"></script></head></html>` + "\n"
	hd.Set("Content-Security-Policy", framePolicy+ancestors)
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// frameAncestors returns the source list of the frame-ancestors directive
// for site, and false for an unknown site.
func (h *handler) frameAncestors(site string) (string, bool) {
	if h.ancestors == nil {
		return "'self'", true
	}
	if site == "" {
		return "", false
	}
	origins, ok := h.ancestors(site)
	if !ok {
		return "", false
	}
	if len(origins) == 0 {
		return "'self'", true
	}
	var sources []string
	for _, o := range origins {
		if strings.TrimSpace(o) == "*" {
			return "*", true
		}
		src, err := originSource(o)
		if err != nil {
			h.logger.Warn("roost: a page origin allowed to embed the runtime is left out", "site", site, "error", err)
			continue
		}
		if !slices.Contains(sources, src) {
			sources = append(sources, src)
		}
	}
	if len(sources) == 0 {
		return "'none'", true
	}
	return strings.Join(sources, " "), true
}

// originPattern is an http or https origin (lowercase): a host name (whose
// first label may be *, for any subdomain), an IPv4 or a bracketed IPv6
// address, and an optional port (or *); a trailing slash is allowed.
var originPattern = regexp.MustCompile(`^https?://(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?(:([0-9]{1,5}|\*))?/?$|^https?://\[[0-9a-f:.]+\](:([0-9]{1,5}|\*))?/?$`)

// originSource returns origin as a CSP source expression (lowercase, no
// trailing slash), or an error when it is not an http or https origin.
func originSource(origin string) (string, error) {
	o := strings.ToLower(strings.TrimSpace(origin))
	if !originPattern.MatchString(o) {
		return "", errors.New(strconv.Quote(origin) + " is not an origin such as https://shop.example or http://127.0.0.1:8081")
	}
	return strings.TrimSuffix(o, "/"), nil
}
