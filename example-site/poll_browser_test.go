package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The polling tests see the runtime's schedule as the times its polls reach
// the server, with tiers of a few hundred milliseconds.

// pollsAfter returns the arrival times of user_123's polls after from, in order.
func (s *testSite) pollsAfter(from time.Time) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var at []time.Time
	for _, r := range s.requests {
		if r.path == "/v1/client/poll" && r.user == "user_123" && r.at.After(from) {
			at = append(at, r.at)
		}
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	return at
}

// waitPolls waits for n polls after from and returns their times.
func (s *testSite) waitPolls(t *testing.T, from time.Time, n int) []time.Time {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if at := s.pollsAfter(from); len(at) >= n {
			return at[:n]
		}
		require.True(t, time.Now().Before(deadline), "no %d polls came", n)
		time.Sleep(5 * time.Millisecond)
	}
}

// medianInterval is the median gap between the times.
func medianInterval(at []time.Time) time.Duration {
	var gaps []time.Duration
	for i := 1; i < len(at); i++ {
		gaps = append(gaps, at[i].Sub(at[i-1]))
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// tierInterval measures the poll interval from the first poll after from on
// (the first poll that sees the server's state at from): the median of n gaps.
func (s *testSite) tierInterval(t *testing.T, from time.Time, n int) time.Duration {
	t.Helper()
	return medianInterval(s.waitPolls(t, from, n+1))
}

// quietFor waits until no poll came for d, and fails when that takes longer than within.
func (s *testSite) quietFor(t *testing.T, d, within time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		last := start
		if at := s.pollsAfter(start); len(at) > 0 {
			last = at[len(at)-1]
		}
		if time.Since(last) >= d {
			return
		}
		require.Less(t, time.Since(start), within, "the polls did not stop: one came every %v", medianOrZero(s.pollsAfter(start)))
		time.Sleep(5 * time.Millisecond)
	}
}

func medianOrZero(at []time.Time) time.Duration {
	if len(at) < 2 {
		return 0
	}
	return medianInterval(at)
}

// assertNoPollsFor waits d from now and fails if a poll came in that time.
func (s *testSite) assertNoPollsFor(t *testing.T, d time.Duration) {
	t.Helper()
	from := time.Now()
	for time.Since(from) < d {
		require.Empty(t, s.pollsAfter(from), "a poll while no visible tab shows the person")
		time.Sleep(5 * time.Millisecond)
	}
	require.Empty(t, s.pollsAfter(from))
}

// nextPollWithin fails unless a poll comes within d of from, and returns how long it took.
func (s *testSite) nextPollWithin(t *testing.T, from time.Time, d time.Duration) time.Duration {
	t.Helper()
	at := s.waitPolls(t, from, 1)[0]
	took := at.Sub(from)
	assert.Less(t, took, d, "the poll came late")
	return took
}

// pollsDuring counts the polls in a window of d that starts at the next poll.
func (s *testSite) pollsDuring(t *testing.T, d time.Duration) int {
	t.Helper()
	from := s.waitPolls(t, time.Now(), 1)[0].Add(-time.Millisecond)
	for time.Since(from) < d {
		time.Sleep(5 * time.Millisecond)
	}
	return len(s.pollsAfter(from)) - len(s.pollsAfter(from.Add(d)))
}

// setVisible makes the page's document visible or hidden as far as its
// scripts can tell, and tells them with a visibilitychange event.
func setVisible(t *testing.T, ctx context.Context, visible bool) {
	t.Helper()
	state := "hidden"
	if visible {
		state = "visible"
	}
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.__visibility = "`+state+`";
		Object.defineProperty(document, "visibilityState", {configurable: true, get: () => window.__visibility});
		Object.defineProperty(document, "hidden", {configurable: true, get: () => window.__visibility === "hidden"});
		document.dispatchEvent(new Event("visibilitychange"));
		return true;
	})()`))
	require.NoError(t, err)
}

// openShop loads url, a page with the headless example's inbox panel
// (headlessPage), in ctx and waits until the panel shows n messages.
func openShop(t *testing.T, ctx context.Context, url string, n int) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url)))
	shown := `document.querySelectorAll("#inbox-list .title").length === ` + strconv.Itoa(n)
	if n == 0 {
		shown = `!document.getElementById("inbox-empty").hidden`
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!window.shopInbox && `+shown, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
}

