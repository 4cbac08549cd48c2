package httpapi_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
)

// noHijack is a ResponseWriter that cannot hijack (as HTTP/2's, or a
// middleware's without Unwrap): it flushes and sets write deadlines only.
type noHijack struct{ http.ResponseWriter }

// Flush implements http.Flusher.
func (w noHijack) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// SetWriteDeadline lets http.ResponseController bound each write.
func (w noHijack) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(w.ResponseWriter).SetWriteDeadline(t)
}

// connStates records the states an http.Server's connections went through.
type connStates struct {
	mu     sync.Mutex
	states map[http.ConnState]int
}

// track is an http.Server's ConnState.
func (c *connStates) track(_ net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.states[s]++
}

// count returns how many connections entered s.
func (c *connStates) count(s http.ConnState) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.states[s]
}

// streamPath is a way a stream is served: on the connection it takes
// over, or through a ResponseWriter that cannot hijack.
type streamPath struct {
	name     string
	hijacked bool
}

// streamPaths are both.
var streamPaths = []streamPath{{"Hijacked", true}, {"Fallback", false}}

// pathServer serves f's handler over HTTP on path p, behind a middleware
// that sets X-Middleware (and Content-Length and Connection, which a
// stream's head must not take), and records its connections' states.
func pathServer(t *testing.T, f *fixture, p streamPath) (*httptest.Server, *connStates) {
	states := &connStates{states: map[http.ConnState]int{}}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Middleware", "yes")
		if r.URL.Query().Get("bad_headers") != "" {
			w.Header().Set("Content-Length", "12")
			w.Header().Set("Connection", "keep-alive")
		}
		if !p.hijacked {
			w = noHijack{w}
		}
		f.h.ServeHTTP(w, r)
	}))
	ts.Config.ConnState = states.track
	ts.Config.WriteTimeout = time.Second // a stream outlives it: each write has its own deadline
	ts.Start()
	t.Cleanup(func() {
		f.srv.CloseStreams()
		ts.Close()
	})
	return ts, states
}

// rawStream is a stream read over a raw TCP connection.
type rawStream struct {
	conn net.Conn
	r    *bufio.Reader
	// status and head are the status line and the header lines.
	status string
	head   http.Header
}

// dialStream sends user's stream request to ts with the query and the
// extra bytes after it, and reads the answer's head; rcvbuf, when
// positive, is the client's socket receive buffer.
func dialStream(t *testing.T, ts *httptest.Server, user, query, extra string, rcvbuf int) *rawStream {
	t.Helper()
	d := net.Dialer{Timeout: streamWait}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
		}
	}
	conn, err := d.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	req := "GET " + inbox.PathStream + query + " HTTP/1.1\r\nHost: roost\r\nX-Roost-Site: " + testSite +
		"\r\nX-Roost-User: " + user + "\r\nOrigin: " + testOrigin + "\r\n\r\n" + extra
	_, err = conn.Write([]byte(req))
	require.NoError(t, err)
	_ = conn.SetReadDeadline(time.Now().Add(streamWait))
	s := &rawStream{conn: conn, r: bufio.NewReader(conn), head: http.Header{}}
	if s.status, err = s.r.ReadString('\n'); err != nil {
		return s // closed without an answer
	}
	for {
		line, err := s.r.ReadString('\n')
		require.NoError(t, err)
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return s
		}
		k, v, _ := strings.Cut(line, ": ")
		s.head.Add(k, v)
	}
}

// body reads the stream's body until it holds want.
func (s *rawStream) body(t *testing.T, want string) string {
	t.Helper()
	var b strings.Builder
	for !strings.Contains(b.String(), want) {
		line, err := s.r.ReadString('\n')
		require.NoError(t, err, "the body so far: %q", b.String())
		b.WriteString(line)
	}
	return b.String()
}

// TestStreamConn_Head: on both paths, the stream's answer carries its
// headers and the middleware's (CORS included); taken over, it is HTTP/1.1
// 200 with a Date and Connection: close, neither chunked nor sized (the
// middleware's Content-Length and Connection dropped), and its body is
// the bare events; else net/http chunks it.
func TestStreamConn_Head(t *testing.T) {
	for _, p := range streamPaths {
		t.Run(p.name, func(t *testing.T) {
			f := newFixture(t)
			ts, states := pathServer(t, f, p)
			query := ""
			if p.hijacked {
				query = "?bad_headers=1"
			}
			s := dialStream(t, ts, "user_123", query, "", 0)
			assert.Equal(t, "HTTP/1.1 200 OK\r\n", s.status)
			assert.Equal(t, "text/event-stream", s.head.Get("Content-Type"))
			assert.Equal(t, "no-store", s.head.Get("Cache-Control"))
			assert.Equal(t, testOrigin, s.head.Get("Access-Control-Allow-Origin"), "CORS, from the middleware")
			assert.Equal(t, "Origin", s.head.Get("Vary"))
			assert.Equal(t, "yes", s.head.Get("X-Middleware"))
			_, err := http.ParseTime(s.head.Get("Date"))
			assert.NoError(t, err, "a Date")
			if !p.hijacked {
				assert.Equal(t, "chunked", s.head.Get("Transfer-Encoding"))
				assert.Zero(t, states.count(http.StateHijacked))
				return
			}
			assert.Equal(t, "close", s.head.Get("Connection"))
			assert.Empty(t, s.head.Values("Content-Length"))
			assert.Empty(t, s.head.Values("Transfer-Encoding"))
			assert.Len(t, s.head.Values("Date"), 1)
			body := s.body(t, "event: "+inbox.StreamAnswer+"\n")
			assert.True(t, strings.HasPrefix(body, "retry: 2000\n\nevent: "+inbox.StreamHello+"\n"), "bare events: %q", body)
			assert.Equal(t, 1, states.count(http.StateHijacked), "the connection was taken over")
		})
	}
}

