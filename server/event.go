package server

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roostmsg/roost/inbox"
)

// Limits on an events request.
const (
	// MaxEventsPerBatch is the most events one request may carry.
	MaxEventsPerBatch = inbox.MaxEventsPerBatch
	// MaxEventIDLen bounds an event id, in bytes.
	MaxEventIDLen = 200
	// MaxActionLen bounds a clicked action name, in bytes.
	MaxActionLen = 200
	// MaxIdentifyKeys is the most attributes one identify event may set.
	MaxIdentifyKeys = 100
	// MaxAttributeKeyLen bounds an attribute name in an identify event, in bytes.
	MaxAttributeKeyLen = 150
	// maxIdentifyJSON bounds the JSON encoding of an identify event's attributes, in bytes.
	maxIdentifyJSON = inbox.MaxIdentifyJSON
	// EventsPerSecond and EventsBurst bound the events one person may
	// post: EventsPerSecond a second on average, EventsBurst at once. A
	// batch over the budget is refused whole (ERATELIMIT), nothing of it
	// applied, and empties the budget; the runtime sends it again later.
	EventsPerSecond = 100
	EventsBurst     = 2 * MaxEventsPerBatch
	// MaxClicksPerDelivery is how many clicks a delivery keeps: the first
	// ones. A click past them is acknowledged (it marks an inbox message
	// delivered, as any click does) and is not added to Delivery.Clicks.
	MaxClicksPerDelivery = 100
	// EventIDRetention is how long the id of an applied event is kept to
	// recognise a resend of it (Server.MaintainOnce drops older ones). An
	// event whose at_ms is older than that is rejected (RejectTooOld): its
	// id may be gone, so applying it could apply it twice.
	EventIDRetention = 30 * 24 * time.Hour
)

// Reasons an event is rejected; the client drops a rejected event.
// RejectTooOld is the reason for an event whose at_ms is older than
// EventIDRetention.
var RejectTooOld = fmt.Sprintf("at_ms is over %d days old: the ids of applied events are kept %[1]d days, so an event this old could be applied twice",
	EventIDRetention/(24*time.Hour))

const (
	// RejectUnknownDelivery is the reason for an event about a delivery that
	// does not exist or belongs to someone else (the two are not told apart).
	RejectUnknownDelivery = "unknown delivery_id"
	// RejectAlreadyDelivered is the reason for a delivered event about an
	// in-app message another browser already received: the browser must
	// not show it. The runtime reads the same constant.
	RejectAlreadyDelivered = inbox.RejectAlreadyDelivered
	// RejectEmailChange is the reason for an identify event that would
	// change the person's email (RejectIdentify).
	RejectEmailChange = `the "email" attribute can only be changed by the site's backend (PUT /v1/people/{id})`
)

// RejectEvent returns why the valid event e about d, reported by personID
// at now, cannot be applied, or "". d may be nil (unknown delivery). A
// delivery of someone else, a draft, a suppressed one and one not yet
// visible are all unknown to the browser, and so is an inbox message that
// expired before the page marked it: it is gone, and a late mark must not
// bring it back. An in-app message is delivered once: a delivered event
// with a new id for one already delivered is refused, and so is one for an
// expired message.
func RejectEvent(e inbox.Event, d *Delivery, personID string, now time.Time) string {
	switch {
	case d == nil || d.PersonID != personID || d.Draft || d.Suppressed != "" || now.Before(d.SendAt):
		return RejectUnknownDelivery
	case d.Channel == inbox.ChannelInbox && !d.Delivered && !now.Before(d.ExpiresAt):
		return RejectUnknownDelivery // expired unmarked: it is gone
	case e.Type == inbox.EventDelivered && d.Channel == inbox.ChannelInApp && d.Delivered:
		return RejectAlreadyDelivered
	case e.Type == inbox.EventDelivered && d.Channel == inbox.ChannelInApp && !now.Before(d.ExpiresAt):
		return RejectUnknownDelivery // a claim retried after the message expired: it is gone
	}
	return ""
}

