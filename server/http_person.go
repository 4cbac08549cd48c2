package server

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// putPersonRequest is the body of PUT /v1/people/{id}.
type putPersonRequest struct {
	Attributes json.RawMessage `json:"attributes"`
}

// handlePutPerson answers PUT /v1/people/{id}: it merges the body's
// attributes into the person's, creating the person if needed.
func (s *Server) handlePutPerson(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := ValidatePersonID(id); err != nil {
		return err
	}
	var req putPersonRequest
	if err := readJSON(w, r, MaxSendBody, &req); err != nil {
		return err
	}
	var attrs map[string]any
	dec := json.NewDecoder(bytes.NewReader(req.Attributes))
	dec.UseNumber()
	if len(req.Attributes) == 0 || dec.Decode(&attrs) != nil || attrs == nil {
		return Errorf(EINVALID, `"attributes" is required and must be an object`)
	}
	p, err := s.store.MergePerson(r.Context(), id, attrs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
