package poller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// statusNoContent is the stream's "streaming is off" (204).
const statusNoContent = 204

// Streamer opens the push channel, GET /v1/client/stream (docs/protocol.md).
type Streamer interface {
	// Stream sends the stream request, with etag as its Last-Event-ID (""
	// for none). It calls head once the answer's status and headers are in
	// (with the whole body when the status is not 200), then, for a 200,
	// chunk with each piece of the body as it arrives, in order; both on
	// Stream's goroutine, and they may block. It returns when the body ends
	// (nil), when the request or the reading fails, or when ctx ends.
	Stream(ctx context.Context, etag string, head func(Response), chunk func([]byte)) error
}

// StreamOptions tune the push channel; the zero value is the production setting.
type StreamOptions struct {
	// OpenTimeout is how long a stream may take from its request to its
	// hello before it counts as failed (a proxy that buffers it): 5 s when zero.
	OpenTimeout time.Duration
	// Backoff is the first wait before reconnecting after a failure (1 s when
	// zero). It doubles with each failure in a row up to MaxBackoff, and the
	// wait is between half and all of it, never less than the stream's retry
	// field nor than a Retry-After.
	Backoff time.Duration
	// MaxBackoff is the longest step of the backoff (5 min when zero).
	MaxBackoff time.Duration
	// Off is how long a 204 (streaming switched off) without Retry-After
	// keeps the stream closed (1 h when zero).
	Off time.Duration
	// Jitter returns a value in [0,1) that spreads the waits (math/rand/v2's
	// Float64 when nil).
	Jitter func() float64
}

// maxHeartbeat bounds the heartbeat period a hello may give.
const maxHeartbeat = time.Hour

