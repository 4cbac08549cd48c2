package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	welcomeSend     = `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"},"message_data":{"discount":"15%"}}`
	maintenanceSend = `{"transactional_message_id":"maintenance_notice","identifiers":{"id":"user_123"},"message_data":{"date":"June 1","start":"02:00","end":"03:00"}}`
)

// inAppOffPage is the shop's page with data-in-app="off" on Roost's script
// tag: the presenter does not show in-app messages there.
const inAppOffPage = "/in-app-off/"

// serveInAppOff answers inAppOffPage: the shop's index.html with the opt-out.
func (s *testSite) serveInAppOff(t *testing.T, w http.ResponseWriter) {
	page, err := static.ReadFile("static/index.html")
	if !assert.NoError(t, err) {
		return
	}
	const tag = `<script src="/roost/roost.js" data-site-id="example">`
	if !assert.Contains(t, string(page), tag) {
		return
	}
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(strings.Replace(string(page), tag, `<script src="/roost/roost.js" data-site-id="example" data-in-app="off">`, 1)))
}

// recordInApp makes the page in ctx record the in-app messages shown in it
// (window.__shown, from in-app:message-opened) and waits until the runtime
// has taken in the page's identity and handlers: the view opened last answers
// after the ops before it. With pageShows, the page shows them itself (it
// listens for in-app-message); without, Roost's presenter does.
func recordInApp(t *testing.T, ctx context.Context, pageShows bool) {
	t.Helper()
	js := `window.shopSession.then(() => {
		window.__shown = [];
		window.__given = [];
		analytics.on("in-app:message-opened", m => window.__shown.push(m.deliveryId));
		if (` + strconv.FormatBool(pageShows) + `) analytics.on("in-app-message", m => window.__given.push(m.deliveryId));
		return analytics.inbox().total();
	}).then(() => true)`
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.True(t, ok)
}

// presentedJS lists the delivery ids of the messages Roost's presenter shows on the page.
const presentedJS = `[...document.querySelectorAll("roost-inapp")].flatMap(h => [...h.shadowRoot.querySelectorAll(".message")].map(m => m.dataset.deliveryId))`

// shownIn returns the in-app messages shown in the page in ctx (by the
// presenter or the page) and those the presenter shows now.
func shownIn(t *testing.T, ctx context.Context) (shown, presented []string) {
	t.Helper()
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__shown || []`))
	require.NoError(t, err)
	presented, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](presentedJS))
	require.NoError(t, err)
	return shown, presented
}

// sendInApp sends an in-app message and returns its delivery id.
func (s *testSite) sendInApp(t *testing.T, body string) string {
	t.Helper()
	return s.send(t, "/v1/send/in_app", body)
}

// waitMorePolls waits until user_123's runtime has polled n more times.
func (s *testSite) waitMorePolls(t *testing.T, n int) {
	t.Helper()
	polls := func(r clientRequest) bool {
		return r.path == "/v1/client/poll" && r.user == "user_123" && r.status != statusDropped && r.status < 400
	}
	target := s.count(polls) + n
	require.Eventually(t, func() bool { return s.count(polls) >= target }, 20*time.Second, 10*time.Millisecond)
}

func (s *testSite) delivery(t *testing.T, id string) map[string]any {
	t.Helper()
	status, body := s.api(t, "GET", "/v1/deliveries/"+id, "test-key", "")
	require.Equal(t, http.StatusOK, status, body)
	return body
}

// TestInAppShownOnceAcrossTabsAndReloads: of two visible tabs, exactly one
// shows an in-app message (Roost's presenter does), and neither shows it
// again after a reload.
func TestInAppShownOnceAcrossTabsAndReloads(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/")))
	tab2, cancelTab2 := chromedp.NewContext(ctx)
	defer cancelTab2()
	require.NoError(t, chromedp.Do(tab2, chromedp.Navigate(s.URL+"/")))
	tabs := []context.Context{ctx, tab2}
	for _, tab := range tabs {
		visible, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.visibilityState`))
		require.NoError(t, err)
		require.Equal(t, "visible", visible, "both tabs are visible")
		recordInApp(t, tab, false)
	}

	welcome := s.sendInApp(t, welcomeSend)
	total := func() (int, int) {
		shown, showing := 0, -1
		for i, tab := range tabs {
			given, _ := shownIn(t, tab)
			shown += len(given)
			if len(given) > 0 {
				showing = i
			}
		}
		return shown, showing
	}
	require.Eventually(t, func() bool { n, _ := total(); return n > 0 }, 20*time.Second, 20*time.Millisecond)
	s.waitMorePolls(t, 5) // the runtime had every chance to give it to the other tab too
	n, showing := total()
	assert.Equal(t, 1, n, "exactly one tab was given the message")
	shown, presented := shownIn(t, tabs[showing])
	assert.Equal(t, []string{welcome}, shown)
	assert.Equal(t, []string{welcome}, presented, "Roost's presenter shows it")
	title, err := chromedp.Run(tabs[showing], chromedp.Evaluate[string](`document.querySelector("roost-inapp").shadowRoot.querySelector(".title").textContent`))
	require.NoError(t, err)
	assert.Equal(t, "Welcome, Ada!", title)
	assert.Equal(t, true, s.delivery(t, welcome)["delivered"], "the runtime claimed it")

	// Both tabs reload: the message is not shown again. A later message is,
	// in one tab: the runtime had its chance.
	for _, tab := range tabs {
		require.NoError(t, chromedp.Do(tab, chromedp.Reload()))
		recordInApp(t, tab, false)
	}
	maintenance := s.sendInApp(t, maintenanceSend)
	require.Eventually(t, func() bool { n, _ := total(); return n > 0 }, 20*time.Second, 20*time.Millisecond)
	s.waitMorePolls(t, 3)
	n, showing = total()
	assert.Equal(t, 1, n)
	for i, tab := range tabs {
		shown, presented := shownIn(t, tab)
		if i == showing {
			assert.Equal(t, []string{maintenance}, shown)
			assert.Equal(t, []string{maintenance}, presented)
		} else {
			assert.Empty(t, shown)
			assert.Empty(t, presented)
		}
	}

	// Its close button dismisses it.
	_, err = chromedp.Run(tabs[showing], chromedp.Evaluate[bool](`document.querySelector("roost-inapp").shadowRoot.querySelector(".close").click(), true`))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.delivery(t, maintenance)["dismissed"] == true }, 10*time.Second, 20*time.Millisecond)
	left, err := chromedp.Run(tabs[showing], chromedp.Evaluate[int](`document.querySelectorAll("roost-inapp").length`))
	require.NoError(t, err)
	assert.Zero(t, left)
}

