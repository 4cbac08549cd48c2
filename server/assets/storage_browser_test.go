package assets_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// profile returns the option that starts Chromium with a new profile
// whose preferences are prefs (JSON), as a person's settings would leave them.
func profile(t *testing.T, prefs string) chromedp.ExecAllocatorOption {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "Default"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(prefs), 0o644))
	return chromedp.UserDataDir(dir)
}

// storageErrors is page code: the errors of the storage-error events the page heard.
const storageErrors = `window.__events.filter(e => e.name === "storage-error").map(e => e.data.error)`

// TestFrameModeWithThirdPartyCookiesBlocked: a person who blocks
// third-party cookies (Chromium's setting) still has the frame's storage,
// which is partitioned by the page's site: one SharedWorker, the inbox kept.
func TestFrameModeWithThirdPartyCookiesBlocked(t *testing.T) {
	rs, sh := startFramed(t)
	browser := browsertest.NewBrowser(t, profile(t, `{"profile":{"cookie_controls_mode":1,"block_third_party_cookies":true}}`))
	id := rs.sendInbox(t, "ORD-1")
	tab := openTab(t, browser, sh.URL+"/")
	waitShown(t, tab, id)
	assert.Len(t, targets(t, tab, "shared_worker", "roost-worker.js"), 1, "the runtime runs in a SharedWorker")
	_, err := chromedp.Run(tab, chromedp.Reload())
	require.NoError(t, err)
	waitShown(t, tab, id)
	errs, err := chromedp.Run(tab, chromedp.Evaluate[[]string](storageErrors))
	require.NoError(t, err)
	assert.Empty(t, errs, "the runtime's storage works")
}

// TestFrameModeWithTheServersCookiesBlocked: a person who blocks every
// cookie of the Roost server's site (or all cookies) denies its frame a
// SharedWorker, IndexedDB and Web Locks. The frame falls back to a
// dedicated Worker; the runtime keeps its state in memory, says so with
// storage-error events, and works: the message shows, the mark reaches the
// server.
func TestFrameModeWithTheServersCookiesBlocked(t *testing.T) {
	rs, sh := startFramed(t)
	browser := browsertest.NewBrowser(t, profile(t, `{"profile":{"content_settings":{"exceptions":{"cookies":{"http://localhost:*,*":{"setting":2}}}}}}`))
	id := rs.sendInbox(t, "ORD-1")
	tab := openTab(t, browser, sh.URL+"/")
	waitShown(t, tab, id)
	assert.Empty(t, targets(t, tab, "shared_worker", "roost-worker.js"), "no SharedWorker")
	_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return rs.delivery(t, id)["opened"] == true }, 10*time.Second, 20*time.Millisecond,
		"the server records the open")
	errs, err := chromedp.Run(tab, chromedp.Poll[[]string](storageErrors+`.filter(e => e.includes("event outbox")).length > 0 && `+storageErrors,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the page hears that the runtime cannot keep its state")
	assert.True(t, strings.Contains(strings.Join(errs, "\n"), "denied"), "%v", errs)
	failures, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__events.filter(e => e.name === "message-error").map(e => e.data.error)`))
	require.NoError(t, err)
	assert.Empty(t, failures, "the runtime started")
}
