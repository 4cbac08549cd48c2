package assets_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFrameModeRevivesADeadWorker: the runtime's SharedWorker dies (the
// test ends it through DevTools, as a crash of its process would). The
// tabs' frames notice (the browser grants them the worker's Web Lock),
// start one new worker between them, and tell their pages, which tell it
// their state again: their views keep updating, marks reach the server.
func TestFrameModeRevivesADeadWorker(t *testing.T) {
	rs, sh := startFramed(t)
	browser := browsertest.NewBrowser(t)
	a := openTab(t, browser, sh.URL+"/")
	b := openTab(t, browser, sh.URL+"/other")
	for _, tab := range []context.Context{a, b} {
		_, err := chromedp.Run(tab, chromedp.Evaluate[int](`window.shopInbox.total()`, chromedp.EvalAwaitPromise))
		require.NoError(t, err, "the runtime answers")
	}
	_, err := chromedp.Run(b, chromedp.Evaluate[bool](`window.__sizes = [], window.shopInbox.onUpdates(ms => window.__sizes.push(ms.length)), true`))
	require.NoError(t, err)
	workers := targets(t, a, "shared_worker", "roost-worker.js")
	require.Len(t, workers, 1, "one worker serves both tabs")

	killed := time.Now()
	_, err = chromedp.CallBrowser(a, target.CloseTarget, target.CloseTargetParams{TargetID: workers[0].TargetID})
	require.NoError(t, err)
	var revived []*target.Info
	require.Eventually(t, func() bool {
		revived = targets(t, a, "shared_worker", "roost-worker.js")
		return len(revived) > 0 && revived[0].TargetID != workers[0].TargetID
	}, 10*time.Second, 10*time.Millisecond, "a new worker runs")
	polled := rs.polls(killed)
	require.Eventually(t, func() bool { polled = rs.polls(killed); return len(polled) > 0 }, 10*time.Second, 10*time.Millisecond,
		"the new worker polls")
	t.Logf("the new worker polled %v after the old one was ended", polled[0].Sub(killed).Round(time.Millisecond))

	id := rs.sendInbox(t, "ORD-1")
	waitShown(t, a, id)
	waitShown(t, b, id)
	_, err = chromedp.Run(b, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	waitShown(t, a, id+"+")
	require.Eventually(t, func() bool { return rs.delivery(t, id)["opened"] == true }, 10*time.Second, 20*time.Millisecond,
		"the server records the open")
	assert.Len(t, targets(t, a, "shared_worker", "roost-worker.js"), 1, "the two frames started one new worker between them")
	sizes, err := chromedp.Run(b, chromedp.Evaluate[[]int](`window.__sizes`))
	require.NoError(t, err)
	assert.NotContains(t, sizes, 0, "the view never went blank while the new worker started")
}

// setVisible makes the page's document visible or hidden as far as its
// scripts can tell, and tells them with a visibilitychange event.
func setVisible(t *testing.T, tab context.Context, visible bool) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => {
		window.__visibility = `+strconv.Quote(map[bool]string{true: "visible", false: "hidden"}[visible])+`;
		Object.defineProperty(document, "visibilityState", {configurable: true, get: () => window.__visibility});
		Object.defineProperty(document, "hidden", {configurable: true, get: () => window.__visibility === "hidden"});
		document.dispatchEvent(new Event("visibilitychange"));
		return true;
	})()`))
	require.NoError(t, err)
}

// TestFrameModeCrashedTabStopsCountingAsVisible: a tab that crashes says no
// bye itself; its frame goes with it (and the tab's lock the frame held), so
// the other tab, hidden, does not keep the runtime polling, and is served
// again once shown.
func TestFrameModeCrashedTabStopsCountingAsVisible(t *testing.T) {
	const active = 200 * time.Millisecond
	rs, sh := startFramed(t, withTiers(active, 4*active, 8*active))
	browser := browsertest.NewBrowser(t)
	id := rs.sendInbox(t, "ORD-1")
	a := openTab(t, browser, sh.URL+"/")
	waitShown(t, a, id)
	b := openTab(t, browser, sh.URL+"/other")
	waitShown(t, b, id)
	setVisible(t, a, false)
	require.Eventually(t, func() bool { return len(rs.polls(time.Now().Add(-2*active))) > 0 }, 5*time.Second, 10*time.Millisecond,
		"the visible tab keeps the runtime polling")

	crashCtx, cancel := context.WithTimeout(b, 2*time.Second)
	defer cancel()
	_, _ = chromedp.Call(crashCtx, page.Crash, cdp.Empty{}) // no answer comes from a dead tab
	crashed := time.Now()
	var quiet time.Time
	require.Eventually(t, func() bool {
		at := rs.polls(crashed)
		last := crashed
		if len(at) > 0 {
			last = at[len(at)-1]
		}
		quiet = last
		return time.Since(last) > 6*active
	}, 10*time.Second, 10*time.Millisecond, "the polls stop")
	t.Logf("the last poll came %v after the crash", quiet.Sub(crashed).Round(time.Millisecond))

	shown := time.Now()
	setVisible(t, a, true)
	require.Eventually(t, func() bool { return len(rs.polls(shown)) > 0 }, 5*time.Second, 5*time.Millisecond, "the shown tab polls")
	t.Logf("shown again, the tab polled %v later", rs.polls(shown)[0].Sub(shown).Round(time.Millisecond))
}
