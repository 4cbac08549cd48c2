package server

import (
	"net/http"

	"github.com/roostmsg/roost/inbox"
)

// handleEvents answers POST /v1/client/events: it applies a batch of the
// person's events in one transaction and says which ids are acknowledged
// and which are rejected for good.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, personID string) error {
	var batch inbox.EventBatch
	if err := readJSON(w, r, MaxEventsBody, &batch); err != nil {
		return err
	}
	if len(batch.Events) > MaxEventsPerBatch {
		return Errorf(EINVALID, "too many events: %d (at most %d per request)", len(batch.Events), MaxEventsPerBatch)
	}
	resp := inbox.EventsResponse{Acknowledged: []string{}}
	valid := make([]inbox.Event, 0, len(batch.Events))
	for _, e := range batch.Events {
		if reason := ValidateEvent(e); reason != "" {
			resp.Rejected = append(resp.Rejected, inbox.RejectedEvent{ID: e.ID, Error: reason})
			continue
		}
		valid = append(valid, e)
	}
	if len(valid) > 0 {
		reasons, err := s.store.ApplyEvents(r.Context(), personID, valid, s.now())
		if err != nil {
			return err
		}
		for i, e := range valid {
			if reasons[i] == "" {
				resp.Acknowledged = append(resp.Acknowledged, e.ID)
			} else {
				resp.Rejected = append(resp.Rejected, inbox.RejectedEvent{ID: e.ID, Error: reasons[i]})
			}
		}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
