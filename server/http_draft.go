package server

import (
	"net/http"
	"strconv"
)

// Limits on listing drafts.
const (
	// DefaultDraftsLimit is how many drafts GET /v1/drafts returns without ?limit.
	DefaultDraftsLimit = 100
	// MaxDraftsLimit is the largest ?limit GET /v1/drafts accepts.
	MaxDraftsLimit = 1000
)

// handleListDrafts answers GET /v1/drafts[?person=ID][&limit=N]: drafts
// (deliveries made with queue_draft), oldest first.
func (s *Server) handleListDrafts(w http.ResponseWriter, r *http.Request) error {
	limit := DefaultDraftsLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > MaxDraftsLimit {
			return Errorf(EINVALID, "limit must be a whole number from 1 to %d", MaxDraftsLimit)
		}
		limit = n
	}
	ds, err := s.store.ListDrafts(r.Context(), r.URL.Query().Get("person"), limit)
	if err != nil {
		return err
	}
	now := s.now()
	states := make([]deliveryState, len(ds))
	for i, d := range ds {
		states[i] = d.state(now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"drafts": states})
	return nil
}

// handleSendDraft answers POST /v1/drafts/{id}/send: the draft is queued
// now (or at its send_at, if that is still ahead) and the answer is that of
// a send.
func (s *Server) handleSendDraft(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	d, err := s.store.UpdateDelivery(r.Context(), r.PathValue("id"), func(d *Delivery) error {
		if !d.Draft {
			return Errorf(ECONFLICT, "delivery %s is not a draft (it was sent already)", quote(d.ID))
		}
		d.Reschedule(now)
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sendAnswer(d))
	return nil
}

// handleDeleteDraft answers DELETE /v1/drafts/{id}: the draft is gone and
// will never be sent.
func (s *Server) handleDeleteDraft(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteDraft(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
