package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

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
		"roost-inapp.css":    "css raw",
		"roost-inapp.css.br": "css as brotli",
		"version":            "0123456789abcdef\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// fetchRaw sends a GET with the given Accept-Encoding ("" for none) and
// returns the answer's body as sent, not decompressed.
func fetchRaw(t *testing.T, url, acceptEncoding string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

func TestRuntimeFilesEncoding(t *testing.T) {
	_, ts := openTestSite(t, options{DataDir: t.TempDir(), APIKey: "k", Assets: runtimeDirFixture(t)})
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
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := fetchRaw(t, ts.URL+tt.path, tt.accept)
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Equal(t, tt.body, body)
			assert.Equal(t, tt.encoding, res.Header.Get("Content-Encoding"))
			assert.Equal(t, tt.ctype, res.Header.Get("Content-Type"))
			assert.Equal(t, "Accept-Encoding", res.Header.Get("Vary"))
			assert.Equal(t, contentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodHead, ts.URL+"/roost/roost.wasm", nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Encoding", "br")
		res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "br", res.Header.Get("Content-Encoding"))
		assert.Equal(t, "14", res.Header.Get("Content-Length"))
	})
	t.Run("NotFound", func(t *testing.T) {
		res, _ := fetchRaw(t, ts.URL+"/roost/nothing.js", "br")
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		assert.Empty(t, res.Header.Get("Content-Encoding"))
	})
	t.Run("TheCopiesThemselves", func(t *testing.T) {
		res, body := fetchRaw(t, ts.URL+"/roost/roost.wasm.br", "br")
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "wasm as brotli", body)
		assert.Empty(t, res.Header.Get("Content-Encoding"), "a .br asked for by name is a file like any other")
	})
}

func TestRuntimeFilesCaching(t *testing.T) {
	dir := runtimeDirFixture(t)
	_, ts := openTestSite(t, options{DataDir: t.TempDir(), APIKey: "k", Assets: dir})
	const immutable = "public, max-age=31536000, immutable"
	for _, tt := range []struct{ name, path, cache string }{
		{"Versioned", "/roost/roost.wasm?v=0123456789abcdef", immutable},
		{"VersionedWorker", "/roost/roost-worker.js?v=0123456789abcdef", immutable},
		{"TheShimsOwnURL", "/roost/roost.js", "no-cache"},
		{"NoVersion", "/roost/roost.wasm", "no-cache"},
		{"AnotherBuildsVersion", "/roost/roost.wasm?v=fedcba9876543210", "no-cache"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := fetchRaw(t, ts.URL+tt.path, "br, gzip")
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Equal(t, tt.cache, res.Header.Get("Cache-Control"))
		})
	}
	t.Run("Rebuilt", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "version"), []byte("fedcba9876543210\n"), 0o644))
		res, _ := fetchRaw(t, ts.URL+"/roost/roost.wasm?v=0123456789abcdef", "br")
		assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"), "the old version's URL now names other content")
		res, _ = fetchRaw(t, ts.URL+"/roost/roost.wasm?v=fedcba9876543210", "br")
		assert.Equal(t, immutable, res.Header.Get("Cache-Control"))
	})
	t.Run("Unversioned", func(t *testing.T) {
		require.NoError(t, os.Remove(filepath.Join(dir, "version")))
		res, _ := fetchRaw(t, ts.URL+"/roost/roost.wasm?v=", "br")
		assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	})
}
