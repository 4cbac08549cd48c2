package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// claimServer is the fake server with the server's in-app rule: the first
// delivered event for an in-app message is acknowledged and the message
// leaves the polls; another event id for it is rejected "already delivered".
type claimServer struct {
	*fakeServer
	mu sync.Mutex
	// winner is the acknowledged claim's event id, by delivery.
	winner map[string]string
	// elsewhere are deliveries another browser has claimed already.
	elsewhere map[string]bool
	// claims are every claim post's event, in order.
	claims []inbox.Event
	// failClaims answers this many claim posts with a network error.
	failClaims int
	// loseAnswers applies this many claims but answers them with a network error.
	loseAnswers int
}

func (c *claimServer) Fetch(ctx context.Context, req client.Request) (client.Response, error) {
	if req.URL != "http://roost.test/v1/client/events" {
		return c.fakeServer.Fetch(ctx, req)
	}
	var batch inbox.EventBatch
	if err := json.Unmarshal(req.Body, &batch); err != nil || len(batch.Events) != 1 || !c.isInAppClaim(batch.Events[0]) {
		return c.fakeServer.Fetch(ctx, req)
	}
	e := batch.Events[0]
	c.mu.Lock()
	defer c.mu.Unlock()
	c.claims = append(c.claims, e)
	if c.failClaims > 0 {
		c.failClaims--
		return client.Response{}, errors.New("network down")
	}
	ack := inbox.EventsResponse{}
	if w, ok := c.winner[e.DeliveryID]; (ok && w != e.ID) || c.elsewhere[e.DeliveryID] {
		ack.Rejected = append(ack.Rejected, inbox.RejectedEvent{ID: e.ID, Error: "already delivered"})
	} else {
		c.winner[e.DeliveryID] = e.ID
		ack.Acknowledged = append(ack.Acknowledged, e.ID)
		c.fakeServer.mu.Lock()
		kept := c.fakeServer.messages[:0:0]
		for _, m := range c.fakeServer.messages {
			if m.DeliveryID != e.DeliveryID {
				kept = append(kept, m)
			}
		}
		c.fakeServer.messages = kept
		c.fakeServer.mu.Unlock()
	}
	if c.loseAnswers > 0 {
		c.loseAnswers--
		return client.Response{}, errors.New("connection reset")
	}
	body, _ := json.Marshal(ack)
	return client.Response{Status: 200, Body: body}, nil
}

func (c *claimServer) isInAppClaim(e inbox.Event) bool {
	if e.Type != inbox.EventDelivered {
		return false
	}
	c.fakeServer.mu.Lock()
	defer c.fakeServer.mu.Unlock()
	for _, m := range c.fakeServer.messages {
		if m.DeliveryID == e.DeliveryID {
			return m.Channel == inbox.ChannelInApp
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, claimed := c.winner[e.DeliveryID]
	return claimed
}

func (c *claimServer) claimCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.claims)
}

// inAppHost posts to the recorded tabs and fetches from the claim server.
type inAppHost struct {
	*tabs
	srv *claimServer
}

func (h inAppHost) Fetch(ctx context.Context, req client.Request) (client.Response, error) {
	return h.srv.Fetch(ctx, req)
}

func newInAppRuntime(t *testing.T, msgs ...inbox.Message) (*client.Runtime, *tabs, *claimServer) {
	t.Helper()
	srv := &claimServer{fakeServer: &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 1)},
		winner: map[string]string{}, elsewhere: map[string]bool{}}
	h := &tabs{server: srv.fakeServer, inbox: map[int]chan map[string]any{}}
	rt := client.New(inAppHost{tabs: h, srv: srv}, client.Options{EventRetry: 10 * time.Millisecond,
		Tiers: poller.Tiers{Active: 20 * time.Millisecond, Inactive: 20 * time.Millisecond, Low: 20 * time.Millisecond}})
	stopWhenDone(t, rt, h)
	return rt, h, srv
}

func inAppMessage(id string, priority int, sentAt int64, content string) inbox.Message {
	return inbox.Message{DeliveryID: id, Channel: inbox.ChannelInApp, Type: "promotion", Topics: []string{"offers"}, Priority: priority,
		Content: json.RawMessage(content), Customer: map[string]any{"first_name": "Ada"}, SentAtMs: sentAt}
}

// openInAppTab opens a tab of user on path; listening registers an in-app-message handler.
func openInAppTab(rt *client.Runtime, port int, user, path string, listening bool) {
	open(rt, port, user)
	send(rt, port, `{"op":"route","path":"`+path+`"}`)
	if listening {
		send(rt, port, `{"op":"inapp","listening":true}`)
	}
}

