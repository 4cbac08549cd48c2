package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// sendWith is the seed send with extra fields (a JSON fragment) added.
func sendWith(extra string) string {
	return seedSend[:len(seedSend)-1] + "," + extra + "}"
}

// sendAnswer decodes a 200 send answer.
func sendAnswer(tb testing.TB, f *fixture, channel, body string) map[string]any {
	tb.Helper()
	w := f.app(http.MethodPost, "/v1/send/"+channel, body)
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
	var m map[string]any
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &m))
	return m
}

func TestSend_SendAt(t *testing.T) {
	t.Run("OKScheduledShowsFromItsTime", func(t *testing.T) {
		f := newFixture(t)
		at := fixtureStart.Add(time.Hour).Unix()
		resp := sendAnswer(t, f, "inbox_message", sendWith(`"send_at":`+strconv.FormatInt(at, 10)))
		assert.EqualValues(t, at, resp["send_at"], "a future send_at is in the answer")
		assert.EqualValues(t, fixtureStart.Unix(), resp["queued_at"])
		id := resp["delivery_id"].(string)
		assert.Equal(t, "scheduled", getDelivery(t, f, id)["status"])

		assert.Empty(t, f.poll("user_123").Messages, "not visible before send_at")
		f.clock.Add(time.Hour - time.Second)
		assert.Empty(t, f.poll("user_123").Messages)
		f.clock.Add(time.Second)
		msgs := f.poll("user_123").Messages
		require.Len(t, msgs, 1)
		assert.Equal(t, id, msgs[0].DeliveryID)
		assert.Equal(t, at*1000, msgs[0].SentAtMs, "sent_at is when it became visible")
		assert.Equal(t, fixtureStart.Add(time.Hour+60*24*time.Hour).UnixMilli(), msgs[0].ExpiresAtMs, "expiry counts from send_at")
	})

	t.Run("OKPastIsNow", func(t *testing.T) {
		f := newFixture(t)
		resp := sendAnswer(t, f, "inbox_message", sendWith(`"send_at":1000`))
		_, has := resp["send_at"]
		assert.False(t, has, "no send_at in the answer of an immediate send")
		assert.Len(t, f.poll("user_123").Messages, 1)
	})

	t.Run("OKNinetyDaysExactly", func(t *testing.T) {
		f := newFixture(t)
		at := fixtureStart.Add(90 * 24 * time.Hour).Unix()
		resp := sendAnswer(t, f, "inbox_message", sendWith(`"send_at":`+strconv.FormatInt(at, 10)))
		assert.EqualValues(t, at, resp["send_at"])
	})

	t.Run("OKPollSoonerWhenDue", func(t *testing.T) {
		f := newFixture(t) // tiers 1 s, 2 s, 3 s
		assert.EqualValues(t, 3000, f.poll("user_123").NextPollMs, "low tier with nothing scheduled")
		sendAnswer(t, f, "inbox_message", sendWith(`"send_at":`+strconv.FormatInt(fixtureStart.Add(2*time.Second).Unix(), 10)))
		a := f.poll("user_123")
		assert.Empty(t, a.Messages)
		assert.EqualValues(t, 1000, a.NextPollMs, "a message due before the next poll makes the client poll at the active interval")
		assert.Equal(t, a.ETag, f.poll("user_123").ETag, "the answer stays the same while waiting")
	})
}

