package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

// A page of the site cannot borrow the runtime's live session of another
// person: with person B's page open in one tab, a second tab that
// identifies B with someone else's signature, or with none, sees none of
// B's messages, and B's tab goes on polling. In both runtime modes.

// identityWatch is a page script that records, from the start of the document,
// when an inbox message first shows in the page (performance.now(), ms;
// -1 while none did), and every identity-error and identity-expiring event
// with the time it came.
const identityWatch = `(() => {
	window.__firstMessageAt = -1;
	window.__refusals = [];
	window.__expiring = [];
	const seen = () => {
		if (window.__firstMessageAt < 0 && document.querySelector("#inbox-list .title")) window.__firstMessageAt = performance.now();
	};
	new MutationObserver(seen).observe(document, {childList: true, subtree: true, characterData: true});
	document.addEventListener("DOMContentLoaded", () => {
		analytics.on("identity-error", e => window.__refusals.push(Object.assign({at: performance.now()}, e)));
		analytics.on("identity-expiring", e => window.__expiring.push(Object.assign({at: performance.now()}, e)));
	});
})()`

// sessionAs is a page script that makes the shop's backend session (GET
// /api/session) say user with signature (none when ""): the page's own
// script then identifies the person with it, as a page of the site would.
func sessionAs(user, signature string) string {
	session := map[string]string{"user": user}
	if signature != "" {
		session["signature"] = signature
	}
	body, _ := json.Marshal(session)
	return `(() => {
	const real = window.fetch;
	window.fetch = function (url) {
		if (String(url).endsWith("/api/session")) {
			return Promise.resolve(new Response(` + "`" + string(body) + "`" + `, {status: 200, headers: {"Content-Type": "application/json"}}));
		}
		return real.apply(this, arguments);
	};
})()`
}

// openWithScripts opens url in a new tab of browser that runs scripts
// before the page's own, and returns when the navigation is done (the
// runtime starts after the load event).
func openWithScripts(t *testing.T, browser context.Context, url string, scripts ...string) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(tab)) // open the tab without a timeout first
	for _, src := range scripts {
		_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		require.NoError(t, err)
	}
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(url)))
	return tab
}

// modes are the runtime's two ways to run: one SharedWorker for every tab,
// or a dedicated Worker per tab (a browser without SharedWorker).
var modes = []string{"SharedWorker", "dedicated"}

// modeScripts returns the page scripts that put a tab in mode.
func modeScripts(mode string) []string {
	if mode == "dedicated" {
		return []string{noSharedWorker}
	}
	return nil
}

// refusalOf waits for the tab's first identity-error and returns it.
func refusalOf(t *testing.T, tab context.Context) map[string]any {
	t.Helper()
	refusal, err := chromedp.Run(tab, chromedp.Poll[map[string]any](`window.__refusals.length > 0 && window.__refusals[0]`,
		chromedp.WithPollingTimeout(15*time.Second)))
	require.NoError(t, err, "the tab hears that the identity was refused")
	return refusal
}

// TestBorrowedIdentitySeesNoMessages: B's page is open; a second page of
// the site identifies B with A's signature, or with none. It sees none of
// B's messages (not from the runtime's live session of B, not from what the
// runtime keeps), hears an identity-error, and B's page keeps polling with
// its own signature and gets B's next message.
func TestBorrowedIdentitySeesNoMessages(t *testing.T) {
	for _, mode := range modes {
		for _, c := range []struct {
			name      string
			signature func(s *testSite) string
			status    int
			reason    string
		}{
			{"wrong signature", func(s *testSite) string { return signIdentityForTest(s, "user_456") }, http.StatusForbidden, "invalid"},
			{"no signature", func(*testSite) string { return "" }, http.StatusUnauthorized, "missing"},
		} {
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				s := startSite(t) // builds the runtime first: the browser's minute starts after
				browser := newBrowser(t)
				first := s.sendInbox(t, seedSend)
				good := signIdentityForTest(s, "user_123")

				// B's own page shows B's message.
				b := openWithScripts(t, browser, s.URL+headlessPage, append(modeScripts(mode), identityWatch)...)
				waitForMessages(t, b, 1)

				// Another page of the site identifies B with A's signature (or none).
				other := openWithScripts(t, browser, s.URL+headlessPage, append(modeScripts(mode), identityWatch, sessionAs("user_123", c.signature(s)))...)
				refusal := refusalOf(t, other)
				assert.Equal(t, "user_123", refusal["user"])
				assert.Equal(t, float64(c.status), refusal["status"])
				assert.Equal(t, c.reason, refusal["reason"])
				refusedAt := time.Now()

				// B's page keeps polling with its own signature, unrefused.
				bPolls := func(r clientRequest) bool {
					return r.path == "/v1/client/poll" && r.user == "user_123" && r.signature == good && r.status < 400 && r.at.After(refusedAt)
				}
				require.Eventually(t, func() bool { return s.count(bPolls) >= 5 }, 15*time.Second, 10*time.Millisecond, "B's page keeps polling")
				second := s.sendInbox(t, strings.Replace(seedSend, "ORD-5678", "ORD-9999", 1))
				waitForMessages(t, b, 2)
				bRefusals, err := chromedp.Run(b, chromedp.Evaluate[[]map[string]any](`window.__refusals`))
				require.NoError(t, err)
				assert.Empty(t, bRefusals, "B's page is never refused")

				// The other page never showed a message of B's, and its view is empty.
				shownAt, err := chromedp.Run(other, chromedp.Evaluate[float64](`window.__firstMessageAt`))
				require.NoError(t, err)
				t.Logf("%s: the other page heard the refusal %.0f ms after navigation; it first showed a message at %.0f ms (-1: never)", t.Name(), refusal["at"], shownAt)
				assert.Equal(t, float64(-1), shownAt, "the other page showed B's messages (at %.0f ms)", shownAt)
				ids, err := chromedp.Run(other, chromedp.Evaluate[[]string](`window.shopInbox.messages().then(ms => ms.map(m => m.deliveryId))`, chromedp.EvalAwaitPromise))
				require.NoError(t, err)
				assert.Empty(t, ids)
				assert.NotContains(t, ids, first)
				assert.NotContains(t, ids, second)
				assert.Zero(t, s.count(func(r clientRequest) bool { return r.user == "user_123" && r.signature != good && r.status < 400 }),
					"the server gave out nothing for another signature")

				// With B's signature the same page sees B's messages at once.
				_, err = chromedp.Run(other, chromedp.Evaluate[bool](`!!analytics.identify("user_123", null, {signature: `+jsString(good)+`})`))
				require.NoError(t, err)
				waitForMessages(t, other, 2)
			})
		}
	}
}

