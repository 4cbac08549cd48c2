package assets_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/roostmsg/roost/server/assets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runtimeDirFixture is a built runtime's directory in small: roost.wasm with
// both compressed copies, roost-worker.js with a gzip one only, roost.js with
// none, and the build's version.
func runtimeDirFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"roost.wasm":         "\x00asm raw",
		"roost.wasm.br":      "wasm as brotli",
		"roost.wasm.gz":      "wasm as gzip",
		"roost-worker.js":    "worker raw",
		"roost-worker.js.gz": "worker as gzip",
		"roost.js":           "shim raw",
		"roost-page.js":      "page raw",
		"roost-frame.js":     "frame raw",
		"roost-inapp.css":    "css raw",
		"roost-inapp.css.br": "css as brotli",
		"version":            "0123456789abcdef\n",
		"README.md":          "not a runtime file",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// serve starts a server with the handler for fsys mounted at /roost/, as
// the package doc says.
func serve(t *testing.T, fsys any, opts assets.Options) *httptest.Server {
	t.Helper()
	var h http.Handler
	var err error
	switch f := fsys.(type) {
	case string:
		h, err = assets.New(os.DirFS(f), opts)
	case fstest.MapFS:
		h, err = assets.New(f, opts)
	}
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/roost/", http.StripPrefix("/roost", h))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// fetchRaw sends a request with the given Accept-Encoding ("" for none) and
// returns the answer with its body as sent, not decompressed.
func fetchRaw(t *testing.T, method, url, acceptEncoding string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

func TestEncoding(t *testing.T) {
	ts := serve(t, runtimeDirFixture(t), assets.Options{})
	for _, tt := range []struct {
		name, path, accept, body, encoding, ctype string
	}{
		{"BrotliFirst", "/roost/roost.wasm", "gzip, deflate, br, zstd", "wasm as brotli", "br", "application/wasm"},
		{"Gzip", "/roost/roost.wasm", "gzip", "wasm as gzip", "gzip", "application/wasm"},
		{"BrotliRefused", "/roost/roost.wasm", "br;q=0, gzip;q=0.5", "wasm as gzip", "gzip", "application/wasm"},
		{"Star", "/roost/roost.wasm", "*", "wasm as brotli", "br", "application/wasm"},
		{"StarButNotBrotli", "/roost/roost.wasm", "*;q=1, br;q=0", "wasm as gzip", "gzip", "application/wasm"},
		{"Identity", "/roost/roost.wasm", "identity", "\x00asm raw", "", "application/wasm"},
		{"NoHeader", "/roost/roost.wasm", "", "\x00asm raw", "", "application/wasm"},
		{"OnlyTheCopyThatExists", "/roost/roost-worker.js", "br, gzip", "worker as gzip", "gzip", "text/javascript; charset=utf-8"},
		{"NoCopy", "/roost/roost.js", "br, gzip", "shim raw", "", "text/javascript; charset=utf-8"},
		{"CSS", "/roost/roost-inapp.css", "br", "css as brotli", "br", "text/css; charset=utf-8"},
		{"FrameScript", "/roost/roost-frame.js", "br", "frame raw", "", "text/javascript; charset=utf-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := fetchRaw(t, http.MethodGet, ts.URL+tt.path, tt.accept)
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Equal(t, tt.body, body)
			assert.Equal(t, tt.encoding, res.Header.Get("Content-Encoding"))
			assert.Equal(t, tt.ctype, res.Header.Get("Content-Type"))
			assert.Equal(t, "Accept-Encoding", res.Header.Get("Vary"))
			assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		res, body := fetchRaw(t, http.MethodHead, ts.URL+"/roost/roost.wasm", "br")
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Empty(t, body)
		assert.Equal(t, "br", res.Header.Get("Content-Encoding"))
		assert.Equal(t, "14", res.Header.Get("Content-Length"))
	})
	t.Run("POST", func(t *testing.T) {
		res, _ := fetchRaw(t, http.MethodPost, ts.URL+"/roost/roost.js", "")
		assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
		assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
	})
}

// TestOnlyRuntimeFiles: a name that is not one of the runtime's files is
// 404, whatever the directory holds, and no directory is listed.
func TestOnlyRuntimeFiles(t *testing.T) {
	dir := runtimeDirFixture(t)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "roost.js"), []byte("elsewhere"), 0o644))
	ts := serve(t, dir, assets.Options{})
	for _, p := range []string{
		"/roost/", "/roost/nothing.js", "/roost/version", "/roost/README.md",
		"/roost/roost.wasm.br", "/roost/roost-worker.js.gz", // the copies go out only as an encoding
		"/roost/sub/roost.js", "/roost/sub/", "/roost/roost-inapp.js", // a runtime file the directory lacks
	} {
		t.Run(p, func(t *testing.T) {
			res, body := fetchRaw(t, http.MethodGet, ts.URL+p, "br")
			assert.Equal(t, http.StatusNotFound, res.StatusCode, body)
			assert.Empty(t, res.Header.Get("Content-Encoding"))
			assert.NotContains(t, body, "roost.js", "no listing")
		})
	}
	res, body := fetchRaw(t, http.MethodGet, ts.URL+"/roost/../roost/./roost.js", "")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "shim raw", body)
}

