package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// contentPart is the most deliveries one transaction of DropFinishedContent
// clears. It takes the lock of each one's person, and advisory locks fill
// PostgreSQL's shared lock table (max_locks_per_transaction times
// max_connections: 6,400 entries by default), so it is smaller than
// dropPart. A variable for tests.
var contentPart = 500

// DropFinishedContent clears the content and data of finished deliveries
// whose retention is disabled, in parts of at most contentPart deliveries,
// each a transaction that reads its part from the deliveries_retention
// index (by expires_at, then id), takes the locks of the part's people in
// order, then reads the part again FOR UPDATE and clears what is still
// to clear. See server.Store.
func (db *DB) DropFinishedContent(ctx context.Context, now time.Time) (int, error) {
	total := 0
	var afterExpires int64 = -1 << 63
	afterID := ""
	for {
		var found, cleared int
		err := db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
			var err error
			found, cleared, afterExpires, afterID, err = dropContentPart(ctx, tx, now, afterExpires, afterID)
			return err
		})
		total += cleared
		if err != nil || found < contentPart {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// dropContentPart does one part of DropFinishedContent: the deliveries to
// clear after (expires, id) in the index's order. It returns how many it
// found and cleared, and where the next part starts.
func dropContentPart(ctx context.Context, tx pgx.Tx, now time.Time, expires int64, id string) (found, cleared int, nextExpires int64, nextID string, err error) {
	rows, err := tx.Query(ctx, `
		SELECT id, person_id, expires_at FROM deliveries
		WHERE disable_retention AND content <> '' AND (expires_at, id) > ($2, $3)
			AND NOT draft AND send_at <= $1 AND NOT `+queuedAt+`
		ORDER BY expires_at, id LIMIT $4`, storecols.Millis(now), expires, id, contentPart)
	if err != nil {
		return 0, 0, 0, "", err
	}
	var ids, people []string
	var dID, personID string
	var dExpires int64
	nextExpires, nextID = expires, id
	if _, err := pgx.ForEachRow(rows, []any{&dID, &personID, &dExpires}, func() error {
		ids, people = append(ids, dID), append(people, personID)
		nextExpires, nextID = dExpires, dID
		return nil
	}); err != nil {
		return 0, 0, 0, "", err
	}
	if len(ids) == 0 {
		return 0, 0, nextExpires, nextID, nil
	}
	slices.Sort(people)
	if err := lockPeople(ctx, tx, slices.Compact(people)...); err != nil {
		return 0, 0, 0, "", err
	}
	// Under the locks, as of now: what events changed since the read above counts.
	rows, err = tx.Query(ctx, `SELECT `+storecols.DeliverySelect+` FROM deliveries WHERE id = ANY($1::text[]) FOR UPDATE`, ids)
	if err != nil {
		return 0, 0, 0, "", err
	}
	ds, err := scanDeliveries(rows, func(d *server.Delivery) bool { return d.DropContentIfDone(now) })
	if err != nil {
		return 0, 0, 0, "", err
	}
	if len(ds) > 0 {
		clear := make([]string, len(ds))
		for i, d := range ds {
			clear[i] = d.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET content = '', data = NULL WHERE id = ANY($1::text[])`, clear); err != nil {
			return 0, 0, 0, "", err
		}
	}
	return len(ids), len(ds), nextExpires, nextID, nil
}
