package server

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/roostmsg/roost/inbox"
)

// Limits on an events request.
const (
	// MaxEventsPerBatch is the most events one request may carry.
	MaxEventsPerBatch = 500
	// maxEventIDLen bounds an event id, in bytes.
	maxEventIDLen = 200
	// maxActionLen bounds a clicked action name, in bytes.
	maxActionLen = 200
)

// Reasons an event is rejected; the client drops a rejected event.
const (
	// RejectUnknownDelivery is the reason for an event about a delivery that
	// does not exist or belongs to someone else (the two are not told apart).
	RejectUnknownDelivery = "unknown delivery_id"
	// RejectAlreadyDelivered is the reason for a delivered event about an
	// in-app message another browser already received: the browser must
	// not show it. The runtime reads the same constant.
	RejectAlreadyDelivered = inbox.RejectAlreadyDelivered
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
// may be (its delivery still has to exist and be the person's).
func ValidateEvent(e inbox.Event) string {
	switch {
	case e.ID == "":
		return "id is required"
	case len(e.ID) > maxEventIDLen || !utf8.ValidString(e.ID):
		return "id must be UTF-8 of at most 200 bytes"
	case e.DeliveryID == "":
		return "delivery_id is required"
	case !inbox.ValidEventType(e.Type):
		return "unknown event type " + quote(e.Type)
	case e.Type == inbox.EventClicked && e.Action == "":
		return "a clicked event needs an action"
	case len(e.Action) > maxActionLen || !utf8.ValidString(e.Action):
		return "action must be UTF-8 of at most 200 bytes"
	}
	return ""
}

// EventTime is when the server takes e to have happened: its at_ms, kept
// between the delivery's queue time and now so a wrong browser clock cannot
// move it outside what is possible.
func EventTime(e inbox.Event, queuedAt, now time.Time) time.Time {
	if e.AtMs <= 0 {
		return now
	}
	at := time.UnixMilli(e.AtMs)
	switch {
	case at.After(now):
		return now
	case at.Before(queuedAt):
		return queuedAt
	}
	return at
}

// quote returns s in Go-quoted form, cut to a readable length.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