func TestCaching(t *testing.T) {
	dir := runtimeDirFixture(t)
	ts := serve(t, dir, assets.Options{})
	const immutable = "public, max-age=31536000, immutable"
	for _, tt := range []struct{ name, path, cache string }{
		{"Versioned", "/roost/roost.wasm?v=0123456789abcdef", immutable},
		{"VersionedWorker", "/roost/roost-worker.js?v=0123456789abcdef", immutable},
		{"VersionedFrameScript", "/roost/roost-frame.js?v=0123456789abcdef", immutable},
		{"TheTagsOwnURL", "/roost/roost.js", "public, max-age=300, stale-while-revalidate=86400"},
		{"TheShim", "/roost/roost-page.js", "no-cache"},
		{"NoVersion", "/roost/roost.wasm", "no-cache"},
		{"AnotherBuildsVersion", "/roost/roost.wasm?v=fedcba9876543210", "no-cache"},
		{"TheFrame", "/roost/roost-frame.html?site=example&v=0123456789abcdef", "no-cache"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := fetchRaw(t, http.MethodGet, ts.URL+tt.path, "br, gzip")
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Equal(t, tt.cache, res.Header.Get("Cache-Control"))
		})
	}
	t.Run("Rebuilt", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "version"), []byte("fedcba9876543210\n"), 0o644))
		res, _ := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.wasm?v=0123456789abcdef", "br")
		assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"), "the old version's URL now names other content")
		res, _ = fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.wasm?v=fedcba9876543210", "br")
		assert.Equal(t, immutable, res.Header.Get("Cache-Control"))
	})
	t.Run("Unversioned", func(t *testing.T) {
		require.NoError(t, os.Remove(filepath.Join(dir, "version")))
		res, _ := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.wasm?v=", "br")
		assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	})
}

// TestRevalidation: roost.js is revalidated on every use, so it must be
// cheap: a file with a modification time gets Last-Modified, an embedded
// one (none) an ETag of its bytes, per encoding; both answer 304.
func TestRevalidation(t *testing.T) {
	t.Run("Directory", func(t *testing.T) {
		ts := serve(t, runtimeDirFixture(t), assets.Options{})
		res, _ := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.js", "")
		modified := res.Header.Get("Last-Modified")
		require.NotEmpty(t, modified)
		res, body := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.js", "", "If-Modified-Since", modified)
		assert.Equal(t, http.StatusNotModified, res.StatusCode)
		assert.Empty(t, body)
	})
	t.Run("Embedded", func(t *testing.T) {
		ts := serve(t, fstest.MapFS{
			"roost.js":    {Data: []byte("shim raw")},
			"roost.js.br": {Data: []byte("shim as brotli")},
		}, assets.Options{})
		res, _ := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.js", "br")
		brotli := res.Header.Get("ETag")
		res, _ = fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.js", "")
		raw := res.Header.Get("ETag")
		require.NotEmpty(t, brotli)
		require.NotEmpty(t, raw)
		assert.NotEqual(t, brotli, raw, "each encoding has its own tag")
		assert.Empty(t, res.Header.Get("Last-Modified"))
		res, body := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.js", "br", "If-None-Match", brotli)
		assert.Equal(t, http.StatusNotModified, res.StatusCode)
		assert.Empty(t, body)
		res, body = fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost.js", "", "If-None-Match", brotli)
		assert.Equal(t, http.StatusOK, res.StatusCode, "the brotli tag does not match the raw file")
		assert.Equal(t, "shim raw", body)
	})
}

func TestNewNeedsABuiltRuntime(t *testing.T) {
	_, err := assets.New(fstest.MapFS{"README.md": {Data: []byte("x")}}, assets.Options{})
	assert.ErrorContains(t, err, "make runtime")
	_, err = assets.New(nil, assets.Options{})
	assert.Error(t, err)
	_, err = assets.New(fstest.MapFS{"roost.js": {}}, assets.Options{Endpoint: "roost.example.com; script-src *"})
	assert.ErrorContains(t, err, "Endpoint")
}
