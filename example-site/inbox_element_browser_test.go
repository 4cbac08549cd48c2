package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The <roost-inbox> element's tests put it on small pages of the example
// site (its CSP, its session) and use it as a person would: mouse and keys.

// identifyScript is a page script that identifies the shop's signed-in
// person, as the shop's app.js does.
const identifyScript = `fetch("/api/session", {cache: "no-store"}).then(r => r.json())
	.then(s => analytics.identify(s.user, {}, {signature: s.signature}));
`

// inboxPage is a page with roost.js (tag: extra attributes of its script
// tag) and, unless element is "", that element in its header.
func inboxPage(lang, tag, element string) string {
	return `<!doctype html><html lang="` + lang + `"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Inbox element</title>
<script src="/roost/roost.js" data-site-id="example"` + tag + `></script>
<script src="/test/identify.js" defer></script></head>
<body><header><a href="#top" id="home">Home</a> ` + element + `</header>
<main id="top"><h1>A page</h1><p>With an inbox in its header and <a href="#top" id="after">a link</a>.</p></main></body></html>`
}

// openInboxPage serves page at path and opens it in ctx; the first time,
// it adds pageWatch to the tab's pages.
func openInboxPage(t *testing.T, ctx context.Context, s *testSite, path, page string) {
	t.Helper()
	s.mu.Lock()
	watched := s.testPages["/test/identify.js"] != ""
	s.mu.Unlock()
	if !watched {
		s.addPage("/test/identify.js", identifyScript)
		_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: pageWatch})
		require.NoError(t, err)
	}
	s.addPage(path, page)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+path)))
}

// emulateOffline sets what navigator.onLine says, and fires online or offline.
func emulateOffline(ctx context.Context, offline bool) error {
	_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
	return err
}

// sendReply sends a comment_reply (topic social) to user_123.
func (s *testSite) sendReply(t *testing.T, author string) string {
	t.Helper()
	return s.sendInbox(t, `{"transactional_message_id":"comment_reply","identifiers":{"id":"user_123"},"message_data":{"author_name":"`+author+`","reply_excerpt":"Agreed","post_title":"Mugs","post_url":"#reply"}}`)
}

// sendOrder sends an order_shipped (topic orders) to user_123.
func (s *testSite) sendOrder(t *testing.T, order string) string {
	t.Helper()
	return s.sendInbox(t, `{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},"message_data":{"order_id":"`+order+`","tracking_url":"https://track.example.com/1","product_name":"Mug"}}`)
}

// waitDelivery waits until the server's delivery id has field set to want.
func (s *testSite) waitDelivery(t *testing.T, id, field string, want any) {
	t.Helper()
	var d map[string]any
	require.Eventually(t, func() bool { d = s.delivery(t, id); return d[field] == want }, 10*time.Second, 20*time.Millisecond,
		"the server has %s %s = %v", id, field, want)
}

