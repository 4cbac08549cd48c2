package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
)

// session is one identified person's poll loop, message store and event outbox.
type session struct {
	r      *Runtime
	user   string
	store  *inbox.Store
	loop   *sharedLoop
	ctx    context.Context // ends when the session stops
	cancel context.CancelFunc
	// stopped is closed when no tab shows the person any more: polling ends,
	// and the event sender ends once the outbox is empty.
	stopped chan struct{}

	// outbox holds events until the server acknowledged them (guarded by r.mu).
	outbox []inbox.Event
	flush  chan struct{}
	// changes counts changes of outbox, written the count last written to
	// storage, and finished holds the ids acknowledged or rejected since
	// (outbox.go; guarded by r.mu).
	changes, written uint64
	finished         map[string]bool

	// signature is the one the session polls and sends events with, "" for
	// none (guarded by r.mu).
	signature string
	// accepted are the signatures the server accepted for the person in this
	// session, rejected those it refused since a tab last gave them, probing
	// those being checked by a probe (identity.go; guarded by r.mu).
	accepted, rejected, probing map[string]bool
	// refused is set when the server refused the person's identity (401 or
	// 403) with the current signature: polling and sending stop until the
	// page identifies the person again (guarded by r.mu).
	refused bool
	// pollSignature and streamSignature are the signatures the last poll
	// and the last stream request were sent with (guarded by r.mu).
	pollSignature, streamSignature string
	// answered is set by the first poll answer, or the inbox an earlier page
	// load kept (guarded by r.mu).
	answered bool
	// settled is set once a view may show what the store holds: when
	// answered, when a poll failed, or after Options.FirstAnswerWait (a
	// follower tab or a hidden one may get no answer for long; guarded by r.mu).
	settled bool
	// pending is set while the server has given no verdict on signature and
	// the first answer's wait is not over: the tabs that gave it wait
	// (identity.go; guarded by r.mu).
	pending bool

	// stored is the last-received time last handed to storage (owned by the
	// loop's goroutine).
	stored time.Time

	// expiryWake tells watchExpiry the store changed (inbox.Store.NextExpiry).
	expiryWake chan struct{}
	// learnedKeeper, inboxKeeper and inAppKeeper keep what the poll schedule
	// learned, the person's inbox and their persistent in-app messages for
	// the next page load (storage.go, cache.go, inapp.go).
	learnedKeeper, inboxKeeper, inAppKeeper *keeper
	// forgotten is set when the person logged out of the last tab showing
	// them: nothing more of their inbox is kept (guarded by r.mu).
	forgotten bool
}

// startSession starts polling for user; r.mu is held. Events of an earlier
// session of user that the server refused are taken over. A session that
// replaces from (setSignature) takes over its messages and the server's
// verdicts on signatures, so that the tabs' views do not blank.
func (r *Runtime) startSession(user, signature string, from *session) *session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{r: r, user: user, signature: signature, ctx: ctx, cancel: cancel, flush: make(chan struct{}, 1), stopped: make(chan struct{}),
		store: inbox.NewStore(r.renderer, r.opts.Clock.Now), outbox: r.held[user], finished: map[string]bool{},
		expiryWake: make(chan struct{}, 1), accepted: map[string]bool{}, rejected: map[string]bool{}, probing: map[string]bool{}, pending: true}
	if from != nil {
		s.store, s.answered, s.settled = from.store, from.answered, from.settled
		maps.Copy(s.accepted, from.accepted)
		maps.Copy(s.rejected, from.rejected)
	}
	s.learnedKeeper = newKeeper(s, learnedPrefix+user, "the poll tier")
	s.inboxKeeper = newKeeper(s, inboxPrefix+user, "the inbox for the next page load")
	s.inAppKeeper = newKeeper(s, inAppPrefix+user, "the persistent in-app messages")
	if len(s.outbox) > 0 {
		s.outboxChanged()
	}
	delete(r.held, user)
	schedule := poller.NewSchedule(r.opts.Tiers, 0)
	schedule.OnReceived(s.noteReceived)
	s.loop = newSharedLoop(s, schedule)
	go func() {
		schedule.LastReceived = s.restoreLearned(ctx) // what earlier page loads learned, before the first poll
		s.restoreInbox(ctx)                           // what the last page load showed, until the first answer
		s.restoreInApp(ctx)                           // persistent in-app messages not dismissed yet
		s.loop.Run(ctx)
	}()
	time.AfterFunc(r.opts.FirstAnswerWait, func() { // real time: how long a page waits, not poll timing
		r.mu.Lock()
		defer r.mu.Unlock()
		s.settle()
	})
	go s.watchExpiry(ctx, r.opts.Clock.Now())
	go s.sendEvents()
	return s
}

