package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// handlePoll answers GET /v1/client/poll: the person's queued messages,
// with an ETag of the body so an unchanged answer costs a 304.
func (h *Handler) handlePoll(w http.ResponseWriter, r *http.Request, personID string) error {
	a, err := h.srv.Poll(r.Context(), personID)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", a.ETag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if etagMatch(r.Header.Get("If-None-Match"), a.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeBody(w, http.StatusOK, a.Body)
	return nil
}

// etagMatch reports whether an If-None-Match header value matches etag
// (weak comparison, as RFC 9110 prescribes for If-None-Match).
func etagMatch(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

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
// kept exact, and the reason it is rejected when they are not an object
// (as server.ValidateEvent says of an identify event with none, or of any
// other event with some), else "".
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
	e.Attributes = nil
	if reason := server.ValidateEvent(e); reason != "" {
		return e, reason
	}
	return e, "attributes are only for identify events"
}

// handleEvents answers POST /v1/client/events: it applies a batch of the
// person's events (server.ApplyEvents) and says which ids are acknowledged
// and which are rejected for good.
func (h *Handler) handleEvents(w http.ResponseWriter, r *http.Request, personID string) error {
	if err := h.srv.CheckEventsBudget(personID); err != nil {
		return err // before reading: a person over the budget costs no decoding
	}
	var batch eventsRequest
	if err := readJSON(w, r, MaxEventsBody, &batch); err != nil {
		return err
	}
	if err := server.CheckEventsBatch(len(batch.Events)); err != nil {
		return err
	}
	resp := inbox.EventsResponse{Acknowledged: []string{}}
	events := make([]inbox.Event, 0, len(batch.Events))
	for _, ce := range batch.Events {
		e, reason := ce.event()
		if reason != "" {
			resp.Rejected = append(resp.Rejected, inbox.RejectedEvent{ID: e.ID, Error: reason})
			continue
		}
		events = append(events, e)
	}
	reasons, err := h.srv.ApplyEvents(r.Context(), personID, events)
	if err != nil {
		return err
	}
	for i, e := range events {
		if reasons[i] == "" {
			resp.Acknowledged = append(resp.Acknowledged, e.ID)
		} else {
			resp.Rejected = append(resp.Rejected, inbox.RejectedEvent{ID: e.ID, Error: reasons[i]})
		}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
