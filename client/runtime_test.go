package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeServer answers the runtime's fetches from memory, as the Roost server would.
type fakeServer struct {
	mu         sync.Mutex
	messages   []inbox.Message
	events     []inbox.Event
	polls      map[string]int // by user
	failNext   int            // answer this many event posts with 503
	headers    []map[string]string
	eventPost  chan struct{}
	signatures map[string]string // when set, the X-Roost-Signature each user must send
	// accepts, when set, decides instead of signatures which X-Roost-Signature
	// the server accepts for a user (called with mu held).
	accepts func(user, signature string) bool
	// expired, when set, tells a refused token past its expiry: its 403
	// says so as the server does (inbox.MsgIdentityExpired).
	expired    func(signature string) bool
	eventPosts int   // every POST /v1/client/events, refused ones included
	nextPollMs int64 // the poll answers' next_poll_ms (20 when zero)
	// pollStarted and pollRelease, when set, hold each poll until the test
	// closes pollRelease (the answer is decided by the request as sent).
	pollStarted chan struct{}
	pollRelease chan struct{}
	// eventsDown answers every event post with 503; reject rejects the
	// events of these deliveries for good; eventUsers is the X-Roost-User
	// each applied event came with.
	eventsDown bool
	pollsDown  bool // every poll fails on the network
	// busy answers this many event posts with 429 and Retry-After busyFor.
	busy       int
	busyFor    time.Duration
	reject     map[string]bool
	eventUsers []string
	// clock, when set, is the server's: every answer's Date (whole seconds).
	clock func() time.Time
}

// refuse answers as the server does for a missing (401) or wrong (403) signature.
func (f *fakeServer) refuse(req client.Request) (client.Response, bool) {
	if f.signatures == nil && f.accepts == nil {
		return client.Response{}, false
	}
	got, ok := req.Header["X-Roost-Signature"]
	user := req.Header["X-Roost-User"]
	switch {
	case !ok || got == "":
		return client.Response{Status: 401, Body: []byte(`{"meta":{"error":"missing X-Roost-Signature header"}}`)}, true
	case f.accepts != nil && !f.accepts(user, got) && f.expired != nil && f.expired(got):
		return client.Response{Status: 403, Body: []byte(`{"meta":{"error":"` + inbox.MsgIdentityExpired + ` at 2027-01-15T08:00:00Z: ask the site's backend for a fresh one"}}`)}, true
	case f.accepts != nil && !f.accepts(user, got), f.accepts == nil && got != f.signatures[user]:
		return client.Response{Status: 403, Body: []byte(`{"meta":{"error":"X-Roost-Signature does not match the user id"}}`)}, true
	}
	return client.Response{}, false
}

