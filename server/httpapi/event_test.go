package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
)

// ev returns an event; a 4th argument is the action.
func ev(id, deliveryID, typ string, action ...string) inbox.Event {
	e := inbox.Event{ID: id, DeliveryID: deliveryID, Type: typ}
	if len(action) > 0 {
		e.Action = action[0]
	}
	return e
}

// events returns the JSON of a batch.
func events(es ...inbox.Event) string {
	b, _ := json.Marshal(inbox.EventBatch{Events: es})
	return string(b)
}

// postEvents sends a batch as user and decodes the 200 answer.
func postEvents(tb testing.TB, f *fixture, user string, es ...inbox.Event) inbox.EventsResponse {
	tb.Helper()
	w := f.client(http.MethodPost, "/v1/client/events", user, events(es...), "Content-Type", "application/json")
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
	var resp inbox.EventsResponse
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &resp))
	return resp
}

func TestEvents(t *testing.T) {
	t.Run("OKStateChanges", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		f.clock.Add(9 * time.Second)
		opened := ev("e1", id, "opened")
		opened.AtMs = f.clock.Now().UnixMilli()
		resp := postEvents(t, f, "user_123", opened, ev("e2", id, "clicked", "track"), ev("e3", id, "delivered"))
		assert.Equal(t, []string{"e1", "e2", "e3"}, resp.Acknowledged)
		assert.Empty(t, resp.Rejected)

		st := getDelivery(t, f, id)
		assert.Equal(t, true, st["opened"])
		assert.Equal(t, float64(f.clock.Now().Unix()), st["opened_at"])
		assert.Equal(t, true, st["delivered"])
		assert.Equal(t, []any{"track"}, st["clicks"])
		assert.True(t, f.poll("user_123").Messages[0].Opened)

		postEvents(t, f, "user_123", ev("e4", id, "unopened"))
		st = getDelivery(t, f, id)
		assert.Equal(t, false, st["opened"])
		assert.Nil(t, st["opened_at"])

		postEvents(t, f, "user_123", ev("e5", id, "deleted"))
		assert.Equal(t, true, getDelivery(t, f, id)["deleted"])
		assert.Empty(t, f.poll("user_123").Messages, "a deleted inbox message is gone")
	})

	t.Run("OKAtClamped", func(t *testing.T) {
		// at_ms is kept between the message's send_at and now: a page's
		// wrong clock cannot date an open before the message was visible,
		// or after the server received it.
		f := newFixture(t)
		sendAt := fixtureStart.Add(time.Hour)
		id := f.send("inbox_message", strings.Replace(seedSend, `"message_data"`,
			fmt.Sprintf(`"send_at":%d,"message_data"`, sendAt.Unix()), 1))
		f.clock.Add(2 * time.Hour)
		now := f.clock.Now()
		openedAt := func(eventID string, at time.Time) any {
			e := ev(eventID, id, "opened")
			e.AtMs = at.UnixMilli()
			require.Equal(t, []string{eventID}, postEvents(t, f, "user_123", e).Acknowledged)
			return getDelivery(t, f, id)["opened_at"]
		}
		assert.EqualValues(t, sendAt.Unix(), openedAt("before-queued", fixtureStart.Add(-time.Hour)), "before it was queued: its send_at")
		assert.EqualValues(t, sendAt.Unix(), openedAt("before-send-at", sendAt.Add(-time.Minute)), "queued, not yet visible: its send_at")
		assert.EqualValues(t, sendAt.Add(time.Minute).Unix(), openedAt("between", sendAt.Add(time.Minute)), "kept")
		assert.EqualValues(t, now.Unix(), openedAt("future", now.Add(time.Hour)), "in the future: now")
	})

	t.Run("OKIdempotent", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		click := ev("click-1", id, "clicked", "track")
		resp := postEvents(t, f, "user_123", click, click)
		assert.Equal(t, []string{"click-1", "click-1"}, resp.Acknowledged)
		resp = postEvents(t, f, "user_123", click)
		assert.Equal(t, []string{"click-1"}, resp.Acknowledged)
		assert.Equal(t, []any{"track"}, getDelivery(t, f, id)["clicks"], "counted once")
	})

	t.Run("OKDismissedInApp", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("in_app", `{"transactional_message_id":3,"identifiers":{"id":"user_123"}}`)
		require.Len(t, f.poll("user_123").Messages, 1)
		postEvents(t, f, "user_123", ev("d1", id, "dismissed"))
		assert.Empty(t, f.poll("user_123").Messages)
		assert.Equal(t, true, getDelivery(t, f, id)["dismissed"])
	})

	t.Run("RejectOtherPersonsDelivery", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"mallory"}}`)
		resp := postEvents(t, f, "mallory", ev("m1", id, "deleted"), ev("m2", "dlv_nope", "opened"))
		assert.Empty(t, resp.Acknowledged)
		assert.NotNil(t, resp.Acknowledged)
		assert.Equal(t, []inbox.RejectedEvent{{ID: "m1", Error: "unknown delivery_id"}, {ID: "m2", Error: "unknown delivery_id"}}, resp.Rejected)
		assert.Equal(t, false, getDelivery(t, f, id)["deleted"])
		// The rejected id was not recorded: the owner may still use it.
		assert.Equal(t, []string{"m1"}, postEvents(t, f, "user_123", ev("m1", id, "opened")).Acknowledged)
	})

	t.Run("RejectInvalid", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		resp := postEvents(t, f, "user_123",
			ev("", id, "opened"), ev("x1", id, "liked"), ev("x2", id, "clicked"), ev("x3", "", "opened"), ev("ok", id, "opened"))
		assert.Equal(t, []string{"ok"}, resp.Acknowledged)
		assert.Equal(t, []inbox.RejectedEvent{
			{ID: "", Error: "id is required"},
			{ID: "x1", Error: `unknown event type "liked"`},
			{ID: "x2", Error: "a clicked event needs an action"},
			{ID: "x3", Error: "delivery_id is required"},
		}, resp.Rejected)
	})

	t.Run("OKEmptyBatch", func(t *testing.T) {
		f := newFixture(t)
		w := f.client(http.MethodPost, "/v1/client/events", "user_123", `{"events":[]}`)
		require.Equal(t, http.StatusOK, w.Code)
		assert.JSONEq(t, `{"acknowledged":[]}`, w.Body.String())
	})

	t.Run("Errors", func(t *testing.T) {
		f := newFixture(t)
		var many []inbox.Event
		for i := range 501 {
			many = append(many, ev(fmt.Sprint(i), "dlv_x", "opened"))
		}
		for _, tt := range []struct {
			name, body string
			status     int
			msg        string
		}{
			{"ErrMalformed", `{"events":[`, 400, "malformed JSON"},
			{"ErrEventsType", `{"events":{}}`, 400, `"events" must be an array`},
			{"ErrTooMany", events(many...), 400, "too many events: 501"},
			{"ErrTooLarge", `{"events":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "over 1048576 bytes"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				w := f.client(http.MethodPost, "/v1/client/events", "user_123", tt.body)
				require.Equal(t, tt.status, w.Code, w.Body.String())
				assert.Contains(t, errorMessage(t, w), tt.msg)
			})
		}
		t.Run("ErrNoSite", func(t *testing.T) {
			w := f.do(http.MethodPost, "/v1/client/events", `{"events":[]}`, "X-Roost-User", "user_123")
			assert.Equal(t, http.StatusUnauthorized, w.Code)
		})
	})
}