func TestDrafts(t *testing.T) {
	t.Run("OKListSendDelete", func(t *testing.T) {
		f := newFixture(t)
		first := sendAnswer(t, f, "inbox_message", sendWith(`"queue_draft":true`))["delivery_id"].(string)
		second := sendAnswer(t, f, "inbox_message", sendWith(`"queue_draft":true`))["delivery_id"].(string)
		assert.Empty(t, f.poll("user_123").Messages, "drafts are not polled")

		w := f.app(http.MethodGet, "/v1/drafts?person=user_123", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var list struct {
			Drafts []map[string]any `json:"drafts"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
		require.Len(t, list.Drafts, 2)
		assert.Equal(t, first, list.Drafts[0]["delivery_id"])
		assert.Equal(t, "draft", list.Drafts[0]["status"])

		f.clock.Add(time.Minute)
		w = f.app(http.MethodPost, "/v1/drafts/"+first+"/send", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.JSONEq(t, `{"delivery_id":"`+first+`","queued_at":`+strconv.FormatInt(fixtureStart.Add(time.Minute).Unix(), 10)+`}`, w.Body.String())
		msgs := f.poll("user_123").Messages
		require.Len(t, msgs, 1)
		assert.Equal(t, first, msgs[0].DeliveryID)

		w = f.app(http.MethodPost, "/v1/drafts/"+first+"/send", "")
		assert.Equal(t, http.StatusConflict, w.Code, "a draft is sent once")
		assert.Contains(t, errorMessage(t, w), "is not a draft")
		w = f.app(http.MethodDelete, "/v1/drafts/"+first, "")
		assert.Equal(t, http.StatusConflict, w.Code, "a sent message is not deleted as a draft")

		w = f.app(http.MethodDelete, "/v1/drafts/"+second, "")
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		assert.Equal(t, http.StatusNotFound, f.app(http.MethodGet, "/v1/deliveries/"+second, "").Code)
		assert.Equal(t, http.StatusNotFound, f.app(http.MethodPost, "/v1/drafts/"+second+"/send", "").Code)
		assert.Len(t, f.poll("user_123").Messages, 1)
	})

	t.Run("OKTemplateSettingAndOverride", func(t *testing.T) {
		f := newFixture(t)
		putTemplate(t, f, 20, `{"name":"Digest","trigger_name":"digest","channel":"inbox","queue_draft":true,"content":{"title":"d"}}`)
		d := sendAnswer(t, f, "inbox_message", `{"transactional_message_id":"digest","identifiers":{"id":"user_123"}}`)["delivery_id"].(string)
		assert.Equal(t, "draft", getDelivery(t, f, d)["status"], "the template's queue_draft makes a draft")
		d = sendAnswer(t, f, "inbox_message", `{"transactional_message_id":"digest","identifiers":{"id":"user_123"},"queue_draft":false}`)["delivery_id"].(string)
		assert.Equal(t, "queued", getDelivery(t, f, d)["status"], "the request overrides the template")
	})

	t.Run("OKDraftKeepsItsSchedule", func(t *testing.T) {
		f := newFixture(t)
		at := fixtureStart.Add(time.Hour).Unix()
		id := sendAnswer(t, f, "inbox_message", sendWith(`"queue_draft":true,"send_at":`+strconv.FormatInt(at, 10)))["delivery_id"].(string)
		w := f.app(http.MethodPost, "/v1/drafts/"+id+"/send", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Contains(t, w.Body.String(), `"send_at":`+strconv.FormatInt(at, 10))
		assert.Equal(t, "scheduled", getDelivery(t, f, id)["status"])
	})

	t.Run("ErrLimit", func(t *testing.T) {
		f := newFixture(t)
		assert.Equal(t, http.StatusBadRequest, f.app(http.MethodGet, "/v1/drafts?limit=0", "").Code)
		assert.Equal(t, http.StatusBadRequest, f.app(http.MethodGet, "/v1/drafts?limit=x", "").Code)
	})
}

func TestSend_Language(t *testing.T) {
	f := newFixture(t)
	putTemplate(t, f, 21, `{"name":"Hello","trigger_name":"hello","channel":"inbox","content":{"title":"Hello"},
		"contents":[{"language":"fr","body":{"title":"Bonjour"}},{"language":"pt-BR","body":{"title":"Olá"}}]}`)
	title := func(t *testing.T, id string) string {
		t.Helper()
		var c map[string]string
		b, _ := json.Marshal(getDelivery(t, f, id)["content"])
		require.NoError(t, json.Unmarshal(b, &c))
		return c["title"]
	}
	send := func(t *testing.T, person, extra string) string {
		t.Helper()
		return sendAnswer(t, f, "inbox_message", `{"transactional_message_id":"hello","identifiers":{"id":"`+person+`"}`+extra+`}`)["delivery_id"].(string)
	}
	assert.Equal(t, "Hello", title(t, send(t, "p1", "")), "default without any language")
	assert.Equal(t, "Bonjour", title(t, send(t, "p1", `,"language":"fr-CA"`)), "request language, regional falls back to base")
	assert.Equal(t, "Olá", title(t, send(t, "p1", `,"language":"pt_br"`)))
	assert.Equal(t, "Hello", title(t, send(t, "p1", `,"language":"de"`)), "unknown language: the default")

	w := f.app(http.MethodPut, "/v1/people/p2", `{"attributes":{"language":"fr"}}`)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "Bonjour", title(t, send(t, "p2", "")), "the person's language")
	assert.Equal(t, "Olá", title(t, send(t, "p2", `,"language":"pt-BR"`)), "the request's language wins")
	assert.Equal(t, "Bonjour", title(t, send(t, "p2", `,"language":"de"`)), "an override without a variant falls to the person's")
	id := send(t, "p2", "")
	assert.Equal(t, "fr", getDelivery(t, f, id)["language"])
}

func TestSend_Unsubscribed(t *testing.T) {
	f := newFixture(t)
	putTemplate(t, f, 22, `{"name":"Promo","trigger_name":"promo","channel":"inbox","send_to_unsubscribed":false,"content":{"title":"Sale"}}`)
	require.Equal(t, http.StatusOK, f.app(http.MethodPut, "/v1/people/user_123", `{"unsubscribed":true}`).Code)

	id := sendAnswer(t, f, "inbox_message", `{"transactional_message_id":"promo","identifiers":{"id":"user_123"}}`)["delivery_id"].(string)
	d := getDelivery(t, f, id)
	assert.Equal(t, "suppressed", d["status"])
	assert.Equal(t, "unsubscribed", d["suppressed_reason"])
	assert.Empty(t, f.poll("user_123").Messages, "a suppressed message is never shown")
	assert.Equal(t, []string{}, postEvents(t, f, "user_123", ev("e1", id, "opened")).Acknowledged, "nor can it be opened")

	override := sendAnswer(t, f, "inbox_message", `{"transactional_message_id":"promo","identifiers":{"id":"user_123"},"send_to_unsubscribed":true}`)["delivery_id"].(string)
	assert.Equal(t, "queued", getDelivery(t, f, override)["status"], "send_to_unsubscribed in the request wins")
	plain := f.send("inbox_message", seedSend)
	assert.Equal(t, "queued", getDelivery(t, f, plain)["status"], "transactional templates reach unsubscribed people by default")

	sendAnswer(t, f, "inbox_message", `{"transactional_message_id":"promo","identifiers":{"id":"someone_else"}}`)
	assert.Len(t, f.poll("someone_else").Messages, 1, "subscribed people get it")
}

func TestSend_AutoCreate(t *testing.T) {
	f := newFixture(t)
	id := sendAnswer(t, f, "in_app", `{"transactional_message_id":"Spring_Promo","identifiers":{"id":"user_123"},"auto_create":true}`)["delivery_id"].(string)
	again := sendAnswer(t, f, "in_app", `{"transactional_message_id":"spring_promo","identifiers":{"id":"user_123"},"auto_create":true}`)["delivery_id"].(string)
	assert.Equal(t, getDelivery(t, f, id)["template_id"], getDelivery(t, f, again)["template_id"], "the second send finds the record the first created")

	w := f.app(http.MethodGet, "/v1/transactional", "")
	require.Equal(t, http.StatusOK, w.Code)
	var list struct {
		Messages []server.Template `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
	created := list.Messages[len(list.Messages)-1]
	assert.Equal(t, "Spring_Promo", created.TriggerName)
	assert.Equal(t, "in_app", created.Channel)
	assert.EqualValues(t, getDelivery(t, f, id)["template_id"], created.ID)
	require.Len(t, created.Contents, 1)
	assert.JSONEq(t, `{}`, string(created.Contents[0].Body), "an empty record")

	w = f.app(http.MethodPost, "/v1/send/in_app", `{"transactional_message_id":"other_new","identifiers":{"id":"user_123"}}`)
	assert.Equal(t, http.StatusBadRequest, w.Code, "without auto_create an unknown name is an error")
	assert.Equal(t, `"transactional_message_id" not found`, errorMessage(t, w))
}

func TestSend_Retention(t *testing.T) {
	t.Run("OKDroppedWhenDone", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", sendWith(`"disable_message_retention":true`))
		d := getDelivery(t, f, id)
		assert.Equal(t, false, d["retained"])
		assert.NotNil(t, d["content"], "kept while the message can still be shown")
		assert.Len(t, f.poll("user_123").Messages, 1)

		postEvents(t, f, "user_123", ev("e1", id, "deleted"))
		d = getDelivery(t, f, id)
		assert.Nil(t, d["content"])
		assert.Nil(t, d["message_data"])
		assert.Equal(t, "finished", d["status"])
	})

	t.Run("OKExpiredDroppedByMaintenance", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", sendWith(`"disable_message_retention":true`))
		kept := f.send("inbox_message", seedSend)
		f.clock.Add(61 * 24 * time.Hour)
		n, err := f.db.DropFinishedContent(t.Context(), f.clock.Now())
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Nil(t, getDelivery(t, f, id)["content"])
		assert.NotNil(t, getDelivery(t, f, kept)["content"], "retention is per delivery")
	})
}

func TestInbox_Expiry(t *testing.T) {
	const expiry = 60 * 24 * time.Hour // order_shipped's expires_after_days

	t.Run("OKUnmarkedExpires", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		f.clock.Add(expiry - time.Millisecond)
		msgs := f.poll("user_123").Messages
		require.Len(t, msgs, 1, "a browser may have received it: that alone does not deliver it")
		assert.Equal(t, fixtureStart.Add(expiry).UnixMilli(), msgs[0].ExpiresAtMs)

		f.clock.Add(time.Millisecond)
		assert.Empty(t, f.poll("user_123").Messages, "unmarked, it expires at its expires_at")
		d := getDelivery(t, f, id)
		assert.Equal(t, "finished", d["status"])
		assert.Equal(t, false, d["delivered"])

		resp := postEvents(t, f, "user_123", ev("late", id, "opened"))
		assert.Empty(t, resp.Acknowledged)
		assert.Equal(t, []inbox.RejectedEvent{{ID: "late", Error: server.RejectUnknownDelivery}}, resp.Rejected,
			"it is gone: a late mark does not bring it back")
		assert.Empty(t, f.poll("user_123").Messages)
	})

	for _, tt := range []struct {
		name  string
		event inbox.Event
	}{
		{"OKOpenedDelivers", inbox.Event{Type: "opened"}},
		{"OKUnopenedDelivers", inbox.Event{Type: "unopened"}},
		{"OKDeletedDelivers", inbox.Event{Type: "deleted"}},
		{"OKClickedDelivers", inbox.Event{Type: "clicked", Action: "track"}},
		{"OKDeliveredStillAccepted", inbox.Event{Type: "delivered"}}, // runtimes from before this rule
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.send("inbox_message", seedSend)
			other := f.send("inbox_message", seedSend)
			f.clock.Add(time.Hour)
			e := tt.event
			e.ID, e.DeliveryID = "mark", id
			require.Equal(t, []string{"mark"}, postEvents(t, f, "user_123", e).Acknowledged)

			d := getDelivery(t, f, id)
			assert.Equal(t, true, d["delivered"], "the page marking it delivers it")
			assert.Equal(t, false, getDelivery(t, f, other)["delivered"], "only the marked one")
			f.clock.Add(expiry)
			if e.Type == "deleted" {
				assert.Empty(t, f.poll("user_123").Messages, "deleted, and the other expired")
				assert.Equal(t, "finished", getDelivery(t, f, id)["status"])
				return
			}
			msgs := f.poll("user_123").Messages
			require.Len(t, msgs, 1, "the marked one stays past its expiry, the other is gone")
			assert.Equal(t, id, msgs[0].DeliveryID)
			assert.Zero(t, msgs[0].ExpiresAtMs, "a delivered inbox message does not expire")
			assert.Equal(t, "queued", getDelivery(t, f, id)["status"])
		})
	}

	t.Run("OKInAppNotDeliveredByMarks", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"}}`)
		postEvents(t, f, "user_123", ev("o1", id, "opened"), ev("c1", id, "clicked", "accept"))
		assert.Equal(t, false, getDelivery(t, f, id)["delivered"], "an in-app message is delivered by its claim only")
		require.Len(t, f.poll("user_123").Messages, 1)
		assert.Equal(t, []string{"claim"}, postEvents(t, f, "user_123", ev("claim", id, "delivered")).Acknowledged)
	})

	t.Run("OKRetentionDropsWhenMarkedDeleted", func(t *testing.T) {
		f := newFixture(t)
		opened := f.send("inbox_message", sendWith(`"disable_message_retention":true`))
		deleted := f.send("inbox_message", sendWith(`"disable_message_retention":true`))
		postEvents(t, f, "user_123", ev("o", opened, "opened"), ev("d", deleted, "deleted"))
		assert.NotNil(t, getDelivery(t, f, opened)["content"], "opened, it can still be shown")
		assert.Nil(t, getDelivery(t, f, deleted)["content"], "deleted, it is finished")
		f.clock.Add(expiry)
		n, err := f.db.DropFinishedContent(t.Context(), f.clock.Now())
		require.NoError(t, err)
		assert.Zero(t, n, "a delivered inbox message is not finished when its expiry passes")
		assert.NotNil(t, getDelivery(t, f, opened)["content"])
	})
}

