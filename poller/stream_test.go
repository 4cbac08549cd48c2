package poller_test

import (
	"testing"
	"time"

	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const hinted = `{"messages":[],"next_poll_ms":30000}`

func TestStreamHealthyMeansNoPolls(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted))
	c := h.opened(t)
	assert.Equal(t, `"p1"`, c.etag, "the stream opens after the first poll, with its ETag")
	assert.Equal(t, t0, c.at)

	// A whole (fake) day of heartbeats: no poll, though the server hinted 30 s.
	for range 24 * 60 * 60 / 5 {
		require.False(t, h.clock.advance(5*time.Second))
		require.Equal(t, 2*heartbeat, c.send(t, h, ": ping\n\n"), "the watchdog: two heartbeat periods")
	}
	assert.Equal(t, 1, h.polls.count())
	assert.True(t, c.open())

	// An answer reaches deliver as a poll's would.
	c.send(t, h, answerEvent(`"s1"`, `{"messages":[{"delivery_id":"d1"}],"next_poll_ms":7000,"tier":"active"}`))
	got := h.deliveries()
	require.Len(t, got, 2)
	assert.Equal(t, "d1", got[1].Messages[0].DeliveryID)
	assert.Equal(t, int64(7000), got[1].NextPollMs)

	// unchanged is a 304, an unknown event is ignored.
	c.send(t, h, "event: unchanged\nid: \"s1\"\ndata: {}\n\nevent: later-protocol\ndata: x\n\n")
	assert.Len(t, h.deliveries(), 2)
	assert.Empty(t, h.errors())
	assert.Equal(t, 1, h.polls.count())
	assert.True(t, c.open())
}

func TestStreamFailurePollsAtOnceThenOnTheHint(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted))
	c := h.opened(t)
	c.send(t, h, answerEvent(`"s1"`, `{"messages":[],"next_poll_ms":7000}`))
	h.clock.advance(3 * time.Second)

	c.end(t, nil) // the server ended it
	assert.Equal(t, 500*time.Millisecond, h.wait(t), "the reconnection's backoff: half to all of 1 s")
	assert.Equal(t, call{`"s1"`, t0.Add(3 * time.Second)}, h.polls.last(), "a poll at once, with the stream's ETag")
	assert.Empty(t, h.errors(), "a stream's end is no error for the tabs")

	h.clock.fire(t)
	c2 := h.conn(t)
	assert.Equal(t, `"s1"`, c2.etag, "Last-Event-ID: the last ETag")
	assert.Equal(t, 5*time.Second, h.wait(t))
	c2.end(t, errNetwork)
	assert.Equal(t, time.Second, h.wait(t), "the second failure in a row waits twice as long")
	assert.Equal(t, 3, h.polls.count(), "each failure polls at once")
}

func TestStreamWatchdog(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted))
	c := h.opened(t)
	c.send(t, h, ": ping\n\n")
	require.False(t, h.clock.advance(2*heartbeat-time.Millisecond), "silent for just under two periods: still up")
	assert.True(t, c.open())
	assert.Equal(t, 1, h.polls.count())
	require.True(t, h.clock.advance(time.Millisecond))
	h.wait(t)
	c.closed(t)
	assert.Equal(t, call{`"p1"`, t0.Add(2 * heartbeat)}, h.polls.last(), "silent for two periods: failed, a poll at once")
}

func TestStreamOpenTimeout(t *testing.T) {
	for name, play := range map[string]func(*testing.T, *streamHarness, *conn){
		"no answer": func(*testing.T, *streamHarness, *conn) {},
		"no hello":  func(t *testing.T, h *streamHarness, c *conn) { c.head(t, h, poller.Response{Status: 200}) },
		"a ping only": func(t *testing.T, h *streamHarness, c *conn) {
			c.head(t, h, poller.Response{Status: 200})
			c.send(t, h, ": ping\n\n")
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := startStream(t, ok(`"p1"`, hinted))
			c := h.conn(t)
			require.Equal(t, 5*time.Second, h.wait(t))
			play(t, h, c)
			require.False(t, h.clock.advance(5*time.Second-time.Millisecond))
			require.True(t, h.clock.advance(time.Millisecond))
			h.wait(t)
			c.closed(t)
			assert.Equal(t, 2, h.polls.count(), "no hello within 5 s: failed, a poll at once")
			assert.Equal(t, t0.Add(5*time.Second), h.polls.last().at)
		})
	}
}

