package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

// templateAnswer decodes a {"message": template} answer.
func templateAnswer(tb testing.TB, body []byte) server.Template {
	tb.Helper()
	var resp struct {
		Message server.Template `json:"message"`
	}
	require.NoError(tb, json.Unmarshal(body, &resp), string(body))
	return resp.Message
}

func TestTemplates_CRUD(t *testing.T) {
	f := newFixture(t)
	w := f.app(http.MethodPost, "/v1/transactional", `{"name":"Password changed","description":"security notice",
		"trigger_name":"password_changed","channel":"inbox","type":"security","topics":["account"],
		"content":{"title":"Your password changed","body":"Hi {{customer.first_name | default: \"there\"}}"}}`)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	created := templateAnswer(t, w.Body.Bytes())
	assert.Equal(t, 5, created.ID, "the next id after the seed's four")
	require.Len(t, created.Contents, 1)
	assert.Equal(t, 1, created.Contents[0].ID)

	w = f.app(http.MethodGet, "/v1/transactional/5", "")
	require.Equal(t, http.StatusOK, w.Code)
	got := templateAnswer(t, w.Body.Bytes())
	assert.Equal(t, "security notice", got.Description)
	assert.Equal(t, []string{"account"}, got.Topics)

	id := f.send("inbox_message", `{"transactional_message_id":"PASSWORD_CHANGED","identifiers":{"id":"user_123"}}`)
	assert.EqualValues(t, 5, getDelivery(t, f, id)["template_id"], "a created template is sendable by trigger name")

	w = f.app(http.MethodPut, "/v1/transactional/5", `{"name":"Password changed","trigger_name":"pw_changed","channel":"inbox",
		"content":{"title":"Changed"},"contents":[{"id":7,"language":"de","body":{"title":"Geändert"}}]}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	replaced := templateAnswer(t, w.Body.Bytes())
	assert.Equal(t, []server.Content{
		{ID: 1, Language: "", Body: json.RawMessage(`{"title":"Changed"}`)},
		{ID: 7, Language: "de", Body: json.RawMessage(`{"title":"Geändert"}`)},
	}, replaced.Contents, "given ids are kept; the default given as \"content\" is id 1")
	assert.Equal(t, http.StatusBadRequest, f.app(http.MethodPost, "/v1/send/inbox_message",
		`{"transactional_message_id":"password_changed","identifiers":{"id":"user_123"}}`).Code, "the old trigger name is gone")

	w = f.app(http.MethodGet, "/v1/transactional/5/contents", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `"language":"de"`)

	require.Equal(t, http.StatusNoContent, f.app(http.MethodDelete, "/v1/transactional/5", "").Code)
	assert.Equal(t, http.StatusNotFound, f.app(http.MethodGet, "/v1/transactional/5", "").Code)
	assert.Equal(t, http.StatusNotFound, f.app(http.MethodDelete, "/v1/transactional/5", "").Code)
	assert.Equal(t, "queued", getDelivery(t, f, id)["status"], "a message already sent stays when its template goes")
	assert.Len(t, f.poll("user_123").Messages, 1)
}

func TestTemplates_Errors(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		message                  string
	}{
		{"ErrLiquidSyntax", http.MethodPost, "/v1/transactional", `{"name":"n","trigger_name":"t","channel":"inbox","content":{"title":"ok","body":"line one\n{% if customer.vip %}VIP"}}`,
			400, `template "t", default content (id 1): Liquid syntax error: content field "body", line 2: unterminated "if" block`},
		{"ErrLiquidUnknownFilter", http.MethodPost, "/v1/transactional", `{"name":"n","trigger_name":"t","channel":"inbox","content":{"title":"{{ customer.name | shout }}"}}`,
			400, `undefined filter "shout"`},
		{"ErrLiquidInVariant", http.MethodPost, "/v1/transactional", `{"name":"n","trigger_name":"t","channel":"inbox","content":{"title":"ok"},"contents":[{"language":"fr","body":{"title":"{% for %}"}}]}`,
			400, `content "fr" (id 2): Liquid syntax error: content field "title", line 1`},
		{"ErrTriggerTaken", http.MethodPost, "/v1/transactional", `{"name":"n","trigger_name":"ORDER_SHIPPED","channel":"inbox","content":{}}`,
			409, `trigger_name "ORDER_SHIPPED" is already used by template 1`},
		{"ErrIDTaken", http.MethodPost, "/v1/transactional", `{"id":1,"name":"n","trigger_name":"new","channel":"inbox","content":{}}`,
			409, "template 1 already exists"},
		{"ErrNoDefault", http.MethodPost, "/v1/transactional", `{"name":"n","trigger_name":"t","channel":"inbox","contents":[{"language":"fr","body":{}}]}`,
			400, "a default content"},
		{"ErrTwoDefaults", http.MethodPost, "/v1/transactional", `{"name":"n","trigger_name":"t","channel":"inbox","content":{},"contents":[{"language":"","body":{}}]}`,
			400, "not both"},
		{"ErrDuplicateLanguage", http.MethodPost, "/v1/transactional", `{"name":"n","trigger_name":"t","channel":"inbox","content":{},"contents":[{"language":"fr","body":{}},{"language":"FR","body":{}}]}`,
			400, `language "FR" appears twice`},
		{"ErrBadLanguage", http.MethodPost, "/v1/transactional", `{"name":"n","trigger_name":"t","channel":"inbox","content":{},"contents":[{"language":"f r","body":{}}]}`,
			400, "must be a tag"},
		{"ErrChannel", http.MethodPut, "/v1/transactional/9", `{"name":"n","trigger_name":"t","channel":"email","content":{}}`,
			400, "channel must be"},
		{"ErrIDMismatch", http.MethodPut, "/v1/transactional/9", `{"id":8,"name":"n","trigger_name":"t","channel":"inbox","content":{}}`,
			400, "the body's id 8 is not the path's id 9"},
		{"ErrMalformed", http.MethodPost, "/v1/transactional", `{"name":`, 400, "malformed JSON"},
		{"ErrBadID", http.MethodGet, "/v1/transactional/abc", ``, 404, `template "abc" not found`},
		{"ErrUnknown", http.MethodGet, "/v1/transactional/99", ``, 404, "template not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.app(tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Contains(t, errorMessage(t, w), tt.message)
		})
	}
	t.Run("NothingStored", func(t *testing.T) {
		assert.Equal(t, http.StatusNotFound, f.app(http.MethodGet, "/v1/transactional/5", "").Code)
		assert.Equal(t, http.StatusNotFound, f.app(http.MethodGet, "/v1/transactional/9", "").Code)
	})
}

func TestTemplates_PutContent(t *testing.T) {
	t.Run("OKStringBodyAsInTheSeedDocs", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodPut, "/v1/transactional/1/content/1",
			`{"body":"{\"title\":\"Order {{trigger.order_id}} is on its way\",\"body\":\"Track it at {{trigger.tracking_url}}\"}"}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var resp struct {
			Content struct {
				ID         int    `json:"id"`
				TemplateID int    `json:"transactional_message_id"`
				Body       string `json:"body"`
			} `json:"content"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
		assert.Equal(t, 1, resp.Content.ID)
		assert.Equal(t, 1, resp.Content.TemplateID)
		assert.JSONEq(t, `{"title":"Order {{trigger.order_id}} is on its way","body":"Track it at {{trigger.tracking_url}}"}`, resp.Content.Body)

		f.send("inbox_message", seedSend)
		msgs := f.poll("user_123").Messages
		require.Len(t, msgs, 1)
		assert.Contains(t, string(msgs[0].Content), "is on its way", "new sends use the new content")
	})

	t.Run("OKObjectBodyKeepsSentMessages", func(t *testing.T) {
		f := newFixture(t)
		before := f.send("inbox_message", seedSend)
		w := f.app(http.MethodPut, "/v1/transactional/1/content/1", `{"body":{"title":"New"}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Contains(t, string(f.poll("user_123").Messages[0].Content), "has shipped", "a delivery keeps the content it was sent with")
		assert.Equal(t, before, f.poll("user_123").Messages[0].DeliveryID)
	})

	for _, tt := range []struct {
		name, path, body string
		status           int
		message          string
	}{
		{"ErrLiquid", "/v1/transactional/1/content/1", `{"body":{"title":"{{ trigger.x | nope }}"}}`, 400, `undefined filter "nope"`},
		{"ErrBodyMissing", "/v1/transactional/1/content/1", `{}`, 400, `"body" is required`},
		{"ErrBodyNotObject", "/v1/transactional/1/content/1", `{"body":"just text"}`, 400, `"body" is required`},
		{"ErrUnknownContent", "/v1/transactional/1/content/99", `{"body":{}}`, 404, "template 1 has no content 99"},
		{"ErrUnknownTemplate", "/v1/transactional/99/content/1", `{"body":{}}`, 404, "template 99 not found"},
		{"ErrBadContentID", "/v1/transactional/1/content/x", `{"body":{}}`, 404, `content "x" not found`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			w := f.app(http.MethodPut, tt.path, tt.body)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Contains(t, errorMessage(t, w), tt.message)
			got := templateAnswer(t, f.app(http.MethodGet, "/v1/transactional/1", "").Body.Bytes())
			assert.Contains(t, string(got.Contents[0].Body), "has shipped", "a refused update changes nothing")
		})
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixtureWith(t, func(cfg *config) { cfg.http.SendRateLimit, cfg.http.SendRateBurst = 2, 3 })
	for i := range 3 {
		require.Equal(t, http.StatusOK, f.app(http.MethodPost, "/v1/send/inbox_message", seedSend).Code, "request %d is within the burst", i)
	}
	w := f.app(http.MethodPost, "/v1/send/inbox_message", seedSend)
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Contains(t, errorMessage(t, w), "rate limit exceeded")
	assert.Equal(t, http.StatusTooManyRequests, f.app(http.MethodGet, "/v1/transactional", "").Code, "every send-side route counts")
	assert.Equal(t, http.StatusOK, f.client(http.MethodGet, "/v1/client/poll", "user_123", "").Code, "the browser side is not limited by the key")
	assert.Equal(t, http.StatusUnauthorized, f.do(http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer wrong").Code,
		"a wrong key is refused before the limit")

	f.clock.Add(500 * time.Millisecond)
	assert.Equal(t, http.StatusOK, f.app(http.MethodPost, "/v1/send/inbox_message", seedSend).Code, "one token back after 1/rate")
	assert.Equal(t, http.StatusTooManyRequests, f.app(http.MethodPost, "/v1/send/inbox_message", seedSend).Code)
	assert.Len(t, f.poll("user_123").Messages, 4, "refused sends queue nothing")
}
