package httpapi_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
)

// sseMsg is one thing a stream sent: an event (with its fields), a
// comment (Comment set) or the retry field (Retry set).
type sseMsg struct {
	Event, ID, Data string
	Comment, Retry  string
}

// testStream is an open stream, read in the background.
type testStream struct {
	tb   testing.TB
	resp *http.Response
	msgs chan sseMsg // closed at the end of the stream
	stop context.CancelFunc
}

// streamWait bounds every wait for a stream's next message.
const streamWait = 10 * time.Second

// startStream sends GET url (the stream's, with any query) with headers
// (alternating name, value) and returns the answer: a testStream when it
// is 200, else the response with its body read.
func startStream(tb testing.TB, url string, headers ...string) (*testStream, *http.Response, string) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(tb, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, resp, string(b)
	}
	s := &testStream{tb: tb, resp: resp, msgs: make(chan sseMsg, 64), stop: cancel}
	tb.Cleanup(s.close)
	go s.read()
	return s, resp, ""
}

// openStream opens user's stream on ts as a page of testOrigin, and fails
// the test unless it is 200.
func openStream(tb testing.TB, ts *httptest.Server, user string, headers ...string) *testStream {
	tb.Helper()
	s, resp, body := startStream(tb, ts.URL+inbox.PathStream,
		append([]string{"X-Roost-Site", testSite, "X-Roost-User", user, "Origin", testOrigin}, headers...)...)
	require.NotNil(tb, s, "status %d: %s", resp.StatusCode, body)
	return s
}

// read parses the stream into s.msgs until it ends.
func (s *testStream) read() {
	defer close(s.msgs)
	r := bufio.NewReader(s.resp.Body)
	var m sseMsg
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if m != (sseMsg{}) {
				s.msgs <- m
			}
			m = sseMsg{}
		case strings.HasPrefix(line, ":"):
			s.msgs <- sseMsg{Comment: strings.TrimSpace(line[1:])}
		default:
			name, value, _ := strings.Cut(line, ": ")
			switch name {
			case "event":
				m.Event = value
			case "id":
				m.ID = value
			case "data":
				m.Data = value
			case "retry":
				m.Retry = value
			}
		}
	}
}

// close ends the stream from the client's side.
func (s *testStream) close() {
	s.stop()
	s.resp.Body.Close()
}

// next returns the stream's next message, failing the test if none comes
// within streamWait or the stream ended.
func (s *testStream) next() sseMsg {
	s.tb.Helper()
	select {
	case m, ok := <-s.msgs:
		require.True(s.tb, ok, "the stream ended")
		return m
	case <-time.After(streamWait):
		require.FailNow(s.tb, "no message from the stream in time")
	}
	return sseMsg{}
}

// nextEvent returns the next event, skipping heartbeats.
func (s *testStream) nextEvent() sseMsg {
	s.tb.Helper()
	for {
		if m := s.next(); m.Comment == "" {
			return m
		}
	}
}

// opening reads the retry field and the hello, and returns the event after
// them (the answer or unchanged).
func (s *testStream) opening() sseMsg {
	s.tb.Helper()
	require.Equal(s.tb, sseMsg{Retry: "2000"}, s.next(), "the stream starts with retry")
	hello := s.next()
	require.Equal(s.tb, inbox.StreamHello, hello.Event)
	return s.nextEvent()
}

// ended reports whether the stream ends (its body's EOF) within streamWait,
// skipping what it still sends.
func (s *testStream) ended() bool {
	timeout := time.After(streamWait)
	for {
		select {
		case _, ok := <-s.msgs:
			if !ok {
				return true
			}
		case <-timeout:
			return false
		}
	}
}