// failNow fails the stream the loop opens next with a network error and
// returns the wait before the one after, as the time between them.
func (h *streamHarness) failNow(t *testing.T) time.Duration {
	t.Helper()
	c := h.conn(t)
	h.wait(t)
	c.end(t, errNetwork)
	h.wait(t)
	start := h.clock.Now()
	h.clock.fire(t)
	return h.clock.Now().Sub(start)
}

func TestStreamBackoffAndJitter(t *testing.T) {
	for _, tc := range []struct {
		jitter float64
		want   []time.Duration
	}{
		{0, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
			32 * time.Second, 64 * time.Second, 128 * time.Second, 150 * time.Second, 150 * time.Second}},
		{0.999, []time.Duration{999500 * time.Microsecond, 1999 * time.Millisecond, 3998 * time.Millisecond, 7996 * time.Millisecond,
			15992 * time.Millisecond, 31984 * time.Millisecond, 63968 * time.Millisecond, 127936 * time.Millisecond,
			255872 * time.Millisecond, 299850 * time.Millisecond, 299850 * time.Millisecond}},
	} {
		h := startStream(t, ok(`"p1"`, `{"messages":[]}`)) // no hint: polls hourly
		h.jitter = tc.jitter
		var got []time.Duration
		for range tc.want {
			got = append(got, h.failNow(t))
		}
		assert.Equal(t, tc.want, got, "between half and all of 1 s, 2 s, 4 s ... 5 min")
		assert.Equal(t, 1+len(tc.want), h.polls.count())
	}
}

func TestStreamBackoffResetsAfterTwoPeriodsUp(t *testing.T) {
	h := startStream(t, ok(`"p1"`, `{"messages":[]}`))
	for range 3 {
		h.failNow(t) // waits 0.5, 1 and 2 s
	}
	up := func(d time.Duration) time.Duration { // a stream up for d, then ended
		c := h.conn(t)
		h.wait(t)
		c.head(t, h, poller.Response{Status: 200})
		c.send(t, h, hello)
		for ; d > 0; d -= 5 * time.Second {
			h.clock.advance(5 * time.Second)
			c.send(t, h, ": ping\n\n")
		}
		c.end(t, nil)
		return h.wait(t)
	}
	assert.Equal(t, 4*time.Second, up(2*heartbeat-5*time.Second), "up under two periods: the backoff goes on")
	h.clock.fire(t)
	assert.Equal(t, 500*time.Millisecond, up(2*heartbeat), "up two periods: the backoff starts over")
}

func TestStreamRetryFieldAndRetryAfter(t *testing.T) {
	h := startStream(t, ok(`"p1"`, `{"messages":[]}`))
	c := h.conn(t)
	h.wait(t)
	c.head(t, h, poller.Response{Status: 200})
	c.send(t, h, "retry: 3000\n\n"+hello)
	c.end(t, nil)
	assert.Equal(t, 3*time.Second, h.wait(t), "never sooner than the retry field")
	h.clock.fire(t)
	c = h.conn(t)
	h.wait(t)
	assert.Equal(t, time.Minute, c.head(t, h, poller.Response{Status: 503, RetryAfter: time.Minute}), "never sooner than a Retry-After")
	c.closed(t)
	assert.Equal(t, 3, h.polls.count(), "polling meanwhile: at once")
	h.clock.fire(t)
	c = h.conn(t)
	h.wait(t)
	assert.Equal(t, 3*time.Second, c.head(t, h, poller.Response{Status: 429, RetryAfter: 2 * time.Second}), "the retry field still holds")
	assert.Empty(t, h.errors())
}

