package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// hostileTable reports httpapi.TestBenchHostile: one person posting
// identify and click events at full speed while another person sends.
func hostileTable(b *strings.Builder, out string) {
	var r struct {
		Seconds             float64 `json:"seconds"`
		IdentifyPostBytes   int     `json:"identify_post_bytes"`
		IdentifyPostHoldMs  float64 `json:"identify_post_hold_ms"`
		HostilePosts        int     `json:"hostile_posts"`
		HostileRefused      int     `json:"hostile_refused"`
		HostileRejected     int     `json:"hostile_rejected"`
		HostileEvents       int     `json:"hostile_events"`
		HostileEventsPerSec float64 `json:"hostile_events_per_sec"`
		HostileMBPerSec     float64 `json:"hostile_mb_per_sec"`
		AloneP50Ms          float64 `json:"alone_p50_ms"`
		AloneP99Ms          float64 `json:"alone_p99_ms"`
		VictimSends         int     `json:"victim_sends"`
		VictimErrors        int     `json:"victim_errors"`
		VictimP50Ms         float64 `json:"victim_p50_ms"`
		VictimP99Ms         float64 `json:"victim_p99_ms"`
		LongestHoldMs       float64 `json:"longest_hold_ms"`
		WriterBusy          float64 `json:"writer_busy"`
		AttributesBytes     int     `json:"attributes_bytes"`
		PollBytes           int     `json:"poll_bytes"`
		ClickBatches        int     `json:"click_batches"`
		ClickBatchBytes     int     `json:"click_batch_clicks_bytes"`
	}
	readJSON(filepath.Join(out, "hostile.json"), &r)
	fmt.Fprintf(b, "### One hostile person (events at full speed) against another person's sends (SQLite store, loopback)\n\n")
	fmt.Fprintf(b, "| measure | value |\n|---|---:|\n")
	fmt.Fprintf(b, "| another person's sends, nobody else posting: p50 / p99 | %.1f ms / %.1f ms |\n", r.AloneP50Ms, r.AloneP99Ms)
	fmt.Fprintf(b, "| **the same sends while the hostile person posts: p50 / p99** (%d sends, %d errors) | **%.1f ms / %.1f ms** |\n",
		r.VictimSends, r.VictimErrors, r.VictimP50Ms, r.VictimP99Ms)
	fmt.Fprintf(b, "| the hostile person in %.0f s: posts of 500 events (identify, clicks) answered 200; refused 429 (over the events budget) | %d; %d |\n",
		r.Seconds, r.HostilePosts, r.HostileRefused)
	fmt.Fprintf(b, "| the hostile person's events answered (acknowledged or rejected) per second; of them rejected; MB/s of answered posts | %.0f; %d of %d; %.2f |\n",
		r.HostileEventsPerSec, r.HostileRejected, r.HostileEvents, r.HostileMBPerSec)
	fmt.Fprintf(b, "| the store's writer meanwhile: longest commit; share of the time committing | %.1f ms; %.0f%% |\n", r.LongestHoldMs, 100*r.WriterBusy)
	fmt.Fprintf(b, "| one identify post of %s of new attributes, alone: the writer's longest commit | %.1f ms |\n",
		kb(r.IdentifyPostBytes), r.IdentifyPostHoldMs)
	fmt.Fprintf(b, "| the hostile person's attributes; their poll (10 messages) | %s; %s |\n", kb(r.AttributesBytes), kb(r.PollBytes))
	fmt.Fprintf(b, "| one message's clicks after %d posts of 500 clicks | %s |\n\n", r.ClickBatches, kb(r.ClickBatchBytes))
}
