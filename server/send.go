package server

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
)

// MaxSendAhead is how far in the future a send's SendAt may be.
const MaxSendAhead = 90 * 24 * time.Hour

// Identifier kinds: the ways a send names its person.
const (
	// IdentifierID names a person by id; an unknown one is created.
	IdentifierID = "id"
	// IdentifierEmail names the person whose email attribute matches; an
	// unknown one is created with the email as id.
	IdentifierEmail = "email"
	// IdentifierCioID names a person by id, who must exist.
	IdentifierCioID = "cio_id"
)

// MsgTemplateNotFound is the error message of a send whose template is unknown.
const MsgTemplateNotFound = `"transactional_message_id" not found`

// SendRequest is a send as the site's backend asks for it, decoded.
type SendRequest struct {
	// Channel is inbox.ChannelInbox or inbox.ChannelInApp: the route it came by.
	Channel string
	// TemplateID is a numeric template id (a JSON number); when zero,
	// TemplateName names it: a trigger name, case-insensitive, or a string
	// of digits, tried as an id first.
	TemplateID   int
	TemplateName string
	// IdentifierKind is one of the Identifier* kinds; Identifier its value.
	IdentifierKind, Identifier string
	// Data is the message_data: the {{trigger.*}} scope; may be nil.
	Data map[string]any
	// SendAt is when the message becomes visible; zero or past means now.
	// At most MaxSendAhead after now.
	SendAt time.Time
	// Language picks a localized content over the person's language.
	Language string
	// DisableRetention, QueueDraft and SendToUnsubscribed override the
	// template's settings when not nil.
	DisableRetention, QueueDraft, SendToUnsubscribed *bool
	// AutoCreate, for in-app sends only, creates an empty template named by
	// an unknown TemplateName.
	AutoCreate bool
}

// Send queues the delivery req asks for and returns it. Returns EINVALID
// for an unknown template (MsgTemplateNotFound) or one of the other
// channel, a SendAt too far ahead, AutoCreate on an inbox send, or an
// unknown cio_id.
func (s *Server) Send(ctx context.Context, req SendRequest) (*Delivery, error) {
	now := s.Now()
	if req.SendAt.Sub(now) > MaxSendAhead {
		return nil, Errorf(EINVALID, `"send_at" is more than 90 days ahead`)
	}
	if req.AutoCreate && req.Channel != inbox.ChannelInApp {
		return nil, Errorf(EINVALID, `"auto_create" is only for in-app messages (POST /v1/send/in_app)`)
	}
	t, err := s.sendTemplate(ctx, req)
	if err != nil {
		return nil, err
	}
	if t.Channel != req.Channel {
		return nil, Errorf(EINVALID, "template %d (%s) is an %s template; send it with POST /v1/send/%s",
			t.ID, Quote(t.TriggerName), t.Channel, SendPath(t.Channel))
	}
	p, err := s.resolvePerson(ctx, req.IdentifierKind, req.Identifier)
	if err != nil {
		return nil, err
	}
	d := s.newDelivery(t, p, req, now)
	if err := s.store.CreateDelivery(ctx, d); err != nil {
		return nil, err
	}
	if d.Channel == inbox.ChannelInApp {
		s.stats.sendsInApp.Add(1)
	} else {
		s.stats.sendsInbox.Add(1)
	}
	return d, nil
}

// newDelivery makes the delivery of t to p that req asks for: the content
// variant of the request's language, else the person's, else the default;
// the request's settings over the template's.
func (s *Server) newDelivery(t *Template, p *Person, req SendRequest, now time.Time) *Delivery {
	c := t.ContentFor(render.ChooseLanguage(t.Languages(), req.Language, p.Language()))
	sendAt := req.SendAt
	if !sendAt.After(now) {
		sendAt = time.Time{}
	}
	d := NewDelivery(s.ids.newID(now), t, c, p.ID, req.Data, now, sendAt)
	d.Draft = orDefault(req.QueueDraft, t.QueueDraft)
	d.DisableRetention = orDefault(req.DisableRetention, t.DisableMessageRetention)
	if p.Unsubscribed() && !orDefault(req.SendToUnsubscribed, t.SendsToUnsubscribed()) {
		d.Suppressed = SuppressedUnsubscribed
	}
	return d
}

// orDefault returns *v, or def when v is nil.
func orDefault(v *bool, def bool) bool {
	if v == nil {
		return def
	}
	return *v
}

// SendPath is the last element of the send route of channel.
func SendPath(channel string) string {
	if channel == inbox.ChannelInbox {
		return "inbox_message"
	}
	return channel
}

// sendTemplate finds the template req names; with AutoCreate, an unknown
// trigger name creates an empty template of req's channel named by it.
func (s *Server) sendTemplate(ctx context.Context, req SendRequest) (*Template, error) {
	var t *Template
	var err error
	switch name := req.TemplateName; {
	case req.TemplateID > 0:
		t, err = s.store.FindTemplateByID(ctx, req.TemplateID)
	case name == "":
		return nil, Errorf(EINVALID, `"transactional_message_id" is required`)
	default:
		if IsDigits(name) {
			if id, convErr := strconv.Atoi(name); convErr == nil && id > 0 {
				if t, err = s.store.FindTemplateByID(ctx, id); ErrorCode(err) != ENOTFOUND {
					break
				}
			}
		}
		t, err = s.store.FindTemplateByTrigger(ctx, name)
		if ErrorCode(err) == ENOTFOUND && req.AutoCreate && !IsDigits(name) {
			return s.autoCreateTemplate(ctx, name, req.Channel)
		}
	}
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EINVALID, MsgTemplateNotFound)
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
		return nil, Errorf(EINVALID, `"transactional_message_id" %s cannot name a new template: %s`, Quote(name), ErrorMessage(err))
	}
	return t, err
}

// resolvePerson finds or creates the person an identifier names: an
// unknown id is created; an unknown email creates a person whose id is the
// email; a cio_id (a person id) must exist.
func (s *Server) resolvePerson(ctx context.Context, kind, value string) (*Person, error) {
	switch kind {
	case IdentifierEmail:
		p, err := s.store.FindPersonByEmail(ctx, value)
		if ErrorCode(err) != ENOTFOUND {
			return p, err
		}
		return s.store.CreatePersonIfMissing(ctx, &Person{ID: value, Attributes: map[string]any{"email": value}})
	case IdentifierCioID:
		p, err := s.store.FindPerson(ctx, value)
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(EINVALID, `"identifiers.cio_id" %s not found`, Quote(value))
		}
		return p, err
	case IdentifierID:
		return s.store.CreatePersonIfMissing(ctx, &Person{ID: value, Attributes: map[string]any{}})
	}
	return nil, Errorf(EINVALID, "unknown identifier %s", Quote(kind))
}