// resume ends a refusal: the page identified the person again, so polling
// and sending try once more; r.mu is held.
func (s *session) resume() {
	s.refused = false
	s.loop.Wake()
	s.wakeSender()
	s.r.pumpInApp(s.user) // an in-app claim the server refused is made again
}

// refuse records that the server refused the identity sent with signature;
// r.mu is held. It reports false when the session has another signature since,
// or another tab of the person has one the server accepted, which the
// session now uses (the caller then tries again with it); true when the
// session is refused: it polls and sends nothing until a tab identifies the
// person again. The tabs that gave the signature hear of the refusal once,
// until they give it again (session.reject).
func (s *session) refuse(signature string, status int, body []byte) bool {
	s.reject(signature, status, body) // the tabs that still have it hear of it
	if signature != s.signature {
		return false
	}
	if alt := s.alternative(); alt != "" {
		s.useSignature(alt)
		return false
	}
	s.refused = true
	return true
}

// serverError returns the message of a Roost error body, or says what status came.
func serverError(status int, body []byte) string {
	var e struct {
		Meta struct {
			Error string `json:"error"`
		} `json:"meta"`
	}
	if json.Unmarshal(body, &e) == nil && e.Meta.Error != "" {
		return e.Meta.Error
	}
	return fmt.Sprintf("the server refused the identity (HTTP %d)", status)
}

// stop ends polling; events already queued are still sent. While the server
// refuses the identity they cannot be: they go to the person's next session
// at once (r.mu is held, so it is not started yet), not once the sender
// notices the stop, which may be after that session took the same events
// from storage and would then queue and send them twice.
func (s *session) stop() {
	s.cancel()
	close(s.stopped)
	if s.refused {
		s.r.held[s.user] = append(s.r.held[s.user], s.outbox...)
		s.outbox = nil
	}
}

// deliver takes a new poll answer into the store and tells the tabs.
func (s *session) deliver(res inbox.PollResponse) int {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.opts.Coordinator != nil {
		s.accept(s.signature) // the group's answer: polled with this signature
	}
	if s.take(res.Messages) {
		s.keepAnswer(res.Messages)
	}
	s.r.pumpInApp(s.user) // in-app messages may now show (inapp.go)
	return s.store.Queued()
}

// take makes msgs the person's messages (a poll's answer, or the one an
// earlier page load kept) and tells the tabs; it reports whether anything a
// page sees changed. r.mu is held.
func (s *session) take(msgs []inbox.Message) bool {
	changed, problems := s.store.Replace(msgs)
	for _, p := range problems {
		s.r.emitUser(s.user, EventMessageError, map[string]string{"deliveryId": p.DeliveryID, "error": p.Err.Error()})
	}
	first := !s.answered
	s.answered, s.settled = true, true
	if changed {
		s.wakeExpiry()
	}
	if changed || first {
		s.r.broadcast(s.user)
		s.r.endResumed(s.user)
	}
	return changed
}

// settle lets views show what the store holds, without waiting for an
// answer any more; views resumed from a dead runtime still wait for one,
// as an empty list would blank what their page shows. r.mu is held.
func (s *session) settle() {
	if !s.settled || s.pending {
		s.settled, s.pending = true, false
		s.r.broadcast(s.user)
	}
}

// applied tells the tabs and the expiry watcher that the store changed; r.mu is held.
func (s *session) applied(changed bool) {
	if changed {
		s.r.broadcast(s.user)
		s.wakeExpiry()
	}
}

func (s *session) wakeExpiry() {
	select {
	case s.expiryWake <- struct{}{}:
	default:
	}
}

