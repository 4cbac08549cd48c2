package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSend_ClientLibraryBodies sends the bodies the seed API's client
// libraries build (field names, value types and extra keys as they write
// them) and decodes the answer the way they do.
func TestSend_ClientLibraryBodies(t *testing.T) {
	later := strconv.FormatInt(fixtureStart.Add(2*time.Hour).Unix(), 10)
	for _, tt := range []struct{ name, channel, body string }{
		// Go (SendInAppRequest / SendInboxMessageRequest): string ids,
		// string-only identifiers, optional pointers set to false.
		{"GoInApp", "in_app", `{"message_data":{"code":"123"},"transactional_message_id":"3","identifiers":{"id":"user_123"},"disable_message_retention":false,"queue_draft":false,"language":"en"}`},
		{"GoInboxScheduled", "inbox_message", `{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},"send_at":` + later + `}`},
		// Node: numeric ids and template ids, and keys left over from the
		// email request (headers, attachments) that Roost ignores.
		{"NodeNumericID", "inbox_message", `{"identifiers":{"id":42},"attachments":{},"message_data":{"order_id":"A1"},"headers":{},"transactional_message_id":1}`},
		// Python / Ruby: email identifiers, send_to_unsubscribed, nulls for unset options.
		{"PythonEmail", "inbox_message", `{"transactional_message_id":"Comment_Reply","identifiers":{"email":"ada@example.com"},"message_data":{"author_name":"Bo"},"send_to_unsubscribed":true,"send_at":null,"language":null}`},
		{"RubyAutoCreate", "in_app", `{"transactional_message_id":"flash_sale","identifiers":{"id":"user_123"},"auto_create":true,"message_data":{}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			w := f.app(http.MethodPost, "/v1/send/"+tt.channel, tt.body)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			var resp struct {
				DeliveryID string `json:"delivery_id"`
				QueuedAt   int64  `json:"queued_at"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp), "queued_at decodes as an integer")
			assert.NotEmpty(t, resp.DeliveryID)
			assert.Equal(t, fixtureStart.Unix(), resp.QueuedAt)
		})
	}
}
