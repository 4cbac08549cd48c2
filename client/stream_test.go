package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStreamInsteadOfPolls(t *testing.T) {
	rt, h, clock := newStreamRuntime(t, nil, message("d1", "orders", `"Hi"`))
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1)) // the first poll's answer

	c := h.conn(t) // then the stream, with the poll's headers and its ETag
	assert.Equal(t, "GET", c.req.Method)
	assert.Equal(t, "http://roost.test/v1/client/stream", c.req.URL)
	assert.Equal(t, map[string]string{"X-Roost-Site": "example", "X-Roost-User": "user_123", "Last-Event-ID": `"x"`}, c.req.Header)
	c.open(t, time.Hour)

	// A (fake) day with the stream up: no poll, though the server asks for one every 20 ms.
	for range 24 * 6 {
		c.send(t, ": ping\n\n")
		clock.move(10 * time.Minute)
	}
	assert.Equal(t, 1, h.server.pollsOf("user_123"))
	assert.False(t, c.isClosed())

	// An answer reaches the views at once.
	c.answer(t, `"s1"`, message("d1", "orders", `"Hi"`), message("d2", "orders", `"Again"`))
	h.next(t, 1, snapshotWith(1, 2))
	assert.Equal(t, 1, h.server.pollsOf("user_123"))

	// The stream ends: a poll at once, with the stream's ETag; then the
	// stream again, after the backoff, with the poll's.
	c.end(t, errors.New("network down"))
	require.Eventually(t, func() bool { return h.server.pollsOf("user_123") == 2 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, `"s1"`, h.lastHeaders()["If-None-Match"])
	h.next(t, 1, snapshotWith(1, 1)) // the poll's answer (the server holds one message)
	var c2 *streamConn
	require.Eventually(t, func() bool {
		clock.move(100 * time.Millisecond) // the loop may start its wait after a move
		select {
		case c2 = <-h.conns:
			return true
		default:
			return false
		}
	}, 5*time.Second, time.Millisecond)
	assert.Equal(t, `"x"`, c2.req.Header["Last-Event-ID"])
}

func TestStreamRefusedStopsBothUntilIdentify(t *testing.T) {
	signatures := map[string]string{"user_123": "sig-1"}
	rt, h, clock := newStreamRuntime(t, signatures, message("d1", "orders", `"Hi"`))
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"sig-1"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	c := h.conn(t)
	assert.Equal(t, "sig-1", c.req.Header["X-Roost-Signature"])

	// The site rotated its secret: the stream is refused.
	h.server.mu.Lock()
	signatures["user_123"] = "sig-2"
	h.server.mu.Unlock()
	c.head(t, client.Response{Status: 403, Body: []byte(`{"meta":{"error":"X-Roost-Signature does not match the user id"}}`)})
	m := h.next(t, 1, identityError)
	assert.Equal(t, float64(403), m["data"].(map[string]any)["status"])
	c.closed(t)
	for range 10 { // neither polls nor streams, however long
		clock.move(time.Hour)
	}
	send(rt, 1, `{"op":"visible","visible":false}`)
	send(rt, 1, `{"op":"visible","visible":true}`)
	h.noConn(t, "refused")
	assert.Equal(t, 1, h.server.pollsOf("user_123"))

	// The page identifies with the new signature: a poll, then the stream.
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"sig-2"}`)
	c = h.conn(t)
	assert.Equal(t, "sig-2", c.req.Header["X-Roost-Signature"])
	assert.Equal(t, 2, h.server.pollsOf("user_123"))
	assert.Equal(t, "sig-2", h.lastHeaders()["X-Roost-Signature"])
}

func TestStreamReconnectsWithANewSignature(t *testing.T) {
	rt, h, _ := newStreamRuntime(t, nil, message("d1", "orders", `"Hi"`))
	h.server.accepts = func(user, signature string) bool { return signature == "sig-a" || signature == "sig-b" }
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"sig-a"}`)
	c := h.conn(t)
	assert.Equal(t, "sig-a", c.req.Header["X-Roost-Signature"])
	c.open(t, time.Hour)

	// The page gives another signature the server accepts: the session takes
	// it, and the stream reconnects with it at once.
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"sig-b"}`)
	c.closed(t)
	c = h.conn(t)
	assert.Equal(t, "sig-b", c.req.Header["X-Roost-Signature"])
}

func TestStreamClosedOnePeriodAfterTheLastTabHides(t *testing.T) {
	rt, h, clock := newStreamRuntime(t, nil, message("d1", "orders", `"Hi"`))
	open(rt, 1, "user_123")
	open(rt, 2, "user_123")
	c := h.conn(t)
	c.open(t, 10*time.Second)

	send(rt, 1, `{"op":"visible","visible":false}`)
	for range 5 { // another tab is visible: the stream stays
		c.send(t, ": ping\n\n")
		clock.move(5 * time.Second)
	}
	assert.False(t, c.isClosed())

	start := clock.Now()
	send(rt, 2, `{"op":"visible","visible":false}`)
	for deadline := time.Now().Add(5 * time.Second); !c.isClosed(); {
		require.True(t, time.Now().Before(deadline), "the stream was not closed")
		c.ping() // keep it alive: it closes for hiding, not for silence
		clock.move(time.Second)
	}
	assert.GreaterOrEqual(t, clock.Now().Sub(start), 10*time.Second, "closed one heartbeat period after the last tab hid")
	polls := h.server.pollsOf("user_123")
	clock.move(time.Hour)
	h.noConn(t, "hidden")
	assert.Equal(t, polls, h.server.pollsOf("user_123"), "no polls while hidden")

	send(rt, 2, `{"op":"visible","visible":true}`)
	h.conn(t).open(t, 10*time.Second)
}

// streamingMember is a tab whose host streams: its stream requests go to
// the browser's streams, marked with the tab.
type streamingMember struct{ *member }

// memberConn is a stream request of a tab.
type memberConn struct {
	*streamConn
	m *member
}

func (s streamingMember) Stream(ctx context.Context, req client.Request, head func(client.Response), chunk func([]byte)) error {
	h := &streamHost{conns: make(chan *streamConn, 1)}
	done := make(chan error, 1)
	go func() { done <- h.Stream(ctx, req, head, chunk) }()
	s.b.streams <- &memberConn{streamConn: <-h.conns, m: s.member}
	return <-done
}

func TestOnlyTheLeaderStreams(t *testing.T) {
	b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
	b.streams = make(chan *memberConn, 100)
	tabs := b.group(t, 3)
	leader := tabs[0]
	c := <-b.streams
	require.Same(t, leader, c.m, "the leader streams")
	c.open(t, time.Hour)

	// A stream's answer reaches every tab, through the leader.
	c.answer(t, `"s1"`, message("d1", "orders", `"Hi"`), message("d2", "orders", `"Again"`))
	for _, m := range tabs {
		m.tabs.next(t, 1, snapshotWith(1, 2))
	}
	assert.Equal(t, []int64{1, 0, 0}, b.polls(), "one poll, before the stream")
	select {
	case other := <-b.streams:
		t.Fatalf("a follower opened a stream: %v", other.req.Header)
	default:
	}

	// The leader's tab closes: its stream ends, and the new leader polls and streams.
	leader.close()
	c.closed(t)
	var next *memberConn
	select {
	case next = <-b.streams:
	case <-time.After(5 * time.Second):
		t.Fatal("the new leader opened no stream")
	}
	assert.NotSame(t, leader, next.m)
	assert.Equal(t, int64(1), next.m.polls.Load(), "the new leader polled at once")
	assert.Equal(t, `"x"`, next.req.Header["Last-Event-ID"])
}
