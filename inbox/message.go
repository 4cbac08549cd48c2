// Package inbox holds the message model that the server and the browser runtime
// share, and the browser-side store of a person's messages: filters, counts,
// opened and deleted state, and change notification.
package inbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Channel names where a message is shown.
const (
	// ChannelInbox is a message that stays in the person's inbox until deleted or expired.
	ChannelInbox = "inbox"
	// ChannelInApp is a modal or banner message shown once while the person is present.
	ChannelInApp = "in_app"
)

// Message is a queued message as the server delivers it to the browser: its
// content is unrendered (string leaves are Liquid templates) and it carries the
// data to render it with.
type Message struct {
	// DeliveryID identifies this delivery of a template to one person.
	DeliveryID string `json:"delivery_id"`
	// Channel is ChannelInbox or ChannelInApp.
	Channel string `json:"channel"`
	// Type is the template's message type, used by inbox type filters.
	Type string `json:"type,omitempty"`
	// Topics are the template's topics, used by inbox topic filters.
	Topics []string `json:"topics,omitempty"`
	// Priority orders in-app messages: higher first.
	Priority int `json:"priority,omitempty"`
	// Content is a JSON object whose string values are Liquid templates
	// (for example {"title": "...", "body": "..."}).
	Content json.RawMessage `json:"content"`
	// Trigger is the send request's message_data: the {{trigger.*}} scope.
	Trigger map[string]any `json:"trigger,omitempty"`
	// Customer holds the person's attributes: the {{customer.*}} scope.
	Customer map[string]any `json:"customer,omitempty"`
	// SentAtMs is when the message became visible, in unix milliseconds.
	SentAtMs int64 `json:"sent_at_ms"`
	// ExpiresAtMs is when the message expires, in unix milliseconds; 0 never.
	ExpiresAtMs int64 `json:"expires_at_ms,omitempty"`
	// Opened is whether the person opened the message.
	Opened bool `json:"opened"`
}

// Validate reports the first problem that makes m unusable by the runtime.
func (m *Message) Validate() error {
	switch {
	case m.DeliveryID == "":
		return fmt.Errorf("message has no delivery_id")
	case strings.ContainsFunc(m.DeliveryID, oddInID):
		return fmt.Errorf("message %q: delivery_id holds a control character or invalid UTF-8", m.DeliveryID)
	case m.Channel != ChannelInbox && m.Channel != ChannelInApp:
		return fmt.Errorf("message %s: unknown channel %q", m.DeliveryID, m.Channel)
	case len(m.Content) == 0 || m.Content[0] != '{':
		return fmt.Errorf("message %s: content is not a JSON object", m.DeliveryID)
	}
	if m.Channel == ChannelInApp {
		if err := checkPageRule(m.Content); err != nil {
			return fmt.Errorf("message %s: %w", m.DeliveryID, err)
		}
	}
	return nil
}

// oddInID reports whether r has no place in a delivery id: a control
// character, or U+FFFD (what invalid UTF-8 decodes to). Events could never
// name such a delivery.
func oddInID(r rune) bool {
	return unicode.IsControl(r) || r == utf8.RuneError
}

// PollResponse is the body of a 200 answer to a poll.
type PollResponse struct {
	// Messages are the person's queued inbox and in-app messages.
	Messages []Message `json:"messages"`
	// NextPollMs is the interval, in milliseconds, the client should wait before polling again.
	NextPollMs int64 `json:"next_poll_ms"`
	// Tier names the polling tier the interval comes from: "low", "inactive" or "active".
	Tier string `json:"tier"`
	// Dropped are the messages of the answer DecodePollResponse could not
	// decode, left out of Messages; never sent.
	Dropped []Problem `json:"-"`
}

// Limits of the events the runtime posts, which the server enforces: one
// rule for both sides.
const (
	// MaxEventsPerBatch is the most events one POST /v1/client/events may carry.
	MaxEventsPerBatch = 500
	// MaxIdentifyJSON bounds the JSON encoding of one identify event's
	// attributes, in bytes.
	MaxIdentifyJSON = 16 << 10
)

// MsgIdentityExpired starts the error message of the server's 403 for an
// identity token whose expiry has passed: the runtime reports that refusal
// as an identity-error with reason "expired", and a page seeing it knows to
// ask its backend for a fresh token rather than give up. One text for both
// sides.
const MsgIdentityExpired = "the identity token expired"

// Event kinds the browser reports about a delivery.
const (
	EventDelivered = "delivered"
	EventOpened    = "opened"
	EventUnopened  = "unopened"
	EventDeleted   = "deleted"
	EventDismissed = "dismissed"
	EventClicked   = "clicked"
	// EventIdentify sets attributes of the person (analytics.identify's
	// second argument); it is about no delivery.
	EventIdentify = "identify"
)

// Event is one thing that happened to a delivery in the browser.
type Event struct {
	// ID makes the event idempotent: the server applies an ID once.
	ID string `json:"id"`
	// DeliveryID is the delivery the event is about ("" for EventIdentify).
	DeliveryID string `json:"delivery_id,omitempty"`
	// Type is one of the Event* kinds.
	Type string `json:"type"`
	// Action names the clicked action, for EventClicked.
	Action string `json:"action,omitempty"`
	// AtMs is when it happened, in unix milliseconds.
	AtMs int64 `json:"at_ms"`
	// Attributes are merged into the person's, for EventIdentify (a null
	// value removes the attribute).
	Attributes map[string]any `json:"attributes,omitempty"`
}

// ValidEventType reports whether t is a known event kind.
func ValidEventType(t string) bool {
	switch t {
	case EventDelivered, EventOpened, EventUnopened, EventDeleted, EventDismissed, EventClicked, EventIdentify:
		return true
	}
	return false
}

// EventBatch is the body of an events request.
type EventBatch struct {
	Events []Event `json:"events"`
}

// EventsResponse is the answer to an events request.
type EventsResponse struct {
	// Acknowledged lists the ids the server has durably applied (or had already).
	Acknowledged []string `json:"acknowledged"`
	// Rejected lists ids the server will never accept, with the reason.
	Rejected []RejectedEvent `json:"rejected,omitempty"`
}

// RejectedEvent is an event the server refused for good (the client drops it).
type RejectedEvent struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}
