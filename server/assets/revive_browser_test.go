package assets_test

import (
	"context"
	"testing"
	"time"

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