func TestStream204PollsAndTriesAgainLater(t *testing.T) {
	for _, tc := range []struct {
		retryAfter, want time.Duration
	}{{0, time.Hour}, {10 * time.Minute, 10 * time.Minute}} {
		h := startStream(t, ok(`"p1"`, hinted))
		c := h.conn(t)
		h.wait(t)
		require.Equal(t, 30*time.Second, c.head(t, h, poller.Response{Status: 204, RetryAfter: tc.retryAfter}))
		c.closed(t)
		for h.clock.Now().Add(30 * time.Second).Before(t0.Add(tc.want)) { // polls on the hint, no stream
			h.clock.fire(t)
			require.Equal(t, 30*time.Second, h.wait(t))
			h.noConn(t, "streaming is off")
		}
		assert.Equal(t, t0.Add(tc.want), h.clock.fire(t))
		assert.Equal(t, 5*time.Second, h.wait(t), "then the stream again")
		assert.Equal(t, t0.Add(tc.want), h.conn(t).at)
		assert.Equal(t, 2+int(tc.want/(30*time.Second)), h.polls.count(), "the first poll, one at once after the 204, then every 30 s")
		assert.Empty(t, h.errors())
	}
}

func TestStreamRefusedStopsBothUntilWake(t *testing.T) {
	for _, status := range []int{401, 403} {
		h := startStream(t, ok(`"p1"`, hinted), ok(`"p2"`, hinted))
		c := h.conn(t)
		h.wait(t)
		c.play(t, func(head func(poller.Response), _ func([]byte)) (bool, error) {
			head(poller.Response{Status: status, Body: []byte(`{"meta":{"error":"bad signature"}}`)})
			return false, nil
		})
		c.closed(t)
		require.Eventually(t, func() bool { return len(h.errors()) == 1 }, 5*time.Second, time.Millisecond)
		var refused *poller.RefusedError
		require.ErrorAs(t, h.errors()[0], &refused)
		assert.Equal(t, poller.RefusedError{Status: status, Body: []byte(`{"meta":{"error":"bad signature"}}`), Stream: true}, *refused)

		// Nothing more: no wait was started (nothing is due), hiding and
		// showing the page changes nothing, and no time brings a poll.
		h.loop.SetVisible(false)
		h.loop.SetVisible(true)
		h.clock.advance(24 * time.Hour)
		select {
		case d := <-h.clock.waits:
			t.Fatalf("the loop waits %v for something after a refusal", d)
		default:
		}
		h.noConn(t, "refused")
		assert.Equal(t, 1, h.polls.count())

		h.loop.Wake() // new credentials: a poll, then the stream
		c = h.conn(t)
		assert.Equal(t, 5*time.Second, h.wait(t))
		assert.Equal(t, `"p2"`, c.etag)
		assert.Equal(t, 2, h.polls.count())
	}
}

func TestStreamRefusedPollClosesTheStream(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted), status(403, 0))
	c := h.opened(t)
	h.loop.Wake() // a poll even while the stream is healthy: refused
	c.closed(t)
	require.Eventually(t, func() bool { return len(h.errors()) == 1 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, 2, h.polls.count())
	h.noConn(t, "refused")
}

func TestStreamWakePollsOnceWhileHealthy(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted), ok(`"p2"`, hinted))
	c := h.opened(t)
	h.loop.Wake()
	assert.Equal(t, 2*heartbeat, h.wait(t))
	assert.Equal(t, 2, h.polls.count(), "Wake polls once")
	for range 10 {
		h.clock.advance(5 * time.Second)
		c.send(t, h, ": ping\n\n")
	}
	assert.Equal(t, 2, h.polls.count(), "and only once")
	assert.True(t, c.open())
}

func TestStreamRefreshDoesNotPollWhileHealthy(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted), ok(`"p2"`, hinted))
	c := h.opened(t)
	h.loop.Refresh() // the server took events: the stream pushes what changed
	for range 10 {
		h.clock.advance(5 * time.Second)
		c.send(t, h, ": ping\n\n")
	}
	assert.Equal(t, 1, h.polls.count(), "no poll while the stream is healthy")
	assert.True(t, c.open())
}

