package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/roostmsg/roost/render"
)

// templateBody is a template as the HTTP API shows it: the template with
// its contents and when the answer was made.
type templateBody struct {
	Message *Template `json:"message"`
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
func (s *Server) handleListTemplates(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.ListTemplates(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": ts})
	return nil
}

// handleGetTemplate answers GET /v1/transactional/{id}.
func (s *Server) handleGetTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.templateParam(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templateBody{Message: t})
	return nil
}

// handleListContents answers GET /v1/transactional/{id}/contents.
func (s *Server) handleListContents(w http.ResponseWriter, r *http.Request) error {
	t, err := s.templateParam(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contents": t.Contents})
	return nil
}

// templateParam returns the template the {id} path value names, or ENOTFOUND.
func (s *Server) templateParam(r *http.Request) (*Template, error) {
	id, err := templateIDParam(r)
	if err != nil {
		return nil, err
	}
	return s.store.FindTemplateByID(r.Context(), id)
}

// handleCreateTemplate answers POST /v1/transactional: a new template,
// with the next free id unless the body names one.
func (s *Server) handleCreateTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.readTemplate(w, r)
	if err != nil {
		return err
	}
	if err := s.store.CreateTemplate(r.Context(), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, templateBody{Message: t})
	return nil
}

// handlePutTemplate answers PUT /v1/transactional/{id}: it creates or
// replaces the whole template with the id of the path.
func (s *Server) handlePutTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := templateIDParam(r)
	if err != nil {
		return err
	}
	t, err := s.readTemplate(w, r)
	if err != nil {
		return err
	}
	if t.ID != 0 && t.ID != id {
		return Errorf(EINVALID, "the body's id %d is not the path's id %d", t.ID, id)
	}
	t.ID = id
	if err := s.store.UpsertTemplate(r.Context(), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templateBody{Message: t})
	return nil
}

// handleDeleteTemplate answers DELETE /v1/transactional/{id}. Messages
// already sent from it are not affected.
func (s *Server) handleDeleteTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := templateIDParam(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteTemplate(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// putContentRequest is the body of PUT /v1/transactional/{id}/content/{content_id}.
type putContentRequest struct {
	// Body is the new content: a JSON object, or a string holding one (the
	// seed docs send the body as a string).
	Body json.RawMessage `json:"body"`
}

// handlePutContent answers PUT /v1/transactional/{id}/content/{content_id}:
// it replaces the body of one content variant, after a Liquid check.
func (s *Server) handlePutContent(w http.ResponseWriter, r *http.Request) error {
	id, err := templateIDParam(r)
	if err != nil {
		return err
	}
	contentID, err := strconv.Atoi(r.PathValue("content_id"))
	if err != nil || contentID <= 0 {
		return Errorf(ENOTFOUND, "content %s not found", quote(r.PathValue("content_id")))
	}
	var req putContentRequest
	if err := readJSON(w, r, MaxSendBody, &req); err != nil {
		return err
	}
	body, err := contentObject(req.Body)
	if err != nil {
		return err
	}
	var updated Content
	t, err := s.store.UpdateTemplate(r.Context(), id, func(t *Template) error {
		for i := range t.Contents {
			if t.Contents[i].ID == contentID {
				t.Contents[i].Body = body
				updated = t.Contents[i]
				return s.checkLiquid(t)
			}
		}
		return Errorf(ENOTFOUND, "template %d has no content %d", id, contentID)
	})
	if ErrorCode(err) == ENOTFOUND && t == nil && ErrorMessage(err) == "template not found" {
		return Errorf(ENOTFOUND, "template %d not found", id)
	}
	if err != nil {
		return err
	}
	var resp contentBody
	resp.Content.ID, resp.Content.TemplateID, resp.Content.Language = updated.ID, t.ID, updated.Language
	resp.Content.Body, resp.Content.UpdatedAtSec = string(updated.Body), s.now().Unix()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// contentObject returns a content body given as a JSON object or as a
// string that holds one.
func contentObject(raw json.RawMessage) (json.RawMessage, error) {
	const want = `"body" is required: the message content as a JSON object, or a string holding one`
	if isNull(raw) {
		return nil, Errorf(EINVALID, want)
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		raw = json.RawMessage(text)
	}
	if !isJSONObject(raw) {
		return nil, Errorf(EINVALID, want)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, Errorf(EINVALID, want)
	}
	return buf.Bytes(), nil
}

// readTemplate decodes, normalizes and checks a template body, including
// the Liquid syntax of every content.
func (s *Server) readTemplate(w http.ResponseWriter, r *http.Request) (*Template, error) {
	var t Template
	if err := readJSON(w, r, MaxSendBody, &t); err != nil {
		return nil, err
	}
	if err := t.Normalize(); err != nil {
		return nil, err
	}
	if err := s.checkLiquid(&t); err != nil {
		return nil, err
	}
	return &t, nil
}

// checkLiquid returns an EINVALID error naming the content, field, line
// and reason of the first Liquid syntax error in t's contents.
func (s *Server) checkLiquid(t *Template) error {
	return CheckLiquid(s.render, t)
}

// CheckLiquid returns an EINVALID error naming the content, field, line
// and reason of the first Liquid syntax error in t's contents, as r finds them.
func CheckLiquid(r *render.Renderer, t *Template) error {
	for _, c := range t.Contents {
		if err := r.CheckContent(c.Body); err != nil {
			lang := "default content"
			if c.Language != "" {
				lang = "content " + quote(c.Language)
			}
			name := strconv.Itoa(t.ID)
			if t.ID == 0 {
				name = quote(t.TriggerName)
			}
			return Errorf(EINVALID, "template %s, %s (id %d): Liquid syntax error: %v", name, lang, c.ID, err)
		}
	}
	return nil
}

// templateIDParam returns the {id} path value, or ENOTFOUND.
func templateIDParam(r *http.Request) (int, error) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 {
		return 0, Errorf(ENOTFOUND, "template %s not found", quote(r.PathValue("id")))
	}
	return id, nil
}
