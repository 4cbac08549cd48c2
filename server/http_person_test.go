package server_test

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
		assert.JSONEq(t, `{"id":"user_123","attributes":{"first_name":"Ada","last_name":"Lovelace","plan":{"tier":"pro"},"visits":12345678901234567890}}`, w.Body.String(),
			"merged; null removes; big numbers kept exactly")
	})

	t.Run("OKCreates", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodPut, "/v1/people/new%2Fone", `{"attributes":{"email":"N@example.com"}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.JSONEq(t, `{"id":"new/one","attributes":{"email":"N@example.com"}}`, w.Body.String())
		id := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"email":"n@example.com"}}`)
		assert.Equal(t, "new/one", getDelivery(t, f, id)["person_id"], "email index follows attributes")
	})

	for _, tt := range []struct{ name, body, msg string }{
		{"ErrNoAttributes", `{}`, `"attributes" is required and must be an object`},
		{"ErrAttributesNotObject", `{"attributes":[1]}`, `"attributes" is required and must be an object`},
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
}

func TestGetDelivery(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		w := f.app(http.MethodGet, "/v1/deliveries/"+id, "")
		require.Equal(t, http.StatusOK, w.Code)
		assert.JSONEq(t, `{"delivery_id":"`+id+`","person_id":"user_123","channel":"inbox","template_id":1,
			"queued_at":1763798400,"expires_at":1768982400,"opened":false,"opened_at":null,
			"delivered":false,"deleted":false,"dismissed":false,"clicks":[]}`, w.Body.String())
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
