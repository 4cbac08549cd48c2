package client

import (
	"encoding/json"

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
	OpMark     = "mark"    // rid, deliveryId, state: opened|unopened|deleted
	OpClick    = "click"   // rid, deliveryId, action
	OpBye      = "bye"     // the tab is going away
	OpLock     = "lock"    // lock: the Web Lock the tab holds while it lives
)

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
	// 403: a missing or wrong signature, an unknown site): data {"user",
	// "status", "error"}, error being the server's message. The runtime then
	// stops polling for that person and holds their events until the page
	// identifies them again, typically with a fresh signature.
	EventIdentityError = "identity-error"
)

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
	State      string       `json:"state,omitempty"`
	Action     string       `json:"action,omitempty"`
	Path       string       `json:"path,omitempty"`      // route
	Listening  bool         `json:"listening,omitempty"` // inapp
	Lock       string       `json:"lock,omitempty"`
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
