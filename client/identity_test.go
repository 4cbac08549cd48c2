package client_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One runtime serves every tab of the origin (SharedWorker): a tab sees a
// person's messages only once the server accepted that tab's own signature,
// or it gave exactly one the session holds accepted; a refused signature
// never replaces an accepted one, and reaches only the tabs that gave it.

// until waits for a message to port matching stop, and fails on each one
// before it that matches forbid.
func (h *tabs) until(t *testing.T, port int, stop, forbid func(map[string]any) bool, what string) map[string]any {
	t.Helper()
	return h.next(t, port, func(m map[string]any) bool {
		if forbid(m) {
			t.Errorf("tab %d: %s: %v", port, what, m)
		}
		return stop(m)
	})
}

// drain fails on each message port holds now that matches forbid.
func (h *tabs) drain(t *testing.T, port int, forbid func(map[string]any) bool, what string) {
	t.Helper()
	for {
		select {
		case m := <-h.ch(port):
			if forbid(m) {
				t.Errorf("tab %d: %s: %v", port, what, m)
			}
		default:
			return
		}
	}
}

// anyMessages matches a snapshot that lists messages.
func anyMessages(m map[string]any) bool {
	if m["op"] != "snapshot" {
		return false
	}
	return len(m["snapshot"].(map[string]any)["messages"].([]any)) > 0
}

// signaturesSent returns the X-Roost-Signature of each request of user.
func (f *fakeServer) signaturesSent(user string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, hd := range f.headers {
		if hd["X-Roost-User"] == user {
			out = append(out, hd["X-Roost-Signature"])
		}
	}
	return out
}

// ownerTab opens tab 1 as user_123 with the good signature and waits for its message.
func ownerTab(t *testing.T, rt *client.Runtime, h *tabs) {
	t.Helper()
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"good"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
}

func TestBorrowedSignatureSeesNothingAndTheOwnerGoesOn(t *testing.T) {
	for _, c := range []struct {
		name, identify string
		status         float64
	}{
		{"another person's signature", `{"op":"identify","user":"user_123","signature":"sig-456","attributes":{"first_name":"Eve"}}`, 403},
		{"no signature", `{"op":"identify","user":"user_123","attributes":{"first_name":"Eve"}}`, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			rt, h, _ := newSignedRuntime(t, map[string]string{"user_123": "good", "user_456": "sig-456"}, message("d1", "orders", `"Hi"`))
			ownerTab(t, rt, h)

			// Another tab of the same runtime identifies user_123 with a wrong signature, or none.
			send(rt, 2, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
			send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
			send(rt, 2, c.identify)
			m := h.until(t, 2, identityError, anyMessages, "a tab with a refused signature got the person's messages")
			assert.Equal(t, c.status, m["data"].(map[string]any)["status"])
			h.until(t, 2, snapshotWith(1, 0), anyMessages, "a refused tab got the person's messages")

			// It can change nothing of the person's.
			send(rt, 2, `{"op":"mark","rid":1,"deliveryId":"d1","state":"deleted"}`)
			m = h.next(t, 2, reply(1))
			assert.Contains(t, m["error"], "not accepted this page's signature")

			// The owner's tab keeps its signature: it polls on, unrefused, and sees the message.
			polls := h.server.pollsOf("user_123")
			send(rt, 1, `{"op":"identify","user":"user_123"}`)
			require.Eventually(t, func() bool { return h.server.pollsOf("user_123") > polls }, 5*time.Second, time.Millisecond)
			send(rt, 1, `{"op":"mark","rid":2,"deliveryId":"d1","state":"opened"}`)
			m = h.next(t, 1, reply(2))
			assert.Nil(t, m["error"])
			require.Eventually(t, func() bool { return h.server.count(func() int { return len(h.server.events) }) == 1 }, 5*time.Second, time.Millisecond)
			h.drain(t, 1, identityError, "the owner's tab heard of another tab's refusal")
			sent := h.server.signaturesSent("user_123")
			refused := 0
			for _, sig := range sent {
				if sig != "good" {
					refused++
				}
			}
			assert.Equal(t, 1, refused, "one check of the other tab's signature, then only the good one: %v", sent)
			h.server.mu.Lock()
			defer h.server.mu.Unlock()
			for _, e := range h.server.events {
				assert.NotEqual(t, inbox.EventIdentify, e.Type, "the refused tab's attributes reached the server")
			}
		})
	}
}

