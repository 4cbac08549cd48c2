package client_test

import (
	"context"
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

// snapshotOf returns the messages of a snapshot message, by delivery id.
func snapshotOf(m map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, x := range m["snapshot"].(map[string]any)["messages"].([]any) {
		msg := x.(map[string]any)
		out[msg["deliveryId"].(string)] = msg
	}
	return out
}

// opened matches a snapshot of view 1 in which delivery id shows opened as want.
func opened(id string, want bool) func(map[string]any) bool {
	return func(m map[string]any) bool {
		if m["op"] != "snapshot" || m["view"] != float64(1) {
			return false
		}
		msg, ok := snapshotOf(m)[id]
		return ok && msg["opened"] == want
	}
}

func TestMarksReachTheOtherTabsWithoutTheServer(t *testing.T) {
	b := newBrowser(t, 60_000, message("d1", "orders", `"One"`))
	b.server.eventsDown = true // the change cannot come back through the server
	tabs := b.group(t, 3)
	polls := b.total()

	send(tabs[1].rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	tabs[0].tabs.next(t, 1, opened("d1", true))
	tabs[2].tabs.next(t, 1, opened("d1", true))
	send(tabs[0].rt, 1, `{"op":"mark","rid":2,"deliveryId":"d1","state":"unopened"}`)
	tabs[1].tabs.next(t, 1, opened("d1", false))
	send(tabs[2].rt, 1, `{"op":"mark","rid":3,"deliveryId":"d1","state":"deleted"}`)
	tabs[0].tabs.next(t, 1, snapshotWith(1, 0))
	tabs[1].tabs.next(t, 1, snapshotWith(1, 0))
	assert.Equal(t, polls, b.total(), "no poll carried the changes")
}

// steppedClock moves only when the test moves it. A wait ends once the clock
// reaches its end, so a wait started just after a move ends one move later.
type steppedClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []steppedWait
}

type steppedWait struct {
	end time.Time
	ch  chan time.Time
}

func (c *steppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *steppedClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waits = append(c.waits, steppedWait{end: c.now.Add(d), ch: ch})
	return ch
}

func (c *steppedClock) move(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waits[:0]
	for _, w := range c.waits {
		if w.end.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waits = kept
}

func TestMessageExpiresWithoutAPoll(t *testing.T) {
	// The runtime's clock stands still until the page shows the message, so
	// that however slow the first poll, the message has not expired by then.
	clock := &steppedClock{now: time.UnixMilli(1_800_000_000_000)}
	soon := message("d1", "orders", `"Flash sale"`)
	soon.ExpiresAtMs = clock.Now().Add(time.Second).UnixMilli()
	srv := &fakeServer{messages: []inbox.Message{soon, message("d2", "orders", `"Kept"`)}, polls: map[string]int{},
		eventPost: make(chan struct{}, 1), nextPollMs: 60_000}
	h := &tabs{server: srv, inbox: map[int]chan map[string]any{}}
	rt := client.New(h, client.Options{Clock: clock})
	stopWhenDone(t, rt, h)
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 2))

	// The clock moves on, 50 ms at a time, until the page shows the expiry:
	// then, not before; and long before the next poll, due in 60 s.
	require.Eventually(t, func() bool {
		select {
		case m := <-h.ch(1):
			return snapshotWith(1, 1)(m)
		default:
			clock.move(50 * time.Millisecond)
			return false
		}
	}, 5*time.Second, time.Millisecond, "the expiry shows")
	assert.GreaterOrEqual(t, clock.Now().UnixMilli(), soon.ExpiresAtMs, "not before its expiry")
	assert.Equal(t, 1, h.server.count(func() int { return h.server.polls["user_123"] }), "without a poll")
}

// watchedStorage is a MemoryStorage that tells when a key was read.
type watchedStorage struct {
	*client.MemoryStorage
	mu   sync.Mutex
	read map[string]int
}

func (w *watchedStorage) Get(ctx context.Context, key string) ([]byte, bool, error) {
	w.mu.Lock()
	w.read[key]++
	w.mu.Unlock()
	return w.MemoryStorage.Get(ctx, key)
}

