package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// targetLoadEventRatio is the most Roost's script tag may slow a small
// page's load event: 1.05 times the page without it.
const targetLoadEventRatio = 1.05

// loadEventTable reports example-site's TestBenchLoadEvent: a small page's
// load event with and without Roost's script tag.
func loadEventTable(b *strings.Builder, out string) {
	var r struct {
		Runs        int                `json:"runs"`
		Median      map[string]float64 `json:"median_ms"`
		Ratio       map[string]float64 `json:"median_ratio"`
		LoadAverage string             `json:"load_average"`
	}
	readJSON(filepath.Join(out, "load_event.json"), &r)
	without := r.Median["without"]
	fmt.Fprintf(b, "### A small page's load event (headless Chromium, median of %d cold loads each, in one browser, a new browser context each (empty cache, no open connection), alternating; load average %s)\n\n", r.Runs, r.LoadAverage)
	fmt.Fprintf(b, "The page: HTML with a stylesheet, an image and its own script, which identifies the person and opens an inbox view when `analytics` is there.\n\n")
	fmt.Fprintf(b, "| the page | load event (ms from navigation start) | against the page without (medians) | against the page without (median of each round's ratio) |\n|---|---:|---:|---:|\n")
	for _, row := range []struct{ key, what string }{
		{"without", "without Roost"},
		{"roost", "**with Roost's script tag** (as the README shows it)"},
		{"empty", "with a script tag of an empty file instead (what any tag costs)"},
	} {
		fmt.Fprintf(b, "| %s | %.1f | %.2fx | %.2fx |\n", row.what, r.Median[row.key], r.Median[row.key]/without, r.Ratio[row.key])
	}
	ratio := r.Ratio["roost"]
	fmt.Fprintf(b, "\nThe load event with Roost's tag: %.2fx the page without it (median of the rounds' ratios), against the %.2fx target: %s.\n\n",
		ratio, targetLoadEventRatio, verdict(ratio <= targetLoadEventRatio, fmt.Sprintf("%.2fx", ratio)))
}
