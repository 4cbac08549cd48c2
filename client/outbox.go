package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/roostmsg/roost/inbox"
)

// A person's unacknowledged events are kept under outboxPrefix + the person's
// id, as JSON {"events":[<inbox.Event>...]}, oldest first, so a reload, a
// revived worker or another tab sends them (ids are idempotent on the server:
// sending one twice applies it once). Only the person's own session reads the
// key, so their events are only ever sent with their identity.
const outboxPrefix = "outbox/"

// MaxStoredEvents bounds the stored outbox: past it the oldest are dropped
// (a storage-error says how many).
const MaxStoredEvents = 2000

// storedOutbox is the stored form of an outbox.
type storedOutbox struct {
	Events []inbox.Event `json:"events"`
}

// outboxChanged records a change of the in-memory outbox, for persistOutbox; r.mu is held.
func (s *session) outboxChanged() { s.changes++ }

// readOutbox returns the stored events of the person. An unreadable value is
// reported and counts as none (the next write replaces it).
func (s *session) readOutbox(ctx context.Context) ([]inbox.Event, error) {
	raw, found, err := s.r.opts.Storage.Get(ctx, outboxPrefix+s.user)
	if err != nil {
		return nil, fmt.Errorf("storage: reading the event outbox: %w", err)
	}
	if !found {
		return nil, nil
	}
	var o storedOutbox
	if err := json.Unmarshal(raw, &o); err != nil {
		s.storageError(fmt.Errorf("storage: the stored event outbox is not usable (%v); it is replaced", err))
		return nil, nil
	}
	return o.Events, nil
}

// loadOutbox takes the stored events of the person into the session's
// outbox (before its own, which are newer), skipping those it has, and shows
// the tabs the changes they stand for (the server may not know them yet);
// it runs once, on the sender's goroutine, before anything is sent.
func (s *session) loadOutbox() {
	ctx, cancel := context.WithTimeout(context.Background(), storageTimeout)
	defer cancel()
	s.r.storeMu.Lock()
	stored, err := s.readOutbox(ctx)
	s.r.storeMu.Unlock()
	if err != nil {
		s.storageError(err)
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	have := map[string]bool{}
	for _, e := range s.outbox {
		have[e.ID] = true
	}
	var merged []inbox.Event
	for _, e := range stored {
		if e.ID != "" && !have[e.ID] && !s.finished[e.ID] {
			have[e.ID] = true
			merged = append(merged, e)
		}
	}
	if len(merged) > 0 {
		s.outbox = append(merged, s.outbox...)
		s.outboxChanged()
	}
	s.applied(s.store.Overlay(s.outbox))
}

// persistOutbox writes the session's outbox to storage, when it changed since
// the last write: it reads what is stored (other sessions of the person, in
// this runtime or another tab's, may have added theirs), drops what this
// session saw acknowledged or rejected, adds what it has queued, and writes
// the result once. A failure is a storage-error and is returned; the events
// stay queued in memory and are sent all the same.
func (s *session) persistOutbox() error {
	s.r.storeMu.Lock()
	defer s.r.storeMu.Unlock()
	s.r.mu.Lock()
	clean := s.written == s.changes
	s.r.mu.Unlock()
	if clean {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storageTimeout)
	defer cancel()
	stored, err := s.readOutbox(ctx)
	if err != nil {
		s.storageError(err)
		return err
	}
	s.r.mu.Lock()
	gen := s.changes
	finished := make([]string, 0, len(s.finished))
	for id := range s.finished {
		finished = append(finished, id)
	}
	have := map[string]bool{}
	var merged []inbox.Event
	for _, e := range stored {
		if !s.finished[e.ID] && !have[e.ID] {
			have[e.ID] = true
			merged = append(merged, e)
		}
	}
	for _, e := range s.outbox {
		if !have[e.ID] {
			have[e.ID] = true
			merged = append(merged, e)
		}
	}
	s.r.mu.Unlock()
	dropped := 0
	if len(merged) > MaxStoredEvents {
		dropped = len(merged) - MaxStoredEvents
		merged = merged[dropped:]
	}
	value, _ := json.Marshal(storedOutbox{Events: append([]inbox.Event{}, merged...)})
	if err := s.r.opts.Storage.Set(ctx, outboxPrefix+s.user, value); err != nil {
		s.r.mu.Lock()
		s.written = max(s.written, gen) // reported once: the next change writes everything again
		s.r.mu.Unlock()
		err = fmt.Errorf("storage: keeping the event outbox: %w", err)
		s.storageError(err)
		return err
	}
	if dropped > 0 {
		s.storageError(fmt.Errorf("storage: the event outbox holds over %d events; the %d oldest are no longer kept across page loads", MaxStoredEvents, dropped))
	}
	s.r.mu.Lock()
	s.written = max(s.written, gen)
	for _, id := range finished {
		delete(s.finished, id)
	}
	s.r.mu.Unlock()
	return nil
}
