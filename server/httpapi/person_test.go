package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPutPerson(t *testing.T) {
	t.Run("OKMerge", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodPut, "/v1/people/user_123", `{"attributes":{"last_name":"Lovelace","email":null,"plan":{"tier":"pro"},"visits":12345678901234567890}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.JSONEq(t, `{"id":"user_123","unsubscribed":false,"attributes":{"first_name":"Ada","last_name":"Lovelace","plan":{"tier":"pro"},"visits":12345678901234567890}}`, w.Body.String(),
			"merged; null removes; big numbers kept exactly")
	})

	t.Run("OKCreates", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodPut, "/v1/people/new%2Fone", `{"attributes":{"email":"N@example.com"}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.JSONEq(t, `{"id":"new/one","unsubscribed":false,"attributes":{"email":"N@example.com"}}`, w.Body.String())
		id := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"email":"n@example.com"}}`)
		assert.Equal(t, "new/one", getDelivery(t, f, id)["person_id"], "email index follows attributes")
	})

	for _, tt := range []struct{ name, body, msg string }{
		{"ErrNoAttributes", `{}`, `nothing to set: send "attributes" (an object) or "unsubscribed"`},
		{"ErrAttributesNotObject", `{"attributes":[1]}`, `"attributes" must be an object`},
		{"ErrUnsubscribedType", `{"unsubscribed":"yes"}`, `"unsubscribed" must be true or false`},
		{"ErrUnsubscribedAttributeType", `{"attributes":{"unsubscribed":1}}`, `the "unsubscribed" attribute must be true or false`},
		{"ErrMalformed", `{"attributes":`, "malformed JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			w := f.app(http.MethodPut, "/v1/people/user_123", tt.body)
			require.Equal(t, http.StatusBadRequest, w.Code)
			assert.Contains(t, errorMessage(t, w), tt.msg)
		})
	}

	t.Run("ErrUnauthorized", func(t *testing.T) {
		f := newFixture(t)
		w := f.do(http.MethodPut, "/v1/people/user_123", `{"attributes":{}}`)
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})

	t.Run("OKUnsubscribeAndGet", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodPut, "/v1/people/user_123", `{"unsubscribed":true}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		w = f.app(http.MethodGet, "/v1/people/user_123", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.JSONEq(t, `{"id":"user_123","unsubscribed":true,"attributes":{"first_name":"Ada","email":"ada@example.com","unsubscribed":true}}`, w.Body.String())
		w = f.app(http.MethodPut, "/v1/people/user_123", `{"attributes":{"unsubscribed":null}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Contains(t, w.Body.String(), `"unsubscribed":false`, "null removes the flag")
	})

	t.Run("ErrGetUnknown", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodGet, "/v1/people/nobody", "")
		assert.Equal(t, http.StatusNotFound, w.Code)
	})
}

func TestGetDelivery(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		w := f.app(http.MethodGet, "/v1/deliveries/"+id, "")
		require.Equal(t, http.StatusOK, w.Code)
		assert.JSONEq(t, `{"delivery_id":"`+id+`","person_id":"user_123","channel":"inbox","template_id":1,
			"content_id":1,"language":"","status":"queued",
			"queued_at":1763798400,"send_at":1763798400,"expires_at":1768982400,"opened":false,"opened_at":null,
			"delivered":false,"deleted":false,"dismissed":false,"clicks":[],"retained":true,
			"content":{"title":"Order #{{trigger.order_id}} has shipped!","body":"Hi {{customer.first_name}}, track {{trigger.product_name}} at {{trigger.tracking_url}}"},
			"message_data":{"order_id":"ORD-5678","tracking_url":"https://track.example.com/5678","product_name":"Blue Widget"}}`, w.Body.String())
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodGet, "/v1/deliveries/dlv_nope", "")
		require.Equal(t, http.StatusNotFound, w.Code)
		assert.Equal(t, `delivery "dlv_nope" not found`, errorMessage(t, w))
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		f := newFixture(t)
		w := f.do(http.MethodGet, "/v1/deliveries/dlv_nope", "")
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})
}
