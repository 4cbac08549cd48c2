package storecols

import "github.com/roostmsg/roost/server"

// TemplateColumns are the columns of a server.Template stored in another
// form than the field's, or derived from one; the other fields are stored
// as they are.
type TemplateColumns struct {
	// TriggerKey is server.TriggerKey of the trigger name: what lookups by
	// trigger name and its uniqueness compare.
	TriggerKey string
	// Topics is the JSON array of Template.Topics, [] for none.
	Topics string
	// Content is the body of the default content as it is: the column of
	// rows from before content variants, still written for them.
	Content string
	// Contents is the JSON array of Template.Contents, bodies compact; a
	// row with "" has the one variant Content.
	Contents string
	// SendToUnsubscribed is Template.SendToUnsubscribed: nil (NULL) unset.
	SendToUnsubscribed *bool
}

// TemplateSelect lists the columns of a templates row in the order of
// TemplateDest, for a SELECT.
const TemplateSelect = `id, name, description, trigger_name, channel, type, topics, priority,
	expires_after_days, content, contents, send_to_unsubscribed, disable_message_retention, queue_draft`

// TemplateDest returns the scan destinations of a row of TemplateSelect:
// the fields of t stored as they are, and c for the others.
// sendToUnsubscribed is the driver's destination of the nullable
// send_to_unsubscribed column (&c.SendToUnsubscribed for a driver that
// scans NULL into a nil pointer); the caller sets c.SendToUnsubscribed
// from it before DecodeTemplate.
func TemplateDest(t *server.Template, c *TemplateColumns, sendToUnsubscribed any) []any {
	return []any{&t.ID, &t.Name, &t.Description, &t.TriggerName, &t.Channel, &t.Type, &c.Topics, &t.Priority,
		&t.ExpiresAfterDays, &c.Content, &c.Contents, sendToUnsubscribed, &t.DisableMessageRetention, &t.QueueDraft}
}

// EncodeTemplate returns the column values of t, which must be valid.
func EncodeTemplate(t *server.Template) (TemplateColumns, error) {
	topics, err := encodeList(t.Topics)
	if err != nil {
		return TemplateColumns{}, err
	}
	contents := make([]server.Content, len(t.Contents))
	for i, c := range t.Contents {
		body, err := CompactJSON(c.Body)
		if err != nil {
			return TemplateColumns{}, err
		}
		contents[i] = server.Content{ID: c.ID, Language: c.Language, Body: []byte(body)}
	}
	contentsJSON, err := EncodeJSON(contents)
	if err != nil {
		return TemplateColumns{}, err
	}
	return TemplateColumns{
		TriggerKey:         server.TriggerKey(t.TriggerName),
		Topics:             topics,
		Content:            string(t.DefaultContent().Body),
		Contents:           contentsJSON,
		SendToUnsubscribed: t.SendToUnsubscribed,
	}, nil
}

// DecodeTemplate sets the fields of t that c holds: Topics (nil for none),
// Contents and SendToUnsubscribed. TriggerKey is not read.
func DecodeTemplate(c TemplateColumns, t *server.Template) error {
	var err error
	if t.Topics, err = decodeTopics(c.Topics); err != nil {
		return err
	}
	if c.Contents == "" { // a row from before content variants
		t.Contents = []server.Content{{ID: 1, Language: "", Body: []byte(c.Content)}}
	} else if err := DecodeJSON(c.Contents, &t.Contents); err != nil {
		return err
	}
	t.SendToUnsubscribed = c.SendToUnsubscribed
	return nil
}
