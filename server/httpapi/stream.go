package httpapi

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
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
// an SSE stream of the person's poll answer. Its goroutine waits for what
// ends or feeds the stream: a write that may change the answer
// (server.Stream.Changed), the instant time changes it (PollAnswer.Until),
// the heartbeat, the stream's age, the token's expiry, the shutdown, the
// client leaving.
func (h *Handler) handleStream(w http.ResponseWriter, r *http.Request) {
	creds := streamCredentials(r)
	user, err := h.identifyAs(r, creds)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	st, err := h.srv.OpenStream(user)
	if errors.Is(err, server.ErrStreamsOff) {
		w.Header().Set("Retry-After", strconv.FormatInt(server.RetrySeconds(server.StreamOffRetry), 10))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer st.Close()
	ctx := r.Context()
	a, _, err := h.streamAnswer(ctx, st, "")
	if err != nil {
		h.fail(w, r, err) // before the stream opens: the JSON error
		return
	}
	sw := &sseWriter{w: w, rc: http.NewResponseController(w), timeout: h.cfg.StreamWriteTimeout}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if sw.timeout <= 0 {
		_ = sw.rc.SetWriteDeadline(time.Time{}) // no per-write bound: the server's WriteTimeout must not cut it
	}
	hello := "retry: " + strconv.Itoa(StreamRetryMs) + "\n\nevent: " + inbox.StreamHello +
		"\ndata: {\"heartbeat_ms\":" + strconv.FormatInt(h.heartbeat().Milliseconds(), 10) + "}\n\n"
	first := sseEvent(inbox.StreamAnswer, a.ETag, a.Body)
	if last := r.Header.Get("Last-Event-ID"); last != "" && last == a.ETag {
		first = sseEvent(inbox.StreamUnchanged, a.ETag, []byte("{}"))
	}
	if sw.write(append([]byte(hello), first...)) != nil {
		return
	}
	h.pushStream(ctx, st, sw, a, creds.signature)
}

// pushStream sends st's person's answer each time it changes, and a
// heartbeat when nothing else was sent for a period, until the stream
// ends. a is the answer sent last.
func (h *Handler) pushStream(ctx context.Context, st *server.Stream, sw *sseWriter, a server.PollAnswer, signature string) {
	heartbeat := time.NewTimer(h.heartbeat())
	defer heartbeat.Stop()
	maxAge := h.cfg.StreamMaxAge
	if maxAge <= 0 {
		maxAge = DefaultStreamMaxAge
	}
	maxAge -= rand.N(maxAge/10 + 1) // spread the reconnections over the processes that are up
	end := time.NewTimer(maxAge)
	defer end.Stop()
	if exp, ok := server.IdentityTokenExpiry(signature); ok {
		if left := exp.Sub(h.srv.Now()); left < maxAge {
			end.Reset(max(left, 0))
		}
	}
	due := time.NewTimer(time.Hour)
	defer due.Stop()
	for {
		if a.Until.IsZero() {
			due.Stop()
		} else {
			due.Reset(max(a.Until.Sub(h.srv.Now()), time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-st.Done():
			return
		case <-end.C:
			return
		case <-heartbeat.C:
			if sw.write([]byte(": ping\n\n")) != nil {
				return
			}
			heartbeat.Reset(h.heartbeat())
			continue
		case <-st.Changed():
		case <-due.C:
		}
		next, changed, err := h.streamAnswer(ctx, st, a.ETag)
		if err != nil {
			if ctx.Err() == nil && server.ErrorCode(err) == server.EINTERNAL {
				h.cfg.Logger.Error("stream: read the answer", "err", err)
			}
			return // the client polls, and opens a stream again later
		}
		a = next
		if !changed {
			continue
		}
		if sw.write(sseEvent(inbox.StreamAnswer, a.ETag, a.Body)) != nil {
			return
		}
		heartbeat.Reset(h.heartbeat())
	}
}

// streamAnswer reads the stream's answer (server.Stream.Answer), within
// the write timeout less a tenth when there is one, as a poll's.
func (h *Handler) streamAnswer(ctx context.Context, st *server.Stream, etag string) (server.PollAnswer, bool, error) {
	if t := h.cfg.StreamWriteTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t-t/10)
		defer cancel()
	}
	return st.Answer(ctx, etag)
}

// heartbeat returns the heartbeat period.
func (h *Handler) heartbeat() time.Duration {
	if h.cfg.StreamHeartbeat > 0 {
		return h.cfg.StreamHeartbeat
	}
	return DefaultStreamHeartbeat
}

// sseEvent returns an SSE event named event with id and data (one line).
func sseEvent(event, id string, data []byte) []byte {
	b := make([]byte, 0, len(event)+len(id)+len(data)+24)
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, "\nid: "...)
	b = append(b, id...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// sseWriter writes a stream's events, each flushed at once, each within
// timeout when it is positive: a client that does not read is cut.
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
