package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// More tests of <roost-inbox> (inbox_element_browser_test.go has its
// helpers): how it follows time, its attributes and properties, the page's
// styles, and clicks on a message's body.

// fastClock is a page script that runs the page's long intervals (the
// element's 30 s clock) every 50 ms, and moves Date.now() window.__shift
// ms ahead.
const fastClock = `(() => {
	window.__shift = 0;
	const every = window.setInterval, now = Date.now;
	window.setInterval = (f, ms, ...args) => every(f, ms >= 30000 ? 50 : ms, ...args);
	Date.now = () => now() + window.__shift;
})()`

// TestInboxElementTimes: a message's time is relative, in the element's
// language, and moves on while the panel is open; the strings property
// changes the element's strings at once.
func TestInboxElementTimes(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	s.shiftServerClock(-time.Minute) // sent a minute before the page came
	s.sendOrder(t, "T-1")
	s.shiftServerClock(0)
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: fastClock})
	require.NoError(t, err)
	times := `[...document.querySelector("roost-inbox").shadowRoot.querySelectorAll("time")].map(e => e.textContent).join()`
	for _, c := range []struct{ lang, now, later string }{
		{"en", "1 minute ago", "6 minutes ago"},
		{"fr", "il y a 1 minute", "il y a 6 minutes"},
	} {
		openInboxPage(t, ctx, s, "/times-"+c.lang+"/", inboxPage(c.lang, "", `<roost-inbox></roost-inbox>`))
		st := browsertest.WaitInbox(t, ctx, `s.badge === "1"`)
		assert.Empty(t, st.Live, "a message sent before the page came is not announced")
		browsertest.ClickInbox(t, ctx, ".bell", 0)
		browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 1`)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](times))
		require.NoError(t, err)
		assert.Equal(t, c.now, got)
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__shift = 5 * 60 * 1000 + 10000, true`))
		require.NoError(t, err)
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](times+` === `+strconv.Quote(c.later), chromedp.WithPollingTimeout(5*time.Second)))
		require.NoError(t, err, "the time moves on to %q", c.later)
	}

	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("roost-inbox").strings = {markAll: "Read them all", inbox: "Notes"}, true`))
	require.NoError(t, err)
	got, err := chromedp.Run(ctx, chromedp.Poll[[]string](`(() => { const r = document.querySelector("roost-inbox").shadowRoot;
		return r.querySelector(".mark-all").textContent === "Read them all" && [r.querySelector(".title").textContent, r.querySelector(".bell").ariaLabel]; })()`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, []string{"Notes", "Notes, 1 non lu"}, got, "the title and the bell's label change, the count's words are kept")
}

// recordViews is a page script that counts the inbox views the page opens
// and closes (window.__views), as its ops to the runtime's port show.
const recordViews = `(() => {
	window.__views = {view: 0, unview: 0};
	for (const proto of [MessagePort.prototype, Worker.prototype]) {
		const post = proto.postMessage;
		proto.postMessage = function (m) {
			const op = typeof m === "string" && JSON.parse(m).op;
			if (op in window.__views) window.__views[op]++;
			return post.apply(this, arguments);
		};
	}
})()`

// TestInboxElementChanges: the element follows a change of its topics,
// keeps working when the page moves it, and closes its view of the inbox
// when it leaves the page, so a single-page app that draws it again and
// again does not pile views up in the runtime.
func TestInboxElementChanges(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	s.sendOrder(t, "C-1")
	s.sendReply(t, "Ed")
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: recordViews})
	require.NoError(t, err)
	openInboxPage(t, ctx, s, "/changes/", inboxPage("en", "", `<roost-inbox topics="orders social"></roost-inbox>`))
	browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 2 unread"`)
	views := func() map[string]int {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`window.__views`))
		require.NoError(t, err)
		return v
	}
	require.Equal(t, map[string]int{"view": 1, "unview": 0}, views())

	run := func(js string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { `+js+`; return true; })()`))
		require.NoError(t, err)
	}
	run(`document.querySelector("roost-inbox").setAttribute("topics", "social")`)
	browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 1 unread"`)
	assert.Equal(t, map[string]int{"view": 2, "unview": 1}, views(), "a new filter: a new view, the old one closed")

	for range 5 {
		run(`document.querySelector("main").append(document.querySelector("roost-inbox"))`)
	}
	st := browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 1 unread"`)
	assert.Equal(t, "1", st.Badge)
	browsertest.ClickInbox(t, ctx, ".bell", 0)
	st = browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 1`)
	assert.Equal(t, []string{"u Ed replied to your comment"}, st.Items)
	v := views()
	assert.Equal(t, v["view"]-1, v["unview"], "one view open after moves")

	run(`document.querySelector("roost-inbox").remove()`)
	v = views()
	assert.Equal(t, v["view"], v["unview"], "no view left open once the element is gone")
	noCSPViolations(t, ctx)
}

// TestInboxElementTheme: the element follows the person's colour scheme on
// a page that has a dark one, or when its theme attribute says "auto"; a
// theme of "light" or "dark" forces one; it takes the page's custom
// properties (shared with the in-app presenter) and ::part() rules.
func TestInboxElementTheme(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	s.sendOrder(t, "D-1")
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	})
	require.NoError(t, err)
	colors := `(() => { const r = document.querySelector("roost-inbox").shadowRoot;
		return [getComputedStyle(r.querySelector(".panel")).backgroundColor, getComputedStyle(r.querySelector(".item.unread")).backgroundColor]; })()`
	for _, c := range []struct{ name, head, attrs, panel string }{
		{"light on a page without a dark scheme", ``, ``, "rgb(255, 255, 255)"},
		{"dark by preference on a page with one", `<meta name="color-scheme" content="light dark">`, ``, "rgb(22, 27, 38)"},
		{"dark by preference when told to follow it", ``, ` theme="auto"`, "rgb(22, 27, 38)"},
		{"light by attribute", `<meta name="color-scheme" content="light dark">`, ` theme="light"`, "rgb(255, 255, 255)"},
		{"the page's colours", ``, ` class="branded"`, "rgb(250, 240, 230)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			page := inboxPage("en", "", `<roost-inbox`+c.attrs+`></roost-inbox>`)
			page = strings.Replace(page, "</head>", c.head+`<link rel="stylesheet" href="/test/branded.css"></head>`, 1)
			s.addPage("/test/branded.css", `roost-inbox.branded { --roost-bg: rgb(250, 240, 230); --roost-unread: rgb(1, 2, 3); }
