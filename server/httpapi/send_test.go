package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
)

func TestSend(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodPost, "/v1/send/inbox_message", seedSend)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		var resp map[string]any
		dec := json.NewDecoder(w.Body)
		dec.UseNumber()
		require.NoError(t, dec.Decode(&resp))
		assert.Regexp(t, `^dlv_[0-9a-f]{52}$`, resp["delivery_id"])
		assert.Equal(t, json.Number("1763798400"), resp["queued_at"], "queued_at is integer unix seconds")
		assert.Len(t, resp, 2)
	})

	t.Run("OKTemplateRefs", func(t *testing.T) {
		f := newFixture(t)
		for _, ref := range []string{`1`, `"1"`, `"ORDER_Shipped"`, `"order_shipped"`} {
			f.send("inbox_message", `{"transactional_message_id":`+ref+`,"identifiers":{"id":"u1"}}`)
		}
		f.send("in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"u1"},"message_data":null}`)
		assert.Len(t, f.poll("u1").Messages, 5)
	})

	t.Run("OKIdsSortInSendOrder", func(t *testing.T) {
		f := newFixture(t)
		var ids []string
		for range 20 {
			ids = append(ids, f.send("inbox_message", seedSend))
		}
		assert.IsNonDecreasing(t, ids)
		assert.Len(t, f.poll("user_123").Messages, 20)
	})

	t.Run("OKEmailFindsOrCreatesPerson", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"email":"ADA@example.com"}}`)
		assert.Equal(t, "user_123", getDelivery(t, f, id)["person_id"], "seeded person found by email, any case")

		id = f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"email":"new@example.com"}}`)
		assert.Equal(t, "new@example.com", getDelivery(t, f, id)["person_id"])
		msgs := f.poll("new@example.com").Messages
		require.Len(t, msgs, 1)
		assert.Equal(t, map[string]any{"email": "new@example.com"}, msgs[0].Customer)
	})

	t.Run("OKCioID", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"cio_id":"user_123"}}`)
		assert.Equal(t, "user_123", getDelivery(t, f, id)["person_id"])
	})

	t.Run("OKNumericID", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"id":42}}`)
		assert.Equal(t, "42", getDelivery(t, f, id)["person_id"])
	})
}

