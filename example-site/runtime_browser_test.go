package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRuntimeLoadsVersionedAndCompressed: the shim loads the worker, which
// loads wasm_exec.js and roost.wasm, all by their versioned URLs, asking for
// brotli, which the site sends; the runtime starts from it.
func TestRuntimeLoadsVersionedAndCompressed(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	b, err := os.ReadFile(filepath.Join(s.opts.Assets, "version"))
	require.NoError(t, err)
	version := strings.TrimSpace(string(b))
	require.NotEmpty(t, version)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("inbox-empty").hidden === false && !!window.shopInbox`,
		chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "the page is ready")
	require.Eventually(t, func() bool {
		return s.count(func(r clientRequest) bool { return r.path == "/v1/client/poll" }) > 0
	}, 20*time.Second, 50*time.Millisecond, "the runtime started and polls")

	s.mu.Lock()
	requests := append([][2]string(nil), s.assetRequests...)
	s.mu.Unlock()
	asked := map[string]string{}
	for _, r := range requests {
		asked[r[0]] = r[1]
	}
	require.Contains(t, asked, "/roost/roost.js")
	for _, name := range []string{"roost-worker.js", "wasm_exec.js", "roost.wasm"} {
		uri := "/roost/" + name + "?v=" + version
		if assert.Contains(t, asked, uri, "requests: %v", requests) {
			assert.Contains(t, asked[uri], "br", uri)
		}
		assert.NotContains(t, asked, "/roost/"+name, "the unversioned URL is not used")
	}
}
