package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
)

func TestPoll(t *testing.T) {
	t.Run("OKSeedMessage", func(t *testing.T) {
		f := newFixture(t)
		id := f.send("inbox_message", seedSend)
		queuedMs := f.clock.Now().UnixMilli()
		f.clock.Add(time.Minute)

		w := f.client(http.MethodGet, "/v1/client/poll", "user_123", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		etag := w.Header().Get("ETag")
		require.Regexp(t, `^"[0-9a-f]{32}"$`, etag)
		var resp inbox.PollResponse
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
		require.Len(t, resp.Messages, 1)
		m := resp.Messages[0]
		require.NoError(t, m.Validate())
		assert.Equal(t, id, m.DeliveryID)
		assert.Equal(t, inbox.ChannelInbox, m.Channel)
		assert.Equal(t, []string{"orders"}, m.Topics)
		assert.JSONEq(t, `{"title":"Order #{{trigger.order_id}} has shipped!",
			"body":"Hi {{customer.first_name}}, track {{trigger.product_name}} at {{trigger.tracking_url}}"}`, string(m.Content))
		assert.Equal(t, map[string]any{"order_id": "ORD-5678", "tracking_url": "https://track.example.com/5678", "product_name": "Blue Widget"}, m.Trigger)
		assert.Equal(t, map[string]any{"first_name": "Ada", "email": "ada@example.com"}, m.Customer)
		assert.Equal(t, queuedMs, m.SentAtMs)
		assert.Equal(t, queuedMs+60*24*3600*1000, m.ExpiresAtMs)
		assert.False(t, m.Opened)
		assert.Equal(t, "active", resp.Tier)
		assert.Equal(t, int64(1000), resp.NextPollMs)

		w = f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "If-None-Match", etag)
		assert.Equal(t, http.StatusNotModified, w.Code)
		assert.Empty(t, w.Body.String())
		assert.Equal(t, etag, w.Header().Get("ETag"))

		w = f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "If-None-Match", `"other", W/`+etag)
		assert.Equal(t, http.StatusNotModified, w.Code, "weak comparison in a list")

		w = f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "If-None-Match", `"stale"`)
		assert.Equal(t, http.StatusOK, w.Code)
	})

	t.Run("OKETagChangesWithAttributes", func(t *testing.T) {
		f := newFixture(t)
		f.send("inbox_message", seedSend)
		before := f.poll("user_123")
		w := f.app(http.MethodPut, "/v1/people/user_123", `{"attributes":{"first_name":"Grace"}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		after := f.poll("user_123")
		assert.NotEqual(t, before.ETag, after.ETag)
		assert.Equal(t, "Grace", after.Messages[0].Customer["first_name"])
	})

	t.Run("OKUnknownUserNotCreated", func(t *testing.T) {
		f := newFixture(t)
		a := f.poll("stranger")
		assert.Empty(t, a.Messages)
		assert.NotNil(t, a.Messages, "messages is [] not null")
		assert.Equal(t, "low", a.Tier)
		assert.Equal(t, int64(3000), a.NextPollMs)
		w := f.app(http.MethodPost, "/v1/send/inbox_message", `{"transactional_message_id":1,"identifiers":{"cio_id":"stranger"}}`)
		assert.Equal(t, http.StatusBadRequest, w.Code, "polling did not create the person")
	})

	t.Run("OKTiers", func(t *testing.T) {
		f := newFixture(t)
		assert.Equal(t, "low", f.poll("user_123").Tier, "known, never sent to")
		id := f.send("in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"}}`)
		assert.Equal(t, "active", f.poll("user_123").Tier)
		w := f.client(http.MethodPost, "/v1/client/events", "user_123", events(ev("e1", id, "delivered")))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		a := f.poll("user_123")
		assert.Empty(t, a.Messages, "a delivered in-app message is not sent again")
		assert.Equal(t, "inactive", a.Tier)
		assert.Equal(t, int64(2000), a.NextPollMs)
		f.clock.Add(31 * 24 * time.Hour)
		assert.Equal(t, "low", f.poll("user_123").Tier)
	})

	t.Run("OKExpiry", func(t *testing.T) {
		f := newFixture(t)
		f.send("in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"}}`) // 14 days
		f.send("inbox_message", seedSend)                                                                // 60 days
		f.clock.Add(14*24*time.Hour - time.Millisecond)
		assert.Len(t, f.poll("user_123").Messages, 2)
		f.clock.Add(time.Millisecond)
		msgs := f.poll("user_123").Messages
		require.Len(t, msgs, 1)
		assert.Equal(t, inbox.ChannelInbox, msgs[0].Channel)
		f.clock.Add(46 * 24 * time.Hour)
		assert.Empty(t, f.poll("user_123").Messages)
	})

	t.Run("OKOldestFirst", func(t *testing.T) {
		f := newFixture(t)
		var ids []string
		for _, s := range []struct{ channel, body string }{
			{"inbox_message", seedSend},
			{"in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"}}`},
			{"inbox_message", `{"transactional_message_id":"comment_reply","identifiers":{"id":"user_123"},"message_data":{"author_name":"Lin"}}`},
		} {
			ids = append(ids, f.send(s.channel, s.body))
			f.clock.Add(time.Second)
		}
		var got []string
		for _, m := range f.poll("user_123").Messages {
			got = append(got, m.DeliveryID)
		}
		assert.Equal(t, ids, got)
	})

	t.Run("ErrIdentity", func(t *testing.T) {
		f := newFixture(t)
		for _, tt := range []struct {
			name   string
			hdrs   []string
			status int
			msg    string
		}{
			{"ErrNoSite", []string{"X-Roost-User", "user_123"}, 401, "missing X-Roost-Site"},
			{"ErrUnknownSite", []string{"X-Roost-Site", "other", "X-Roost-User", "user_123"}, 401, `unknown site "other"`},
			{"ErrNoUser", []string{"X-Roost-Site", testSite}, 400, "missing X-Roost-User"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				w := f.do(http.MethodGet, "/v1/client/poll", "", append(tt.hdrs, "Origin", testOrigin)...)
				require.Equal(t, tt.status, w.Code)
				assert.Contains(t, errorMessage(t, w), tt.msg)
				assert.Equal(t, testOrigin, w.Header().Get("Access-Control-Allow-Origin"), "errors carry CORS headers")
			})
		}
	})
}

