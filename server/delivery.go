package server

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// Delivery is one send of a template to one person: a copy of the template
// as it was at send time, the send's data, and what the browser reported.
type Delivery struct {
	// ID is "dlv_" followed by a time-ordered unique hex string.
	ID string
	// PersonID is the person the delivery is for.
	PersonID string
	// TemplateID is the template it was made from.
	TemplateID int
	// Channel, Type, Topics, Priority and Content are copied from the template.
	Channel  string
	Type     string
	Topics   []string
	Priority int
	Content  json.RawMessage
	// Data is the send request's message_data: the {{trigger.*}} scope; may be nil.
	Data map[string]any
	// QueuedAt is when the send was accepted.
	QueuedAt time.Time
	// ExpiresAt is when the delivery stops being shown.
	ExpiresAt time.Time

	// Opened is whether the person has the message marked opened.
	Opened bool
	// OpenedAt is when it was opened; zero unless Opened.
	OpenedAt time.Time
	// Delivered is whether a browser reported showing it.
	Delivered bool
	// Deleted is whether the person deleted it from the inbox.
	Deleted bool
	// Dismissed is whether the person dismissed the in-app message.
	Dismissed bool
	// Clicks are the action names clicked, in order.
	Clicks []string
}

// NewDelivery returns a delivery of t to personID made at now, with the
// send's data.
func NewDelivery(id string, t *Template, personID string, data map[string]any, now time.Time) *Delivery {
	return &Delivery{
		ID:         id,
		PersonID:   personID,
		TemplateID: t.ID,
		Channel:    t.Channel,
		Type:       t.Type,
		Topics:     t.Topics,
		Priority:   t.Priority,
		Content:    t.Content,
		Data:       data,
		QueuedAt:   now,
		ExpiresAt:  now.Add(t.Expiry()),
		Clicks:     []string{},
	}
}

// Queued reports whether the delivery is still to be shown at now: an inbox
// message until deleted, an in-app message until delivered or dismissed,
// both until they expire.
func (d *Delivery) Queued(now time.Time) bool {
	if !now.Before(d.ExpiresAt) {
		return false
	}
	if d.Channel == inbox.ChannelInApp {
		return !d.Delivered && !d.Dismissed
	}
	return !d.Deleted
}

// Apply changes d as event e says. at is when it happened as the server
// accepts it (see EventTime). e must have passed ValidateEvent.
func (d *Delivery) Apply(e inbox.Event, at time.Time) {
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
		d.Clicks = append(d.Clicks, e.Action)
	}
}

// Message returns the wire form of d for a poll, with the person's attributes.
func (d *Delivery) Message(customer map[string]any) inbox.Message {
	return inbox.Message{
		DeliveryID:  d.ID,
		Channel:     d.Channel,
		Type:        d.Type,
		Topics:      d.Topics,
		Priority:    d.Priority,
		Content:     d.Content,
		Trigger:     d.Data,
		Customer:    customer,
		SentAtMs:    d.QueuedAt.UnixMilli(),
		ExpiresAtMs: d.ExpiresAt.UnixMilli(),
		Opened:      d.Opened,
	}
}

// deliveryState is the JSON of GET /v1/deliveries/{id}.
type deliveryState struct {
	DeliveryID string   `json:"delivery_id"`
	PersonID   string   `json:"person_id"`
	Channel    string   `json:"channel"`
	TemplateID int      `json:"template_id"`
	QueuedAt   int64    `json:"queued_at"`
	ExpiresAt  int64    `json:"expires_at"`
	Opened     bool     `json:"opened"`
	OpenedAt   *int64   `json:"opened_at"`
	Delivered  bool     `json:"delivered"`
	Deleted    bool     `json:"deleted"`
	Dismissed  bool     `json:"dismissed"`
	Clicks     []string `json:"clicks"`
}

// state returns the wire form of d's state; times are unix seconds and
// opened_at is null unless opened.
func (d *Delivery) state() deliveryState {
	s := deliveryState{
		DeliveryID: d.ID,
		PersonID:   d.PersonID,
		Channel:    d.Channel,
		TemplateID: d.TemplateID,
		QueuedAt:   d.QueuedAt.Unix(),
		ExpiresAt:  d.ExpiresAt.Unix(),
		Opened:     d.Opened,
		Delivered:  d.Delivered,
		Deleted:    d.Deleted,
		Dismissed:  d.Dismissed,
		Clicks:     d.Clicks,
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

// idGen makes delivery ids that sort in creation order: 12 hex digits of
// unix milliseconds then 16 of a counter that starts at a random value each
// millisecond and increases within it.
type idGen struct {
	mu   sync.Mutex
	ms   int64
	next uint64
}

// newID returns a fresh delivery id for time now.
func (g *idGen) newID(now time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := now.UnixMilli()
	if ms <= g.ms {
		ms = g.ms // the clock went back or stood still: stay ordered
		g.next++
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		g.ms, g.next = ms, binary.BigEndian.Uint64(b[:])>>1
	}
	var buf [14]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(ms)<<16)
	binary.BigEndian.PutUint64(buf[6:], g.next)
	return "dlv_" + hex.EncodeToString(buf[:])
}
