package poller_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testTiers are the tiers start gives its loop.
var testTiers = poller.Tiers{Active: time.Second, Inactive: 5 * time.Second, Low: 20 * time.Second}

// next takes the loop's next wait and lets it end.
func (h *harness) next(t *testing.T) time.Duration {
	t.Helper()
	d := h.clock.wait(t)
	h.clock.elapse(d)
	return d
}

func status(code int, retryAfter time.Duration) func() (poller.Response, error) {
	return func() (poller.Response, error) { return poller.Response{Status: code, RetryAfter: retryAfter}, nil }
}

func TestLoopEveryTierWithoutHint(t *testing.T) {
	h := start(t,
		ok(`"none"`, `{"messages":[]}`),
		ok(`"one"`, `{"messages":[{"delivery_id":"d1"}]}`),
		status(304, 0), // unchanged: still queued
		ok(`"gone"`, `{"messages":[]}`),
	)
	assert.Equal(t, testTiers.Low, h.next(t), "never received a message: Low")
	assert.Equal(t, testTiers.Active, h.next(t), "a message queued: Active")
	assert.Equal(t, testTiers.Active, h.next(t), "a 304 changes nothing: still Active")
	assert.Equal(t, testTiers.Inactive, h.next(t), "received, none queued: Inactive")

	// 30 days after the last message left the queue, the person is Low again.
	h.clock.wait(t)
	h.clock.elapse(30 * 24 * time.Hour)
	assert.Equal(t, testTiers.Low, h.clock.wait(t), "30 days after the last one: Low")
}

func TestLoopServerHintWinsOverClientTier(t *testing.T) {
	h := start(t,
		ok(`"a"`, `{"messages":[{"delivery_id":"d1"}],"next_poll_ms":7000,"tier":"active"}`),
		ok(`"b"`, `{"messages":[],"next_poll_ms":-5}`),                 // a nonsense hint is no hint: the last word holds
		ok(`"c"`, `{"messages":[],"next_poll_ms":900000000000000000}`), // absurd: cut to a day
	)
	assert.Equal(t, 7*time.Second, h.next(t), "the hint, not the client's Active tier")
	assert.Equal(t, 7*time.Second, h.next(t))
	assert.Equal(t, 24*time.Hour, h.next(t))
}

func TestLoop304CostsNoParsing(t *testing.T) {
	h := start(t,
		ok(`"v1"`, `{"messages":[{"delivery_id":"d1"}],"next_poll_ms":1000}`),
		func() (poller.Response, error) {
			return poller.Response{Status: 304, ETag: `"v1"`, Body: []byte(`{garbage`)}, nil
		},
	)
	assert.Equal(t, time.Second, h.next(t))
	assert.Equal(t, time.Second, h.next(t), "a 304 keeps the interval")
	h.clock.wait(t)
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Empty(t, h.errs, "a 304's body is never read")
	assert.Len(t, h.delivered, 1, "a 304 delivers nothing")
	h.transport.mu.Lock()
	defer h.transport.mu.Unlock()
	for _, c := range h.transport.calls[1:] {
		assert.Equal(t, `"v1"`, c.etag)
	}
}

func TestLoopBadBodyReportedLoopGoesOn(t *testing.T) {
	h := start(t,
		ok(`"a"`, `{"messages":[{"delivery_id":"d1"}],"next_poll_ms":1000}`),
		ok(`"b"`, `[1,2,3]`),
		ok(`"c"`, `{"messages":[{"delivery_id":"d1"}],"next_poll_ms":1000}`),
	)
	assert.Equal(t, time.Second, h.next(t))
	assert.Equal(t, 500*time.Millisecond, h.next(t), "a bad body is a failure: first backoff step")
	assert.Equal(t, time.Second, h.next(t), "and the next good answer is used")
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.errs, 1)
	assert.Contains(t, h.errs[0].Error(), "bad response body")
	assert.Len(t, h.delivered, 2)
	h.transport.mu.Lock()
	defer h.transport.mu.Unlock()
	assert.Equal(t, `"a"`, h.transport.calls[2].etag, "the ETag of a bad answer is not kept")
}

