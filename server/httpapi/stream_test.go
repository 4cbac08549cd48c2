package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// streamServer serves f's handler over HTTP, for streams.
func streamServer(t *testing.T, f *fixture) *httptest.Server {
	ts := httptest.NewServer(f.h)
	t.Cleanup(func() {
		f.srv.CloseStreams() // else Close waits for the streams
		ts.Close()
	})
	return ts
}

// decodeAnswer decodes a stream's answer data.
func decodeAnswer(t *testing.T, m sseMsg) inbox.PollResponse {
	t.Helper()
	require.Equal(t, inbox.StreamAnswer, m.Event, "an answer: %+v", m)
	var a inbox.PollResponse
	require.NoError(t, json.Unmarshal([]byte(m.Data), &a), m.Data)
	return a
}

func TestStream_AnswerAtOnce(t *testing.T) {
	f := newFixture(t)
	f.send("inbox_message", seedSend)
	ts := streamServer(t, f)
	poll := f.poll("user_123")

	s := openStream(t, ts, "user_123")
	assert.Equal(t, "text/event-stream", s.resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", s.resp.Header.Get("Cache-Control"))
	assert.Equal(t, "no", s.resp.Header.Get("X-Accel-Buffering"))
	assert.Equal(t, testOrigin, s.resp.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, sseMsg{Retry: "2000"}, s.next())
	hello := s.next()
	assert.Equal(t, inbox.StreamHello, hello.Event)
	var hd inbox.StreamHelloData
	require.NoError(t, json.Unmarshal([]byte(hello.Data), &hd))
	assert.Equal(t, (15 * time.Second).Milliseconds(), hd.HeartbeatMs)
	m := s.nextEvent()
	assert.Equal(t, poll.ETag, m.ID, "the answer's id is the poll's ETag")
	assert.Equal(t, poll.PollResponse, decodeAnswer(t, m))
	assert.Equal(t, uint64(1), f.srv.Stats().StreamsOpen)
}

func TestStream_UnchangedWithLastEventID(t *testing.T) {
	f := newFixture(t)
	f.send("inbox_message", seedSend)
	ts := streamServer(t, f)
	etag := f.poll("user_123").ETag

	m := openStream(t, ts, "user_123", "Last-Event-ID", etag).opening()
	assert.Equal(t, sseMsg{Event: inbox.StreamUnchanged, ID: etag, Data: "{}"}, m)
	m = openStream(t, ts, "user_123", "Last-Event-ID", `"stale"`).opening()
	assert.Equal(t, etag, m.ID, "another ETag gets the answer")
}

// TestStream_Pushes: a send, a mark and a person update each push the new
// answer; with and without the poll cache.
func TestStream_Pushes(t *testing.T) {
	for _, cache := range []int{0, -1} {
		t.Run("cache"+strconv.Itoa(cache), func(t *testing.T) {
			f := newFixtureWith(t, func(cfg *config) { cfg.PollCacheBytes = cache })
			ts := streamServer(t, f)
			s := openStream(t, ts, "user_123")
			assert.Empty(t, decodeAnswer(t, s.opening()).Messages)

			id := f.send("inbox_message", seedSend)
			m := s.nextEvent()
			a := decodeAnswer(t, m)
			require.Len(t, a.Messages, 1, "the send is pushed")
			assert.Equal(t, id, a.Messages[0].DeliveryID)
			assert.Equal(t, f.poll("user_123").ETag, m.ID)

			postEvents(t, f, "user_123", ev("e1", id, "opened"))
			a = decodeAnswer(t, s.nextEvent())
			require.Len(t, a.Messages, 1)
			assert.True(t, a.Messages[0].Opened, "the mark is pushed")

			w := f.app(http.MethodPut, "/v1/people/user_123", `{"attributes":{"first_name":"Grace"}}`)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			a = decodeAnswer(t, s.nextEvent())
			require.Len(t, a.Messages, 1)
			assert.Equal(t, "Grace", a.Messages[0].Customer["first_name"], "the person's update is pushed")
			assert.GreaterOrEqual(t, f.srv.Stats().StreamAnswers, uint64(4))
		})
	}
}

// TestStream_ScheduledFallsDue: the stream checks again when the answer's
// time runs out, and pushes the message that fell due.
func TestStream_ScheduledFallsDue(t *testing.T) {
	f := newFixture(t)
	ts := streamServer(t, f)
	f.clock.Add(900 * time.Millisecond)
	at := fixtureStart.Add(time.Second).Unix() // 100 ms ahead
	f.send("inbox_message", sendWith(`"send_at":`+strconv.FormatInt(at, 10)))
	s := openStream(t, ts, "user_123")
	assert.Empty(t, decodeAnswer(t, s.opening()).Messages)
	f.clock.Add(200 * time.Millisecond)
	a := decodeAnswer(t, s.nextEvent())
	assert.Len(t, a.Messages, 1, "the scheduled message is pushed when it falls due")
}

func TestStream_Heartbeat(t *testing.T) {
	f := newFixtureWith(t, func(cfg *config) { cfg.http.StreamHeartbeat = 20 * time.Millisecond })
	ts := streamServer(t, f)
	s := openStream(t, ts, "user_123")
	require.Equal(t, sseMsg{Retry: "2000"}, s.next())
	assert.Equal(t, sseMsg{Event: inbox.StreamHello, Data: `{"heartbeat_ms":20}`}, s.next())
	s.nextEvent()
	for range 3 {
		assert.Equal(t, sseMsg{Comment: "ping"}, s.next())
	}
}

// TestStream_Ends: at its max age, at the identity token's expiry, and at
// CloseStreams (shutdown).
func TestStream_Ends(t *testing.T) {
	t.Run("MaxAge", func(t *testing.T) {
		f := newFixtureWith(t, func(cfg *config) { cfg.http.StreamMaxAge = 50 * time.Millisecond })
		s := openStream(t, streamServer(t, f), "user_123")
		assert.True(t, s.ended())
		assert.Equal(t, uint64(0), waitOpen(t, f, 0))
	})
	t.Run("TokenExpiry", func(t *testing.T) {
		f := newFixtureWith(t, signed("secret"))
		ts := streamServer(t, f)
		f.clock.Add(900 * time.Millisecond)
		token := server.SignIdentityToken("secret", "user_123", fixtureStart.Add(time.Second)) // 100 ms left
		s := openStream(t, ts, "user_123", "X-Roost-Signature", token)
		s.opening()
		assert.True(t, s.ended())
	})
	t.Run("Shutdown", func(t *testing.T) {
		f := newFixture(t)
		ts := streamServer(t, f)
		s := openStream(t, ts, "user_123")
		s.opening()
		f.srv.CloseStreams()
		assert.True(t, s.ended())
		_, resp, body := startStream(t, ts.URL+inbox.PathStream, "X-Roost-Site", testSite, "X-Roost-User", "user_123")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no new stream while shutting down: %s", body)
	})
}

// waitOpen waits until f's server holds n streams, and returns how many it holds.
func waitOpen(t *testing.T, f *fixture, n uint64) uint64 {
	assert.Eventually(t, func() bool { return f.srv.Stats().StreamsOpen == n }, streamWait, time.Millisecond)
	return f.srv.Stats().StreamsOpen
}

// TestStream_Caps: streams over the person's cap are 429, over the
// process's 503, both with Retry-After 60; streaming off is 204 with
// Retry-After 3600. Each is counted.
func TestStream_Caps(t *testing.T) {
	var logged bytes.Buffer
	f := newFixtureWith(t, func(cfg *config) {
		cfg.StreamMax, cfg.StreamMaxPerPerson = 3, 2
		cfg.http.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	})
	ts := streamServer(t, f)
	defer func() {
		assert.NotContains(t, logged.String(), "database", "a refused stream is not a database that cannot be reached")
	}()
	a := openStream(t, ts, "user_123")
	openStream(t, ts, "user_123")
	_, resp, body := startStream(t, ts.URL+inbox.PathStream, "X-Roost-Site", testSite, "X-Roost-User", "user_123")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "60", resp.Header.Get("Retry-After"))
	assert.Contains(t, body, "-stream-max-per-person")

	openStream(t, ts, "ada")
	_, resp, body = startStream(t, ts.URL+inbox.PathStream, "X-Roost-Site", testSite, "X-Roost-User", "grace")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "60", resp.Header.Get("Retry-After"))
	assert.Contains(t, body, "-stream-max")

	a.close()
	waitOpen(t, f, 2)
	openStream(t, ts, "grace").opening()
	st := f.srv.Stats()
	assert.Equal(t, [2]uint64{1, 1}, [2]uint64{st.StreamsRefusedPerson, st.StreamsRefusedProcess})

	off := newFixtureWith(t, func(cfg *config) { cfg.NoStreams = true })
	_, resp, body = startStream(t, streamServer(t, off).URL+inbox.PathStream, "X-Roost-Site", testSite, "X-Roost-User", "user_123")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "3600", resp.Header.Get("Retry-After"))
	assert.Empty(t, body)
	assert.Equal(t, uint64(1), off.srv.Stats().StreamsRefusedOff)
}