// TestIdentityTokenRenewedBeforeItExpires: the page identifies its person
// with a token that expires in 4 s; the runtime asks for a fresh one
// (identity-expiring) before each expires, the page gives it, and polling
// goes on with no identity-error and no blank inbox.
func TestIdentityTokenRenewedBeforeItExpires(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			s := startSite(t) // builds the runtime first: the browser's minute starts after
			browser := newBrowser(t)
			secret := s.site.siteSecret
			status, body := pollAs(t, s.URL, "user_123", server.SignIdentityToken(secret, "user_123", time.Now().Add(time.Minute)))
			require.Equal(t, http.StatusOK, status, "the server accepts an identity token: %s", body)
			first := s.sendInbox(t, seedSend)
			tab := openWithScripts(t, browser, s.URL+headlessPage, append(modeScripts(mode), identityWatch)...)
			waitForMessages(t, tab, 1)

			// Tokens that each live 4 s longer than the one before.
			now := time.Now()
			var tokens []string
			for i := 1; i <= 10; i++ {
				tokens = append(tokens, server.SignIdentityToken(secret, "user_123", now.Add(time.Duration(4*i)*time.Second)))
			}
			list, _ := json.Marshal(tokens)
			_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => {
				window.__tokens = `+string(list)+`;
				window.__renewed = [];
				window.__shown = [];
				window.shopInbox.onUpdates(ms => window.__shown.push(ms.length));
				const exp = t => Number(t.split(".")[1]) * 1000;
				analytics.on("identity-expiring", e => {
					const fresh = window.__tokens.find(t => exp(t) > e.expiresAt);
					window.__renewed.push({at: performance.now(), expiresAt: e.expiresAt, user: e.user});
					analytics.identify(e.user, null, {signature: fresh});
				});
				analytics.identify("user_123", null, {signature: window.__tokens[0]});
				return true;
			})()`))
			require.NoError(t, err)
			renewedFrom := time.Now()
			renewed, err := chromedp.Run(tab, chromedp.Poll[[]map[string]any](`window.__renewed.length >= 2 && window.__renewed`,
				chromedp.WithPollingTimeout(20*time.Second)))
			require.NoError(t, err, "the runtime asks for a fresh token before each expires")
			for _, r := range renewed {
				assert.Equal(t, "user_123", r["user"])
			}
			assert.Less(t, time.Since(renewedFrom), 12*time.Second)

			// Polling went on with the tokens, none refused; the inbox never blanked.
			second := s.sendInbox(t, strings.Replace(seedSend, "ORD-5678", "ORD-9999", 1))
			waitForMessages(t, tab, 2)
			refusals, err := chromedp.Run(tab, chromedp.Evaluate[[]map[string]any](`window.__refusals`))
			require.NoError(t, err)
			assert.Empty(t, refusals, "no identity-error")
			shown, err := chromedp.Run(tab, chromedp.Evaluate[[]int](`window.__shown`))
			require.NoError(t, err)
			assert.NotContains(t, shown, 0, "the inbox never blanked")
			tokenPolls := func(r clientRequest) bool {
				return r.path == "/v1/client/poll" && strings.HasPrefix(r.signature, "v1.") && r.at.After(renewedFrom)
			}
			assert.Positive(t, s.count(func(r clientRequest) bool { return tokenPolls(r) && r.status < 400 }))
			if !assert.Zero(t, s.count(func(r clientRequest) bool { return r.user == "user_123" && r.status >= 400 }), "no request refused") {
				s.logRequests(t)
			}
			ids, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.shopInbox.messages().then(ms => ms.map(m => m.deliveryId))`, chromedp.EvalAwaitPromise))
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{first, second}, ids)
		})
	}
}
