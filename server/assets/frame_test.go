package assets_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/roostmsg/roost/server/assets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	framePolicy  = "default-src 'none'; script-src 'self'; worker-src 'self'; connect-src 'self'; frame-ancestors "
	workerPolicy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'"
)

// sites is a FrameAncestors callback: the sites' allowed page origins.
func sites(origins map[string][]string) func(string) ([]string, bool) {
	return func(site string) ([]string, bool) {
		o, ok := origins[site]
		return o, ok
	}
}

// TestFramePolicyPerSite: the frame is framed only by the pages of the
// origins its site allows, as the callback says at the time of the request.
func TestFramePolicyPerSite(t *testing.T) {
	var logged bytes.Buffer
	allowed := map[string][]string{
		"shop":     {"https://shop.example", "HTTP://127.0.0.1:8081/", "https://shop.example"},
		"own":      {},
		"anyone":   {"https://a.example", "*"},
		"wildcard": {"https://*.shop.example", "http://[::1]:8081"},
		"broken":   {"https://a.example; script-src *", "shop.example", "javascript:alert(1)"},
		"half":     {"https://ok.example", "https://x.example/path"},
	}
	ts := serve(t, runtimeDirFixture(t), assets.Options{
		FrameAncestors: sites(allowed),
		Logger:         slog.New(slog.NewTextHandler(&logged, nil)),
	})
	for _, tt := range []struct{ site, ancestors string }{
		{"shop", "https://shop.example http://127.0.0.1:8081"},
		{"own", "'self'"},
		{"anyone", "*"},
		{"wildcard", "https://*.shop.example http://[::1]:8081"},
		{"broken", "'none'"},
		{"half", "https://ok.example"},
	} {
		t.Run(tt.site, func(t *testing.T) {
			res, body := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost-frame.html?site="+tt.site+"&v=0123456789abcdef", "br")
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Equal(t, framePolicy+tt.ancestors, res.Header.Get("Content-Security-Policy"))
			assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
			assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
			assert.Empty(t, res.Header.Get("Content-Encoding"))
			assert.Contains(t, body, `<script src="roost-frame.js?v=0123456789abcdef"></script>`, "the script of this build")
			assert.NotContains(t, body, "style", "no inline style")
		})
	}
	assert.Contains(t, logged.String(), `\"shop.example\" is not an origin`)
	assert.Contains(t, logged.String(), `https://x.example/path`)
	assert.NotContains(t, logged.String(), "ok.example\\\" is")

	// The operator changes the origins: the next frame has the new list.
	allowed["shop"] = []string{"https://new.example"}
	res, _ := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost-frame.html?site=shop", "")
	assert.Equal(t, framePolicy+"https://new.example", res.Header.Get("Content-Security-Policy"))
}

// TestFrameOfAnUnknownSite: no frame, and nothing that could be framed.
func TestFrameOfAnUnknownSite(t *testing.T) {
	ts := serve(t, runtimeDirFixture(t), assets.Options{FrameAncestors: sites(map[string][]string{"shop": {"*"}})})
	for _, q := range []string{"?site=other", "", "?site="} {
		res, body := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost-frame.html"+q, "")
		assert.Equal(t, http.StatusNotFound, res.StatusCode, q)
		assert.Equal(t, "default-src 'none'; frame-ancestors 'none'", res.Header.Get("Content-Security-Policy"), q)
		assert.NotContains(t, body, "<script", q)
	}
}

// TestFrameWithoutCallback: every site's frame is framed by this origin's pages only.
func TestFrameWithoutCallback(t *testing.T) {
	ts := serve(t, fstest.MapFS{"roost.js": {Data: []byte("shim")}}, assets.Options{})
	res, body := fetchRaw(t, http.MethodGet, ts.URL+"/roost/roost-frame.html?site=anything", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, framePolicy+"'self'", res.Header.Get("Content-Security-Policy"))
	assert.Contains(t, body, `<script src="roost-frame.js"></script>`, "an unversioned build")
	res, body = fetchRaw(t, http.MethodHead, ts.URL+"/roost/roost-frame.html?site=anything", "")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, body)
}

// TestWorkerPolicy: the worker script carries the policy the worker runs
// under: roost.wasm compiled, the server called on this origin, or on
// Options.Endpoint's too.
func TestWorkerPolicy(t *testing.T) {
	res, _ := fetchRaw(t, http.MethodGet, serve(t, runtimeDirFixture(t), assets.Options{}).URL+"/roost/roost-worker.js", "br")
	assert.Equal(t, workerPolicy, res.Header.Get("Content-Security-Policy"))
	res, _ = fetchRaw(t, http.MethodGet, serve(t, runtimeDirFixture(t), assets.Options{Endpoint: "https://Roost.example.com/"}).URL+"/roost/roost-worker.js", "br")
	assert.Equal(t, workerPolicy+" https://roost.example.com", res.Header.Get("Content-Security-Policy"))
	res, _ = fetchRaw(t, http.MethodGet, serve(t, runtimeDirFixture(t), assets.Options{}).URL+"/roost/roost.js", "br")
	assert.Empty(t, res.Header.Get("Content-Security-Policy"), "a script the page runs follows the page's policy")
}