func TestInboxKeptForTheNextPageLoad(t *testing.T) {
	st := &watchedStorage{MemoryStorage: client.NewMemoryStorage(), read: map[string]int{}}
	msgs := []inbox.Message{message("d1", "orders", `"One"`), message("d2", "orders", `"Two"`)}
	inApp := inAppMessage("w1", 0, 100, `{"title":"Sale"}`)

	// A page load that polled, marked d1 opened while events could not be
	// sent, and closed.
	rt1, h1 := newOutboxRuntime(t, st, true, append(msgs, inApp)...)
	send(rt1, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt1, 1, `{"op":"identify","user":"user_123","signature":"sig-a"}`)
	send(rt1, 1, `{"op":"view","view":1,"filter":{}}`)
	h1.next(t, 1, snapshotWith(1, 2))
	send(rt1, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	h1.next(t, 1, reply(1))
	require.Eventually(t, func() bool {
		raw, found, _ := st.Get(context.Background(), "inbox/user_123")
		return found && len(raw) > 100
	}, 5*time.Second, time.Millisecond)
	send(rt1, 1, `{"op":"bye"}`)

	// reload opens a page load on st whose server is unreachable.
	reload := func(signature string) (*client.Runtime, *tabs) {
		rt, h := newOutboxRuntime(t, st, true)
		h.server.pollsDown = true
		send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
		send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+signature+`"}`)
		send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
		return rt, h
	}

	// The next page load shows the inbox at once, with the change the server
	// has not heard of, though no poll succeeds; never the in-app message.
	rt2, h2 := reload("sig-a")
	h2.next(t, 1, opened("d1", true))
	send(rt2, 1, `{"op":"view","view":2,"filter":{}}`)
	snap := snapshotOf(h2.next(t, 1, func(m map[string]any) bool { return m["op"] == "snapshot" && m["view"] == float64(2) }))
	assert.Len(t, snap, 2)
	assert.Equal(t, false, snap["d2"]["opened"])
	send(rt2, 1, `{"op":"bye"}`)

	// A page that identifies the person with another signature sees nothing
	// of it (the server would not answer it either).
	polled := func(h *tabs) func() bool {
		return func() bool { return h.server.count(func() int { return h.server.polls["user_123"] }) > 0 }
	}
	rt3, h3 := reload("sig-b")
	require.Eventually(t, polled(h3), 5*time.Second, time.Millisecond) // the kept inbox was read before the first poll
	send(rt3, 1, `{"op":"view","view":2,"filter":{}}`)
	h3.next(t, 1, snapshotWith(2, 0))
	send(rt3, 1, `{"op":"bye"}`)

	// Logging out forgets it.
	rt4, h4 := reload("sig-a")
	h4.next(t, 1, snapshotWith(1, 2))
	send(rt4, 1, `{"op":"reset"}`)
	require.Eventually(t, func() bool {
		raw, _, _ := st.Get(context.Background(), "inbox/user_123")
		return string(raw) == "{}"
	}, 5*time.Second, time.Millisecond)
	rt5, h5 := reload("sig-a")
	require.Eventually(t, polled(h5), 5*time.Second, time.Millisecond)
	send(rt5, 1, `{"op":"view","view":2,"filter":{}}`)
	h5.next(t, 1, snapshotWith(2, 0))
}

func TestIdentifyAttributesReachTheServer(t *testing.T) {
	rt, h := newRuntime(t)
	send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	send(rt, 1, `{"op":"identify","rid":1,"user":"user_123","attributes":{"first_name":"Ann","plan":null}}`)
	assert.Nil(t, h.next(t, 1, reply(1))["error"])
	require.Eventually(t, func() bool { return len(h.server.eventsOf(inbox.EventIdentify)) == 1 }, 5*time.Second, time.Millisecond)
	e := h.server.eventsOf(inbox.EventIdentify)[0]
	assert.Equal(t, map[string]any{"first_name": "Ann", "plan": nil}, e.Attributes, "null is kept: it removes the attribute")
	assert.Empty(t, e.DeliveryID)
	assert.NotEmpty(t, e.ID)

	// The same attributes again send nothing; other ones do.
	send(rt, 1, `{"op":"identify","rid":2,"user":"user_123","attributes":{"first_name":"Ann","plan":null}}`)
	h.next(t, 1, reply(2))
	send(rt, 1, `{"op":"identify","rid":3,"user":"user_123","attributes":{"first_name":"Anna"}}`)
	h.next(t, 1, reply(3))
	require.Eventually(t, func() bool { return len(h.server.eventsOf(inbox.EventIdentify)) == 2 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, "Anna", h.server.eventsOf(inbox.EventIdentify)[1].Attributes["first_name"])

	// Too much is refused with a clear error, and nothing is sent.
	big := `"` + strings.Repeat("x", 17<<10) + `"`
	send(rt, 1, `{"op":"identify","rid":4,"user":"user_123","attributes":{"notes":`+big+`}}`)
	assert.Contains(t, h.next(t, 1, reply(4))["error"], "over the limit")
	send(rt, 1, `{"op":"identify","rid":5,"user":"user_123","attributes":{"first_name":"Anne"}}`)
	h.next(t, 1, reply(5))
	require.Eventually(t, func() bool { return len(h.server.eventsOf(inbox.EventIdentify)) == 3 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, "Anne", h.server.eventsOf(inbox.EventIdentify)[2].Attributes["first_name"])
}

func TestNewViewShowsNoEmptyListBeforeTheMessages(t *testing.T) {
	newWaiting := func(msgs ...inbox.Message) (*client.Runtime, *tabs) {
		srv := &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 1)}
		h := &tabs{server: srv, inbox: map[int]chan map[string]any{}}
		fast := 20 * time.Millisecond
		return client.New(h, client.Options{Tiers: poller.Tiers{Active: fast, Inactive: fast, Low: fast},
			FirstAnswerWait: time.Minute}), h
	}
	firstSnapshot := func(h *tabs) map[string]any {
		return h.next(t, 1, func(m map[string]any) bool { return m["op"] == "snapshot" })
	}

	// The first snapshot a view gets is the answer's, however long it takes.
	rt, h := newWaiting(message("d1", "orders", `"Hi"`))
	h.server.pollStarted, h.server.pollRelease = make(chan struct{}, 100), make(chan struct{})
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	<-h.server.pollStarted
	close(h.server.pollRelease)
	assert.Len(t, snapshotOf(firstSnapshot(h)), 1)

	// When the poll fails, the view shows what there is at once (nothing
	// here), rather than waiting.
	rt, h = newWaiting()
	h.server.pollsDown = true
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	assert.Empty(t, snapshotOf(firstSnapshot(h)))
}
