package main

import (
	"fmt"
	"strings"
)

// targetLongestTaskCPUMs is the most CPU time, in ms, one task of the
// page's main thread may use while Roost loads: from 50 ms on, a task is a
// long task (it delays the page's answer to input). `make test` checks
// only what starts when (TestRuntimeStartsAfterTheLoadEvent); this is
// where the time is measured.
const targetLongestTaskCPUMs = 50

// mainThreadVerdict reports the longest main-thread task's CPU time (the
// median over the traced loads of TestBenchStartup) against its target.
func mainThreadVerdict(b *strings.Builder, cpuMs float64, tracedRuns int) {
	fmt.Fprintf(b, "Longest main-thread task from navigation to the message shown, in CPU time (median of %d traced loads): %s against the %d ms target.\n\n",
		tracedRuns, verdict(cpuMs < targetLongestTaskCPUMs, fmt.Sprintf("%.0f ms", cpuMs)), targetLongestTaskCPUMs)
}
