package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Exclusive runs fn unless fn of the same name is running on the same
// database, in this process or another, and reports whether it ran; see
// server.SharedStore. It holds a session advisory lock (keyed by a hash
// of name, in a key space of its own) on a connection of the pool taken
// for the purpose, for as long as fn runs; if the process dies,
// PostgreSQL ends the session and so the lock.
func (db *DB) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, db.storageError(err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT pg_try_advisory_lock(%d, hashtext($1))`, lockSpaceExclusive),
		name).Scan(&got); err != nil {
		return false, db.storageError(err)
	}
	if !got {
		return false, nil
	}
	defer unlockSession(ctx, conn, fmt.Sprintf(`SELECT pg_advisory_unlock(%d, hashtext($1))`, lockSpaceExclusive), name)
	return true, fn(ctx)
}

// ClaimRound claims a round of the background work name unless one was
// claimed less than every ago, by the database's clock; see
// server.SharedStore.
func (db *DB) ClaimRound(ctx context.Context, name string, every time.Duration) (bool, error) {
	var claimed bool
	err := db.pool.QueryRow(ctx, `
		INSERT INTO background_rounds AS r (name, claimed_at) VALUES ($1, now())
		ON CONFLICT (name) DO UPDATE SET claimed_at = now()
			WHERE r.claimed_at <= now() - make_interval(secs => $2)
		RETURNING true`, name, every.Seconds()).Scan(&claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, db.storageError(err)
	}
	return claimed, nil
}
