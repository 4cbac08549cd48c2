package poller_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock lets a test see each wait of the loop and end it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waits   chan time.Duration
	pending chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: t0, waits: make(chan time.Duration, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.pending = ch
	c.mu.Unlock()
	c.waits <- d
	return ch
}

// wait returns the next wait the loop starts.
func (c *fakeClock) wait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.waits:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("the loop did not wait")
		return 0
	}
}

// elapse moves time on by d and ends the current wait.
func (c *fakeClock) elapse(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	ch := c.pending
	c.mu.Unlock()
	ch <- c.now
}

type call struct {
	etag string
	at   time.Time
}

// scriptedTransport answers polls from a list and records them.
type scriptedTransport struct {
	clock   *fakeClock
	mu      sync.Mutex
	answers []func() (poller.Response, error)
	calls   []call
	polled  chan struct{}
}

func (s *scriptedTransport) Poll(_ context.Context, etag string) (poller.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call{etag, s.clock.Now()})
	defer func() { s.polled <- struct{}{} }()
	if len(s.answers) == 0 {
		return poller.Response{Status: 304}, nil
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a()
}

func ok(etag, body string) func() (poller.Response, error) {
	return func() (poller.Response, error) {
		return poller.Response{Status: 200, ETag: etag, Body: []byte(body)}, nil
	}
}

type harness struct {
	clock     *fakeClock
	transport *scriptedTransport
	loop      *poller.Loop
	mu        sync.Mutex
	delivered []inbox.PollResponse
	errs      []error
	cancel    context.CancelFunc
}

func start(t *testing.T, answers ...func() (poller.Response, error)) *harness {
	clock := newFakeClock()
	h := &harness{clock: clock, transport: &scriptedTransport{clock: clock, answers: answers, polled: make(chan struct{}, 100)}}
	sched := poller.NewSchedule(poller.Tiers{Active: time.Second, Inactive: 5 * time.Second, Low: 20 * time.Second}, time.Second)
	sched.SetJitter(func() float64 { return 0 })
	h.loop = poller.NewLoop(h.transport, sched, clock,
		func(r inbox.PollResponse) int {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.delivered = append(h.delivered, r)
			return len(r.Messages)
		},
		func(err error) { h.mu.Lock(); h.errs = append(h.errs, err); h.mu.Unlock() })
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	done := make(chan struct{})
	go func() { h.loop.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func TestLoopPollsAtOnceThenOnHint(t *testing.T) {
	h := start(t, ok(`"v1"`, `{"messages":[],"next_poll_ms":250,"tier":"inactive"}`))
	assert.Equal(t, 250*time.Millisecond, h.clock.wait(t), "first poll at once, then the server's hint")
	h.clock.elapse(250 * time.Millisecond)
	assert.Equal(t, 250*time.Millisecond, h.clock.wait(t), "a 304 keeps the hint")
	require.Len(t, h.transport.calls, 2)
	assert.Equal(t, "", h.transport.calls[0].etag)
	assert.Equal(t, `"v1"`, h.transport.calls[1].etag, "the ETag is sent back")
	assert.Len(t, h.delivered, 1, "a 304 delivers nothing")
}

func TestLoopClientTiersWithoutHint(t *testing.T) {
	h := start(t,
		ok(`"a"`, `{"messages":[{"delivery_id":"d1"}]}`),
		ok(`"b"`, `{"messages":[]}`),
	)
	assert.Equal(t, time.Second, h.clock.wait(t), "queued: Active")
	h.clock.elapse(time.Second)
	assert.Equal(t, 5*time.Second, h.clock.wait(t), "none queued, one received: Inactive")
}

func TestLoopBackoffAndRecovery(t *testing.T) {
	h := start(t,
		func() (poller.Response, error) { return poller.Response{}, errors.New("network down") },
		func() (poller.Response, error) { return poller.Response{Status: 503}, nil },
		func() (poller.Response, error) { return poller.Response{Status: 200, Body: []byte(`{not json`)}, nil },
		func() (poller.Response, error) {
			return poller.Response{Status: 429, RetryAfter: 15 * time.Second}, nil
		},
		ok(`"x"`, `{"messages":[{"delivery_id":"d1"}],"next_poll_ms":1000}`),
	)
	var waits []time.Duration
	for range 5 {
		d := h.clock.wait(t)
		waits = append(waits, d)
		h.clock.elapse(d)
	}
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 15 * time.Second, time.Second}, waits)
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.errs, 4)
	assert.Contains(t, h.errs[2].Error(), "bad response body")
	assert.Len(t, h.delivered, 1)
}

