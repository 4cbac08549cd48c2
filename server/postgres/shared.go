package postgres

import (
	"context"
	"fmt"
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
