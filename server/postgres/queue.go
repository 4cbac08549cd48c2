package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// FindQueue returns what a poll by personID at now sees, and the person's
// answer version, from one snapshot: a REPEATABLE READ READ ONLY
// transaction whose statements go in one batch, one round trip.
func (db *DB) FindQueue(ctx context.Context, personID string, now time.Time) (*server.Queue, error) {
	q := &server.Queue{}
	if hasNUL(personID) {
		return q, nil // no such person
	}
	b := &pgx.Batch{}
	b.Queue(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`)
	b.Queue(`SELECT id, attributes, version FROM people WHERE id = $1`, personID)
	b.Queue(`SELECT MAX(send_at) FILTER (WHERE send_at <= $2), MIN(send_at) FILTER (WHERE send_at > $2)
		FROM deliveries WHERE person_id = $1 AND NOT draft AND suppressed = ''`, personID, storecols.Millis(now))
	b.Queue(`SELECT `+storecols.DeliverySelect+` FROM deliveries WHERE person_id = $2 AND `+queuedAt+`
		ORDER BY send_at, id`, storecols.Millis(now), personID)
	b.Queue(`COMMIT`)
	// A batch that fails leaves its connection in the aborted transaction:
	// the pool closes such a connection when it is released.
	br := db.pool.SendBatch(ctx, b)
	err := readQueue(br, q, now)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, db.storageError(err)
	}
	return q, nil
}

// readQueue reads the results of FindQueue's batch into q.
func readQueue(br pgx.BatchResults, q *server.Queue, now time.Time) error {
	if _, err := br.Exec(); err != nil {
		return err
	}
	p, version, err := scanPerson(br.QueryRow())
	if err != nil && server.ErrorCode(err) != server.ENOTFOUND {
		return err
	}
	var last, next *int64
	if err := br.QueryRow().Scan(&last, &next); err != nil {
		return err
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	// the WHERE says what Queued says; filtering again keeps them in step
	ds, err := scanDeliveries(rows, func(d *server.Delivery) bool { return d.Queued(now) })
	if err != nil {
		return err
	}
	if _, err := br.Exec(); err != nil {
		return err
	}
	if p == nil {
		return nil // an unknown person: no deliveries either
	}
	q.Person, q.Version, q.Deliveries = p, version, ds
	q.LastQueuedAt, q.NextSendAt = storecols.FromNullMillis(last), storecols.FromNullMillis(next)
	return nil
}

// CountQueued returns how many deliveries are queued at now; see server.Store.
func (db *DB) CountQueued(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE `+queuedAt, storecols.Millis(now)).Scan(&n)
	return n, db.storageError(err)
}

// queuedAt is the SQL form of Delivery.Queued at the time $1, in unix
// milliseconds: the one condition polls, counts and the retention sweep
// share (the SQLite store's, with booleans). A poll reads one range of
// the deliveries_poll index, (person_id, send_at, id), in its order.
const queuedAt = `(NOT draft AND suppressed = '' AND send_at <= $1
	AND ((channel = 'inbox' AND NOT deleted AND (delivered OR expires_at > $1))
		OR (channel = 'in_app' AND NOT delivered AND NOT dismissed AND expires_at > $1)))`

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
