package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// RememberModule stores m as the newest runtime module and forgets all but
// the server.ModulesKept newest.
func (db *DB) RememberModule(ctx context.Context, m *server.Module) error {
	now := db.Now()
	err := db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
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
		m.RememberedAt = storecols.FromMillis(storecols.Millis(now))
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
