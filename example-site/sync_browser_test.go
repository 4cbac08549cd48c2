package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The page API's state across tabs and page loads: a change shows in every
// open tab at once, and the person's attributes reach the templates.

// messageOpened returns a page expression: whether the tab's inbox shows
// delivery id with opened as want.
func messageOpened(id string, want bool) string {
	return `window.shopInbox.messages().then(ms => ms.some(m => m.deliveryId === ` + strconv.Quote(id) + ` && m.opened === ` + strconv.FormatBool(want) + `))`
}

// TestTabsShowAMarkWithoutTheServer: a mark made in one tab shows in the
// other while the events endpoint is down, so it cannot have come back
// through the server: with SharedWorker the tabs share one runtime; without
// it each has its own, and the runtimes tell each other.
func TestTabsShowAMarkWithoutTheServer(t *testing.T) {
	for _, mode := range []string{"SharedWorker", "dedicated"} {
		t.Run(mode, func(t *testing.T) {
			browser := newBrowser(t)
			s := startSite(t)
			first := s.sendInbox(t, seedSend)
			second := s.sendInbox(t, replySend)
			open := func() context.Context {
				if mode == "dedicated" {
					tab, cancel := openDedicatedTab(t, browser, s.URL+headlessPage)
					t.Cleanup(cancel)
					return tab
				}
				tab, cancel := chromedp.NewContext(browser)
				t.Cleanup(cancel)
				require.NoError(t, chromedp.Do(tab, chromedp.Navigate(s.URL+headlessPage)))
				return tab
			}
			tab1 := open()
			waitForMessages(t, tab1, 2)
			tab2 := open()
			waitForMessages(t, tab2, 2)
			s.eventsDown.Store(true)

			_, err := chromedp.Run(tab1, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms.find(m => m.deliveryId === `+strconv.Quote(first)+`).markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
			require.NoError(t, err)
			_, err = chromedp.Run(tab2, chromedp.Poll[bool](messageOpened(first, true), chromedp.WithPollingTimeout(10*time.Second)))
			require.NoError(t, err, "the other tab shows the message opened")

			_, err = chromedp.Run(tab2, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms.find(m => m.deliveryId === `+strconv.Quote(second)+`).markDeleted()).then(() => true)`, chromedp.EvalAwaitPromise))
			require.NoError(t, err)
			waitForMessages(t, tab1, 1)
			unread, err := chromedp.Run(tab1, chromedp.Evaluate[int](`window.shopInbox.totalUnopened()`, chromedp.EvalAwaitPromise))
			require.NoError(t, err)
			assert.Zero(t, unread)

			// The server had none of it: every event post so far failed.
			s.mu.Lock()
			for _, p := range s.eventPosts {
				assert.Equal(t, 503, p.status)
			}
			s.mu.Unlock()
		})
	}
}

// TestIdentifyAttributesReachTheTemplates: attributes the page gives
// analytics.identify are the person's on the server, and the inbox renders
// {{customer.first_name}} with them.
func TestIdentifyAttributesReachTheTemplates(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	order := s.sendInbox(t, seedSend)
	openPage(t, ctx, s)
	body := `window.shopInbox.messages().then(ms => (ms.find(m => m.deliveryId === ` + strconv.Quote(order) + `) || {properties: {}}).properties.body || "")`
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](body+`.then(b => b.startsWith("Hi Ada,"))`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the seed's first name")

	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.shopSession.then(s => { analytics.identify(s.user, {first_name: "Grace"}, {signature: s.signature}); return true; })`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](body+`.then(b => b.startsWith("Hi Grace,"))`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the page's first name, rendered")

	status, person := s.api(t, "GET", "/v1/people/user_123", "test-key", "")
	require.Equal(t, 200, status)
	attrs := person["attributes"].(map[string]any)
	assert.Equal(t, "Grace", attrs["first_name"])
	assert.Equal(t, "ada@example.com", attrs["email"], "the rest stays")
}

// TestUnmarkedMessageExpiresWithoutAPoll: an inbox message the page never
// marked leaves the inbox at its expiry, with no poll to say so; one the
// page marked (here markUnopened: shown, not opened) is delivered and stays.
func TestUnmarkedMessageExpiresWithoutAPoll(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t, withTiers(time.Minute, time.Minute, time.Minute)) // no poll of its own during the test
	const lifetime = 8 * time.Second
	s.shiftServerClock(-60*24*time.Hour + lifetime) // sent 60 days ago: they expire in 8 s
	expiring := s.sendInbox(t, seedSend)            // order_shipped: 60 days
	marked := s.sendInbox(t, strings.Replace(seedSend, "ORD-5678", "ORD-9999", 1))
	expiresAt := time.Now().Add(lifetime)
	s.shiftServerClock(0)
	openPage(t, ctx, s)
	waitForMessages(t, ctx, 2)

	has := func(id string) string {
		return `window.shopInbox.messages().then(ms => ms.some(m => m.deliveryId === ` + strconv.Quote(id) + `))`
	}
	expiry, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.shopInbox.messages().then(ms => ms.find(m => m.deliveryId === `+strconv.Quote(expiring)+`).expiresAt.getTime())`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.InDelta(t, float64(expiresAt.UnixMilli()), expiry, 2000, "the page sees when it expires")

	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms.find(m => m.deliveryId === `+strconv.Quote(marked)+`).markUnopened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		d := s.delivery(t, marked)
		return d["delivered"] == true
	}, 10*time.Second, 20*time.Millisecond, "the server took the mark as the delivery")
	markedExpiry, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms.find(m => m.deliveryId === `+strconv.Quote(marked)+`).expiresAt === undefined)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.True(t, markedExpiry, "a marked message shows no expiry")
	require.True(t, time.Now().Before(expiresAt), "the test got here before the expiry (a very slow machine)")

	// The acknowledged mark makes the runtime poll once: wait for that poll, then count.
	isPoll := func(r clientRequest) bool { return r.path == "/v1/client/poll" }
	var acked time.Time
	s.mu.Lock()
	for _, r := range s.requests {
		if r.path == "/v1/client/events" && r.status == 200 && acked.IsZero() {
			acked = r.at
		}
	}
	s.mu.Unlock()
	require.False(t, acked.IsZero())
	require.Eventually(t, func() bool {
		return s.count(func(r clientRequest) bool { return isPoll(r) && r.at.After(acked) && r.status != 0 }) > 0
	},
		10*time.Second, 10*time.Millisecond)
	polls := s.count(isPoll)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](has(expiring)+`.then(x => !x)`, chromedp.WithPollingTimeout(lifetime+5*time.Second)))
	require.NoError(t, err, "the unmarked message left the inbox")
	assert.GreaterOrEqual(t, time.Now().UnixMilli(), expiresAt.UnixMilli()-1000, "not before its expiry")
	assert.Equal(t, polls, s.count(isPoll), "without a poll")
	still, err := chromedp.Run(ctx, chromedp.Evaluate[bool](has(marked), chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.True(t, still, "the marked one stays")
}
