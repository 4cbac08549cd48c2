package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/server"
)

// FindQueue returns what a poll by personID at now sees, and the person's
// answer version, from one snapshot (a REPEATABLE READ READ ONLY
// transaction).
func (db *DB) FindQueue(ctx context.Context, personID string, now time.Time) (*server.Queue, error) {
	q := &server.Queue{}
	if hasNUL(personID) {
		return q, nil // no such person
	}
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			p, version, err := findPersonVersion(ctx, tx, `id = $1`, personID)
			if server.ErrorCode(err) == server.ENOTFOUND {
				return nil
			} else if err != nil {
				return err
			}
			q.Person, q.Version = p, version
			var last, next *int64
			if err := tx.QueryRow(ctx, `
				SELECT MAX(send_at) FILTER (WHERE send_at <= $2), MIN(send_at) FILTER (WHERE send_at > $2)
				FROM deliveries WHERE person_id = $1 AND NOT draft AND suppressed = ''`,
				personID, millis(now)).Scan(&last, &next); err != nil {
				return err
			}
			if last != nil {
				q.LastQueuedAt = fromMillis(*last)
			}
			if next != nil {
				q.NextSendAt = fromMillis(*next)
			}
			q.Deliveries, err = queuedDeliveries(ctx, tx, personID, now)
			return err
		})
	if err != nil {
		return nil, db.storageError(err)
	}
	return q, nil
}

// CountQueued returns how many deliveries are queued at now; see server.Store.
func (db *DB) CountQueued(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE `+queuedAt, millis(now)).Scan(&n)
	return n, db.storageError(err)
}

// queuedAt is the SQL form of Delivery.Queued at the time $1, in unix
// milliseconds: the one condition polls, counts and the retention sweep
// share (the SQLite store's, with booleans).
const queuedAt = `(NOT draft AND suppressed = '' AND send_at <= $1
	AND ((channel = 'inbox' AND NOT deleted AND (delivered OR expires_at > $1))
		OR (channel = 'in_app' AND NOT delivered AND NOT dismissed AND expires_at > $1)))`

// queuedDeliveries returns personID's deliveries for which Queued(now)
// holds, oldest first: one range of the deliveries_poll index, in its order.
func queuedDeliveries(ctx context.Context, tx pgx.Tx, personID string, now time.Time) ([]*server.Delivery, error) {
	rows, err := tx.Query(ctx, `
		SELECT `+deliveryColumns+` FROM deliveries
		WHERE person_id = $2 AND `+queuedAt+`
		ORDER BY send_at, id`, millis(now), personID)
	if err != nil {
		return nil, err
	}
	// the WHERE above says what Queued says; filtering again keeps them in step
	return scanDeliveries(rows, func(d *server.Delivery) bool { return d.Queued(now) })
}

// AnswerVersion returns personID's answer version, 0 for an unknown
// person: one read of the people primary key. See server.SharedStore.
func (db *DB) AnswerVersion(ctx context.Context, personID string) (int64, error) {
	if hasNUL(personID) {
		return 0, nil
	}
	var v int64
	err := db.pool.QueryRow(ctx, `SELECT version FROM people WHERE id = $1`, personID).Scan(&v)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	return v, db.storageError(err)
}
