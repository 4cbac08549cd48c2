package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
)

// sendRequest is the body of POST /v1/send/inbox_message and /v1/send/in_app.
// Unknown fields are ignored, as the seed API does for fields of other channels.
type sendRequest struct {
	TransactionalMessageID  json.RawMessage            `json:"transactional_message_id"`
	Identifiers             map[string]json.RawMessage `json:"identifiers"`
	MessageData             json.RawMessage            `json:"message_data"`
	SendAt                  json.RawMessage            `json:"send_at"`
	Language                json.RawMessage            `json:"language"`
	DisableMessageRetention json.RawMessage            `json:"disable_message_retention"`
	QueueDraft              json.RawMessage            `json:"queue_draft"`
	SendToUnsubscribed      json.RawMessage            `json:"send_to_unsubscribed"`
	AutoCreate              json.RawMessage            `json:"auto_create"`
}

// sendResponse is the 200 answer to a send.
type sendResponse struct {
	DeliveryID string `json:"delivery_id"`
	QueuedAt   int64  `json:"queued_at"`
	SendAt     int64  `json:"send_at,omitempty"`
}

// MaxSendAhead is how far in the future send_at may be.
const MaxSendAhead = 90 * 24 * time.Hour

// identifier is the one way a send request names its person.
type identifier struct {
	kind  string // "id", "email" or "cio_id"
	value string
}

// sendOptions are a send request's fields past the template and person.
type sendOptions struct {
	sendAt                                time.Time // zero: now
	language                              string
	disableRetention, queueDraft, toUnsub *bool
	autoCreate                            bool
}

// sendHandler returns the handler that queues a template of channel.
func (s *Server) sendHandler(channel string) appHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req sendRequest
		if err := readJSON(w, r, MaxSendBody, &req); err != nil {
			return err
		}
		now := s.now()
		opts, err := parseSendOptions(&req, now)
		if err != nil {
			return err
		}
		if opts.autoCreate && channel != inbox.ChannelInApp {
			return Errorf(EINVALID, `"auto_create" is only for in-app messages (POST /v1/send/in_app)`)
		}
		ident, err := parseIdentifiers(req.Identifiers)
		if err != nil {
			return err
		}
		data, err := parseMessageData(req.MessageData)
		if err != nil {
			return err
		}
		t, err := s.findTemplate(r.Context(), req.TransactionalMessageID, channel, opts.autoCreate)
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
		d := s.newDelivery(t, p, data, opts, now)
		if err := s.store.CreateDelivery(r.Context(), d); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, sendAnswer(d))
		return nil
	}
}

// newDelivery makes the delivery of t to p a send asks for: the content
// variant of the request's language, else the person's, else the default;
// the request's settings over the template's.
func (s *Server) newDelivery(t *Template, p *Person, data map[string]any, o sendOptions, now time.Time) *Delivery {
	c := t.ContentFor(render.ChooseLanguage(t.Languages(), o.language, p.Language()))
	d := NewDelivery(s.ids.newID(now), t, c, p.ID, data, now, o.sendAt)
	d.Draft = orDefault(o.queueDraft, t.QueueDraft)
	d.DisableRetention = orDefault(o.disableRetention, t.DisableMessageRetention)
	if p.Unsubscribed() && !orDefault(o.toUnsub, t.SendsToUnsubscribed()) {
		d.Suppressed = SuppressedUnsubscribed
	}
	return d
}

// sendAnswer is the 200 answer to a send or a sent draft of d; send_at
// only when d is scheduled for later.
func sendAnswer(d *Delivery) sendResponse {
	resp := sendResponse{DeliveryID: d.ID, QueuedAt: d.QueuedAt.Unix()}
	if d.SendAt.After(d.QueuedAt) {
		resp.SendAt = d.SendAt.Unix()
	}
	return resp
}

// orDefault returns *v, or def when v is nil.
func orDefault(v *bool, def bool) bool {
	if v == nil {
		return def
	}
	return *v
}

