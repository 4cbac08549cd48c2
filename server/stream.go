package server

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the stream settings (Config).
const (
	// DefaultStreamMax is the most streams one process holds when
	// Config.StreamMax is 0.
	DefaultStreamMax = 10_000
	// DefaultStreamMaxPerPerson is the most streams one person holds on
	// one process when Config.StreamMaxPerPerson is 0.
	DefaultStreamMaxPerPerson = 10
	// StreamRetry is how long a client refused a stream for a cap waits
	// before it tries one again (Retry-After); it polls meanwhile.
	StreamRetry = 60 * time.Second
	// StreamOffRetry is how long a client told that streaming is off waits
	// before it tries again (the 204's Retry-After).
	StreamOffRetry = time.Hour
)

// ErrStreamsOff is OpenStream's error when streaming is switched off
// (Config.NoStreams): the client polls, and asks again after StreamOffRetry.
var ErrStreamsOff = errors.New("streaming is off on this server: poll instead")

// Stream is one open push channel of a person's poll answer: Changed
// fires when a write may have changed the answer. Close it when the
// stream ends.
type Stream struct {
	hub    *streamHub
	srv    *Server
	person string
	// changed holds one pending notification at most.
	changed chan struct{}
	closed  atomic.Bool
	// conn, when not nil, is closed by CloseStreams (CloseOnShutdown).
	// Under hub.mu.
	conn io.Closer
}

// streamHub holds a process's open streams by person, so that a write
// through the invalidation of the poll cache (invalidatingStore) or a
// notification of another process reaches the person's streams without a
// store scan.
type streamHub struct {
	off               bool
	max, maxPerPerson int
	// done is closed at shutdown (CloseStreams): every stream ends.
	done     chan struct{}
	doneOnce sync.Once

	mu       sync.Mutex
	byPerson map[string][]*Stream
	open     int

	refusedOff, refusedPerson, refusedProcess atomic.Uint64
	answers                                   atomic.Uint64
}

// newStreamHub returns the hub of cfg's stream settings, already defaulted.
func newStreamHub(cfg Config) *streamHub {
	return &streamHub{off: cfg.NoStreams, max: cfg.StreamMax, maxPerPerson: cfg.StreamMaxPerPerson,
		done: make(chan struct{}), byPerson: map[string][]*Stream{}}
}

// OpenStream opens a stream of personID's poll answer, or returns why
// not: ErrStreamsOff when streaming is off; an ERATELIMIT *Error (a 429)
// when the person already holds Config.StreamMaxPerPerson streams on this
// process; an EUNAVAILABLE *Error (a 503) when the process holds
// Config.StreamMax streams or is shutting down. Both carry StreamRetry.
func (s *Server) OpenStream(personID string) (*Stream, error) {
	if err := ValidatePersonID(personID); err != nil {
		return nil, err
	}
	h := s.streams
	if h.off {
		h.refusedOff.Add(1)
		return nil, ErrStreamsOff
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.done:
		return nil, &Error{Code: EUNAVAILABLE, RetryAfter: StreamRetry,
			Message: "the server is shutting down: poll, or open a stream again (another process may take it)"}
	default:
	}
	if h.open >= h.max {
		h.refusedProcess.Add(1)
		return nil, &Error{Code: EUNAVAILABLE, RetryAfter: StreamRetry, Message: "this server holds " +
			strconv.Itoa(h.max) + " streams, its most (-stream-max): poll, and try a stream again after " +
			strconv.FormatInt(RetrySeconds(StreamRetry), 10) + " s"}
	}
	if n := len(h.byPerson[personID]); n >= h.maxPerPerson {
		h.refusedPerson.Add(1)
		return nil, &Error{Code: ERATELIMIT, RetryAfter: StreamRetry, Message: "this person already has " +
			strconv.Itoa(n) + " streams open on this server, the most (-stream-max-per-person): poll, and try a stream again after " +
			strconv.FormatInt(RetrySeconds(StreamRetry), 10) + " s"}
	}
	st := &Stream{hub: h, srv: s, person: personID, changed: make(chan struct{}, 1)}
	h.byPerson[personID] = append(h.byPerson[personID], st)
	h.open++
	return st, nil
}

