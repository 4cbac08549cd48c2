package server

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roostmsg/roost/inbox"
)

// DefaultExpiresAfterDays is how long a delivery stays queued when its
// template does not say.
const DefaultExpiresAfterDays = 60

// Template is a transactional message: what a send request names and a
// delivery copies. Its Content is a JSON object whose string leaves are
// Liquid templates rendered in the browser with {{trigger.*}} and {{customer.*}}.
type Template struct {
	// ID is the numeric id a send request may use.
	ID int `json:"id"`
	// Name is the human name shown to site staff.
	Name string `json:"name"`
	// TriggerName is the unique, case-insensitive name a send request may use.
	TriggerName string `json:"trigger_name"`
	// Channel is inbox.ChannelInbox or inbox.ChannelInApp.
	Channel string `json:"channel"`
	// Type is the message type inbox filters match.
	Type string `json:"type,omitempty"`
	// Topics are the topics inbox filters match.
	Topics []string `json:"topics,omitempty"`
	// Priority orders in-app messages: higher first.
	Priority int `json:"priority,omitempty"`
	// ExpiresAfterDays is how long a delivery stays queued; 0 means
	// DefaultExpiresAfterDays.
	ExpiresAfterDays int `json:"expires_after_days,omitempty"`
	// Content is the unrendered message content, a JSON object.
	Content json.RawMessage `json:"content"`
}

// maxNameLen bounds names, trigger names, types and topics.
const maxNameLen = 200

// Validate returns an EINVALID error for the first problem found in t.
func (t *Template) Validate() error {
	switch {
	case t.ID <= 0:
		return Errorf(EINVALID, "template id must be a positive integer")
	case strings.TrimSpace(t.Name) == "":
		return Errorf(EINVALID, "template %d: name is required", t.ID)
	case strings.TrimSpace(t.TriggerName) == "":
		return Errorf(EINVALID, "template %d: trigger_name is required", t.ID)
	case strings.TrimSpace(t.TriggerName) != t.TriggerName:
		return Errorf(EINVALID, "template %d: trigger_name %q has surrounding spaces", t.ID, t.TriggerName)
	case isDigits(t.TriggerName):
		return Errorf(EINVALID, "template %d: trigger_name %q must not be a number (it would read as a template id)", t.ID, t.TriggerName)
	case t.Channel != inbox.ChannelInbox && t.Channel != inbox.ChannelInApp:
		return Errorf(EINVALID, "template %d: channel must be %q or %q, not %q", t.ID, inbox.ChannelInbox, inbox.ChannelInApp, t.Channel)
	case t.ExpiresAfterDays < 0 || t.ExpiresAfterDays > 3650:
		return Errorf(EINVALID, "template %d: expires_after_days must be between 0 and 3650", t.ID)
	case !isJSONObject(t.Content):
		return Errorf(EINVALID, "template %d: content must be a JSON object", t.ID)
	}
	for _, s := range []string{t.Name, t.TriggerName, t.Type} {
		if len(s) > maxNameLen || !utf8.ValidString(s) {
			return Errorf(EINVALID, "template %d: %q is not valid UTF-8 of at most %d bytes", t.ID, s, maxNameLen)
		}
	}
	for _, topic := range t.Topics {
		if topic == "" || len(topic) > maxNameLen || !utf8.ValidString(topic) {
			return Errorf(EINVALID, "template %d: topic %q must be non-empty UTF-8 of at most %d bytes", t.ID, topic, maxNameLen)
		}
	}
	return nil
}

// Expiry is how long after it was queued a delivery of t expires.
func (t *Template) Expiry() time.Duration {
	days := t.ExpiresAfterDays
	if days == 0 {
		days = DefaultExpiresAfterDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// TriggerKey is the form of a trigger name that stores compare and index, so
// that lookups are case-insensitive.
func TriggerKey(name string) string {
	return strings.ToLower(name)
}

// isDigits reports whether s is a non-empty string of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isJSONObject reports whether b is one valid JSON object.
func isJSONObject(b json.RawMessage) bool {
	var m map[string]json.RawMessage
	return len(b) > 0 && json.Unmarshal(b, &m) == nil && m != nil
}