// parseSendOptions checks the optional fields of a send request.
func parseSendOptions(req *sendRequest, now time.Time) (sendOptions, error) {
	var o sendOptions
	var err error
	if o.sendAt, err = parseSendAt(req.SendAt, now); err != nil {
		return o, err
	}
	if !isNull(req.Language) {
		if json.Unmarshal(req.Language, &o.language) != nil || len(o.language) > maxNameLen || !validLanguage(o.language) {
			return o, Errorf(EINVALID, `"language" must be a language tag like "fr" or "pt-BR"`)
		}
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  **bool
	}{
		{"disable_message_retention", req.DisableMessageRetention, &o.disableRetention},
		{"queue_draft", req.QueueDraft, &o.queueDraft},
		{"send_to_unsubscribed", req.SendToUnsubscribed, &o.toUnsub},
	} {
		if *f.dst, err = parseBool(f.name, f.raw); err != nil {
			return o, err
		}
	}
	auto, err := parseBool("auto_create", req.AutoCreate)
	o.autoCreate = auto != nil && *auto
	return o, err
}

// parseSendAt returns the time send_at names (unix seconds, an integer):
// zero when absent or not after now; EINVALID when more than MaxSendAhead
// after now or not a number.
func parseSendAt(raw json.RawMessage, now time.Time) (time.Time, error) {
	if isNull(raw) {
		return time.Time{}, nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return time.Time{}, Errorf(EINVALID, `"send_at" must be a unix timestamp in seconds`)
	}
	secs, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != f || f > 1e15 || f < -1e15 {
			return time.Time{}, Errorf(EINVALID, `"send_at" must be a unix timestamp in seconds`)
		}
		secs = int64(f)
	}
	at := time.Unix(secs, 0)
	if !at.After(now) {
		return time.Time{}, nil
	}
	if at.Sub(now) > MaxSendAhead {
		return time.Time{}, Errorf(EINVALID, `"send_at" is more than 90 days ahead`)
	}
	return at, nil
}

// parseBool decodes an optional boolean field: nil when absent or null.
func parseBool(name string, raw json.RawMessage) (*bool, error) {
	if isNull(raw) {
		return nil, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		return nil, Errorf(EINVALID, "%s must be true or false", quote(name))
	}
	return &b, nil
}

// isNull reports whether a raw field is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// sendPath is the last element of the send route of channel.
func sendPath(channel string) string {
	if channel == inbox.ChannelInbox {
		return "inbox_message"
	}
	return channel
}

// findTemplate resolves a transactional_message_id: a numeric id (a JSON
// number or a string of digits) or a trigger name, case-insensitive. With
// autoCreate, an unknown trigger name creates an empty template of channel
// named by it.
func (s *Server) findTemplate(ctx context.Context, raw json.RawMessage, channel string, autoCreate bool) (*Template, error) {
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
		if ErrorCode(err) == ENOTFOUND && autoCreate && !isDigits(v) {
			return s.autoCreateTemplate(ctx, v, channel)
		}
	default:
		return nil, Errorf(EINVALID, `"transactional_message_id" must be a number or a string`)
	}
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound
	}
	return t, err
}

// autoCreateTemplate creates the empty template of channel named name, or
// returns the one a concurrent request just created.
func (s *Server) autoCreateTemplate(ctx context.Context, name, channel string) (*Template, error) {
	t := &Template{Name: name, TriggerName: name, Channel: channel, Contents: []Content{{ID: 1, Body: json.RawMessage(`{}`)}}}
	err := s.store.CreateTemplate(ctx, t)
	if ErrorCode(err) == ECONFLICT {
		return s.store.FindTemplateByTrigger(ctx, name)
	}
	if ErrorCode(err) == EINVALID {
		return nil, Errorf(EINVALID, `"transactional_message_id" %s cannot name a new template: %s`, quote(name), ErrorMessage(err))
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
