package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/roostmsg/roost/server"
)

// FindQueue returns what a poll by personID at now sees, from one snapshot.
func (db *DB) FindQueue(ctx context.Context, personID string, now time.Time) (*server.Queue, error) {
	q := &server.Queue{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		p, err := findPerson(ctx, tx, `id = ?`, personID)
		if server.ErrorCode(err) == server.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		q.Person = p
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(queued_at) FROM deliveries WHERE person_id = ?`, personID).
			Scan(&last); err != nil {
			return err
		}
		if last.Valid {
			q.LastQueuedAt = fromMillis(last.Int64)
		}
		q.Deliveries, err = queuedDeliveries(ctx, tx, personID, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// queuedDeliveries returns personID's deliveries for which Queued(now)
// holds, oldest first.
func queuedDeliveries(ctx context.Context, tx *sql.Tx, personID string, now time.Time) ([]*server.Delivery, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT `+deliveryColumns+` FROM deliveries
		WHERE person_id = ? AND expires_at > ?
			AND ((channel = 'inbox' AND deleted = 0) OR (channel = 'in_app' AND delivered = 0 AND dismissed = 0))
		ORDER BY queued_at, id`, personID, millis(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ds []*server.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		if d.Queued(now) { // the WHERE above says the same; this keeps them in step
			ds = append(ds, d)
		}
	}
	return ds, rows.Err()
}
