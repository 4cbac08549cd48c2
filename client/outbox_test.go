package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newOutboxRuntime is a runtime on storage st whose server is srv (its
// events endpoint down when down), retrying events every 10 ms.
func newOutboxRuntime(t *testing.T, st client.Storage, down bool, msgs ...inbox.Message) (*client.Runtime, *tabs) {
	t.Helper()
	return newOutboxRuntimeOn(t, st, down, nil, msgs...)
}

// shiftedClock is the system clock moved by d.
type shiftedClock time.Duration

func (d shiftedClock) Now() time.Time                         { return time.Now().Add(time.Duration(d)) }
func (d shiftedClock) After(w time.Duration) <-chan time.Time { return time.After(w) }

// newOutboxRuntimeOn is newOutboxRuntime on clock (the system clock when nil).
func newOutboxRuntimeOn(t *testing.T, st client.Storage, down bool, clock poller.Clock, msgs ...inbox.Message) (*client.Runtime, *tabs) {
	t.Helper()
	srv := &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 1), eventsDown: down}
	h := &tabs{server: srv, inbox: map[int]chan map[string]any{}}
	fast := 20 * time.Millisecond
	rt := client.New(h, client.Options{Tiers: poller.Tiers{Active: fast, Inactive: fast, Low: fast},
		EventRetry: 10 * time.Millisecond, Storage: st, Clock: clock})
	stopWhenDone(t, rt, h)
	return rt, h
}

// storedEvents returns the events stored for user.
func storedEvents(t *testing.T, st client.Storage, user string) []inbox.Event {
	t.Helper()
	raw, found, err := st.Get(context.Background(), "outbox/"+user)
	require.NoError(t, err)
	if !found {
		return nil
	}
	var o struct {
		Events []inbox.Event `json:"events"`
	}
	require.NoError(t, json.Unmarshal(raw, &o), "%s", raw)
	return o.Events
}

func (f *fakeServer) setEventsDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.eventsDown = down
}

// appliedEvents returns a copy of the events the server applied, and the user each came with.
func (f *fakeServer) appliedEvents() ([]inbox.Event, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]inbox.Event(nil), f.events...), append([]string(nil), f.eventUsers...)
}

func ids(events []inbox.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID)
	}
	return out
}

func TestEventsQueuedWhileServerDownSurviveReload(t *testing.T) {
	st := client.NewMemoryStorage()
	msgs := []inbox.Message{message("d1", "orders", `"One"`), message("d2", "orders", `"Two"`)}

	// First page load: the events endpoint is down for good (the page dies
	// before it comes back). The mark is answered once its event is stored.
	rt1, h1 := newOutboxRuntime(t, st, true, msgs...)
	open(rt1, 1, "user_123")
	send(rt1, 1, `{"op":"view","view":1,"filter":{}}`)
	h1.next(t, 1, snapshotWith(1, 2))
	send(rt1, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	assert.Nil(t, h1.next(t, 1, reply(1))["error"])
	first := storedEvents(t, st, "user_123")
	require.Len(t, first, 1, "stored before the reply")
	assert.Equal(t, "d1", first[0].DeliveryID)
	assert.Equal(t, inbox.EventOpened, first[0].Type)
	send(rt1, 1, `{"op":"bye"}`) // its sender goes on failing, as a dead page's would not send at all

	// Reload, the server still down: the new runtime takes the stored event
	// over and adds its own, each stored once.
	rt2, h2 := newOutboxRuntime(t, st, true, msgs...)
	open(rt2, 1, "user_123")
	send(rt2, 1, `{"op":"view","view":1,"filter":{}}`)
	h2.next(t, 1, snapshotWith(1, 2))
	send(rt2, 1, `{"op":"mark","rid":2,"deliveryId":"d2","state":"deleted"}`)
	h2.next(t, 1, reply(2))
	require.Eventually(t, func() bool { return len(storedEvents(t, st, "user_123")) == 2 }, 5*time.Second, time.Millisecond)
	stored := storedEvents(t, st, "user_123")
	assert.Equal(t, first[0].ID, stored[0].ID, "the first load's event, then this one's")
	assert.Equal(t, "d2", stored[1].DeliveryID)

	// The server comes back: each event reaches it exactly once, with its id,
	// and storage lets go of them.
	h2.server.setEventsDown(false)
	require.Eventually(t, func() bool { return len(storedEvents(t, st, "user_123")) == 0 }, 5*time.Second, time.Millisecond,
		"acknowledged events are removed from storage")
	applied, users := h2.server.appliedEvents()
	assert.ElementsMatch(t, ids(stored), ids(applied), "each once")
	assert.Equal(t, []string{"user_123", "user_123"}, users)
	_, found, _ := st.Get(context.Background(), "outbox/user_123")
	assert.True(t, found, "an empty outbox is written, not left stale")
}

func TestStoredEventsAreSentOnlyAsTheirPerson(t *testing.T) {
	st := client.NewMemoryStorage()
	rt1, h1 := newOutboxRuntime(t, st, true, message("d1", "orders", `"One"`))
	open(rt1, 1, "user_123")
	send(rt1, 1, `{"op":"view","view":1,"filter":{}}`)
	h1.next(t, 1, snapshotWith(1, 1))
	send(rt1, 1, `{"op":"click","rid":1,"deliveryId":"d1","action":"track"}`)
	h1.next(t, 1, reply(1))

	// Next page load identifies another person: user_123's events stay put.
	rt2, h2 := newOutboxRuntime(t, st, false, message("d1", "orders", `"One"`))
	open(rt2, 1, "user_456")
	send(rt2, 1, `{"op":"view","view":1,"filter":{}}`)
	h2.next(t, 1, snapshotWith(1, 1)) // user_456's session polled, its sender started
	send(rt2, 1, `{"op":"mark","rid":2,"deliveryId":"d1","state":"opened"}`)
	h2.next(t, 1, reply(2))
	require.Eventually(t, func() bool { applied, _ := h2.server.appliedEvents(); return len(applied) == 1 }, 5*time.Second, time.Millisecond)
	assert.Len(t, storedEvents(t, st, "user_123"), 1, "still kept for user_123")

	// A tab identifies user_123: their click goes, as them.
	open(rt2, 2, "user_123")
	require.Eventually(t, func() bool { applied, _ := h2.server.appliedEvents(); return len(applied) == 2 }, 5*time.Second, time.Millisecond)
	applied, users := h2.server.appliedEvents()
	assert.Equal(t, []string{"user_456", "user_123"}, users)
	assert.Equal(t, inbox.EventOpened, applied[0].Type)
	assert.Equal(t, inbox.EventClicked, applied[1].Type)
	require.Eventually(t, func() bool { return len(storedEvents(t, st, "user_123")) == 0 }, 5*time.Second, time.Millisecond)
}

func TestRejectedEventLeavesStorage(t *testing.T) {
	st := client.NewMemoryStorage()
	rt, h := newOutboxRuntime(t, st, true, message("d1", "orders", `"One"`), message("d2", "orders", `"Two"`))
	h.server.reject = map[string]bool{"d2": true}
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 2))
	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	send(rt, 1, `{"op":"mark","rid":2,"deliveryId":"d2","state":"opened"}`)
	h.next(t, 1, reply(2))
	require.Len(t, storedEvents(t, st, "user_123"), 2)
	h.server.setEventsDown(false)
	m := h.next(t, 1, func(m map[string]any) bool { return m["op"] == "emit" && m["name"] == "message-error" })
	assert.Contains(t, m["data"].(map[string]any)["error"], "unknown delivery")
	require.Eventually(t, func() bool { return len(storedEvents(t, st, "user_123")) == 0 }, 5*time.Second, time.Millisecond,
		"the acknowledged and the rejected event both leave storage")
	applied, _ := h.server.appliedEvents()
	require.Len(t, applied, 1)
	assert.Equal(t, "d1", applied[0].DeliveryID)
}

