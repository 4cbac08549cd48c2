package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/inbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The push channel (GET /v1/client/stream) in Chromium: a message reaches
// the page at once with no poll, the runtime falls back to polling when the
// stream fails (the server restarts, a proxy buffers it, the server has
// streaming off) with nothing lost or shown twice, and an in-app message is
// still shown once.

// streamHeartbeat is the stream's heartbeat in these tests: the runtime
// gives up on a silent stream after two of them, and closes it one after
// its last tab hides.
const streamHeartbeat = time.Second

// withStream has the server stream (GET /v1/client/stream) with heartbeat
// (0: the default, 15 s). Without it the test site's server has streaming
// off, and the runtime polls: most tests are of the poll path, which is
// also the stream's fallback.
func withStream(heartbeat time.Duration) siteOption {
	return func(o *options) { o.NoStreams, o.StreamHeartbeat = false, heartbeat }
}

// withStreamOff has the server answer the stream 204 (streaming off).
func withStreamOff() siteOption {
	return func(o *options) { o.NoStreams = true }
}

// slowTiers are poll tiers too slow to explain a message shown within
// a few seconds: only the stream can have brought it.
var slowTiers = withTiers(30*time.Second, 30*time.Second, 30*time.Second)

// pollsSince counts user_123's answered polls since from.
func (s *testSite) pollsSince(from time.Time) int {
	return s.count(func(r clientRequest) bool {
		return r.path == inbox.PathPoll && r.user == "user_123" && !r.at.Before(from)
	})
}

// logRequests logs every browser-side request the site answered: when,
// which, with what status (0: dropped). For a failing test's log.
func (s *testSite) logRequests(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		t.Logf("request %s %s %s: %d", r.at.Format("15:04:05.000"), r.path, r.user, r.status)
	}
}

// streamRequests counts the streams asked for so far (answered or open).
func (s *testSite) streamRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.started {
		if r.path == inbox.PathStream {
			n++
		}
	}
	return n
}

// streamsOpen returns how many streams the message server holds open.
func (s *testSite) streamsOpen() int {
	s.serverMu.RLock()
	defer s.serverMu.RUnlock()
	if s.live == nil {
		return 0
	}
	return s.live.svc.Server().StreamsOpen()
}

// waitStreams waits until the message server holds n streams open.
func (s *testSite) waitStreams(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return s.streamsOpen() == n }, 20*time.Second, 5*time.Millisecond,
		"%d streams open (now %d)", n, s.streamsOpen())
}

// listedIDs returns the delivery ids the headless page's list shows, in order.
func listedIDs(t *testing.T, ctx context.Context) []string {
	t.Helper()
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#inbox-list li")].map(li => li.dataset.deliveryId)`))
	require.NoError(t, err)
	return ids
}

// waitListed waits until the headless page's list shows id.
func waitListed(t *testing.T, ctx context.Context, id string, within time.Duration) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector(`+jsString(`#inbox-list li[data-delivery-id="`+id+`"]`)+`)`,
		chromedp.WithPollingTimeout(within)))
	require.NoError(t, err, "the page shows %s within %v", id, within)
}

// TestStreamDeliversAtOnceWithoutPolling: with poll tiers of 30 s, a message
// sent while the page is open shows within seconds, brought by the stream,
// and the runtime does not poll while the stream is up, across heartbeats.
func TestStreamDeliversAtOnceWithoutPolling(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t, slowTiers, withStream(streamHeartbeat))
	first := s.sendInbox(t, seedSend)
	start := time.Now()
	openShop(t, ctx, s.URL+headlessPage, 1)
	t.Logf("the page shows the first message after %v", time.Since(start).Round(time.Millisecond))
	s.waitStreams(t, 1)
	t.Logf("the stream is open after %v", time.Since(start).Round(time.Millisecond))
	from := time.Now()
	for i := range 3 {
		sent := time.Now()
		id := s.sendInbox(t, replySend)
		waitListed(t, ctx, id, 5*time.Second)
		t.Logf("message %d shown %v after its send", i+2, time.Since(sent).Round(time.Millisecond))
		assert.Len(t, listedIDs(t, ctx), i+2)
	}
	// Quiet for three heartbeats: the stream stays up on its heartbeats alone.
	for time.Since(from) < 3*streamHeartbeat+500*time.Millisecond {
		require.Equal(t, 1, s.streamsOpen(), "the stream stays open")
		time.Sleep(20 * time.Millisecond)
	}
	assert.Zero(t, s.pollsSince(from), "no poll while the stream is up")

	// A mark: the server takes the event, and the stream pushes the change;
	// still no poll.
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms.find(m => m.deliveryId === `+
		jsString(first)+`).markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	s.waitOpened(t, first)
	time.Sleep(streamHeartbeat) // a poll after the events were taken would come now
	assert.Zero(t, s.pollsSince(from), "no poll after a mark while the stream is up")
	assert.Equal(t, 1, s.streamRequests(), "one stream, opened before the sends, still the only one")
	assert.Contains(t, listedIDs(t, ctx), first)
}