// Close ends st: it no longer counts against the caps. Closing it again
// does nothing.
func (st *Stream) Close() {
	if st.closed.Swap(true) {
		return
	}
	h := st.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.byPerson[st.person]
	for i, o := range list {
		if o == st {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(h.byPerson, st.person)
	} else {
		h.byPerson[st.person] = list
	}
	h.open--
}

// CloseOnShutdown has CloseStreams close c, st's connection, so that a
// stream blocked in a write ends at once too; c is closed now when the
// streams are already closed. A stream served on a connection of its own
// (a hijacked one, which the http.Server no longer tracks) calls it.
func (st *Stream) CloseOnShutdown(c io.Closer) {
	h := st.hub
	h.mu.Lock()
	select {
	case <-h.done:
		h.mu.Unlock()
		_ = c.Close()
		return
	default:
	}
	st.conn = c
	h.mu.Unlock()
}

// Changed receives when a write may have changed the person's answer
// since the last receive (writes in between are merged into one).
func (st *Stream) Changed() <-chan struct{} { return st.changed }

// Done is closed when the server shuts its streams (CloseStreams).
func (st *Stream) Done() <-chan struct{} { return st.hub.done }

// Answer returns the person's poll answer now (Server.Poll) and whether
// it differs from the one whose ETag is etag: only a changed answer is
// sent, and counted as such (Stats.StreamAnswers).
func (st *Stream) Answer(ctx context.Context, etag string) (PollAnswer, bool, error) {
	a, err := st.srv.Poll(ctx, st.person)
	if err != nil {
		return PollAnswer{}, false, err
	}
	changed := a.ETag != etag
	if changed {
		st.hub.answers.Add(1)
	}
	return a, changed, nil
}

// notify tells personID's streams that their answer may have changed.
func (h *streamHub) notify(personID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, st := range h.byPerson[personID] {
		st.signal()
	}
}

// notifyAll tells every stream that its answer may have changed.
func (h *streamHub) notifyAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, list := range h.byPerson {
		for _, st := range list {
			st.signal()
		}
	}
}

// signal leaves one notification pending on st.
func (st *Stream) signal() {
	select {
	case st.changed <- struct{}{}:
	default: // one is pending already
	}
}

// CloseStreams ends every stream (their Done is closed, their
// connections given to CloseOnShutdown are closed) and refuses new ones:
// a shutdown ends streams at once instead of waiting for them.
func (s *Server) CloseStreams() {
	h := s.streams
	var conns []io.Closer
	h.mu.Lock()
	h.doneOnce.Do(func() { close(h.done) })
	for _, list := range h.byPerson {
		for _, st := range list {
			if st.conn != nil {
				conns = append(conns, st.conn)
				st.conn = nil
			}
		}
	}
	h.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// WaitStreams waits until no stream is open (each one Closed), or until
// ctx is done, whose error it then returns: after CloseStreams, what a
// shutdown waits for so that no stream still writes once it returns.
func (s *Server) WaitStreams(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.StreamsOpen() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// RecheckStreams has every open stream check its person's answer again,
// as after a write: what a process does when it may have missed other
// processes' notifications (AnswerListener).
func (s *Server) RecheckStreams() {
	s.streams.notifyAll()
}

// StreamsOpen returns how many streams are open now.
func (s *Server) StreamsOpen() int {
	h := s.streams
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open
}

// IdentityTokenExpiry returns when the identity token signature expires
// (its exp), and false when signature is not of a token's form (a plain
// signature, which never expires). It does not check the token's HMAC.
func IdentityTokenExpiry(signature string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(signature), IdentityTokenPrefix)
	if !ok {
		return time.Time{}, false
	}
	e, _, _ := strings.Cut(rest, ".")
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil || !canonicalDecimal(e) {
		return time.Time{}, false
	}
	return time.Unix(exp, 0), true
}
