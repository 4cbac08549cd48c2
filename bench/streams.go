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

// streamsRun is one path's measure in httpapi.TestBenchStreams's
// streams.json.
type streamsRun struct {
	Path                   string       `json:"path"`
	LoadAvg                string       `json:"load_avg"`
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

// streamsTable reports httpapi.TestBenchStreams: a roost serve process
// holding many streams, its memory per stream, its CPU for heartbeats,
// and polls and sends meanwhile, for each path a stream takes side by
// side (the first is the one served; the target applies to it).
func streamsTable(b *strings.Builder, out string) {
	var runs []streamsRun
	readJSON(filepath.Join(out, "streams.json"), &runs)
	if len(runs) == 0 {
		return
	}
	row := func(measure string, cell func(r streamsRun) string, target string) {
		fmt.Fprintf(b, "| %s |", measure)
		for _, r := range runs {
			fmt.Fprintf(b, " %s |", cell(r))
		}
		fmt.Fprintf(b, " %s |\n", target)
	}
	main := runs[0]
	fmt.Fprintf(b, "### Streams held by one roost serve process (SQLite, loopback; raw TCP clients, one stream a person)\n\n")
	fmt.Fprintf(b, "| measure |")
	for _, r := range runs {
		fmt.Fprintf(b, " %s |", r.Path)
	}
	fmt.Fprintf(b, " target (%s) |\n|---|", main.Path)
	for range runs {
		fmt.Fprintf(b, "---:|")
	}
	fmt.Fprintf(b, "---|\n")
	row("streams open at once (each got its first answer); time to open them, 32 clients at once", func(r streamsRun) string {
		return fmt.Sprintf("%s; %.1f s", thousandsInt(r.Streams), r.OpenSeconds)
	}, verdict(main.Streams >= targetStreams, thousandsInt(main.Streams)))
	row("**memory per stream: resident set** (MB with none, with them)", func(r streamsRun) string {
		return fmt.Sprintf("**%s** (%.0f, %.0f MB)", kb(int(r.OpenPerStream.RSS)), r.Before.RSS/1e6, r.Open.RSS/1e6)
	}, verdict(main.OpenPerStream.RSS <= targetBytesPerStream, kb(int(main.OpenPerStream.RSS))))
	row("of it, Go heap in use (garbage not yet collected included) + goroutine stacks", func(r streamsRun) string {
		return kb(int(r.OpenPerStream.Heap)) + " + " + kb(int(r.OpenPerStream.Stack))
	}, "")
	row("goroutines per stream", func(r streamsRun) string { return fmt.Sprintf("%.2f", r.OpenPerStream.Goroutines) }, "")
	row(fmt.Sprintf("heartbeats at one a %d ms: got by the clients in the window; the process's CPU meanwhile", main.HeartbeatMs), func(r streamsRun) string {
		return fmt.Sprintf("%s in %.0f s; %.2f s (%.2f cores)", thousandsInt(int(r.Heartbeats)), r.WindowSeconds, r.HeartbeatCPUSeconds, r.HeartbeatCPUSeconds/r.WindowSeconds)
	}, "")
	row(fmt.Sprintf("**CPU per 1,000 heartbeats** (at the default 15 s, %s streams make %.0f a second)", thousandsInt(main.Streams), float64(main.Streams)/15),
		func(r streamsRun) string { return fmt.Sprintf("**%.1f ms**", r.CPUMsPer1000Heartbeats) }, "")
	row("polls meanwhile (16 clients at once): how many; per second; p50 / p99", func(r streamsRun) string {
		return fmt.Sprintf("%s; %.0f/s; %.1f / %.1f ms", thousandsInt(r.Polls), r.PollsPerSec, r.PollP50Ms, r.PollP99Ms)
	}, "")
	row("sends meanwhile, one at a time: pushed to their person's stream; send to push p50 / p99", func(r streamsRun) string {
		return fmt.Sprintf("%d of %d; %.1f / %.1f ms", r.Pushed, r.Sends, r.PushP50Ms, r.PushP99Ms)
	}, "")
	row("memory per stream after the polls and sends (GCs meanwhile): resident set; heap + stacks", func(r streamsRun) string {
		return fmt.Sprintf("%s; %s + %s (%d GCs)", kb(int(r.AfterPerStream.RSS)), kb(int(r.AfterPerStream.Heap)), kb(int(r.AfterPerStream.Stack)), r.GCs)
	}, "")
	row("load average (1, 5, 15 min) at the end", func(r streamsRun) string { return r.LoadAvg }, "")
	fmt.Fprintf(b, "\nOn the hijacked path (HTTP/1.1, what roost serves) a stream takes its connection over once it is accepted: net/http's "+
		"request, its 4 KiB read and write buffers, its 2 KiB response buffer and its two goroutines are freed, and the stream is "+
		"a goroutine of its own writing straight to the connection, plus one blocked on a 1-byte read to see the client leave. "+
		"On net/http's path (the fallback where a connection cannot be taken: HTTP/2, a ResponseWriter that cannot hijack; "+
		"measured with -stream-plain) the stream is the request's handler, and net/http keeps those buffers and goroutines.\n\n")
}

// thousandsInt writes n with a comma between groups of three digits.
func thousandsInt(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