func TestSameSignatureSeesTheLiveSessionAtOnce(t *testing.T) {
	rt, h, _ := newSignedRuntime(t, map[string]string{"user_123": "good"}, message("d1", "orders", `"Hi"`))
	ownerTab(t, rt, h)
	polls := h.server.pollsOf("user_123")
	send(rt, 2, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 2, `{"op":"identify","user":"user_123","signature":"good"}`)
	send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 2, snapshotWith(1, 1))
	assert.Equal(t, polls, h.server.pollsOf("user_123"), "no poll: the session holds exactly this signature, accepted")
}

func TestIdentifyWithoutSignatureKeepsTheTabsOwn(t *testing.T) {
	rt, h, _ := newSignedRuntime(t, map[string]string{"user_123": "good"}, message("d1", "orders", `"Hi"`))
	ownerTab(t, rt, h)
	// Tab 2 gave the good signature itself: identifying again without one keeps it.
	send(rt, 2, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 2, `{"op":"identify","user":"user_123","signature":"good"}`)
	send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 2, snapshotWith(1, 1))
	send(rt, 2, `{"op":"identify","user":"user_123"}`)
	send(rt, 2, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	m := h.next(t, 2, reply(1))
	assert.Nil(t, m["error"])
	// Tab 3 never gave one: it does not borrow tab 1's.
	send(rt, 3, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 3, `{"op":"view","view":1,"filter":{}}`)
	send(rt, 3, `{"op":"identify","user":"user_123"}`)
	m = h.until(t, 3, identityError, anyMessages, "a tab without a signature got the person's messages")
	assert.Equal(t, float64(401), m["data"].(map[string]any)["status"])
	h.drain(t, 1, identityError, "tab 1 heard of tab 3's refusal")
	h.drain(t, 2, identityError, "tab 2 heard of tab 3's refusal")
}

func TestUnsignedSiteTabsShareTheSession(t *testing.T) {
	rt, h := newRuntime(t, message("d1", "orders", `"Hi"`))
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	open(rt, 2, "user_123")
	send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 2, snapshotWith(1, 1))
}

// token returns an identity token "v1.<exp>.<hmac>" expiring at exp; the
// fake server checks only its expiry (and hmac "bad" is refused).
func token(exp time.Time, hmac string) string {
	return "v1." + strconv.FormatInt(exp.Unix(), 10) + "." + hmac
}

// newTokenRuntime is a runtime on a stepped clock whose server accepts
// user_123's identity tokens until they expire.
func newTokenRuntime(t *testing.T, opts client.Options) (*client.Runtime, *tabs, *steppedClock) {
	t.Helper()
	return newSkewedTokenRuntime(t, opts, 0)
}

// newSkewedTokenRuntime is newTokenRuntime with a server whose clock is
// skew ahead of the runtime's (behind when negative), as its answers' Date says.
func newSkewedTokenRuntime(t *testing.T, opts client.Options, skew time.Duration) (*client.Runtime, *tabs, *steppedClock) {
	t.Helper()
	browser := &steppedClock{now: time.Unix(1_800_000_000, 0)}
	serverNow := func() time.Time { return browser.Now().Add(skew) }
	srv := &fakeServer{messages: []inbox.Message{message("d1", "orders", `"Hi"`)}, polls: map[string]int{}, eventPost: make(chan struct{}, 100), nextPollMs: 1000,
		accepts: func(user, signature string) bool {
			parts := strings.Split(signature, ".")
			exp, err := strconv.ParseInt(parts[min(1, len(parts)-1)], 10, 64)
			return user == "user_123" && len(parts) == 3 && parts[0] == "v1" && parts[2] != "bad" && err == nil && serverNow().Unix() < exp
		}}
	srv.expired = func(signature string) bool {
		parts := strings.Split(signature, ".")
		exp, err := strconv.ParseInt(parts[min(1, len(parts)-1)], 10, 64)
		return len(parts) == 3 && parts[2] != "bad" && err == nil && serverNow().Unix() >= exp
	}
	srv.clock = serverNow
	h := &tabs{server: srv, inbox: map[int]chan map[string]any{}}
	opts.Clock, opts.EventRetry = browser, time.Millisecond
	opts.Tiers = poller.Tiers{Active: time.Minute, Inactive: time.Minute, Low: time.Minute}
	rt := client.New(h, opts)
	stopWhenDone(t, rt, h)
	return rt, h, browser
}

func expiring(m map[string]any) bool {
	return m["op"] == "emit" && m["name"] == client.EventIdentityExpiring
}

