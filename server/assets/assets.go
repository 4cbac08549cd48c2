// Package assets serves Roost's browser runtime: roost.js, the file a page
// names in its one script tag, which loads roost-page.js, the page API, after
// the page's load event; roost-worker.js, wasm_exec.js and roost.wasm,
// the runtime it starts in a worker; roost-inapp.js and roost-inapp.css, the
// in-app presenter; and, for pages of other origins, roost-frame.html (made
// here, per site) and roost-frame.js, the hidden frame that hosts the runtime
// on this origin (docs/protocol.md, "A page of another origin").
//
// The files come from a built runtime directory (make runtime's
// server/assets/dist, embedded in the binary: see Embedded). Mount the
// handler under /roost/ with the prefix stripped:
//
//	files, err := assets.Embedded()
//	...
//	h, err := assets.New(files, assets.Options{FrameAncestors: allowedPageOrigins})
//	...
//	mux.Handle("/roost/", http.StripPrefix("/roost", h))
//
// A file goes out as its precompressed copy (name.br or name.gz) when the
// request's Accept-Encoding takes it, with Vary: Accept-Encoding and the
// file's own Content-Type. A URL whose ?v= is the build's version is cached
// for a year (immutable); roost.js, whose URL pages name, for 5 minutes
// (tagFileCache); anything else is revalidated on every use. Anything that
// is not a runtime file is 404.
package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Options configure the handler New makes.
type Options struct {
	// FrameAncestors returns the origins ("https://shop.example") whose pages
	// may embed the runtime of site siteID from this server: the frame's
	// Content-Security-Policy frame-ancestors. An empty list allows this
	// origin's own pages only ('self'), a list with "*" any page. ok false (an
	// unknown site) answers the frame 404. A page the frame refuses gets no
	// runtime, and its shim reports an identity-error naming what to
	// configure. Nil: every site, 'self'.
	FrameAncestors func(siteID string) (origins []string, ok bool)
	// Endpoint is the origin of the Roost server when it is not the origin
	// that serves these files: a site that serves the runtime from its own
	// origin and names the server in the script tag's data-endpoint. The
	// worker's connect-src then takes it. Empty: the worker connects to this
	// origin only ('self'), which frame mode and a page on the server's own
	// origin need.
	Endpoint string
	// Deltas holds the deltas to roost.wasm from earlier builds, served to
	// a browser that has one of those as a dictionary (see delta.go); nil:
	// none, the module is always sent whole.
	Deltas *Deltas
	// Logger receives a warning for each entry FrameAncestors returns that is
	// not an origin (it is left out of the policy); nil: slog.Default().
	Logger *slog.Logger
}

// The runtime's files and their Content-Types: nothing else is served.
var runtimeFiles = map[string]string{
	"roost.js":        "text/javascript; charset=utf-8",
	"roost-page.js":   "text/javascript; charset=utf-8",
	"roost-frame.js":  "text/javascript; charset=utf-8",
	"roost-worker.js": "text/javascript; charset=utf-8",
	"wasm_exec.js":    "text/javascript; charset=utf-8",
	"roost-inapp.js":  "text/javascript; charset=utf-8",
	"roost-inapp.css": "text/css; charset=utf-8",
	"roost-inbox.js":  "text/javascript; charset=utf-8",
	"roost-inbox.css": "text/css; charset=utf-8",
	"roost.wasm":      "application/wasm",
}

// tagFile is the file a page's script tag names; it names the build's
// version of the others.
const tagFile = "roost.js"

// tagFileCache lets a browser use its copy of tagFile for 5 minutes, and a
// day longer while it asks for a new one: the tag blocks the page's parser,
// so a returning visitor's page does not wait for a revalidation, and a new
// build reaches every visitor within 5 minutes and one page view. (The
// handoff to roost-page.js, analytics._roost, is thus read by the next
// build's roost-page.js too.)
const tagFileCache = "public, max-age=300, stale-while-revalidate=86400"

// workerFile is the worker script, sent with a policy of its own: a
// worker's policy is the one its script is served with.
const workerFile = "roost-worker.js"

// workerPolicy lets the worker load wasm_exec.js (importScripts), fetch and
// compile roost.wasm ('wasm-unsafe-eval') and call the server.
const workerPolicy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'"

