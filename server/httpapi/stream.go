package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// Defaults of the stream settings (Config).
const (
	// DefaultStreamHeartbeat is the heartbeat period of a stream when
	// Config.StreamHeartbeat is 0.
	DefaultStreamHeartbeat = 15 * time.Second
	// DefaultStreamMaxAge is how long a stream lasts at most when
	// Config.StreamMaxAge is 0 (less up to a tenth, at random).
	DefaultStreamMaxAge = 30 * time.Minute
	// StreamRetryMs is the stream's retry field: the least time, in
	// milliseconds, a client waits before it reconnects.
	StreamRetryMs = 2000
)

// streamAllowHeaders are the request headers a stream may carry: those
// of every browser request, and Last-Event-ID.
const streamAllowHeaders = allowHeaders + ", Last-Event-ID"

// streamCredentials returns the credentials of a stream request: its
// X-Roost-* headers, and where one is missing, the query's site, user and
// signature (what the browser's EventSource, which sets no headers, gives).
func streamCredentials(r *http.Request) credentials {
	c := headerCredentials(r)
	if c.site != "" && c.user != "" && c.signature != "" {
		return c
	}
	q := r.URL.Query()
	if c.site == "" {
		c.site = q.Get("site")
	}
	if c.user == "" {
		c.user = q.Get("user")
	}
	if c.signature == "" {
		c.signature = q.Get("signature")
	}
	return c
}

// handleStream answers GET /v1/client/stream (docs/protocol.md): the
// refusals of the poll, the 204/429/503 of streams it does not open, else
// an SSE stream of the person's poll answer. The stream's loop
// (pushStream) waits for what ends or feeds it: a write that may change
// the answer (server.Stream.Changed), the instant time changes it
// (PollAnswer.Until), the heartbeat, the stream's age, the token's
// expiry, the shutdown, the client leaving.
//
// On HTTP/1.x the stream takes its connection over (hijackStream): the
// handler returns at once, net/http's buffers and goroutines are freed,
// and the loop runs on a goroutine of its own (serveConn) that writes
// straight to the connection. Where the connection cannot be taken (HTTP/2,
// a ResponseWriter that cannot hijack), the loop runs on the handler's
// goroutine and writes through the ResponseWriter, as any handler.
//
// That goroutine waits for minutes with the stack it has then: openStream
// does the rest in a frame of its own, so that the stack in use while it
// waits stays under a quarter of 8 KiB, to which the GC can shrink it.
func (h *Handler) handleStream(w http.ResponseWriter, r *http.Request) {
	ls := h.openStream(w, r)
	switch {
	case ls == nil:
	case ls.conn != nil:
		go h.serveConn(ls)
	default:
		defer ls.st.Close()
		h.pushStream(r.Context(), ls)
	}
}

// liveStream is an open stream as its loop needs it.
type liveStream struct {
	// ctx is done when the client leaves: the request's, or on a taken
	// connection, serveConn's.
	ctx context.Context
	st  *server.Stream
	sw  streamWriter
	// conn is the connection the stream took over, or nil when it is
	// served through the ResponseWriter.
	conn net.Conn
	// a is the answer sent last, without its Body: a stream keeps no
	// answer's bytes while it waits (they may be the poll cache's, which
	// would then stay in memory after the cache let them go).
	a server.PollAnswer
	// end is when the stream ends: its max age, or its token's expiry.
	end time.Duration
	// due fires when time alone could change a (PollAnswer.Until);
	// heartbeat when a heartbeat is due; stop at end.
	due, heartbeat, stop *time.Timer
}

// streamWriter writes a stream's bytes, each write within the stream's
// write timeout when there is one, and sent at once.
type streamWriter interface {
	write(b []byte) error
}

