package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestSignIdentityToken: a token is "v1.<exp>.<hmac>", the hmac the
// lowercase hex HMAC-SHA256 of "v1.<exp>.<user id>" with the site secret,
// so that any backend language can make one.
func TestSignIdentityToken(t *testing.T) {
	exp := time.Unix(1763803600, 0)
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte("v1.1763803600.user_123"))
	assert.Equal(t, "v1.1763803600."+hex.EncodeToString(mac.Sum(nil)), server.SignIdentityToken(testSecret, "user_123", exp))
	assert.Equal(t, "v1.0."+server.SignIdentity(testSecret, "v1.0.u"), server.SignIdentityToken(testSecret, "u", time.Unix(0, 0)))
}

// TestIdentityToken (attack: a signature leaked once works until the site
// secret is rotated for everyone): a token is accepted until its expiry by
// the server's clock, then refused with 403 and a message saying it
// expired, while the plain signature keeps working.
func TestIdentityToken(t *testing.T) {
	f := newFixtureWith(t, signed(testSecret))
	mine := f.send("inbox_message", seedSend)
	now := f.clock.Now()
	token := server.SignIdentityToken(testSecret, "user_123", now.Add(time.Hour))
	poll := func(user, sig string) *httptest.ResponseRecorder {
		return f.client(http.MethodGet, "/v1/client/poll", user, "", "X-Roost-Signature", sig)
	}

	w := poll("user_123", token)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), mine)
	assert.Equal(t, http.StatusOK, poll("user_123", hexUpper(token)).Code, "the hex may be upper case")
	posted := f.client(http.MethodPost, "/v1/client/events", "user_123", events(ev("t1", mine, "opened")), "X-Roost-Signature", token)
	require.Equal(t, http.StatusOK, posted.Code, posted.Body.String())

	exp := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	for _, tt := range []struct{ name, user, sig, message string }{
		{"ErrAnotherPersons", "user_456", token, "does not match the user id"},
		{"ErrOtherSecret", "user_123", server.SignIdentityToken("other", "user_123", now.Add(time.Hour)), "does not match the user id"},
		{"ErrExpiryChanged", "user_123", "v1." + strconv.FormatInt(now.Add(2*time.Hour).Unix(), 10) + token[len("v1.")+len(exp):], "does not match the user id"},
		{"ErrPlainSignatureAsToken", "user_123", "v1." + exp + "." + server.SignIdentity(testSecret, "user_123"), "does not match the user id"},
		{"ErrNoExpiry", "user_123", "v1." + server.SignIdentity(testSecret, "user_123"), "not an identity token"},
		{"ErrExpiryNotDecimal", "user_123", "v1.0x10." + server.SignIdentity(testSecret, "user_123"), "not an identity token"},
		{"ErrExpirySigned", "user_123", "v1.+" + exp + "." + server.SignIdentity(testSecret, "v1.+"+exp+".user_123"), "not an identity token"},
		{"ErrExpiryLeadingZero", "user_123", "v1.0" + exp + "." + server.SignIdentity(testSecret, "v1.0"+exp+".user_123"), "not an identity token"},
		{"ErrExpiryOverflows", "user_123", "v1.99999999999999999999." + server.SignIdentity(testSecret, "v1.99999999999999999999.user_123"), "not an identity token"},
		{"ErrMilliseconds", "user_123", server.SignIdentityToken(testSecret, "user_123", time.Unix(now.Add(time.Hour).UnixMilli(), 0)), "not milliseconds"},
		{"ErrTooFarAhead", "user_123", server.SignIdentityToken(testSecret, "user_123", now.Add(server.MaxIdentityTokenAhead+time.Minute)), "more than 400 days ahead"},
		{"ErrExpiredLongAgo", "user_123", server.SignIdentityToken(testSecret, "user_123", time.Unix(0, 0)), server.MsgIdentityExpired},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := poll(tt.user, tt.sig)
			require.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
			assert.Contains(t, errorMessage(t, w), tt.message)
		})
	}
	assert.Equal(t, http.StatusOK, poll("user_123", server.SignIdentityToken(testSecret, "user_123", now.Add(server.MaxIdentityTokenAhead))).Code,
		"an expiry MaxIdentityTokenAhead away is taken")

	f.clock.Add(time.Hour - time.Second)
	require.Equal(t, http.StatusOK, poll("user_123", token).Code, "a second before its expiry")
	f.clock.Add(time.Second)
	w = poll("user_123", token)
	require.Equal(t, http.StatusForbidden, w.Code, "at its expiry")
	msg := errorMessage(t, w)
	assert.True(t, strings.HasPrefix(msg, server.MsgIdentityExpired), msg)
	assert.Contains(t, msg, "ask the site's backend for a fresh one")
	posted = f.client(http.MethodPost, "/v1/client/events", "user_123", events(ev("t2", mine, "deleted")), "X-Roost-Signature", token)
	assert.Equal(t, http.StatusForbidden, posted.Code, "events too")
	assert.Equal(t, http.StatusOK, poll("user_123", server.SignIdentity(testSecret, "user_123")).Code, "the plain signature still works")
	assert.Equal(t, http.StatusOK, poll("user_123", server.SignIdentityToken(testSecret, "user_123", f.clock.Now().Add(time.Minute))).Code, "and so does a fresh token")
}
