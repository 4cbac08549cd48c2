package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// A session's event sender: it posts the person's outbox to the server
// until each event is acknowledged or rejected (outbox.go keeps it across
// page loads).

// Errors of post that are not retried after EventRetry.
var (
	// errRefused: the server refused the identity; wait for the next identify.
	errRefused = errors.New("events: the server refused the identity")
	// errStaleSignature: the server refused a signature the page has replaced; send again at once.
	errStaleSignature = errors.New("events: the server refused an old signature")
)

// sendEvents sends the outbox whenever it grows, and retries until
// acknowledged; after stop it ends once the outbox is empty. While the
// server refuses the identity it sends nothing; a stopped session then hands
// its events to the person's next session. It first takes over the events
// stored by earlier page loads, and keeps storage up to date (outbox.go).
func (s *session) sendEvents() {
	s.loadOutbox()
	stopped := s.stopped
	for {
		_ = s.persistOutbox() // a failure is a storage-error: the events are sent all the same
		s.r.mu.Lock()
		var batch []inbox.Event
		if s.refused {
			if stopped == nil {
				s.r.hold(s.user, s.outbox)
				s.outbox = nil
				s.r.mu.Unlock()
				return
			}
		} else {
			batch = append(batch, s.outbox[:min(len(s.outbox), inbox.MaxEventsPerBatch)]...)
		}
		s.r.mu.Unlock()
		var retry <-chan time.Time
		if len(batch) > 0 {
			err := s.post(context.Background(), batch)
			_ = s.persistOutbox() // what the server took is no longer kept
			switch {
			case errors.Is(err, errRefused), errors.Is(err, errStaleSignature):
				continue // refused: wait for the next identify (or hand over); stale: send with the new signature
			case err != nil:
				retry = s.r.opts.Clock.After(s.r.retryWait(err))
			case len(batch) == inbox.MaxEventsPerBatch:
				continue // more to send
			}
		} else if stopped == nil {
			return // stopped and nothing left to send
		}
		if retry != nil {
			// A failed post waits its retry (a 429's Retry-After): new
			// events go with the next try, not before it.
			select {
			case <-stopped:
				stopped = nil
			case <-retry:
			}
			continue
		}
		select {
		case <-stopped:
			stopped = nil
		case <-s.flush:
		}
	}
}

// answerError is a failed answer to an events post (or a probe): its
// status, and the wait its Retry-After asked for (0 for none).
type answerError struct {
	status     int
	retryAfter time.Duration
}

func (e *answerError) Error() string { return fmt.Sprintf("events: server answered %d", e.status) }

// retryWait returns how long to wait before sending again after err: the
// server's Retry-After on a 429 (the events budget, shared by a person's
// events and in-app claims) when longer than Options.EventRetry, else
// EventRetry. The host reads Retry-After in whole seconds and leaves it 0
// when it is missing or malformed.
func (r *Runtime) retryWait(err error) time.Duration {
	var ae *answerError
	if errors.As(err, &ae) && ae.status == 429 {
		return max(r.opts.EventRetry, ae.retryAfter)
	}
	return r.opts.EventRetry
}

// postEvents sends one batch and returns the server's answer. A refused
// identity (401/403) is errRefused, or errStaleSignature when the page has
// given another signature since.
func (s *session) postEvents(ctx context.Context, batch []inbox.Event) (inbox.EventsResponse, error) {
	var ack inbox.EventsResponse
	body, _ := json.Marshal(inbox.EventBatch{Events: batch})
	req, signature := s.request("POST", inbox.PathEvents, body)
	res, err := s.r.fetch(ctx, req)
	if err != nil {
		return ack, err
	}
	if res.Status == 401 || res.Status == 403 {
		s.r.mu.Lock()
		defer s.r.mu.Unlock()
		if s.refuse(signature, res.Status, res.Body) {
			return ack, errRefused
		}
		return ack, errStaleSignature
	}
	if res.Status != 200 {
		return ack, &answerError{status: res.Status, retryAfter: res.RetryAfter}
	}
	s.r.mu.Lock()
	s.accept(signature)
	s.r.mu.Unlock()
	if err := json.Unmarshal(res.Body, &ack); err != nil {
		return ack, fmt.Errorf("events: bad response body: %w", err)
	}
	return ack, nil
}

// post sends one batch and drops from the outbox what the server acknowledged
// or rejected for good. A refused identity (401/403) keeps the whole batch.
func (s *session) post(ctx context.Context, batch []inbox.Event) error {
	ack, err := s.postEvents(ctx, batch)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, id := range ack.Acknowledged {
		done[id] = true
	}
	for _, rej := range ack.Rejected {
		done[rej.ID] = true
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	for _, rej := range ack.Rejected {
		s.r.emitUser(s.user, EventMessageError, map[string]string{"error": "event " + rej.ID + " rejected: " + rej.Error})
	}
	kept := s.outbox[:0]
	for _, e := range s.outbox {
		if !done[e.ID] {
			kept = append(kept, e)
		}
	}
	s.outbox = kept
	for id := range done {
		s.finished[id] = true
	}
	s.outboxChanged()
	s.loop.Refresh() // a poll shows the server's new state, unless the stream pushes it
	return nil
}
