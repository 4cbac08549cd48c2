package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
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
	mu        sync.Mutex
	messages  []inbox.Message
	events    []inbox.Event
	polls     map[string]int // by user
	failNext  int            // answer this many event posts with 503
	headers   []map[string]string
	eventPost chan struct{}
}

func (f *fakeServer) Fetch(_ context.Context, req client.Request) (client.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.headers = append(f.headers, req.Header)
	switch req.URL {
	case "http://roost.test/v1/client/poll":
		f.polls[req.Header["X-Roost-User"]]++
		body, _ := json.Marshal(inbox.PollResponse{Messages: f.messages, NextPollMs: 20, Tier: "active"})
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
		var batch inbox.EventBatch
		if err := json.Unmarshal(req.Body, &batch); err != nil {
			return client.Response{Status: 400}, nil
		}
		ack := inbox.EventsResponse{}
		for _, e := range batch.Events {
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
}

func (h *tabs) Post(port int, msg []byte) {
	var m map[string]any
	if err := json.Unmarshal(msg, &m); err != nil {
		panic(err)
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
	return h.server.Fetch(ctx, req)
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
	rt := client.New(h, client.Options{Tiers: poller.Tiers{Active: 20 * time.Millisecond, Inactive: 20 * time.Millisecond, Low: 20 * time.Millisecond}, EventRetry: 10 * time.Millisecond})
	return rt, h
}

func send(rt *client.Runtime, port int, msg string) { rt.Receive(port, []byte(msg)) }

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