func TestIdentityExpiringAsksForAFreshTokenAndItReplacesTheOld(t *testing.T) {
	rt, h, clock := newTokenRuntime(t, client.Options{})
	start := clock.Now()
	first := token(start.Add(100*time.Second), "aa")
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+first+`"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))

	// 100 s to live: asked a tenth of that (10 s) before, not earlier.
	clock.move(89 * time.Second)
	assert.Never(t, func() bool {
		select {
		case m := <-h.ch(1):
			return expiring(m)
		default:
			return false
		}
	}, 100*time.Millisecond, 5*time.Millisecond, "asked for a fresh token too early")
	clock.move(time.Second)
	m := h.next(t, 1, expiring)
	assert.Equal(t, map[string]any{"user": "user_123", "expiresAt": float64(start.Add(100 * time.Second).UnixMilli())}, m["data"])

	// The page gives a fresh one: no blank inbox, no refusal, and polling
	// goes on with the fresh token past the old one's expiry.
	fresh := token(clock.Now().Add(time.Hour), "bb")
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+fresh+`"}`)
	require.Eventually(t, func() bool { return slicesContains(h.server.signaturesSent("user_123"), fresh) }, 5*time.Second, time.Millisecond)
	polls := h.server.pollsOf("user_123")
	clock.move(20 * time.Second) // the first token has expired
	require.Eventually(t, func() bool {
		clock.move(time.Second) // the next poll is due (the loop may start its wait after a move)
		sent := h.server.signaturesSent("user_123")
		return h.server.pollsOf("user_123") > polls && sent[len(sent)-1] == fresh
	}, 5*time.Second, 10*time.Millisecond, "the runtime polls with the fresh token")
	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	h.until(t, 1, reply(1), func(m map[string]any) bool { return identityError(m) || snapshotWith(1, 0)(m) }, "the inbox blanked or was refused")
	h.drain(t, 1, func(m map[string]any) bool { return identityError(m) || snapshotWith(1, 0)(m) }, "the inbox blanked or was refused")

	// 1 h to live: asked 60 s before (Options.TokenLead), for the fresh token only.
	freshExp := start.Add(90*time.Second + time.Hour)
	clock.move(freshExp.Add(-61 * time.Second).Sub(clock.Now()))
	h.drain(t, 1, expiring, "asked for a fresh token again too early")
	clock.move(time.Second)
	m = h.next(t, 1, expiring)
	assert.Equal(t, float64(freshExp.UnixMilli()), m["data"].(map[string]any)["expiresAt"])
}

func TestExpiredTokenRefusedThenAFreshOneResumes(t *testing.T) {
	rt, h, clock := newTokenRuntime(t, client.Options{TokenLead: time.Second})
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+token(clock.Now().Add(10*time.Second), "aa")+`"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	clock.move(9 * time.Second)
	h.next(t, 1, expiring) // at 9 s; the page does not answer
	var m map[string]any
	require.Eventually(t, func() bool {
		clock.move(time.Second) // past the expiry, and the next poll due (the loop may start its wait after a move)
		for {
			select {
			case m = <-h.ch(1):
				if identityError(m) {
					return true
				}
			default:
				return false
			}
		}
	}, 5*time.Second, 10*time.Millisecond, "the expired token is refused")
	assert.Equal(t, float64(403), m["data"].(map[string]any)["status"])
	assert.Equal(t, client.ReasonExpired, m["data"].(map[string]any)["reason"])
	polls := h.server.pollsOf("user_123")
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+token(clock.Now().Add(time.Hour), "cc")+`"}`)
	h.next(t, 1, snapshotWith(1, 1))
	assert.Equal(t, polls+1, h.server.pollsOf("user_123"), "polling resumed at once with the fresh token")
}