// TestInAppWaitsUntilVisible: a message sent while the page is hidden shows
// when it becomes visible, not before, though the runtime has it (another
// tab of the person, visible but opted out of in-app messages with
// data-in-app="off", keeps polling). The page listens for in-app-message, so
// it shows the message itself, and Roost's presenter is not even loaded.
func TestInAppWaitsUntilVisible(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/")))
	recordInApp(t, ctx, true)
	tab2, cancelTab2 := chromedp.NewContext(ctx)
	defer cancelTab2()
	require.NoError(t, chromedp.Do(tab2, chromedp.Navigate(s.URL+inAppOffPage)))
	recordInApp(t, tab2, false)

	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		Object.defineProperty(document, "visibilityState", {get: () => "hidden", configurable: true});
		document.dispatchEvent(new Event("visibilitychange"));
		return analytics.inbox().total().then(() => true);
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.True(t, hidden)

	welcome := s.sendInApp(t, welcomeSend)
	s.waitMorePolls(t, 4) // the polls after the send list the message
	shown, presented := shownIn(t, ctx)
	assert.Empty(t, shown, "not shown while hidden")
	assert.Empty(t, presented)
	shown, presented = shownIn(t, tab2)
	assert.Empty(t, shown, "the tab that opted out is not given it")
	assert.Empty(t, presented)
	assert.Equal(t, false, s.delivery(t, welcome)["delivered"], "not even claimed")

	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`delete document.visibilityState,
		document.dispatchEvent(new Event("visibilitychange")), document.visibilityState === "visible"`))
	require.NoError(t, err)
	got, err := chromedp.Run(ctx, chromedp.Poll[[]string](`window.__shown.length > 0 && window.__shown`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, []string{welcome}, got)
	given, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__given`))
	require.NoError(t, err)
	assert.Equal(t, []string{welcome}, given, "the page's own in-app-message listener got it")
	_, presented = shownIn(t, ctx)
	assert.Empty(t, presented, "the page shows it, not the presenter")
	shown, presented = shownIn(t, tab2)
	assert.Empty(t, shown)
	assert.Empty(t, presented)
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(t, s.assets["/roost/roost-inapp.js"], "the presenter is loaded only when it is to show a message")
	assert.Empty(t, s.assets["/roost/roost-inapp.css"])
}
