package assets_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/assets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFrameModeInbox: a page on another origin than the Roost server's
// embeds the runtime with one script tag and nothing else; a message sent
// through the send API shows in its inbox, and its markOpened reaches the
// server. The page's strict policy (no connect-src, no worker-src, no
// 'wasm-unsafe-eval') is never broken.
func TestFrameModeInbox(t *testing.T) {
	rs, sh := startFramed(t)
	browser := browsertest.NewBrowser(t)

	tab := openTab(t, browser, sh.URL+"/")
	id := rs.sendInbox(t, "ORD-5678")
	waitShown(t, tab, id)
	title, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("#inbox li").textContent`))
	require.NoError(t, err)
	assert.Equal(t, "Order #ORD-5678 has shipped!", title)

	unopened, err := chromedp.Run(tab, chromedp.Evaluate[int](
		`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => window.shopInbox.totalUnopened())`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 0, unopened)
	waitShown(t, tab, id+"+")
	require.Eventually(t, func() bool { return rs.delivery(t, id)["opened"] == true }, 10*time.Second, 20*time.Millisecond,
		"the server records the open")

	// The frame: hidden and inert, with no inline style; the page itself holds no Roost lock.
	frame, err := chromedp.Run(tab, chromedp.Evaluate[map[string]any](`(() => {
		const f = document.querySelector("iframe");
		return {count: document.querySelectorAll("iframe").length, src: f.src, hidden: f.hidden, aria: f.getAttribute("aria-hidden"),
			tabIndex: f.tabIndex, title: f.title, style: f.hasAttribute("style"), display: getComputedStyle(f).display};
	})()`))
	require.NoError(t, err)
	assert.Equal(t, float64(1), frame["count"])
	assert.True(t, strings.HasPrefix(frame["src"].(string), rs.URL+"/roost/roost-frame.html?site=example&v="), frame["src"])
	assert.Equal(t, true, frame["hidden"])
	assert.Equal(t, "true", frame["aria"])
	assert.Equal(t, float64(-1), frame["tabIndex"])
	assert.NotEmpty(t, frame["title"])
	assert.Equal(t, false, frame["style"])
	assert.Equal(t, "none", frame["display"])
	pageLocks, err := chromedp.Run(tab, chromedp.Evaluate[int](`navigator.locks.query().then(s => s.held.length + s.pending.length)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Zero(t, pageLocks, "the page's own partition holds no lock: the frame holds the tab's")
	frames := targets(t, tab, "iframe", rs.URL+"/roost/roost-frame.html")
	require.Len(t, frames, 1, "the frame runs in a process of its own")
	inFrame, cancel := chromedp.NewContext(browser, chromedp.WithTargetID(frames[0].TargetID))
	defer cancel()
	frameLocks, err := chromedp.Run(inFrame, chromedp.Evaluate[map[string][]string](`navigator.locks.query().then(s => ({
		held: s.held.map(l => l.name.replace(/-[0-9a-f-]+$/, "")).sort(), pending: s.pending.map(l => l.name.replace(/-[0-9a-f-]+$/, "")).sort()}))`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"held": {"roost-tab", "roost-worker"}, "pending": {"roost-tab", "roost-worker"}}, frameLocks,
		"in the frame's partition: the frame holds the tab's lock and the runtime waits for it; the worker holds its own and the frame waits for it")

	signature := server.SignIdentity(siteSecret, user)
	assert.Positive(t, rs.count(func(r clientRequest) bool { return true }))
	assert.Zero(t, rs.count(func(r clientRequest) bool { return r.user != user || r.signature != signature || r.status >= 400 }),
		"every poll and event post is user_123's, signed, and accepted")
	events, err := chromedp.Run(tab, chromedp.Evaluate[[]map[string]any](`window.__events`))
	require.NoError(t, err)
	assert.Empty(t, events, "no error event")
}

