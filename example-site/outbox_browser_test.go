package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postsOf returns the status of every events POST that carried an event of
// type typ for delivery id, with the ids they carried.
func (s *testSite) postsOf(typ, id string) (statuses []int, ids map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids = map[string]int{}
	for _, p := range s.eventPosts {
		for _, e := range p.events {
			if e.Type == typ && e.DeliveryID == id {
				statuses = append(statuses, p.status)
				ids[e.ID]++
			}
		}
	}
	return statuses, ids
}

// TestOpenedEventSurvivesAWorkerThatDies: with the events endpoint down, the
// page marks a message opened (the Promise resolves: the event is stored in
// IndexedDB); the tab crashes and takes the SharedWorker with it; a new tab
// starts a new worker, which sends the stored event once the endpoint is back.
// The server records the open once, with the event's first id and time.
func TestOpenedEventSurvivesAWorkerThatDies(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t)
	id := s.sendInbox(t, seedSend)

	a := openTab(t, browser, s.URL+headlessPage, 1)
	s.eventsDown.Store(true)
	markedAt := time.Now()
	unopened, err := chromedp.Run(a, chromedp.Evaluate[int](
		`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => window.shopInbox.totalUnopened())`, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "markOpened resolves with the endpoint down: the event is queued durably")
	assert.Equal(t, 0, unopened)
	require.Eventually(t, func() bool { statuses, _ := s.postsOf("opened", id); return len(statuses) > 0 },
		5*time.Second, 10*time.Millisecond, "the runtime tried to send it")
	assert.Equal(t, false, s.delivery(t, id)["opened"], "the server has not seen it")

	crash(a) // the tab's renderer dies, and the SharedWorker with it
	b := openTab(t, browser, s.URL+headlessPage, 1)
	assert.Equal(t, false, s.delivery(t, id)["opened"], "still down")
	s.eventsDown.Store(false)
	require.Eventually(t, func() bool { return s.delivery(t, id)["opened"] == true },
		10*time.Second, 20*time.Millisecond, "the new worker sends the stored open")

	statuses, ids := s.postsOf("opened", id)
	require.Len(t, ids, 1, "one opened event, with one id, whatever the attempts: %v", ids)
	ok := 0
	for _, st := range statuses {
		if st == http.StatusOK {
			ok++
		}
	}
	assert.Equal(t, 1, ok, "applied by one acknowledged post; the others were refused: %v", statuses)
	openedAt := time.Unix(int64(s.delivery(t, id)["opened_at"].(float64)), 0)
	assert.WithinDuration(t, markedAt, openedAt, 2*time.Second, "opened when the page marked it, not when it was sent")

	// B's view shows the message opened, from the server's own state.
	_, err = chromedp.Run(b, chromedp.Poll[bool](`window.shopInbox.totalUnopened().then(n => n === 0)`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
}
