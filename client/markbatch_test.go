package client_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
)

// countingStorage is a MemoryStorage that counts the writes of each key.
type countingStorage struct {
	*client.MemoryStorage
	mu   sync.Mutex
	sets map[string]int
}

func newCountingStorage() *countingStorage {
	return &countingStorage{MemoryStorage: client.NewMemoryStorage(), sets: map[string]int{}}
}

// Set implements client.Storage.
func (c *countingStorage) Set(ctx context.Context, key string, value []byte) error {
	c.mu.Lock()
	c.sets[key]++
	c.mu.Unlock()
	return c.MemoryStorage.Set(ctx, key, value)
}

func (c *countingStorage) writes(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sets[key]
}

// held returns what the runtime posted to tab port and the test has not read yet.
func (h *tabs) held(port int) []map[string]any {
	var out []map[string]any
	for {
		select {
		case m := <-h.ch(port):
			out = append(out, m)
		default:
			return out
		}
	}
}

// snapshotsByView counts the snapshots among msgs, by view, and keeps each view's last.
func snapshotsByView(msgs []map[string]any) (counts map[float64]int, last map[float64]map[string]any) {
	counts, last = map[float64]int{}, map[float64]map[string]any{}
	for _, m := range msgs {
		if m["op"] == "snapshot" {
			v := m["view"].(float64)
			counts[v]++
			last[v] = m
		}
	}
	return counts, last
}

// batchInbox is five messages: d1-d3 on orders, s1-s2 on social.
func batchInbox() []inbox.Message {
	return []inbox.Message{message("d1", "orders", `"1"`), message("d2", "orders", `"2"`), message("d3", "orders", `"3"`),
		message("s1", "social", `"4"`), message("s2", "social", `"5"`)}
}

// A batch mark applies every id at once: each view gets one snapshot, with
// all of them changed; one event is queued per message that changed (none for
// one opened already), each with its own id; the outbox is written once, before
// the reply.
func TestMarkBatchAppliesAllInOneGo(t *testing.T) {
	st := newCountingStorage()
	rt, h := newOutboxRuntime(t, st, true, batchInbox()...) // events stay in the outbox
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 5))
	send(rt, 1, `{"op":"view","view":2,"filter":{"topics":["orders"]}}`)
	h.next(t, 1, snapshotWith(2, 3))
	send(rt, 1, `{"op":"mark","rid":1,"deliveryId":"d2","state":"opened"}`)
	require.Nil(t, h.next(t, 1, reply(1))["error"])
	require.Len(t, storedEvents(t, st, "user_123"), 1)
	h.held(1)
	writes := st.writes("outbox/user_123")

	send(rt, 1, `{"op":"mark","rid":2,"deliveryIds":["d1","d2","d3","s1","s2","s1"],"state":"opened"}`)
	posted := h.held(1) // Receive posts all it posts before it returns
	require.NotEmpty(t, posted)
	last := posted[len(posted)-1]
	assert.Equal(t, "reply", last["op"], "one reply, after the snapshots")
	assert.Equal(t, float64(2), last["rid"])
	assert.Nil(t, last["error"])
	counts, snaps := snapshotsByView(posted)
	assert.Equal(t, map[float64]int{1: 1, 2: 1}, counts, "one snapshot per view, not one per message")
	for view, n := range map[float64]int{1: 5, 2: 3} {
		snap := snapshotOf(snaps[view])
		require.Len(t, snap, n)
		for id, msg := range snap {
			assert.Equal(t, true, msg["opened"], "view %v: %s opened", view, id)
		}
		assert.Equal(t, float64(0), snaps[view]["snapshot"].(map[string]any)["unopened"])
	}

	assert.Equal(t, writes+1, st.writes("outbox/user_123"), "one write for the batch")
	stored := storedEvents(t, st, "user_123")
	require.Len(t, stored, 5, "stored before the reply: d2's earlier event and one per message the batch changed")
	seen := map[string]bool{stored[0].ID: true}
	var delivered []string
	for _, e := range stored[1:] {
		assert.Equal(t, inbox.EventOpened, e.Type)
		assert.NotEmpty(t, e.ID)
		assert.NotZero(t, e.AtMs)
		assert.False(t, seen[e.ID], "event ids are distinct")
		seen[e.ID] = true
		delivered = append(delivered, e.DeliveryID)
	}
	assert.Equal(t, []string{"d1", "d3", "s1", "s2"}, delivered, "none for d2, opened already, nor for s1 listed twice")

	// The sender tries them (the server is down) without writing the outbox again.
	for range 2 {
		select {
		case <-h.server.eventPost:
		case <-time.After(5 * time.Second):
			t.Fatal("no event post")
		}
	}
	assert.Equal(t, writes+1, st.writes("outbox/user_123"), "nothing more to write while the server is down")

	// The same batch again changes nothing: no snapshot, no event, no write.
	send(rt, 1, `{"op":"mark","rid":3,"deliveryIds":["d1","d2","d3","s1","s2"],"state":"opened"}`)
	posted = h.held(1)
	counts, _ = snapshotsByView(posted)
	assert.Empty(t, counts)
	assert.Len(t, storedEvents(t, st, "user_123"), 5)
	assert.Equal(t, writes+1, st.writes("outbox/user_123"))

	// Unopened and deleted take batches too; the server gets every event once it is back.
	send(rt, 1, `{"op":"mark","rid":4,"deliveryIds":["d1","s1"],"state":"unopened"}`)
	h.next(t, 1, func(m map[string]any) bool {
		return m["op"] == "snapshot" && m["view"] == float64(1) && m["snapshot"].(map[string]any)["unopened"] == float64(2)
	})
	send(rt, 1, `{"op":"mark","rid":5,"deliveryIds":["d3","s2"],"state":"deleted"}`)
	h.next(t, 1, snapshotWith(1, 3))
	h.server.setEventsDown(false)
	require.Eventually(t, func() bool { applied, _ := h.server.appliedEvents(); return len(applied) == 9 }, 5*time.Second, time.Millisecond)
}

