package poller_test

import (
	"testing"
	"time"

	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func TestScheduleTiers(t *testing.T) {
	s := poller.NewSchedule(poller.Tiers{}, 0)
	assert.Equal(t, 180*time.Second, s.Next(poller.Outcome{}, t0), "never received: Low")
	assert.Equal(t, 10*time.Second, s.Next(poller.Outcome{Queued: 2}, t0), "queued: Active")
	assert.Equal(t, 60*time.Second, s.Next(poller.Outcome{}, t0.Add(time.Hour)), "received recently, none queued: Inactive")
	assert.Equal(t, 60*time.Second, s.Next(poller.Outcome{}, t0.Add(29*24*time.Hour)))
	assert.Equal(t, 180*time.Second, s.Next(poller.Outcome{}, t0.Add(30*24*time.Hour)), "30 days later: Low again")
}

func TestScheduleLearnedAcrossLoads(t *testing.T) {
	s := poller.NewSchedule(poller.Tiers{}, 0)
	s.LastReceived = t0.Add(-time.Hour) // restored from the last page load
	assert.Equal(t, 60*time.Second, s.Next(poller.Outcome{}, t0))
}

func TestScheduleServerHintWins(t *testing.T) {
	s := poller.NewSchedule(poller.Tiers{}, 0)
	assert.Equal(t, 42*time.Millisecond, s.Next(poller.Outcome{Hint: 42 * time.Millisecond}, t0))
	assert.Equal(t, 42*time.Millisecond, s.Next(poller.Outcome{}, t0), "a 304 keeps the last hint")
	assert.Equal(t, 7*time.Second, s.Next(poller.Outcome{Hint: 7 * time.Second, Queued: 0}, t0))
}

func TestScheduleBackoff(t *testing.T) {
	s := poller.NewSchedule(poller.Tiers{Active: time.Second, Inactive: 5 * time.Second, Low: 20 * time.Second}, time.Second)
	s.SetJitter(func() float64 { return 0 })
	var got []time.Duration
	for range 7 {
		got = append(got, s.Next(poller.Outcome{Failed: true}, t0))
	}
	// half of 1, 2, 4, 8, 16, then capped at Low (20 s)
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}, got)

	s.SetJitter(func() float64 { return 0.999999 })
	assert.InDelta(t, float64(20*time.Second), float64(s.Next(poller.Outcome{Failed: true}, t0)), float64(time.Millisecond), "never above Low")

	assert.Equal(t, time.Second, s.Next(poller.Outcome{Queued: 1}, t0), "recovery goes straight back to the tier")
	s.SetJitter(func() float64 { return 0 })
	assert.Equal(t, 500*time.Millisecond, s.Next(poller.Outcome{Failed: true}, t0), "backoff starts over after a success")
}

func TestScheduleRetryAfter(t *testing.T) {
	s := poller.NewSchedule(poller.Tiers{}, time.Second)
	assert.Equal(t, 30*time.Second, s.Next(poller.Outcome{Failed: true, RetryAfter: 30 * time.Second}, t0))
}
