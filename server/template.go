package server

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roostmsg/roost/inbox"
)

// DefaultExpiresAfterDays is how long an undelivered message stays queued
// when its template does not say.
const DefaultExpiresAfterDays = 60

// Template is a transactional message: what a send request names and a
// delivery copies. Each of its Contents is a JSON object whose string leaves
// are Liquid templates rendered in the browser with {{trigger.*}} and
// {{customer.*}}; one content is the default, the others are localized
// variants.
type Template struct {
	// ID is the numeric id a send request may use.
	ID int `json:"id"`
	// Name is the human name shown to site staff.
	Name string `json:"name"`
	// Description says what the message is for; optional.
	Description string `json:"description,omitempty"`
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
	// ExpiresAfterDays is how long an undelivered message stays queued;
	// 0 means DefaultExpiresAfterDays.
	ExpiresAfterDays int `json:"expires_after_days,omitempty"`
	// SendToUnsubscribed is whether a person marked unsubscribed still gets
	// the message; nil means true, as for any transactional message. A send
	// request's send_to_unsubscribed overrides it.
	SendToUnsubscribed *bool `json:"send_to_unsubscribed,omitempty"`
	// DisableMessageRetention drops a delivery's content and data once it
	// has left the queue; a send request's disable_message_retention overrides it.
	DisableMessageRetention bool `json:"disable_message_retention,omitempty"`
	// QueueDraft makes every send a draft to be sent or deleted later; a
	// send request's queue_draft overrides it.
	QueueDraft bool `json:"queue_draft,omitempty"`
	// Content is the default content in a template as written by people
	// (seed files, POST and PUT bodies); Normalize moves it into Contents.
	Content json.RawMessage `json:"content,omitempty"`
	// Contents are the default content (Language "") and the localized
	// variants; a normalized template always has exactly one default.
	Contents []Content `json:"contents,omitempty"`
}

// Content is one content variant of a template.
type Content struct {
	// ID is the content id, unique within its template (the {content_id}
	// of PUT /v1/transactional/{id}/content/{content_id}).
	ID int `json:"id"`
	// Language is the variant's language tag ("fr", "pt-BR"); "" is the default.
	Language string `json:"language"`
	// Body is the unrendered content, a JSON object.
	Body json.RawMessage `json:"body"`
}

// MaxNameLen bounds names, trigger names, types, topics and language tags.
const MaxNameLen = 200

// MaxExpiresAfterDays bounds a template's expires_after_days (0: the default).
const MaxExpiresAfterDays = 3650

// MaxDescriptionLen bounds a template's description, in bytes.
const MaxDescriptionLen = 2000

// MaxContentBytes bounds one content of a template: its body, the JSON
// object as given, in bytes. It bounds the work of the save check and of
// every runtime's parse; a bigger body is refused (400).
const MaxContentBytes = 64 << 10

// Normalize folds t.Content into t.Contents as the default content (id 1
// when free) and gives every content without an id the next free one. It returns an
// EINVALID error when the two forms conflict.
func (t *Template) Normalize() error {
	if len(t.Content) > 0 && string(t.Content) != "null" {
		for _, c := range t.Contents {
			if c.Language == "" {
				return Errorf(EINVALID, "template %d: give the default content either as \"content\" or in \"contents\", not both", t.ID)
			}
		}
		id := 1 // the default content's id, unless a variant has it
		for _, c := range t.Contents {
			if c.ID == 1 {
				id = 0
			}
		}
		t.Contents = append([]Content{{ID: id, Language: "", Body: t.Content}}, t.Contents...)
	}
	t.Content = nil
	next := 1
	for _, c := range t.Contents {
		next = max(next, c.ID+1)
	}
	for i := range t.Contents {
		if t.Contents[i].ID == 0 {
			t.Contents[i].ID = next
			next++
		}
	}
	return nil
}

// Validate returns an EINVALID error for the first problem found in a
// normalized t. It checks form only; Liquid syntax is the server's check.
func (t *Template) Validate() error {
	switch {
	case t.ID <= 0:
		return Errorf(EINVALID, "template id must be a positive integer")
	case strings.TrimSpace(t.Name) == "":
		return Errorf(EINVALID, "template %d: name is required", t.ID)
	case strings.TrimSpace(t.TriggerName) == "":
		return Errorf(EINVALID, "template %d: trigger_name is required", t.ID)
	case CheckIdentifier(t.TriggerName, MaxNameLen) != "":
		return Errorf(EINVALID, "template %d: trigger_name %s %s", t.ID, Quote(t.TriggerName), CheckIdentifier(t.TriggerName, MaxNameLen))
	case IsDigits(t.TriggerName):
		return Errorf(EINVALID, "template %d: trigger_name %s must not be a number (it would read as a template id)", t.ID, Quote(t.TriggerName))
	case t.Channel != inbox.ChannelInbox && t.Channel != inbox.ChannelInApp:
		return Errorf(EINVALID, "template %d: channel must be %q or %q, not %s", t.ID, inbox.ChannelInbox, inbox.ChannelInApp, Quote(t.Channel))
	case t.ExpiresAfterDays < 0 || t.ExpiresAfterDays > MaxExpiresAfterDays:
		return Errorf(EINVALID, "template %d: expires_after_days must be between 0 and %d", t.ID, MaxExpiresAfterDays)
	case len(t.Description) > MaxDescriptionLen || !utf8.ValidString(t.Description):
		return Errorf(EINVALID, "template %d: description must be UTF-8 of at most %d bytes", t.ID, MaxDescriptionLen)
	case len(t.Content) > 0:
		return Errorf(EINVALID, "template %d: not normalized", t.ID)
	}
	if len(t.Name) > MaxNameLen || !utf8.ValidString(t.Name) {
		return Errorf(EINVALID, "template %d: %s is not valid UTF-8 of at most %d bytes", t.ID, Quote(t.Name), MaxNameLen)
	}
	if why := CheckIdentifier(t.Type, MaxNameLen); t.Type != "" && why != "" {
		return Errorf(EINVALID, "template %d: type %s %s", t.ID, Quote(t.Type), why)
	}
	for _, topic := range t.Topics {
		if why := CheckIdentifier(topic, MaxNameLen); why != "" {
			return Errorf(EINVALID, "template %d: topic %s %s", t.ID, Quote(topic), why)
		}
	}
	return t.validateContents()
}