// TestInboxElement: the element on a page with no code of its own shows the
// bell's unread count, a tab per topic with its count, the messages newest
// first; a click opens (marks read), the toggle marks unread, the bin
// deletes, "Mark all read" marks the rest, each stored on the server; a
// click outside closes the panel. Its files load only after the page's load
// event, and only on a page with the element.
func TestInboxElement(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1200, 800)))
	// A page without the element never loads its files.
	openInboxPage(t, ctx, s, "/plain/", inboxPage("en", "", ""))
	_, err := chromedp.Run(ctx, chromedp.Evaluate[int](`analytics.inbox().total()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)

	order1 := s.sendOrder(t, "A-1")
	reply := s.sendReply(t, "Ann")
	order2 := s.sendOrder(t, "A-2")
	openInboxPage(t, ctx, s, "/inbox/", inboxPage("en", "", `<roost-inbox topics="orders social"></roost-inbox>`))
	st := browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 3 unread"`)
	assert.Equal(t, "3", st.Badge)
	assert.Equal(t, "false", st.Expanded)
	assert.False(t, st.Open)
	s.mu.Lock()
	assert.Len(t, s.assets["/roost/roost-inbox.js"], 1, "roost-inbox.js loads once, on the page with the element")
	assert.Len(t, s.assets["/roost/roost-inbox.css"], 1)
	s.mu.Unlock()
	loadedAfter, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		const res = performance.getEntriesByType("resource").find(e => e.name.includes("roost-inbox.js"));
		return res.startTime >= nav.loadEventEnd;
	})()`))
	require.NoError(t, err)
	assert.True(t, loadedAfter, "roost-inbox.js is fetched after the page's load event")

	browsertest.ClickInbox(t, ctx, ".bell", 0)
	st = browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 3`)
	assert.Equal(t, "true", st.Expanded)
	assert.Equal(t, []string{"All 3 unread*", "Orders 2 unread", "Social 1 unread"}, st.Tabs)
	assert.Equal(t, []string{"u Order #A-2 has shipped!", "u Ann replied to your comment", "u Order #A-1 has shipped!"}, st.Items)

	browsertest.ClickInbox(t, ctx, ".tab", 1)
	st = browsertest.WaitInbox(t, ctx, `s.tabs[1].endsWith("*")`)
	assert.Equal(t, []string{"u Order #A-2 has shipped!", "u Order #A-1 has shipped!"}, st.Items)
	browsertest.ClickInbox(t, ctx, ".open", 1) // a click opens it: read
	s.waitDelivery(t, order1, "opened", true)
	st = browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 2 unread"`)
	assert.Equal(t, []string{"u Order #A-2 has shipped!", "r Order #A-1 has shipped!"}, st.Items)
	assert.Equal(t, []string{"All 2 unread", "Orders 1 unread*", "Social 1 unread"}, st.Tabs)

	browsertest.ClickInbox(t, ctx, ".toggle", 1) // mark unread again
	s.waitDelivery(t, order1, "opened", false)
	browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 3 unread" && s.items[1] === "u Order #A-1 has shipped!"`)
	browsertest.ClickInbox(t, ctx, ".delete", 1)
	s.waitDelivery(t, order1, "deleted", true)
	browsertest.WaitInbox(t, ctx, `s.items.length === 1 && s.label === "Inbox, 2 unread"`)

	browsertest.ClickInbox(t, ctx, ".tab", 0)
	browsertest.WaitInbox(t, ctx, `s.tabs[0].endsWith("*") && s.items.length === 2`)
	browsertest.ClickInbox(t, ctx, ".mark-all", 0)
	s.waitDelivery(t, order2, "opened", true)
	s.waitDelivery(t, reply, "opened", true)
	st = browsertest.WaitInbox(t, ctx, `s.label === "Inbox"`)
	assert.Equal(t, "", st.Badge, "no badge without unread messages")
	assert.Equal(t, []string{"All*", "Orders", "Social"}, st.Tabs)

	require.NoError(t, chromedp.Do(ctx, chromedp.MouseClickXY(600, 600)))
	st = browsertest.WaitInbox(t, ctx, `!s.open`)
	assert.Equal(t, "false", st.Expanded)
	noCSPViolations(t, ctx)
	s.mu.Lock()
	assert.Len(t, s.assets["/roost/roost-inbox.js"], 1)
	s.mu.Unlock()
}

// TestInboxElementKeyboard: everything by keys alone. Tab reaches the bell,
// Enter opens the panel on its tabs, the arrows choose a tab, Tab enters the
// list, the arrows move between messages, Enter opens one, Delete deletes
// one (the focus goes to the next), Escape closes and gives the focus back
// to the bell.
func TestInboxElementKeyboard(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	ids := []string{s.sendOrder(t, "K-1"), s.sendOrder(t, "K-2"), s.sendOrder(t, "K-3")}
	s.sendReply(t, "Bo")
	openInboxPage(t, ctx, s, "/inbox/", inboxPage("en", "", `<roost-inbox topics="orders social"></roost-inbox>`))
	browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 4 unread"`)

	press(t, ctx, kb.Tab, false)
	require.Equal(t, "page home", focused(t, ctx))
	press(t, ctx, kb.Tab, false)
	require.Equal(t, "bell", focused(t, ctx))
	press(t, ctx, kb.Enter, false)
	st := browsertest.WaitInbox(t, ctx, `s.open && s.focus === "tab"`)
	assert.Equal(t, "All 4 unread*", st.Tabs[0])
	press(t, ctx, kb.ArrowRight, false)
	st = browsertest.WaitInbox(t, ctx, `s.tabs[1].endsWith("*") && s.focus === "tab"`)
	assert.Equal(t, []string{"u Order #K-3 has shipped!", "u Order #K-2 has shipped!", "u Order #K-1 has shipped!"}, st.Items)

	press(t, ctx, kb.Tab, false)
	assert.Equal(t, "open", focused(t, ctx), "Tab goes from the tabs to the first message")
	press(t, ctx, kb.ArrowDown, false)
	press(t, ctx, kb.Enter, false) // opens the second: read
	s.waitDelivery(t, ids[1], "opened", true)
	st = browsertest.WaitInbox(t, ctx, `s.items[1] === "r Order #K-2 has shipped!"`)
	assert.Equal(t, "open", st.Focus, "the opened message keeps the focus")
	press(t, ctx, kb.Delete, false)
	s.waitDelivery(t, ids[1], "deleted", true)
	st = browsertest.WaitInbox(t, ctx, `s.items.length === 2`)
	assert.Equal(t, "open", st.Focus, "the next message has the focus")
	press(t, ctx, kb.Enter, false) // the focus moved to K-1
	s.waitDelivery(t, ids[0], "opened", true)
	press(t, ctx, kb.ArrowUp, false)
	press(t, ctx, kb.Tab, false)
	assert.Equal(t, "toggle", focused(t, ctx), "Tab goes on to the message's own buttons")
	press(t, ctx, kb.Enter, false)
	s.waitDelivery(t, ids[2], "opened", true) // K-3 marked read by its toggle

	browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 1 unread"`)
	press(t, ctx, kb.Escape, false)
	st = browsertest.WaitInbox(t, ctx, `!s.open`)
	assert.Equal(t, "bell", st.Focus, "Escape gives the focus back to the bell")

	// Tab past the panel's last control: the focus goes on to the page, and the panel closes.
	press(t, ctx, kb.Enter, false)
	browsertest.WaitInbox(t, ctx, `s.open && s.focus === "tab"`)
	press(t, ctx, kb.ArrowRight, false) // from Orders, kept since the panel closed, to Social: one message, so its delete button is the panel's last control
	browsertest.WaitInbox(t, ctx, `s.tabs[2].endsWith("*") && s.items.length === 1`)
	for range 4 { // the message, its toggle, its delete button, then out
		press(t, ctx, kb.Tab, false)
	}
	st = browsertest.WaitInbox(t, ctx, `!s.open`)
	assert.Equal(t, "page after", st.Focus)
	noCSPViolations(t, ctx)
}

