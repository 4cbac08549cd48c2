package poller_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/require"
)

// The stream tests run the loop on a fake clock in lockstep: the loop starts
// one wait (After) each time it is about to block with something due, so
// after each thing a test does (a stream event, a visibility change, the
// clock reaching the loop's deadline) it takes the wait the loop started.

// stepClock is a fake clock that knows the loop's latest wait (the loop
// waits on one timer at a time and drops the older ones).
type stepClock struct {
	mu    sync.Mutex
	now   time.Time
	at    time.Time      // when the latest wait ends
	ch    chan time.Time // and its channel, nil once fired
	waits chan time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.at, c.ch = c.now.Add(d), ch
	c.mu.Unlock()
	c.waits <- d
	return ch
}

// advance moves time on by d, ending the loop's wait if it is due by then;
// it reports whether it did.
func (c *stepClock) advance(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	if c.ch == nil || c.at.After(c.now) {
		return false
	}
	c.ch <- c.now
	c.ch = nil
	return true
}

// fire moves time on to the end of the loop's wait and ends it.
func (c *stepClock) fire(t *testing.T) time.Time {
	t.Helper()
	c.mu.Lock()
	require.NotNil(t, c.ch, "the loop waits for nothing")
	d := c.at.Sub(c.now)
	c.mu.Unlock()
	require.True(t, c.advance(d))
	return c.Now()
}

// conn is one stream request the loop sent.
type conn struct {
	etag string
	at   time.Time
	ctx  context.Context
	do   chan func(head func(poller.Response), chunk func([]byte)) (end bool, err error)
}

// fakeStreamer hands each stream request to the test, which plays its answer.
type fakeStreamer struct {
	clock *stepClock
	conns chan *conn
}

func (f *fakeStreamer) Stream(ctx context.Context, etag string, head func(poller.Response), chunk func([]byte)) error {
	c := &conn{etag: etag, at: f.clock.Now(), ctx: ctx, do: make(chan func(func(poller.Response), func([]byte)) (bool, error))}
	f.conns <- c
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case step := <-c.do:
			if end, err := step(head, chunk); end {
				return err
			}
		}
	}
}

// polls answers the loop's polls from a list (then 304) and records them.
type polls struct {
	clock   *stepClock
	mu      sync.Mutex
	answers []func() (poller.Response, error)
	calls   []call
}

func (p *polls) Poll(_ context.Context, etag string) (poller.Response, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call{etag, p.clock.Now()})
	if len(p.answers) == 0 {
		return poller.Response{Status: 304}, nil
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a()
}

func (p *polls) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

func (p *polls) last() call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[len(p.calls)-1]
}

type streamHarness struct {
	clock    *stepClock
	polls    *polls
	streamer *fakeStreamer
	loop     *poller.Loop
	jitter   float64

	mu        sync.Mutex
	delivered []inbox.PollResponse
	errs      []error
}

// heartbeat is the period the tests' hellos give.
const heartbeat = 10 * time.Second

const hello = "event: hello\ndata: {\"heartbeat_ms\":10000}\n\n"

// startStream runs a loop with a stream on a step clock; the server's
// polls hint 30 s, and the client's tiers are an hour.
func startStream(t *testing.T, answers ...func() (poller.Response, error)) *streamHarness {
	t.Helper()
	clock := &stepClock{now: t0, waits: make(chan time.Duration, 100)}
	h := &streamHarness{clock: clock, polls: &polls{clock: clock, answers: answers},
		streamer: &fakeStreamer{clock: clock, conns: make(chan *conn, 100)}}
	sched := poller.NewSchedule(poller.Tiers{Active: time.Hour, Inactive: time.Hour, Low: time.Hour}, time.Second)
	h.loop = poller.NewLoop(h.polls, sched, clock,
		func(r inbox.PollResponse) int {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.delivered = append(h.delivered, r)
			return len(r.Messages)
		},
		func(err error) { h.mu.Lock(); h.errs = append(h.errs, err); h.mu.Unlock() })
	h.loop.EnableStream(h.streamer, poller.StreamOptions{Jitter: func() float64 {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.jitter
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.loop.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// wait returns the next wait the loop starts.
func (h *streamHarness) wait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-h.clock.waits:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("the loop started no wait")
		return 0
	}
}

// conn returns the next stream request.
func (h *streamHarness) conn(t *testing.T) *conn {
	t.Helper()
	select {
	case c := <-h.streamer.conns:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no stream was opened")
		return nil
	}
}

// noConn asserts that no stream request is waiting.
func (h *streamHarness) noConn(t *testing.T, msg string) {
	t.Helper()
	select {
	case c := <-h.streamer.conns:
		t.Fatalf("%s: a stream was opened at %v", msg, c.at.Sub(t0))
	default:
	}
}

// opened takes the loop's first poll and the stream it opens after it, and
// plays the stream's 200 and hello: the stream is healthy.
func (h *streamHarness) opened(t *testing.T) *conn {
	t.Helper()
	c := h.conn(t)
	require.Equal(t, 5*time.Second, h.wait(t), "the open timeout")
	c.head(t, h, poller.Response{Status: 200})
	c.send(t, h, hello)
	return c
}

// head plays the answer's status and headers and returns the loop's next wait.
func (c *conn) head(t *testing.T, h *streamHarness, res poller.Response) time.Duration {
	t.Helper()
	c.play(t, func(head func(poller.Response), _ func([]byte)) (bool, error) { head(res); return false, nil })
	return h.wait(t)
}

// send plays a chunk of the body and returns the loop's next wait.
func (c *conn) send(t *testing.T, h *streamHarness, chunk string) time.Duration {
	t.Helper()
	c.play(t, func(_ func(poller.Response), send func([]byte)) (bool, error) { send([]byte(chunk)); return false, nil })
	return h.wait(t)
}

// end ends the stream with err (nil: the body ended).
func (c *conn) end(t *testing.T, err error) {
	t.Helper()
	c.play(t, func(func(poller.Response), func([]byte)) (bool, error) { return true, err })
}

func (c *conn) play(t *testing.T, step func(func(poller.Response), func([]byte)) (bool, error)) {
	t.Helper()
	select {
	case c.do <- step:
	case <-c.ctx.Done():
		t.Fatal("the stream is closed")
	case <-time.After(5 * time.Second):
		t.Fatal("the stream is not read")
	}
}

// closed waits until the loop closed the stream.
func (c *conn) closed(t *testing.T) {
	t.Helper()
	select {
	case <-c.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the stream was not closed")
	}
}

func (c *conn) open() bool { return c.ctx.Err() == nil }

func (h *streamHarness) errors() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.errs...)
}

func (h *streamHarness) deliveries() []inbox.PollResponse {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]inbox.PollResponse(nil), h.delivered...)
}

var errNetwork = errors.New("network down")

// answerEvent is an answer event with etag and body.
func answerEvent(etag, body string) string {
	return "event: answer\nid: " + etag + "\ndata: " + body + "\n\n"
}
