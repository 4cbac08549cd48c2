package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// attributesSize returns the size of person's stored attributes as JSON.
func attributesSize(t *testing.T, f *fixture, person string) int {
	t.Helper()
	p, err := f.srv.FindPerson(context.Background(), person)
	require.NoError(t, err)
	b, err := json.Marshal(p.Attributes)
	require.NoError(t, err)
	return len(b)
}

// rejectedReasons maps each rejected event id of resp to its reason.
func rejectedReasons(resp inbox.EventsResponse) map[string]string {
	m := map[string]string{}
	for _, r := range resp.Rejected {
		m[r.ID] = r.Error
	}
	return m
}

func TestPersonAttributesLimit(t *testing.T) {
	t.Run("OKIdentifyPerEvent", func(t *testing.T) {
		f := newFixture(t)
		// Each event adds about 15 kB: four fit in 64 KiB, a fifth does
		// not; a smaller one after it still does, in the batch's order.
		big := func(id string, n int) inbox.Event {
			return identifyEv(id, map[string]any{"k" + id: strings.Repeat("x", n)})
		}
		resp := postEvents(t, f, "newcomer", big("1", 15_000), big("2", 15_000), big("3", 15_000), big("4", 15_000),
			big("5", 15_000), big("6", 1_000))
		assert.Equal(t, []string{"1", "2", "3", "4", "6"}, resp.Acknowledged)
		require.Len(t, resp.Rejected, 1)
		assert.Equal(t, "5", resp.Rejected[0].ID)
		assert.Contains(t, resp.Rejected[0].Error, fmt.Sprintf("over the limit of %d per person", server.MaxPersonAttributesJSON))
		assert.LessOrEqual(t, attributesSize(t, f, "newcomer"), server.MaxPersonAttributesJSON)

		// Removing attributes makes room again.
		resp = postEvents(t, f, "newcomer", identifyEv("7", map[string]any{"k1": nil, "k2": nil}), big("5", 15_000))
		assert.Equal(t, []string{"7", "5"}, resp.Acknowledged, "the rejected event applies once there is room")
	})

	t.Run("OKExactlyTheLimit", func(t *testing.T) {
		f := newFixture(t)
		// {"a":"xx…"}: 2 braces, `"a":` and the quoted string.
		fill := strings.Repeat("x", server.MaxPersonAttributesJSON-len(`{"a":""}`))
		w := f.app(http.MethodPut, "/v1/people/full", `{"attributes":{"a":"`+fill+`"}}`)
		require.Equal(t, http.StatusOK, w.Code, "exactly the limit is allowed")
		assert.Equal(t, server.MaxPersonAttributesJSON, attributesSize(t, f, "full"))

		w = f.app(http.MethodPut, "/v1/people/full", `{"attributes":{"b":1}}`)
		require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		assert.Equal(t, fmt.Sprintf("the person's attributes would be %d bytes of JSON, over the limit of %d per person: "+
			"nothing of this change is applied; remove attributes (set them to null) to make room",
			server.MaxPersonAttributesJSON+len(`,"b":1`), server.MaxPersonAttributesJSON), errorMessage(t, w))
		resp := postEvents(t, f, "full", identifyEv("e1", map[string]any{"b": 1}))
		assert.Equal(t, errorMessage(t, w), rejectedReasons(resp)["e1"], "the same reason for an identify event")

		// Replacing a value with one of the same size, or a smaller one, is allowed.
		w = f.app(http.MethodPut, "/v1/people/full", `{"attributes":{"a":"`+strings.Repeat("y", len(fill))+`"}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		w = f.app(http.MethodPut, "/v1/people/full", `{"attributes":{"a":"short","b":1}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.JSONEq(t, `{"a":"short","b":1}`, mustJSON(t, personAttributes(t, f, "full")))
	})

	t.Run("OKPersonOverTheLimitFromBefore", func(t *testing.T) {
		f := newFixture(t)
		// A person stored before the limit existed, with 100 kB of attributes.
		_, err := f.db.UpdatePerson(context.Background(), "old", func(p *server.Person) error {
			p.Attributes = map[string]any{"big": strings.Repeat("x", 100_000), "n": 1}
			return nil
		})
		require.NoError(t, err)
		resp := postEvents(t, f, "old", identifyEv("grow", map[string]any{"c": "x"}),
			identifyEv("same", map[string]any{"n": 2}), identifyEv("shrink", map[string]any{"big": "small"}),
			identifyEv("grow-again", map[string]any{"c": "x"}))
		assert.Equal(t, []string{"same", "shrink", "grow-again"}, resp.Acknowledged,
			"changes that do not make them bigger apply; once under the limit, growing does too")
		assert.Contains(t, rejectedReasons(resp)["grow"], "over the limit")
		assert.Equal(t, map[string]any{"big": "small", "n": 2.0, "c": "x"}, personAttributes(t, f, "old"))
	})
}

func TestClicksLimit(t *testing.T) {
	f := newFixture(t)
	id := f.send("inbox_message", seedSend)
	var es []inbox.Event
	want := []any{}
	for i := range server.MaxClicksPerDelivery {
		action := fmt.Sprintf("a%d", i)
		es = append(es, ev(fmt.Sprintf("c%d", i), id, "clicked", action))
		want = append(want, action)
	}
	es = append(es, ev("late", id, "clicked", "late"))
	resp := postEvents(t, f, "user_123", es...)
	assert.Len(t, resp.Acknowledged, server.MaxClicksPerDelivery+1, "a click past the limit is acknowledged")
	assert.Equal(t, want, getDelivery(t, f, id)["clicks"], "the first ones are kept")
	resp = postEvents(t, f, "user_123", ev("later", id, "clicked", "later"))
	assert.Equal(t, []string{"later"}, resp.Acknowledged)
	assert.Equal(t, want, getDelivery(t, f, id)["clicks"])

	// A click past the limit still marks the message delivered.
	second := f.send("inbox_message", seedSend)
	es = es[:0]
	for i := range server.MaxClicksPerDelivery + 1 {
		es = append(es, ev(fmt.Sprintf("d%d", i), second, "clicked", "x"))
	}
	f.clock.Add(time.Second)
	postEvents(t, f, "user_123", es...)
	st := getDelivery(t, f, second)
	assert.Len(t, st["clicks"], server.MaxClicksPerDelivery)
	assert.Equal(t, true, st["delivered"])
}

func TestEventsBudget(t *testing.T) {
	f := newFixture(t)
	id := f.send("inbox_message", seedSend)
	batch := func(prefix string, n int) []inbox.Event {
		es := make([]inbox.Event, n)
		for i := range es {
			es[i] = ev(fmt.Sprintf("%s%d", prefix, i), id, "clicked", "x")
		}
		return es
	}
	// The fixture's clock stands still: nothing refills until it moves.
	for i := range server.EventsBurst / server.MaxEventsPerBatch {
		postEvents(t, f, "user_123", batch(fmt.Sprint("b", i, "-"), server.MaxEventsPerBatch)...)
	}
	refused := func(es ...inbox.Event) string {
		t.Helper()
		w := f.client(http.MethodPost, "/v1/client/events", "user_123", events(es...), "Content-Type", "application/json")
		require.Equal(t, http.StatusTooManyRequests, w.Code, w.Body.String())
		return errorMessage(t, w)
	}
	assert.Equal(t, fmt.Sprintf("too many events from this person: at most %d a second on average, %d at once; "+
		"nothing of this batch was applied: send it again in 1 s", server.EventsPerSecond, server.EventsBurst),
		refused(ev("open", id, "opened")))
	assert.Equal(t, false, getDelivery(t, f, id)["opened"], "nothing of a refused batch is applied")
	assert.Equal(t, []string{"i1"}, postEvents(t, f, "someone_else", identifyEv("i1", map[string]any{"a": 1})).Acknowledged,
		"another person has a budget of their own")

	f.clock.Add(time.Second) // 100 events
	assert.Contains(t, refused(batch("late", server.EventsPerSecond+1)...), "send it again in 2 s",
		"101 do not fit, and empty the budget")
	refused(ev("open", id, "opened"))
	w := f.client(http.MethodPost, "/v1/client/events", "user_123", `{"events":[`, "Content-Type", "application/json")
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "until 101 fit, a batch is refused before it is read")
	assert.Equal(t, "2", w.Header().Get("Retry-After"), "a refused batch says when to send it again")
	f.clock.Add(1010 * time.Millisecond)
	resp := postEvents(t, f, "user_123", append(batch("c", server.EventsPerSecond-1), ev("open", id, "opened"))...)
	assert.Len(t, resp.Acknowledged, server.EventsPerSecond, "then 100 fit")
	assert.Equal(t, true, getDelivery(t, f, id)["opened"])
	refused(batch("two", 2)...) // 1 left
	f.clock.Add(20 * time.Millisecond)
	assert.Equal(t, []string{"two0", "two1"}, postEvents(t, f, "user_123", batch("two", 2)...).Acknowledged,
		"the same batch again, once it fits: no livelock")
}