roost-inbox.branded::part(badge) { background: rgb(4, 5, 6); }`)
			openInboxPage(t, ctx, s, "/theme-"+strconv.Itoa(len(c.head))+"-"+strconv.Itoa(len(c.attrs))+"/", page)
			browsertest.WaitInbox(t, ctx, `s.badge === "1"`)
			browsertest.ClickInbox(t, ctx, ".bell", 0)
			browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 1`)
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](colors))
			require.NoError(t, err)
			assert.Equal(t, c.panel, got[0])
			if c.name == "the page's colours" {
				assert.Equal(t, "rgb(1, 2, 3)", got[1])
				badge, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("roost-inbox").shadowRoot.querySelector(".badge")).backgroundColor`))
				require.NoError(t, err)
				assert.Equal(t, "rgb(4, 5, 6)", badge, "::part(badge) reaches the badge")
			}
		})
	}
}

// TestInboxElementBodyClicks: a click on a message's text opens it (read);
// one on a link in its HTML body opens it too, is recorded as a click on
// "link", and is followed. With the element's hidden attribute, it shows
// nothing; a page that has an element gets no second one from the script
// tag's data-inbox.
func TestInboxElementBodyClicks(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	s.createTemplate(t, `{"name":"Receipt","trigger_name":"receipt","channel":"inbox","topics":["orders"],"content":{
		"title":"Your receipt","body_html":"<p>Thanks. <a href=\"#receipt\">View receipt</a></p>"}}`)
	receipt := s.sendInbox(t, `{"transactional_message_id":"receipt","identifiers":{"id":"user_123"}}`)
	order := s.sendOrder(t, "B-1")
	openInboxPage(t, ctx, s, "/body/", inboxPage("en", ` data-inbox="floating"`, `<roost-inbox></roost-inbox>`))
	browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 2 unread"`)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("roost-inbox").length`))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "data-inbox adds no second inbox to a page that has one")
	browsertest.ClickInbox(t, ctx, ".bell", 0)
	browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 2`)

	browsertest.ClickInbox(t, ctx, "p.body", 0) // the order's text
	s.waitDelivery(t, order, "opened", true)
	browsertest.ClickInbox(t, ctx, ".body a", 0)
	s.waitDelivery(t, receipt, "opened", true)
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual([]any{"link"}, s.delivery(t, receipt)["clicks"]) }, 10*time.Second, 20*time.Millisecond,
		"the server has the click on the body's link")
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`location.hash === "#receipt"`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the link is followed")

	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("roost-inbox").hidden = true, true`))
	require.NoError(t, err)
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("roost-inbox").getBoundingClientRect().width`))
	require.NoError(t, err)
	assert.Zero(t, width, "a hidden element shows nothing")
}
