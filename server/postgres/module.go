package postgres

import (
	"bytes"
	"cmp"
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// RememberModule stores m as the newest runtime module and forgets all but
// the server.ModulesKept newest; when m is the newest already, it writes
// nothing (a restart of the same build).
func (db *DB) RememberModule(ctx context.Context, m *server.Module) error {
	now := db.Now()
	var kept int64 // the newest's remembered_at, when it is m already
	err := db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var version string
		var sum []byte
		switch err := tx.QueryRow(ctx, `SELECT version, sha256, remembered_at FROM runtime_modules ORDER BY seq DESC LIMIT 1`).
			Scan(&version, &sum, &kept); {
		case err == nil && version == m.Version && bytes.Equal(sum, m.SHA256[:]):
			return nil // a restart of the same build writes nothing
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		kept = 0
		if _, err := tx.Exec(ctx, `INSERT INTO runtime_modules (version, sha256, brotli, seq, remembered_at)
			VALUES ($1, $2, $3, nextval('runtime_modules_seq'), $4)
			ON CONFLICT (version) DO UPDATE SET sha256 = excluded.sha256, brotli = excluded.brotli,
				seq = excluded.seq, remembered_at = excluded.remembered_at`,
			m.Version, m.SHA256[:], m.Brotli, storecols.Millis(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM runtime_modules WHERE version NOT IN
			(SELECT version FROM runtime_modules ORDER BY seq DESC LIMIT $1)`, server.ModulesKept)
		return err
	})
	if err == nil {
		m.RememberedAt = storecols.FromMillis(cmp.Or(kept, storecols.Millis(now)))
	}
	return err
}

// ListModules returns the runtime modules remembered, newest first.
func (db *DB) ListModules(ctx context.Context) ([]*server.Module, error) {
	rows, err := db.pool.Query(ctx, `SELECT version, sha256, brotli, remembered_at FROM runtime_modules ORDER BY seq DESC`)
	if err != nil {
		return nil, db.storageError(err)
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*server.Module, error) {
		var m server.Module
		var sum []byte
		var at int64
		if err := row.Scan(&m.Version, &sum, &m.Brotli, &at); err != nil {
			return nil, err
		}
		copy(m.SHA256[:], sum)
		m.RememberedAt = storecols.FromMillis(at)
		return &m, nil
	})
	if err != nil {
		return nil, db.storageError(err)
	}
	return ms, nil
}

var _ server.ModuleStore = (*DB)(nil)
