package httpapi

import (
	"math"
	"sync"
	"time"
)

// rateLimiter is a token bucket per key: each key may make burst requests
// at once and rate per second on average. Buckets that have refilled are
// forgotten, so memory stays bounded by the keys active in the last
// burst/rate seconds.
type rateLimiter struct {
	rate  float64 // tokens per second; <= 0: no limit
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

// bucket is one key's tokens as of when.
type bucket struct {
	tokens float64
	when   time.Time
}

// newRateLimiter returns a limiter of rate requests per second with burst;
// a rate <= 0 allows everything.
func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// allow takes one token of key's bucket at now. When there is none, it
// returns false and how long until there will be one.
func (l *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, when: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.when).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.when = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// sweep forgets, at most once a minute, the buckets that are full again.
func (l *rateLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for key, b := range l.buckets {
		if now.Sub(b.when) >= full {
			delete(l.buckets, key)
		}
	}
}
