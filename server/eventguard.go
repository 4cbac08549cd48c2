package server

import (
	"context"
	"math"
	"sync"
	"time"
)

// personLocks lets one call at a time run for each person: ApplyEvents
// holds a person's lock while the store applies their batch, so one
// person's batches reach the store's writer one after another, however
// many connections they post from. The zero value is ready to use.
type personLocks struct {
	mu sync.Mutex
	// held maps a person to the channel that is closed when their lock is
	// released; a person whose lock is free is not in it.
	held map[string]chan struct{}
}

// lock waits until personID's lock is free and takes it, or returns ctx's
// error if ctx is done first. The caller must call unlock once.
func (l *personLocks) lock(ctx context.Context, personID string) (unlock func(), err error) {
	for {
		l.mu.Lock()
		if l.held == nil {
			l.held = map[string]chan struct{}{}
		}
		wait, busy := l.held[personID]
		if !busy {
			done := make(chan struct{})
			l.held[personID] = done
			l.mu.Unlock()
			return func() {
				l.mu.Lock()
				delete(l.held, personID)
				l.mu.Unlock()
				close(done)
			}, nil
		}
		l.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// eventBudget is a token bucket of events per person (EventsPerSecond,
// EventsBurst): ApplyEvents takes a batch's events from the person's
// bucket, or refuses the batch. Buckets that have refilled are forgotten,
// so memory stays bounded by the people who posted in the last
// EventsBurst/EventsPerSecond seconds. The zero value is ready to use.
type eventBudget struct {
	mu      sync.Mutex
	buckets map[string]budgetBucket
	swept   time.Time
}

// budgetBucket is one person's tokens as of at, and need, the size of
// their last batch refused (0 once one is taken).
type budgetBucket struct {
	tokens, need float64
	at           time.Time
}

// tokensAt returns b's tokens at now: refilled, at most EventsBurst.
func (b budgetBucket) tokensAt(now time.Time) float64 {
	return math.Min(EventsBurst, b.tokens+now.Sub(b.at).Seconds()*EventsPerSecond)
}

// take takes n tokens from personID's bucket at now. When there are not
// that many, it empties the bucket, so that posting over the budget only
// makes the wait longer, and returns false and how long until there are n.
func (e *eventBudget) take(personID string, n int, now time.Time) (bool, time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.buckets == nil {
		e.buckets = map[string]budgetBucket{}
	}
	e.sweep(now)
	tokens := e.tokensAt(personID, now)
	if tokens >= float64(n) {
		e.buckets[personID] = budgetBucket{tokens: tokens - float64(n), at: now}
		return true, 0
	}
	e.buckets[personID] = budgetBucket{need: float64(n), at: now}
	return false, untilTokens(float64(n), 0)
}

// check reports whether personID's bucket has a token at now, and room for
// a batch as big as their last one refused, without taking any; or how
// long until it has: until then their batches are refused before they are
// even read, so that posting over the budget costs the server little.
func (e *eventBudget) check(personID string, now time.Time) (bool, time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	need := 1.0
	if b, ok := e.buckets[personID]; ok {
		need = math.Max(need, b.need)
	}
	if tokens := e.tokensAt(personID, now); tokens < need {
		return false, untilTokens(need, tokens)
	}
	return true, 0
}

// tokensAt returns personID's tokens at now; e.mu is held.
func (e *eventBudget) tokensAt(personID string, now time.Time) float64 {
	if b, ok := e.buckets[personID]; ok {
		return b.tokensAt(now)
	}
	return EventsBurst
}

// untilTokens is how long a bucket with tokens takes to have n.
func untilTokens(n, tokens float64) time.Duration {
	return time.Duration((n - tokens) / EventsPerSecond * float64(time.Second))
}

// sweep forgets, at most once a minute, the buckets that are full again.
func (e *eventBudget) sweep(now time.Time) {
	if now.Sub(e.swept) < time.Minute {
		return
	}
	e.swept = now
	for id, b := range e.buckets {
		if b.tokensAt(now) >= EventsBurst {
			delete(e.buckets, id)
		}
	}
}