func TestLoopBackoffCappedAtLowAndRecovery(t *testing.T) {
	down := func() (poller.Response, error) { return poller.Response{}, errors.New("network down") }
	answers := []func() (poller.Response, error){ok(`"a"`, `{"messages":[{"delivery_id":"d1"}]}`)}
	for range 8 {
		answers = append(answers, down)
	}
	answers = append(answers, status(502, 0), ok(`"a"`, `{"messages":[{"delivery_id":"d1"}]}`))
	h := start(t, answers...)
	assert.Equal(t, testTiers.Active, h.next(t))
	var waits []time.Duration
	for range 9 {
		waits = append(waits, h.next(t))
	}
	s := time.Second
	assert.Equal(t, []time.Duration{s / 2, s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s, 10 * s}, waits,
		"doubling from the base, capped at the Low tier (half of it without jitter)")
	assert.Equal(t, testTiers.Active, h.next(t), "recovery goes straight back to the tier")
}

func TestLoopRetryAfterHonoured(t *testing.T) {
	h := start(t,
		status(429, 3*time.Second),
		status(503, 45*time.Second), // longer than the Low tier: still honoured
		status(429, 0),              // none given: the backoff
		ok(`"a"`, `{"messages":[],"next_poll_ms":2000}`),
	)
	assert.Equal(t, 3*time.Second, h.next(t))
	assert.Equal(t, 45*time.Second, h.next(t))
	assert.Equal(t, 2*time.Second, h.next(t), "third failure in a row: 4 s step, half of it without jitter")
	assert.Equal(t, 2*time.Second, h.next(t), "then the hint")
}

func TestBackoffJitterBounds(t *testing.T) {
	tiers := poller.Tiers{Active: time.Second, Inactive: 5 * time.Second, Low: 20 * time.Second}
	rng := rand.New(rand.NewPCG(1, 2))
	for run := range 200 {
		s := poller.NewSchedule(tiers, time.Second)
		s.SetJitter(rng.Float64)
		step := time.Second
		for failure := range 10 {
			d := s.Next(poller.Outcome{Failed: true}, t0)
			assert.GreaterOrEqual(t, d, step/2, "run %d failure %d", run, failure)
			assert.LessOrEqual(t, d, step, "run %d failure %d", run, failure)
			assert.LessOrEqual(t, d, tiers.Low)
			step = min(2*step, tiers.Low)
		}
	}
	// The jitter spreads retries: 100 schedules do not all pick one delay.
	seen := map[time.Duration]bool{}
	for range 100 {
		s := poller.NewSchedule(tiers, time.Second)
		seen[s.Next(poller.Outcome{Failed: true}, t0)] = true
	}
	assert.Greater(t, len(seen), 50)
}

func TestScheduleOnReceived(t *testing.T) {
	s := poller.NewSchedule(poller.Tiers{}, 0)
	var got []time.Time
	s.OnReceived(func(at time.Time) { got = append(got, at) })
	s.Next(poller.Outcome{}, t0)
	s.Next(poller.Outcome{Failed: true}, t0.Add(time.Second))
	s.Next(poller.Outcome{Queued: 1, Hint: time.Second}, t0.Add(2*time.Second))
	s.Next(poller.Outcome{Queued: 1}, t0.Add(3*time.Second))
	assert.Equal(t, []time.Time{t0.Add(2 * time.Second), t0.Add(3 * time.Second)}, got)
	assert.Equal(t, t0.Add(3*time.Second), s.LastReceived)
}

func TestLoopVisibleAgainBeforeDueWaitsTheRest(t *testing.T) {
	h := start(t, ok(`"a"`, `{"messages":[],"next_poll_ms":10000}`))
	assert.Equal(t, 10*time.Second, h.clock.wait(t))
	<-h.transport.polled
	h.loop.SetVisible(false)
	h.clock.mu.Lock()
	h.clock.now = h.clock.now.Add(4 * time.Second) // hidden for 4 s of the 10
	h.clock.mu.Unlock()
	h.loop.SetVisible(true)
	assert.Equal(t, 6*time.Second, h.clock.wait(t), "the poll is not due yet: wait the rest, no poll now")
	h.transport.mu.Lock()
	defer h.transport.mu.Unlock()
	assert.Len(t, h.transport.calls, 1)
}