// openStream answers the stream's refusals, or opens it: the headers,
// retry, hello and the first answer or unchanged, on the connection it
// takes over when it can. It returns nil when the request is answered
// (refused, or the client gone).
func (h *Handler) openStream(w http.ResponseWriter, r *http.Request) *liveStream {
	creds := streamCredentials(r)
	user, err := h.identifyAs(r, creds)
	if err != nil {
		h.fail(w, r, err)
		return nil
	}
	st, err := h.srv.OpenStream(user)
	if errors.Is(err, server.ErrStreamsOff) {
		w.Header().Set("Retry-After", strconv.FormatInt(server.RetrySeconds(server.StreamOffRetry), 10))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err != nil {
		h.fail(w, r, err)
		return nil
	}
	a, _, err := h.streamAnswer(r.Context(), st, "")
	if err != nil {
		st.Close()
		h.fail(w, r, err) // before the stream opens: the JSON error
		return nil
	}
	ls := &liveStream{st: st, a: server.PollAnswer{ETag: a.ETag, Until: a.Until}}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	first := sseEvent(inbox.StreamAnswer, a.ETag, a.Body)
	if last := r.Header.Get("Last-Event-ID"); last != "" && last == a.ETag {
		first = sseEvent(inbox.StreamUnchanged, a.ETag, []byte("{}"))
	}
	opening := append(slices.Clip(h.streamOpening), first...)
	conn, taken := h.hijackStream(w, r)
	switch {
	case conn != nil:
		ls.conn = conn
		ls.sw = &connWriter{conn: conn, timeout: h.cfg.StreamWriteTimeout}
		st.CloseOnShutdown(conn)
		opening = append(responseHead(hd, time.Now()), opening...)
	case taken: // the client sent more than the request: closed
		st.Close()
		return nil
	default:
		sw := &sseWriter{w: w, rc: http.NewResponseController(w), timeout: h.cfg.StreamWriteTimeout}
		ls.sw = sw
		w.WriteHeader(http.StatusOK)
		if sw.timeout <= 0 {
			_ = sw.rc.SetWriteDeadline(time.Time{}) // no per-write bound: the server's WriteTimeout must not cut it
		}
	}
	if ls.sw.write(opening) != nil {
		if conn != nil {
			conn.Close()
		}
		st.Close()
		return nil
	}
	maxAge := h.cfg.StreamMaxAge
	if maxAge <= 0 {
		maxAge = DefaultStreamMaxAge
	}
	ls.end = maxAge - rand.N(maxAge/10+1) // spread the reconnections over the processes that are up
	if exp, ok := server.IdentityTokenExpiry(creds.signature); ok {
		ls.end = max(min(ls.end, exp.Sub(h.srv.Now())), 0)
	}
	return ls
}

// pushStream sends the person's answer each time it changes, and a
// heartbeat when nothing else was sent for a period, until the stream
// ends.
func (h *Handler) pushStream(ctx context.Context, ls *liveStream) {
	ls.ctx = ctx
	ls.heartbeat, ls.stop, ls.due = time.NewTimer(h.heartbeat()), time.NewTimer(ls.end), time.NewTimer(time.Hour)
	defer ls.stopTimers()
	for {
		ls.armDue(h.srv.Now())
		select {
		case <-ctx.Done():
			return
		case <-ls.st.Done():
			return
		case <-ls.stop.C:
			return
		case <-ls.heartbeat.C:
			if !h.streamSend(ls, false) {
				return
			}
		case <-ls.st.Changed():
			if !h.streamSend(ls, true) {
				return
			}
		case <-ls.due.C:
			if !h.streamSend(ls, true) {
				return
			}
		}
	}
}

// armDue sets ls.due to fire at the instant time alone could change the
// answer sent last, if there is one.
func (ls *liveStream) armDue(now time.Time) {
	if ls.a.Until.IsZero() {
		ls.due.Stop()
	} else {
		ls.due.Reset(max(ls.a.Until.Sub(now), time.Millisecond))
	}
}

// stopTimers stops the stream's timers.
func (ls *liveStream) stopTimers() {
	ls.heartbeat.Stop()
	ls.stop.Stop()
	ls.due.Stop()
}

// streamSend sends a heartbeat, or when check, the answer if it changed;
// it reports whether the stream goes on.
func (h *Handler) streamSend(ls *liveStream, check bool) bool {
	if !check {
		if ls.sw.write([]byte(": ping\n\n")) != nil {
			return false
		}
		ls.heartbeat.Reset(h.heartbeat())
		return true
	}
	next, changed, err := h.streamAnswer(ls.ctx, ls.st, ls.a.ETag)
	if err != nil {
		if ls.ctx.Err() == nil && server.ErrorCode(err) == server.EINTERNAL {
			h.cfg.Logger.Error("stream: read the answer", "err", err)
		}
		return false // the client polls, and opens a stream again later
	}
	ls.a = next
	ls.a.Body = nil // not kept while the stream waits (it is sent below, or was before)
	if !changed {
		return true
	}
	if ls.sw.write(sseEvent(inbox.StreamAnswer, next.ETag, next.Body)) != nil {
		return false
	}
	ls.heartbeat.Reset(h.heartbeat())
	return true
}

// streamAnswer reads the stream's answer (server.Stream.Answer), within
// the write timeout less a tenth when there is one, as a poll's. It reads
// on a goroutine of its own: a store's read can take a deep stack (the
// SQLite driver's does), which the stream's goroutine, parked for
// minutes, would otherwise keep (a stack shrinks by half a GC at most).
func (h *Handler) streamAnswer(ctx context.Context, st *server.Stream, etag string) (server.PollAnswer, bool, error) {
	if t := h.cfg.StreamWriteTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t-t/10)
		defer cancel()
	}
	type result struct {
		a       server.PollAnswer
		changed bool
		err     error
	}
	done := make(chan result, 1)
	go func() {
		a, changed, err := st.Answer(ctx, etag)
		done <- result{a, changed, err}
	}()
	r := <-done
	return r.a, r.changed, r.err
}

// streamHello returns the start of every stream: the retry field and the
// hello event (inbox.StreamHelloData) with heartbeat.
func streamHello(heartbeat time.Duration) []byte {
	data, _ := json.Marshal(inbox.StreamHelloData{HeartbeatMs: heartbeat.Milliseconds()}) // an int64 field: cannot fail
	return append([]byte("retry: "+strconv.Itoa(StreamRetryMs)+"\n\n"), sseEvent(inbox.StreamHello, "", data)...)
}

// heartbeat returns the heartbeat period.
func (h *Handler) heartbeat() time.Duration {
	if h.cfg.StreamHeartbeat > 0 {
		return h.cfg.StreamHeartbeat
	}
	return DefaultStreamHeartbeat
}

// sseEvent returns an SSE event named event with id (none when "") and data (one line).
func sseEvent(event, id string, data []byte) []byte {
	b := make([]byte, 0, len(event)+len(id)+len(data)+24)
	b = append(b, "event: "...)
	b = append(b, event...)
	if id != "" { // an empty id would reset the client's last event id
		b = append(b, "\nid: "...)
		b = append(b, id...)
	}
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// sseWriter writes a stream's events through its ResponseWriter, each
// flushed at once, each within timeout when it is positive: a client that
// does not read is cut.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// write writes b and flushes it.
func (s *sseWriter) write(b []byte) error {
	if s.timeout > 0 {
		_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout)) // unsupported (a test's recorder): no bound
	}
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.rc.Flush()
}
