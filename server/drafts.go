package server

import "context"

// Limits on listing drafts.
const (
	// DefaultDraftsLimit is how many drafts ListDrafts returns for a limit of 0.
	DefaultDraftsLimit = 100
	// MaxDraftsLimit is the largest limit ListDrafts accepts.
	MaxDraftsLimit = 1000
)

// FindDelivery returns the send-side state of the delivery with id now,
// or ENOTFOUND.
func (s *Server) FindDelivery(ctx context.Context, id string) (*DeliveryState, error) {
	d, err := s.store.FindDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	st := d.State(s.Now())
	return &st, nil
}

// ListDrafts returns the drafts (deliveries made with queue_draft) of
// personID, or of everyone when it is "", oldest first, at most limit of
// them (0: DefaultDraftsLimit). A limit outside 0..MaxDraftsLimit is EINVALID.
func (s *Server) ListDrafts(ctx context.Context, personID string, limit int) ([]DeliveryState, error) {
	if limit == 0 {
		limit = DefaultDraftsLimit
	}
	if limit < 0 || limit > MaxDraftsLimit {
		return nil, Errorf(EINVALID, "limit must be a whole number from 1 to %d", MaxDraftsLimit)
	}
	ds, err := s.store.ListDrafts(ctx, personID, limit)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	states := make([]DeliveryState, len(ds))
	for i, d := range ds {
		states[i] = d.State(now)
	}
	return states, nil
}

// SendDraft queues the draft with id now (or at its send_at, if that is
// still ahead) and returns it. Returns ENOTFOUND, or ECONFLICT when the
// delivery is not a draft.
func (s *Server) SendDraft(ctx context.Context, id string) (*Delivery, error) {
	now := s.Now()
	return s.store.UpdateDelivery(ctx, id, func(d *Delivery) error {
		if !d.Draft {
			return Errorf(ECONFLICT, "delivery %s is not a draft (it was sent already)", Quote(d.ID))
		}
		d.Reschedule(now)
		return nil
	})
}

// DeleteDraft removes the draft with id: it will never be sent. Returns
// ENOTFOUND, or ECONFLICT when the delivery is not a draft.
func (s *Server) DeleteDraft(ctx context.Context, id string) error {
	return s.store.DeleteDraft(ctx, id)
}