// validateContents checks that t has one default content, unique content
// ids and languages, and a JSON object as every body.
func (t *Template) validateContents() error {
	ids, langs, defaults := map[int]bool{}, map[string]bool{}, 0
	for _, c := range t.Contents {
		key := LanguageKey(c.Language)
		switch {
		case c.ID <= 0:
			return Errorf(EINVALID, "template %d: content ids must be positive integers", t.ID)
		case ids[c.ID]:
			return Errorf(EINVALID, "template %d: content id %d appears twice", t.ID, c.ID)
		case langs[key]:
			return Errorf(EINVALID, "template %d: language %s appears twice", t.ID, Quote(c.Language))
		case len(c.Language) > MaxNameLen || !ValidLanguage(c.Language):
			return Errorf(EINVALID, "template %d: content %d: language %s must be a tag like \"fr\" or \"pt-BR\"", t.ID, c.ID, Quote(c.Language))
		case !isJSONObject(c.Body):
			return Errorf(EINVALID, "template %d: content %d: body must be a JSON object", t.ID, c.ID)
		}
		if err := t.checkContentSize(c); err != nil {
			return err
		}
		ids[c.ID], langs[key] = true, true
		if c.Language == "" {
			defaults++
		}
	}
	if defaults != 1 {
		return Errorf(EINVALID, "template %d: a default content (\"content\", or a content with language \"\") is required", t.ID)
	}
	return nil
}

// checkContentSize returns an EINVALID error when c's body is over
// MaxContentBytes.
func (t *Template) checkContentSize(c Content) error {
	if len(c.Body) <= MaxContentBytes {
		return nil
	}
	return Errorf(EINVALID, "template %s, %s (id %d): the body is %d bytes, over the limit of %d bytes",
		t.name(), c.describe(), c.ID, len(c.Body), MaxContentBytes)
}

// name is how errors name t: its id, or its trigger name before it has one.
func (t *Template) name() string {
	if t.ID == 0 {
		return Quote(t.TriggerName)
	}
	return strconv.Itoa(t.ID)
}

// describe is how errors name c: "default content" or `content "fr"`.
func (c Content) describe() string {
	if c.Language == "" {
		return "default content"
	}
	return "content " + Quote(c.Language)
}

// DefaultContent returns t's default content; t must be valid.
func (t *Template) DefaultContent() Content {
	for _, c := range t.Contents {
		if c.Language == "" {
			return c
		}
	}
	return Content{}
}

// Languages returns the language tags of t's localized variants.
func (t *Template) Languages() []string {
	var langs []string
	for _, c := range t.Contents {
		if c.Language != "" {
			langs = append(langs, c.Language)
		}
	}
	return langs
}

// ContentFor returns the content of language lang as given by
// render.ChooseLanguage, or the default content when lang is "" or unknown.
func (t *Template) ContentFor(lang string) Content {
	for _, c := range t.Contents {
		if lang != "" && c.Language == lang {
			return c
		}
	}
	return t.DefaultContent()
}

// SendsToUnsubscribed reports t's send-to-unsubscribed setting (default true).
func (t *Template) SendsToUnsubscribed() bool {
	return t.SendToUnsubscribed == nil || *t.SendToUnsubscribed
}

// Expiry is how long after it becomes visible an undelivered message expires.
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

// LanguageKey is the form of a language tag that is compared: lower case,
// "_" as "-".
func LanguageKey(lang string) string {
	return strings.ReplaceAll(strings.ToLower(lang), "_", "-")
}

// ValidLanguage reports whether lang is "" or a language tag: letters,
// digits, "-" and "_" starting with a letter, at most 200 bytes.
func ValidLanguage(lang string) bool {
	if len(lang) > MaxNameLen {
		return false
	}
	for i := 0; i < len(lang); i++ {
		c := lang[i] | 0x20
		letter := c >= 'a' && c <= 'z'
		if !letter && (i == 0 || !(lang[i] >= '0' && lang[i] <= '9') && lang[i] != '-' && lang[i] != '_') {
			return false
		}
	}
	return true
}

// IsDigits reports whether s is a non-empty string of ASCII digits.
func IsDigits(s string) bool {
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

// ChangeTemplate runs fn on t, a stored template, and checks the result as
// Store.UpdateTemplate must before storing it: the same id, then Validate.
func ChangeTemplate(t *Template, fn func(t *Template) error) error {
	id := t.ID
	if err := fn(t); err != nil {
		return err
	}
	if t.ID != id {
		return Errorf(EINVALID, "a template's id cannot change")
	}
	return t.Validate()
}
