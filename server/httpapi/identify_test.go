package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
	"github.com/roostmsg/roost/server"
)

// identifyEv returns an identify event setting attrs.
func identifyEv(id string, attrs map[string]any) inbox.Event {
	return inbox.Event{ID: id, Type: inbox.EventIdentify, Attributes: attrs}
}

// personAttributes returns the attributes GET /v1/people/{id} shows.
func personAttributes(tb testing.TB, f *fixture, id string) map[string]any {
	tb.Helper()
	w := f.app(http.MethodGet, "/v1/people/"+id, "")
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
	var p struct {
		Attributes map[string]any `json:"attributes"`
	}
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &p))
	return p.Attributes
}

// renderedBody renders the body of a polled message as the runtime does.
func renderedBody(tb testing.TB, m inbox.Message) string {
	tb.Helper()
	out, err := render.New().Content(m.Content, m.Customer, m.Trigger)
	require.NoError(tb, err)
	var c map[string]any
	require.NoError(tb, json.Unmarshal(out, &c))
	return c["body"].(string)
}

func TestEvents_Identify(t *testing.T) {
	t.Run("OKNextPollHasAttributes", func(t *testing.T) {
		f := newFixture(t)
		f.send("inbox_message", seedSend)
		assert.Equal(t, []string{"id-0"}, postEvents(t, f, "user_123", identifyEv("id-0", map[string]any{"plan": "pro"})).Acknowledged)
		before := f.poll("user_123")
		require.Len(t, before.Messages, 1)
		assert.True(t, strings.HasPrefix(renderedBody(t, before.Messages[0]), "Hi Ada,"))

		resp := postEvents(t, f, "user_123", identifyEv("id-1", map[string]any{"first_name": "Ann", "plan": nil}))
		assert.Equal(t, []string{"id-1"}, resp.Acknowledged)
		assert.Empty(t, resp.Rejected)

		w := f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "If-None-Match", before.ETag)
		require.Equal(t, http.StatusOK, w.Code, "the answer changed: no 304 for the old ETag")
		after := f.poll("user_123")
		assert.NotEqual(t, before.ETag, after.ETag)
		require.Len(t, after.Messages, 1)
		want := map[string]any{"first_name": "Ann", "email": "ada@example.com"}
		assert.Equal(t, want, after.Messages[0].Customer, "merged; null removes")
		assert.True(t, strings.HasPrefix(renderedBody(t, after.Messages[0]), "Hi Ann,"), "{{customer.first_name}} is the new value")
		assert.Equal(t, want, personAttributes(t, f, "user_123"))
	})

	t.Run("OKCreatesPersonValuesExact", func(t *testing.T) {
		f := newFixture(t)
		w := f.client(http.MethodPost, "/v1/client/events", "newcomer",
			`{"events":[{"id":"n1","type":"identify","attributes":{"plan":{"tier":"pro"},"visits":12345678901234567890,"unsubscribed":true}}]}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.JSONEq(t, `{"acknowledged":["n1"]}`, w.Body.String())
		w = f.app(http.MethodGet, "/v1/people/newcomer", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.JSONEq(t, `{"id":"newcomer","unsubscribed":true,"attributes":{"plan":{"tier":"pro"},"visits":12345678901234567890,"unsubscribed":true}}`,
			w.Body.String(), "as PUT /v1/people does: created, big numbers kept exactly")
	})

	t.Run("OKOnceByIDInOrder", func(t *testing.T) {
		f := newFixture(t)
		a := identifyEv("x", map[string]any{"plan": "A"})
		b := identifyEv("y", map[string]any{"plan": "B"})
		assert.Equal(t, []string{"x", "y", "x"}, postEvents(t, f, "user_123", a, b, a).Acknowledged)
		assert.Equal(t, "B", personAttributes(t, f, "user_123")["plan"], "in order, and x again is not applied again")
		assert.Equal(t, []string{"x"}, postEvents(t, f, "user_123", a).Acknowledged)
		assert.Equal(t, "B", personAttributes(t, f, "user_123")["plan"], "a retried identify is applied once")
	})

	t.Run("OKWithOtherEvents", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		resp := postEvents(t, f, "user_123", ev("o1", id, "opened"), identifyEv("i1", map[string]any{"first_name": "Ann"}), ev("nope", "dlv_nope", "opened"))
		assert.Equal(t, []string{"o1", "i1"}, resp.Acknowledged)
		assert.Equal(t, []inbox.RejectedEvent{{ID: "nope", Error: server.RejectUnknownDelivery}}, resp.Rejected)
		m := f.poll("user_123").Messages[0]
		assert.True(t, m.Opened)
		assert.Equal(t, "Ann", m.Customer["first_name"])
	})

	t.Run("OKOnlyOwnAttributes", func(t *testing.T) {
		f := newFixtureWith(t, signed(testSecret))
		boSig := server.SignIdentity(testSecret, "user_456")
		body := events(identifyEv("i1", map[string]any{"first_name": "Mallory"}))
		w := f.client(http.MethodPost, "/v1/client/events", "user_123", body, "X-Roost-Signature", boSig)
		require.Equal(t, http.StatusForbidden, w.Code, "another person's identity is refused")
		w = f.client(http.MethodPost, "/v1/client/events", "user_456", body, "X-Roost-Signature", boSig)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, "Mallory", personAttributes(t, f, "user_456")["first_name"], "the signed person's own")
		assert.Equal(t, "Ada", personAttributes(t, f, "user_123")["first_name"], "no one else's")
	})

	t.Run("RejectInvalid", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		many := map[string]any{}
		for i := range 101 {
			many[fmt.Sprint("k", i)] = i
		}
		hundred := map[string]any{}
		for i := range 100 {
			hundred[fmt.Sprint("k", i)] = i
		}
		for _, tt := range []struct {
			name, event, reason string
		}{
			{"NoAttributes", `{"id":"e","type":"identify"}`, `an identify event needs "attributes", a JSON object with at least one key`},
			{"NullAttributes", `{"id":"e","type":"identify","attributes":null}`, `an identify event needs "attributes", a JSON object with at least one key`},
			{"EmptyAttributes", `{"id":"e","type":"identify","attributes":{}}`, `an identify event needs "attributes", a JSON object with at least one key`},
			{"StringAttributes", `{"id":"e","type":"identify","attributes":"Ann"}`, `an identify event needs "attributes", a JSON object with at least one key`},
			{"ArrayAttributes", `{"id":"e","type":"identify","attributes":[{"a":1}]}`, `an identify event needs "attributes", a JSON object with at least one key`},
			{"TooManyKeys", mustJSON(t, identifyEv("e", many)), "identify attributes: 101 keys, at most 100"},
			{"EmptyKey", `{"id":"e","type":"identify","attributes":{"a":1,"":2}}`, "identify attributes: a key is empty"},
			{"LongKey", `{"id":"e","type":"identify","attributes":{"` + strings.Repeat("k", 151) + `":1}}`, `identify attributes: key "` + strings.Repeat("k", 64) + `"... is over 150 bytes`},
			{"TooLarge", `{"id":"e","type":"identify","attributes":{"bio":"` + strings.Repeat("x", 16<<10) + `"}}`, "identify attributes: over 16384 bytes of JSON"},
			{"UnsubscribedNotBool", `{"id":"e","type":"identify","attributes":{"unsubscribed":"yes"}}`, `the "unsubscribed" attribute must be true or false`},
			{"IdentifyWithDelivery", `{"id":"e","type":"identify","delivery_id":"` + id + `","attributes":{"a":1}}`, "an identify event takes no delivery_id or action"},
			{"AttributesOnOpened", `{"id":"e","type":"opened","delivery_id":"` + id + `","attributes":{"a":1}}`, "attributes are only for identify events"},
			{"NonObjectAttributesOnOpened", `{"id":"e","type":"opened","delivery_id":"` + id + `","attributes":7}`, "attributes are only for identify events"},
			{"NoDeliveryStillFirst", `{"id":"e","type":"opened","attributes":7}`, "delivery_id is required"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				body := `{"events":[` + tt.event + `,{"id":"ok","type":"identify","attributes":{"first_name":"Ann"}}]}`
				w := f.client(http.MethodPost, "/v1/client/events", "user_123", body)
				require.Equal(t, http.StatusOK, w.Code, "one bad event does not fail the batch: %s", w.Body.String())
				var resp inbox.EventsResponse
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
				assert.Equal(t, []string{"ok"}, resp.Acknowledged)
				assert.Equal(t, []inbox.RejectedEvent{{ID: "e", Error: tt.reason}}, resp.Rejected)
			})
		}
		attrs := personAttributes(t, f, "user_123")
		assert.NotContains(t, attrs, "a", "no rejected event changed anything")
		assert.NotContains(t, attrs, "bio")
		assert.Equal(t, "Ann", attrs["first_name"])

		limit := map[string]any{strings.Repeat("k", 150): strings.Repeat("x", 16<<10-157)} // {"k…":"x…"} is 16384 bytes
		assert.Equal(t, []string{"at-limits"}, postEvents(t, f, "user_123", identifyEv("at-limits", limit)).Acknowledged)
		assert.Equal(t, []string{"hundred"}, postEvents(t, f, "user_123", identifyEv("hundred", hundred)).Acknowledged)
	})
}

// postSigned sends a batch as user with user's signature and decodes the 200 answer.
func postSigned(tb testing.TB, f *fixture, user string, es ...inbox.Event) inbox.EventsResponse {
	tb.Helper()
	w := f.client(http.MethodPost, "/v1/client/events", user, events(es...),
		"Content-Type", "application/json", "X-Roost-Signature", server.SignIdentity(testSecret, user))
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
	var resp inbox.EventsResponse
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &resp))
	return resp
}

// putPerson sets attributes on a person with PUT /v1/people/{id}, as the site's backend does.
func putPerson(tb testing.TB, f *fixture, id string, attrs map[string]any) {
	tb.Helper()
	w := f.app(http.MethodPut, "/v1/people/"+id, mustJSON(tb, map[string]any{"attributes": attrs}))
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
}

func TestEvents_IdentifyEmail(t *testing.T) {
	signed := func(t *testing.T) *fixture {
		f := newFixtureWith(t, signed(testSecret))
		putPerson(t, f, "user_A", map[string]any{"first_name": "Al", "email": "al@example.com"})
		putPerson(t, f, "user_B", map[string]any{"first_name": "Bo"})
		return f
	}
	sendToEmail := func(t *testing.T, f *fixture, email string) string {
		t.Helper()
		return f.send("inbox_message", `{"transactional_message_id":"order_shipped","identifiers":{"email":`+mustJSON(t, email)+`}}`)
	}
	pollOf := func(t *testing.T, f *fixture, user string) []string {
		t.Helper()
		w := f.client(http.MethodGet, "/v1/client/poll", user, "", "X-Roost-Signature", server.SignIdentity(testSecret, user))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var resp inbox.PollResponse
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
		ids := []string{}
		for _, m := range resp.Messages {
			ids = append(ids, m.DeliveryID)
		}
		return ids
	}

	t.Run("RejectOtherEmail", func(t *testing.T) {
		f := signed(t)
		resp := postSigned(t, f, "user_A",
			identifyEv("known", map[string]any{"email": "ADA@example.com", "first_name": "Mallory"}),
			identifyEv("unknown", map[string]any{"email": "victim@example.com"}),
			identifyEv("ok", map[string]any{"plan": "pro"}))
		assert.Equal(t, []string{"ok"}, resp.Acknowledged, "the batch goes on")
		assert.Equal(t, []inbox.RejectedEvent{
			{ID: "known", Error: server.RejectEmailChange},
			{ID: "unknown", Error: server.RejectEmailChange},
		}, resp.Rejected)
		assert.Equal(t, `the "email" attribute can only be changed by the site's backend (PUT /v1/people/{id})`, server.RejectEmailChange)
		assert.Equal(t, map[string]any{"first_name": "Al", "email": "al@example.com", "plan": "pro"}, personAttributes(t, f, "user_A"),
			"nothing of a rejected event is applied")

		// B has no email: it cannot gain one from the browser either.
		resp = postSigned(t, f, "user_B", identifyEv("b", map[string]any{"email": "victim@example.com"}))
		assert.Empty(t, resp.Acknowledged)
		assert.Equal(t, []inbox.RejectedEvent{{ID: "b", Error: server.RejectEmailChange}}, resp.Rejected)
		assert.NotContains(t, personAttributes(t, f, "user_B"), "email")

		// A retry of the same event ids is still rejected: none was recorded.
		resp = postSigned(t, f, "user_A", identifyEv("unknown", map[string]any{"email": "victim@example.com"}))
		assert.Equal(t, []inbox.RejectedEvent{{ID: "unknown", Error: server.RejectEmailChange}}, resp.Rejected)

		toAda := sendToEmail(t, f, "ada@example.com")
		toVictim := sendToEmail(t, f, "Victim@example.com")
		assert.Empty(t, pollOf(t, f, "user_A"), "no send to another's email reaches A")
		assert.Empty(t, pollOf(t, f, "user_B"))
		assert.Equal(t, []string{toAda}, pollOf(t, f, "user_123"), "the owner of the email gets it")
		assert.Equal(t, "Victim@example.com", getDelivery(t, f, toVictim)["person_id"], "an unknown email is a new person, not A")
	})

	t.Run("OKOwnEmail", func(t *testing.T) {
		f := signed(t)
		resp := postSigned(t, f, "user_A", identifyEv("own", map[string]any{"email": "AL@Example.COM", "first_name": "Alan", "language": "fr", "unsubscribed": false}))
		assert.Equal(t, []string{"own"}, resp.Acknowledged)
		assert.Empty(t, resp.Rejected)
		assert.Equal(t, map[string]any{"first_name": "Alan", "email": "AL@Example.COM", "language": "fr", "unsubscribed": false},
			personAttributes(t, f, "user_A"), "applied as any identify: the other attributes too")
		id := sendToEmail(t, f, "al@example.com")
		assert.Equal(t, []string{id}, pollOf(t, f, "user_A"), "the email still finds A")

		// Null email for a person with none changes nothing: accepted.
		resp = postSigned(t, f, "user_B", identifyEv("none", map[string]any{"email": nil, "plan": "pro"}))
		assert.Equal(t, []string{"none"}, resp.Acknowledged)
		assert.Equal(t, map[string]any{"first_name": "Bo", "plan": "pro"}, personAttributes(t, f, "user_B"))
	})

	t.Run("RejectNullOrNotString", func(t *testing.T) {
		f := signed(t)
		for _, tt := range []struct {
			name  string
			attrs map[string]any
		}{
			{"Null", map[string]any{"email": nil, "first_name": "Ann"}},
			{"Empty", map[string]any{"email": ""}},
			{"Number", map[string]any{"email": 7}},
			{"Object", map[string]any{"email": map[string]any{"address": "al@example.com"}}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				resp := postSigned(t, f, "user_A", identifyEv("e", tt.attrs))
				assert.Empty(t, resp.Acknowledged)
				assert.Equal(t, []inbox.RejectedEvent{{ID: "e", Error: server.RejectEmailChange}}, resp.Rejected)
			})
		}
		assert.Equal(t, map[string]any{"first_name": "Al", "email": "al@example.com"}, personAttributes(t, f, "user_A"), "unchanged")
		id := sendToEmail(t, f, "al@example.com")
		assert.Equal(t, []string{id}, pollOf(t, f, "user_A"))
	})

	t.Run("OKBackendChangesEmail", func(t *testing.T) {
		f := signed(t)
		putPerson(t, f, "user_A", map[string]any{"email": "al@new.example.com"})
		resp := postSigned(t, f, "user_A", identifyEv("new", map[string]any{"email": "al@new.example.com", "first_name": "Alan"}))
		assert.Equal(t, []string{"new"}, resp.Acknowledged, "the page passes the email the backend set")
		resp = postSigned(t, f, "user_A", identifyEv("old", map[string]any{"email": "al@example.com"}))
		assert.Equal(t, []inbox.RejectedEvent{{ID: "old", Error: server.RejectEmailChange}}, resp.Rejected, "a stale page cannot put the old one back")
	})
}