// TestPollTiersSeenAsIntervals: no message, the low tier; one queued, the
// active tier; after it is deleted, the inactive tier.
func TestPollTiersSeenAsIntervals(t *testing.T) {
	// Tiers far enough apart that a loaded 2-core machine (a poll's own
	// round trip adds tens of ms) cannot blur one into the next.
	const active, inactive, low = 200 * time.Millisecond, 500 * time.Millisecond, 800 * time.Millisecond
	ctx := newBrowser(t)
	s := startSite(t, withTiers(active, inactive, low))
	// The site's own script took the database name first, with no store in it.
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `indexedDB.open("roost").onsuccess = e => e.target.result.close();`})
	require.NoError(t, err)
	start := time.Now()
	openShop(t, ctx, s.URL+headlessPage, 0)

	got := s.tierInterval(t, start, 3)
	t.Logf("low tier (%v): polls every %v", low, got)
	assertTier(t, low, got)

	sent := time.Now()
	deliveryID := s.sendInbox(t, seedSend)
	got = s.tierInterval(t, sent, 4)
	t.Logf("active tier (%v): polls every %v", active, got)
	assertTier(t, active, got)

	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#inbox-list .title").length === 1`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	// The runtime keeps when it last saw a message queued, for the next page load.
	stored, err := chromedp.Run(ctx, chromedp.Poll[string](`new Promise(done => {
		const open = indexedDB.open("roost");
		open.onerror = () => done(false);
		open.onsuccess = () => {
			const db = open.result;
			if (!db.objectStoreNames.contains("kv")) { db.close(); return done(false); }
			const get = db.transaction("kv").objectStore("kv").get("poll-tier/user_123");
			get.onsuccess = () => { db.close(); done(get.result || false); };
			get.onerror = () => { db.close(); done(false); };
		};
	})`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	assert.Contains(t, stored, `"last_received_ms":`)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms[0].markDeleted()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		status, body := s.api(t, "GET", "/v1/deliveries/"+deliveryID, "test-key", "")
		return status == http.StatusOK && body["deleted"] == true
	}, 10*time.Second, 10*time.Millisecond, "the server records the deletion")
	deleted := time.Now()
	got = s.tierInterval(t, deleted, 3)
	t.Logf("inactive tier (%v): polls every %v", inactive, got)
	assertTier(t, inactive, got)
}

// assertTier checks that polls came every tier: never sooner (less 10% for
// timer slack), and at most half a tier later (the poll's own round trip).
func assertTier(t *testing.T, tier, got time.Duration) {
	t.Helper()
	assert.GreaterOrEqual(t, got, tier*9/10, "polled sooner than the tier")
	assert.LessOrEqual(t, got, tier*3/2, "polled much later than the tier")
}

// TestNoPollsWhileHidden: a hidden page never polls; shown again with its
// poll overdue, it polls at once.
func TestNoPollsWhileHidden(t *testing.T) {
	const low = 400 * time.Millisecond
	ctx := newBrowser(t)
	s := startSite(t, withTiers(low/4, low/2, low))
	start := time.Now()
	openShop(t, ctx, s.URL+headlessPage, 0)
	s.waitPolls(t, start, 2)

	setVisible(t, ctx, false)
	s.quietFor(t, low+low/2, 5*time.Second) // a poll already on its way may still land
	s.assertNoPollsFor(t, 3*low)

	shown := time.Now()
	setVisible(t, ctx, true)
	took := s.nextPollWithin(t, shown, 3*low/4) // overdue: at once, not an interval later
	t.Logf("shown again after %v hidden: polled %v later", 3*low, took)
}

