// Package poller decides when the browser runtime asks the server for queued
// messages, and runs the poll loop over a small Transport with an injected
// clock; with a Streamer, the loop takes the same answers from the push
// channel (Server-Sent Events) and polls only while that is down.
package poller

import (
	"math/rand/v2"
	"time"
)

// Tiers are the seed docs' polling intervals.
type Tiers struct {
	// Active is used while messages are queued (10 s).
	Active time.Duration
	// Inactive is used when a message was received in the last 30 days but none is queued (60 s).
	Inactive time.Duration
	// Low is used before any message was received, and 30 days after the last one (180 s).
	Low time.Duration
}

// DefaultTiers are the intervals of the seed docs.
var DefaultTiers = Tiers{Active: 10 * time.Second, Inactive: 60 * time.Second, Low: 180 * time.Second}

// recentWindow is how long after the last received message the Inactive tier holds.
const recentWindow = 30 * 24 * time.Hour

// Outcome is what one poll came to.
type Outcome struct {
	// Failed is a network error, a 5xx, a 429 or a body that could not be used.
	Failed bool
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Hint is the interval the server asked for; 0 when it gave none.
	Hint time.Duration
	// Queued is how many messages are queued for the person after this poll
	// (unchanged on a 304).
	Queued int
}

// Schedule works out the delay before the next poll. The zero value is not
// usable; make one with NewSchedule.
type Schedule struct {
	tiers       Tiers
	backoffBase time.Duration
	jitter      func() float64
	failures    int
	hint        time.Duration
	// LastReceived is when a message was last seen queued; the client tiers use
	// it when the server gives no hint. Persist it across page loads.
	LastReceived time.Time
	// onReceived, when set, hears every change of LastReceived.
	onReceived func(time.Time)
}

// maxHint bounds the server's interval hint, so an absurd next_poll_ms
// neither overflows a time.Duration nor stops polling for good.
const maxHint = 24 * time.Hour

// OnReceived sets f to be called, from Next, with the new LastReceived each
// time a poll saw messages queued: the place to persist what the schedule learned.
func (s *Schedule) OnReceived(f func(lastReceived time.Time)) { s.onReceived = f }

// NewSchedule returns a schedule over tiers (DefaultTiers when zero).
// backoffBase is the first retry delay after a failure (1 s when zero).
func NewSchedule(tiers Tiers, backoffBase time.Duration) *Schedule {
	if tiers == (Tiers{}) {
		tiers = DefaultTiers
	}
	if backoffBase <= 0 {
		backoffBase = time.Second
	}
	return &Schedule{tiers: tiers, backoffBase: backoffBase, jitter: rand.Float64}
}

// SetJitter replaces the source of randomness (a value in [0,1)) used to spread retries.
func (s *Schedule) SetJitter(f func() float64) { s.jitter = f }

// Next records the outcome of a poll made at now and returns how long to wait
// before the next one.
func (s *Schedule) Next(o Outcome, now time.Time) time.Duration {
	if o.Failed {
		s.failures++
		d := s.backoff()
		if o.RetryAfter > d {
			d = o.RetryAfter
		}
		return d
	}
	s.failures = 0
	if o.Queued > 0 {
		s.LastReceived = now
		if s.onReceived != nil {
			s.onReceived(now)
		}
	}
	if o.Hint > 0 {
		s.hint = min(o.Hint, maxHint)
		return s.hint
	}
	if s.hint > 0 {
		return s.hint // a 304 keeps the server's last word
	}
	return s.Tier(o.Queued, now)
}

// Tier is the interval the client picks by itself, without a server hint.
func (s *Schedule) Tier(queued int, now time.Time) time.Duration {
	switch {
	case queued > 0:
		return s.tiers.Active
	case !s.LastReceived.IsZero() && now.Sub(s.LastReceived) < recentWindow:
		return s.tiers.Inactive
	default:
		return s.tiers.Low
	}
}

// backoff is exponential with jitter (between half and all of the step), capped at the Low tier.
func (s *Schedule) backoff() time.Duration {
	step := s.backoffBase
	for i := 1; i < s.failures && step < s.tiers.Low; i++ {
		step *= 2
	}
	step = min(step, s.tiers.Low)
	return step/2 + time.Duration(s.jitter()*float64(step/2))
}