// mustJSON returns the JSON of v.
func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return string(b)
}

func TestRejectIdentify(t *testing.T) {
	al := &server.Person{ID: "a", Attributes: map[string]any{"email": "al@example.com"}}
	none := &server.Person{ID: "b", Attributes: map[string]any{"first_name": "Bo"}}
	for _, tt := range []struct {
		name   string
		p      *server.Person
		attrs  map[string]any
		reject bool
	}{
		{"NoEmail", al, map[string]any{"first_name": "Al"}, false},
		{"Same", al, map[string]any{"email": "al@example.com"}, false},
		{"SameCaseAndSpace", al, map[string]any{"email": " AL@Example.com\t"}, false},
		{"Other", al, map[string]any{"email": "ada@example.com"}, true},
		{"Null", al, map[string]any{"email": nil}, true},
		{"Empty", al, map[string]any{"email": ""}, true},
		{"NotString", al, map[string]any{"email": 1}, true},
		{"NoneSet", none, map[string]any{"email": "bo@example.com"}, true},
		{"NoneSetEmpty", none, map[string]any{"email": ""}, true},
		{"NoneNull", none, map[string]any{"email": nil}, false},
		{"NewSet", nil, map[string]any{"email": "new@example.com"}, true},
		{"NewNull", nil, map[string]any{"email": nil}, false},
		{"NotEmailIdentifiers", al, map[string]any{"id": "user_123", "cio_id": "user_123", "unsubscribed": true, "language": "fr"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := ""
			if tt.reject {
				want = server.RejectEmailChange
			}
			assert.Equal(t, want, server.RejectIdentify(identifyEv("e", tt.attrs), tt.p))
		})
	}
}
