package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roostmsg/roost/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
)

// These tests need no browser: the site's own backend and its wiring of the server.

func openTestSite(t *testing.T, o options) (*site, *httptest.Server) {
	t.Helper()
	if o.SiteID == "" {
		o.SiteID = "example"
	}
	if o.Assets == "" {
		o.Assets = browsertest.FakeRuntime(t)
	}
	s, err := openSite(context.Background(), o)
	require.NoError(t, err)
	ts := httptest.NewServer(s.handler)
	t.Cleanup(func() { ts.Close(); s.Close() })
	return s, ts
}

// get sends a GET with headers and returns the status and body.
func get(t *testing.T, url string, headers map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b), res.Header
}

func pollAs(t *testing.T, base, user, signature string) (int, string) {
	t.Helper()
	h := map[string]string{"X-Roost-Site": "example", "X-Roost-User": user}
	if signature != "" {
		h["X-Roost-Signature"] = signature
	}
	status, body, _ := get(t, base+"/v1/client/poll", h)
	return status, body
}

func TestSessionSignatureIsAcceptedByTheServer(t *testing.T) {
	s, ts := openTestSite(t, options{DataDir: t.TempDir(), APIKey: "k"})

	status, body, hd := get(t, ts.URL+"/api/session?user=user_456", nil) // the page has no say in whom it is signed for
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "application/json", hd.Get("Content-Type"))
	assert.Equal(t, "no-store", hd.Get("Cache-Control"))
	assert.Empty(t, hd.Get("Access-Control-Allow-Origin"), "other origins cannot read the signature")
	var sess struct{ User, Signature string }
	require.NoError(t, json.Unmarshal([]byte(body), &sess))
	assert.Equal(t, "user_123", sess.User)
	assert.Equal(t, server.SignIdentity(s.siteSecret, "user_123"), sess.Signature)

	status, body = pollAs(t, ts.URL, "user_123", sess.Signature)
	assert.Equal(t, http.StatusOK, status, body)
	status, body = pollAs(t, ts.URL, "user_123", "")
	assert.Equal(t, http.StatusUnauthorized, status, "signing is on: an unsigned identity is refused")
	assert.Contains(t, body, `"error"`)
	status, body = pollAs(t, ts.URL, "user_456", sess.Signature)
	assert.Equal(t, http.StatusForbidden, status, "user_123's signature does not open user_456's inbox")
	assert.Contains(t, body, `"error"`)

	res, err := http.Post(ts.URL+"/api/session", "application/json", strings.NewReader(`{"user":"user_456"}`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

func TestSecretsPersistAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	first, err := openSite(context.Background(), options{DataDir: dir, SiteID: "example", Assets: browsertest.FakeRuntime(t)})
	require.NoError(t, err)
	require.NoError(t, first.Close())
	assert.True(t, strings.HasPrefix(first.apiKey, "roost_"), first.apiKey)
	assert.NotEmpty(t, first.siteSecret)
	assert.NotEqual(t, first.apiKey, first.siteSecret)
	for _, name := range []string{"api-key", "site-secret"} {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), name)
	}

	// Restarted on the same data directory: the same secrets, and a
	// signature made before the restart is still accepted.
	second, ts := openTestSite(t, options{DataDir: dir})
	assert.Equal(t, first.apiKey, second.apiKey)
	assert.Equal(t, first.siteSecret, second.siteSecret)
	status, body := pollAs(t, ts.URL, "user_123", server.SignIdentity(first.siteSecret, "user_123"))
	assert.Equal(t, http.StatusOK, status, body)
	ts.Close()
	require.NoError(t, second.Close(), "one server per database: stop it before the next")

	// A configured secret wins over the kept one.
	third, ts := openTestSite(t, options{DataDir: dir, APIKey: "k", SiteSecret: "configured"})
	assert.Equal(t, "configured", third.siteSecret)
	assert.Equal(t, "k", third.apiKey)
	status, _ = pollAs(t, ts.URL, "user_123", server.SignIdentity("configured", "user_123"))
	assert.Equal(t, http.StatusOK, status)
	status, _ = pollAs(t, ts.URL, "user_123", server.SignIdentity(first.siteSecret, "user_123"))
	assert.Equal(t, http.StatusForbidden, status)
}

// TestPagesAreServedWithThePolicy: the shop, the control page and the
// headless example are served under the site's Content-Security-Policy; the
// shop's header has the <roost-inbox> element, the headless example its own
// panel and scripts, and each page's nav links to the headless example.
func TestPagesAreServedWithThePolicy(t *testing.T) {
	_, ts := openTestSite(t, options{DataDir: t.TempDir(), APIKey: "k"})
	page := func(path string) string {
		t.Helper()
		status, body, hd := get(t, ts.URL+path, nil)
		require.Equal(t, http.StatusOK, status, path)
		assert.Equal(t, contentSecurityPolicy, hd.Get("Content-Security-Policy"), path)
		assert.Equal(t, "text/html; charset=utf-8", hd.Get("Content-Type"), path)
		return body
	}

	shop := page("/")
	assert.Contains(t, shop, `<roost-inbox topics="orders social"></roost-inbox>`)
	assert.NotContains(t, shop, `id="bell"`, "the hand-written panel moved to /headless")
	assert.Contains(t, shop, `<a href="/headless">`)
	assert.Contains(t, page("/control"), `<a href="/headless">`)

	headless := page("/headless")
	for _, want := range []string{`<script src="/roost/roost.js" data-site-id="example"></script>`,
		`<script src="/app.js" defer></script>`, `<script src="/headless.js" defer></script>`,
		`id="bell"`, `id="inbox-list"`, `id="inbox-empty"`, `id="tab-all"`, `id="who"`,
		`<a href="/headless" aria-current="page">`, `<a class="button secondary" href="/">Back to the shop</a>`} {
		assert.Contains(t, headless, want)
	}
	for _, asset := range []string{"/headless.js", "/headless.css", "/app.js"} {
		status, body, hd := get(t, ts.URL+asset, nil)
		assert.Equal(t, http.StatusOK, status, asset)
		assert.NotEmpty(t, body, asset)
		assert.Equal(t, contentSecurityPolicy, hd.Get("Content-Security-Policy"), asset)
	}
	status, _, _ := get(t, ts.URL+"/headless/", nil)
	assert.Equal(t, http.StatusNotFound, status, "the page is /headless only")
}
