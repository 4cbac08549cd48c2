package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Targets of the push channel (issue 17): send → shown in the page with the stream.
const (
	targetStreamMedianMs = 250
	targetStreamP99Ms    = 1000
)

// deliveryRun is one mode of example-site's TestBenchDelivery.
type deliveryRun struct {
	Sends    int     `json:"sends"`
	MedianMs float64 `json:"median_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	Polls    int     `json:"polls"`
	Seconds  float64 `json:"seconds"`
}

// deliveryTable reports example-site's TestBenchDelivery: send → shown in
// Chromium with the stream and with polling only, and the fallback to
// polling when the stream fails.
func deliveryTable(b *strings.Builder, out string) {
	var r struct {
		LoadAverage string      `json:"load_average"`
		Stream      deliveryRun `json:"stream"`
		Polling     deliveryRun `json:"polling"`
		EndedMs     float64     `json:"fallback_stream_ended_ms"`
		BufferedMs  float64     `json:"fallback_buffered_ms"`
	}
	readJSON(filepath.Join(out, "delivery.json"), &r)
	fmt.Fprintf(b, "### Send → shown in the page (headless Chromium, %d sends a mode, one every 0.5 s; load average %s)\n\n", r.Stream.Sends, r.LoadAverage)
	fmt.Fprintf(b, "| measure | with the stream | polling only (active tier, 10 s) |\n|---|---:|---:|\n")
	fmt.Fprintf(b, "| median | %.0f ms (target ≤ %d ms: %s) | %.0f ms |\n", r.Stream.MedianMs, targetStreamMedianMs,
		verdict(r.Stream.MedianMs <= targetStreamMedianMs, fmt.Sprintf("%.0f ms", r.Stream.MedianMs)), r.Polling.MedianMs)
	fmt.Fprintf(b, "| p99 | %.0f ms (target ≤ %d ms: %s) | %.0f ms |\n", r.Stream.P99Ms, targetStreamP99Ms,
		verdict(r.Stream.P99Ms <= targetStreamP99Ms, fmt.Sprintf("%.0f ms", r.Stream.P99Ms)), r.Polling.P99Ms)
	fmt.Fprintf(b, "| slowest | %.0f ms | %.0f ms |\n", r.Stream.MaxMs, r.Polling.MaxMs)
	fmt.Fprintf(b, "| polls while sending (%.0f s, %.0f s) | %d (target 0: %s) | %d |\n", r.Stream.Seconds, r.Polling.Seconds,
		r.Stream.Polls, verdict(r.Stream.Polls == 0, fmt.Sprint(r.Stream.Polls)), r.Polling.Polls)
	fmt.Fprintf(b, "| first poll after the stream fails: it ends (the server stops) | %.0f ms | - |\n", r.EndedMs)
	fmt.Fprintf(b, "| first poll after the stream fails: a proxy buffers it (no hello within 5 s) | %.0f ms | - |\n\n", r.BufferedMs)
}