func TestSend_SendAtInThePastSendsNow(t *testing.T) {
	f := newFixture(t)
	w := f.app(http.MethodPost, "/v1/send/inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"send_at":1000,"queue_draft":false}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

func TestSend_Errors(t *testing.T) {
	f := newFixture(t)
	big := `{"transactional_message_id":1,"identifiers":{"id":"u"},"message_data":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`
	for _, tt := range []struct {
		name, path, body string
		status           int
		message          string
	}{
		{"ErrMalformedJSON", "inbox_message", `{"transactional_message_id":`, 400, "malformed JSON"},
		{"ErrSyntax", "inbox_message", `{"transactional_message_id" 1}`, 400, "malformed JSON: invalid character"},
		{"ErrEmptyBody", "inbox_message", ``, 400, "malformed JSON: the request body is empty"},
		{"ErrNotObject", "inbox_message", `[1]`, 400, "must be a JSON object"},
		{"ErrTrailingData", "inbox_message", seedSend + `{}`, 400, "unexpected data after"},
		{"ErrIdentifiersType", "inbox_message", `{"transactional_message_id":1,"identifiers":["u"]}`, 400, `"identifiers" must be an object, not array`},
		{"ErrTemplateNotFound", "inbox_message", `{"transactional_message_id":"nope","identifiers":{"id":"u"}}`, 400, `"transactional_message_id" not found`},
		{"ErrTemplateIDNotFound", "inbox_message", `{"transactional_message_id":999,"identifiers":{"id":"u"}}`, 400, `"transactional_message_id" not found`},
		{"ErrTemplateIDFraction", "inbox_message", `{"transactional_message_id":1.5,"identifiers":{"id":"u"}}`, 400, `"transactional_message_id" not found`},
		{"ErrTemplateIDHuge", "inbox_message", `{"transactional_message_id":99999999999999999999999,"identifiers":{"id":"u"}}`, 400, `"transactional_message_id" not found`},
		{"ErrTemplateMissing", "inbox_message", `{"identifiers":{"id":"u"}}`, 400, `"transactional_message_id" is required`},
		{"ErrTemplateType", "inbox_message", `{"transactional_message_id":true,"identifiers":{"id":"u"}}`, 400, "must be a number or a string"},
		{"ErrIdentifiersMissing", "inbox_message", `{"transactional_message_id":1}`, 400, `"identifiers" is required`},
		{"ErrIdentifiersEmpty", "inbox_message", `{"transactional_message_id":1,"identifiers":{}}`, 400, `"identifiers" is required`},
		{"ErrIdentifiersConflict", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u","email":"u@x.com"}}`, 400, "conflicting identifiers"},
		{"ErrIdentifierUnknown", "inbox_message", `{"transactional_message_id":1,"identifiers":{"phone":"1"}}`, 400, `unknown identifier "phone"`},
		{"ErrIdentifierEmpty", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":" "}}`, 400, `"identifiers.id" must not be empty`},
		{"ErrIdentifierType", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":{"a":1}}}`, 400, `"identifiers.id" must be a string`},
		{"ErrEmailNotEmail", "inbox_message", `{"transactional_message_id":1,"identifiers":{"email":"ada"}}`, 400, "not an email address"},
		{"ErrCioIDNotFound", "inbox_message", `{"transactional_message_id":1,"identifiers":{"cio_id":"ghost"}}`, 400, `"identifiers.cio_id" "ghost" not found`},
		{"ErrMessageDataNotObject", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"message_data":[1]}`, 400, `"message_data" must be an object`},
		{"ErrInAppTemplateOnInbox", "inbox_message", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"u"}}`, 400, "is an in_app template; send it with POST /v1/send/in_app"},
		{"ErrInboxTemplateOnInApp", "in_app", seedSend, 400, "is an inbox template; send it with POST /v1/send/inbox_message"},
		{"ErrTooLarge", "inbox_message", big, 413, "request body is over 2097152 bytes"},
		{"ErrSendAtTooFar", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"send_at":` + strconv.FormatInt(fixtureStart.Add(90*24*time.Hour+time.Second).Unix(), 10) + `}`, 400, `"send_at" is more than 90 days ahead`},
		{"ErrSendAtType", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"send_at":"tomorrow"}`, 400, `"send_at" must be a unix timestamp in seconds`},
		{"ErrLanguage", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"language":"<script>"}`, 400, `"language" must be a language tag`},
		{"ErrLanguageType", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"language":7}`, 400, `"language" must be a language tag`},
		{"ErrQueueDraftType", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"queue_draft":"yes"}`, 400, `"queue_draft" must be true or false`},
		{"ErrRetentionType", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"disable_message_retention":1}`, 400, `"disable_message_retention" must be true or false`},
		{"ErrSendToUnsubscribedType", "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"send_to_unsubscribed":null,"auto_create":"x"}`, 400, `"auto_create" must be true or false`},
		{"ErrAutoCreateOnInbox", "inbox_message", `{"transactional_message_id":"brand_new","identifiers":{"id":"u"},"auto_create":true}`, 400, `"auto_create" is only for in-app messages`},
		{"ErrAutoCreateNameOfInboxTemplate", "in_app", `{"transactional_message_id":"Order_Shipped","identifiers":{"id":"u"},"auto_create":true}`, 400, "is an inbox template; send it with POST /v1/send/inbox_message"},
		{"ErrAutoCreateNumericName", "in_app", `{"transactional_message_id":"4242","identifiers":{"id":"u"},"auto_create":true}`, 400, `"transactional_message_id" not found`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.app(http.MethodPost, "/v1/send/"+tt.path, tt.body)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Contains(t, errorMessage(t, w), tt.message)
		})
	}
	t.Run("NoPersonCreatedOnError", func(t *testing.T) {
		_, err := f.db.FindPerson(context.Background(), "u")
		assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err))
	})
}

func TestSend_Auth(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ name, auth, message string }{
		{"ErrMissingKey", "", "missing API key"},
		{"ErrWrongScheme", "Basic " + testKey, "missing API key"},
		{"ErrWrongKey", "Bearer nope", "wrong API key"},
		{"ErrKeyPrefix", "Bearer " + testKey[:4], "wrong API key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", tt.auth)
			require.Equal(t, http.StatusUnauthorized, w.Code)
			assert.Contains(t, errorMessage(t, w), tt.message)
		})
	}
	t.Run("ErrorTextAsWritten", func(t *testing.T) {
		w := f.do(http.MethodPost, "/v1/send/inbox_message", seedSend)
		assert.Contains(t, w.Body.String(), "Bearer <app api key>", "an error body is JSON for people, not HTML-escaped")
	})
	t.Run("OKSchemeCaseInsensitive", func(t *testing.T) {
		w := f.do(http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "bearer "+testKey)
		assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	})
	t.Run("ErrEmptyConfiguredKey", func(t *testing.T) {
		h := mustHandler(t, server.New(server.Config{}, f.db), httpapi.Config{Sites: []httpapi.Site{{ID: testSite}}})
		req := httptest.NewRequest(http.MethodPost, "/v1/send/inbox_message", strings.NewReader(seedSend))
		req.Header.Set("Authorization", "Bearer ")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})
}