// TestStreamKilledMidwayDeliveryGoesOnByPolling: a backend sends 16 messages
// one after another (retrying a refused send, as a backend does) while the
// message server stops in the middle and starts again. The page ends with
// the 16 messages, each once; then the runtime streams again and stops
// polling.
func TestStreamKilledMidwayDeliveryGoesOnByPolling(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t, withStream(streamHeartbeat))
	openShop(t, ctx, s.URL+headlessPage, 0)
	s.waitStreams(t, 1)

	var (
		mu   sync.Mutex
		sent []string
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 16 {
			body := strings.Replace(seedSend, "ORD-5678", fmt.Sprintf("ORD-%d", i), 1)
			for {
				status, answer := s.tryAPI("POST", "/v1/send/inbox_message", body)
				if status == 200 {
					mu.Lock()
					sent = append(sent, answer["delivery_id"].(string))
					mu.Unlock()
					break
				}
				time.Sleep(50 * time.Millisecond) // the server is down: a backend retries
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(sent) >= 6 }, 20*time.Second, 5*time.Millisecond)
	s.stopServer(t)
	stopped := time.Now()
	s.waitStreams(t, 0)
	require.Eventually(t, func() bool {
		return s.count(func(r clientRequest) bool { return r.path == inbox.PathPoll && r.at.After(stopped) }) > 0
	}, 2*streamHeartbeat, 5*time.Millisecond, "the runtime polls within a heartbeat of the stream's end")
	time.Sleep(300 * time.Millisecond) // down for a moment: sends are refused meanwhile
	s.startServer(t)
	<-done

	want := slices.Sorted(slices.Values(sent))
	require.Len(t, want, 16)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#inbox-list li").length >= 16`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	got := listedIDs(t, ctx)
	assert.Equal(t, want, slices.Sorted(slices.Values(got)), "every message shown, each once")

	// The runtime streams again, and stops polling.
	s.waitStreams(t, 1)
	time.Sleep(200 * time.Millisecond) // a poll already on its way may land
	quiet := time.Now()
	time.Sleep(2 * streamHeartbeat)
	assert.Zero(t, s.pollsSince(quiet), "no poll once the stream is back")
}

// TestStreamBehindABufferingProxy: a proxy that holds the stream's body
// (the headers pass, no event does) makes the runtime give up on the stream
// within 5 s and poll; messages still show, each once, and the runtime
// tries the stream again later.
func TestStreamBehindABufferingProxy(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t, withStream(streamHeartbeat))
	s.bufferStreams.Store(true)
	opened := time.Now()
	openShop(t, ctx, s.URL+headlessPage, 0)
	s.waitStreams(t, 1)
	id := s.sendInbox(t, seedSend)
	waitListed(t, ctx, id, 10*time.Second)
	firstPoll := s.waitPolls(t, opened, 1)[0]
	t.Logf("first poll %v after the page opened", firstPoll.Sub(opened).Round(time.Millisecond))
	second := s.sendInbox(t, replySend)
	waitListed(t, ctx, second, 5*time.Second)
	assert.ElementsMatch(t, []string{id, second}, listedIDs(t, ctx), "each once")
	require.Eventually(t, func() bool { return s.streamRequests() >= 2 }, 20*time.Second, 10*time.Millisecond, "the runtime tries the stream again")
}

// TestStreamOffOnTheServer: a server with streaming off answers the stream
// 204; the runtime polls as before and does not ask for the stream again soon.
func TestStreamOffOnTheServer(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t, withStreamOff())
	openShop(t, ctx, s.URL+headlessPage, 0)
	id := s.sendInbox(t, seedSend)
	waitListed(t, ctx, id, 10*time.Second)
	s.waitPolls(t, time.Now(), 3)
	assert.Equal(t, 1, s.streamRequests(), "one try, answered 204, then none for an hour")
	assert.Equal(t, 1, s.count(func(r clientRequest) bool { return r.path == inbox.PathStream && r.status == 204 }))
}