func isInApp(m map[string]any) bool { return m["op"] == "inapp" }

// shownID waits for the in-app message the runtime hands to port and returns its delivery id.
func (h *tabs) shownID(t *testing.T, port int) string {
	t.Helper()
	return h.next(t, port, isInApp)["message"].(map[string]any)["deliveryId"].(string)
}

// nothingShown fails when the runtime has handed port an in-app message or
// emitted an error to it; it drains what the tab got so far.
func (h *tabs) nothingShown(t *testing.T, port int) {
	t.Helper()
	for {
		select {
		case m := <-h.ch(port):
			assert.False(t, isInApp(m), "tab %d was given %v", port, m["message"])
			assert.NotEqual(t, "emit", m["op"], "tab %d: %v", port, m["data"])
		default:
			return
		}
	}
}

// waitPolls waits until user's runtime has polled n more times: the answer
// to the poll before the last has then been taken in.
func (f *fakeServer) waitPolls(t *testing.T, user string, n int) {
	t.Helper()
	target := f.count(func() int { return f.polls[user] }) + n
	require.Eventually(t, func() bool { return f.count(func() int { return f.polls[user] }) >= target },
		5*time.Second, time.Millisecond)
}

func (f *fakeServer) eventsOf(kind string) []inbox.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []inbox.Event
	for _, e := range f.events {
		if e.Type == kind {
			out = append(out, e)
		}
	}
	return out
}

func TestInAppHeldWhileHiddenThenShownOnVisible(t *testing.T) {
	rt, h, srv := newInAppRuntime(t, inAppMessage("w1", 10, 100, `{"title":"Welcome, {{customer.first_name}}!"}`))
	send(rt, 1, `{"op":"visible","visible":false}`)
	openInAppTab(rt, 1, "user_123", "/", true)
	// Another tab of the person is visible but cannot show in-app messages: it keeps the polls going.
	openInAppTab(rt, 2, "user_123", "/", false)
	srv.waitPolls(t, "user_123", 3)
	h.nothingShown(t, 1)
	h.nothingShown(t, 2)
	assert.Zero(t, srv.claimCount(), "nothing is claimed while no tab can show it")

	send(rt, 1, `{"op":"visible","visible":true}`)
	m := h.next(t, 1, isInApp)["message"].(map[string]any)
	assert.Equal(t, map[string]any{"deliveryId": "w1", "properties": map[string]any{"title": "Welcome, Ada!"},
		"type": "promotion", "topics": []any{"offers"}, "priority": float64(10)}, m)
	assert.Equal(t, 1, srv.claimCount())
	srv.waitPolls(t, "user_123", 3)
	h.nothingShown(t, 2)
}

func TestInAppArrivingWhileHiddenWaits(t *testing.T) {
	rt, h, srv := newInAppRuntime(t, inAppMessage("w1", 0, 100, `{"title":"Hi"}`))
	srv.pollStarted, srv.pollRelease = make(chan struct{}, 100), make(chan struct{})
	openInAppTab(rt, 1, "user_123", "/", true)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	<-srv.pollStarted
	send(rt, 1, `{"op":"visible","visible":false}`) // hidden while the poll is on its way
	close(srv.pollRelease)
	h.next(t, 1, snapshotWith(1, 0))         // the answer is taken in (the view shows inbox messages only)
	send(rt, 1, `{"op":"route","path":"/"}`) // a navigation in the hidden tab changes nothing
	h.nothingShown(t, 1)
	assert.Zero(t, srv.claimCount())
	assert.Equal(t, 1, srv.count(func() int { return srv.polls["user_123"] }), "hidden, the runtime does not poll")

	send(rt, 1, `{"op":"visible","visible":true}`)
	assert.Equal(t, "w1", h.shownID(t, 1))
}