func TestRoutes_Errors(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ name, method, path, allow string }{
		{"ErrSendGet", http.MethodGet, "/v1/send/inbox_message", "POST"},
		{"ErrInAppPut", http.MethodPut, "/v1/send/in_app", "POST"},
		{"ErrDeliveryPost", http.MethodPost, "/v1/deliveries/dlv_x", "GET"},
		{"ErrPersonPost", http.MethodPost, "/v1/people/u", "GET, PUT"},
		{"ErrTemplatesDelete", http.MethodDelete, "/v1/transactional", "GET, POST"},
		{"ErrTemplatePost", http.MethodPost, "/v1/transactional/1", "DELETE, GET, PUT"},
		{"ErrContentGet", http.MethodGet, "/v1/transactional/1/content/1", "PUT"},
		{"ErrDraftsPost", http.MethodPost, "/v1/drafts", "GET"},
		{"ErrDraftSendGet", http.MethodGet, "/v1/drafts/dlv_x/send", "POST"},
		{"ErrPollPost", http.MethodPost, "/v1/client/poll", "GET, OPTIONS"},
		{"ErrEventsGet", http.MethodGet, "/v1/client/events", "OPTIONS, POST"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.app(tt.method, tt.path, "")
			require.Equal(t, http.StatusMethodNotAllowed, w.Code)
			assert.Equal(t, tt.allow, w.Header().Get("Allow"))
			assert.Contains(t, errorMessage(t, w), "not allowed")
		})
	}
	t.Run("ErrUnknownRoute", func(t *testing.T) {
		w := f.app(http.MethodGet, "/v1/nope", "")
		require.Equal(t, http.StatusNotFound, w.Code)
		assert.Contains(t, errorMessage(t, w), "no such route")
	})
}

// failingStore fails every template lookup with an unexpected error; its
// other methods are never called.
type failingStore struct{ server.Store }

func (failingStore) FindTemplateByTrigger(context.Context, string) (*server.Template, error) {
	return nil, errors.New("disk on fire")
}

func TestSend_ErrInternal(t *testing.T) {
	var logs bytes.Buffer
	h := mustHandler(t, server.New(server.Config{}, failingStore{}),
		httpapi.Config{APIKeys: []string{testKey}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	req := httptest.NewRequest(http.MethodPost, "/v1/send/inbox_message", strings.NewReader(seedSend))
	req.Header.Set("Authorization", "Bearer "+testKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	require.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, "internal error", errorMessage(t, w))
	assert.Contains(t, logs.String(), "disk on fire")
}

// getDelivery returns the decoded GET /v1/deliveries/{id} answer.
func getDelivery(tb testing.TB, f *fixture, id string) map[string]any {
	tb.Helper()
	w := f.app(http.MethodGet, "/v1/deliveries/"+id, "")
	require.Equal(tb, http.StatusOK, w.Code, w.Body.String())
	var m map[string]any
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &m))
	return m
}

// fullStore refuses every new delivery for want of disk space.
type fullStore struct{ server.Store }

func (fullStore) CreateDelivery(context.Context, *server.Delivery) error {
	return server.Errorf(server.ENOSPACE, "the server's disk is full: nothing was stored; try again once it has room")
}

func TestSend_ErrDiskFull(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	h := mustHandler(t, server.New(server.Config{}, fullStore{f.db}),
		httpapi.Config{APIKeys: []string{testKey}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	req := httptest.NewRequest(http.MethodPost, "/v1/send/inbox_message", strings.NewReader(seedSend))
	req.Header.Set("Authorization", "Bearer "+testKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	require.Equal(t, http.StatusInsufficientStorage, w.Code)
	assert.Contains(t, errorMessage(t, w), "disk is full")
	assert.Contains(t, logs.String(), "disk full", "the operator hears of it")
}