func TestLoopNeverPollsWhileHidden(t *testing.T) {
	h := start(t, ok(`"a"`, `{"messages":[],"next_poll_ms":1000}`))
	assert.Equal(t, time.Second, h.clock.wait(t))
	<-h.transport.polled
	h.loop.SetVisible(false)
	h.loop.Wake() // even a wake does not poll while hidden
	time.Sleep(10 * time.Millisecond)
	h.transport.mu.Lock()
	assert.Len(t, h.transport.calls, 1)
	h.transport.mu.Unlock()

	h.clock.mu.Lock()
	h.clock.now = h.clock.now.Add(3 * time.Second) // the next poll fell due while hidden
	h.clock.mu.Unlock()
	h.loop.SetVisible(true)
	select {
	case <-h.transport.polled:
	case <-time.After(5 * time.Second):
		t.Fatal("no poll when the page became visible with a poll due")
	}
}

func TestLoopWake(t *testing.T) {
	h := start(t, ok(`"a"`, `{"messages":[],"next_poll_ms":60000}`))
	assert.Equal(t, time.Minute, h.clock.wait(t))
	<-h.transport.polled
	h.loop.Wake()
	select {
	case <-h.transport.polled:
	case <-time.After(5 * time.Second):
		t.Fatal("Wake did not poll")
	}
}

func TestLoopRefreshPollsWithoutAStream(t *testing.T) {
	h := start(t, ok(`"a"`, `{"messages":[],"next_poll_ms":60000}`))
	assert.Equal(t, time.Minute, h.clock.wait(t))
	<-h.transport.polled
	h.loop.Refresh()
	select {
	case <-h.transport.polled:
	case <-time.After(5 * time.Second):
		t.Fatal("Refresh did not poll")
	}
}

func TestLoopStopsAfterRefusalUntilWake(t *testing.T) {
	h := start(t,
		func() (poller.Response, error) {
			return poller.Response{Status: 403, Body: []byte(`{"meta":{"error":"X-Roost-Signature does not match the user id"}}`)}, nil
		},
		ok(`"a"`, `{"messages":[],"next_poll_ms":1000}`),
	)
	// Were a retry scheduled, the loop would block in After on a full waits
	// channel and never see the end of the test: take any waits at the end.
	t.Cleanup(func() {
		go func() {
			for range h.clock.waits {
			}
		}()
	})
	<-h.transport.polled
	h.loop.SetVisible(false) // hiding and showing the page does not resume a refused identity
	h.loop.SetVisible(true)
	h.mu.Lock()
	require.Len(t, h.errs, 1)
	var refused *poller.RefusedError
	require.ErrorAs(t, h.errs[0], &refused)
	assert.Equal(t, 403, refused.Status)
	assert.Contains(t, string(refused.Body), "does not match")
	h.mu.Unlock()

	h.loop.Wake() // new credentials
	select {
	case <-h.transport.polled:
	case <-time.After(5 * time.Second):
		t.Fatal("Wake did not poll")
	}
	// Had the loop scheduled a retry after the refusal, that wait would come
	// first; had it polled again, the second answer would be used up already.
	assert.Equal(t, time.Second, h.clock.wait(t), "no retry was scheduled; polling resumes on the server's hint")
	h.transport.mu.Lock()
	defer h.transport.mu.Unlock()
	assert.Len(t, h.transport.calls, 2, "no poll between the refusal and the wake")
}
