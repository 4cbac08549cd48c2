package service_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/service"
)

// serviceStream is an open stream of a testService: its lines, read in
// the background (closed at its end).
type serviceStream struct {
	resp  *http.Response
	lines chan string
	stop  context.CancelFunc
}

// openStream opens user's stream with the identity in the query, and
// fails the test unless it is 200.
func (ts *testService) openStream(user string) *serviceStream {
	ts.t.Helper()
	q := url.Values{"site": {testSite}, "user": {user}, "signature": {server.SignIdentity(testSecret, user)}}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.base+inbox.PathStream+"?"+q.Encode(), nil)
	require.NoError(ts.t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(ts.t, err)
	require.Equal(ts.t, http.StatusOK, resp.StatusCode)
	s := &serviceStream{resp: resp, lines: make(chan string, 64), stop: cancel}
	ts.t.Cleanup(s.close)
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// close ends the stream from the client's side.
func (s *serviceStream) close() {
	s.stop()
	s.resp.Body.Close()
}

// waitLine returns the first line starting with prefix, or fails the test
// when the stream ends or within 10 s.
func (s *serviceStream) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			require.True(t, ok, "the stream ended before a line starting %q", prefix)
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			require.FailNow(t, "no line starting "+prefix)
		}
	}
}

// ends reports whether the stream ends within d.
func (s *serviceStream) ends(d time.Duration) bool {
	timeout := time.After(d)
	for {
		select {
		case _, ok := <-s.lines:
			if !ok {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// TestStream_OutlivesWriteTimeout: a stream goes on past -write-timeout
// (each write has its own deadline, and the request no timeout), and a
// send is pushed to it.
func TestStream_OutlivesWriteTimeout(t *testing.T) {
	ts := startService(t, func(cfg *service.Config) {
		cfg.WriteTimeout, cfg.StreamHeartbeat = 300*time.Millisecond, time.Second
	})
	s := ts.openStream(testUser)
	s.waitLine(t, "event: "+inbox.StreamAnswer)
	assert.Equal(t, ": ping", s.waitLine(t, ":"), "a heartbeat after the write timeout")
	status, id := ts.send("inbox_message", seedSend)
	require.Equal(t, http.StatusOK, status)
	s.waitLine(t, "event: "+inbox.StreamAnswer)
	assert.Contains(t, s.waitLine(t, "data: "), id)
}

// TestStream_ShutdownIsPrompt: a shutdown ends open streams at once, not
// after -shutdown-timeout, and Run returns only once no stream is open
// (each stream, served on the connection it took over, has closed it).
func TestStream_ShutdownIsPrompt(t *testing.T) {
	ts := startService(t, func(cfg *service.Config) { cfg.ShutdownTimeout = 30 * time.Second })
	streams := []*serviceStream{ts.openStream(testUser), ts.openStream("ada")}
	for _, s := range streams {
		s.waitLine(t, "event: "+inbox.StreamAnswer)
	}
	require.Equal(t, 2, ts.svc.Server().StreamsOpen())
	start := time.Now()
	require.NoError(t, ts.stop())
	assert.Less(t, time.Since(start), 5*time.Second, "the shutdown did not wait for the streams")
	assert.Equal(t, 0, ts.svc.Server().StreamsOpen(), "Run returned with no stream open")
	for _, s := range streams {
		assert.True(t, s.ends(time.Second))
	}
}

// TestStream_Logged: the request log names the route, never the query
// string that carries the signature; a stream that took its connection
// over is logged as it opens (hijacked=true), while it is still open.
func TestStream_Logged(t *testing.T) {
	ts := startService(t, nil)
	s := ts.openStream(testUser)
	s.waitLine(t, "event: "+inbox.StreamAnswer)
	require.Eventually(t, func() bool { return strings.Contains(ts.logs.String(), "route="+inbox.PathStream) },
		10*time.Second, 5*time.Millisecond, "the stream's request is logged as it opens")
	logs := ts.logs.String()
	assert.Contains(t, logs, "route="+inbox.PathStream+" status=200 bytes=0")
	assert.Contains(t, logs, "hijacked=true")
	assert.NotContains(t, logs, server.SignIdentity(testSecret, testUser))
	assert.NotContains(t, logs, "signature=")
	assert.NotContains(t, logs, "?")
	assert.Equal(t, 1, ts.svc.Server().StreamsOpen(), "the stream is still open")
}

// TestStream_Metrics: open streams, refusals and answers are counted.
func TestStream_Metrics(t *testing.T) {
	ts := startService(t, func(cfg *service.Config) { cfg.StreamMaxPerPerson = 1 })
	s := ts.openStream(testUser)
	s.waitLine(t, "event: "+inbox.StreamAnswer)
	status, _, h := ts.do(http.MethodGet, ts.base+inbox.PathStream, "", "X-Roost-Site", testSite,
		"X-Roost-User", testUser, "X-Roost-Signature", server.SignIdentity(testSecret, testUser))
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Equal(t, "60", h.Get("Retry-After"))
	m := ts.scrape(ts.base + "/metrics")
	assert.Equal(t, 1.0, m["roost_streams_open"])
	assert.Equal(t, 1.0, m["roost_http_requests_in_flight"], "the scrape only: the stream took its connection over")
	assert.Equal(t, 1.0, m[`roost_http_requests_total{method="GET",route="/v1/client/stream",status="200"}`], "counted as it opened")
	assert.Equal(t, 1.0, m[`roost_streams_refused_total{reason="person"}`])
	assert.Equal(t, 0.0, m[`roost_streams_refused_total{reason="process"}`])
	assert.Equal(t, 0.0, m[`roost_streams_refused_total{reason="off"}`])
	assert.Equal(t, 1.0, m["roost_stream_answers_total"])

	off := startService(t, func(cfg *service.Config) { cfg.NoStreams = true })
	status, body, h := off.do(http.MethodGet, off.base+inbox.PathStream, "", "X-Roost-Site", testSite,
		"X-Roost-User", testUser, "X-Roost-Signature", server.SignIdentity(testSecret, testUser))
	assert.Equal(t, http.StatusNoContent, status)
	assert.Empty(t, body)
	assert.Equal(t, "3600", h.Get("Retry-After"))
	assert.Equal(t, 1.0, off.scrape(off.base + "/metrics")[`roost_streams_refused_total{reason="off"}`])
}
