package server

import (
	"maps"
	"strings"
)

// MaxPersonIDLen bounds a person's id, in bytes.
const MaxPersonIDLen = 512

// Person is someone messages are sent to, known by the site's own id.
type Person struct {
	// ID is the site's identifier for the person (X-Roost-User on the browser side).
	ID string `json:"id"`
	// Attributes are the {{customer.*}} scope of templates; never nil once stored.
	Attributes map[string]any `json:"attributes"`
}

// Validate returns an EINVALID error when p cannot be stored.
func (p *Person) Validate() error {
	return ValidatePersonID(p.ID)
}

// Unsubscribed reports whether the person's "unsubscribed" attribute is
// true, as in the seed docs: such a person gets only messages whose
// send_to_unsubscribed setting is on.
func (p *Person) Unsubscribed() bool {
	v, _ := p.Attributes["unsubscribed"].(bool)
	return v
}

// Language returns the person's "language" attribute, or "".
func (p *Person) Language() string {
	s, _ := p.Attributes["language"].(string)
	return s
}

// Email returns the person's "email" attribute, or "".
func (p *Person) Email() string {
	s, _ := p.Attributes["email"].(string)
	return s
}

// ValidateAttributes returns an EINVALID error when attrs cannot be merged
// into a person's attributes: "unsubscribed", which Roost reads as a flag,
// must be true or false (or null, which removes it).
func ValidateAttributes(attrs map[string]any) error {
	if v, ok := attrs["unsubscribed"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			return Errorf(EINVALID, `the "unsubscribed" attribute must be true or false`)
		}
	}
	return nil
}

// ValidatePersonID returns an EINVALID error unless id is a usable person
// id: an identifier (CheckIdentifier) of at most MaxPersonIDLen bytes. The
// send, poll, events and people APIs all check ids with it, so an id the
// send side takes can always poll.
func ValidatePersonID(id string) error {
	if strings.TrimSpace(id) == "" {
		return Errorf(EINVALID, "person id is required")
	}
	if why := CheckIdentifier(id, MaxPersonIDLen); why != "" {
		return Errorf(EINVALID, "person id %s %s", Quote(id), why)
	}
	return nil
}

// EmailKey is the form of an email address that stores compare and index,
// so that lookups by email are case-insensitive.
func EmailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// MergeAttributes returns dst with the top-level keys of src set on it; a
// null value in src removes the key. dst may be nil; the result never is.
func MergeAttributes(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = make(map[string]any, len(src))
	}
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		dst[k] = v
	}
	return dst
}

// NewPerson returns the person a store creates for id: a copy of attrs,
// or no attributes (an empty map, never nil).
func NewPerson(id string, attrs map[string]any) *Person {
	p := &Person{ID: id, Attributes: maps.Clone(attrs)}
	if p.Attributes == nil {
		p.Attributes = map[string]any{}
	}
	return p
}