func (f *fakeServer) Fetch(_ context.Context, req client.Request) (client.Response, error) {
	if f.pollRelease != nil && req.URL == "http://roost.test/v1/client/poll" {
		f.pollStarted <- struct{}{}
		<-f.pollRelease
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.headers = append(f.headers, req.Header)
	if req.URL == "http://roost.test/v1/client/events" {
		f.eventPosts++
	}
	if res, refused := f.refuse(req); refused {
		if req.URL == "http://roost.test/v1/client/poll" {
			f.polls[req.Header["X-Roost-User"]]++
		}
		return res, nil
	}
	switch req.URL {
	case "http://roost.test/v1/client/poll":
		f.polls[req.Header["X-Roost-User"]]++
		if f.pollsDown {
			return client.Response{}, errors.New("network down")
		}
		hint := f.nextPollMs
		if hint == 0 {
			hint = 20
		}
		body, _ := json.Marshal(inbox.PollResponse{Messages: f.messages, NextPollMs: hint, Tier: "active"})
		return client.Response{Status: 200, ETag: `"x"`, Body: body}, nil
	case "http://roost.test/v1/client/events":
		defer func() {
			select {
			case f.eventPost <- struct{}{}:
			default:
			}
		}()
		if f.failNext > 0 {
			f.failNext--
			return client.Response{}, errors.New("network down")
		}
		if f.eventsDown {
			return client.Response{Status: 503}, nil
		}
		if f.busy > 0 {
			f.busy--
			return client.Response{Status: 429, RetryAfter: f.busyFor, Body: []byte(`{"meta":{"error":"too many events"}}`)}, nil
		}
		var batch inbox.EventBatch
		if err := json.Unmarshal(req.Body, &batch); err != nil {
			return client.Response{Status: 400}, nil
		}
		ack := inbox.EventsResponse{}
		for _, e := range batch.Events {
			if f.reject[e.DeliveryID] {
				ack.Rejected = append(ack.Rejected, inbox.RejectedEvent{ID: e.ID, Error: "unknown delivery"})
				continue
			}
			f.eventUsers = append(f.eventUsers, req.Header["X-Roost-User"])
			f.events = append(f.events, e)
			ack.Acknowledged = append(ack.Acknowledged, e.ID)
		}
		body, _ := json.Marshal(ack)
		return client.Response{Status: 200, Body: body}, nil
	}
	return client.Response{Status: 404}, nil
}

// tabs records what the runtime posts to each tab.
type tabs struct {
	server *fakeServer
	mu     sync.Mutex
	inbox  map[int]chan map[string]any
	// done is set once the test is over: what the runtime posts is dropped.
	done atomic.Bool
}

func (h *tabs) Post(port int, msg []byte) {
	var m map[string]any
	if err := json.Unmarshal(msg, &m); err != nil {
		panic(err)
	}
	if h.done.Load() {
		return
	}
	h.ch(port) <- m
}

func (h *tabs) ch(port int) chan map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.inbox[port] == nil {
		h.inbox[port] = make(chan map[string]any, 1000)
	}
	return h.inbox[port]
}

func (h *tabs) Fetch(ctx context.Context, req client.Request) (client.Response, error) {
	res, err := h.server.Fetch(ctx, req)
	if h.server.clock != nil {
		res.Date = h.server.clock().Truncate(time.Second)
	}
	return res, err
}

// next returns the first message to port that matches, skipping others.
func (h *tabs) next(t *testing.T, port int, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-h.ch(port):
			if match(m) {
				return m
			}
		case <-deadline:
			t.Fatalf("tab %d got no matching message", port)
			return nil
		}
	}
}

// nextEach waits until tab port got a message matching each of match, in
// any order (a reply may come before or after what its change caused).
func (h *tabs) nextEach(t *testing.T, port int, match ...func(map[string]any) bool) {
	t.Helper()
	left := slices.Clone(match)
	h.next(t, port, func(m map[string]any) bool {
		for i, f := range left {
			if f(m) {
				left = slices.Delete(left, i, i+1)
				break
			}
		}
		return len(left) == 0
	})
}

func snapshotWith(view float64, n int) func(map[string]any) bool {
	return func(m map[string]any) bool {
		if m["op"] != "snapshot" || m["view"] != view {
			return false
		}
		return len(m["snapshot"].(map[string]any)["messages"].([]any)) == n
	}
}

func reply(rid float64) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["op"] == "reply" && m["rid"] == rid }
}

func message(id, topic, title string) inbox.Message {
	return inbox.Message{DeliveryID: id, Channel: inbox.ChannelInbox, Topics: []string{topic},
		Content: json.RawMessage(`{"title":` + title + `}`), Customer: map[string]any{"first_name": "Ada"},
		Trigger: map[string]any{"order_id": "ORD-1"}, SentAtMs: 1000}
}

func newRuntime(t *testing.T, msgs ...inbox.Message) (*client.Runtime, *tabs) {
	t.Helper()
	srv := &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 1)}
	h := &tabs{server: srv, inbox: map[int]chan map[string]any{}}
	rt := client.New(h, client.Options{Tiers: poller.Tiers{Active: 20 * time.Millisecond, Inactive: 20 * time.Millisecond, Low: 20 * time.Millisecond}, EventRetry: 10 * time.Millisecond,
		FirstAnswerWait: 100 * time.Millisecond})
	stopWhenDone(t, rt, h)
	return rt, h
}

// usedPorts are the tabs each runtime heard from (send), for stopWhenDone.
var usedPorts = struct {
	sync.Mutex
	of map[*client.Runtime]map[int]bool
}{of: map[*client.Runtime]map[int]bool{}}

