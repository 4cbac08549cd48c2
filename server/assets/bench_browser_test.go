package assets_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/require"
)

// The embedding measurement is not a test: it runs only with ROOST_BENCH=1,
// asserts nothing about speed, logs a markdown table and writes its results
// as JSON to $ROOST_BENCH_OUT/embed.json when that is set.
//
//	ROOST_BENCH=1 go test -v -run '^TestBenchEmbed$' ./server/assets

// embedLoad is one cold load of a page, times from navigation start, in ms.
type embedLoad struct {
	FrameAskedMs   float64 `json:"frame_asked_ms"` // frame mode: roost-frame.html's arrival at the server
	WorkerAskedMs  float64 `json:"worker_asked_ms"`
	WasmAskedMs    float64 `json:"wasm_asked_ms"`
	FirstPollMs    float64 `json:"first_poll_ms"`
	FirstMessageMs float64 `json:"first_message_ms"`
	LoadEventMs    float64 `json:"load_event_ms"`
}

// embedRuns is how many cold loads of each page the medians are of.
const embedRuns = 7

// TestBenchEmbed compares, side by side in one run, the page on the Roost
// server's own origin (direct mode) with the page on another origin (frame
// mode): cold loads in a new browser with an empty profile each,
// alternating, one message queued, from navigation start to the first
// poll's arrival at the server and to the message in the page; the polls
// per second of one browser with one tab and with two; and the bytes frame
// mode adds.
func TestBenchEmbed(t *testing.T) {
	if os.Getenv("ROOST_BENCH") == "" {
		t.Skip("a measurement: ROOST_BENCH=1 runs it")
	}
	const active = 200 * time.Millisecond
	rs, sh := startFramed(t, withTiers(active, 4*active, 8*active))
	rs.sendInbox(t, "ORD-1")
	pages := map[string]string{"same-origin": rs.own.URL + "/", "frame": sh.URL + "/"}
	modes := []string{"same-origin", "frame"}
	load := func(t *testing.T, url string) embedLoad {
		browser := browsertest.NewBrowser(t)
		_, err := chromedp.Call(browser, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageScript()})
		require.NoError(t, err)
		from := time.Now()
		require.NoError(t, chromedp.Do(browser, chromedp.Navigate(url)))
		got, err := chromedp.Run(browser, chromedp.Poll[map[string]float64](`window.__firstMessageAt >= 0 && performance.getEntriesByType("navigation")[0].loadEventEnd > 0 &&
			{origin: performance.timeOrigin, message: window.__firstMessageAt, load: performance.getEntriesByType("navigation")[0].loadEventStart}`,
			chromedp.WithPollingTimeout(30*time.Second)))
		require.NoError(t, err)
		polls := rs.polls(from)
		require.NotEmpty(t, polls)
		origin := time.UnixMicro(int64(got["origin"] * 1000))
		since := func(at time.Time) float64 { return float64(at.Sub(origin).Microseconds()) / 1000 }
		asked := func(path string) float64 {
			for _, at := range rs.asked(path) {
				if at.After(from) {
					return since(at)
				}
			}
			return 0
		}
		return embedLoad{FrameAskedMs: asked("/roost/roost-frame.html"), WorkerAskedMs: asked("/roost/roost-worker.js"),
			WasmAskedMs: asked("/roost/roost.wasm"), FirstPollMs: since(polls[0]), FirstMessageMs: got["message"], LoadEventMs: got["load"]}
	}

	// One load of each first, not counted: the first browser start reads Chromium from disk.
	for _, mode := range modes {
		t.Run("warm-up", func(t *testing.T) { load(t, pages[mode]) })
	}
	loads := map[string][]embedLoad{}
	for range embedRuns {
		for _, mode := range modes {
			t.Run(mode, func(t *testing.T) { loads[mode] = append(loads[mode], load(t, pages[mode])) })
		}
	}

	// Polls a second of one browser, with one tab and then two.
	rates := map[string][2]float64{}
	const window = 3 * time.Second
	for _, mode := range modes {
		t.Run("polls-"+mode, func(t *testing.T) {
			browser := browsertest.NewBrowser(t)
			one := openTab(t, browser, pages[mode])
			_, err := chromedp.Run(one, chromedp.Poll[bool](`window.__firstMessageAt >= 0`, chromedp.WithPollingTimeout(30*time.Second)))
			require.NoError(t, err)
			alone := rs.pollsDuring(t, window)
			two := openTab(t, browser, strings.TrimSuffix(pages[mode], "/")+"/other")
			_, err = chromedp.Run(two, chromedp.Poll[bool](`window.__firstMessageAt >= 0`, chromedp.WithPollingTimeout(30*time.Second)))
			require.NoError(t, err)
			both := rs.pollsDuring(t, window)
			rates[mode] = [2]float64{float64(alone) / window.Seconds(), float64(both) / window.Seconds()}
		})
	}

	dir := browsertest.Runtime(t)
	size := func(name string) int64 {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		return info.Size()
	}
	res, err := http.Get(rs.URL + "/roost/roost-frame.html?site=" + siteID)
	require.NoError(t, err)
	frameHTML, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)

	result := map[string]any{"runs": embedRuns, "load_average": browsertest.LoadAverage(), "loads": loads, "polls_per_second_one_two_tabs": rates,
		"frame_html_bytes": len(frameHTML), "frame_js_bytes": size("roost-frame.js"), "frame_js_brotli_bytes": size("roost-frame.js.br"),
		"shim_bytes": size("roost.js"), "shim_brotli_bytes": size("roost.js.br")}
	var b strings.Builder
	b.WriteString("| median of " + strconv.Itoa(embedRuns) + " cold loads, ms from navigation start | same-origin (direct) | frame mode |\n|---|---:|---:|\n")
	for _, row := range []struct {
		name string
		f    func(embedLoad) float64
	}{
		{"the page's load event", func(l embedLoad) float64 { return l.LoadEventMs }},
		{"roost-frame.html asked for (frame mode)", func(l embedLoad) float64 { return l.FrameAskedMs }},
		{"roost-worker.js asked for", func(l embedLoad) float64 { return l.WorkerAskedMs }},
		{"roost.wasm asked for", func(l embedLoad) float64 { return l.WasmAskedMs }},
		{"the first poll (its arrival at the server)", func(l embedLoad) float64 { return l.FirstPollMs }},
		{"the first inbox message rendered in the page", func(l embedLoad) float64 { return l.FirstMessageMs }},
	} {
		same, framed := browsertest.Median(loads["same-origin"], row.f), browsertest.Median(loads["frame"], row.f)
		result[row.name] = map[string]float64{"same-origin": same, "frame": framed}
		fmt.Fprintf(&b, "| %s | %.0f | %.0f |\n", row.name, same, framed)
	}
	for _, mode := range modes {
		fmt.Fprintf(&b, "| polls a second of one browser, %s: one tab / two tabs (active tier %v) | %.1f / %.1f | |\n",
			mode, active, rates[mode][0], rates[mode][1])
	}
	out, err := json.MarshalIndent(result, "", "  ")
	require.NoError(t, err)
	t.Logf("load average (1 min) at the end: %s\n%s\n%s", browsertest.LoadAverage(), b.String(), out)
	if dir := os.Getenv("ROOST_BENCH_OUT"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "embed.json"), out, 0o644))
	}
}
