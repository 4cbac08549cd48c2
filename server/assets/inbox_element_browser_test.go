package assets_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// elementPage is a shop's page on its own origin with no code of its own:
// the script tag that embeds Roost from the Roost server at roost, and a
// <roost-inbox> of topics orders and news in its header.
func elementPage(roost string) string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="` + roost + `/roost/roost.js" data-site-id="` + siteID + `"></script>
</head><body><header><a href="#top" id="home">Shop</a> <roost-inbox topics="orders news"></roost-inbox></header>
<main id="top"><h1>Shop</h1></main></body></html>`
}

// serveElementPage serves elementPage at / on the shop's origin under the
// frame-mode policy (policy), and records its violation reports at
// /csp-report; the test fails on any.
func serveElementPage(t *testing.T, sh *shop, roost string) {
	t.Helper()
	var mu sync.Mutex
	var reports []string
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		assert.Empty(t, reports, "the shop's page broke its Content-Security-Policy")
	})
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/csp-report":
			b, _ := io.ReadAll(io.LimitReader(r.Body, 16<<10))
			mu.Lock()
			reports = append(reports, string(b))
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		case "/":
			w.Header().Set("Content-Security-Policy", policy(roost))
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, elementPage(roost))
		default:
			http.NotFound(w, r)
		}
	})}
	go hs.Serve(sh.ln)
	t.Cleanup(func() { hs.Close() })
}

// elementScript is the page script of the element's tests, run before the
// page's scripts (the page's policy need not allow it): it identifies
// user_123 with the signature the shop's backend would give, and records
// the policy's violations as the page sees them (in the element's shadow
// root too: the event is composed), console errors and Roost's error events.
func elementScript() string {
	return fmt.Sprintf(`(() => {
	if (window.top !== window) return;
	window.__violations = [];
	window.__errors = [];
	window.__events = [];
	document.addEventListener("securitypolicyviolation", e => window.__violations.push(e.violatedDirective + " " + e.blockedURI), true);
	const error = console.error.bind(console);
	console.error = (...args) => { window.__errors.push(args.map(String).join(" ")); error(...args); };
	document.addEventListener("DOMContentLoaded", () => {
		for (const name of ["identity-error", "message-error", "storage-error"]) analytics.on(name, data => window.__events.push(name));
		analytics.identify(%q, {}, {signature: %q});
	});
})()`, user, server.SignIdentity(siteSecret, user))
}

// TestFrameModeInboxElement: a page on another origin than the Roost
// server's, under a strict policy that names the server for scripts,
// frames and styles only, places <roost-inbox topics="orders news"> and
// identifies its person. The element's script and stylesheet come from the
// server (after the page's load event) and apply; a message sent then
// shows in the bell's count and is announced; a click on the bell opens
// the panel, which lists the filter's messages under a tab per topic; a
// click on a message marks it opened on the server. Nothing breaks the
// page's policy.
func TestFrameModeInboxElement(t *testing.T) {
	sh := reserveShop(t)
	rs := startRoost(t, []string{sh.URL})
	serveElementPage(t, sh, rs.URL)
	rs.api(t, "POST", "/v1/transactional", `{"id":3,"name":"News","trigger_name":"news","channel":"inbox","topics":["news"],
		"content":{"title":"News: {{trigger.headline}}","body":"Read all about it."}}`, http.StatusCreated)
	rs.api(t, "POST", "/v1/transactional", `{"id":4,"name":"Promo","trigger_name":"promo","channel":"inbox","topics":["promos"],
		"content":{"title":"A promotion"}}`, http.StatusCreated)
	browser := browsertest.NewBrowser(t)
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(1200, 800)))
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: elementScript()})
	require.NoError(t, err)
	news := sendTo(t, rs, "news", `{"headline":"Roost ships"}`)
	sendTo(t, rs, "promo", `{}`) // not of the element's topics
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(sh.URL+"/")))

	st := browsertest.WaitInbox(t, tab, `s.label === "Inbox, 1 unread"`)
	assert.Equal(t, "1", st.Badge, "the news message counts; the promotion, of another topic, does not")
	assert.Equal(t, "false", st.Expanded)
	assert.False(t, st.Open)
	assert.True(t, strings.HasPrefix(st.Sheet, rs.URL+"/roost/roost-inbox.css?v="), "the stylesheet is the server's: %s", st.Sheet)
	assert.Len(t, rs.asked("/roost/roost-inbox.js"), 1, "the element's script comes from the Roost server, once")
	assert.Len(t, rs.asked("/roost/roost-inbox.css"), 1)
	loadedAfter, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		const res = performance.getEntriesByType("resource").find(e => e.name.includes("roost-inbox.js"));
		return !!res && res.startTime >= nav.loadEventEnd;
	})()`))
	require.NoError(t, err)
	assert.True(t, loadedAfter, "roost-inbox.js is fetched after the page's load event")

	// A message sent now shows in the bell's count and is announced.
	order := rs.sendInbox(t, "ORD-77")
	st = browsertest.WaitInbox(t, tab, `s.label === "Inbox, 2 unread"`)
	assert.Equal(t, "2", st.Badge)
	assert.Equal(t, "New message: Order #ORD-77 has shipped!", st.Live)

	browsertest.ClickInbox(t, tab, ".bell", 0)
	st = browsertest.WaitInbox(t, tab, `s.open && s.items.length === 2`)
	assert.Equal(t, "true", st.Expanded)
	assert.Equal(t, []string{"u Order #ORD-77 has shipped!", "u News: Roost ships"}, st.Items, "newest first; no promotion")
	assert.Equal(t, []string{order, news}, st.IDs)
	assert.Equal(t, []string{"All 2 unread*", "Orders 1 unread", "News 1 unread"}, st.Tabs)

	browsertest.ClickInbox(t, tab, ".open", 0)
	require.Eventually(t, func() bool { return rs.delivery(t, order)["opened"] == true }, 10*time.Second, 20*time.Millisecond,
		"the server records the open")
	st = browsertest.WaitInbox(t, tab, `s.label === "Inbox, 1 unread"`)
	assert.Equal(t, []string{"r Order #ORD-77 has shipped!", "u News: Roost ships"}, st.Items)
	assert.True(t, st.Open, "a message without a link leaves the panel open")
	assert.Equal(t, false, rs.delivery(t, news)["opened"])

	// A click outside closes the panel.
	require.NoError(t, chromedp.Do(tab, chromedp.MouseClickXY(600, 600)))
	browsertest.WaitInbox(t, tab, `!s.open && s.expanded === "false"`)

	type pageRecord struct {
		Violations []string `json:"violations"`
		Errors     []string `json:"errors"`
		Events     []string `json:"events"`
	}
	seen, err := chromedp.Run(tab, chromedp.Evaluate[pageRecord](`({violations: window.__violations, errors: window.__errors, events: window.__events})`))
	require.NoError(t, err)
	assert.Empty(t, seen.Violations, "no violation of the page's policy")
	assert.Empty(t, seen.Errors, "no console error")
	assert.Empty(t, seen.Events, "no Roost error event")
	assert.Zero(t, rs.count(func(r clientRequest) bool { return r.user != user || r.status >= 400 }),
		"every poll and event post is user_123's and accepted")
}

// sendTo sends user_123 an inbox message of the template trigger with the
// message data data (JSON) and returns its delivery id.
func sendTo(t *testing.T, rs *roostServer, trigger, data string) string {
	t.Helper()
	out := rs.api(t, "POST", "/v1/send/inbox_message",
		`{"transactional_message_id":"`+trigger+`","identifiers":{"id":"`+user+`"},"message_data":`+data+`}`, http.StatusOK)
	return out["delivery_id"].(string)
}
