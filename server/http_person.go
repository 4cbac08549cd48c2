package server

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// putPersonRequest is the body of PUT /v1/people/{id}.
type putPersonRequest struct {
	// Attributes are merged into the person's; null removes one.
	Attributes json.RawMessage `json:"attributes"`
	// Unsubscribed, when present, sets the "unsubscribed" attribute.
	Unsubscribed json.RawMessage `json:"unsubscribed"`
}

// personBody is a person as the HTTP API shows them.
type personBody struct {
	ID           string         `json:"id"`
	Attributes   map[string]any `json:"attributes"`
	Unsubscribed bool           `json:"unsubscribed"`
}

// handleGetPerson answers GET /v1/people/{id}.
func (s *Server) handleGetPerson(w http.ResponseWriter, r *http.Request) error {
	p, err := s.store.FindPerson(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personBody{ID: p.ID, Attributes: p.Attributes, Unsubscribed: p.Unsubscribed()})
	return nil
}

// handlePutPerson answers PUT /v1/people/{id}: it merges the body's
// attributes (and unsubscribed flag) into the person's, creating the
// person if needed.
func (s *Server) handlePutPerson(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := ValidatePersonID(id); err != nil {
		return err
	}
	var req putPersonRequest
	if err := readJSON(w, r, MaxSendBody, &req); err != nil {
		return err
	}
	const want = `send "attributes" (an object) or "unsubscribed" (true or false), or both`
	attrs := map[string]any{}
	if !isNull(req.Attributes) {
		dec := json.NewDecoder(bytes.NewReader(req.Attributes))
		dec.UseNumber()
		if dec.Decode(&attrs) != nil || attrs == nil {
			return Errorf(EINVALID, `"attributes" must be an object: %s`, want)
		}
	}
	if unsub, err := parseBool("unsubscribed", req.Unsubscribed); err != nil {
		return err
	} else if unsub != nil {
		attrs["unsubscribed"] = *unsub
	} else if isNull(req.Attributes) {
		return Errorf(EINVALID, "nothing to set: %s", want)
	}
	if err := ValidateAttributes(attrs); err != nil {
		return err
	}
	p, err := s.store.MergePerson(r.Context(), id, attrs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personBody{ID: p.ID, Attributes: p.Attributes, Unsubscribed: p.Unsubscribed()})
	return nil
}
