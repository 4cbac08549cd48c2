package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitOpened waits until the server has the delivery opened, and returns its opened_at.
func (s *testSite) waitOpened(t *testing.T, id string) any {
	t.Helper()
	var d map[string]any
	require.Eventually(t, func() bool { d = s.delivery(t, id); return d["opened"] == true }, 10*time.Second, 20*time.Millisecond,
		"the server has %s opened", id)
	require.NotNil(t, d["opened_at"])
	return d["opened_at"]
}

// TestInAppShownIsOpened: an in-app message the presenter shows is recorded
// as opened on the server, along with the action clicked on it and its
// dismissal; a persistent one shown again after a reload is opened once.
func TestInAppShownIsOpened(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t)
	tab := openTab(t, browser, s.URL+headlessPage, 0, pageWatch)

	id := s.sendContent(t, layoutContent("modal"))
	waitPresented(t, tab, id)
	s.waitOpened(t, id)
	clickPresented(t, tab, ".action.primary")
	waitGone(t, tab)
	assert.Equal(t, []any{"go-modal"}, s.waitDismissed(t, id))
	d := s.delivery(t, id)
	assert.Equal(t, []any{true, true, true}, []any{d["opened"], d["delivered"], d["dismissed"]}, "opened, delivered, dismissed")

	sticky := s.sendContent(t, `{"layout": "top", "persistent": true, "title": "Until you close it"}`)
	waitPresented(t, tab, sticky)
	at := s.waitOpened(t, sticky)
	openShop(t, tab, s.URL+headlessPage, 0)
	waitPresented(t, tab, sticky)
	clickPresented(t, tab, ".close")
	waitGone(t, tab)
	s.waitDismissed(t, sticky)
	assert.Equal(t, at, s.delivery(t, sticky)["opened_at"], "shown again, not opened again")
	_, ids := s.postsOf("opened", sticky)
	assert.Len(t, ids, 1, "one opened event: %v", ids)
}

// TestInAppShownByThePageIsOpened: a page that shows in-app messages itself
// (it listens for in-app-message) has them recorded as opened too.
func TestInAppShownByThePageIsOpened(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t)
	tab := openTab(t, browser, s.URL+headlessPage, 0)
	recordInApp(t, tab, true)
	_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`analytics.on("in-app-message", m => {
		window.__message = m;
	}), true`))
	require.NoError(t, err)

	welcome := s.sendInApp(t, welcomeSend)
	_, err = chromedp.Run(tab, chromedp.Poll[bool](`!!window.__message`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	s.waitOpened(t, welcome)
	done, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.__message.trackClick("shop").then(() => window.__message.dismiss()).then(() => true)`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.True(t, done)
	assert.Equal(t, []any{"shop"}, s.waitDismissed(t, welcome))
	assert.Equal(t, true, s.delivery(t, welcome)["opened"])
	_, presented := shownIn(t, tab)
	assert.Empty(t, presented, "the page showed it, not the presenter")
}
