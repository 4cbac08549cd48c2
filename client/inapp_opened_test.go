package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventTypesOf lists the types of the events the server got about a
// delivery, in order, each event once (as the server applies them: a
// runtime may send an event again, with the same id).
func (f *fakeServer) eventTypesOf(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, e := range f.events {
		if e.DeliveryID == id && !seen[e.ID] {
			seen[e.ID] = true
			out = append(out, e.Type)
		}
	}
	return out
}

// waitDismissedEvent waits until the server has the dismissed event of id:
// every event the runtime queued about id before it has come too.
func (f *fakeServer) waitDismissedEvent(t *testing.T, id string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, e := range f.eventsOf("dismissed") {
			if e.DeliveryID == id {
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond, "the server has %s dismissed", id)
}

// TestInAppShownRecordsOpenedOnce: a tab that showed the in-app message it
// was given says so, and the runtime sends one opened event for it, before
// the click and the dismissal; saying so again records nothing more, and a
// message never handed over is refused as dismiss refuses it.
func TestInAppShownRecordsOpenedOnce(t *testing.T) {
	rt, h, srv := newInAppRuntime(t, inAppMessage("w1", 0, 100, `{"title":"Hi"}`))
	openInAppTab(rt, 1, "user_123", "/", true)
	assert.Equal(t, "w1", h.shownID(t, 1))

	send(rt, 1, `{"op":"shown","rid":1,"deliveryId":"never-shown"}`)
	assert.Contains(t, h.next(t, 1, reply(1))["error"], "unknown message")
	send(rt, 1, `{"op":"shown","rid":2,"deliveryId":"w1"}`)
	assert.Nil(t, h.next(t, 1, reply(2))["error"])
	send(rt, 1, `{"op":"shown","rid":3,"deliveryId":"w1"}`)
	assert.Nil(t, h.next(t, 1, reply(3))["error"], "shown again: no error, no second event")
	send(rt, 1, `{"op":"click","rid":4,"deliveryId":"w1","action":"shop"}`)
	assert.Nil(t, h.next(t, 1, reply(4))["error"])
	send(rt, 1, `{"op":"dismiss","rid":5,"deliveryId":"w1"}`)
	assert.Nil(t, h.next(t, 1, reply(5))["error"])

	srv.waitDismissedEvent(t, "w1")
	assert.Equal(t, []string{"opened", "clicked", "dismissed"}, srv.eventTypesOf("w1"), "the claim aside (the claim server's)")
	assert.Empty(t, srv.eventTypesOf("never-shown"))
	for _, e := range srv.eventsOf("opened") {
		assert.NotEmpty(t, e.ID)
		assert.NotZero(t, e.AtMs)
	}
}

// TestInAppShownWithoutRidIsRecorded: the shim says a message is shown
// without waiting for an answer (no rid); the event is queued all the same.
func TestInAppShownWithoutRidIsRecorded(t *testing.T) {
	rt, h, srv := newInAppRuntime(t, inAppMessage("w1", 0, 100, `{"title":"Hi"}`))
	openInAppTab(rt, 1, "user_123", "/", true)
	assert.Equal(t, "w1", h.shownID(t, 1))
	send(rt, 1, `{"op":"shown","deliveryId":"w1"}`)
	require.Eventually(t, func() bool { return len(srv.eventsOf("opened")) > 0 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, []string{"opened"}, srv.eventTypesOf("w1"))
}

// TestPersistentInAppOpenedOnce: a persistent message shown again, in
// another tab of the runtime or after a reload, records no second opened
// event.
func TestPersistentInAppOpenedOnce(t *testing.T) {
	st := client.NewMemoryStorage()
	sticky := inAppMessage("p1", 5, 100, `{"title":"Keep me","persistent":true}`)

	rt1, h1, srv1 := newInAppRuntimeOn(t, st, sticky)
	stopWhenDone(t, rt1, h1)
	openInAppTab(rt1, 1, "user_123", "/", true)
	assert.Equal(t, "p1", h1.shownID(t, 1))
	send(rt1, 1, `{"op":"shown","rid":1,"deliveryId":"p1"}`)
	assert.Nil(t, h1.next(t, 1, reply(1))["error"])
	send(rt1, 1, `{"op":"bye"}`)
	openInAppTab(rt1, 2, "user_123", "/", true)
	assert.Equal(t, "p1", h1.shownID(t, 2), "undismissed, it shows in the next tab")
	send(rt1, 2, `{"op":"shown","rid":2,"deliveryId":"p1"}`)
	assert.Nil(t, h1.next(t, 2, reply(2))["error"])
	require.Eventually(t, func() bool { return len(srv1.eventsOf("opened")) > 0 }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool {
		raw, _, _ := st.Get(context.Background(), "inapp/user_123")
		return strings.Contains(string(raw), `"opened":true`)
	}, 5*time.Second, time.Millisecond, "kept as opened for the next page load")
	send(rt1, 2, `{"op":"bye"}`)

	// A reload: shown again, not opened again.
	rt2, h2, srv2 := newInAppRuntimeOn(t, st)
	stopWhenDone(t, rt2, h2)
	openInAppTab(rt2, 1, "user_123", "/", true)
	assert.Equal(t, "p1", h2.shownID(t, 1), "shown again after a reload")
	send(rt2, 1, `{"op":"shown","rid":3,"deliveryId":"p1"}`)
	assert.Nil(t, h2.next(t, 1, reply(3))["error"])
	send(rt2, 1, `{"op":"dismiss","rid":4,"deliveryId":"p1"}`)
	assert.Nil(t, h2.next(t, 1, reply(4))["error"])
	srv2.waitDismissedEvent(t, "p1")
	assert.Equal(t, []string{"dismissed"}, srv2.eventTypesOf("p1"), "no second opened event")
	assert.Equal(t, []string{"opened"}, srv1.eventTypesOf("p1"), "one opened event from the first page load")
}