func send(rt *client.Runtime, port int, msg string) {
	usedPorts.Lock()
	if usedPorts.of[rt] == nil {
		usedPorts.of[rt] = map[int]bool{}
	}
	usedPorts.of[rt][port] = true
	usedPorts.Unlock()
	rt.Receive(port, []byte(msg))
}

// stopWhenDone ends what rt still runs once the test is over. A session polls
// (every 20 ms in most tests) until its tabs leave, and resends unacknowledged
// events until the server takes them: left running, the runtimes of earlier
// tests starve later ones in a long -count run, until a 5 s wait takes 14 s.
// So the server takes every event from then on, what rt posts is dropped (a
// post blocked on a full tab is let through), and each of its tabs says bye.
func stopWhenDone(t *testing.T, rt *client.Runtime, h *tabs) {
	t.Cleanup(func() {
		f := h.server
		f.mu.Lock()
		f.eventsDown, f.failNext, f.reject = false, 0, nil
		f.mu.Unlock()
		h.done.Store(true)
		h.mu.Lock()
		for _, ch := range h.inbox {
			for drained := false; !drained; {
				select {
				case <-ch:
				default:
					drained = true
				}
			}
		}
		h.mu.Unlock()
		usedPorts.Lock()
		ports := usedPorts.of[rt]
		delete(usedPorts.of, rt)
		usedPorts.Unlock()
		for port := range ports {
			rt.Receive(port, []byte(`{"op":"bye"}`))
		}
	})
}

func open(rt *client.Runtime, port int, user string) {
	send(rt, port, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, port, `{"op":"identify","user":"`+user+`"}`)
}

func TestViewShowsRenderedFilteredMessages(t *testing.T) {
	rt, h := newRuntime(t,
		message("d1", "orders", `"Order #{{trigger.order_id}} for {{customer.first_name}}"`),
		message("d2", "social", `"Reply"`))
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":7,"filter":{"topics":["orders"]}}`)
	m := h.next(t, 1, snapshotWith(7, 1))
	snap := m["snapshot"].(map[string]any)
	first := snap["messages"].([]any)[0].(map[string]any)
	assert.Equal(t, "d1", first["deliveryId"])
	assert.Equal(t, map[string]any{"title": "Order #ORD-1 for Ada"}, first["properties"])
	assert.Equal(t, float64(1), snap["unopened"])

	h.server.mu.Lock()
	defer h.server.mu.Unlock()
	assert.Equal(t, "example", h.server.headers[0]["X-Roost-Site"])
	assert.Equal(t, "user_123", h.server.headers[0]["X-Roost-User"])
}

func TestMarkOpenedUpdatesAtOnceAndReachesServerOnce(t *testing.T) {
	rt, h := newRuntime(t, message("d1", "orders", `"Hi"`))
	h.server.failNext = 2 // the first sends fail: the event is retried
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))

	send(rt, 1, `{"op":"mark","rid":5,"deliveryId":"d1","state":"opened"}`)
	// The view updates before the page's promise resolves.
	h.next(t, 1, func(m map[string]any) bool {
		return m["op"] == "snapshot" && m["snapshot"].(map[string]any)["unopened"] == float64(0)
	})
	r := h.next(t, 1, reply(5))
	assert.Nil(t, r["error"])

	require.Eventually(t, func() bool {
		h.server.mu.Lock()
		defer h.server.mu.Unlock()
		return len(h.server.events) == 1
	}, 5*time.Second, 5*time.Millisecond)
	send(rt, 1, `{"op":"mark","rid":6,"deliveryId":"d1","state":"opened"}`) // already opened: no new event
	h.next(t, 1, reply(6))
	send(rt, 1, `{"op":"click","rid":7,"deliveryId":"d1","action":"track"}`)
	h.next(t, 1, reply(7))
	require.Eventually(t, func() bool {
		h.server.mu.Lock()
		defer h.server.mu.Unlock()
		return len(h.server.events) == 2
	}, 5*time.Second, 5*time.Millisecond)
	h.server.mu.Lock()
	defer h.server.mu.Unlock()
	assert.Equal(t, "opened", h.server.events[0].Type)
	assert.Equal(t, "d1", h.server.events[0].DeliveryID)
	assert.NotEmpty(t, h.server.events[0].ID)
	assert.Equal(t, "clicked", h.server.events[1].Type)
	assert.Equal(t, "track", h.server.events[1].Action)
}