// TestStreamParkedWhileHidden: the stream closes one heartbeat after the
// page is hidden (and nothing polls), and opens again when it is shown.
func TestStreamParkedWhileHidden(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t, slowTiers, withStream(streamHeartbeat))
	openShop(t, ctx, s.URL+headlessPage, 0)
	s.waitStreams(t, 1)
	// A message the stream brings (the tiers are slow): the runtime has the stream's hello.
	waitListed(t, ctx, s.sendInbox(t, replySend), 5*time.Second)
	setVisible(t, ctx, false)
	hidden := time.Now()
	s.waitStreams(t, 0)
	took := time.Since(hidden)
	assert.GreaterOrEqual(t, took, streamHeartbeat-100*time.Millisecond, "a quick switch of tabs keeps the stream")
	assert.Less(t, took, 3*streamHeartbeat)
	id := s.sendInbox(t, seedSend)
	s.assertNoPollsFor(t, time.Second)
	setVisible(t, ctx, true)
	s.waitStreams(t, 1)
	waitListed(t, ctx, id, 5*time.Second)
	assert.Len(t, listedIDs(t, ctx), 2)
}

// TestStreamInAppShownOnce: two browsers of the person stream at once; an
// in-app message sent to them is shown by exactly one.
func TestStreamInAppShownOnce(t *testing.T) {
	s := startSite(t, slowTiers, withStream(streamHeartbeat))
	tabs := []context.Context{newBrowser(t), newBrowser(t)}
	for _, tab := range tabs {
		require.NoError(t, chromedp.Do(tab, chromedp.Navigate(s.URL+"/")))
		recordInApp(t, tab, false)
	}
	s.waitStreams(t, 2)
	id := s.sendInApp(t, welcomeSend)
	require.Eventually(t, func() bool { return s.delivery(t, id)["delivered"] == true }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(2 * streamHeartbeat) // the other browser had its chance to show it too
	shown := 0
	for i, tab := range tabs {
		got, _ := shownIn(t, tab)
		t.Logf("browser %d showed %v", i, got)
		shown += strings.Count(strings.Join(got, ","), id)
	}
	assert.Equal(t, 1, shown, "exactly one browser shows the in-app message")
}

// tryAPI calls the send-side API as a site's backend does, and returns the
// status (0 when the server did not answer) and the JSON answer. Unlike
// api, it may be called off the test's goroutine and fails nothing.
func (s *testSite) tryAPI(method, path, body string) (int, map[string]any) {
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer test-key")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	var out map[string]any
	if json.NewDecoder(res.Body).Decode(&out) != nil {
		return res.StatusCode, nil
	}
	return res.StatusCode, out
}

// bufferingWriter passes a response's status and headers on at once and
// keeps its body: what a proxy that buffers responses does to a stream.
type bufferingWriter struct {
	http.ResponseWriter
	held []byte
}

// WriteHeader passes the status and headers on.
func (w *bufferingWriter) WriteHeader(status int) {
	w.ResponseWriter.WriteHeader(status)
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Write keeps b.
func (w *bufferingWriter) Write(b []byte) (int, error) {
	w.held = append(w.held, b...)
	return len(b), nil
}

// Flush does nothing: the body is held.
func (w *bufferingWriter) Flush() {}

// Hijack refuses: the proxy keeps the connection.
func (w *bufferingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errors.New("a buffering proxy keeps the connection")
}

// Unwrap lets http.ResponseController set deadlines on the connection.
func (w *bufferingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestStreamDedicatedWorkerTabsShareOneStream: without SharedWorker, three
// tabs of the person hold one stream between them (the tab that leads
// does); a message reaches all three; when the leader's tab closes, another
// tab opens the stream and the next message reaches the two left.
func TestStreamDedicatedWorkerTabsShareOneStream(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t, slowTiers, withStream(streamHeartbeat))
	leader, closeLeader := openDedicatedTab(t, browser, s.URL+headlessPage)
	defer closeLeader()
	s.waitStreams(t, 1)
	tabs := []context.Context{leader}
	for range 2 {
		tab, cancel := openDedicatedTab(t, browser, s.URL+headlessPage)
		defer cancel()
		tabs = append(tabs, tab)
	}
	for _, tab := range tabs {
		waitForMessages(t, tab, 0)
	}
	s.sendInbox(t, seedSend)
	for _, tab := range tabs {
		waitForMessages(t, tab, 1)
	}
	assert.Equal(t, 1, s.streamsOpen(), "one stream for the three tabs")
	assert.Equal(t, 1, s.streamRequests())

	closeLeader()
	require.Eventually(t, func() bool { return s.streamRequests() == 2 && s.streamsOpen() == 1 }, 20*time.Second, 10*time.Millisecond,
		"another tab leads, and opens the stream")
	s.sendInbox(t, replySend)
	for _, tab := range tabs[1:] {
		waitForMessages(t, tab, 2)
	}
	assert.Equal(t, 1, s.streamsOpen())
}