// brokenStorage fails every call.
type brokenStorage struct{}

func (brokenStorage) Get(context.Context, string) ([]byte, bool, error) {
	return nil, false, errors.New("UnknownError: the database is broken")
}

func (brokenStorage) Set(context.Context, string, []byte) error {
	return errors.New("QuotaExceededError: the quota has been exceeded")
}

// With storage failing, a mark still applies, resolves and reaches the
// server; the page hears a storage-error (the event lives in memory only).
func TestMarkWithFailingStorageResolvesAndIsSent(t *testing.T) {
	rt, h := newOutboxRuntime(t, brokenStorage{}, false, message("d1", "orders", `"One"`))
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	var sawError bool
	h.next(t, 1, func(m map[string]any) bool {
		if storageError(m) && m["data"].(map[string]any)["error"] != "" {
			sawError = true
		}
		return m["op"] == "reply" && m["rid"] == float64(1)
	})
	assert.True(t, sawError, "a storage-error before the reply")
	require.Eventually(t, func() bool { applied, _ := h.server.appliedEvents(); return len(applied) == 1 }, 5*time.Second, time.Millisecond)
}

// The stored outbox is bounded: past MaxStoredEvents the oldest go, with a storage-error.
func TestStoredOutboxIsBounded(t *testing.T) {
	st := client.NewMemoryStorage()
	var many []inbox.Event
	for i := range 2000 {
		many = append(many, inbox.Event{ID: "old" + string(rune('a'+i%26)) + time.Duration(i).String(), DeliveryID: "d1", Type: inbox.EventClicked, AtMs: 1})
	}
	raw, _ := json.Marshal(map[string]any{"events": many})
	require.NoError(t, st.Set(context.Background(), "outbox/user_123", raw))
	rt, h := newOutboxRuntime(t, st, true, message("d1", "orders", `"One"`))
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 1))
	send(rt, 1, `{"op":"click","rid":1,"deliveryId":"d1","action":"track"}`)
	m := h.next(t, 1, storageError)
	assert.Contains(t, m["data"].(map[string]any)["error"], "oldest")
	stored := storedEvents(t, st, "user_123")
	require.Len(t, stored, 2000)
	assert.Equal(t, many[1].ID, stored[0].ID, "the oldest went")
	assert.Equal(t, inbox.EventClicked, stored[1999].Type)
	assert.NotEqual(t, many[1999].ID, stored[1999].ID, "the newest is the click")
}
