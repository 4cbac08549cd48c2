package server

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// Delivery is one send of a template to one person: a copy of the template
// content as it was at send time, the send's data, and what the browser
// reported.
type Delivery struct {
	// ID is DeliveryIDPrefix followed by a time-ordered hex string that
	// ends in DeliveryIDRandomBits random bits (see idGen).
	ID string
	// PersonID is the person the delivery is for.
	PersonID string
	// TemplateID is the template it was made from.
	TemplateID int
	// ContentID and Language name the template content that was copied.
	ContentID int
	Language  string
	// Channel, Type, Topics, Priority and Content are copied from the template.
	Channel  string
	Type     string
	Topics   []string
	Priority int
	Content  json.RawMessage
	// Data is the send request's message_data: the {{trigger.*}} scope; may be nil.
	Data map[string]any
	// QueuedAt is when the send was accepted (or the draft was sent).
	QueuedAt time.Time
	// SendAt is when the message becomes visible to polls; never before QueuedAt.
	SendAt time.Time
	// ExpiresAt is when the message stops being shown; an inbox message
	// stops expiring once delivered.
	ExpiresAt time.Time
	// Draft is whether it waits to be sent or deleted through /v1/drafts.
	Draft bool
	// Suppressed says why the delivery is never shown ("" when it is not
	// suppressed), for example SuppressedUnsubscribed.
	Suppressed string
	// DisableRetention drops Content and Data once the delivery has left the queue.
	DisableRetention bool

	// Opened is whether the person has the message marked opened.
	Opened bool
	// OpenedAt is when it was opened; zero unless Opened.
	OpenedAt time.Time
	// Delivered is, for an inbox message, whether the page marked it (an
	// opened, unopened, deleted or clicked event, or a delivered event from
	// an older runtime); for an in-app message, whether a browser claimed it.
	Delivered bool
	// Deleted is whether the person deleted it from the inbox.
	Deleted bool
	// Dismissed is whether the person dismissed the in-app message.
	Dismissed bool
	// Clicks are the action names clicked, in order: the first
	// MaxClicksPerDelivery of them.
	Clicks []string
}

// SuppressedUnsubscribed is why a delivery to an unsubscribed person is not shown.
const SuppressedUnsubscribed = "unsubscribed"

// NewDelivery returns a delivery of content c of t to personID, accepted at
// now and visible from sendAt (now when zero or earlier), with the send's data.
func NewDelivery(id string, t *Template, c Content, personID string, data map[string]any, now, sendAt time.Time) *Delivery {
	if sendAt.Before(now) {
		sendAt = now
	}
	return &Delivery{
		ID:         id,
		PersonID:   personID,
		TemplateID: t.ID,
		ContentID:  c.ID,
		Language:   c.Language,
		Channel:    t.Channel,
		Type:       t.Type,
		Topics:     t.Topics,
		Priority:   t.Priority,
		Content:    c.Body,
		Data:       data,
		QueuedAt:   now,
		SendAt:     sendAt,
		ExpiresAt:  sendAt.Add(t.Expiry()),
		Clicks:     []string{},
	}
}

// Reschedule moves a delivery accepted as a draft to now: it is queued at
// now, visible from its SendAt or now, whichever is later, and expires as
// long after that as it would have.
func (d *Delivery) Reschedule(now time.Time) {
	expiry := d.ExpiresAt.Sub(d.SendAt)
	d.Draft, d.QueuedAt = false, now
	if d.SendAt.Before(now) {
		d.SendAt = now
	}
	d.ExpiresAt = d.SendAt.Add(expiry)
}

// Queued reports whether the delivery is to be shown at now: not a draft,
// not suppressed, from SendAt on; an inbox message until deleted, and until
// it expires unless delivered (marked by the page); an in-app message until
// delivered, dismissed or expired.
func (d *Delivery) Queued(now time.Time) bool {
	if d.Draft || d.Suppressed != "" || now.Before(d.SendAt) {
		return false
	}
	if d.Channel == inbox.ChannelInApp {
		return !d.Delivered && !d.Dismissed && now.Before(d.ExpiresAt)
	}
	return !d.Deleted && (d.Delivered || now.Before(d.ExpiresAt))
}

