package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/roostmsg/roost/inbox"
)

// sendRequest is the body of POST /v1/send/inbox_message and /v1/send/in_app.
// Fields of the Customer.io API that Roost does not use yet are ignored, but
// for the two that would change when or whether a message goes out: a future
// send_at and queue_draft are refused rather than sent at once.
type sendRequest struct {
	TransactionalMessageID json.RawMessage            `json:"transactional_message_id"`
	Identifiers            map[string]json.RawMessage `json:"identifiers"`
	MessageData            json.RawMessage            `json:"message_data"`
	SendAt                 *float64                   `json:"send_at"`
	QueueDraft             bool                       `json:"queue_draft"`
}

// sendResponse is the 200 answer to a send.
type sendResponse struct {
	DeliveryID string `json:"delivery_id"`
	QueuedAt   int64  `json:"queued_at"`
}

// identifier is the one way a send request names its person.
type identifier struct {
	kind  string // "id", "email" or "cio_id"
	value string
}

// sendHandler returns the handler that queues a template of channel.
func (s *Server) sendHandler(channel string) appHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req sendRequest
		if err := readJSON(w, r, MaxSendBody, &req); err != nil {
			return err
		}
		if req.SendAt != nil && int64(*req.SendAt) > s.now().Unix() {
			return Errorf(EINVALID, "send_at in the future is not supported yet: leave it out to send now")
		}
		if req.QueueDraft {
			return Errorf(EINVALID, "queue_draft is not supported yet: leave it out to send now")
		}
		ident, err := parseIdentifiers(req.Identifiers)
		if err != nil {
			return err
		}
		data, err := parseMessageData(req.MessageData)
		if err != nil {
			return err
		}
		t, err := s.findTemplate(r.Context(), req.TransactionalMessageID)
		if err != nil {
			return err
		}
		if t.Channel != channel {
			return Errorf(EINVALID, "template %d (%s) is an %s template; send it with POST /v1/send/%s",
				t.ID, quote(t.TriggerName), t.Channel, sendPath(t.Channel))
		}
		p, err := s.resolvePerson(r.Context(), ident)
		if err != nil {
			return err
		}
		now := s.now()
		d := NewDelivery(s.ids.newID(now), t, p.ID, data, now)
		if err := s.store.CreateDelivery(r.Context(), d); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, sendResponse{DeliveryID: d.ID, QueuedAt: d.QueuedAt.Unix()})
		return nil
	}
}

// sendPath is the last element of the send route of channel.
func sendPath(channel string) string {
	if channel == inbox.ChannelInbox {
		return "inbox_message"
	}
	return channel
}

// findTemplate resolves a transactional_message_id: a numeric id (a JSON
// number or a string of digits) or a trigger name, case-insensitive.
func (s *Server) findTemplate(ctx context.Context, raw json.RawMessage) (*Template, error) {
	notFound := Errorf(EINVALID, `"transactional_message_id" not found`)
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || dec.Decode(&v) != nil || v == nil {
		return nil, Errorf(EINVALID, `"transactional_message_id" is required`)
	}
	var t *Template
	var err error
	switch v := v.(type) {
	case json.Number:
		id, convErr := strconv.Atoi(v.String())
		if convErr != nil || id <= 0 {
			return nil, notFound
		}
		t, err = s.store.FindTemplateByID(ctx, id)
	case string:
		if v == "" {
			return nil, Errorf(EINVALID, `"transactional_message_id" is required`)
		}
		if isDigits(v) {
			if id, convErr := strconv.Atoi(v); convErr == nil && id > 0 {
				t, err = s.store.FindTemplateByID(ctx, id)
				if ErrorCode(err) != ENOTFOUND {
					break
				}
			}
		}
		t, err = s.store.FindTemplateByTrigger(ctx, v)
	default:
		return nil, Errorf(EINVALID, `"transactional_message_id" must be a number or a string`)
	}
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound
	}
	return t, err
}

// parseIdentifiers checks that m names exactly one of id, email, cio_id.
func parseIdentifiers(m map[string]json.RawMessage) (identifier, error) {
	const oneOf = "exactly one of id, email, cio_id"
	var found []identifier
	for kind, raw := range m {
		if kind != "id" && kind != "email" && kind != "cio_id" {
			return identifier{}, Errorf(EINVALID, `unknown identifier %s: "identifiers" must have %s`, quote(kind), oneOf)
		}
		if string(raw) == "null" {
			continue
		}
		value, err := identifierValue(kind, raw)
		if err != nil {
			return identifier{}, err
		}
		found = append(found, identifier{kind: kind, value: value})
	}
	switch len(found) {
	case 0:
		return identifier{}, Errorf(EINVALID, `"identifiers" is required and must have %s`, oneOf)
	case 1:
		return found[0], nil
	}
	return identifier{}, Errorf(EINVALID, `conflicting identifiers: "identifiers" must have %s`, oneOf)
}

// identifierValue returns the text of one identifier: a non-empty string,
// or for id and cio_id also an integer.
func identifierValue(kind string, raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		n := strings.TrimPrefix(string(raw), "-")
		if kind == "email" || !isDigits(n) {
			return "", Errorf(EINVALID, `"identifiers.%s" must be a string`, kind)
		}
		s = string(raw)
	}
	if strings.TrimSpace(s) == "" {
		return "", Errorf(EINVALID, `"identifiers.%s" must not be empty`, kind)
	}
	if kind == "email" && !strings.Contains(s, "@") {
		return "", Errorf(EINVALID, `"identifiers.email" is not an email address`)
	}
	if err := ValidatePersonID(s); err != nil {
		return "", Errorf(EINVALID, `"identifiers.%s": %s`, kind, ErrorMessage(err))
	}
	return s, nil
}

// parseMessageData decodes message_data, which must be a JSON object or absent.
func parseMessageData(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var data map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, Errorf(EINVALID, `"message_data" must be an object`)
	}
	return data, nil
}

// resolvePerson finds or creates the person ident names: an unknown id is
// created; an unknown email creates a person whose id is the email; a
// cio_id (a person id) must exist.
func (s *Server) resolvePerson(ctx context.Context, ident identifier) (*Person, error) {
	switch ident.kind {
	case "email":
		p, err := s.store.FindPersonByEmail(ctx, ident.value)
		if ErrorCode(err) != ENOTFOUND {
			return p, err
		}
		return s.store.CreatePersonIfMissing(ctx, &Person{ID: ident.value, Attributes: map[string]any{"email": ident.value}})
	case "cio_id":
		p, err := s.store.FindPerson(ctx, ident.value)
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(EINVALID, `"identifiers.cio_id" %s not found`, quote(ident.value))
		}
		return p, err
	}
	return s.store.CreatePersonIfMissing(ctx, &Person{ID: ident.value, Attributes: map[string]any{}})
}