// TestStreamConn_Paths: the stream's behaviour, on both paths: the
// opening, a push, heartbeats, the end at CloseStreams (a shutdown).
func TestStreamConn_Paths(t *testing.T) {
	for _, p := range streamPaths {
		t.Run(p.name, func(t *testing.T) {
			f := newFixtureWith(t, func(cfg *config) { cfg.http.StreamHeartbeat = 50 * time.Millisecond })
			ts, states := pathServer(t, f, p)
			s := openStream(t, ts, "user_123")
			assert.Empty(t, decodeAnswer(t, s.opening()).Messages)
			id := f.send("inbox_message", seedSend)
			a := decodeAnswer(t, s.nextEvent())
			require.Len(t, a.Messages, 1)
			assert.Equal(t, id, a.Messages[0].DeliveryID)
			assert.Equal(t, sseMsg{Comment: "ping"}, s.next(), "a heartbeat")
			assert.Equal(t, sseMsg{Comment: "ping"}, s.next())
			wantHijacked := 0
			if p.hijacked {
				wantHijacked = 1
			}
			assert.Equal(t, wantHijacked, states.count(http.StateHijacked))

			f.srv.CloseStreams()
			assert.True(t, s.ended())
			ctx, cancel := context.WithTimeout(context.Background(), streamWait)
			defer cancel()
			require.NoError(t, f.srv.WaitStreams(ctx), "every stream's goroutine has closed it")
		})
	}
}

// TestStreamConn_ClientLeaves: a stream whose client closes its
// connection is gone at once, long before a heartbeat would have found
// out; on both paths.
func TestStreamConn_ClientLeaves(t *testing.T) {
	for _, p := range streamPaths {
		t.Run(p.name, func(t *testing.T) {
			f := newFixtureWith(t, func(cfg *config) { cfg.http.StreamHeartbeat = time.Hour })
			ts, _ := pathServer(t, f, p)
			s := dialStream(t, ts, "user_123", "", "", 0)
			s.body(t, "event: "+inbox.StreamAnswer+"\n")
			require.Equal(t, uint64(1), f.srv.Stats().StreamsOpen)
			start := time.Now()
			s.conn.Close()
			assert.Equal(t, uint64(0), waitOpen(t, f, 0))
			assert.Less(t, time.Since(start), 2*time.Second, "gone at once")
		})
	}
}

// TestStreamConn_ClientSends: bytes from a stream's client, after its
// request or with it (pipelined), end the stream taken over: an SSE
// client sends nothing.
func TestStreamConn_ClientSends(t *testing.T) {
	f := newFixtureWith(t, func(cfg *config) { cfg.http.StreamHeartbeat = time.Hour })
	ts, _ := pathServer(t, f, streamPaths[0])
	s := dialStream(t, ts, "user_123", "", "", 0)
	s.body(t, "event: "+inbox.StreamAnswer+"\n")
	_, err := s.conn.Write([]byte("GET /v1/client/poll HTTP/1.1\r\n\r\n"))
	require.NoError(t, err)
	assert.Equal(t, uint64(0), waitOpen(t, f, 0))
	_, err = io.ReadAll(s.r) // to its end: EOF, or a reset (the server closed it with bytes unread)
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the server closed the connection: %v", err)

	s = dialStream(t, ts, "user_123", "", "GET /v1/client/poll HTTP/1.1\r\nHost: roost\r\n\r\n", 0)
	assert.Empty(t, s.status, "closed without an answer")
	assert.Equal(t, uint64(0), waitOpen(t, f, 0))
}

// TestStreamConn_StopsReading: a client that stops reading is cut by the
// write timeout, on both paths, while it keeps its connection open: the
// answers pushed to it (a person update each) fill the sockets' buffers
// until a write blocks.
func TestStreamConn_StopsReading(t *testing.T) {
	for _, p := range streamPaths {
		t.Run(p.name, func(t *testing.T) {
			f := newFixtureWith(t, func(cfg *config) {
				cfg.http.StreamHeartbeat, cfg.http.StreamWriteTimeout = time.Hour, 200*time.Millisecond
			})
			f.send("inbox_message", seedSend) // the answer carries the person's attributes
			ts, _ := pathServer(t, f, p)
			s := dialStream(t, ts, "user_123", "", "", 4096)
			s.body(t, "event: "+inbox.StreamAnswer+"\n") // then it reads no more
			filler := strings.Repeat("x", 30_000)
			deadline := time.Now().Add(30 * time.Second)
			for i := 0; f.srv.Stats().StreamsOpen > 0; i++ {
				require.True(t, time.Now().Before(deadline), "the stream was not cut after %d updates", i)
				w := f.app(http.MethodPut, "/v1/people/user_123", `{"attributes":{"filler":"`+strconv.Itoa(i)+filler+`"}}`)
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			}
		})
	}
}
