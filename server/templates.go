package server

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/roostmsg/roost/render"
)

// ListTemplates returns every template, by id.
func (s *Server) ListTemplates(ctx context.Context) ([]*Template, error) {
	return s.store.ListTemplates(ctx)
}

// FindTemplate returns the template with id, or ENOTFOUND.
func (s *Server) FindTemplate(ctx context.Context, id int) (*Template, error) {
	if id <= 0 {
		return nil, Errorf(ENOTFOUND, "template %d not found", id)
	}
	return s.store.FindTemplateByID(ctx, id)
}

// CreateTemplate normalizes and checks t (Normalize, the Liquid of every
// content) and stores it as a new template, with the next free id unless
// t has one. Returns EINVALID or ECONFLICT as Store.CreateTemplate does.
func (s *Server) CreateTemplate(ctx context.Context, t *Template) error {
	if err := s.prepareTemplate(t); err != nil {
		return err
	}
	return s.store.CreateTemplate(ctx, t)
}

// PutTemplate normalizes and checks t and stores it as the template with
// id, created or replaced whole. Returns EINVALID when t names another id.
func (s *Server) PutTemplate(ctx context.Context, id int, t *Template) error {
	if id <= 0 {
		return Errorf(ENOTFOUND, "template %d not found", id)
	}
	if t.ID != 0 && t.ID != id {
		return Errorf(EINVALID, "the body's id %d is not the path's id %d", t.ID, id)
	}
	t.ID = id
	if err := s.prepareTemplate(t); err != nil {
		return err
	}
	return s.store.UpsertTemplate(ctx, t)
}

// DeleteTemplate removes the template with id, or returns ENOTFOUND.
// Messages already sent from it keep their copy.
func (s *Server) DeleteTemplate(ctx context.Context, id int) error {
	if id <= 0 {
		return Errorf(ENOTFOUND, "template %d not found", id)
	}
	return s.store.DeleteTemplate(ctx, id)
}

// PutContent replaces the body of content contentID of template id, after
// a Liquid check, and returns the template and the content. body is a JSON
// object, or a JSON string holding one (the seed docs' form). Returns
// ENOTFOUND for an unknown template or content, EINVALID for a bad body.
func (s *Server) PutContent(ctx context.Context, id, contentID int, body json.RawMessage) (*Template, Content, error) {
	if id <= 0 {
		return nil, Content{}, Errorf(ENOTFOUND, "template %d not found", id)
	}
	if contentID <= 0 {
		return nil, Content{}, Errorf(ENOTFOUND, "template %d has no content %d", id, contentID)
	}
	body, err := contentObject(body)
	if err != nil {
		return nil, Content{}, err
	}
	var updated Content
	t, err := s.store.UpdateTemplate(ctx, id, func(t *Template) error {
		for i := range t.Contents {
			if t.Contents[i].ID == contentID {
				t.Contents[i].Body = body
				updated = t.Contents[i]
				return CheckLiquid(s.render, t)
			}
		}
		return Errorf(ENOTFOUND, "template %d has no content %d", id, contentID)
	})
	if ErrorCode(err) == ENOTFOUND && t == nil && ErrorMessage(err) == "template not found" {
		return nil, Content{}, Errorf(ENOTFOUND, "template %d not found", id)
	}
	if err != nil {
		return nil, Content{}, err
	}
	return t, updated, nil
}

// contentObject returns a content body given as a JSON object or as a
// string that holds one, compacted.
func contentObject(raw json.RawMessage) (json.RawMessage, error) {
	const want = `"body" is required: the message content as a JSON object, or a string holding one`
	if len(raw) == 0 || string(raw) == "null" {
		return nil, Errorf(EINVALID, want)
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		raw = json.RawMessage(text)
		if err := CheckJSONText(raw); err != nil {
			return nil, Errorf(EINVALID, `"body": %s`, ErrorMessage(err))
		}
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

// prepareTemplate normalizes t and checks the Liquid of its contents.
func (s *Server) prepareTemplate(t *Template) error {
	if err := t.Normalize(); err != nil {
		return err
	}
	return CheckLiquid(s.render, t)
}

// CheckLiquid returns an EINVALID error naming the content, field, line
// and reason of the first Liquid error in t's contents, as r finds them: a
// body over MaxContentBytes (before any parse), a syntax error, or a
// template that cannot render within the render budget (render/budget.go).
func CheckLiquid(r *render.Renderer, t *Template) error {
	for _, c := range t.Contents {
		if err := t.checkContentSize(c); err != nil {
			return err
		}
	}
	for _, c := range t.Contents {
		if err := r.CheckContent(c.Body); err != nil {
			kind := "Liquid syntax error"
			if rerr, ok := err.(*render.Error); ok && rerr.OverBudget() {
				kind = "it cannot render within the budget"
			}
			return Errorf(EINVALID, "template %s, %s (id %d): %s: %v", t.name(), c.describe(), c.ID, kind, err)
		}
	}
	return nil
}