// TestInboxElementLanguages: the element speaks its lang attribute's
// language, else the page's; a site overrides any string.
func TestInboxElementLanguages(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	s.sendOrder(t, "L-1")
	s.sendReply(t, "Cy")
	for _, c := range []struct{ name, lang, attrs, label, all, markAll string }{
		{"fr", "en", ` lang="fr"`, "Messages, 2 non lus", "Tous 2 non lus*", "Tout marquer comme lu"},
		{"de", "de-CH", ``, "Nachrichten, 2 ungelesen", "Alle 2 ungelesen*", "Alle als gelesen markieren"},
		{"override", "en", ` strings='{"all":"Everything","bell":["Bell: 1","Bell: {n}"]}'`, "Bell: 2", "Everything 2 unread*", "Mark all read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			openInboxPage(t, ctx, s, "/"+c.name+"/", inboxPage(c.lang, "", `<roost-inbox topics="orders social"`+c.attrs+`></roost-inbox>`))
			browsertest.WaitInbox(t, ctx, `s.label === `+strconv.Quote(c.label))
			browsertest.ClickInbox(t, ctx, ".bell", 0)
			st := browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 2`)
			assert.Equal(t, c.all, st.Tabs[0])
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("roost-inbox").shadowRoot.querySelector(".mark-all").textContent`))
			require.NoError(t, err)
			assert.Equal(t, c.markAll, got)
		})
	}
}

// TestInboxElementStates: before the first answer, loading; an empty inbox
// says so; offline, it says so and lists what this browser kept; an identity
// the server refuses is an error state; a new message is announced in the
// polite live region.
func TestInboxElementStates(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	openInboxPage(t, ctx, s, "/inbox/", inboxPage("en", "", `<roost-inbox></roost-inbox>`))
	browsertest.WaitInbox(t, ctx, `s.label === "Inbox"`)
	browsertest.ClickInbox(t, ctx, ".bell", 0)
	st := browsertest.WaitInbox(t, ctx, `s.open && s.empty.startsWith("No messages yet")`)
	assert.Empty(t, st.Tabs, "one topic or none: no tabs")

	s.sendOrder(t, "S-1")
	st = browsertest.WaitInbox(t, ctx, `s.items.length === 1`)
	assert.Equal(t, "New message: Order #S-1 has shipped!", st.Live)
	assert.Equal(t, "", st.Empty)

	require.NoError(t, emulateOffline(ctx, true))
	st = browsertest.WaitInbox(t, ctx, `s.notice !== ""`)
	assert.Equal(t, "Offline: the messages kept on this device.", st.Notice)
	assert.Equal(t, []string{"u Order #S-1 has shipped!"}, st.Items)
	require.NoError(t, emulateOffline(ctx, false))
	browsertest.WaitInbox(t, ctx, `s.notice === ""`)

	// A refused identity: the inbox cannot be loaded.
	s.addPage("/test/forged.js", `analytics.identify("user_123", {}, {signature: "forged"});`)
	s.addPage("/forged/", strings.Replace(inboxPage("en", "", `<roost-inbox></roost-inbox>`), "/test/identify.js", "/test/forged.js", 1))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/forged/")))
	browsertest.WaitInbox(t, ctx, `true`)
	browsertest.ClickInbox(t, ctx, ".bell", 0)
	st = browsertest.WaitInbox(t, ctx, `s.open && s.notice !== ""`)
	assert.Equal(t, "The inbox cannot be loaded.", st.Notice)
	assert.Empty(t, st.Items)
}

