package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server/httpapi"
)

// Promises of docs/protocol.md that no other test held: each test here
// fails when its promise is broken.

// TestPoll_IfNoneMatchStar: "If-None-Match takes ... *": a poll with
// If-None-Match: * is a 304 whatever the answer is, with its ETag, and
// still a 304 once the answer changed (a * matches any current answer).
func TestPoll_IfNoneMatchStar(t *testing.T) {
	f := newFixture(t)
	for _, user := range []string{"stranger", "user_123"} {
		w := f.client(http.MethodGet, "/v1/client/poll", user, "", "If-None-Match", "*")
		assert.Equal(t, http.StatusNotModified, w.Code, "%s: * matches the empty answer too", user)
		assert.Empty(t, w.Body.String())
		assert.Equal(t, f.poll(user).ETag, w.Header().Get("ETag"), "%s: the 304 carries the answer's ETag", user)
	}
	f.send("inbox_message", seedSend)
	w := f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "If-None-Match", "*")
	assert.Equal(t, http.StatusNotModified, w.Code, "* matches a changed answer")
	assert.Equal(t, f.poll("user_123").ETag, w.Header().Get("ETag"))

	w = f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "If-None-Match", `"stale", *`)
	assert.Equal(t, http.StatusNotModified, w.Code, "* in a list")
}

// TestPoll_CacheControl: poll answers, 200 and 304, carry
// "Cache-Control: private, no-cache": no shared cache keeps a person's
// messages, and a browser asks again every time.
func TestPoll_CacheControl(t *testing.T) {
	f := newFixture(t)
	f.send("inbox_message", seedSend)
	w := f.client(http.MethodGet, "/v1/client/poll", "user_123", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "private, no-cache", w.Header().Get("Cache-Control"), "the 200")
	w = f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "If-None-Match", w.Header().Get("ETag"))
	require.Equal(t, http.StatusNotModified, w.Code)
	assert.Equal(t, "private, no-cache", w.Header().Get("Cache-Control"), "the 304")
	w = f.client(http.MethodGet, "/v1/client/poll", "stranger", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "private, no-cache", w.Header().Get("Cache-Control"), "an unknown person's empty answer")
}

// TestRateLimit_Defaults: with no rate setting, one API key gets bursts of
// 200 requests and 100 a second on average (docs/protocol.md, Send side).
// The fixture's clock stands still, so the count is exact: 200 requests
// pass, the 201st is a 429; a second later exactly 100 more pass. Another
// key has a bucket of its own. A rate set without a burst bursts twice it.
func TestRateLimit_Defaults(t *testing.T) {
	const otherKey = "other-api-key"
	assert.Equal(t, 100, httpapi.DefaultSendRateLimit, "the documented default")
	f := newFixtureWith(t, func(cfg *config) {
		cfg.http.SendRateLimit, cfg.http.SendRateBurst = 0, 0 // the defaults
		cfg.http.APIKeys = append(cfg.http.APIKeys, otherKey)
	})
	get := func(key string) *httptest.ResponseRecorder {
		return f.do(http.MethodGet, "/v1/transactional", "", "Authorization", "Bearer "+key)
	}
	passed := func(key string, n int) int {
		for i := range n {
			if w := get(key); w.Code != http.StatusOK {
				require.Equal(t, http.StatusTooManyRequests, w.Code, w.Body.String())
				return i
			}
		}
		return n
	}
	assert.Equal(t, 200, passed(testKey, 300), "a burst of 200 at once passes, the 201st is refused")
	w := get(testKey)
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))

	assert.Equal(t, 200, passed(otherKey, 300), "another key is limited on its own")

	f.clock.Add(time.Second)
	assert.Equal(t, 100, passed(testKey, 300), "100 a second on average")
	f.clock.Add(time.Minute)
	assert.Equal(t, 200, passed(testKey, 300), "the bucket refills to the burst, no more")

	f = newFixtureWith(t, func(cfg *config) { cfg.http.SendRateLimit, cfg.http.SendRateBurst = 5, 0 })
	assert.Equal(t, 10, passed(testKey, 30), "no burst set: twice the rate")
}

