package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/require"
)

// deliverySends is how many messages each mode of TestBenchDelivery sends,
// deliveryEvery the pause between two sends.
const (
	deliverySends = 60
	deliveryEvery = 500 * time.Millisecond
)

// seenAtJS makes the headless page record when its list first shows each
// delivery id (window.__seenAt, Date.now() milliseconds).
const seenAtJS = `(() => {
	window.__seenAt = {};
	const list = document.getElementById("inbox-list");
	const note = () => { const now = Date.now(); for (const li of list.querySelectorAll("li")) { const id = li.dataset.deliveryId; if (!(id in window.__seenAt)) window.__seenAt[id] = now; } };
	note();
	new MutationObserver(note).observe(list, {childList: true, subtree: true});
	return true;
})()`

// deliveryRun is one mode's latencies, send (before the request) to shown
// in the page, in milliseconds.
type deliveryRun struct {
	Sends    int     `json:"sends"`
	MedianMs float64 `json:"median_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	// Polls are the polls made while the messages were sent and shown.
	Polls int `json:"polls"`
	// Seconds is how long the sends and their showing took.
	Seconds float64 `json:"seconds"`
}

// measureDelivery sends deliverySends messages to the page in ctx, one
// every deliveryEvery, and measures how long each took to show.
func measureDelivery(t *testing.T, ctx context.Context, s *testSite) deliveryRun {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](seenAtJS))
	require.NoError(t, err)
	require.True(t, ok)
	from := time.Now()
	sentAt := map[string]int64{}
	for i := range deliverySends {
		at := time.Now().UnixMilli()
		id := s.sendInbox(t, strings.Replace(seedSend, "ORD-5678", fmt.Sprintf("ORD-B%d", i), 1))
		sentAt[id] = at
		time.Sleep(deliveryEvery)
	}
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`Object.keys(window.__seenAt).length >= %d`, len(sentAt)),
		chromedp.WithPollingTimeout(60*time.Second)))
	require.NoError(t, err)
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`window.__seenAt`))
	require.NoError(t, err)
	var took []float64
	for id, at := range sentAt {
		shown, ok := seen[id]
		require.True(t, ok, "%s shown", id)
		took = append(took, shown-float64(at))
	}
	slices.Sort(took)
	pct := func(p float64) float64 { return took[int(math.Ceil(p*float64(len(took))))-1] }
	return deliveryRun{Sends: len(took), MedianMs: pct(0.5), P99Ms: pct(0.99), MaxMs: took[len(took)-1],
		Polls: s.pollsSince(from), Seconds: time.Since(from).Seconds()}
}

// TestBenchDelivery measures send → shown in the page in Chromium with the
// stream and with polling only (the seed docs' tiers, the person in the
// active one), and how soon the runtime polls once its stream fails: when
// the server stops (the stream ends) and behind a proxy that buffers it (no
// event ever comes). It writes delivery.json for make bench.
func TestBenchDelivery(t *testing.T) {
	if os.Getenv("ROOST_BENCH") == "" {
		t.Skip("a measurement: ROOST_BENCH=1 (make bench) runs it")
	}
	result := map[string]any{"load_average": browsertest.LoadAverage()}
	defaultTiers := withTiers(10*time.Second, 60*time.Second, 180*time.Second)

	t.Run("stream", func(t *testing.T) {
		ctx := newBrowser(t)
		s := startSite(t, defaultTiers, withStream(0))
		s.sendInbox(t, seedSend)
		openShop(t, ctx, s.URL+headlessPage, 1)
		s.waitStreams(t, 1)
		run := measureDelivery(t, ctx, s)
		t.Logf("stream: %+v", run)
		result["stream"] = run

		// From the moment the server starts to stop, which ends the stream
		// first: the runtime's poll may come while the server is closing
		// (and be dropped), before stopServer returns.
		stopping := time.Now()
		s.stopServer(t)
		at := s.waitPolls(t, stopping, 1)[0]
		result["fallback_stream_ended_ms"] = ms(at.Sub(stopping))
		s.startServer(t)
	})
	t.Run("polling", func(t *testing.T) {
		ctx := newBrowser(t)
		s := startSite(t, defaultTiers, withStreamOff())
		s.sendInbox(t, seedSend) // the person is in the active tier
		openShop(t, ctx, s.URL+headlessPage, 1)
		s.waitPolls(t, time.Now(), 1)
		run := measureDelivery(t, ctx, s)
		t.Logf("polling: %+v", run)
		result["polling"] = run
	})
	t.Run("buffered", func(t *testing.T) {
		ctx := newBrowser(t)
		s := startSite(t, defaultTiers, withStream(0))
		s.bufferStreams.Store(true)
		opened := time.Now()
		openShop(t, ctx, s.URL+headlessPage, 0)
		streamAt := s.waitRequest(t, inbox.PathStream, opened)
		pollAt := s.waitPolls(t, streamAt, 1)[0]
		result["fallback_buffered_ms"] = ms(pollAt.Sub(streamAt))
	})

	out, err := json.MarshalIndent(result, "", "  ")
	require.NoError(t, err)
	t.Logf("%s", out)
	if dir := os.Getenv("ROOST_BENCH_OUT"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "delivery.json"), out, 0o644))
	}
}

// waitRequest waits for a request to path that came in at from or later,
// answered or still open, and returns when it came.
func (s *testSite) waitRequest(t *testing.T, path string, from time.Time) time.Time {
	t.Helper()
	var at time.Time
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, r := range s.started {
			if r.path == path && !r.at.Before(from) {
				at = r.at
				return true
			}
		}
		return false
	}, 30*time.Second, 5*time.Millisecond, "a request to %s", path)
	return at
}