// TestInboxElementFloating: data-inbox="floating" on the script tag adds a
// floating inbox to a page that has none in its HTML: a launcher in the
// bottom right corner; on a phone its panel is a full-screen sheet.
func TestInboxElementFloating(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	s.sendOrder(t, "F-1")
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1000, 700)))
	openInboxPage(t, ctx, s, "/floating/", inboxPage("en", ` data-inbox="floating"`, ""))
	st := browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 1 unread"`)
	assert.Equal(t, "1", st.Badge)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("roost-inbox").length`))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	type box struct{ Left, Top, Right, Bottom float64 }
	rect := func(sel string) box {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(document.querySelector("roost-inbox").shadowRoot.querySelector(`+strconv.Quote(sel)+`).getBoundingClientRect())`))
		require.NoError(t, err)
		var b box
		require.NoError(t, json.Unmarshal([]byte(raw), &b))
		return b
	}
	bell := rect(".bell")
	assert.InDelta(t, 1000-16, bell.Right, 1, "16px from the right edge")
	assert.InDelta(t, 700-16, bell.Bottom, 1, "16px from the bottom")
	browsertest.ClickInbox(t, ctx, ".bell", 0)
	browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 1`)
	panel := rect(".panel")
	assert.Less(t, panel.Bottom, bell.Top, "the panel opens above the launcher")

	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const r = document.querySelector("roost-inbox").shadowRoot.querySelector(".panel").getBoundingClientRect(); return r.top === 0 && r.height === innerHeight; })()`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "on a phone the panel is a full-height sheet")
	assert.Equal(t, box{0, 0, 390, 844}, rect(".panel"))
	browsertest.ClickInbox(t, ctx, ".close", 0)
	st = browsertest.WaitInbox(t, ctx, `!s.open`)
	assert.Equal(t, "bell", st.Focus)
	noCSPViolations(t, ctx)
}

// TestInboxElementAccessible: axe-core finds no violation on a page with
// the element, closed and open, in the light and the dark theme and on a
// phone; with reduced motion the panel does not move.
func TestInboxElementAccessible(t *testing.T) {
	browsertest.NeedAxe(t)
	ctx := newBrowser(t)
	s := startSite(t)
	s.sendOrder(t, "X-1")
	s.sendReply(t, "Di")
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1200, 800)))
	for _, theme := range []string{"light", "dark"} {
		t.Run(theme, func(t *testing.T) {
			openInboxPage(t, ctx, s, "/"+theme+"/", inboxPage("en", "", `<roost-inbox topics="orders social" theme="`+theme+`"></roost-inbox>`))
			browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 2 unread"`)
			browsertest.RequireNoAxeViolations(t, ctx, "")
			browsertest.ClickInbox(t, ctx, ".bell", 0)
			browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 2`)
			waitStill(t, ctx)
			browsertest.RequireNoAxeViolations(t, ctx, "")
		})
	}
	t.Run("phone, reduced motion", func(t *testing.T) {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
		})
		require.NoError(t, err)
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))))
		openInboxPage(t, ctx, s, "/phone/", inboxPage("en", "", `<roost-inbox topics="orders social"></roost-inbox>`))
		browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 2 unread"`)
		browsertest.ClickInbox(t, ctx, ".bell", 0)
		browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 2`)
		animation, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("roost-inbox").shadowRoot.querySelector(".panel")).animationName`))
		require.NoError(t, err)
		assert.Equal(t, "none", animation, "with reduced motion the panel does not move")
		browsertest.RequireNoAxeViolations(t, ctx, "")
	})
	noCSPViolations(t, ctx)
}

// waitStill waits until nothing in the element is moving.
func waitStill(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("roost-inbox").shadowRoot.getAnimations().every(a => a.playState === "finished")`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
}
