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
	content, data, err := encodeContent(d)
	if err != nil {
		return err
	}
	clicks, err := encodeJSON(nonNil(d.Clicks))
	if err != nil {
		return err
	}
	return db.update(ctx, func(ctx context.Context, tx *txn) error {
		if _, err := findPerson(ctx, tx, `id = ?`, d.PersonID); server.ErrorCode(err) == server.ENOTFOUND {
			return server.Errorf(server.EINVALID, "person %q does not exist", d.PersonID)
		} else if err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO deliveries (id, person_id, template_id, content_id, language, channel, type, topics,
				priority, content, data, queued_at, send_at, expires_at, draft, suppressed, disable_retention,
				opened, opened_at, delivered, deleted, dismissed, clicks)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.PersonID, d.TemplateID, d.ContentID, d.Language, d.Channel, d.Type, topics,
			d.Priority, content, data, millis(d.QueuedAt), millis(d.SendAt), millis(d.ExpiresAt), d.Draft,
			d.Suppressed, d.DisableRetention, d.Opened, nullMillis(d.OpenedAt), d.Delivered, d.Deleted,
			d.Dismissed, clicks)
		return err
	})
}

// FindDelivery returns the delivery with id, or ENOTFOUND.
func (db *DB) FindDelivery(ctx context.Context, id string) (*server.Delivery, error) {
	return findDelivery(ctx, db.readStmts, id)
}

// deliveryColumns are the columns scanDelivery reads, in its order.
const deliveryColumns = `id, person_id, template_id, content_id, language, channel, type, topics, priority,
	content, data, queued_at, send_at, expires_at, draft, suppressed, disable_retention,
	opened, opened_at, delivered, deleted, dismissed, clicks`

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
	var queuedAt, sendAt, expiresAt int64
	var openedAt sql.NullInt64
	if err := row.Scan(&d.ID, &d.PersonID, &d.TemplateID, &d.ContentID, &d.Language, &d.Channel, &d.Type,
		&topics, &d.Priority, &content, &data, &queuedAt, &sendAt, &expiresAt, &d.Draft, &d.Suppressed,
		&d.DisableRetention, &d.Opened, &openedAt, &d.Delivered, &d.Deleted, &d.Dismissed, &clicks); err != nil {
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
	if content != "" { // "" once dropped
		d.Content = []byte(content)
	}
	d.QueuedAt, d.SendAt, d.ExpiresAt = fromMillis(queuedAt), fromMillis(sendAt), fromMillis(expiresAt)
	if openedAt.Valid {
		d.OpenedAt = fromMillis(openedAt.Int64)
	}
	return &d, nil
}

// saveDelivery writes everything about d that can change after it was
// created: its schedule, draft state, browser-reported state and retained
// content.
func saveDelivery(ctx context.Context, tx *txn, d *server.Delivery) error {
	clicks, err := encodeJSON(nonNil(d.Clicks))
	if err != nil {
		return err
	}
	content, data, err := encodeContent(d)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE deliveries SET queued_at = ?, send_at = ?, expires_at = ?, draft = ?, opened = ?, opened_at = ?,
			delivered = ?, deleted = ?, dismissed = ?, clicks = ?, content = ?, data = ?
		WHERE id = ?`,
		millis(d.QueuedAt), millis(d.SendAt), millis(d.ExpiresAt), d.Draft, d.Opened, nullMillis(d.OpenedAt),
		d.Delivered, d.Deleted, d.Dismissed, clicks, content, data, d.ID)
	return err
}

// encodeContent returns the content and data columns of d: compact JSON,
// "" for dropped content and NULL for no data.
func encodeContent(d *server.Delivery) (string, sql.NullString, error) {
	var content string
	var data sql.NullString
	var err error
	if d.Content != nil {
		if content, err = compactJSON(d.Content); err != nil {
			return "", data, err
		}
	}
	if d.Data != nil {
		if data.String, err = encodeJSON(d.Data); err != nil {
			return "", data, err
		}
		data.Valid = true
	}
	return content, data, nil
}

// UpdateDelivery runs fn on the delivery with id and stores the result.
func (db *DB) UpdateDelivery(ctx context.Context, id string, fn func(d *server.Delivery) error) (*server.Delivery, error) {
	var d *server.Delivery
	err := db.update(ctx, func(ctx context.Context, tx *txn) error {
		var err error
		if d, err = findDelivery(ctx, tx, id); err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
		return saveDelivery(ctx, tx, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// DeleteDraft removes the draft with id.
func (db *DB) DeleteDraft(ctx context.Context, id string) error {
	return db.update(ctx, func(ctx context.Context, tx *txn) error {
		d, err := findDelivery(ctx, tx, id)
		if err != nil {
			return err
		}
		if !d.Draft {
			return server.Errorf(server.ECONFLICT, "delivery %q is not a draft", id)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id = ? AND draft = 1`, id)
		return err
	})
}

// ListDrafts returns drafts of personID (everyone's for ""), oldest first.
func (db *DB) ListDrafts(ctx context.Context, personID string, limit int) ([]*server.Delivery, error) {
	rows, err := db.readStmts.QueryContext(ctx, `
		SELECT `+deliveryColumns+` FROM deliveries
		WHERE draft = 1 AND (? = '' OR person_id = ?)
		ORDER BY queued_at, id LIMIT ?`, personID, personID, limit)
	if err != nil {
		return nil, err
	}
	return scanDeliveries(rows, nil)
}

// DropFinishedContent clears the content and data of finished deliveries
// whose retention is disabled.
func (db *DB) DropFinishedContent(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.update(ctx, func(ctx context.Context, tx *txn) error {
		rows, err := tx.QueryContext(ctx, `
			SELECT `+deliveryColumns+` FROM deliveries
			WHERE disable_retention = 1 AND content <> '' AND draft = 0 AND send_at <= ? AND NOT `+queuedAt,
			append([]any{millis(now)}, queuedArgs(now)...)...)
		if err != nil {
			return err
		}
		ds, err := scanDeliveries(rows, func(d *server.Delivery) bool { return d.DropContentIfDone(now) })
		if err != nil {
			return err
		}
		for _, d := range ds {
			if err := saveDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		n = len(ds)
		return nil
	})
	return n, err
}

// scanDeliveries reads and closes rows of deliveryColumns, keeping those
// for which keep is nil or true.
func scanDeliveries(rows *sql.Rows, keep func(d *server.Delivery) bool) ([]*server.Delivery, error) {
	defer rows.Close()
	ds := []*server.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		if keep == nil || keep(d) {
			ds = append(ds, d)
		}
	}
	return ds, rows.Err()
}

// nullMillis returns t as unix milliseconds, or NULL for the zero time.
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: millis(t), Valid: true}
}
