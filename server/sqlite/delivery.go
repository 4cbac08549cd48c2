package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// CreateDelivery stores d; its person must exist.
func (db *DB) CreateDelivery(ctx context.Context, d *server.Delivery) error {
	c, err := storecols.EncodeDelivery(d)
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
			d.ID, d.PersonID, d.TemplateID, d.ContentID, d.Language, d.Channel, d.Type, c.Topics,
			d.Priority, c.Content, toNull(c.Data), c.QueuedAt, c.SendAt, c.ExpiresAt, d.Draft,
			d.Suppressed, d.DisableRetention, d.Opened, toNull(c.OpenedAt), d.Delivered, d.Deleted,
			d.Dismissed, c.Clicks)
		return err
	})
}

// FindDelivery returns the delivery with id, or ENOTFOUND.
func (db *DB) FindDelivery(ctx context.Context, id string) (*server.Delivery, error) {
	return findDelivery(ctx, db.readStmts, id)
}

// findDelivery returns the delivery with id, or ENOTFOUND.
func findDelivery(ctx context.Context, q querier, id string) (*server.Delivery, error) {
	d, err := scanDelivery(q.QueryRowContext(ctx, `SELECT `+storecols.DeliverySelect+` FROM deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, server.Errorf(server.ENOTFOUND, "delivery %q not found", id)
	}
	return d, err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanDelivery reads one row of storecols.DeliverySelect.
func scanDelivery(row scanner) (*server.Delivery, error) {
	var d server.Delivery
	var c storecols.DeliveryColumns
	var data sql.Null[string]
	var openedAt sql.Null[int64]
	if err := row.Scan(storecols.DeliveryDest(&d, &c, &data, &openedAt)...); err != nil {
		return nil, err
	}
	c.Data, c.OpenedAt = fromNull(data), fromNull(openedAt)
	if err := storecols.DecodeDelivery(c, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// saveDelivery writes everything about d that can change after it was
// created: its schedule, draft state, browser-reported state and retained
// content.
func saveDelivery(ctx context.Context, tx *txn, d *server.Delivery) error {
	c, err := storecols.EncodeDelivery(d)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE deliveries SET queued_at = ?, send_at = ?, expires_at = ?, draft = ?, opened = ?, opened_at = ?,
			delivered = ?, deleted = ?, dismissed = ?, clicks = ?, content = ?, data = ?
		WHERE id = ?`,
		c.QueuedAt, c.SendAt, c.ExpiresAt, d.Draft, d.Opened, toNull(c.OpenedAt),
		d.Delivered, d.Deleted, d.Dismissed, c.Clicks, c.Content, toNull(c.Data), d.ID)
	return err
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
			return server.NotADraft(id)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id = ? AND draft = 1`, id)
		return err
	})
}

// ListDrafts returns drafts of personID (everyone's for ""), oldest first.
func (db *DB) ListDrafts(ctx context.Context, personID string, limit int) ([]*server.Delivery, error) {
	rows, err := db.readStmts.QueryContext(ctx, `
		SELECT `+storecols.DeliverySelect+` FROM deliveries
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
			SELECT `+storecols.DeliverySelect+` FROM deliveries
			WHERE disable_retention = 1 AND content <> '' AND draft = 0 AND send_at <= ? AND NOT `+queuedAt,
			append([]any{storecols.Millis(now)}, queuedArgs(now)...)...)
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

// scanDeliveries reads and closes rows of storecols.DeliverySelect,
// keeping those for which keep is nil or true.
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
