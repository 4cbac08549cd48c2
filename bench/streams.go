package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Targets of the stream capacity measurement (issue 17).
const (
	targetStreams        = 10_000
	targetBytesPerStream = 20_000
)

// streamSample is a memory sample of httpapi.TestBenchStreams.
type streamSample struct {
	RSS        float64 `json:"rss_bytes"`
	Heap       float64 `json:"heap_bytes"`
	Stack      float64 `json:"stack_bytes"`
	Goroutines float64 `json:"goroutines"`
}

// streamsTable reports httpapi.TestBenchStreams: a roost serve process
// holding many streams, its memory per stream, its CPU for heartbeats,
// and polls and sends meanwhile.
func streamsTable(b *strings.Builder, out string) {
	var r struct {
		Streams                int          `json:"streams"`
		OpenSeconds            float64      `json:"open_seconds"`
		Before                 streamSample `json:"before"`
		Open                   streamSample `json:"open"`
		OpenPerStream          streamSample `json:"open_per_stream"`
		AfterPerStream         streamSample `json:"after_per_stream"`
		HeartbeatMs            int64        `json:"heartbeat_ms"`
		WindowSeconds          float64      `json:"window_seconds"`
		Heartbeats             int64        `json:"heartbeats"`
		HeartbeatCPUSeconds    float64      `json:"heartbeat_cpu_seconds"`
		CPUMsPer1000Heartbeats float64      `json:"cpu_ms_per_1000_heartbeats"`
		Polls                  int          `json:"polls"`
		PollsPerSec            float64      `json:"polls_per_sec"`
		PollP50Ms              float64      `json:"poll_p50_ms"`
		PollP99Ms              float64      `json:"poll_p99_ms"`
		Sends                  int          `json:"sends"`
		Pushed                 int          `json:"pushed"`
		PushP50Ms              float64      `json:"push_p50_ms"`
		PushP99Ms              float64      `json:"push_p99_ms"`
		GCs                    int64        `json:"gcs"`
	}
	readJSON(filepath.Join(out, "streams.json"), &r)
	per := r.OpenPerStream
	fmt.Fprintf(b, "### Streams held by one roost serve process (SQLite, loopback; raw TCP clients, one stream a person)\n\n")
	fmt.Fprintf(b, "| measure | value | target |\n|---|---:|---|\n")
	fmt.Fprintf(b, "| streams open at once (each got its first answer); time to open them, 32 clients at once | %s; %.1f s | %s |\n",
		thousandsInt(r.Streams), r.OpenSeconds, verdict(r.Streams >= targetStreams, thousandsInt(r.Streams)))
	fmt.Fprintf(b, "| **memory per stream: resident set** (%.0f MB with none, %.0f MB with them) | **%s** | %s |\n",
		r.Before.RSS/1e6, r.Open.RSS/1e6, kb(int(per.RSS)), verdict(per.RSS <= targetBytesPerStream, kb(int(per.RSS))))
	fmt.Fprintf(b, "| of it, Go heap in use (garbage not yet collected included) + goroutine stacks; goroutines | %s + %s; %.0f | |\n",
		kb(int(per.Heap)), kb(int(per.Stack)), per.Goroutines)
	fmt.Fprintf(b, "| heartbeats at one a %d ms: got by the clients in %.0f s; the process's CPU meanwhile | %s; %.2f s (%.2f cores) | |\n",
		r.HeartbeatMs, r.WindowSeconds, thousandsInt(int(r.Heartbeats)), r.HeartbeatCPUSeconds, r.HeartbeatCPUSeconds/r.WindowSeconds)
	fmt.Fprintf(b, "| **CPU per 1,000 heartbeats** (at the default 15 s, %s streams make %.0f a second) | **%.1f ms** | |\n",
		thousandsInt(r.Streams), float64(r.Streams)/15, r.CPUMsPer1000Heartbeats)
	fmt.Fprintf(b, "| polls meanwhile (16 clients at once, %s of them): per second; p50 / p99 | %.0f; %.1f ms / %.1f ms | |\n",
		thousandsInt(r.Polls), r.PollsPerSec, r.PollP50Ms, r.PollP99Ms)
	fmt.Fprintf(b, "| sends meanwhile, one at a time: pushed to their person's stream; send to push p50 / p99 | %d of %d; %.1f ms / %.1f ms | |\n",
		r.Pushed, r.Sends, r.PushP50Ms, r.PushP99Ms)
	fmt.Fprintf(b, "| memory per stream after the polls and sends (%d GCs meanwhile): resident set; heap + stacks | %s; %s + %s | |\n\n",
		r.GCs, kb(int(r.AfterPerStream.RSS)), kb(int(r.AfterPerStream.Heap)), kb(int(r.AfterPerStream.Stack)))
	fmt.Fprintf(b, "A stream is a net/http request whose goroutine waits for its person's writes, the heartbeat and its timers; net/http adds a "+
		"goroutine reading the connection (to see the client leave) and keeps its 4 KiB read buffer, 4 KiB write buffer and 2 KiB "+
		"response buffer, about 10 KiB of the heap per stream; the two goroutines' stacks are 12 KiB once the GC has shrunk them.\n\n")
}

// thousandsInt writes n with a comma between groups of three digits.
func thousandsInt(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
