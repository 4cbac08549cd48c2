package poller

import (
	"context"
	"fmt"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// HTTP statuses the loop tells apart (net/http stays out of the browser build).
const (
	statusOK           = 200
	statusNotModified  = 304
	statusUnauthorized = 401
	statusForbidden    = 403
)

// RefusedError is a poll the server refused for the person's credentials
// (401 or 403: a missing or wrong identity signature, an unknown site).
// Asking again with the same credentials cannot succeed, so the loop stops
// polling after it and waits for Wake (new credentials).
type RefusedError struct {
	// Status is 401 or 403.
	Status int
	// Body is the answer's body ({"meta":{"error":...}} from a Roost server).
	Body []byte
	// Stream is set when the stream's request was refused, not a poll.
	Stream bool
}

// Error implements the error interface.
func (e *RefusedError) Error() string {
	if e.Stream {
		return fmt.Sprintf("stream: server refused the identity (%d)", e.Status)
	}
	return fmt.Sprintf("poll: server refused the identity (%d)", e.Status)
}

// Response is a poll answer as the transport saw it.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// ETag is the answer's ETag header.
	ETag string
	// Body is the answer's body (empty for 304).
	Body []byte
	// RetryAfter is the Retry-After header, when present.
	RetryAfter time.Duration
}

// Transport sends one poll; etag is the last ETag seen ("" for none).
type Transport interface {
	Poll(ctx context.Context, etag string) (Response, error)
}

// Clock is the time source of the loop.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Loop polls while the page is visible, on the Schedule, until its context ends.
type Loop struct {
	transport Transport
	schedule  *Schedule
	clock     Clock
	// Deliver receives every new poll body and returns how many messages are
	// queued. Messages the body held but could not be decoded are in its
	// Dropped: the answer is still a good one (only an answer that cannot be
	// used at all is a failure, with backoff).
	deliver func(inbox.PollResponse) int
	// report receives every failure; the loop goes on.
	report func(error)

	wake     chan struct{}
	refresh  chan struct{}
	visible  chan bool
	restream chan struct{}
	// stream is the push channel, nil without one (stream.go).
	stream   *stream
	etag     string
	queued   int
	lastHint time.Duration
}

// NewLoop returns a loop that hands each new poll answer to deliver (which
// returns how many messages are queued) and each failure to report.
func NewLoop(t Transport, s *Schedule, c Clock, deliver func(inbox.PollResponse) int, report func(error)) *Loop {
	return &Loop{transport: t, schedule: s, clock: c, deliver: deliver, report: report,
		wake: make(chan struct{}, 1), refresh: make(chan struct{}, 1), visible: make(chan bool, 1), restream: make(chan struct{}, 1)}
}

// Wake asks for a poll now (for example when the identified person changed),
// even while a stream is healthy; it also ends the pause after a RefusedError.
func (l *Loop) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Refresh asks for a poll now unless a healthy stream will push the change
// (the server pushes every change of the answer): after the server took
// the runtime's events, say. Unlike Wake, it does not end a refusal's pause.
func (l *Loop) Refresh() {
	select {
	case l.refresh <- struct{}{}:
	default:
	}
}

// SetVisible tells the loop whether the page is visible; it never polls while hidden.
func (l *Loop) SetVisible(v bool) {
	for {
		select {
		case l.visible <- v:
			return
		case <-l.visible: // drop a stale value, keep the newest
		}
	}
}

// Run polls at once, then on the schedule, until ctx ends. After a poll the
// server refused (RefusedError) it stops polling until Wake. With a stream
// (EnableStream) it opens the push channel once it polled, and polls only
// while the stream is not healthy (stream.go).
func (l *Loop) Run(ctx context.Context) {
	st := &runState{visible: true} // due zero: a poll at once
	s := l.stream
	defer s.close()
	for ctx.Err() == nil {
		now := l.clock.Now()
		s.expire(l, st, now)
		if st.visible && !st.paused && (st.pollNow || (!s.healthy() && !now.Before(st.due))) {
			select {
			case v := <-l.visible: // a pending change first: the page may be hidden by now
				s.setVisible(st, v, now)
				continue
			default:
			}
			next, refused := l.pollOnce(ctx)
			st.due, st.pollNow = l.clock.Now().Add(next), false
			if refused {
				st.paused = true
				s.close() // a refused identity stops the stream too
			}
			continue
		}
		if s.wanted(st, now) {
			s.open(ctx, l.etag, now)
		}
		var timer <-chan time.Time
		if at := l.deadline(st, now); !at.IsZero() {
			timer = l.clock.After(at.Sub(now))
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
			st.pollNow, st.paused = true, false
		case <-l.refresh:
			st.pollNow = st.pollNow || !s.healthy()
		case v := <-l.visible:
			s.setVisible(st, v, l.clock.Now())
		case <-l.restream:
			s.restart()
		case m := <-s.messages():
			s.handle(l, st, m, l.clock.Now())
		case <-timer:
		}
	}
}

// runState is what Run knows between its rounds.
type runState struct {
	visible bool
	// paused is set after a refused identity, until Wake.
	paused bool
	// pollNow is set by Wake: one poll, even while a stream is healthy.
	pollNow bool
	// due is when the next poll is due while no stream is healthy.
	due time.Time
}

// deadline returns the earliest time Run must look again (zero: none).
func (l *Loop) deadline(st *runState, now time.Time) time.Time {
	var at time.Time
	if st.visible && !st.paused && !l.stream.healthy() {
		at = st.due
	}
	return earliest(at, l.stream.deadline(st, now))
}

// earliest returns the earlier of two times, zero meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// pollOnce sends one poll and returns the delay before the next, or
// refused when the server refused the credentials.
func (l *Loop) pollOnce(ctx context.Context) (next time.Duration, refused bool) {
	res, err := l.transport.Poll(ctx, l.etag)
	now := l.clock.Now()
	if ctx.Err() != nil {
		return 0, false
	}
	if err == nil {
		err = l.handle("poll", res)
	}
	if err != nil {
		l.report(err)
		if _, ok := err.(*RefusedError); ok {
			return 0, true
		}
		return l.schedule.Next(Outcome{Failed: true, RetryAfter: res.RetryAfter}, now), false
	}
	return l.schedule.Next(Outcome{Hint: l.lastHint, Queued: l.queued}, now), false
}

// handle takes a poll answer, or a stream's (what is "stream"), as a poll's.
func (l *Loop) handle(what string, res Response) error {
	switch {
	case res.Status == statusNotModified:
		return nil
	case res.Status == statusUnauthorized || res.Status == statusForbidden:
		return &RefusedError{Status: res.Status, Body: res.Body}
	case res.Status != statusOK:
		return fmt.Errorf("%s: server answered %d", what, res.Status)
	}
	body, err := inbox.DecodePollResponse(res.Body)
	if err != nil {
		return fmt.Errorf("%s: bad response body: %w", what, err)
	}
	l.etag = res.ETag
	l.lastHint = 0
	if body.NextPollMs > 0 { // a hint beyond maxHint is cut to it by the schedule
		l.lastHint = time.Duration(min(body.NextPollMs, maxHint.Milliseconds())) * time.Millisecond
	}
	l.queued = l.deliver(body)
	return nil
}
