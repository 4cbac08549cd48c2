package storecols

import "github.com/roostmsg/roost/server"

// DeliveryColumns are the columns of a server.Delivery stored in another
// form than the field's; the other fields are stored as they are.
type DeliveryColumns struct {
	// Topics is the JSON array of Delivery.Topics, [] for none.
	Topics string
	// Content is Delivery.Content as compact JSON; "" once dropped.
	Content string
	// Data is Delivery.Data as JSON; nil (NULL) for no data.
	Data *string
	// QueuedAt, SendAt and ExpiresAt are the times, in unix milliseconds.
	QueuedAt, SendAt, ExpiresAt int64
	// OpenedAt is Delivery.OpenedAt in unix milliseconds; nil (NULL) for
	// the zero time.
	OpenedAt *int64
	// Clicks is the JSON array of Delivery.Clicks, [] for none.
	Clicks string
}

// DeliverySelect lists the columns of a deliveries row in the order of
// DeliveryDest, for a SELECT.
const DeliverySelect = `id, person_id, template_id, content_id, language, channel, type, topics, priority,
	content, data, queued_at, send_at, expires_at, draft, suppressed, disable_retention,
	opened, opened_at, delivered, deleted, dismissed, clicks`

// DeliveryDest returns the scan destinations of a row of DeliverySelect:
// the fields of d stored as they are, and c for the others. data and
// openedAt are the driver's destinations of the nullable data and
// opened_at columns (&c.Data and &c.OpenedAt for a driver that scans NULL
// into a nil pointer); the caller sets c.Data and c.OpenedAt from them
// before DecodeDelivery.
func DeliveryDest(d *server.Delivery, c *DeliveryColumns, data, openedAt any) []any {
	return []any{&d.ID, &d.PersonID, &d.TemplateID, &d.ContentID, &d.Language, &d.Channel, &d.Type,
		&c.Topics, &d.Priority, &c.Content, data, &c.QueuedAt, &c.SendAt, &c.ExpiresAt, &d.Draft, &d.Suppressed,
		&d.DisableRetention, &d.Opened, openedAt, &d.Delivered, &d.Deleted, &d.Dismissed, &c.Clicks}
}

// EncodeDelivery returns the column values of d.
func EncodeDelivery(d *server.Delivery) (DeliveryColumns, error) {
	var c DeliveryColumns
	var err error
	if c.Topics, err = encodeList(d.Topics); err != nil {
		return DeliveryColumns{}, err
	}
	if d.Content != nil {
		if c.Content, err = CompactJSON(d.Content); err != nil {
			return DeliveryColumns{}, err
		}
	}
	if d.Data != nil {
		data, err := EncodeJSON(d.Data)
		if err != nil {
			return DeliveryColumns{}, err
		}
		c.Data = &data
	}
	if c.Clicks, err = encodeList(d.Clicks); err != nil {
		return DeliveryColumns{}, err
	}
	c.QueuedAt, c.SendAt, c.ExpiresAt = Millis(d.QueuedAt), Millis(d.SendAt), Millis(d.ExpiresAt)
	c.OpenedAt = NullMillis(d.OpenedAt)
	return c, nil
}

// DecodeDelivery sets the fields of d that c holds: Topics (nil for none),
// Content (nil once dropped), Data (nil for NULL), Clicks and the times.
func DecodeDelivery(c DeliveryColumns, d *server.Delivery) error {
	var err error
	if d.Topics, err = decodeTopics(c.Topics); err != nil {
		return err
	}
	if err := DecodeJSON(c.Clicks, &d.Clicks); err != nil {
		return err
	}
	if c.Data != nil {
		if err := DecodeJSON(*c.Data, &d.Data); err != nil {
			return err
		}
	}
	if c.Content != "" { // "" once dropped
		d.Content = []byte(c.Content)
	}
	d.QueuedAt, d.SendAt, d.ExpiresAt = FromMillis(c.QueuedAt), FromMillis(c.SendAt), FromMillis(c.ExpiresAt)
	d.OpenedAt = FromNullMillis(c.OpenedAt)
	return nil
}