// TestFrameModeInApp: the presenter shows an in-app message in frame mode,
// with its script and stylesheet from the Roost server, and the person's
// click on its action dismisses it at the server.
func TestFrameModeInApp(t *testing.T) {
	rs, sh := startFramed(t)
	browser := browsertest.NewBrowser(t)
	tab := openTab(t, browser, sh.URL+"/")
	_, err := chromedp.Run(tab, chromedp.Evaluate[int](`window.shopInbox.total()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "the runtime answers")

	out := rs.api(t, "POST", "/v1/send/in_app", `{"transactional_message_id":"welcome","identifiers":{"id":"`+user+`"},"message_data":{"name":"Ada"}}`, http.StatusOK)
	id := out["delivery_id"].(string)
	shown, err := chromedp.Run(tab, chromedp.Poll[map[string]string](`(() => {
		const host = document.querySelector("roost-inapp");
		const title = host && host.shadowRoot.querySelector(".title");
		const sheet = host && host.shadowRoot.querySelector("link[rel=stylesheet]");
		return !!title && title.checkVisibility() && {title: title.textContent, sheet: sheet.href,
			id: host.shadowRoot.querySelector(".message").dataset.deliveryId, layout: host.dataset.layout};
	})()`, chromedp.WithPollingTimeout(15*time.Second)))
	require.NoError(t, err, "the presenter shows the message")
	assert.Equal(t, "Welcome, Ada!", shown["title"])
	assert.Equal(t, id, shown["id"])
	assert.Equal(t, "modal", shown["layout"])
	assert.True(t, strings.HasPrefix(shown["sheet"], rs.URL+"/roost/roost-inapp.css?v="), shown["sheet"])
	require.Eventually(t, func() bool { return rs.delivery(t, id)["delivered"] == true }, 10*time.Second, 20*time.Millisecond,
		"the runtime claimed it")

	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector("roost-inapp").shadowRoot.querySelector(".action").click(), true`))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return rs.delivery(t, id)["dismissed"] == true }, 10*time.Second, 20*time.Millisecond,
		"the server has it dismissed")
	assert.Equal(t, []any{"later"}, rs.delivery(t, id)["clicks"])
	_, err = chromedp.Run(tab, chromedp.Poll[bool](`document.querySelectorAll("roost-inapp").length === 0`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the message is gone from the page")
}

// TestFrameModeTwoTabsPollLikeOne: two tabs of the page share one runtime
// (the frames' SharedWorker, in the storage partition of the page's site),
// so they make the polls of one.
func TestFrameModeTwoTabsPollLikeOne(t *testing.T) {
	const active = 200 * time.Millisecond
	const window = 2 * time.Second
	rs, sh := startFramed(t, withTiers(active, 4*active, 8*active))
	browser := browsertest.NewBrowser(t)
	id := rs.sendInbox(t, "ORD-1") // a queued message keeps the active tier

	one := openTab(t, browser, sh.URL+"/")
	waitShown(t, one, id)
	alone := rs.pollsDuring(t, window)
	two := openTab(t, browser, sh.URL+"/other")
	waitShown(t, two, id)
	for _, tab := range []context.Context{one, two} {
		state, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.visibilityState`))
		require.NoError(t, err)
		require.Equal(t, "visible", state)
	}
	both := rs.pollsDuring(t, window)
	t.Logf("polls in %v: one tab %d, two tabs %d (active tier %v)", window, alone, both, active)
	assert.GreaterOrEqual(t, alone, int(window/active)/2, "one tab polls at about the active tier")
	assert.LessOrEqual(t, both, alone+alone/3+1, "two tabs poll like one")
	workers := rs.asked("/roost/roost-worker.js")
	assert.Len(t, workers, 1, "one worker started for both tabs")

	// A mark in one tab shows in the other.
	_, err := chromedp.Run(two, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	waitShown(t, one, id+"+")
}

// pollsDuring counts the polls in a window of d that starts at the next poll.
func (rs *roostServer) pollsDuring(t *testing.T, d time.Duration) int {
	t.Helper()
	var from time.Time
	start := time.Now()
	require.Eventually(t, func() bool {
		at := rs.polls(start)
		if len(at) > 0 {
			from = at[0]
		}
		return len(at) > 0
	}, 10*time.Second, 5*time.Millisecond, "a poll comes")
	from = from.Add(-time.Millisecond)
	require.Eventually(t, func() bool { return time.Since(from) >= d }, 2*d, 5*time.Millisecond)
	return len(rs.polls(from)) - len(rs.polls(from.Add(d)))
}

// TestDataEndpointMode: a site that serves the runtime's files from its own
// origin (this package, with Options.Endpoint) and names the Roost server in
// data-endpoint runs the runtime directly in its own SharedWorker, no
// frame; its page needs no connect-src and no 'wasm-unsafe-eval': the worker
// runs under the policy its script is served with.
func TestDataEndpointMode(t *testing.T) {
	sh := reserveShop(t)
	rs := startRoost(t, []string{sh.URL})
	browser := browsertest.NewBrowser(t)
	files, err := assets.New(os.DirFS(browsertest.Runtime(t)), assets.Options{Endpoint: rs.URL})
	require.NoError(t, err)
	const pagePolicy = "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; report-uri /csp-report"
	sh.open(t, "/roost/roost.js", pagePolicy, files, `data-site-id="`+siteID+`"`, `data-endpoint="`+rs.URL+`"`)
	id := rs.sendInbox(t, "ORD-1")
	tab := openTab(t, browser, sh.URL+"/")
	waitShown(t, tab, id)
	frames, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("iframe").length`))
	require.NoError(t, err)
	assert.Zero(t, frames, "direct mode: no frame")
	workers := targets(t, tab, "shared_worker", "roost-worker.js")
	require.Len(t, workers, 1)
	assert.True(t, strings.HasPrefix(workers[0].URL, sh.URL+"/roost/roost-worker.js?v="), "the site's own worker: %s", workers[0].URL)
	assert.Empty(t, rs.asked("/roost/roost.js"), "the Roost server serves no file")
	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return rs.delivery(t, id)["opened"] == true }, 10*time.Second, 20*time.Millisecond,
		"the server records the open")
}

// TestDirectModeOnTheServersOrigin: a page on the Roost server's own origin
// runs the runtime in its own SharedWorker, as before, under a policy with
// no connect-src and no 'wasm-unsafe-eval' (the worker has its own).
func TestDirectModeOnTheServersOrigin(t *testing.T) {
	rs := startRoost(t, nil)
	browser := browsertest.NewBrowser(t)
	id := rs.sendInbox(t, "ORD-1")
	tab := openTab(t, browser, rs.own.URL+"/")
	waitShown(t, tab, id)
	frames, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("iframe").length`))
	require.NoError(t, err)
	assert.Zero(t, frames, "direct mode: no frame")
	assert.Empty(t, rs.asked("/roost/roost-frame.js"))
	assert.Len(t, targets(t, tab, "shared_worker", rs.URL+"/roost/roost-worker.js?v="), 1)
}
