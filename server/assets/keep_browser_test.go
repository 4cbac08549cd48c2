package assets_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// targets returns the browser's targets of type typ ("shared_worker",
// "iframe", ...) whose URL contains part.
func targets(t *testing.T, ctx context.Context, typ, part string) []*target.Info {
	t.Helper()
	res, err := chromedp.CallBrowser(ctx, target.GetTargets, target.GetTargetsParams{Filter: target.Filter{{Type: typ}, {Exclude: true}}})
	require.NoError(t, err)
	var out []*target.Info
	for _, info := range res.TargetInfos {
		if strings.Contains(info.URL, part) {
			out = append(out, info)
		}
	}
	return out
}

// TestFrameModeKeepsInboxAndOutboxAcrossReloads: what the runtime keeps in
// the frame's storage (the partition of the page's site and the Roost
// server's origin) outlives the page: with the message server down, a mark
// made before a reload still shows after it, and after every tab closed (the
// SharedWorker gone) a new tab shows the kept inbox, with the mark, before
// any poll is answered. Once the server is back it gets the open, once.
func TestFrameModeKeepsInboxAndOutboxAcrossReloads(t *testing.T) {
	rs, sh := startFramed(t)
	browser := browsertest.NewBrowser(t)
	first := rs.sendInbox(t, "ORD-1")
	second := rs.sendInbox(t, "ORD-2")
	tab := openTab(t, browser, sh.URL+"/")
	waitShown(t, tab, second+","+first)

	rs.down.Store(true) // /v1/ gets no answer; the runtime's files are still served
	down := time.Now()
	_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms.find(m => m.deliveryId === "`+first+`").markOpened()).then(() => true)`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err, "markOpened resolves with the server down: its event is kept")
	want := second + "," + first + "+"
	waitShown(t, tab, want)
	require.Eventually(t, func() bool {
		return rs.count(func(r clientRequest) bool { return r.path == "/v1/client/events" && r.at.After(down) }) > 0
	}, 10*time.Second, 10*time.Millisecond, "the runtime tried to send the open")

	_, err = chromedp.Run(tab, chromedp.Reload())
	require.NoError(t, err)
	waitShown(t, tab, want)
	t.Logf("after the reload, the page shows its inbox with the mark, the server down")

	// Every tab closes: the SharedWorker goes with the last frame.
	other, cancelOther := chromedp.NewContext(browser)
	t.Cleanup(cancelOther)
	require.NoError(t, chromedp.Do(other)) // a blank tab keeps the browser open
	require.NoError(t, chromedp.Cancel(tab))
	require.Eventually(t, func() bool { return len(targets(t, other, "shared_worker", "roost-worker.js")) == 0 },
		10*time.Second, 20*time.Millisecond, "the runtime's SharedWorker ended with its last tab")
	reopened := openTab(t, browser, sh.URL+"/")
	waitShown(t, reopened, want)
	assert.Len(t, targets(t, reopened, "shared_worker", "roost-worker.js"), 1, "a new runtime")
	assert.Zero(t, rs.count(func(r clientRequest) bool { return r.path == "/v1/client/poll" && r.at.After(down) && r.status != 0 }),
		"no poll was answered since the server went down: the inbox came from storage")

	rs.down.Store(false)
	require.Eventually(t, func() bool { return rs.delivery(t, first)["opened"] == true }, 20*time.Second, 20*time.Millisecond,
		"the server gets the open made while it was down")
	openedAt := time.Unix(int64(rs.delivery(t, first)["opened_at"].(float64)), 0)
	assert.WithinDuration(t, down, openedAt, 3*time.Second, "opened when the page marked it")
	assert.Equal(t, false, rs.delivery(t, second)["opened"])
	waitShown(t, reopened, want)
}