// TestStream_Refusals: the poll's refusals, as JSON errors, before the stream opens.
func TestStream_Refusals(t *testing.T) {
	f := newFixtureWith(t, signed("secret"))
	ts := streamServer(t, f)
	sig := server.SignIdentity("secret", "user_123")
	for _, tt := range []struct {
		name    string
		status  int
		headers []string
	}{
		{"NoSite", http.StatusUnauthorized, []string{"X-Roost-User", "user_123", "X-Roost-Signature", sig}},
		{"NoUser", http.StatusBadRequest, []string{"X-Roost-Site", testSite, "X-Roost-Signature", sig}},
		{"NoSignature", http.StatusUnauthorized, []string{"X-Roost-Site", testSite, "X-Roost-User", "user_123"}},
		{"WrongSignature", http.StatusForbidden, []string{"X-Roost-Site", testSite, "X-Roost-User", "ada", "X-Roost-Signature", sig}},
		{"Origin", http.StatusForbidden, []string{"X-Roost-Site", testSite, "X-Roost-User", "user_123", "X-Roost-Signature", sig, "Origin", "https://evil.example"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, body := startStream(t, ts.URL+inbox.PathStream, tt.headers...)
			assert.Equal(t, tt.status, resp.StatusCode, body)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Contains(t, body, `{"meta":{"error":`)
		})
	}
	assert.Equal(t, uint64(0), f.srv.Stats().StreamsOpen)
}

