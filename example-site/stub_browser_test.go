package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// earlyPage has Roost's tag twice (a page that includes it twice gets one
// runtime) and then /test/early.js, which uses the page API at once, before
// the load event and so before roost-page.js is there.
const earlyPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Early calls</title>
<script src="/roost/roost.js" data-site-id="example"></script>
<script src="/roost/roost.js" data-site-id="example"></script>
<script src="/test/early.js"></script></head><body><h1>Early calls</h1></body></html>`

// earlyScript makes every kind of call before roost-page.js arrives; %s is
// the signature of user_123.
const earlyScript = `window.early = {updated: [], cancelledCalled: false};
early.atParse = {
	pageScript: !!document.querySelector('script[src*="roost-page.js"]'),
	chained: analytics.on("inbox:updated", e => early.updated.push(e.total)) === analytics,
};
analytics.identify("user_123", null, {signature: %q});
early.inbox = analytics.inbox("orders");
early.inbox.onUpdates(() => { early.cancelledCalled = true; })();
early.inbox.onUpdates(ms => { early.updates = ms.map(m => m.messageId); });
early.inbox.total().then(n => { early.total = n; });
early.inbox.messages().then(ms => ms[0].markOpened()).then(() => early.inbox.totalUnopened()).then(n => { early.unopened = n; });
analytics.inbox({topic: "orders"}).total().then(() => { early.badFilter = "resolved"; }, e => { early.badFilter = e.constructor.name + ": " + e.message; });
`

// TestCallsBeforeThePageScriptAreKept: what page code asks of analytics
// while only the script tag's small file is there (before the load event)
// is done once roost-page.js arrives after it: the identify, the listeners,
// the inbox view with its Promises and its update callbacks; an
// unsubscribe made meanwhile holds; a wrong filter rejects the view's
// Promises with its TypeError; and a second tag changes nothing.
func TestCallsBeforeThePageScriptAreKept(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	order := s.sendInbox(t, seedSend)
	s.addPage("/test/early.js", fmt.Sprintf(earlyScript, signIdentityForTest(s, "user_123")))
	s.addPage("/early/", earlyPage)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/early/")))

	atParse, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]bool](`early.atParse`))
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"pageScript": false, "chained": true}, atParse)

	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`early.unopened === 0 && early.badFilter !== undefined`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({total: early.total, updates: early.updates, cancelledCalled: early.cancelledCalled,
		badFilter: early.badFilter, updated: early.updated.length > 0, sameView: typeof early.inbox._update === "function"})`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"total": 1.0, "updates": []any{order}, "cancelledCalled": false,
		"badFilter": `TypeError: analytics.inbox: unknown filter field "topic": use {topics: [...], types: [...]}`,
		"updated":   true, "sameView": true}, got)

	s.mu.Lock()
	pageScripts, workers := len(s.assets["/roost/roost-page.js"]), len(s.assets["/roost/roost-worker.js"])
	s.mu.Unlock()
	assert.Equal(t, 1, pageScripts, "two tags load roost-page.js once")
	assert.Equal(t, 1, workers, "and start one worker")
	signature := signIdentityForTest(s, "user_123")
	assert.Zero(t, s.count(func(r clientRequest) bool { return r.user != "user_123" || r.signature != signature || r.status >= 400 }),
		"the identify made before roost-page.js came is the one the runtime polls with")
}

// TestPageScriptThatCannotLoadRejectsTheKeptCalls: when roost-page.js
// cannot be loaded, the Promises of calls kept for it reject with an error
// that names it, and later ones too, rather than waiting for ever.
func TestPageScriptThatCannotLoadRejectsTheKeptCalls(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	stub, err := os.ReadFile(filepath.Join(browsertest.Runtime(t), "roost.js"))
	require.NoError(t, err)
	s.addPage("/broken/roost.js", string(stub)) // its roost-page.js, next to it, is not there
	s.addPage("/broken/early.js", `window.early = analytics.inbox().total().then(() => "resolved", e => e.message);`)
	s.addPage("/broken/", `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Broken</title>
<script src="/broken/roost.js" data-site-id="example"></script><script src="/broken/early.js"></script></head><body></body></html>`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/broken/")))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`early.then(first => analytics.inbox().messages().then(() => [first, "resolved"], e => [first, e.message]))`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, msg := range got {
		assert.Regexp(t, `^roost: http://127\.0\.0\.1:\d+/broken/roost-page\.js(\?v=\w+)? could not be loaded$`, msg)
	}
}