func TestWrongFreshTokenKeepsTheAcceptedOne(t *testing.T) {
	rt, h, clock := newTokenRuntime(t, client.Options{})
	good := token(clock.Now().Add(time.Hour), "aa")
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+good+`"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	// Tab 2 gives a token of a later expiry that the server refuses: the
	// session keeps polling with tab 1's.
	send(rt, 2, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
	send(rt, 2, `{"op":"identify","user":"user_123","signature":"`+token(clock.Now().Add(2*time.Hour), "bad")+`"}`)
	m := h.until(t, 2, identityError, anyMessages, "a refused token got the person's messages")
	assert.Equal(t, client.ReasonInvalid, m["data"].(map[string]any)["reason"])
	clock.move(2 * time.Second) // the next poll
	require.Eventually(t, func() bool { return h.server.pollsOf("user_123") >= 3 }, 5*time.Second, time.Millisecond)
	sent := h.server.signaturesSent("user_123")
	assert.Equal(t, good, sent[len(sent)-1])
	h.drain(t, 1, identityError, "tab 1 heard of tab 2's refusal")
}

// TestDedicatedFreshTokenKeepsTheInbox: with a runtime per tab (a
// Coordinator), a fresh token starts the session over in its own group,
// without blanking the tab's inbox.
func TestDedicatedFreshTokenKeepsTheInbox(t *testing.T) {
	b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
	exp := time.Now().Add(time.Hour)
	b.server.accepts = func(user, signature string) bool {
		return strings.HasPrefix(signature, "v1.") && !strings.HasSuffix(signature, ".bad")
	}
	a := b.open(t, "user_123", token(exp, "aa"))
	a.tabs.next(t, 1, snapshotWith(1, 1))
	fresh := token(exp.Add(time.Hour), "bb")
	send(a.rt, 1, `{"op":"identify","user":"user_123","signature":"`+fresh+`"}`)
	require.Eventually(t, func() bool { return slicesContains(b.server.signaturesSent("user_123"), fresh) }, 5*time.Second, time.Millisecond)
	send(a.rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	m := a.tabs.until(t, 1, reply(1), func(m map[string]any) bool { return identityError(m) || snapshotWith(1, 0)(m) }, "the inbox blanked or was refused")
	assert.Nil(t, m["error"])
}

func slicesContains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestTabLockNameLimit: a tab's lock name must start with roost-tab- and
// be at most 100 bytes; a longer one is an error reply and is not watched.
func TestTabLockNameLimit(t *testing.T) {
	rt, h := newLockingRuntime(t)
	open(rt, 1, "user_123")
	longest := "roost-tab-" + strings.Repeat("x", 90)
	require.Len(t, longest, 100)
	send(rt, 1, `{"op":"lock","rid":1,"lock":"`+longest+`"}`)
	m := h.next(t, 1, reply(1))
	assert.Nil(t, m["error"], "100 bytes is allowed")
	send(rt, 1, `{"op":"lock","rid":2,"lock":"`+longest+`x"}`)
	m = h.next(t, 1, reply(2))
	assert.Equal(t, fmt.Sprintf("lock: the name must start with %q and be at most 100 bytes, got %.100q", "roost-tab-", longest+"x"), m["error"])
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.NotContains(t, h.watched, longest+"x", "an over-long name is not watched")
}

// TestKeptInboxOnlyForItsOwnSignature: the inbox the last page load kept is
// shown before any answer only to a tab that gives exactly the signature it
// was polled with, and not when that is an identity token past its expiry.
func TestKeptInboxOnlyForItsOwnSignature(t *testing.T) {
	expired := token(time.Now().Add(-time.Minute), "aa") // the fake server checks no signature
	for _, signature := range []string{"sig-a", expired} {
		st := client.NewMemoryStorage()
		// The first page load polls with the token before it expired (its
		// runtime's clock two minutes behind): the runtime trusts no token past
		// its expiry by its own clock.
		rt1, h1 := newOutboxRuntimeOn(t, st, false, shiftedClock(-2*time.Minute), message("d1", "orders", `"One"`))
		send(rt1, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
		send(rt1, 1, `{"op":"identify","user":"user_123","signature":"`+signature+`"}`)
		send(rt1, 1, `{"op":"view","view":1,"filter":{}}`)
		h1.next(t, 1, snapshotWith(1, 1))
		require.Eventually(t, func() bool {
			raw, _, _ := st.Get(t.Context(), "inbox/user_123")
			return strings.Contains(string(raw), `"d1"`)
		}, 5*time.Second, time.Millisecond)
		send(rt1, 1, `{"op":"bye"}`)

		// A reload while the server is unreachable: two tabs of one runtime.
		rt, h := newOutboxRuntime(t, st, true)
		h.server.pollsDown = true
		send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
		send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+signature+`"}`)
		send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
		if signature == expired {
			h.until(t, 1, snapshotWith(1, 0), anyMessages, "the inbox kept for an expired token was shown")
			continue
		}
		h.next(t, 1, snapshotWith(1, 1))
		send(rt, 2, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
		send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
		send(rt, 2, `{"op":"identify","user":"user_123","signature":"sig-b"}`)
		h.until(t, 2, func(m map[string]any) bool { return m["op"] == "emit" && m["name"] == "message-error" }, anyMessages,
			"a tab with another signature was shown the kept inbox")
		h.drain(t, 2, anyMessages, "a tab with another signature was shown the kept inbox")
	}
}
