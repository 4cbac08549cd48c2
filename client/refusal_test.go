package client_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An accepted identity token that has expired since admits no new tab: tab
// 1 gave token A, then a fresh one; after A expired, tab 2 gives A and has
// it checked by the server, which refuses it, rather than seeing the
// person's messages.
func TestExpiredAcceptedTokenAdmitsNoNewTab(t *testing.T) {
	rt, h, clock := newTokenRuntime(t, client.Options{TokenLead: time.Second})
	start := clock.Now()
	old := token(start.Add(10*time.Second), "aa")
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+old+`"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+token(start.Add(time.Hour), "bb")+`"}`)
	h.next(t, 1, snapshotWith(1, 1)) // the fresh token accepted: tab 1 is told so
	clock.move(11 * time.Second)     // A has expired

	send(rt, 2, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
	checks := len(h.server.signaturesSent("user_123"))
	send(rt, 2, `{"op":"identify","user":"user_123","signature":"`+old+`"}`)
	m := h.until(t, 2, identityError, anyMessages, "a tab with an expired token got the person's messages")
	assert.Equal(t, client.ReasonExpired, m["data"].(map[string]any)["reason"])
	h.until(t, 2, snapshotWith(1, 0), anyMessages, "a tab with an expired token got the person's messages")
	assert.Contains(t, h.server.signaturesSent("user_123")[checks:], old, "the server checked the expired token")
	send(rt, 2, `{"op":"mark","rid":1,"deliveryId":"d1","state":"deleted"}`)
	assert.Contains(t, h.next(t, 2, reply(1))["error"], "not accepted this page's signature")
	h.drain(t, 1, identityError, "tab 1 heard of tab 2's refusal")
}

// The reasons of identity-error: "missing" (401), "invalid" (another 403),
// "expired" (a 403 for a token past its expiry), so that a page identifies
// again only when a fresh token can help.
func TestIdentityErrorReasons(t *testing.T) {
	for _, c := range []struct {
		name, signature string
		reason          string
	}{
		{"no signature", "", client.ReasonMissing},
		{"wrong token", "v1.1800003600.bad", client.ReasonInvalid},
		{"not a token", "sig-456", client.ReasonInvalid},
		{"expired token", "v1.1799999999.aa", client.ReasonExpired},
	} {
		t.Run(c.name, func(t *testing.T) {
			rt, h, _ := newTokenRuntime(t, client.Options{})
			send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
			send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
			send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+c.signature+`"}`)
			m := h.until(t, 1, identityError, anyMessages, "a refused tab got the person's messages")
			assert.Equal(t, c.reason, m["data"].(map[string]any)["reason"])
			h.until(t, 1, snapshotWith(1, 0), anyMessages, "a refused tab got the person's messages")
		})
	}
}

// TestRetryAfterOnEvents429: the events budget's 429 carries Retry-After,
// and the runtime waits that long (when longer than EventRetry) before it
// sends the events again.
func TestRetryAfterOnEvents429(t *testing.T) {
	clock := &steppedClock{now: time.Unix(1_800_000_000, 0)}
	srv := &fakeServer{messages: []inbox.Message{message("d1", "orders", `"Hi"`)}, polls: map[string]int{},
		eventPost: make(chan struct{}, 100), nextPollMs: 3_600_000, busy: 1, busyFor: 30 * time.Second}
	h := &tabs{server: srv, inbox: map[int]chan map[string]any{}}
	rt := client.New(h, client.Options{Clock: clock, EventRetry: 5 * time.Second,
		Tiers: poller.Tiers{Active: time.Hour, Inactive: time.Hour, Low: time.Hour}})
	stopWhenDone(t, rt, h)
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	<-srv.eventPost // answered 429, Retry-After 30 s
	var moved atomic.Int64
	require.Eventually(t, func() bool {
		if srv.count(func() int { return len(srv.events) }) == 1 {
			return true
		}
		clock.move(time.Second)
		moved.Add(1)
		return false
	}, 10*time.Second, 5*time.Millisecond, "the events are sent again")
	assert.GreaterOrEqual(t, moved.Load(), int64(30), "sent again %d s after the 429, before its Retry-After of 30 s", moved.Load())
	assert.Equal(t, 2, srv.count(func() int { return srv.eventPosts }), "one post refused, one taken")
}

func TestParseRetryAfter(t *testing.T) {
	for header, want := range map[string]time.Duration{
		"30": 30 * time.Second, "0": 0, "": 0, "-1": 0, "1.5": 0, "soon": 0,
		"Wed, 21 Oct 2026 07:28:00 GMT": 0, "99999999999999999999": 0, "86401": 0, "86400": 24 * time.Hour,
	} {
		assert.Equal(t, want, client.ParseRetryAfter(header), "Retry-After: %q", header)
	}
}