// ValidateEvent returns the reason e can never be applied, or "" when it
// may be (the delivery of an event about one still has to exist and be the
// person's). An identify event carries attributes and no delivery; no other
// event carries attributes.
func ValidateEvent(e inbox.Event) string {
	switch {
	case e.ID == "":
		return "id is required"
	case len(e.ID) > MaxEventIDLen || !utf8.ValidString(e.ID) || strings.ContainsRune(e.ID, 0):
		return fmt.Sprintf("id must be UTF-8 of at most %d bytes, without NUL", MaxEventIDLen)
	case !inbox.ValidEventType(e.Type):
		return "unknown event type " + Quote(e.Type)
	case e.Type == inbox.EventIdentify:
		return validateIdentify(e)
	case e.DeliveryID == "":
		return "delivery_id is required"
	case e.Attributes != nil:
		return "attributes are only for identify events"
	case e.Type == inbox.EventClicked && e.Action == "":
		return "a clicked event needs an action"
	case len(e.Action) > MaxActionLen || !utf8.ValidString(e.Action) || strings.ContainsRune(e.Action, 0):
		return fmt.Sprintf("action must be UTF-8 of at most %d bytes, without NUL", MaxActionLen)
	}
	return ""
}

// validateIdentify returns the reason the identify event e can never be
// applied, or "". Its attributes follow the rules of PUT /v1/people/{id}
// (ValidateAttributes) and the limits on what a browser may set at once.
func validateIdentify(e inbox.Event) string {
	switch {
	case e.DeliveryID != "" || e.Action != "":
		return "an identify event takes no delivery_id or action"
	case len(e.Attributes) == 0:
		return `an identify event needs "attributes", a JSON object with at least one key`
	case len(e.Attributes) > MaxIdentifyKeys:
		return fmt.Sprintf("identify attributes: %d keys, at most %d", len(e.Attributes), MaxIdentifyKeys)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Attributes)) {
		switch {
		case k == "":
			return "identify attributes: a key is empty"
		case len(k) > MaxAttributeKeyLen:
			return fmt.Sprintf("identify attributes: key %s is over %d bytes", Quote(k), MaxAttributeKeyLen)
		}
	}
	if err := ValidateAttributes(e.Attributes); err != nil {
		return ErrorMessage(err)
	}
	if b, err := json.Marshal(e.Attributes); err != nil {
		return "identify attributes cannot be encoded as JSON"
	} else if len(b) > maxIdentifyJSON {
		return fmt.Sprintf("identify attributes: over %d bytes of JSON", maxIdentifyJSON)
	}
	return ""
}

// RejectIdentify returns why the valid identify event e, reported by the
// browser of p (nil for a person not stored yet), cannot be applied, or "".
//
// The browser may not change the person's "email" attribute: a send with
// identifiers.email reaches the person whose email has that EmailKey, so a
// page that could set it could take another person's messages. The event
// may carry "email" only as the person already has it: a string with the
// same EmailKey as the current one (pages often pass the known email
// along), or null when the person has none. Every other attribute only
// concerns the person: identifiers.id and identifiers.cio_id name a
// person by its id, which is the signed user and no attribute, and
// "unsubscribed" and "language" only change what the person gets.
func RejectIdentify(e inbox.Event, p *Person) string {
	v, ok := e.Attributes["email"]
	if !ok {
		return ""
	}
	var current any
	var has bool
	if p != nil {
		current, has = p.Attributes["email"]
	}
	if v == nil {
		if has {
			return RejectEmailChange
		}
		return ""
	}
	s, isString := v.(string)
	c, curString := current.(string)
	if !has || !isString || !curString || EmailKey(s) != EmailKey(c) {
		return RejectEmailChange
	}
	return ""
}

// EventTime is when the server takes e to have happened: its at_ms, kept
// between sendAt, when the delivery became visible to the browser (its
// SendAt), and now, so that a wrong browser clock cannot move it outside
// what is possible. sendAt is zero for an identify event, which is about no
// delivery.
func EventTime(e inbox.Event, sendAt, now time.Time) time.Time {
	if e.AtMs <= 0 {
		return now
	}
	at := time.UnixMilli(e.AtMs)
	switch {
	case at.After(now):
		return now
	case at.Before(sendAt):
		return sendAt
	}
	return at
}

// Quote returns s in Go-quoted form, cut to a readable length.
func Quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
