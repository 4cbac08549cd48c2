// Package fuzzbudget lets a fuzz target fail an input that takes too long or
// grows the heap too much, instead of hanging or running out of memory.
package fuzzbudget

import (
	"runtime/metrics"
	"testing"
	"time"
)

// heapMetric is the bytes of the heap's objects, live or not yet swept.
const heapMetric = "/memory/classes/heap/objects:bytes"

// Run runs f in a new goroutine and fails t (t.Fatalf, from t's goroutine)
// when f has not returned within maxTime, or when the heap grows by more
// than maxHeap bytes while it runs (sampled every millisecond). f keeps
// running after such a failure; the failing test ends the fuzz process.
// what names the input in the failure.
func Run(t testing.TB, what string, maxTime time.Duration, maxHeap uint64, f func()) {
	t.Helper()
	sample := []metrics.Sample{{Name: heapMetric}}
	heap := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := heap()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	timeout := time.NewTimer(maxTime)
	defer timeout.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case p := <-done:
			if p != nil {
				panic(p)
			}
			return
		case <-timeout.C:
			t.Fatalf("%s: still running after %v (the time budget)", what, maxTime)
		case <-tick.C:
			if h := heap(); h > base && h-base > maxHeap {
				t.Fatalf("%s: the heap grew by %d MB in %v (the budget is %d MB)", what, (h-base)>>20, time.Since(start).Round(time.Millisecond), maxHeap>>20)
			}
		}
	}
}