// queuedUntil returns when Queued, holding now, stops holding if d is not
// changed: at ExpiresAt, or never (the zero time) for a delivered inbox
// message. It follows the expiry rules of Queued.
func (d *Delivery) queuedUntil() time.Time {
	if d.Channel == inbox.ChannelInbox && d.Delivered {
		return time.Time{}
	}
	return d.ExpiresAt
}

// Finished reports whether the delivery can never be shown again at or
// after now: suppressed, deleted, dismissed, delivered in-app, or expired
// undelivered. Drafts and scheduled deliveries are not finished.
func (d *Delivery) Finished(now time.Time) bool {
	return !d.Draft && !now.Before(d.SendAt) && !d.Queued(now)
}

// Status names the delivery's state at now: "draft", "suppressed",
// "scheduled", "queued" or "finished".
func (d *Delivery) Status(now time.Time) string {
	switch {
	case d.Draft:
		return "draft"
	case d.Suppressed != "":
		return "suppressed"
	case now.Before(d.SendAt):
		return "scheduled"
	case d.Queued(now):
		return "queued"
	}
	return "finished"
}

// DropContentIfDone clears Content and Data when retention is disabled and
// the delivery is finished at now; it reports whether it cleared them.
func (d *Delivery) DropContentIfDone(now time.Time) bool {
	if !d.DisableRetention || !d.Finished(now) || (d.Content == nil && d.Data == nil) {
		return false
	}
	d.Content, d.Data = nil, nil
	return true
}

// Apply changes d as event e says. at is when it happened as the server
// accepts it (see EventTime). e must have passed ValidateEvent, and
// RejectEvent must allow it. An inbox message is delivered when the page
// marks it: an opened, unopened, deleted or clicked event counts as its
// delivered event too.
func (d *Delivery) Apply(e inbox.Event, at time.Time) {
	if d.Channel == inbox.ChannelInbox && marksInbox(e.Type) {
		d.Delivered = true
	}
	switch e.Type {
	case inbox.EventOpened:
		d.Opened, d.OpenedAt = true, at
	case inbox.EventUnopened:
		d.Opened, d.OpenedAt = false, time.Time{}
	case inbox.EventDeleted:
		d.Deleted = true
	case inbox.EventDismissed:
		d.Dismissed = true
	case inbox.EventDelivered:
		d.Delivered = true
	case inbox.EventClicked:
		if len(d.Clicks) < MaxClicksPerDelivery {
			d.Clicks = append(d.Clicks, e.Action)
		}
	}
}

// marksInbox reports whether an event of type t about an inbox message is
// the page marking it, which delivers the message.
func marksInbox(t string) bool {
	switch t {
	case inbox.EventOpened, inbox.EventUnopened, inbox.EventDeleted, inbox.EventClicked:
		return true
	}
	return false
}

// Message returns the wire form of d for a poll, with the person's
// attributes. A delivered inbox message has no expiry.
func (d *Delivery) Message(customer map[string]any) inbox.Message {
	m := inbox.Message{
		DeliveryID:  d.ID,
		Channel:     d.Channel,
		Type:        d.Type,
		Topics:      d.Topics,
		Priority:    d.Priority,
		Content:     d.Content,
		Trigger:     d.Data,
		Customer:    customer,
		SentAtMs:    d.SendAt.UnixMilli(),
		ExpiresAtMs: d.ExpiresAt.UnixMilli(),
		Opened:      d.Opened,
	}
	if d.Channel == inbox.ChannelInbox && d.Delivered {
		m.ExpiresAtMs = 0
	}
	return m
}

