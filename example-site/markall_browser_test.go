package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMarkAllOpened: inbox.markAllOpened() on the headless example's view
// of 100 unread messages opens every one, in the page at once and on the
// server once the events are sent. How long it took to resolve, and until
// the server had them all, is logged: a measurement, not a limit.
func TestMarkAllOpened(t *testing.T) {
	const n = 100
	ctx := newBrowser(t)
	s := startSite(t)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = s.sendOrder(t, fmt.Sprintf("ORD-%03d", i))
	}
	openShop(t, ctx, s.URL+headlessPage, n)
	unopened, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.shopInbox.totalUnopened()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, n, unopened)

	events := func(r clientRequest) bool { return r.path == "/v1/client/events" && r.user == "user_123" }
	posts := s.count(events)
	start := time.Now()
	type result struct {
		Ms       float64
		Unopened int
		Opened   int // inbox:message-opened events heard
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[result](`(async () => {
		let opened = 0;
		const count = () => { opened++; };
		analytics.on("inbox:message-opened", count);
		const t0 = performance.now();
		await window.shopInbox.markAllOpened();
		const ms = performance.now() - t0;
		analytics.off("inbox:message-opened", count);
		return {Ms: ms, Unopened: await window.shopInbox.totalUnopened(), Opened: opened};
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 0, got.Unopened, "the view shows every message opened once markAllOpened resolved")
	assert.Equal(t, n, got.Opened, "inbox:message-opened once per message")

	left := map[string]bool{}
	for _, id := range ids {
		left[id] = true
	}
	require.Eventually(t, func() bool {
		for id := range left {
			if s.delivery(t, id)["opened"] != true {
				return false
			}
			delete(left, id)
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "the server has every delivery opened")
	t.Logf("markAllOpened() of %d messages resolved in %.0f ms; the server had them all opened after %v, in %d event posts",
		n, got.Ms, time.Since(start).Round(time.Millisecond), s.count(events)-posts)

	// Nothing is left to mark: it resolves with no op and no event.
	again, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
		let opened = 0;
		const count = () => { opened++; };
		analytics.on("inbox:message-opened", count);
		await window.shopInbox.markAllOpened();
		analytics.off("inbox:message-opened", count);
		return opened;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Zero(t, again)
}
