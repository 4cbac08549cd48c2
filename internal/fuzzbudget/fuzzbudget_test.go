package fuzzbudget_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/roostmsg/roost/internal/fuzzbudget"
	"github.com/stretchr/testify/assert"
)

// recorder is a testing.TB whose Fatalf and FailNow record the failure
// and end the goroutine, as testing.T's do.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, a ...any) {
	r.failed = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (r *recorder) FailNow() {
	if r.failed == "" {
		r.failed = "FailNow"
	}
	runtime.Goexit()
}

// check runs f, the handling of an input of size bytes, within b, and
// returns the failure it causes, or "", once f has returned (f keeps
// running after a failure, and would add to the next check's measures).
func check(b fuzzbudget.Budget, size int, f func()) string {
	r := &recorder{}
	done, returned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		b.Check(r, "input", size, func() {
			defer close(returned)
			f()
		})
	}()
	<-done
	<-returned
	return r.failed
}

var sink [][]byte

func TestCheck(t *testing.T) {
	assert.Empty(t, check(fuzzbudget.Budget{Time: time.Minute, Heap: 64 << 20, Alloc: 64 << 20}, 0, func() { _ = strings.Repeat("x", 1<<20) }), "within budget")
	assert.Empty(t, check(fuzzbudget.Budget{}, 0, func() { _ = strings.Repeat("x", 1<<20) }), "no limits")

	assert.Contains(t, check(fuzzbudget.Budget{Time: 20 * time.Millisecond}, 7, func() { time.Sleep(300 * time.Millisecond) }),
		"input: an input of 7 bytes is still running after 20ms (the time budget)")

	assert.Contains(t, check(fuzzbudget.Budget{Time: time.Minute, Heap: 16 << 20}, 0, func() {
		for range 64 {
			sink = append(sink, make([]byte, 1<<20)) // kept: 64 MB live
		}
		time.Sleep(100 * time.Millisecond) // the failure comes while f runs
	}), "grew the heap by")
	sink = nil
}

// TestTimePerByte: the time budget grows with the input.
func TestTimePerByte(t *testing.T) {
	b := fuzzbudget.Budget{Time: 10 * time.Millisecond, TimePerByte: time.Millisecond}
	sleep := func() { time.Sleep(50 * time.Millisecond) }
	assert.Empty(t, check(b, 1000, sleep), "1010 ms for 1000 bytes")
	assert.Contains(t, check(b, 10, sleep), "an input of 10 bytes is still running after 20ms")
}

// TestOverBudget: the allocation budget fails an input whose handling
// allocates quadratically in its size, even when all it allocates is
// garbage (which the heap's growth sees only until it is collected), and
// passes one that allocates linearly.
func TestOverBudget(t *testing.T) {
	const size = 1 << 10
	quadratic := func() {
		for range size {
			sink = [][]byte{make([]byte, 100*size)} // 100 MiB in all, 100 KiB live
		}
	}
	linear := func() { sink = append(sink, make([]byte, 40*size)) }
	defer func() { sink = nil }()

	allocs := fuzzbudget.Budget{Alloc: 64 << 20, AllocPerByte: 200}
	assert.Contains(t, check(allocs, size, quadratic), "input: an input of 1024 bytes allocated", "100 MiB for 1 KiB of input")
	assert.Contains(t, check(allocs, size, quadratic), "over the budget of 64.2 MiB")
	assert.Empty(t, check(allocs, size, linear))
}

// TestFailureInF: a t.Fatal in f ends the test; a panic in f is panicked
// again on t's goroutine.
func TestFailureInF(t *testing.T) {
	r := &recorder{}
	done := make(chan struct{})
	returned := false
	go func() {
		defer close(done)
		fuzzbudget.Budget{Time: time.Minute}.Check(r, "input", 0, func() { r.Fatalf("f failed") })
		returned = true
	}()
	<-done
	assert.Equal(t, "f failed", r.failed)
	assert.False(t, returned, "Check ended the test")

	assert.PanicsWithValue(t, "boom", func() {
		fuzzbudget.Budget{Time: time.Minute}.Check(t, "input", 0, func() { panic("boom") })
	})
}