func TestCORS(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/v1/client/poll", "/v1/client/events"} {
		t.Run("OKPreflight"+path, func(t *testing.T) {
			w := f.do(http.MethodOptions, path, "",
				"Origin", testOrigin, "Access-Control-Request-Method", "GET",
				"Access-Control-Request-Headers", "x-roost-site, x-roost-user, if-none-match")
			require.Equal(t, http.StatusNoContent, w.Code)
			h := w.Header()
			assert.Equal(t, testOrigin, h.Get("Access-Control-Allow-Origin"))
			assert.Contains(t, h.Values("Vary"), "Origin")
			assert.Equal(t, "Content-Type, X-Roost-Site, X-Roost-User, X-Roost-Signature, If-None-Match", h.Get("Access-Control-Allow-Headers"))
			assert.Equal(t, "ETag, Retry-After, Date", h.Get("Access-Control-Expose-Headers"))
			assert.Equal(t, "86400", h.Get("Access-Control-Max-Age"))
			assert.Contains(t, h.Get("Access-Control-Allow-Methods"), "GET")
		})
	}
	t.Run("OKOnAnswers", func(t *testing.T) {
		w := f.client(http.MethodGet, "/v1/client/poll", "user_123", "")
		assert.Equal(t, testOrigin, w.Header().Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "ETag, Retry-After, Date", w.Header().Get("Access-Control-Expose-Headers"))
	})
	t.Run("NotOnSendSide", func(t *testing.T) {
		w := f.app(http.MethodPost, "/v1/send/inbox_message", seedSend)
		assert.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
	})
}
