package client

import (
	"encoding/json"
	"strings"

	"github.com/roostmsg/roost/inbox"
)

// Op names of messages from a tab to the runtime.
const (
	OpInit     = "init"     // endpoint and site id
	OpIdentify = "identify" // user, signature (optional; kept when omitted)
	OpReset    = "reset"
	OpVisible  = "visible" // visible
	OpView     = "view"    // view, filter, resume: subscribe to an inbox view
	OpUnview   = "unview"  // view
	OpMark     = "mark"    // rid, deliveryId or deliveryIds, state: opened|unopened|deleted
	OpClick    = "click"   // rid, deliveryId, action
	OpBye      = "bye"     // the tab is going away
	OpLock     = "lock"    // lock: the Web Lock the tab holds while it lives
)

// MaxMarkBatch is the most delivery ids one mark op may carry
// (deliveryIds): "mark all read" of a long inbox in one op, one store
// change, one snapshot and one stored outbox. A longer list is refused
// whole, with nothing marked; half MaxStoredEvents, so one batch's events
// are all kept across page loads.
const MaxMarkBatch = 1000

// Op names of messages from the runtime to a tab.
const (
	OpSnapshot = "snapshot" // view, snapshot
	OpReply    = "reply"    // rid, error
	OpEmit     = "emit"     // name, data: an analytics.on() event
)

// Names of the analytics.on() events the runtime emits.
const (
	// EventMessageError reports a message that cannot be shown, an event the
	// server rejected, a failed poll, or a malformed message from the page:
	// data {"error"} and, for one message, "deliveryId".
	EventMessageError = "message-error"
	// EventIdentityError reports that the server refused the identity (401 or
	// 403: a missing or wrong signature, an expired token, an unknown site):
	// data {"user", "status", "reason", "error"}, error being the server's
	// message and reason one of the Reason constants. The tab's list is empty
	// until an identify of the person is accepted; the runtime stops polling
	// for that person (when no other tab has an accepted signature) and holds
	// their events until the page identifies them again.
	EventIdentityError = "identity-error"
)

// The reasons of an identity-error (data "reason"), for a page to decide
// whether identifying again can help: only after ReasonExpired does a fresh
// token; the others last until the page, the backend or the site changes.
const (
	// ReasonExpired: a 403 for an identity token past its expiry (its
	// message starts with inbox.MsgIdentityExpired).
	ReasonExpired = "expired"
	// ReasonMissing: a 401, no signature where the site requires one.
	ReasonMissing = "missing"
	// ReasonInvalid: any other 403 (a wrong signature, a token of another
	// person or secret, an unknown site, an origin the site does not allow).
	ReasonInvalid = "invalid"
	// ReasonOrigin: in frame mode, the Roost server does not let the page's
	// origin embed the runtime (the shim, js/roost.js, reports it; status 403).
	ReasonOrigin = "origin"
)

// identityReason returns the reason of the server's refusal of an identity
// with status (401 or 403) and the error message body's.
func identityReason(status int, message string) string {
	switch {
	case status == 401:
		return ReasonMissing
	case strings.HasPrefix(message, inbox.MsgIdentityExpired):
		return ReasonExpired
	}
	return ReasonInvalid
}

// inMsg is a message from a tab.
type inMsg struct {
	Op         string       `json:"op"`
	Rid        int          `json:"rid,omitempty"`
	Endpoint   string       `json:"endpoint,omitempty"`
	SiteID     string       `json:"siteId,omitempty"`
	User       string       `json:"user,omitempty"`
	Signature  string       `json:"signature,omitempty"`
	Visible    bool         `json:"visible,omitempty"`
	View       int          `json:"view,omitempty"`
	Filter     inbox.Filter `json:"filter"`
	DeliveryID string       `json:"deliveryId,omitempty"`
	// DeliveryIDs (mark) is the batch form: every one marked state in one
	// go, or none (markBatch); at most MaxMarkBatch, never with DeliveryID.
	DeliveryIDs []string `json:"deliveryIds,omitempty"`
	State       string   `json:"state,omitempty"`
	Action      string   `json:"action,omitempty"`
	Path        string   `json:"path,omitempty"`      // route
	Listening   bool     `json:"listening,omitempty"` // inapp
	Lock        string   `json:"lock,omitempty"`
	// Resume (view): the tab shows this view already, from a runtime that
	// died: its first snapshot waits for the person's first poll answer.
	Resume bool `json:"resume,omitempty"`
	// Attributes (identify) are the person's attributes the page gave, for
	// the server; nil when it gave none.
	Attributes map[string]any `json:"attributes,omitempty"`
}

// outMsg is a message to a tab.
type outMsg struct {
	Op       string          `json:"op"`
	Rid      int             `json:"rid,omitempty"`
	Error    string          `json:"error,omitempty"`
	View     int             `json:"view,omitempty"`
	Snapshot *inbox.Snapshot `json:"snapshot,omitempty"`
	Name     string          `json:"name,omitempty"`
	Data     any             `json:"data,omitempty"`
}

func encode(m outMsg) []byte {
	b, _ := json.Marshal(m) // outMsg holds only encodable values
	return b
}