// DeliveryState is the JSON of a delivery on the send side
// (GET /v1/deliveries/{id}, GET /v1/drafts).
type DeliveryState struct {
	DeliveryID string          `json:"delivery_id"`
	PersonID   string          `json:"person_id"`
	Channel    string          `json:"channel"`
	TemplateID int             `json:"template_id"`
	ContentID  int             `json:"content_id"`
	Language   string          `json:"language"`
	Status     string          `json:"status"`
	Suppressed string          `json:"suppressed_reason,omitempty"`
	QueuedAt   int64           `json:"queued_at"`
	SendAt     int64           `json:"send_at"`
	ExpiresAt  int64           `json:"expires_at"`
	Opened     bool            `json:"opened"`
	OpenedAt   *int64          `json:"opened_at"`
	Delivered  bool            `json:"delivered"`
	Deleted    bool            `json:"deleted"`
	Dismissed  bool            `json:"dismissed"`
	Clicks     []string        `json:"clicks"`
	Retained   bool            `json:"retained"`
	Content    json.RawMessage `json:"content"`
	Data       map[string]any  `json:"message_data"`
}

// State returns the send-side wire form of d at now; times are unix
// seconds, opened_at is null unless opened, and content and message_data
// are null once dropped (retention disabled).
func (d *Delivery) State(now time.Time) DeliveryState {
	s := DeliveryState{
		DeliveryID: d.ID,
		PersonID:   d.PersonID,
		Channel:    d.Channel,
		TemplateID: d.TemplateID,
		ContentID:  d.ContentID,
		Language:   d.Language,
		Status:     d.Status(now),
		Suppressed: d.Suppressed,
		QueuedAt:   d.QueuedAt.Unix(),
		SendAt:     d.SendAt.Unix(),
		ExpiresAt:  d.ExpiresAt.Unix(),
		Opened:     d.Opened,
		Delivered:  d.Delivered,
		Deleted:    d.Deleted,
		Dismissed:  d.Dismissed,
		Clicks:     d.Clicks,
		Retained:   !d.DisableRetention,
		Content:    d.Content,
		Data:       d.Data,
	}
	if d.Opened && !d.OpenedAt.IsZero() {
		at := d.OpenedAt.Unix()
		s.OpenedAt = &at
	}
	if s.Clicks == nil {
		s.Clicks = []string{}
	}
	return s
}

// Delivery id form: "dlv_", then hex digits of the creation time, a
// sequence within it, and 128 random bits.
const (
	// DeliveryIDPrefix starts every delivery id.
	DeliveryIDPrefix = "dlv_"
	// DeliveryIDRandomBits is how many random bits end a delivery id: ids
	// cannot be guessed from others, even ones issued in the same
	// millisecond.
	DeliveryIDRandomBits = 128
)

// idGen makes delivery ids that sort in creation order and cannot be
// guessed: 12 hex digits of unix milliseconds, 8 of a sequence that starts
// at 0 each millisecond (so that ids of one millisecond keep their order:
// polls and drafts list messages by time, then id), then 32 of
// crypto/rand (DeliveryIDRandomBits).
type idGen struct {
	mu  sync.Mutex
	ms  int64
	seq uint32
}

// newID returns a fresh delivery id for time now.
func (g *idGen) newID(now time.Time) string {
	g.mu.Lock()
	ms := now.UnixMilli()
	switch {
	case ms > g.ms:
		g.ms, g.seq = ms, 0
	case g.seq == math.MaxUint32: // 4 billion ids in a millisecond: borrow the next one
		g.ms, g.seq = g.ms+1, 0
	default: // the clock went back or stood still: stay ordered
		g.seq++
	}
	var buf [6 + 4 + DeliveryIDRandomBits/8]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(g.ms)<<16)
	binary.BigEndian.PutUint32(buf[6:10], g.seq)
	g.mu.Unlock()
	_, _ = rand.Read(buf[10:]) // crypto/rand.Read never fails
	return DeliveryIDPrefix + hex.EncodeToString(buf[:])
}

// NotADraft is the error of Store.DeleteDraft for the delivery id that is
// not a draft.
func NotADraft(id string) error {
	return Errorf(ECONFLICT, "delivery %q is not a draft", id)
}