// A batch with an id the store does not hold fails whole, naming the id:
// nothing is marked, shown, queued or written.
func TestMarkBatchUnknownIDChangesNothing(t *testing.T) {
	st := newCountingStorage()
	rt, h := newOutboxRuntime(t, st, true, batchInbox()...)
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 5))
	h.held(1)
	writes := st.writes("outbox/user_123")

	send(rt, 1, `{"op":"mark","rid":1,"deliveryIds":["d1","gone","d2"],"state":"opened"}`)
	posted := h.held(1)
	require.Len(t, posted, 1, "the reply alone: %v", posted)
	assert.Equal(t, float64(1), posted[0]["rid"])
	assert.Equal(t, fmt.Sprintf("%s %q", inbox.ErrUnknownMessage, "gone"), posted[0]["error"])
	assert.Empty(t, storedEvents(t, st, "user_123"))
	assert.Equal(t, writes, st.writes("outbox/user_123"))

	send(rt, 1, `{"op":"view","view":2,"filter":{}}`)
	snap := h.next(t, 1, snapshotWith(2, 5))
	assert.Equal(t, float64(5), snap["snapshot"].(map[string]any)["unopened"], "d1 is not opened")
}

// A batch over client.MaxMarkBatch is refused, as are a batch with a
// deliveryId too and one with an unknown state; an empty batch is answered
// at once and changes nothing.
func TestMarkBatchRefusals(t *testing.T) {
	st := newCountingStorage()
	rt, h := newOutboxRuntime(t, st, true, batchInbox()...)
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 1, snapshotWith(1, 5))
	h.held(1)

	ids := make([]string, client.MaxMarkBatch+1)
	for i := range ids {
		ids[i] = `"d1"`
	}
	over := `["` + strings.Repeat(`d1","`, client.MaxMarkBatch) + `d1"]`
	require.Equal(t, "["+strings.Join(ids, ",")+"]", over)
	for rid, c := range []struct{ msg, err string }{
		{`{"op":"mark","rid":1,"deliveryIds":` + over + `,"state":"opened"}`,
			fmt.Sprintf("mark: %d delivery ids, over the limit of %d in one op", client.MaxMarkBatch+1, client.MaxMarkBatch)},
		{`{"op":"mark","rid":2,"deliveryId":"d1","deliveryIds":["d2"],"state":"opened"}`, "mark: give deliveryId or deliveryIds, not both"},
		{`{"op":"mark","rid":3,"deliveryIds":["d1"],"state":"read"}`, `unknown state "read": use opened, unopened or deleted`},
		{`{"op":"mark","rid":4,"deliveryIds":[],"state":"opened"}`, ""},
	} {
		send(rt, 1, c.msg)
		posted := h.held(1)
		require.Len(t, posted, 1, "the reply alone: %v", posted)
		assert.Equal(t, float64(rid+1), posted[0]["rid"])
		if c.err == "" {
			assert.Nil(t, posted[0]["error"])
		} else {
			assert.Equal(t, c.err, posted[0]["error"])
		}
	}
	assert.Empty(t, storedEvents(t, st, "user_123"))

	// Exactly the limit is taken.
	atLimit := `["` + strings.Repeat(`d1","`, client.MaxMarkBatch-1) + `d1"]`
	send(rt, 1, `{"op":"mark","rid":9,"deliveryIds":`+atLimit+`,"state":"opened"}`)
	assert.Nil(t, h.next(t, 1, reply(9))["error"])
	assert.Len(t, storedEvents(t, st, "user_123"), 1, "d1 listed 1000 times: one event")
}

