package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// CreateDelivery stores d; its person must exist.
func (db *DB) CreateDelivery(ctx context.Context, d *server.Delivery) error {
	c, err := storecols.EncodeDelivery(d)
	if err != nil {
		return err
	}
	return db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockPeople(ctx, tx, d.PersonID); err != nil {
			return err
		}
		if _, err := findPerson(ctx, tx, `id = $1`, d.PersonID); server.ErrorCode(err) == server.ENOTFOUND {
			return server.Errorf(server.EINVALID, "person %q does not exist", d.PersonID)
		} else if err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO deliveries (id, person_id, template_id, content_id, language, channel, type, topics,
				priority, content, data, queued_at, send_at, expires_at, draft, suppressed, disable_retention,
				opened, opened_at, delivered, deleted, dismissed, clicks)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
			d.ID, d.PersonID, d.TemplateID, d.ContentID, d.Language, d.Channel, d.Type, c.Topics,
			d.Priority, c.Content, c.Data, c.QueuedAt, c.SendAt, c.ExpiresAt, d.Draft,
			d.Suppressed, d.DisableRetention, d.Opened, c.OpenedAt, d.Delivered, d.Deleted,
			d.Dismissed, c.Clicks)
		if isCode(err, "23505") {
			return server.Errorf(server.ECONFLICT, "delivery %q already exists", d.ID)
		}
		return err
	})
}

// FindDelivery returns the delivery with id, or ENOTFOUND.
func (db *DB) FindDelivery(ctx context.Context, id string) (*server.Delivery, error) {
	d, err := findDelivery(ctx, db.pool, id, "")
	return d, db.storageError(err)
}

// findDelivery returns the delivery with id, or ENOTFOUND; suffix ends
// the query (" FOR UPDATE", or "").
func findDelivery(ctx context.Context, q querier, id, suffix string) (*server.Delivery, error) {
	if hasNUL(id) {
		return nil, server.Errorf(server.ENOTFOUND, "delivery %q not found", id)
	}
	d, err := scanDelivery(q.QueryRow(ctx, `SELECT `+storecols.DeliverySelect+` FROM deliveries WHERE id = $1`+suffix, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, server.Errorf(server.ENOTFOUND, "delivery %q not found", id)
	}
	return d, err
}

// scanDelivery reads one row of storecols.DeliverySelect.
func scanDelivery(row pgx.Row) (*server.Delivery, error) {
	var d server.Delivery
	var c storecols.DeliveryColumns
	if err := row.Scan(storecols.DeliveryDest(&d, &c, &c.Data, &c.OpenedAt)...); err != nil {
		return nil, err
	}
	if err := storecols.DecodeDelivery(c, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// saveDelivery writes everything about d that can change after it was
// created: its schedule, draft state, browser-reported state and retained
// content. The caller holds the lock of d's person.
func saveDelivery(ctx context.Context, tx pgx.Tx, d *server.Delivery) error {
	c, err := storecols.EncodeDelivery(d)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		UPDATE deliveries SET queued_at = $1, send_at = $2, expires_at = $3, draft = $4, opened = $5, opened_at = $6,
			delivered = $7, deleted = $8, dismissed = $9, clicks = $10, content = $11, data = $12
		WHERE id = $13`,
		c.QueuedAt, c.SendAt, c.ExpiresAt, d.Draft, d.Opened, c.OpenedAt,
		d.Delivered, d.Deleted, d.Dismissed, c.Clicks, c.Content, c.Data, d.ID)
	return err
}

// lockDelivery takes the lock of the person of the delivery with id, then
// reads the delivery FOR UPDATE; ENOTFOUND if there is none.
func lockDelivery(ctx context.Context, tx pgx.Tx, id string) (*server.Delivery, error) {
	if hasNUL(id) {
		return nil, server.Errorf(server.ENOTFOUND, "delivery %q not found", id)
	}
	var personID string
	err := tx.QueryRow(ctx, `SELECT person_id FROM deliveries WHERE id = $1`, id).Scan(&personID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, server.Errorf(server.ENOTFOUND, "delivery %q not found", id)
	} else if err != nil {
		return nil, err
	}
	if err := lockPeople(ctx, tx, personID); err != nil {
		return nil, err
	}
	// read again under the lock: the writes of the lock's previous holders are committed
	return findDelivery(ctx, tx, id, ` FOR UPDATE`)
}

// UpdateDelivery runs fn on the delivery with id and stores the result.
func (db *DB) UpdateDelivery(ctx context.Context, id string, fn func(d *server.Delivery) error) (*server.Delivery, error) {
	var d *server.Delivery
	err := db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if d, err = lockDelivery(ctx, tx, id); err != nil {
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
	return db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
		d, err := lockDelivery(ctx, tx, id)
		if err != nil {
			return err
		}
		if !d.Draft {
			return server.NotADraft(id)
		}
		_, err = tx.Exec(ctx, `DELETE FROM deliveries WHERE id = $1 AND draft`, id)
		return err
	})
}

// ListDrafts returns drafts of personID (everyone's for ""), oldest first.
func (db *DB) ListDrafts(ctx context.Context, personID string, limit int) ([]*server.Delivery, error) {
	var rows pgx.Rows
	var err error
	var max *int // nil: no limit, as SQLite reads a negative one
	if limit >= 0 {
		max = &limit
	}
	if hasNUL(personID) {
		return []*server.Delivery{}, nil
	}
	if personID == "" {
		rows, err = db.pool.Query(ctx, `SELECT `+storecols.DeliverySelect+` FROM deliveries
			WHERE draft ORDER BY queued_at, id LIMIT $1`, max)
	} else {
		rows, err = db.pool.Query(ctx, `SELECT `+storecols.DeliverySelect+` FROM deliveries
			WHERE draft AND person_id = $1 ORDER BY queued_at, id LIMIT $2`, personID, max)
	}
	if err != nil {
		return nil, db.storageError(err)
	}
	ds, err := scanDeliveries(rows, nil)
	return ds, db.storageError(err)
}

// scanDeliveries reads and closes rows of storecols.DeliverySelect,
// keeping those for which keep is nil or true.
func scanDeliveries(rows pgx.Rows, keep func(d *server.Delivery) bool) ([]*server.Delivery, error) {
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
