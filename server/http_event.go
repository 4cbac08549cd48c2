package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/roostmsg/roost/inbox"
)

// eventsRequest is the body of POST /v1/client/events as read.
type eventsRequest struct {
	Events []clientEvent `json:"events"`
}

// clientEvent is an inbox.Event as read from a request: its attributes are
// kept raw, so that attributes which are not an object reject their event
// rather than the whole batch.
type clientEvent struct {
	ID         string          `json:"id"`
	DeliveryID string          `json:"delivery_id"`
	Type       string          `json:"type"`
	Action     string          `json:"action"`
	AtMs       int64           `json:"at_ms"`
	Attributes json.RawMessage `json:"attributes"`
}

// event returns ce as an inbox.Event, its attributes decoded with numbers
// kept exact, and the reason it is rejected, or "" when ValidateEvent is to
// decide.
func (ce clientEvent) event() (inbox.Event, string) {
	e := inbox.Event{ID: ce.ID, DeliveryID: ce.DeliveryID, Type: ce.Type, Action: ce.Action, AtMs: ce.AtMs}
	if isNull(ce.Attributes) {
		return e, ""
	}
	dec := json.NewDecoder(bytes.NewReader(ce.Attributes))
	dec.UseNumber()
	if dec.Decode(&e.Attributes) == nil && e.Attributes != nil {
		return e, ""
	}
	// Not an object: as ValidateEvent says of an identify event with
	// none, or of any other event with some.
	e.Attributes = nil
	if reason := ValidateEvent(e); reason != "" {
		return e, reason
	}
	return e, "attributes are only for identify events"
}

// handleEvents answers POST /v1/client/events: it applies a batch of the
// person's events in one transaction and says which ids are acknowledged
// and which are rejected for good.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, personID string) error {
	var batch eventsRequest
	if err := readJSON(w, r, MaxEventsBody, &batch); err != nil {
		return err
	}
	if len(batch.Events) > MaxEventsPerBatch {
		return Errorf(EINVALID, "too many events: %d (at most %d per request)", len(batch.Events), MaxEventsPerBatch)
	}
	resp := inbox.EventsResponse{Acknowledged: []string{}}
	valid := make([]inbox.Event, 0, len(batch.Events))
	for _, ce := range batch.Events {
		e, reason := ce.event()
		if reason == "" {
			reason = ValidateEvent(e)
		}
		if reason != "" {
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