func TestBadInputFromPage(t *testing.T) {
	rt, h := newRuntime(t, message("d1", "orders", `"Hi"`))
	send(rt, 1, `{not json`)
	m := h.next(t, 1, func(m map[string]any) bool { return m["op"] == "emit" })
	assert.Equal(t, "message-error", m["name"])

	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	assert.Contains(t, h.next(t, 1, reply(1))["error"], "no person is identified")
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	send(rt, 1, `{"op":"mark","rid":2,"deliveryId":"nope","state":"opened"}`)
	assert.Contains(t, h.next(t, 1, reply(2))["error"], "unknown message")
	send(rt, 1, `{"op":"mark","rid":3,"deliveryId":"d1","state":"sideways"}`)
	assert.Contains(t, h.next(t, 1, reply(3))["error"], "unknown state")
	send(rt, 1, `{"op":"frobnicate","rid":4}`)
	assert.Contains(t, h.next(t, 1, reply(4))["error"], "unknown op")
}

func TestBrokenTemplateReportedOthersShown(t *testing.T) {
	rt, h := newRuntime(t, message("good", "orders", `"Fine"`), message("bad", "orders", `"{% if %}"`))
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	m := h.next(t, 1, func(m map[string]any) bool { return m["op"] == "emit" && m["name"] == "message-error" })
	assert.Equal(t, "bad", m["data"].(map[string]any)["deliveryId"])
	h.next(t, 1, snapshotWith(1, 1))
}

