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

// recorder is a testing.TB whose Fatalf records the failure and ends the
// goroutine, as testing.T's does.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, a ...any) {
	r.failed = fmt.Sprintf(format, a...)
	runtime.Goexit()
}

func run(maxTime time.Duration, maxHeap uint64, f func()) string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fuzzbudget.Run(r, "input", maxTime, maxHeap, f)
	}()
	<-done
	return r.failed
}

var sink [][]byte

func TestRun(t *testing.T) {
	assert.Empty(t, run(time.Minute, 64<<20, func() { _ = strings.Repeat("x", 1<<20) }), "within budget")

	stop := make(chan struct{})
	defer close(stop)
	assert.Contains(t, run(20*time.Millisecond, 64<<20, func() { <-stop }), "input: still running after 20ms (the time budget)")

	release := make(chan struct{})
	defer close(release)
	assert.Contains(t, run(time.Minute, 16<<20, func() {
		for range 64 {
			sink = append(sink, make([]byte, 1<<20)) // kept: 64 MB live
		}
		<-release
	}), "the heap grew by")
	sink = nil
}