func TestStreamRestreamReconnectsAtOnce(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted))
	c := h.opened(t)
	c.send(t, h, answerEvent(`"s1"`, hinted))
	h.loop.Restream() // the credentials changed
	c.closed(t)
	c2 := h.conn(t)
	assert.Equal(t, `"s1"`, c2.etag)
	assert.Equal(t, t0, c2.at, "at once, no backoff")
	h.wait(t)
	c2.end(t, errNetwork)
	assert.Equal(t, 500*time.Millisecond, h.wait(t), "a restream was no failure: this is the first")
	assert.Equal(t, 2, h.polls.count(), "no poll for the restream; one for the failure")
}

func TestStreamHiddenClosesAfterOnePeriod(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted), ok(`"p2"`, hinted))
	c := h.opened(t)

	// A quick switch of tabs keeps the stream.
	h.clock.advance(time.Second)
	h.loop.SetVisible(false)
	assert.Equal(t, heartbeat, h.wait(t), "closed one period after the last tab hid")
	h.clock.advance(heartbeat - time.Second)
	h.loop.SetVisible(true)
	assert.Equal(t, 2*heartbeat-heartbeat, h.wait(t), "visible again: only the watchdog")
	c.send(t, h, answerEvent(`"s1"`, hinted))

	// Hidden for longer: closed after a period, and neither streams nor polls.
	h.loop.SetVisible(false)
	h.wait(t)
	require.True(t, h.clock.advance(heartbeat))
	c.closed(t)
	h.clock.advance(time.Hour)
	h.noConn(t, "hidden")
	assert.Equal(t, 1, h.polls.count())

	// Visible again: the poll due since polls first, then the stream opens.
	h.loop.SetVisible(true)
	c2 := h.conn(t)
	assert.Equal(t, `"p2"`, c2.etag)
	assert.Equal(t, 2, h.polls.count())
	assert.Equal(t, `"s1"`, h.polls.last().etag)
	assert.Equal(t, 5*time.Second, h.wait(t))
	assert.Empty(t, h.errors())
}

func TestStreamHiddenBeforeHelloClosesAtOnce(t *testing.T) {
	h := startStream(t, ok(`"p1"`, hinted))
	c := h.conn(t)
	h.wait(t)
	h.loop.SetVisible(false)
	c.closed(t)
	h.loop.SetVisible(true)
	assert.Equal(t, t0, h.conn(t).at, "reopened at once: no failure")
	assert.Equal(t, 1, h.polls.count())
}

func TestStreamMalformedEvents(t *testing.T) {
	for name, tc := range map[string]struct{ chunk, err string }{
		"first not hello":     {answerEvent(`"x"`, hinted), "the first event is not a hello"},
		"hello without beat":  {"event: hello\ndata: {}\n\n", "the first event is not a hello"},
		"hello not JSON":      {"event: hello\ndata: {\n\n", "the first event is not a hello"},
		"answer not JSON":     {hello + answerEvent(`"x"`, `{"messages":`), "stream: bad response body"},
		"answer without msgs": {hello + answerEvent(`"x"`, `{}`), "stream: bad response body"},
		"second hello":        {hello + hello, "a second hello"},
	} {
		t.Run(name, func(t *testing.T) {
			h := startStream(t, ok(`"p1"`, hinted))
			c := h.conn(t)
			h.wait(t)
			c.head(t, h, poller.Response{Status: 200})
			assert.Equal(t, 500*time.Millisecond, c.send(t, h, tc.chunk), "a failure: the backoff")
			c.closed(t)
			assert.Equal(t, 2, h.polls.count(), "a poll at once")
			require.Len(t, h.errors(), 1)
			assert.Contains(t, h.errors()[0].Error(), tc.err)
			assert.Len(t, h.deliveries(), 1)
			h.clock.fire(t)
			assert.Equal(t, `"p1"`, h.conn(t).etag, "the last good ETag")
		})
	}
}
