package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// FindQueue returns what a poll by personID at now sees, from one snapshot.
func (db *DB) FindQueue(ctx context.Context, personID string, now time.Time) (*server.Queue, error) {
	q := &server.Queue{}
	err := db.view(ctx, func(tx *txn) error {
		p, err := findPerson(ctx, tx, `id = ?`, personID)
		if server.ErrorCode(err) == server.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		q.Person = p
		var last, next sql.Null[int64]
		if err := tx.QueryRowContext(ctx, `
			SELECT MAX(CASE WHEN send_at <= ? THEN send_at END), MIN(CASE WHEN send_at > ? THEN send_at END)
			FROM deliveries WHERE person_id = ? AND draft = 0 AND suppressed = ''`,
			storecols.Millis(now), storecols.Millis(now), personID).Scan(&last, &next); err != nil {
			return err
		}
		q.LastQueuedAt, q.NextSendAt = storecols.FromNullMillis(fromNull(last)), storecols.FromNullMillis(fromNull(next))
		q.Deliveries, err = queuedDeliveries(ctx, tx, personID, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// CountQueued returns how many deliveries are queued at now; see server.Store.
func (db *DB) CountQueued(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.readStmts.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE `+queuedAt, queuedArgs(now)...).Scan(&n)
	return n, err
}

// queuedAt is the SQL form of Delivery.Queued at a time given by
// queuedArgs: the one condition polls and the retention sweep share.
const queuedAt = `(draft = 0 AND suppressed = '' AND send_at <= ?
	AND ((channel = 'inbox' AND deleted = 0 AND (delivered = 1 OR expires_at > ?))
		OR (channel = 'in_app' AND delivered = 0 AND dismissed = 0 AND expires_at > ?)))`

// queuedArgs are the arguments of queuedAt for time now.
func queuedArgs(now time.Time) []any {
	ms := storecols.Millis(now)
	return []any{ms, ms, ms}
}

// queuedDeliveries returns personID's deliveries for which Queued(now)
// holds, oldest first.
func queuedDeliveries(ctx context.Context, tx *txn, personID string, now time.Time) ([]*server.Delivery, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT `+storecols.DeliverySelect+` FROM deliveries
		WHERE person_id = ? AND `+queuedAt+`
		ORDER BY send_at, id`, append([]any{personID}, queuedArgs(now)...)...)
	if err != nil {
		return nil, err
	}
	// the WHERE above says what Queued says; filtering again keeps them in step
	return scanDeliveries(rows, func(d *server.Delivery) bool { return d.Queued(now) })
}
