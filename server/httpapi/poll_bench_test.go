package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchPollFixture returns a seeded server where user_123 has ten queued
// messages, and the ETag of user_123's poll.
func benchPollFixture(b *testing.B) (*fixture, string) {
	f := newFixture(b)
	for range 10 {
		f.send("inbox_message", seedSend)
	}
	return f, f.poll("user_123").ETag
}

// benchPoll serves user_123's poll b.N times in one goroutine, with the
// If-None-Match etag ("" for none), and fails on another status than want.
func benchPoll(b *testing.B, f *fixture, etag string, want int) {
	req := httptest.NewRequest(http.MethodGet, "/v1/client/poll", nil)
	req.Header.Set("X-Roost-Site", testSite)
	req.Header.Set("X-Roost-User", "user_123")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, req)
		if w.Code != want {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// BenchmarkPoll304 is the server's work for a poll answered 304 (no
// network): from the poll cache, without reading the store.
func BenchmarkPoll304(b *testing.B) {
	f, etag := benchPollFixture(b)
	benchPoll(b, f, etag, http.StatusNotModified)
}

// BenchmarkPoll200 is the server's work for a poll answered 200 with ten
// messages (no network), from the poll cache.
func BenchmarkPoll200(b *testing.B) {
	f, _ := benchPollFixture(b)
	benchPoll(b, f, "", http.StatusOK)
}

// BenchmarkPollUncached is the server's work for a poll answered 200 with
// ten messages (no network) with the poll cache off: it reads the queue
// from the store, marshals it and hashes it, as a poll whose answer is
// not cached does.
func BenchmarkPollUncached(b *testing.B) {
	f := newFixtureWith(b, func(cfg *config) { cfg.PollCacheBytes = -1 })
	for range 10 {
		f.send("inbox_message", seedSend)
	}
	benchPoll(b, f, "", http.StatusOK)
}
