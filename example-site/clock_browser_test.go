package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestServerClockDrivesDeliveries: a send takes its times from the message
// server's clock, which withServerClock sets and shiftServerClock shifts.
func TestServerClockDrivesDeliveries(t *testing.T) {
	const sixtyDays = 60 * 24 * time.Hour // order_shipped expires 60 days after it is sent
	base := time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)
	s := startSite(t, withServerClock(func() time.Time { return base }))

	id := s.sendInbox(t, seedSend)
	d := s.delivery(t, id)
	assert.Equal(t, float64(base.Unix()), d["queued_at"])
	assert.Equal(t, float64(base.Add(sixtyDays).Unix()), d["expires_at"])

	s.shiftServerClock(-sixtyDays + 5*time.Second)
	id = s.sendInbox(t, seedSend)
	d = s.delivery(t, id)
	assert.Equal(t, float64(base.Add(-sixtyDays+5*time.Second).Unix()), d["queued_at"])
	assert.Equal(t, float64(base.Add(5*time.Second).Unix()), d["expires_at"], "expires 5 s after the unshifted clock's now")

	s.shiftServerClock(0)
	assert.Equal(t, float64(base.Unix()), s.delivery(t, s.sendInbox(t, seedSend))["queued_at"], "shiftServerClock(0) puts the clock back")

	// Without withServerClock the shift is from the real time.
	now := startSite(t)
	now.shiftServerClock(-sixtyDays + 5*time.Second)
	sent := time.Now()
	id = now.sendInbox(t, seedSend)
	now.shiftServerClock(0)
	d = now.delivery(t, id)
	expires := time.Unix(int64(d["expires_at"].(float64)), 0)
	assert.WithinDuration(t, sent.Add(5*time.Second), expires, 2*time.Second, "expires about 5 s from now")
	assert.Equal(t, "queued", d["status"], "not expired yet")
}
