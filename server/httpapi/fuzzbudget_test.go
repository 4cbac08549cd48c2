package httpapi_test

import (
	"fmt"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Budgets of one fuzz input: handling it (every request a target makes of
// it) may take at most fuzzTimeBudget and allocate at most
// fuzzAllocBase plus fuzzAllocPerByte for each byte of the input. Handling
// is linear in the input, about 60 bytes allocated a byte of a 2 MiB send
// (decoding it into Go values, storing it); an input over the budget has
// found something worse than linear, a hang or a blow-up.
const (
	fuzzTimeBudget   = 3 * time.Second
	fuzzAllocBase    = 64 << 20
	fuzzAllocPerByte = 200
)

// allocatedBytes returns the bytes the process has allocated on the heap so far.
func allocatedBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// withinBudget runs handle, the handling of input, and fails t when it
// is over budget (overBudget).
func withinBudget(t *testing.T, input string, handle func()) {
	t.Helper()
	if why := overBudget(input, handle); why != "" {
		t.Fatalf("%s: %.200q", why, input)
	}
}

// overBudget runs handle, the handling of input, and says how it went
// over budget: it took longer than fuzzTimeBudget, or allocated more than
// fuzzAllocBase + fuzzAllocPerByte a byte of input; else "". Each fuzz
// worker handles one input at a time, so the process's allocations are
// the input's (and a little of the store's background work).
func overBudget(input string, handle func()) string {
	start, before := time.Now(), allocatedBytes()
	handle()
	took, alloc := time.Since(start), allocatedBytes()-before
	if took > fuzzTimeBudget {
		return fmt.Sprintf("an input of %d bytes took %s, over the budget of %s", len(input), took, fuzzTimeBudget)
	}
	if limit := uint64(fuzzAllocBase + fuzzAllocPerByte*len(input)); alloc > limit {
		return fmt.Sprintf("an input of %d bytes allocated %d MiB, over the budget of %d MiB", len(input), alloc>>20, limit>>20)
	}
	return ""
}

// TestOverBudget: the budget check fails an input whose handling
// allocates quadratically in its size, and passes one that allocates
// linearly.
func TestOverBudget(t *testing.T) {
	input := string(make([]byte, 1<<10))
	var sink [][]byte
	why := overBudget(input, func() {
		for range len(input) {
			sink = append(sink, make([]byte, 100*len(input)))
		}
	})
	assert.Contains(t, why, "over the budget of 64 MiB", "100 MiB for 1 KiB of input")
	sink = nil
	assert.Empty(t, overBudget(input, func() { sink = append(sink, make([]byte, 40*len(input))) }))
}
