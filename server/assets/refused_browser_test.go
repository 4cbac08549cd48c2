package assets_test

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/server/assets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// identityError waits for the page's first identity-error and returns it.
func identityError(t *testing.T, tab context.Context) map[string]any {
	t.Helper()
	got, err := chromedp.Run(tab, chromedp.Poll[map[string]any](`(window.__events.find(e => e.name === "identity-error") || {}).data || false`,
		chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "the page hears an identity-error")
	return got
}

// TestFrameRefused: a page the site does not allow (another origin, or a
// site the server does not have) gets no frame, so no runtime: nothing
// reaches the message server, and the page gets an identity-error, and a
// console error, that says what to configure.
func TestFrameRefused(t *testing.T) {
	allowed, unknown := reserveShop(t), reserveShop(t)
	rs := startRoost(t, []string{allowed.URL, unknown.URL})
	browser := browsertest.NewBrowser(t)
	allowed.open(t, rs.URL+"/roost/roost.js", policy(rs.URL), nil)
	other := startShop(t, rs.URL) // http://127.0.0.1 on another port: another origin, the same site
	unknown.open(t, rs.URL+"/roost/roost.js", policy(rs.URL), nil, `data-site-id="nosuch"`)

	for _, tt := range []struct {
		name, url string
		says      []string
	}{
		{"OriginNotAllowed", other.URL, []string{other.URL, `site "example"`, rs.URL, "add " + other.URL + " to that site's allowed page origins"}},
		{"UnknownSite", unknown.URL, []string{unknown.URL, `site "nosuch"`, rs.URL, "check data-site-id"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tab := openTab(t, browser, tt.url+"/")
			got := identityError(t, tab)
			assert.Equal(t, float64(403), got["status"])
			assert.Equal(t, "origin", got["reason"], "the frame was refused: identifying again cannot help")
			assert.Equal(t, user, got["user"])
			for _, s := range tt.says {
				assert.Contains(t, got["error"], s)
			}
			errs, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__errors`))
			require.NoError(t, err)
			assert.Contains(t, errs, got["error"], "and on the console")
			frames, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("iframe[hidden]").length`))
			require.NoError(t, err)
			assert.Equal(t, 1, frames, "the frame the server refused stays, hidden")
		})
	}
	assert.Zero(t, rs.count(func(clientRequest) bool { return true }), "no poll or event reached the server")
	assert.Empty(t, rs.asked("/roost/roost-frame.js"), "no frame ran")
	assert.Empty(t, rs.asked("/roost/roost-worker.js"), "no worker started")

	// The allowed page of the same site is served all the same.
	tab := openTab(t, browser, allowed.URL+"/")
	id := rs.sendInbox(t, "ORD-1")
	waitShown(t, tab, id)
}

// delayReady is a page script that holds back every message event for
// 2.5 s: the frame's ready comes after the shim gave up waiting for it.
const delayReady = `(() => {
	const add = window.addEventListener.bind(window);
	window.addEventListener = (type, listener, ...rest) => add(type, type !== "message" ? listener : e => setTimeout(() => listener(e), 2500), ...rest);
})()`

// TestFrameLateReady: a frame that says it is ready after the shim gave up
// costs one spurious identity-error; the runtime then works.
func TestFrameLateReady(t *testing.T) {
	rs, sh := startFramed(t)
	browser := browsertest.NewBrowser(t)
	id := rs.sendInbox(t, "ORD-1")

	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: delayReady})
	require.NoError(t, err)
	_, err = chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageScript()})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(sh.URL+"/")))
	got := identityError(t, tab)
	assert.Contains(t, got["error"], sh.URL)
	waitShown(t, tab, id)
	n, err := chromedp.Run(tab, chromedp.Evaluate[int](`window.__events.filter(e => e.name === "identity-error").length`))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one spurious event")
}

// TestFrameModeWorkerCannotStart: a frame whose worker script cannot be
// loaded (neither as a SharedWorker nor as a dedicated Worker) tells the
// page, which reports it as a message-error (and rejects its calls).
func TestFrameModeWorkerCannotStart(t *testing.T) {
	rs, sh := startFramed(t)
	worker := "/roost/roost-worker.js"
	rs.lose.Store(&worker)
	browser := browsertest.NewBrowser(t)
	tab := openTab(t, browser, sh.URL+"/")
	got, err := chromedp.Run(tab, chromedp.Poll[string](`(window.__events.find(e => e.name === "message-error") || {data: {}}).data.error || false`,
		chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "the page hears that the runtime cannot start")
	assert.Contains(t, got, "roost: the runtime cannot start: the worker script roost-worker.js")
	assert.Zero(t, rs.count(func(clientRequest) bool { return true }), "nothing reached the server")
}

// TestDataEndpointModeRefused: a page of an origin the site does not allow
// that serves the runtime's files itself and names the server in
// data-endpoint (no frame to refuse) is refused by the server: its
// requests are answered 403, nothing is read or written, and the page's
// identity-error says which origin to add.
func TestDataEndpointModeRefused(t *testing.T) {
	rs := startRoost(t, nil)
	rs.sendInbox(t, "ORD-1")
	files, err := assets.New(os.DirFS(browsertest.Runtime(t)), assets.Options{Endpoint: rs.URL})
	require.NoError(t, err)
	sh := reserveShop(t)
	sh.open(t, "/roost/roost.js", directPolicy, files, `data-site-id="`+siteID+`"`, `data-endpoint="`+rs.URL+`"`)
	tab := openTab(t, browsertest.NewBrowser(t), sh.URL+"/")
	got := identityError(t, tab)
	assert.Equal(t, float64(403), got["status"])
	assert.Equal(t, "invalid", got["reason"], "the server refused the page's origin")
	assert.Contains(t, got["error"], `origin "`+sh.URL+`" is not allowed for site "example"`)
	assert.Zero(t, rs.count(func(r clientRequest) bool { return r.status != http.StatusForbidden }), "every request was refused")
	shown, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("#inbox li").length`))
	require.NoError(t, err)
	assert.Zero(t, shown, "nothing is shown")
}