func TestInAppPageRule(t *testing.T) {
	rt, h, srv := newInAppRuntime(t,
		inAppMessage("account", 5, 100, `{"title":"Your account","page_rule":"/account/*"}`),
		inAppMessage("anywhere", 0, 200, `{"title":"Hello"}`))
	openInAppTab(rt, 1, "user_123", "/shop", true)
	// The higher-priority message waits for its page; the other one shows meanwhile.
	assert.Equal(t, "anywhere", h.shownID(t, 1))
	send(rt, 1, `{"op":"dismiss","rid":1,"deliveryId":"anywhere"}`)
	h.next(t, 1, reply(1))
	srv.waitPolls(t, "user_123", 3)
	h.nothingShown(t, 1)
	assert.Equal(t, 1, srv.claimCount(), "a message whose page rule does not match is not claimed")

	send(rt, 1, `{"op":"route","path":"/account"}`) // still no match: "/account/*" wants a sub-path
	srv.waitPolls(t, "user_123", 2)
	h.nothingShown(t, 1)
	send(rt, 1, `{"op":"route","path":"/account/orders"}`) // SPA navigation into the rule
	assert.Equal(t, "account", h.shownID(t, 1))
}

func TestInAppShownInOneTabOnly(t *testing.T) {
	rt, h, srv := newInAppRuntime(t,
		inAppMessage("first", 5, 100, `{"title":"One"}`),
		inAppMessage("second", 0, 100, `{"title":"Two"}`))
	send(rt, 1, `{"op":"visible","visible":false}`) // both tabs are ready before either can show it
	openInAppTab(rt, 1, "user_123", "/", true)
	openInAppTab(rt, 2, "user_123", "/", true)
	send(rt, 1, `{"op":"visible","visible":true}`)

	got := map[int]int{}
	var showing int
	deadline := time.After(5 * time.Second)
	for showing == 0 {
		select {
		case m := <-h.ch(1):
			if isInApp(m) {
				got[1]++
				showing = 1
			}
		case m := <-h.ch(2):
			if isInApp(m) {
				got[2]++
				showing = 2
			}
		case <-deadline:
			t.Fatal("no tab was given the message")
		}
	}
	other := 3 - showing
	srv.waitPolls(t, "user_123", 3)
	h.nothingShown(t, showing)
	h.nothingShown(t, other)

	// The tab showing it goes away: the message is not shown again elsewhere;
	// the next one goes to the remaining tab.
	send(rt, showing, `{"op":"bye"}`)
	assert.Equal(t, "second", h.shownID(t, other))
	srv.waitPolls(t, "user_123", 3)
	h.nothingShown(t, other)
	assert.Equal(t, 2, srv.claimCount())
}

func TestInAppClaimedElsewhereIsDroppedSilently(t *testing.T) {
	rt, h, srv := newInAppRuntime(t,
		inAppMessage("taken", 5, 100, `{"title":"Another browser has it"}`),
		inAppMessage("mine", 0, 100, `{"title":"Mine"}`))
	srv.elsewhere["taken"] = true
	openInAppTab(rt, 1, "user_123", "/", true)
	assert.Equal(t, "mine", h.shownID(t, 1), "the rejected claim is dropped and the next message claimed")
	send(rt, 1, `{"op":"dismiss","rid":1,"deliveryId":"mine"}`)
	h.next(t, 1, reply(1))
	srv.waitPolls(t, "user_123", 3)
	h.nothingShown(t, 1) // no message-error either
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Len(t, srv.claims, 2, "the message still in the polls is not claimed again")
}

func TestInAppClaimRetriedAfterNetworkError(t *testing.T) {
	rt, h, srv := newInAppRuntime(t, inAppMessage("w1", 0, 100, `{"title":"Hi"}`))
	srv.failClaims = 2
	openInAppTab(rt, 1, "user_123", "/", true)
	m := h.next(t, 1, func(m map[string]any) bool {
		if isInApp(m) {
			assert.Equal(t, 3, srv.claimCount(), "shown only once a claim was acknowledged")
		}
		return isInApp(m)
	})
	assert.Equal(t, "w1", m["message"].(map[string]any)["deliveryId"])
	srv.mu.Lock()
	defer srv.mu.Unlock()
	require.Len(t, srv.claims, 3)
	assert.Equal(t, srv.claims[0], srv.claims[2], "a retry sends the same event, so a claim whose answer was lost still wins")
	assert.Equal(t, "delivered", srv.claims[0].Type)
}

func TestInAppClaimAnswerLostStillShown(t *testing.T) {
	// The first claim reaches the server but its answer is lost: later polls
	// no longer list the message, and the retry (the same event) wins.
	rt, h, srv := newInAppRuntime(t, inAppMessage("w1", 0, 100, `{"title":"Hi"}`))
	srv.loseAnswers = 1
	openInAppTab(rt, 1, "user_123", "/", true)
	assert.Equal(t, "w1", h.shownID(t, 1))
	assert.Equal(t, 2, srv.claimCount())
}

