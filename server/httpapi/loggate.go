package httpapi

import (
	"sync/atomic"
	"time"
)

// logGate lets a line be logged at most once per ThrottleLogEvery, however
// many requests would log it.
type logGate struct {
	last atomic.Int64 // unix nanoseconds of the last line; 0: none yet
}

// due reports whether the line may be logged at now, and if so counts it.
func (g *logGate) due(now time.Time) bool {
	last := g.last.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < ThrottleLogEvery {
		return false
	}
	return g.last.CompareAndSwap(last, now.UnixNano())
}
