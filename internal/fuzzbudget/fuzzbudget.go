// Package fuzzbudget lets a fuzz target fail an input that takes too long,
// allocates too much or grows the heap too much, instead of hanging or
// running out of memory. It is the one budget check of the repository's
// fuzz targets.
package fuzzbudget

import (
	"fmt"
	"runtime/metrics"
	"testing"
	"time"
)

// Budget is what handling one fuzz input may cost. Each limit is a fixed
// part plus a part for each byte of the input; a limit whose two parts are
// zero is not checked.
//
// The two memory measures catch different things. Alloc counts every byte
// allocated on the heap, garbage included: it catches work that is
// quadratic in the input even when the garbage is collected as it goes,
// but needs a per-byte model of how much handling allocates. Heap counts
// the growth of the heap's objects, live or not yet swept: it catches a
// blow-up of what is kept, without such a model, but as it also sees the
// garbage of a GC cycle, its limit needs room for that. Alloc bounds Heap,
// so a budget rarely needs both.
type Budget struct {
	Time        time.Duration // time f may take
	TimePerByte time.Duration // added to Time for each byte of input

	Alloc        uint64 // bytes f may allocate in all
	AllocPerByte uint64 // added to Alloc for each byte of input

	Heap        uint64 // bytes the heap may grow by while f runs
	HeapPerByte uint64 // added to Heap for each byte of input
}

// limits are a Budget's limits for an input of one size.
type limits struct {
	time        time.Duration
	alloc, heap uint64
}

func (b Budget) limits(size int) limits {
	n := uint64(max(size, 0))
	return limits{
		time:  b.Time + time.Duration(n)*b.TimePerByte,
		alloc: b.Alloc + n*b.AllocPerByte,
		heap:  b.Heap + n*b.HeapPerByte,
	}
}

// Each fuzz worker handles one input at a time, so the process's
// allocations while f runs are the input's (and a little background work).
const (
	allocMetric = "/gc/heap/allocs:bytes"              // bytes allocated so far
	heapMetric  = "/memory/classes/heap/objects:bytes" // heap objects, live or not yet swept
)

// usage is the process's memory at one time.
type usage struct{ alloc, heap uint64 }

// meter reads the process's usage; it is cheap (no stop of the world).
type meter []metrics.Sample

func newMeter() meter { return meter{{Name: allocMetric}, {Name: heapMetric}} }

func (m meter) read() usage {
	metrics.Read(m)
	return usage{alloc: m[0].Value.Uint64(), heap: m[1].Value.Uint64()}
}

// over says how now, measured since base, is over the memory limits l of
// an input of size bytes, or "".
func (l limits) over(size int, base, now usage, took time.Duration) string {
	took = took.Round(time.Millisecond)
	if a := now.alloc - base.alloc; l.alloc > 0 && a > l.alloc {
		return fmt.Sprintf("an input of %d bytes allocated %s in %v, over the budget of %s", size, mib(a), took, mib(l.alloc))
	}
	if l.heap > 0 && now.heap > base.heap && now.heap-base.heap > l.heap {
		return fmt.Sprintf("an input of %d bytes grew the heap by %s in %v, over the budget of %s", size, mib(now.heap-base.heap), took, mib(l.heap))
	}
	return ""
}

// mib formats a number of bytes in MiB.
func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// outcome is how f ended: it returned, panicked with panicked, or exited
// its goroutine (t.FailNow, runtime.Goexit).
type outcome struct {
	panicked any
	exited   bool
}

// Check runs f, the handling of an input of size bytes, in a new goroutine
// and fails t (t.Fatalf, from t's goroutine) when f goes over b: when it
// has not returned within its time, or when its allocations or the heap's
// growth go over their limits (sampled every millisecond while f runs, and
// when it returns). After such a failure f keeps running; the failing test
// ends the fuzz process. what names the input in the failure.
//
// f should report its own failures with t.Error; a t.Fatal in f also ends
// the test, from t's goroutine, and a panic in f is panicked again there.
func (b Budget) Check(t testing.TB, what string, size int, f func()) {
	t.Helper()
	l := b.limits(size)
	m := newMeter()
	done := make(chan outcome, 1)
	base, start := m.read(), time.Now()
	go func() {
		returned := false
		defer func() {
			p := recover()
			done <- outcome{panicked: p, exited: p == nil && !returned}
		}()
		f()
		returned = true
	}()
	var timeout <-chan time.Time
	if l.time > 0 {
		timer := time.NewTimer(l.time)
		defer timer.Stop()
		timeout = timer.C
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case o := <-done:
			took, now := time.Since(start), m.read()
			switch {
			case o.panicked != nil:
				panic(o.panicked)
			case o.exited:
				t.FailNow() // f called t.FailNow: end the test from its goroutine too
			case l.time > 0 && took > l.time:
				t.Fatalf("%s: an input of %d bytes took %v, over the budget of %v", what, size, took.Round(time.Millisecond), l.time)
			}
			if why := l.over(size, base, now, took); why != "" {
				t.Fatalf("%s: %s", what, why)
			}
			return
		case <-timeout:
			t.Fatalf("%s: an input of %d bytes is still running after %v (the time budget)", what, size, l.time)
		case <-tick.C:
			if why := l.over(size, base, m.read(), time.Since(start)); why != "" {
				t.Fatalf("%s: %s", what, why)
			}
		}
	}
}