func TestInAppPriorityOneAtATimeAndDismiss(t *testing.T) {
	rt, h, srv := newInAppRuntime(t,
		inAppMessage("low", 0, 100, `{"title":"Low"}`),
		inAppMessage("high-new", 5, 300, `{"title":"High, newer"}`),
		inAppMessage("high-old", 5, 200, `{"title":"High, older"}`))
	openInAppTab(rt, 1, "user_123", "/", true)
	shownEarly := "" // the next message may be handed over before the dismiss is answered
	for i, want := range []string{"high-old", "high-new", "low"} {
		if shownEarly != "" {
			assert.Equal(t, want, shownEarly)
			shownEarly = ""
		} else {
			assert.Equal(t, want, h.shownID(t, 1))
		}
		srv.waitPolls(t, "user_123", 3)
		h.nothingShown(t, 1) // the next one waits for the dismissal
		if i == 0 {
			send(rt, 1, `{"op":"click","rid":9,"deliveryId":"high-old","action":"shop"}`)
			assert.Nil(t, h.next(t, 1, reply(9))["error"], "a shown in-app message takes clicks after it left the polls")
		}
		send(rt, 1, `{"op":"dismiss","rid":1,"deliveryId":"`+want+`"}`)
		answer := h.next(t, 1, func(m map[string]any) bool {
			if isInApp(m) {
				shownEarly = m["message"].(map[string]any)["deliveryId"].(string)
			}
			return reply(1)(m)
		})
		assert.Nil(t, answer["error"])
	}
	send(rt, 1, `{"op":"dismiss","rid":2,"deliveryId":"low"}`) // again: no second event
	assert.Nil(t, h.next(t, 1, reply(2))["error"])
	send(rt, 1, `{"op":"dismiss","rid":3,"deliveryId":"never-shown"}`)
	assert.Contains(t, h.next(t, 1, reply(3))["error"], "unknown message")

	require.Eventually(t, func() bool { return len(srv.eventsOf("dismissed")) == 3 }, 5*time.Second, time.Millisecond)
	var dismissed []string
	for _, e := range srv.eventsOf("dismissed") {
		dismissed = append(dismissed, e.DeliveryID)
		assert.NotEmpty(t, e.ID)
	}
	assert.Equal(t, []string{"high-old", "high-new", "low"}, dismissed)
	clicks := srv.eventsOf("clicked")
	require.Len(t, clicks, 1)
	assert.Equal(t, "shop", clicks[0].Action)
}

func TestInAppTabWithoutHandlerNeverClaims(t *testing.T) {
	rt, h, srv := newInAppRuntime(t, inAppMessage("w1", 0, 100, `{"title":"Hi"}`))
	openInAppTab(rt, 1, "user_123", "/", false)
	srv.waitPolls(t, "user_123", 4)
	h.nothingShown(t, 1)
	assert.Zero(t, srv.claimCount())

	send(rt, 1, `{"op":"inapp","listening":true}`)
	assert.Equal(t, "w1", h.shownID(t, 1))
}

func TestInAppDeclinedGoesToAnotherTab(t *testing.T) {
	rt, h, srv := newInAppRuntime(t, inAppMessage("w1", 0, 100, `{"title":"Hi"}`))
	openInAppTab(rt, 1, "user_123", "/", true)
	assert.Equal(t, "w1", h.shownID(t, 1))
	// Tab 1's page had removed its handler as the message came: it gives it back.
	send(rt, 1, `{"op":"decline","deliveryId":"w1"}`)
	openInAppTab(rt, 2, "user_123", "/", true)
	assert.Equal(t, "w1", h.shownID(t, 2))
	assert.Equal(t, 1, srv.claimCount(), "claimed once")
	h.nothingShown(t, 1)
}

func TestInAppBrokenTemplateNotClaimed(t *testing.T) {
	rt, h, srv := newInAppRuntime(t, inAppMessage("bad", 9, 100, `{"title":"{% if %}"}`), inAppMessage("good", 0, 100, `{"title":"Fine"}`))
	openInAppTab(rt, 1, "user_123", "/", true)
	m := h.next(t, 1, func(m map[string]any) bool { return m["op"] == "emit" })
	assert.Equal(t, "message-error", m["name"])
	assert.Equal(t, "bad", m["data"].(map[string]any)["deliveryId"])
	assert.Equal(t, "good", h.shownID(t, 1))
	srv.mu.Lock()
	defer srv.mu.Unlock()
	require.Len(t, srv.claims, 1)
	assert.Equal(t, "good", srv.claims[0].DeliveryID)
}