// TestFiveTabsPollLikeOne: every tab of the browser shares one runtime, so
// five tabs make the requests of one.
func TestFiveTabsPollLikeOne(t *testing.T) {
	const active = 200 * time.Millisecond
	const window = 2 * time.Second
	ctx := newBrowser(t)
	s := startSite(t, withTiers(active, 4*active, 8*active))
	s.sendInbox(t, seedSend)

	openShop(t, ctx, s.URL+headlessPage, 1)
	one := s.pollsDuring(t, window)

	tabs := []context.Context{ctx}
	for range 4 {
		tab, cancel := chromedp.NewContext(ctx)
		t.Cleanup(cancel)
		openShop(t, tab, s.URL+headlessPage, 1)
		tabs = append(tabs, tab)
	}
	for i, tab := range tabs {
		state, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.visibilityState`))
		require.NoError(t, err)
		require.Equal(t, "visible", state, "tab %d", i)
	}
	five := s.pollsDuring(t, window)
	t.Logf("polls in %v: one tab %d, five tabs %d", window, one, five)
	assert.GreaterOrEqual(t, one, int(window/active)/2, "one tab polls at about the active tier")
	assert.LessOrEqual(t, five, one+one/3+1, "five tabs poll like one")
}

// TestCrashedTabStopsCountingAsVisible: a tab that crashes says no bye; once
// it is gone, the other, hidden, tab does not keep the runtime polling, and
// it is still served when shown again. The tab that crashes is the second
// one: the first started the SharedWorker, which runs in its renderer process.
func TestCrashedTabStopsCountingAsVisible(t *testing.T) {
	const active = 200 * time.Millisecond
	ctx := newBrowser(t)
	s := startSite(t, withTiers(active, 4*active, 8*active))
	id := s.sendInbox(t, seedSend)

	openShop(t, ctx, s.URL+headlessPage, 1)
	tab2, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(tab2)) // open the tab without a timeout first
	openShop(t, tab2, s.URL+headlessPage, 1)
	setVisible(t, ctx, false)
	s.waitPolls(t, time.Now(), 3) // the second tab is visible: polling goes on

	crashCtx, cancelCrash := context.WithTimeout(tab2, 2*time.Second)
	defer cancelCrash()
	_, _ = chromedp.Call(crashCtx, page.Crash, cdp.Empty{}) // the tab dies: no pagehide, no bye
	s.quietFor(t, 6*active, 5*time.Second)
	s.assertNoPollsFor(t, 4*active)

	shown := time.Now()
	setVisible(t, ctx, true)
	took := s.nextPollWithin(t, shown, 2*active)
	t.Logf("after the crash the polls stopped; the hidden tab, shown, polled %v later", took)
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.shopInbox.messages().then(ms => ms.map(m => m.deliveryId))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, []string{id}, ids, "the other tab is still served")
}

// longTaskProbe records, from the start of the document, every long task,
// the load event, when the shim starts the worker, and the longest gap
// between turns of the main thread.
const longTaskProbe = `(() => {
	window.__longTasks = [];
	try {
		new PerformanceObserver(list => list.getEntries().forEach(e => window.__longTasks.push(Math.round(e.duration) + " ms at " + Math.round(e.startTime))))
			.observe({type: "longtask", buffered: true});
	} catch (e) { window.__longTasks.push("no longtask observer: " + e); }
	window.__loadAt = -1;
	window.__loadWall = 0;
	addEventListener("load", () => { window.__loadAt = performance.now(); window.__loadWall = Date.now(); });
	window.__workerAt = -1;
	for (const name of ["SharedWorker", "Worker"]) {
		const W = window[name];
		if (typeof W !== "function") continue;
		window[name] = function (url, options) {
			if (window.__workerAt < 0) window.__workerAt = performance.now();
			return new W(url, options);
		};
	}
	window.__maxGap = 0;
	let last = performance.now();
	const tick = () => {
		const now = performance.now();
		window.__maxGap = Math.max(window.__maxGap, now - last);
		last = now;
		if (!window.__stopProbe) setTimeout(tick, 0);
	};
	setTimeout(tick, 0);
})()`

// TestRuntimeStartsAfterTheLoadEvent: the page script (roost-page.js) and
// the runtime's worker start only after the page's load event (the server is
// asked for their scripts no earlier), and the queued message then shows.
//
// How long the page's main-thread tasks take is a measurement, not a
// test: `make bench` reports the longest one's CPU time against its
// 50 ms target (TestBenchStartup traces the same loads).
func TestRuntimeStartsAfterTheLoadEvent(t *testing.T) {
	s := startSite(t) // first: it may build the runtime, and the tab's minute starts with the browser
	ctx := newBrowser(t)
	s.sendInbox(t, seedSend)

	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: longTaskProbe})
	require.NoError(t, err)
	navigated := time.Now()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#inbox-list .title").length === 1`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	ready := time.Since(navigated)

	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(() => { window.__stopProbe = true; return {
		longTasks: window.__longTasks, loadAt: window.__loadAt, loadWall: window.__loadWall,
		workerAt: window.__workerAt, maxGap: window.__maxGap}; })()`))
	require.NoError(t, err)
	t.Logf("navigation to message shown: %v; load event at %.0f ms, worker started at %.0f ms; long tasks seen by the page (wall time, load average %s): %v",
		ready, got["loadAt"], got["workerAt"], loadAverage(), got["longTasks"])
	loadAt, _ := got["loadAt"].(float64)
	workerAt, _ := got["workerAt"].(float64)
	require.Positive(t, loadAt, "the load event fired")
	assert.Greater(t, workerAt, loadAt, "the worker starts after the load event")

	s.mu.Lock()
	workerRequests, pageScript := s.assets["/roost/roost-worker.js"], s.assets["/roost/roost-page.js"]
	s.mu.Unlock()
	require.NotEmpty(t, workerRequests)
	require.NotEmpty(t, pageScript)
	loadWall := time.UnixMilli(int64(got["loadWall"].(float64)))
	assert.False(t, workerRequests[0].Before(loadWall), "the worker script was asked for %v before the load event", loadWall.Sub(workerRequests[0]))
	assert.False(t, pageScript[0].Before(loadWall), "roost-page.js was asked for %v before the load event", loadWall.Sub(pageScript[0]))
}

// loadAverage is the machine's 1-minute load average, where Linux tells it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// pageTrace collects a Chromium trace of the tab.
type pageTrace struct {
	mu       sync.Mutex
	events   []traceEvent
	complete chan struct{}
}

// traceEvent is the part of a Chrome trace event the test reads.
type traceEvent struct {
	Name string  `json:"name"`
	Ph   string  `json:"ph"`
	Pid  int     `json:"pid"`
	Tid  int     `json:"tid"`
	Dur  float64 `json:"dur"`  // wall time, µs
	TDur float64 `json:"tdur"` // the thread's CPU time, µs
	Ts   float64 `json:"ts"`
	Args struct {
		Name string `json:"name"`
	} `json:"args"`
}

// mainThreadTask is one task of the page's main thread.
type mainThreadTask struct {
	wall, cpu time.Duration
	at        float64 // trace clock, µs
}

func startTrace(t *testing.T, ctx context.Context) *pageTrace {
	t.Helper()
	tr := &pageTrace{complete: make(chan struct{})}
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *tracing.EventDataCollected:
			tr.mu.Lock()
			defer tr.mu.Unlock()
			for _, raw := range ev.Value {
				var e traceEvent
				if json.Unmarshal(raw, &e) == nil {
					tr.events = append(tr.events, e)
				}
			}
		case *tracing.EventTracingComplete:
			close(tr.complete)
		}
	}))
	_, err := chromedp.Call(ctx, tracing.Start, tracing.StartParams{TransferMode: tracing.StartTransferModeReportEvents,
		TraceConfig: &tracing.TraceConfig{IncludedCategories: []string{"toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline"}}})
	require.NoError(t, err)
	return tr
}

// mainThreadTasks ends the trace and returns the tasks of the page's main
// thread: the renderer main thread of the process that parsed the page.
func (tr *pageTrace) mainThreadTasks(t *testing.T, ctx context.Context) []mainThreadTask {
	t.Helper()
	_, err := chromedp.Call(ctx, tracing.End, cdp.Empty{})
	require.NoError(t, err)
	select {
	case <-tr.complete:
	case <-ctx.Done():
		t.Fatal("the trace did not complete")
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	type thread struct{ pid, tid int }
	mains := map[thread]bool{}
	pagePid := -1
	for _, e := range tr.events {
		if e.Ph == "M" && e.Name == "thread_name" && e.Args.Name == "CrRendererMain" {
			mains[thread{e.Pid, e.Tid}] = true
		}
		if e.Name == "ParseHTML" {
			pagePid = e.Pid
		}
	}
	var tasks []mainThreadTask
	for _, e := range tr.events {
		if e.Ph == "X" && e.Pid == pagePid && mains[thread{e.Pid, e.Tid}] && (e.Name == "ThreadControllerImpl::RunTask" || e.Name == "RunTask") {
			tasks = append(tasks, mainThreadTask{wall: time.Duration(e.Dur * 1e3), cpu: time.Duration(e.TDur * 1e3), at: e.Ts})
		}
	}
	return tasks
}