// EnableStream makes the loop use the push channel through t (before Run):
// while the page is visible it opens a stream once it has polled, and polls
// only while no stream is healthy. Without it the loop only polls.
func (l *Loop) EnableStream(t Streamer, o StreamOptions) {
	if o.OpenTimeout <= 0 {
		o.OpenTimeout = 5 * time.Second
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.Off <= 0 {
		o.Off = time.Hour
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	l.stream = &stream{t: t, opts: o, ch: make(chan streamMsg)}
}

// Restream closes the stream, when one is open, and opens a new one at once
// (not a failure): the request's credentials changed.
func (l *Loop) Restream() {
	select {
	case l.restream <- struct{}{}:
	default:
	}
}

// stream is the push channel's state, owned by Run's goroutine; its
// methods do nothing on a nil stream (a loop that only polls). One
// connection at a time reads in a goroutine of its own and hands what came
// to Run (messages); a message of an older connection is dropped.
type stream struct {
	t    Streamer
	opts StreamOptions
	ch   chan streamMsg

	gen    uint64             // the current connection's number
	cancel context.CancelFunc // ends the current connection; nil when none is open
	// openedAt is when the connection's request was sent, helloAt when its
	// hello came (zero before: not healthy yet), lastSeen when anything came.
	openedAt, helloAt, lastSeen time.Time
	heartbeat                   time.Duration // the hello's period
	// closeAt is when to close the stream after the page was hidden (zero: not hidden).
	closeAt time.Time
	// retryAt is the earliest time of the next connection; failures counts
	// those in a row; minRetry is the last retry field.
	retryAt  time.Time
	failures int
	minRetry time.Duration
}

// streamMsg is what a connection's reader hands to Run.
type streamMsg struct {
	gen    uint64
	head   *Response  // the status and headers came
	events []sseEvent // a chunk of a 200's body came, with these events
	// retry is the stream's retry field, when retrySet.
	retry    time.Duration
	retrySet bool
	end      bool  // the connection is over: err is why (nil: the body ended)
	err      error // or, with no end, the chunk could not be read
}

// healthy reports whether a stream sent its hello and is up: no polls then.
func (s *stream) healthy() bool {
	return s != nil && s.cancel != nil && !s.helloAt.IsZero()
}

// messages is what the current connection's reader hands over (nil without a stream).
func (s *stream) messages() <-chan streamMsg {
	if s == nil {
		return nil
	}
	return s.ch
}

// wanted reports whether a stream should be opened now.
func (s *stream) wanted(st *runState, now time.Time) bool {
	return s != nil && s.cancel == nil && st.visible && !st.paused && !now.Before(s.retryAt)
}

// open sends a new stream request with the last ETag.
func (s *stream) open(ctx context.Context, etag string, now time.Time) {
	s.gen++
	c, cancel := context.WithCancel(ctx)
	s.cancel, s.openedAt, s.lastSeen, s.helloAt, s.closeAt = cancel, now, now, time.Time{}, time.Time{}
	go s.read(c, s.gen, etag)
}

// read runs one connection and hands what comes to Run until ctx ends.
func (s *stream) read(ctx context.Context, gen uint64, etag string) {
	send := func(m streamMsg) {
		if ctx.Err() != nil {
			return // closed: nobody waits for it
		}
		m.gen = gen
		select {
		case s.ch <- m:
		case <-ctx.Done():
		}
	}
	var p sseParser
	broken := false
	err := s.t.Stream(ctx, etag, func(res Response) { send(streamMsg{head: &res}) }, func(b []byte) {
		if broken {
			return
		}
		var events []sseEvent
		err := p.feed(b, func(e sseEvent) { events = append(events, e) })
		broken = err != nil
		send(streamMsg{events: events, err: err, retry: p.retry, retrySet: p.retrySet})
	})
	send(streamMsg{end: true, err: err})
}

// close ends the connection, if any; it is not a failure.
func (s *stream) close() {
	if s == nil || s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel, s.helloAt, s.closeAt = nil, time.Time{}, time.Time{}
	s.gen++ // what the old connection still hands over is dropped
}

// restart closes an open connection so that a new one opens at once.
func (s *stream) restart() {
	if s == nil || s.cancel == nil {
		return
	}
	s.close()
	s.retryAt = time.Time{}
}

// setVisible records the page's visibility: hidden, a healthy stream closes
// one heartbeat period later (a quick switch of tabs keeps it), one not yet
// healthy at once; visible again, the closing is called off.
func (s *stream) setVisible(st *runState, visible bool, now time.Time) {
	st.visible = visible
	if s == nil || s.cancel == nil {
		return
	}
	switch {
	case visible:
		s.closeAt = time.Time{}
	case !s.healthy():
		s.close()
	case s.closeAt.IsZero():
		s.closeAt = now.Add(s.heartbeat)
	}
}

// deadline returns when the stream next needs Run to look (zero: never).
func (s *stream) deadline(st *runState, now time.Time) time.Time {
	if s == nil {
		return time.Time{}
	}
	if s.cancel == nil {
		if st.visible && !st.paused && s.retryAt.After(now) {
			return s.retryAt
		}
		return time.Time{}
	}
	at := s.lastSeen.Add(2 * s.heartbeat) // the watchdog
	if s.helloAt.IsZero() {
		at = s.openedAt.Add(s.opts.OpenTimeout)
	}
	return earliest(at, s.closeAt)
}

// expire closes a stream hidden for a heartbeat period, and fails one with
// no hello within OpenTimeout of its request or silent for two heartbeat periods.
func (s *stream) expire(l *Loop, st *runState, now time.Time) {
	switch {
	case s == nil || s.cancel == nil:
	case !s.closeAt.IsZero() && !now.Before(s.closeAt):
		s.close()
	case s.helloAt.IsZero() && !now.Before(s.openedAt.Add(s.opts.OpenTimeout)):
		s.fail(st, now, 0)
	case !s.helloAt.IsZero() && !now.Before(s.lastSeen.Add(2*s.heartbeat)):
		s.fail(st, now, 0)
	}
}

// handle takes what the connection's reader handed over.
func (s *stream) handle(l *Loop, st *runState, m streamMsg, now time.Time) {
	if m.gen != s.gen || s.cancel == nil {
		return // an older connection's
	}
	s.lastSeen = now
	if m.retrySet {
		s.minRetry = m.retry
	}
	switch {
	case m.head != nil:
		s.answered(l, st, *m.head, now)
	case m.end:
		s.fail(st, now, 0)
	default:
		for _, e := range m.events {
			if err := s.event(l, st, e, now); err != nil {
				l.report(err)
				s.fail(st, now, 0)
				return
			}
		}
		if m.err != nil {
			l.report(m.err)
			s.fail(st, now, 0)
		}
	}
}

// answered takes the status of the stream's answer: a 200 streams; a
// refused identity stops the stream and the polls until Wake, as a refused
// poll does; a 204 (streaming off) keeps it closed for its Retry-After (or
// Off) while the polls take over, at once; anything else is a failure.
func (s *stream) answered(l *Loop, st *runState, res Response, now time.Time) {
	switch res.Status {
	case statusOK:
	case statusUnauthorized, statusForbidden:
		s.close()
		s.retryAt, st.paused = time.Time{}, true
		l.report(&RefusedError{Status: res.Status, Body: res.Body, Stream: true})
	case statusNoContent:
		s.close()
		off := res.RetryAfter
		if off <= 0 {
			off = s.opts.Off
		}
		s.retryAt, st.due = now.Add(max(off, s.minRetry)), now
	default:
		s.fail(st, now, res.RetryAfter)
	}
}

// event takes one event of the stream; an error is a malformed event.
func (s *stream) event(l *Loop, st *runState, e sseEvent, now time.Time) error {
	if s.helloAt.IsZero() {
		var hello inbox.StreamHelloData
		if e.Type != inbox.StreamHello || json.Unmarshal(e.Data, &hello) != nil || hello.HeartbeatMs <= 0 {
			return fmt.Errorf("stream: the first event is not a hello: %q", e.Type)
		}
		s.heartbeat = time.Duration(min(hello.HeartbeatMs, maxHeartbeat.Milliseconds())) * time.Millisecond
		s.helloAt = now
		return nil
	}
	switch e.Type {
	case inbox.StreamAnswer:
		if err := l.handle("stream", Response{Status: statusOK, ETag: e.ID, Body: e.Data}); err != nil {
			return err
		}
	case inbox.StreamUnchanged:
	case inbox.StreamHello:
		return errors.New("stream: a second hello")
	default:
		return nil // an event of a later protocol
	}
	// As a poll's 200 or 304: the schedule learns the hint and what is
	// queued, and the polls after the stream follow it.
	st.due = now.Add(l.schedule.Next(Outcome{Hint: l.lastHint, Queued: l.queued}, now))
	return nil
}

// fail ends the connection after a failure: the polls take over at once,
// and the next connection waits for the backoff.
func (s *stream) fail(st *runState, now time.Time, retryAfter time.Duration) {
	if !s.helloAt.IsZero() && now.Sub(s.helloAt) >= 2*s.heartbeat {
		s.failures = 0 // it stayed up: start the backoff over
	}
	s.close()
	s.failures++
	step := s.opts.Backoff
	for i := 1; i < s.failures && step < s.opts.MaxBackoff; i++ {
		step *= 2
	}
	step = min(step, s.opts.MaxBackoff)
	wait := step/2 + time.Duration(s.opts.Jitter()*float64(step/2))
	s.retryAt, st.due = now.Add(max(wait, s.minRetry, retryAfter)), now
}