func TestTabsOfOnePersonShareStateAndReset(t *testing.T) {
	rt, h := newRuntime(t, message("d1", "orders", `"Hi"`))
	open(rt, 1, "user_123")
	open(rt, 2, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	h.next(t, 2, snapshotWith(1, 1))

	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"deleted"}`)
	h.next(t, 2, snapshotWith(1, 0)) // the other tab sees the change at once

	send(rt, 2, `{"op":"reset"}`)
	h.next(t, 2, snapshotWith(1, 0))
	h.server.mu.Lock()
	users := len(h.server.polls)
	h.server.mu.Unlock()
	assert.Equal(t, 1, users, "one person, one poll loop")
}

func TestEventsStillSentAfterTheLastTabLeaves(t *testing.T) {
	rt, h := newRuntime(t, message("d1", "orders", `"Hi"`))
	h.server.failNext = 1
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	send(rt, 1, `{"op":"click","rid":1,"deliveryId":"d1","action":"track"}`)
	h.next(t, 1, reply(1))
	send(rt, 1, `{"op":"bye"}`)
	require.Eventually(t, func() bool {
		h.server.mu.Lock()
		defer h.server.mu.Unlock()
		return len(h.server.events) == 1
	}, 5*time.Second, 5*time.Millisecond, "the click reaches the server after the tab left")
}

func TestIdentifyBeforeInit(t *testing.T) {
	rt, h := newRuntime(t, message("d1", "orders", `"Hi"`))
	send(rt, 1, `{"op":"identify","user":"user_123"}`)
	send(rt, 1, `{"op":"identify","user":"user_123"}`) // again, before any session exists
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 0))
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	h.next(t, 1, snapshotWith(1, 1))
}

// manualClock never ends a wait of 10 ms or more: the runtime polls only when
// woken, and each such wait it starts is recorded, so a test sees every poll
// it schedules. Shorter waits (the event retry) end at once.
type manualClock struct{ waits chan time.Duration }

func (c *manualClock) Now() time.Time { return time.Unix(1_800_000_000, 0) }

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if d < 10*time.Millisecond {
		ch <- c.Now()
		return ch
	}
	c.waits <- d
	return ch
}

// newSignedRuntime is a runtime whose server requires the signatures given,
// on a manual clock; the server asks for polls every 777 ms.
func newSignedRuntime(t *testing.T, signatures map[string]string, msgs ...inbox.Message) (*client.Runtime, *tabs, *manualClock) {
	t.Helper()
	srv := &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 100),
		signatures: signatures, nextPollMs: 777}
	h := &tabs{server: srv, inbox: map[int]chan map[string]any{}}
	clock := &manualClock{waits: make(chan time.Duration, 100)}
	rt := client.New(h, client.Options{Clock: clock, EventRetry: time.Millisecond, // a failed post is retried at once
		Tiers: poller.Tiers{Active: time.Minute, Inactive: time.Minute, Low: time.Minute}})
	stopWhenDone(t, rt, h)
	return rt, h, clock
}

// nextWait returns the next wait the runtime starts.
func (c *manualClock) nextWait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.waits:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("the runtime started no wait")
		return 0
	}
}

func identityError(m map[string]any) bool { return m["op"] == "emit" && m["name"] == "identity-error" }

func (f *fakeServer) count(get func() int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return get()
}

func TestSignatureSentOnPollAndEvents(t *testing.T) {
	rt, h, clock := newSignedRuntime(t, map[string]string{"user_123": "sig-123"}, message("d1", "orders", `"Hi"`))
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"sig-123"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	assert.Equal(t, 777*time.Millisecond, clock.nextWait(t), "the poll succeeded: next one on the server's hint")

	send(rt, 1, `{"op":"identify","user":"user_123"}`) // again without a signature: the known one is kept
	require.Eventually(t, func() bool { return h.server.count(func() int { return h.server.polls["user_123"] }) == 2 },
		5*time.Second, 5*time.Millisecond, "identifying again polls at once")
	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	h.next(t, 1, reply(1))
	require.Eventually(t, func() bool { return h.server.count(func() int { return len(h.server.events) }) == 1 },
		5*time.Second, 5*time.Millisecond)

	h.server.mu.Lock()
	defer h.server.mu.Unlock()
	require.NotEmpty(t, h.server.headers)
	for _, hd := range h.server.headers {
		assert.Equal(t, "sig-123", hd["X-Roost-Signature"], "every poll and event post is signed")
	}
	assert.GreaterOrEqual(t, h.server.polls["user_123"], 2)
	assert.Equal(t, 1, h.server.eventPosts)
}

func TestRefusedIdentityStopsPollingAndReidentifyResumes(t *testing.T) {
	rt, h, clock := newSignedRuntime(t, map[string]string{"user_123": "sig-123", "user_456": "sig-456"},
		message("d456", "orders", `"For 456 only"`))
	// A page identifies user_456 with user_123's signature.
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_456","signature":"sig-123"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	m := h.next(t, 1, identityError)
	assert.Equal(t, map[string]any{"user": "user_456", "status": float64(403), "reason": "invalid", "error": "X-Roost-Signature does not match the user id"}, m["data"])
	send(rt, 1, `{"op":"view","view":2,"filter":{}}`)
	h.next(t, 1, snapshotWith(2, 0)) // nothing of user_456 reached the page

	// Hiding and showing the page, or marking, does not poll again with the refused signature.
	send(rt, 1, `{"op":"visible","visible":false}`)
	send(rt, 1, `{"op":"visible","visible":true}`)
	send(rt, 1, `{"op":"click","rid":1,"deliveryId":"d456","action":"x"}`)
	h.next(t, 1, reply(1))
	// Identifying with the right signature resumes at once.
	send(rt, 1, `{"op":"identify","user":"user_456","signature":"sig-456"}`)
	h.next(t, 1, snapshotWith(1, 1))
	// The first wait the runtime started is the one after the successful
	// poll: after the refusal it scheduled no retry.
	assert.Equal(t, 777*time.Millisecond, clock.nextWait(t))
	h.server.mu.Lock()
	defer h.server.mu.Unlock()
	assert.Equal(t, 2, h.server.polls["user_456"], "one refused poll, then one with the new signature")
	assert.Equal(t, "sig-456", h.server.headers[len(h.server.headers)-1]["X-Roost-Signature"])
	for _, hd := range h.server.headers {
		assert.Equal(t, "user_456", hd["X-Roost-User"])
	}
}

func TestMissingSignatureIsAnIdentityError(t *testing.T) {
	rt, h, _ := newSignedRuntime(t, map[string]string{"user_123": "sig-123"})
	open(rt, 1, "user_123")
	m := h.next(t, 1, identityError)
	assert.Equal(t, float64(401), m["data"].(map[string]any)["status"])
	assert.Equal(t, "missing X-Roost-Signature header", m["data"].(map[string]any)["error"])
	assert.Equal(t, client.ReasonMissing, m["data"].(map[string]any)["reason"])
}

func TestRefusedEventsKeptUntilAGoodSignature(t *testing.T) {
	rt, h, _ := newSignedRuntime(t, map[string]string{"user_123": "old"}, message("d1", "orders", `"Hi"`))
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"old"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))

	// The site rotates its secret: the old signature is refused from now on.
	h.server.mu.Lock()
	h.server.signatures["user_123"] = "new"
	h.server.mu.Unlock()
	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	h.nextEach(t, 1, reply(1), identityError)
	send(rt, 1, `{"op":"click","rid":2,"deliveryId":"d1","action":"track"}`) // queued, not sent
	h.next(t, 1, reply(2))

	// The tab leaves; the events wait for the person's next session.
	send(rt, 1, `{"op":"bye"}`)
	send(rt, 2, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 2, `{"op":"identify","user":"user_123","signature":"new"}`)
	require.Eventually(t, func() bool { return h.server.count(func() int { return len(h.server.events) }) == 2 },
		5*time.Second, 5*time.Millisecond, "both events reach the server with the new signature")
	h.server.mu.Lock()
	defer h.server.mu.Unlock()
	assert.Equal(t, "opened", h.server.events[0].Type)
	assert.Equal(t, "clicked", h.server.events[1].Type)
	assert.Equal(t, 2, h.server.eventPosts, "one refused post, one accepted: no retries in between")
}

func TestNewSignatureDuringARefusedPoll(t *testing.T) {
	rt, h, _ := newSignedRuntime(t, map[string]string{"user_123": "good"}, message("d1", "orders", `"Hi"`))
	h.server.pollStarted, h.server.pollRelease = make(chan struct{}, 10), make(chan struct{})
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"stale"}`)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	<-h.server.pollStarted // the poll with the stale signature is on its way
	send(rt, 1, `{"op":"identify","user":"user_123","signature":"good"}`)
	close(h.server.pollRelease) // it is refused only now, after the page gave a new signature
	h.next(t, 1, func(m map[string]any) bool {
		if identityError(m) {
			t.Errorf("identity-error for a signature the page already replaced: %v", m["data"])
		}
		return snapshotWith(1, 1)(m)
	})
}

