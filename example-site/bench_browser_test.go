package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The start-up measurement is not a test: it runs only with ROOST_BENCH=1
// (`make bench`), asserts nothing about speed, and writes its results as
// JSON to $ROOST_BENCH_OUT/startup.json when that is set.

// noRoostPage is the measured page, the headless example (headlessPage),
// without Roost's script tag, for the load event without Roost. Its own
// scripts (app.js, headless.js) then stop at their first use of analytics,
// app.js after asking for the session.
const noRoostPage = "/no-roost/"

// serveNoRoost answers noRoostPage: the headless example's headless.html
// less Roost's tag.
func (s *testSite) serveNoRoost(t *testing.T, w http.ResponseWriter) {
	page, err := static.ReadFile("static/headless.html")
	if !assert.NoError(t, err) {
		return
	}
	const tag = `<script src="/roost/roost.js" data-site-id="example"></script>`
	if !assert.Contains(t, string(page), tag) {
		return
	}
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(strings.Replace(string(page), tag, "", 1)))
}

// startupProbe records, from the start of the document, when the first
// inbox message is in the page (performance.now(), ms).
const startupProbe = `(() => {
	window.__firstMessageAt = -1;
	const seen = () => {
		if (window.__firstMessageAt < 0 && document.querySelector("#inbox-list .title")) {
			window.__firstMessageAt = performance.now();
		}
	};
	new MutationObserver(seen).observe(document, {childList: true, subtree: true, characterData: true});
})()`

// startupLoad is one cold load of the headless example (headlessPage), whose
// inbox panel the first message shows in, times from navigation start, in ms.
type startupLoad struct {
	WasmAskedMs    float64 `json:"wasm_asked_ms"`
	FirstPollMs    float64 `json:"first_poll_ms"`
	FirstMessageMs float64 `json:"first_message_ms"`
	LoadEventMs    float64 `json:"load_event_ms"`
}

// startupRuns is how many cold loads each measurement takes the median of.
const startupRuns = 5

// TestBenchStartup measures the runtime's start-up in headless Chromium,
// each load in a new browser with an empty profile (nothing cached, nothing
// in IndexedDB), with one message queued for user_123: navigation start to
// the first poll's arrival at the server and to the message in the page (the
// headless example, headlessPage: its own inbox panel shows it), the load
// event with and without Roost, and (in traced loads of their own)
// the longest main-thread task.
func TestBenchStartup(t *testing.T) {
	if os.Getenv("ROOST_BENCH") == "" {
		t.Skip("a measurement: ROOST_BENCH=1 (make bench) runs it")
	}
	s := startSite(t)
	s.sendInbox(t, seedSend)

	// One load first, not counted: the first browser start reads
	// Chromium and the runtime from disk.
	t.Run("warm-up", func(t *testing.T) {
		ctx := newBrowser(t)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#inbox-list .title").length === 1`,
			chromedp.WithPollingTimeout(30*time.Second)))
		require.NoError(t, err)
	})

	var withRoost []startupLoad
	var withoutRoost []float64
	for i := range startupRuns {
		t.Run("roost", func(t *testing.T) {
			ctx := newBrowser(t)
			_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: startupProbe})
			require.NoError(t, err)
			from := time.Now()
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](`window.__firstMessageAt >= 0 && performance.getEntriesByType("navigation")[0].loadEventEnd > 0`,
				chromedp.WithPollingTimeout(30*time.Second)))
			require.NoError(t, err)
			got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`({origin: performance.timeOrigin,
				message: window.__firstMessageAt, load: performance.getEntriesByType("navigation")[0].loadEventStart})`))
			require.NoError(t, err)
			polls := s.pollsAfter(from)
			require.NotEmpty(t, polls)
			origin := time.UnixMicro(int64(got["origin"] * 1000))
			s.mu.Lock()
			wasm := s.assets["/roost/roost.wasm"]
			s.mu.Unlock()
			require.NotEmpty(t, wasm)
			withRoost = append(withRoost, startupLoad{WasmAskedMs: ms(wasm[len(wasm)-1].Sub(origin)),
				FirstPollMs: ms(polls[0].Sub(origin)), FirstMessageMs: got["message"], LoadEventMs: got["load"]})
			t.Logf("load %d: %+v", i, withRoost[len(withRoost)-1])
		})
		t.Run("no-roost", func(t *testing.T) {
			ctx := newBrowser(t)
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+noRoostPage)))
			load, err := chromedp.Run(ctx, chromedp.Poll[float64](`performance.getEntriesByType("navigation")[0].loadEventStart`,
				chromedp.WithPollingTimeout(30*time.Second)))
			require.NoError(t, err)
			withoutRoost = append(withoutRoost, load)
		})
	}
	const tracedRuns = 3
	var longestCPU, longestWall []float64
	for range tracedRuns {
		t.Run("traced", func(t *testing.T) {
			ctx := newBrowser(t)
			trace := startTrace(t, ctx)
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#inbox-list .title").length === 1`,
				chromedp.WithPollingTimeout(30*time.Second)))
			require.NoError(t, err)
			tasks := trace.mainThreadTasks(t, ctx)
			require.NotEmpty(t, tasks)
			var cpu, wall time.Duration
			for _, task := range tasks {
				cpu, wall = max(cpu, task.cpu), max(wall, task.wall)
			}
			longestCPU, longestWall = append(longestCPU, ms(cpu)), append(longestWall, ms(wall))
		})
	}

	result := map[string]any{
		"runs":                  startupRuns,
		"wasm_asked_ms":         browsertest.Median(withRoost, func(l startupLoad) float64 { return l.WasmAskedMs }),
		"first_poll_ms":         browsertest.Median(withRoost, func(l startupLoad) float64 { return l.FirstPollMs }),
		"first_message_ms":      browsertest.Median(withRoost, func(l startupLoad) float64 { return l.FirstMessageMs }),
		"load_event_ms":         browsertest.Median(withRoost, func(l startupLoad) float64 { return l.LoadEventMs }),
		"load_event_no_roost":   browsertest.Median(withoutRoost, func(v float64) float64 { return v }),
		"traced_runs":           tracedRuns,
		"longest_task_cpu_ms":   browsertest.Median(longestCPU, func(v float64) float64 { return v }),
		"longest_task_wall_ms":  browsertest.Median(longestWall, func(v float64) float64 { return v }),
		"loads":                 withRoost,
		"loads_no_roost":        withoutRoost,
		"longest_task_cpu_all":  longestCPU,
		"longest_task_wall_all": longestWall,
	}
	out, err := json.MarshalIndent(result, "", "  ")
	require.NoError(t, err)
	t.Logf("%s", out)
	if dir := os.Getenv("ROOST_BENCH_OUT"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "startup.json"), out, 0o644))
	}
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
