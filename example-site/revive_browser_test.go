package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The SharedWorker that runs the runtime lives in a renderer process, in
// Chromium that of the tab that started it: when that tab crashes, the worker
// dies with it. The other tabs notice (the browser grants them the worker's
// Web Lock), start one new SharedWorker and tell it what they told the old one.

// openTab opens a new tab of the browser with url in it (headlessPage),
// showing n messages, once its runtime has answered.
func openTab(t *testing.T, browser context.Context, url string, n int, scripts ...string) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(tab)) // open the tab without a timeout first
	for _, src := range scripts {
		_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		require.NoError(t, err)
	}
	openShop(t, tab, url, n)
	waitForRuntime(t, tab)
	return tab
}

// waitForRuntime waits until the runtime has sent the page's inbox view a snapshot.
func waitForRuntime(t *testing.T, tab context.Context) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Evaluate[int](`window.shopInbox.total()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
}

// crash kills the tab's renderer process, and with it the SharedWorker it
// started; the tab's context must not be used again.
func crash(tab context.Context) {
	crashCtx, cancel := context.WithTimeout(tab, 2*time.Second)
	defer cancel()
	_, _ = chromedp.Call(crashCtx, page.Crash, cdp.Empty{}) // no answer comes from a dead tab
}

// workerLocks lists the Web Locks held by live runtime workers of the origin.
const workerLocks = `navigator.locks.query().then(s => s.held.map(l => l.name).filter(n => n.startsWith("roost-worker-")))`

// waitForWatchers waits until n tabs (or dedicated workers' tabs) wait for the
// Web Lock of their runtime's worker: each will notice when its worker dies.
func waitForWatchers(t *testing.T, tab context.Context, n int) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Poll[bool](`navigator.locks.query().then(s => s.pending.filter(l => l.name.startsWith("roost-worker-")).length === `+strconv.Itoa(n)+`)`,
		chromedp.WithPollingTimeout(5*time.Second), chromedp.WithPollingInterval(10*time.Millisecond)))
	require.NoError(t, err, "%d tabs watch their runtime's worker", n)
}

func heldWorkerLocks(t *testing.T, tab context.Context) []string {
	t.Helper()
	held, err := chromedp.Run(tab, chromedp.Evaluate[[]string](workerLocks, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	return held
}

// TestTabsReviveTheRuntimeWhenItsTabCrashes: tab A starts the SharedWorker,
// tabs B and C join it; A crashes and takes the worker with it. B and C start
// one new worker between them, which polls for them, and B's inbox view keeps
// updating, marks messages opened and counts them, as before.
func TestTabsReviveTheRuntimeWhenItsTabCrashes(t *testing.T) {
	const low = time.Second // no message queued: one poll a second, so the first poll after the crash is the new worker's
	browser := newBrowser(t)
	s := startSite(t, withTiers(200*time.Millisecond, low, low))

	a := openTab(t, browser, s.URL+headlessPage, 0)
	b := openTab(t, browser, s.URL+headlessPage, 0, noticeRevival)
	c := openTab(t, browser, s.URL+headlessPage, 0, noticeRevival)
	before := heldWorkerLocks(t, b)
	require.Len(t, before, 1, "one worker serves the three tabs")
	waitForWatchers(t, b, 3)
	setVisible(t, c, false)

	s.waitPolls(t, time.Now(), 1) // the next poll came: the one after it is a second away
	crashed := time.Now()
	crash(a)
	first := s.waitPolls(t, crashed, 1)[0]
	noticed, err := chromedp.Run(b, chromedp.Poll[float64](`window.__workerGoneAt`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
	t.Logf("B noticed the crash %v after it, the new worker polled %v after it",
		time.UnixMilli(int64(noticed)).Sub(crashed).Round(time.Millisecond), first.Sub(crashed).Round(time.Millisecond))
	assert.Less(t, first.Sub(crashed), 5*time.Second, "the new worker polls at once")

	after, err := chromedp.Run(c, chromedp.Poll[[]string](workerLocks+`.then(ls => ls.length > 0 && !ls.includes(`+strconv.Quote(before[0])+`) && ls)`,
		chromedp.WithPollingTimeout(5*time.Second), chromedp.WithPollingInterval(10*time.Millisecond)))
	require.NoError(t, err, "a new worker runs")
	assert.Len(t, after, 1, "the two tabs that noticed together share one new worker")

	// A message sent now reaches B's existing view, through the new worker.
	id := s.sendInbox(t, seedSend)
	got, err := chromedp.Run(b, chromedp.Poll[string](`window.shopInbox.messages().then(ms => ms.length === 1 && ms[0].deliveryId)`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "B's inbox view gets the new message")
	assert.Equal(t, id, got)
	badge, err := chromedp.Run(b, chromedp.Poll[string](`!document.getElementById("badge").hidden && document.getElementById("badge").textContent`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, "1", badge, "B's badge counts it")
	waitForMessages(t, c, 1)

	// B marks it opened: the server records it, and both tabs' counts drop.
	unopened, err := chromedp.Run(b, chromedp.Evaluate[int](
		`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => window.shopInbox.totalUnopened())`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 0, unopened)
	require.Eventually(t, func() bool {
		status, body := s.api(t, "GET", "/v1/deliveries/"+id, "test-key", "")
		return status == http.StatusOK && body["opened"] == true
	}, 5*time.Second, 20*time.Millisecond, "the server records B's open")
	for name, tab := range map[string]context.Context{"B": b, "C": c} {
		hidden, err := chromedp.Run(tab, chromedp.Poll[bool](`document.getElementById("badge").hidden`, chromedp.WithPollingTimeout(5*time.Second)))
		require.NoError(t, err)
		assert.True(t, hidden, "%s's badge is gone", name)
	}
	assert.Equal(t, after, heldWorkerLocks(t, b), "still the one new worker")

	// The new worker knows B's route, that it shows in-app messages, and that
	// C is hidden: an in-app message for B's page only shows in B.
	status, body := s.api(t, "POST", "/v1/transactional", "test-key",
		`{"name":"Headless tip","trigger_name":"headless_tip","channel":"in_app","content":{"title":"Tip","body":"Hi","page_rule":"`+headlessPage+`"}}`)
	require.Equal(t, http.StatusCreated, status, body)
	tip := s.sendInApp(t, `{"transactional_message_id":"headless_tip","identifiers":{"id":"user_123"}}`)
	shown, err := chromedp.Run(b, chromedp.Poll[[]string](presentedJS+`.length > 0 && `+presentedJS,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "B shows the in-app message")
	assert.Equal(t, []string{tip}, shown)
	_, presented := shownIn(t, c)
	assert.Empty(t, presented, "the hidden tab does not")

	// With B hidden too, the new worker stops polling.
	setVisible(t, b, false)
	s.quietFor(t, 3*low/4, 5*time.Second)
}

// noticeRevival is a page script that records when the browser told the
// page that its runtime's worker died (window.__workerGoneAt, unix ms).
const noticeRevival = `(() => {
	const locks = navigator.locks, request = locks.request.bind(locks);
	locks.request = function (name, ...rest) {
		const cb = rest.pop();
		if (!String(name).startsWith("roost-worker-")) return request(name, ...rest, cb);
		return request(name, ...rest, () => { window.__workerGoneAt = Date.now(); return cb(); });
	};
})()`

// holdBackRevival is a page script that lets the test choose when the page
// learns that its runtime's worker died: the page's callback for the
// worker's lock runs when the test calls window.__revive().
const holdBackRevival = `(() => {
	const locks = navigator.locks, request = locks.request.bind(locks);
	locks.request = function (name, ...rest) {
		const cb = rest.pop();
		if (!String(name).startsWith("roost-worker-")) return request(name, ...rest, cb);
		return request(name, ...rest, () => { window.__revive = () => cb(); });
	};
})()`

// TestCallToADeadRuntimeFails: a call the dead worker will never answer
// rejects when the tab starts the new one, and made again it works.
func TestCallToADeadRuntimeFails(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t)
	id := s.sendInbox(t, seedSend)

	a := openTab(t, browser, s.URL+headlessPage, 1)
	b := openTab(t, browser, s.URL+headlessPage, 1, holdBackRevival)
	waitForWatchers(t, b, 2)
	_, err := chromedp.Run(b, chromedp.Evaluate[bool](`window.__sizes = [], window.shopInbox.onUpdates(ms => window.__sizes.push(ms.length)), true`))
	require.NoError(t, err)
	crash(a)
	_, err = chromedp.Run(b, chromedp.Poll[bool](`typeof window.__revive === "function"`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the browser tells B that the worker is gone")

	// B marks the message opened before it has started a new worker: the call goes to the dead one.
	_, err = chromedp.Run(b, chromedp.Evaluate[bool](`(() => {
		window.__mark = window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => "answered", e => e.message);
		return true;
	})()`))
	require.NoError(t, err)
	outcome, err := chromedp.Run(b, chromedp.Evaluate[string](`window.__revive(), window.__mark`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(outcome, "roost: the runtime stopped"), "the call fails with a clear error, got %q", outcome)

	// Once the new worker has polled, the call made again works.
	_, err = chromedp.Run(b, chromedp.Poll[bool](`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => true, () => false)`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		status, body := s.api(t, "GET", "/v1/deliveries/"+id, "test-key", "")
		return status == http.StatusOK && body["opened"] == true
	}, 5*time.Second, 20*time.Millisecond, "the server records the open")
	unopened, err := chromedp.Run(b, chromedp.Evaluate[int](`window.shopInbox.totalUnopened()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 0, unopened)
	sizes, err := chromedp.Run(b, chromedp.Evaluate[[]int](`window.__sizes`))
	require.NoError(t, err)
	assert.NotContains(t, sizes, 0, "the view never went blank while the new worker started")
}

// keepWorkers is a page script that keeps every dedicated Worker the page
// starts in window.__workers, so the test can end one.
const keepWorkers = `(() => {
	const W = window.Worker;
	window.__workers = [];
	window.Worker = function (url, options) {
		const w = new W(url, options);
		window.__workers.push(w);
		return w;
	};
})()`

// TestDedicatedWorkerRevives: without SharedWorker, a tab whose own Worker
// ended starts a new one the same way, and is served as before.
func TestDedicatedWorkerRevives(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t)
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	for _, src := range []string{noSharedWorker, keepWorkers} {
		_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		require.NoError(t, err)
	}
	openShop(t, tab, s.URL+headlessPage, 0)
	waitForRuntime(t, tab)
	waitForWatchers(t, tab, 1)

	_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.__workers[0].terminate(), true`))
	require.NoError(t, err)
	n, err := chromedp.Run(tab, chromedp.Poll[int](`window.__workers.length > 1 && window.__workers.length`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the tab starts a new worker")
	assert.Equal(t, 2, n)

	id := s.sendInbox(t, seedSend)
	waitForMessages(t, tab, 1)
	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Eventually(t, func() bool { return s.delivery(t, id)["opened"] == true }, 5*time.Second, 20*time.Millisecond)
}
