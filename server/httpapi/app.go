package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/roostmsg/roost/server"
)

// templateBody is a template as the HTTP API shows it.
type templateBody struct {
	Message *server.Template `json:"message"`
}

// contentBody is a content variant as PUT .../content/{content_id} answers
// it: its body as a JSON string, the form of the seed docs.
type contentBody struct {
	Content struct {
		ID           int    `json:"id"`
		TemplateID   int    `json:"transactional_message_id"`
		Language     string `json:"language"`
		Body         string `json:"body"`
		UpdatedAtSec int64  `json:"updated_at"`
	} `json:"content"`
}

// handleListTemplates answers GET /v1/transactional.
func (h *Handler) handleListTemplates(w http.ResponseWriter, r *http.Request) error {
	ts, err := h.srv.ListTemplates(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": ts})
	return nil
}

// handleGetTemplate answers GET /v1/transactional/{id}.
func (h *Handler) handleGetTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := h.pathTemplate(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templateBody{Message: t})
	return nil
}

// handleListContents answers GET /v1/transactional/{id}/contents.
func (h *Handler) handleListContents(w http.ResponseWriter, r *http.Request) error {
	t, err := h.pathTemplate(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contents": t.Contents})
	return nil
}

// pathTemplate returns the template the {id} path value names, or ENOTFOUND.
func (h *Handler) pathTemplate(r *http.Request) (*server.Template, error) {
	id, err := templateID(r)
	if err != nil {
		return nil, err
	}
	return h.srv.FindTemplate(r.Context(), id)
}

// handleCreateTemplate answers POST /v1/transactional: a new template,
// with the next free id unless the body names one.
func (h *Handler) handleCreateTemplate(w http.ResponseWriter, r *http.Request) error {
	var t server.Template
	if err := readJSON(w, r, MaxSendBody, &t); err != nil {
		return err
	}
	if err := h.srv.CreateTemplate(r.Context(), &t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, templateBody{Message: &t})
	return nil
}

// handlePutTemplate answers PUT /v1/transactional/{id}: it creates or
// replaces the whole template with the id of the path.
func (h *Handler) handlePutTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := templateID(r)
	if err != nil {
		return err
	}
	var t server.Template
	if err := readJSON(w, r, MaxSendBody, &t); err != nil {
		return err
	}
	if err := h.srv.PutTemplate(r.Context(), id, &t); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templateBody{Message: &t})
	return nil
}

// handleDeleteTemplate answers DELETE /v1/transactional/{id}.
func (h *Handler) handleDeleteTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := templateID(r)
	if err != nil {
		return err
	}
	if err := h.srv.DeleteTemplate(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// putContentRequest is the body of PUT /v1/transactional/{id}/content/{content_id}.
type putContentRequest struct {
	// Body is the new content: a JSON object, or a string holding one.
	Body json.RawMessage `json:"body"`
}

// handlePutContent answers PUT /v1/transactional/{id}/content/{content_id}:
// it replaces the body of one content variant, after a Liquid check.
func (h *Handler) handlePutContent(w http.ResponseWriter, r *http.Request) error {
	id, err := templateID(r)
	if err != nil {
		return err
	}
	contentID, err := strconv.Atoi(r.PathValue("content_id"))
	if err != nil || contentID <= 0 {
		return server.Errorf(server.ENOTFOUND, "content %s not found", server.Quote(r.PathValue("content_id")))
	}
	var req putContentRequest
	if err := readJSON(w, r, MaxSendBody, &req); err != nil {
		return err
	}
	t, c, err := h.srv.PutContent(r.Context(), id, contentID, req.Body)
	if err != nil {
		return err
	}
	var resp contentBody
	resp.Content.ID, resp.Content.TemplateID, resp.Content.Language = c.ID, t.ID, c.Language
	resp.Content.Body, resp.Content.UpdatedAtSec = string(c.Body), h.srv.Now().Unix()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// templateID returns the {id} path value, or ENOTFOUND when it is not a
// positive number.
func templateID(r *http.Request) (int, error) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 {
		return 0, server.Errorf(server.ENOTFOUND, "template %s not found", server.Quote(r.PathValue("id")))
	}
	return id, nil
}

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
func (h *Handler) handleGetPerson(w http.ResponseWriter, r *http.Request) error {
	if err := server.ValidatePersonID(r.PathValue("id")); err != nil {
		return err
	}
	p, err := h.srv.FindPerson(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personBody{ID: p.ID, Attributes: p.Attributes, Unsubscribed: p.Unsubscribed()})
	return nil
}

// handlePutPerson answers PUT /v1/people/{id}: it merges the body's
// attributes (and unsubscribed flag) into the person's, creating the
// person if needed.
func (h *Handler) handlePutPerson(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := server.ValidatePersonID(id); err != nil {
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
			return server.Errorf(server.EINVALID, `"attributes" must be an object: %s`, want)
		}
	}
	if unsub, err := decodeBool("unsubscribed", req.Unsubscribed); err != nil {
		return err
	} else if unsub != nil {
		attrs["unsubscribed"] = *unsub
	} else if isNull(req.Attributes) {
		return server.Errorf(server.EINVALID, "nothing to set: %s", want)
	}
	p, err := h.srv.MergePerson(r.Context(), id, attrs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personBody{ID: p.ID, Attributes: p.Attributes, Unsubscribed: p.Unsubscribed()})
	return nil
}

// handleGetDelivery answers GET /v1/deliveries/{id} with the delivery's state.
func (h *Handler) handleGetDelivery(w http.ResponseWriter, r *http.Request) error {
	st, err := h.srv.FindDelivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// handleListDrafts answers GET /v1/drafts[?person=ID][&limit=N]: drafts
// (deliveries made with queue_draft), oldest first.
func (h *Handler) handleListDrafts(w http.ResponseWriter, r *http.Request) error {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			n = -1 // the server says what a limit must be
		}
		limit = n
	}
	person := r.URL.Query().Get("person")
	if person != "" {
		if err := server.ValidatePersonID(person); err != nil {
			return err
		}
	}
	states, err := h.srv.ListDrafts(r.Context(), person, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"drafts": states})
	return nil
}

// handleSendDraft answers POST /v1/drafts/{id}/send: the draft is queued
// now (or at its send_at, if that is still ahead); the answer is a send's.
func (h *Handler) handleSendDraft(w http.ResponseWriter, r *http.Request) error {
	d, err := h.srv.SendDraft(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sendAnswer(d))
	return nil
}

// handleDeleteDraft answers DELETE /v1/drafts/{id}: the draft is gone and
// will never be sent.
func (h *Handler) handleDeleteDraft(w http.ResponseWriter, r *http.Request) error {
	if err := h.srv.DeleteDraft(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
