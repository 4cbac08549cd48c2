package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

const testSecret = "site-secret-for-tests"

func TestSignIdentity(t *testing.T) {
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte("user_123"))
	assert.Equal(t, hex.EncodeToString(mac.Sum(nil)), server.SignIdentity(testSecret, "user_123"),
		"any backend language can sign: plain HMAC-SHA256 in lowercase hex")
}

func TestSignedIdentity(t *testing.T) {
	f := newFixtureWith(t, signed(testSecret))
	mine := f.send("inbox_message", seedSend)
	theirs := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"user_456"}}`)
	adaSig := server.SignIdentity(testSecret, "user_123")

	t.Run("OKOwnQueue", func(t *testing.T) {
		w := f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "X-Roost-Signature", adaSig)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Contains(t, w.Body.String(), mine)
		assert.NotContains(t, w.Body.String(), theirs)
	})

	t.Run("OKUppercaseHex", func(t *testing.T) {
		w := f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "X-Roost-Signature", "  "+hexUpper(adaSig)+" ")
		assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	})

	for _, tt := range []struct {
		name, method, path, user, sig, body string
		status                              int
		message                             string
	}{
		{"ErrMissingSignature", http.MethodGet, "/v1/client/poll", "user_123", "", "", 401, "missing X-Roost-Signature"},
		{"ErrAnotherPersonsQueue", http.MethodGet, "/v1/client/poll", "user_456", adaSig, "", 403, "does not match the user id"},
		{"ErrAnotherPersonsEvents", http.MethodPost, "/v1/client/events", "user_456", adaSig, events(ev("x1", theirs, "deleted")), 403, "does not match"},
		{"ErrNotHex", http.MethodGet, "/v1/client/poll", "user_123", "zz", "", 403, "not a hex HMAC-SHA256"},
		{"ErrTruncated", http.MethodGet, "/v1/client/poll", "user_123", adaSig[:32], "", 403, "does not match"},
		{"ErrOtherSecret", http.MethodGet, "/v1/client/poll", "user_123", server.SignIdentity("other", "user_123"), "", 403, "does not match"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.sig != "" {
				headers = []string{"X-Roost-Signature", tt.sig}
			}
			w := f.client(tt.method, tt.path, tt.user, tt.body, headers...)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Contains(t, errorMessage(t, w), tt.message)
			assert.Equal(t, testOrigin, w.Header().Get("Access-Control-Allow-Origin"), "a refusal still carries CORS headers, so the page can read it")
		})
	}

	t.Run("RefusedEventChangedNothing", func(t *testing.T) {
		w := f.client(http.MethodGet, "/v1/client/poll", "user_456", "", "X-Roost-Signature", server.SignIdentity(testSecret, "user_456"))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), theirs, "user_456's message was not deleted by the refused request")
	})

	t.Run("OKPreflightNeedsNoSignature", func(t *testing.T) {
		w := f.do(http.MethodOptions, "/v1/client/poll", "", "Origin", testOrigin, "Access-Control-Request-Headers", "x-roost-signature")
		assert.Equal(t, http.StatusNoContent, w.Code)
		assert.Contains(t, w.Header().Get("Access-Control-Allow-Headers"), "X-Roost-Signature")
	})

	t.Run("OKEventsWithSignature", func(t *testing.T) {
		resp := f.client(http.MethodPost, "/v1/client/events", "user_123", events(inbox.Event{ID: "s1", DeliveryID: mine, Type: "opened"}), "X-Roost-Signature", adaSig)
		require.Equal(t, http.StatusOK, resp.Code, resp.Body.String())
		assert.Contains(t, resp.Body.String(), `"acknowledged":["s1"]`)
	})
}

// hexUpper returns s with its hex letters upper-cased.
func hexUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