// Without SharedWorker, a batch reaches the person's other tabs' runtimes as
// one peer message: each shows it in one snapshot, with no poll.
func TestMarkBatchReachesTheOtherTabsAtOnce(t *testing.T) {
	b := newBrowser(t, 60_000, message("d1", "orders", `"1"`), message("d2", "orders", `"2"`), message("d3", "orders", `"3"`))
	b.server.eventsDown = true
	var tabs []*member
	for range 2 {
		m := b.open(t, "user_123", "")
		m.tabs.next(t, 1, snapshotWith(1, 3))
		tabs = append(tabs, m)
	}
	polls := b.total()
	sent, presences := tabs[0].sent.Load(), tabs[1].presences.Load()

	send(tabs[1].rt, 1, `{"op":"mark","rid":1,"deliveryIds":["d1","d2","d3"],"state":"opened"}`)
	assert.Nil(t, tabs[1].tabs.next(t, 1, reply(1))["error"])
	require.Eventually(t, func() bool { return tabs[0].handled.Load() >= sent+1 }, 5*time.Second, time.Millisecond)
	var seen []float64
	tabs[0].tabs.next(t, 1, func(m map[string]any) bool {
		if m["op"] != "snapshot" {
			return false
		}
		u := m["snapshot"].(map[string]any)["unopened"].(float64)
		seen = append(seen, u)
		return u == 0
	})
	assert.Equal(t, []float64{0}, seen, "one snapshot, all three opened: no partial state")
	assert.Equal(t, sent+1, tabs[0].sent.Load()-(tabs[1].presences.Load()-presences), "one peer message for the batch (besides presence)")
	assert.Equal(t, polls, b.total(), "no poll carried the change")
}

// The shim splits a longer list into ops of client.MaxMarkBatch ids, so
// markAllOpened() of a longer inbox is not refused.
func TestShimSplitsMarksAtTheBatchLimit(t *testing.T) {
	shim, err := os.ReadFile("../js/roost-page.js")
	require.NoError(t, err)
	assert.Contains(t, string(shim), fmt.Sprintf("deliveryIds: ids.slice(i, i += %d)", client.MaxMarkBatch))
}
