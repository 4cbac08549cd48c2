package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The runtime without SharedWorker (Chrome on Android, older Safari): each tab
// runs its own dedicated Worker, and the tabs share one poller per person
// through Web Locks and a BroadcastChannel. These tests take SharedWorker away
// from every page before its scripts run, which sends the shim down that path.

// noSharedWorker is the page script that makes a tab a browser without SharedWorker.
const noSharedWorker = `delete window.SharedWorker`

// openDedicatedTab opens url in a new tab without SharedWorker;
// its runtime starts after the page's load event.
func openDedicatedTab(t *testing.T, browser context.Context, url string) (context.Context, context.CancelFunc) {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: noSharedWorker})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(url)))
	dedicated, err := chromedp.Run(tab, chromedp.Evaluate[bool](`typeof SharedWorker === "undefined"`))
	require.NoError(t, err)
	require.True(t, dedicated, "the tab has no SharedWorker")
	return tab, cancel
}

// waitForMessages waits until the tab's analytics.inbox() holds n messages.
func waitForMessages(t *testing.T, tab context.Context, n int) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Poll[bool](`!!window.shopInbox && window.shopInbox.messages().then(ms => ms.length === `+strconv.Itoa(n)+`)`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the tab shows %d messages", n)
}

// pollRate waits for the next 15 polls and returns how many came a second.
func (s *testSite) pollRate(t *testing.T) float64 {
	t.Helper()
	isPoll := func(r clientRequest) bool { return r.path == "/v1/client/poll" }
	start, from := time.Now(), s.count(isPoll)
	require.Eventually(t, func() bool { return s.count(isPoll) >= from+15 }, 20*time.Second, 5*time.Millisecond)
	return 15 / time.Since(start).Seconds()
}

// polls returns the times of the answered polls.
func (s *testSite) polls() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, r := range s.requests {
		if r.path == "/v1/client/poll" {
			out = append(out, r.at)
		}
	}
	return out
}

func TestDedicatedWorkerTabsShareOnePoller(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t)
	send := func() {
		t.Helper()
		s.sendInbox(t, seedSend)
	}
	// A queued message keeps the server's hint at the active tier (150 ms).
	send()

	// One tab alone: it holds the lock and polls.
	leader, closeLeader := openDedicatedTab(t, browser, s.URL+headlessPage)
	defer closeLeader()
	waitForMessages(t, leader, 1)
	oneTab := s.pollRate(t)

	// Four more tabs: they show the leader's last answer and poll nothing themselves.
	tabs := []context.Context{leader}
	for range 4 {
		tab, cancel := openDedicatedTab(t, browser, s.URL+headlessPage)
		defer cancel()
		tabs = append(tabs, tab)
	}
	for _, tab := range tabs[1:] {
		waitForMessages(t, tab, 1)
	}
	fiveTabs := s.pollRate(t)
	t.Logf("polls a second: one tab %.1f, five tabs %.1f", oneTab, fiveTabs)
	assert.Less(t, fiveTabs, 1.5*oneTab, "five tabs poll at about one tab's rate")

	// A new message reaches all five.
	send()
	for _, tab := range tabs {
		waitForMessages(t, tab, 2)
	}

	// The leader's tab closes: another takes over within one interval, and
	// the four left get the next message.
	closing := time.Now()
	closeLeader()
	closed := time.Now()
	var next time.Time // the first poll after the tab closed
	require.Eventually(t, func() bool {
		for _, at := range s.polls() {
			if at.After(closed) {
				next = at
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond, "polls go on")
	t.Logf("takeover: the tab took %v to close; the next poll came %v after", closed.Sub(closing), next.Sub(closed))
	// The test's interval is 150 ms, and on an idle machine the takeover
	// takes 25-80 ms; a busy one (other Chromiums on two cores) can take the
	// browser itself 300 ms to close a tab and pass its lock on. A takeover
	// that waited for a presence round (5 s) fails; client's
	// TestLeaderGoneFollowerPollsAtOnce pins "at once" without a browser.
	assert.Less(t, next.Sub(closed), time.Second, "another tab polls at once")
	send()
	for _, tab := range tabs[1:] {
		waitForMessages(t, tab, 3)
	}
	afterTakeover := s.pollRate(t)
	t.Logf("polls a second after the takeover, four tabs: %.1f", afterTakeover)
	assert.Less(t, afterTakeover, 1.5*oneTab, "still one poller")
}
