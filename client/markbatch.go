package client

import (
	"fmt"

	"github.com/roostmsg/roost/inbox"
)

// markBatch applies a mark op, {"op":"mark","deliveryIds":[...],"state"}
// (receive makes the one-message form, deliveryId, a batch of one): every message of the list gets state in one go, under one hold
// of r.mu, so the tabs get one snapshot per view, the person's other
// runtimes one peer message, and the outbox one write (Receive), however
// long the list. It is all or nothing: the list is checked first (its
// length, the state, that the store holds every id) and an error changes
// nothing; an unknown id fails the op with inbox.ErrUnknownMessage naming
// the first one. A message already in state (or listed twice) queues no
// event; each one that changes queues one, with its own id.
func (r *Runtime) markBatch(p *port, m inMsg) error {
	s := r.sessions[p.user]
	if s == nil {
		return fmt.Errorf("no person is identified")
	}
	if err := s.mayChange(p); err != nil {
		return err
	}
	if m.DeliveryID != "" {
		return fmt.Errorf("mark: give deliveryId or deliveryIds, not both")
	}
	if len(m.DeliveryIDs) > MaxMarkBatch {
		return fmt.Errorf("mark: %d delivery ids, over the limit of %d in one op", len(m.DeliveryIDs), MaxMarkBatch)
	}
	var set func(id string) (bool, error)
	switch m.State {
	case inbox.EventOpened, inbox.EventUnopened:
		opened := m.State == inbox.EventOpened
		set = func(id string) (bool, error) { return s.store.SetOpened(id, opened) }
	case inbox.EventDeleted:
		set = s.store.Delete
	default:
		return fmt.Errorf("unknown state %q: use opened, unopened or deleted", m.State)
	}
	for _, id := range m.DeliveryIDs {
		if !s.store.Has(id) {
			return fmt.Errorf("%w %q", inbox.ErrUnknownMessage, id)
		}
	}
	at := r.opts.Clock.Now().UnixMilli()
	var events []inbox.Event
	for _, id := range m.DeliveryIDs {
		changed, err := set(id)
		if err != nil { // the store holds id: only a store that changed its rules fails here
			return err
		}
		if changed {
			events = append(events, inbox.Event{ID: newID(), DeliveryID: id, Type: m.State, AtMs: at})
		}
	}
	if len(events) == 0 {
		return nil
	}
	s.applied(true)
	s.loop.share(events...) // the person's tabs with their own runtime show them at once
	for _, e := range events {
		s.queue(e) // r.mu is held: the sender takes them together
	}
	return nil
}