func TestInboxMessageDeliveredByTheFirstMark(t *testing.T) {
	expiring := message("d1", "orders", `"Hi"`)
	expiring.ExpiresAtMs = 1_900_000_000_000
	rt, h, srv := newInAppRuntime(t, expiring)
	open(rt, 1, "user_123")
	srv.waitPolls(t, "user_123", 3)
	assert.Empty(t, srv.eventsOf("delivered"), "receiving an inbox message does not deliver it")

	// markUnopened on a message that is unopened still tells the server it was shown.
	send(rt, 1, `{"op":"mark","rid":7,"deliveryId":"d1","state":"unopened"}`)
	require.Eventually(t, func() bool { return len(srv.eventsOf("unopened")) == 1 }, 5*time.Second, time.Millisecond)
	send(rt, 1, `{"op":"mark","rid":8,"deliveryId":"d1","state":"unopened"}`)
	srv.waitPolls(t, "user_123", 2)
	assert.Len(t, srv.eventsOf("unopened"), 1, "a second mark that changes nothing sends nothing")
	h.nothingShown(t, 1)
}

// newInAppRuntimeOn is newInAppRuntime on storage st.
func newInAppRuntimeOn(t *testing.T, st client.Storage, msgs ...inbox.Message) (*client.Runtime, *tabs, *claimServer) {
	t.Helper()
	srv := &claimServer{fakeServer: &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 1)},
		winner: map[string]string{}, elsewhere: map[string]bool{}}
	h := &tabs{server: srv.fakeServer, inbox: map[int]chan map[string]any{}}
	rt := client.New(inAppHost{tabs: h, srv: srv}, client.Options{EventRetry: 10 * time.Millisecond, Storage: st,
		Tiers: poller.Tiers{Active: 20 * time.Millisecond, Inactive: 20 * time.Millisecond, Low: 20 * time.Millisecond}})
	return rt, h, srv
}

func TestPersistentInAppStaysUntilDismissed(t *testing.T) {
	st := client.NewMemoryStorage()
	sticky := inAppMessage("p1", 5, 100, `{"title":"Keep me","persistent":true}`)
	plain := inAppMessage("w1", 0, 200, `{"title":"Once"}`)

	// First page load: the persistent one shows (higher priority); the tab
	// closes without dismissing it; another tab of this runtime shows it again.
	rt1, h1, srv1 := newInAppRuntimeOn(t, st, sticky, plain)
	openInAppTab(rt1, 1, "user_123", "/", true)
	assert.Equal(t, "p1", h1.shownID(t, 1))
	send(rt1, 1, `{"op":"bye"}`)
	openInAppTab(rt1, 2, "user_123", "/", true)
	assert.Equal(t, "p1", h1.shownID(t, 2), "undismissed, it shows in the next tab")
	assert.Equal(t, 1, srv1.claimCount(), "claimed once")
	require.Eventually(t, func() bool {
		raw, _, _ := st.Get(context.Background(), "inapp/user_123")
		return strings.Contains(string(raw), `"p1"`)
	}, 5*time.Second, time.Millisecond, "kept for the next page load")
	send(rt1, 2, `{"op":"bye"}`)

	// A reload: a new runtime whose server lists neither (one claimed, the
	// other never claimed here: it is claimed now). The persistent one shows first.
	rt2, h2, srv2 := newInAppRuntimeOn(t, st, plain)
	openInAppTab(rt2, 1, "user_123", "/", true)
	assert.Equal(t, "p1", h2.shownID(t, 1), "shown again after a reload")
	assert.Zero(t, srv2.claimCount(), "not claimed again")
	send(rt2, 1, `{"op":"dismiss","rid":3,"deliveryId":"p1"}`)
	assert.Nil(t, h2.next(t, 1, reply(3))["error"])
	assert.Equal(t, "w1", h2.shownID(t, 1), "then the next one")
	send(rt2, 1, `{"op":"dismiss","rid":4,"deliveryId":"w1"}`)
	h2.next(t, 1, reply(4))
	require.Eventually(t, func() bool {
		raw, _, _ := st.Get(context.Background(), "inapp/user_123")
		return !strings.Contains(string(raw), `"p1"`)
	}, 5*time.Second, time.Millisecond, "dismissed: no longer kept")
	send(rt2, 1, `{"op":"bye"}`)

	// The next reload shows neither.
	rt3, h3, _ := newInAppRuntimeOn(t, st)
	openInAppTab(rt3, 1, "user_123", "/", true)
	h3.nothingShown(t, 1)
}