func TestInApp_DeliveredOnce(t *testing.T) {
	f := newFixture(t)
	id := f.send("in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"}}`)
	require.Len(t, f.poll("user_123").Messages, 1, "both browsers see it queued")

	first := postEvents(t, f, "user_123", ev("laptop-1", id, "delivered"))
	assert.Equal(t, []string{"laptop-1"}, first.Acknowledged, "the first browser claims it")
	second := postEvents(t, f, "user_123", ev("phone-1", id, "delivered"))
	assert.Empty(t, second.Acknowledged)
	require.Len(t, second.Rejected, 1)
	assert.Equal(t, server.RejectAlreadyDelivered, second.Rejected[0].Error, "the second must not show it")
	assert.Equal(t, []string{"laptop-1"}, postEvents(t, f, "user_123", ev("laptop-1", id, "delivered")).Acknowledged, "a retry of the claim is still acknowledged")
	assert.Empty(t, f.poll("user_123").Messages, "no other browser gets it after the claim")
	assert.Equal(t, []string{"laptop-2"}, postEvents(t, f, "user_123", ev("laptop-2", id, "clicked", "accept")).Acknowledged, "the browser that shows it reports clicks")
}

// putTemplate creates or replaces template id and fails the test on error.
func putTemplate(tb testing.TB, f *fixture, id int, body string) {
	tb.Helper()
	w := f.app(http.MethodPut, "/v1/transactional/"+strconv.Itoa(id), body)
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
}

func TestEvents_IDsArePerPerson(t *testing.T) {
	f := newFixture(t)
	ada := f.send("inbox_message", seedSend)
	bo := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"user_456"}}`)
	assert.Equal(t, []string{"same-id"}, postEvents(t, f, "user_123", ev("same-id", ada, "opened")).Acknowledged)
	assert.Equal(t, []string{"same-id"}, postEvents(t, f, "user_456", ev("same-id", bo, "opened")).Acknowledged)
	assert.Equal(t, true, getDelivery(t, f, bo)["opened"], "another person's use of an id does not make this one a repeat")
}

func TestInApp_ClaimAfterExpiryRefused(t *testing.T) {
	f := newFixture(t)
	id := f.send("in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"}}`)
	f.clock.Add(15 * 24 * time.Hour) // welcome_offer expires after 14 days
	resp := postEvents(t, f, "user_123", ev("late", id, "delivered"))
	assert.Empty(t, resp.Acknowledged, "a claim retried after the message expired must not make it show")
	require.Len(t, resp.Rejected, 1)
	assert.Equal(t, server.RejectUnknownDelivery, resp.Rejected[0].Error)
}