// TestResumedViewWaitsForTheFirstPoll: a tab whose runtime died tells the new
// one its views with resume: they get no empty snapshot before the person's
// first poll answer (which would blank the page), then the answer's, even
// when it is empty. A plain view gets its snapshot at once, as always.
func TestResumedViewWaitsForTheFirstPoll(t *testing.T) {
	for _, msgs := range [][]inbox.Message{{message("d1", "orders", `"Hi"`)}, nil} {
		rt, h := newRuntime(t, msgs...)
		h.server.pollStarted, h.server.pollRelease = make(chan struct{}, 100), make(chan struct{})
		open(rt, 1, "user_123")
		<-h.server.pollStarted // the first poll is on its way, held
		send(rt, 1, `{"op":"view","view":3,"filter":{},"resume":true}`)
		send(rt, 2, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
		send(rt, 2, `{"op":"identify","user":"user_123"}`)
		send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
		h.next(t, 2, snapshotWith(1, 0)) // a plain view: an empty list once FirstAnswerWait passed
		select {
		case m := <-h.ch(1):
			t.Fatalf("a resumed view got %v before the first poll answer", m)
		default:
		}
		close(h.server.pollRelease)
		m := h.next(t, 1, func(m map[string]any) bool { return m["op"] == "snapshot" })
		assert.Equal(t, float64(3), m["view"])
		assert.Len(t, m["snapshot"].(map[string]any)["messages"], len(msgs), "the first snapshot is the answer's")
		h.next(t, 2, snapshotWith(1, len(msgs)))

		// Once the person has an answer, a resumed view is answered at once.
		send(rt, 3, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
		send(rt, 3, `{"op":"identify","user":"user_123"}`)
		send(rt, 3, `{"op":"view","view":5,"filter":{},"resume":true}`)
		h.next(t, 3, snapshotWith(5, len(msgs)))
	}
}