// TestDrafts_Limit: GET /v1/drafts answers at most limit drafts, oldest
// first, of the person asked for or everyone's; limit defaults to 100 and
// may be at most 1000 (1001 is a 400).
func TestDrafts_Limit(t *testing.T) {
	f := newFixture(t)
	const drafts = 101
	ids := make([]string, drafts)
	for i := range ids {
		ids[i] = sendAnswer(t, f, "inbox_message", sendWith(`"queue_draft":true`))["delivery_id"].(string)
		f.clock.Add(time.Second) // oldest first is by the time queued
	}
	list := func(query string) []string {
		t.Helper()
		w := f.app(http.MethodGet, "/v1/drafts"+query, "")
		require.Equal(t, http.StatusOK, w.Code, "%s: %s", query, w.Body.String())
		var answer struct {
			Drafts []struct {
				DeliveryID string `json:"delivery_id"`
			} `json:"drafts"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &answer))
		got := make([]string, len(answer.Drafts))
		for i, d := range answer.Drafts {
			got[i] = d.DeliveryID
		}
		return got
	}
	other := sendAnswer(t, f, "inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"bo"},"queue_draft":true}`)["delivery_id"].(string)
	assert.Equal(t, ids[:3], list("?limit=3"), "a limit limits, oldest first")
	assert.Equal(t, ids[:100], list(""), "the default is 100")
	assert.Equal(t, append(ids[:drafts:drafts], other), list("?limit=1000"), "1000 is allowed")
	assert.Equal(t, ids, list("?limit="+strconv.Itoa(drafts)))
	assert.Equal(t, ids[:2], list("?person=user_123&limit=2"))
	assert.Equal(t, ids, list("?person=user_123&limit=1000"), "one person's drafts")
	assert.Equal(t, []string{other}, list("?person=bo"))

	for _, limit := range []string{"1001", "100000", "-1"} {
		w := f.app(http.MethodGet, "/v1/drafts?limit="+limit, "")
		assert.Equal(t, http.StatusBadRequest, w.Code, "limit=%s", limit)
		assert.Contains(t, errorMessage(t, w), "from 1 to 1000", "limit=%s", limit)
	}
}

// TestRateLimit_RetryAfterIsEnough: Retry-After is in whole seconds,
// rounded up: a client that waits what it says is served, at any rate.
func TestRateLimit_RetryAfterIsEnough(t *testing.T) {
	for _, rate := range []float64{0.4, 3, 100} {
		t.Run(strconv.FormatFloat(rate, 'f', -1, 64), func(t *testing.T) {
			f := newFixtureWith(t, func(cfg *config) { cfg.http.SendRateLimit, cfg.http.SendRateBurst = rate, 1 })
			for i := range 5 {
				w := f.app(http.MethodGet, "/v1/transactional", "")
				if w.Code == http.StatusOK {
					continue
				}
				require.Equal(t, http.StatusTooManyRequests, w.Code, "request %d", i)
				secs, err := strconv.Atoi(w.Header().Get("Retry-After"))
				require.NoError(t, err, "Retry-After is whole seconds: %q", w.Header().Get("Retry-After"))
				require.Positive(t, secs)
				f.clock.Add(time.Duration(secs) * time.Second)
				assert.Equal(t, http.StatusOK, f.app(http.MethodGet, "/v1/transactional", "").Code,
					"request %d, after waiting Retry-After: %d s", i, secs)
			}
		})
	}
}

// TestSend_DefaultExpiry: a template without expires_after_days makes
// messages that expire 60 days after they become visible.
func TestSend_DefaultExpiry(t *testing.T) {
	f := newFixture(t)
	putTemplate(t, f, 20, `{"name":"Plain","trigger_name":"plain","channel":"inbox","content":{"title":"hi"}}`)
	id := f.send("inbox_message", `{"transactional_message_id":"plain","identifiers":{"id":"user_123"}}`)
	const sixtyDays = 60 * 24 * 3600
	st := getDelivery(t, f, id)
	assert.EqualValues(t, fixtureStart.Unix()+sixtyDays, st["expires_at"], "60 days after send_at")
	msgs := f.poll("user_123").Messages
	require.Len(t, msgs, 1)
	assert.Equal(t, fixtureStart.Add(sixtyDays*time.Second).UnixMilli(), msgs[0].ExpiresAtMs)

	f.clock.Add(sixtyDays*time.Second - time.Second)
	assert.Len(t, f.poll("user_123").Messages, 1, "a second before it expires")
	f.clock.Add(time.Second)
	assert.Empty(t, f.poll("user_123").Messages, "expired, unmarked")
}

// TestSend_EmailFindsTheOldestPerson: identifiers.email names the oldest
// person whose email attribute matches, ignoring case, when several have it.
func TestSend_EmailFindsTheOldestPerson(t *testing.T) {
	f := newFixture(t)
	// The older person has the later id, so that id order cannot pass for age.
	for _, p := range []struct{ id, email string }{{"zed", "Shared@Example.com"}, {"amy", "shared@example.com"}} {
		w := f.app(http.MethodPut, "/v1/people/"+p.id, `{"attributes":{"email":"`+p.email+`"}}`)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		f.clock.Add(time.Minute)
	}
	id := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"email":"SHARED@example.COM"}}`)
	assert.Equal(t, "zed", getDelivery(t, f, id)["person_id"])
}

// TestPoll_MessagesInSentAtOrder: a poll lists messages in sent_at_ms
// order (when each became visible), not in the order they were sent: a
// message scheduled an hour ahead comes after one sent a minute later
// for at once.
func TestPoll_MessagesInSentAtOrder(t *testing.T) {
	f := newFixture(t)
	scheduled := f.send("inbox_message", sendWith(`"send_at":`+strconv.FormatInt(fixtureStart.Add(time.Hour).Unix(), 10)))
	f.clock.Add(time.Minute)
	now := f.send("inbox_message", seedSend)
	f.clock.Add(2 * time.Hour)
	msgs := f.poll("user_123").Messages
	require.Len(t, msgs, 2)
	assert.Equal(t, []string{now, scheduled}, []string{msgs[0].DeliveryID, msgs[1].DeliveryID})
	assert.Less(t, msgs[0].SentAtMs, msgs[1].SentAtMs)
}
