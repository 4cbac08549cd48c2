package server

import "net/http"

// handleGetDelivery answers GET /v1/deliveries/{id} with the delivery's state.
func (s *Server) handleGetDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.FindDelivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d.state(s.now()))
	return nil
}
