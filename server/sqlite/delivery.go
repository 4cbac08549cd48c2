package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/roostmsg/roost/server"
)

// CreateDelivery stores d; its person must exist.
func (db *DB) CreateDelivery(ctx context.Context, d *server.Delivery) error {
	topics, err := encodeJSON(nonNil(d.Topics))
	if err != nil {
		return err
	}
	content, err := compactJSON(d.Content)
	if err != nil {
		return err
	}
	var data sql.NullString
	if d.Data != nil {
		if data.String, err = encodeJSON(d.Data); err != nil {
			return err
		}
		data.Valid = true
	}
	clicks, err := encodeJSON(nonNil(d.Clicks))
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := findPerson(ctx, tx, `id = ?`, d.PersonID); server.ErrorCode(err) == server.ENOTFOUND {
			return server.Errorf(server.EINVALID, "person %q does not exist", d.PersonID)
		} else if err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO deliveries (id, person_id, template_id, channel, type, topics, priority, content, data,
				queued_at, expires_at, opened, opened_at, delivered, deleted, dismissed, clicks)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.PersonID, d.TemplateID, d.Channel, d.Type, topics, d.Priority, content, data,
			millis(d.QueuedAt), millis(d.ExpiresAt), d.Opened, nullMillis(d.OpenedAt),
			d.Delivered, d.Deleted, d.Dismissed, clicks)
		return err
	})
}

// FindDelivery returns the delivery with id, or ENOTFOUND.
func (db *DB) FindDelivery(ctx context.Context, id string) (*server.Delivery, error) {
	return findDelivery(ctx, db.read, id)
}

// deliveryColumns are the columns scanDelivery reads, in its order.
const deliveryColumns = `id, person_id, template_id, channel, type, topics, priority, content, data,
	queued_at, expires_at, opened, opened_at, delivered, deleted, dismissed, clicks`

// findDelivery returns the delivery with id, or ENOTFOUND.
func findDelivery(ctx context.Context, q querier, id string) (*server.Delivery, error) {
	d, err := scanDelivery(q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, server.Errorf(server.ENOTFOUND, "delivery %q not found", id)
	}
	return d, err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanDelivery reads one row of deliveryColumns.
func scanDelivery(row scanner) (*server.Delivery, error) {
	var d server.Delivery
	var topics, content, clicks string
	var data sql.NullString
	var queuedAt, expiresAt int64
	var openedAt sql.NullInt64
	if err := row.Scan(&d.ID, &d.PersonID, &d.TemplateID, &d.Channel, &d.Type, &topics, &d.Priority,
		&content, &data, &queuedAt, &expiresAt, &d.Opened, &openedAt, &d.Delivered, &d.Deleted,
		&d.Dismissed, &clicks); err != nil {
		return nil, err
	}
	if err := decodeJSON(topics, &d.Topics); err != nil {
		return nil, err
	}
	if err := decodeJSON(clicks, &d.Clicks); err != nil {
		return nil, err
	}
	if data.Valid {
		if err := decodeJSON(data.String, &d.Data); err != nil {
			return nil, err
		}
	}
	if len(d.Topics) == 0 {
		d.Topics = nil
	}
	d.Content = []byte(content)
	d.QueuedAt, d.ExpiresAt = fromMillis(queuedAt), fromMillis(expiresAt)
	if openedAt.Valid {
		d.OpenedAt = fromMillis(openedAt.Int64)
	}
	return &d, nil
}

// saveDeliveryState writes the browser-reported state of d.
func saveDeliveryState(ctx context.Context, tx *sql.Tx, d *server.Delivery) error {
	clicks, err := encodeJSON(nonNil(d.Clicks))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE deliveries SET opened = ?, opened_at = ?, delivered = ?, deleted = ?, dismissed = ?, clicks = ?
		WHERE id = ?`,
		d.Opened, nullMillis(d.OpenedAt), d.Delivered, d.Deleted, d.Dismissed, clicks, d.ID)
	return err
}

// nullMillis returns t as unix milliseconds, or NULL for the zero time.
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: millis(t), Valid: true}
}
