package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/require"
)

// The load-event measurement is not a test: it runs only with ROOST_BENCH=1
// (`make bench`), asserts nothing about speed, and writes its results as
// JSON to $ROOST_BENCH_OUT/load_event.json when that is set.

// smallPage is a small host page: a stylesheet, an image, its own script
// using the page API when Roost is there, and {{roost}} where Roost's
// script tag goes, as the README shows it.
const smallPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A small page</title>
<link rel="stylesheet" href="/small/style.css">
{{roost}}<script src="/small/app.js"></script>
</head><body><main><h1>Orders</h1>
<p>Your last order shipped on Monday. Track it from the order page.</p>
<img src="/small/logo.svg" width="64" height="64" alt="">
<ul id="inbox"></ul></main></body></html>`

// smallPageFiles are the small page's stylesheet, image and script.
var smallPageFiles = map[string]string{
	"/small/style.css": `body{font:16px/1.5 system-ui,sans-serif;margin:2rem}h1{font-size:1.5rem}`,
	"/small/logo.svg":  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#4a7"/></svg>`,
	"/small/app.js": `if (window.analytics) {
  analytics.identify("user_123");
  analytics.inbox().onUpdates(function (messages) {
    document.getElementById("inbox").textContent = messages.length + " messages";
  });
}`,
}

// roostTag is Roost's script tag as the README shows it.
const roostTag = `<script src="/roost/roost.js" data-site-id="example"></script>` + "\n"

// loadEventRuns is how many cold loads of each variant the medians take.
const loadEventRuns = 31

// TestBenchLoadEvent measures what Roost's script tag costs a small host
// page's load event: cold loads (in one browser, each in a new browser
// context: nothing cached, no connection open) of the same page with and
// without the tag, alternating, from navigation start to the load event's
// start.
func TestBenchLoadEvent(t *testing.T) {
	if os.Getenv("ROOST_BENCH") == "" {
		t.Skip("a measurement: ROOST_BENCH=1 (make bench) runs it")
	}
	s := startSite(t)
	for path, body := range smallPageFiles {
		s.addPage(path, body)
	}
	s.addPage("/small/empty.js", "")
	// empty: a script tag of an empty file, what any such tag costs
	variants := []struct{ name, tag string }{{"without", ""}, {"roost", roostTag}, {"empty", `<script src="/small/empty.js"></script>` + "\n"}}
	if extra := os.Getenv("ROOST_BENCH_LOAD_VARIANTS"); extra != "" {
		// exploration: more tags to compare, name=tag;name=tag
		for _, v := range strings.Split(extra, ";") {
			name, tag, _ := strings.Cut(v, "=")
			variants = append(variants, struct{ name, tag string }{name, tag + "\n"})
		}
	}
	for _, v := range variants {
		s.addPage("/small/"+v.name+"/", strings.Replace(smallPage, "{{roost}}", v.tag, 1))
	}
	// the browser without the minute NewBrowser gives a test: these loads take longer
	browser := context.WithoutCancel(browsertest.NewBrowser(t))
	load := func(t *testing.T, name string) float64 {
		// a new browser context: its own empty cache, storage and connections
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		defer cancel()
		ctx, cancelLoad := context.WithTimeout(ctx, 30*time.Second)
		defer cancelLoad()
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/small/"+name+"/")))
		got, err := chromedp.Run(ctx, chromedp.Poll[float64](`performance.getEntriesByType("navigation")[0].loadEventEnd > 0 &&
			performance.getEntriesByType("navigation")[0].loadEventStart`, chromedp.WithPollingTimeout(30*time.Second)))
		require.NoError(t, err)
		return got
	}
	// One load of each first, not counted: the first browser start reads
	// Chromium and the runtime from disk.
	for _, v := range variants {
		load(t, v.name)
	}
	loads := map[string][]float64{}
	for i := range loadEventRuns {
		for j := range variants {
			v := variants[(i+j)%len(variants)] // each variant in each place of a round
			loads[v.name] = append(loads[v.name], load(t, v.name))
		}
	}
	result := map[string]any{"runs": loadEventRuns, "loads": loads, "load_average": loadAverage()}
	medians := map[string]float64{}
	for name, l := range loads {
		medians[name] = browsertest.Median(l, func(v float64) float64 { return v })
	}
	result["median_ms"] = medians
	// the ratio of each variant's load to the page without's in the same
	// round, whose median drifts less with the machine's load than the
	// ratio of the medians
	ratios := map[string]float64{}
	for name, l := range loads {
		per := make([]float64, len(l))
		for i := range l {
			per[i] = l[i] / loads["without"][i]
		}
		ratios[name] = browsertest.Median(per, func(v float64) float64 { return v })
	}
	result["median_ratio"] = ratios
	out, err := json.MarshalIndent(result, "", "  ")
	require.NoError(t, err)
	t.Logf("%s", out)
	if dir := os.Getenv("ROOST_BENCH_OUT"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "load_event.json"), out, 0o644))
	}
}