// watchExpiry shows the tabs a message's expiry when it comes, without
// waiting for a poll, until the session ends. Every expiry since its last
// refresh of the tabs (or since the session started, at start) is due, even
// one already past when it looks (it may run late, after the change that
// brought the message was shown): it then refreshes them at once.
func (s *session) watchExpiry(ctx context.Context, start time.Time) {
	shown := start // the tabs showed no message expired by then
	for {
		s.r.mu.Lock()
		next := s.store.NextExpiry(shown)
		s.r.mu.Unlock()
		var expiry <-chan time.Time
		if !next.IsZero() {
			expiry = s.r.opts.Clock.After(next.Sub(s.r.opts.Clock.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case <-s.expiryWake:
		case <-expiry:
			s.r.mu.Lock()
			shown = s.r.opts.Clock.Now()
			s.r.broadcast(s.user)
			s.r.pumpInApp(s.user)
			s.r.mu.Unlock()
		}
	}
}

// reportPollError tells the tabs about a failed poll; a refused identity is
// an identity-error (the loop has stopped polling), other failures a message-error.
func (s *session) reportPollError(err error) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.settle() // the messages cannot be known now: show what there is
	var refused *poller.RefusedError
	if errors.As(err, &refused) {
		signature := s.pollSignature
		if refused.Stream {
			signature = s.streamSignature
		}
		if !s.refuse(signature, refused.Status, refused.Body) {
			s.loop.Wake() // refused an old signature: poll again with the new one
		}
		return
	}
	s.r.emitUser(s.user, EventMessageError, map[string]string{"error": err.Error()})
}

// queue adds an event to the outbox and wakes the sender; r.mu is held.
func (s *session) queue(e inbox.Event) {
	s.outbox = append(s.outbox, e)
	s.outboxChanged()
	s.wakeSender()
}

func (s *session) wakeSender() {
	select {
	case s.flush <- struct{}{}:
	default:
	}
}

// hold queues events for the person's session, or keeps them for the next
// one when none runs (say, those of a stopped session the server refused);
// r.mu is held.
func (r *Runtime) hold(user string, events []inbox.Event) {
	if len(events) == 0 {
		return
	}
	if live := r.sessions[user]; live != nil {
		for _, e := range events {
			live.queue(e)
		}
		return
	}
	r.held[user] = append(r.held[user], events...)
}

// request builds a browser-side request with the identity headers of the
// session's signature, and returns the signature it carries ("" for none).
func (s *session) request(method, path string, body []byte) (Request, string) {
	s.r.mu.Lock()
	signature := s.signature
	s.r.mu.Unlock()
	return s.requestWith(method, path, body, signature), signature
}

// requestWith builds a browser-side request with the identity headers of signature.
func (s *session) requestWith(method, path string, body []byte, signature string) Request {
	s.r.mu.Lock()
	endpoint, site := s.r.endpoint, s.r.siteID
	s.r.mu.Unlock()
	req := Request{Method: method, URL: endpoint + path, Body: body,
		Header: map[string]string{"X-Roost-Site": site, "X-Roost-User": s.user}}
	if signature != "" {
		req.Header["X-Roost-Signature"] = signature
	}
	if body != nil {
		req.Header["Content-Type"] = "application/json"
	}
	return req
}

// transport polls the server for a session.
type transport struct{ s *session }

// Poll implements poller.Transport.
func (t transport) Poll(ctx context.Context, etag string) (poller.Response, error) {
	req, signature := t.s.request("GET", inbox.PathPoll, nil)
	t.s.r.mu.Lock()
	t.s.pollSignature = signature
	t.s.r.mu.Unlock()
	if etag != "" {
		req.Header["If-None-Match"] = etag
	}
	res, err := t.s.r.fetch(ctx, req)
	if err == nil && (res.Status == 200 || res.Status == 304) {
		t.s.r.mu.Lock()
		t.s.accept(signature)
		t.s.r.mu.Unlock()
	}
	return poller.Response{Status: res.Status, ETag: res.ETag, Body: res.Body, RetryAfter: res.RetryAfter}, err
}

// newID returns a random event id of 128 bits. math/rand/v2's generator is
// ChaCha8 seeded from the browser's crypto.getRandomValues, so ids are
// unpredictable; crypto/rand would link Go's FIPS module (its DRBG with AES),
// some 45 KB brotli, into the browser build.
func newID() string {
	return fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())
}