// TestStream_Query: identity from the query when headers are missing;
// headers win.
func TestStream_Query(t *testing.T) {
	f := newFixtureWith(t, signed("secret"))
	f.send("inbox_message", seedSend)
	ts := streamServer(t, f)
	q := url.Values{"site": {testSite}, "user": {"user_123"}, "signature": {server.SignIdentity("secret", "user_123")}}
	s, resp, body := startStream(t, ts.URL+inbox.PathStream+"?"+q.Encode())
	require.NotNil(t, s, "%d: %s", resp.StatusCode, body)
	assert.Len(t, decodeAnswer(t, s.opening()).Messages, 1)

	// The headers name ada, with her signature: the stream is hers.
	s, resp, body = startStream(t, ts.URL+inbox.PathStream+"?"+q.Encode(),
		"X-Roost-User", "ada", "X-Roost-Signature", server.SignIdentity("secret", "ada"))
	require.NotNil(t, s, "%d: %s", resp.StatusCode, body)
	assert.Empty(t, decodeAnswer(t, s.opening()).Messages, "the headers win")

	q.Set("signature", "bad")
	_, resp, _ = startStream(t, ts.URL+inbox.PathStream+"?"+q.Encode())
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestStream_Preflight(t *testing.T) {
	f := newFixture(t)
	w := f.do(http.MethodOptions, inbox.PathStream, "", "Origin", testOrigin, "Access-Control-Request-Headers", "last-event-id")
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Contains(t, w.Header().Get("Access-Control-Allow-Headers"), "Last-Event-ID")
	assert.Contains(t, w.Header().Get("Access-Control-Allow-Headers"), "X-Roost-Signature")
	assert.Equal(t, testOrigin, w.Header().Get("Access-Control-Allow-Origin"))
}

// TestStream_Many: a few hundred streams, each pushed its person's send.
func TestStream_Many(t *testing.T) {
	const people, each = 100, 3
	f := newFixture(t)
	ts := streamServer(t, f)
	streams := make([][]*testStream, people)
	for p := range people {
		for range each {
			s := openStream(t, ts, "person_"+strconv.Itoa(p))
			assert.Empty(t, decodeAnswer(t, s.opening()).Messages)
			streams[p] = append(streams[p], s)
		}
	}
	for p := range people {
		f.send("inbox_message", `{"transactional_message_id":"order_shipped","identifiers":{"id":"person_`+strconv.Itoa(p)+`"},"message_data":{"order_id":"O"}}`)
	}
	for p := range people {
		for _, s := range streams[p] {
			assert.Len(t, decodeAnswer(t, s.nextEvent()).Messages, 1)
		}
	}
}