// encodings are the precompressed copies, in order of preference.
var encodings = []struct{ coding, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// handler serves a built runtime.
type handler struct {
	fsys      fs.FS
	ancestors func(string) ([]string, bool)
	worker    string // the worker script's policy
	logger    *slog.Logger
	// etags holds the ETag of each file without a modification time (an
	// embedded one: its content never changes), by its name in fsys.
	etags sync.Map
	// deltas and moduleSums (the module's SHA-256 by version): delta.go.
	deltas     *Deltas
	moduleSums sync.Map
}

// New returns the handler that serves the built runtime in fsys (a
// directory as make runtime leaves it: see the package doc). It fails when
// fsys holds no roost.js, or Options.Endpoint is not an origin.
func New(fsys fs.FS, opts Options) (http.Handler, error) {
	if fsys == nil {
		return nil, errors.New("assets: no files")
	}
	if _, err := fs.Stat(fsys, tagFile); err != nil {
		return nil, fmt.Errorf("assets: not a built runtime (%w): run `make runtime`", err)
	}
	h := &handler{fsys: fsys, ancestors: opts.FrameAncestors, worker: workerPolicy, logger: opts.Logger, deltas: opts.Deltas}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	if opts.Endpoint != "" {
		origin, err := originSource(opts.Endpoint)
		if err != nil {
			return nil, fmt.Errorf("assets: Options.Endpoint: %w", err)
		}
		h.worker += " " + origin
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == frameFile {
		h.serveFrame(w, r)
		return
	}
	if _, ok := runtimeFiles[name]; !ok {
		http.NotFound(w, r)
		return
	}
	if name == moduleFile && h.serveModule(w, r) {
		return
	}
	f, file, coding := h.open(name, r.Header.Get("Accept-Encoding"))
	if f == nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	h.fileHeaders(w, r, name, h.version())
	if coding != "" {
		hd.Set("Content-Encoding", coding)
		// ServeContent leaves the length out once an encoding is set (it
		// expects on-the-fly compression); this one is known.
		hd.Set("Content-Length", strconv.FormatInt(info.Size(), 10))
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		http.Error(w, "roost: the runtime's files cannot be read", http.StatusInternalServerError)
		return
	}
	if info.ModTime().IsZero() {
		if etag, err := h.etag(file, content); err == nil {
			hd.Set("ETag", etag)
		}
	}
	http.ServeContent(w, r, name, info.ModTime(), content)
}

// fileHeaders sets the headers of every answer for the runtime file name
// of the build version, whatever its encoding: its caching, Content-Type,
// Vary, nosniff, and the worker's policy or the module's dictionary.
func (h *handler) fileHeaders(w http.ResponseWriter, r *http.Request, name, version string) {
	hd := w.Header()
	if v := r.URL.Query().Get("v"); v != "" && v == version {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else if name == tagFile {
		hd.Set("Cache-Control", tagFileCache)
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	if name == workerFile {
		hd.Set("Content-Security-Policy", h.worker)
	}
	hd.Set("Content-Type", runtimeFiles[name])
	hd.Add("Vary", "Accept-Encoding")
	if name == moduleFile {
		h.dictionaryHeaders(w, r, version)
	}
	hd.Set("X-Content-Type-Options", "nosniff")
}

// open opens name's copy in the first encoding accept takes that has one,
// else name itself; it returns the file, its name in fsys and its coding
// ("" for name itself), or a nil file when there is none.
func (h *handler) open(name, accept string) (fs.File, string, string) {
	for _, enc := range encodings {
		if !acceptsEncoding(accept, enc.coding) {
			continue
		}
		if f, err := h.fsys.Open(name + enc.ext); err == nil {
			return f, name + enc.ext, enc.coding
		}
	}
	if f, err := h.fsys.Open(name); err == nil {
		return f, name, ""
	}
	return nil, "", ""
}

// etag returns the strong ETag of file, a hash of its content, computed once.
func (h *handler) etag(file string, content io.ReadSeeker) (string, error) {
	if v, ok := h.etags.Load(file); ok {
		return v.(string), nil
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, content); err != nil {
		return "", err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	etag := `"` + hex.EncodeToString(sum.Sum(nil))[:32] + `"`
	h.etags.Store(file, etag)
	return etag, nil
}

// version is the build's version (Version). It is read on each request: a
// runtime rebuilt in a directory while the server runs changes it.
func (h *handler) version() string {
	return Version(h.fsys)
}

// Version returns the version of the built runtime in fsys: the file
// "version" that tools/precompress writes, "" when it is not versioned.
func Version(fsys fs.FS) string {
	b, err := fs.ReadFile(fsys, "version")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// acceptsEncoding says whether an Accept-Encoding header takes coding: named,
// or matched by "*", with a q-value above zero.
func acceptsEncoding(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != coding && name != "*" {
			continue
		}
		ok := true
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				ok = err == nil && q > 0
			}
		}
		if name == coding {
			return ok
		}
		star = ok
	}
	return star
}
