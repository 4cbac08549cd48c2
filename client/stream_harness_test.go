package client_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/require"
)

// streamHost is a host that can stream (a client.Streamer): each stream
// request goes to the test, which plays its answer step by step. Polls and
// event posts go to the fake server.
type streamHost struct {
	*tabs
	conns chan *streamConn
}

// streamConn is one stream request the runtime sent.
type streamConn struct {
	req   client.Request
	ctx   context.Context
	steps chan streamStep
}

type streamStep struct {
	do   func(head func(client.Response), chunk func([]byte)) (end bool, err error)
	done chan struct{}
}

func (h *streamHost) Stream(ctx context.Context, req client.Request, head func(client.Response), chunk func([]byte)) error {
	c := &streamConn{req: req, ctx: ctx, steps: make(chan streamStep)}
	h.conns <- c
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case step := <-c.steps:
			end, err := step.do(head, chunk)
			close(step.done)
			if end {
				return err
			}
		}
	}
}

// conn returns the next stream request.
func (h *streamHost) conn(t *testing.T) *streamConn {
	t.Helper()
	select {
	case c := <-h.conns:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no stream was opened")
		return nil
	}
}

// noConn asserts that no stream request is waiting.
func (h *streamHost) noConn(t *testing.T, msg string) {
	t.Helper()
	select {
	case c := <-h.conns:
		t.Fatalf("%s: a stream was opened with %v", msg, c.req.Header)
	default:
	}
}

// play runs a step of the answer and returns once the runtime took what it gave.
func (c *streamConn) play(t *testing.T, do func(head func(client.Response), chunk func([]byte)) (bool, error)) {
	t.Helper()
	step := streamStep{do: do, done: make(chan struct{})}
	select {
	case c.steps <- step:
	case <-c.ctx.Done():
		t.Fatal("the stream is closed")
	case <-time.After(5 * time.Second):
		t.Fatal("the stream is not read")
	}
	select {
	case <-step.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the runtime did not take the stream's step")
	}
}

// head answers the request with res's status and headers.
func (c *streamConn) head(t *testing.T, res client.Response) {
	t.Helper()
	c.play(t, func(head func(client.Response), _ func([]byte)) (bool, error) { head(res); return false, nil })
}

// send sends a chunk of the body.
func (c *streamConn) send(t *testing.T, chunk string) {
	t.Helper()
	c.play(t, func(_ func(client.Response), send func([]byte)) (bool, error) { send([]byte(chunk)); return false, nil })
}

// open answers 200 and says hello with heartbeat.
func (c *streamConn) open(t *testing.T, heartbeat time.Duration) {
	t.Helper()
	c.head(t, client.Response{Status: 200})
	c.send(t, "retry: 1\n\nevent: hello\ndata: {\"heartbeat_ms\":"+strconv.FormatInt(heartbeat.Milliseconds(), 10)+"}\n\n")
}

// answer sends an answer event with msgs and etag.
func (c *streamConn) answer(t *testing.T, etag string, msgs ...inbox.Message) {
	t.Helper()
	body, err := json.Marshal(inbox.PollResponse{Messages: msgs, NextPollMs: 10_000, Tier: "active"})
	require.NoError(t, err)
	c.send(t, "event: answer\nid: "+etag+"\ndata: "+string(body)+"\n\n")
}

// end ends the stream with err (nil: the body ended).
func (c *streamConn) end(t *testing.T, err error) {
	t.Helper()
	c.play(t, func(func(client.Response), func([]byte)) (bool, error) { return true, err })
}

// ping sends a heartbeat unless the stream is closed.
func (c *streamConn) ping() {
	step := streamStep{do: func(_ func(client.Response), send func([]byte)) (bool, error) {
		send([]byte(": ping\n\n"))
		return false, nil
	}, done: make(chan struct{})}
	select {
	case c.steps <- step:
		<-step.done
	case <-c.ctx.Done():
	}
}

// isClosed reports whether the runtime closed the stream.
func (c *streamConn) isClosed() bool { return c.ctx.Err() != nil }

// closed waits until the runtime closed the stream.
func (c *streamConn) closed(t *testing.T) {
	t.Helper()
	select {
	case <-c.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the stream was not closed")
	}
}

// newStreamRuntime is a runtime whose host streams, on a stepped clock; its
// fake server answers polls with next_poll_ms 20 (but polls wait for the
// clock), and, with signatures, requires them.
func newStreamRuntime(t *testing.T, signatures map[string]string, msgs ...inbox.Message) (*client.Runtime, *streamHost, *steppedClock) {
	t.Helper()
	srv := &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 100), signatures: signatures}
	h := &streamHost{tabs: &tabs{server: srv, inbox: map[int]chan map[string]any{}}, conns: make(chan *streamConn, 100)}
	clock := &steppedClock{now: time.Unix(1_800_000_000, 0)}
	rt := client.New(h, client.Options{Clock: clock, EventRetry: time.Millisecond, FirstAnswerWait: 100 * time.Millisecond,
		Tiers: poller.Tiers{Active: time.Minute, Inactive: time.Minute, Low: time.Minute}, StreamBackoff: time.Second})
	stopWhenDone(t, rt, h.tabs)
	return rt, h, clock
}

// lastHeaders returns the headers of the last poll (or event post) the server got.
func (h *streamHost) lastHeaders() map[string]string {
	h.server.mu.Lock()
	defer h.server.mu.Unlock()
	return h.server.headers[len(h.server.headers)-1]
}
