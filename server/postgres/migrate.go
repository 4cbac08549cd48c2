package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roostmsg/roost/server/internal/storecols"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationNames returns the names of the embedded migrations, in order.
func migrationNames() ([]string, error) {
	paths, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = path.Base(p)
	}
	sort.Strings(names)
	return names, nil
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations not yet recorded in the schema_migrations table. It holds a
// session advisory lock throughout, so that processes starting at once
// migrate one after the other: the first applies them, the others find
// them applied. It refuses a database with a migration it does not know.
func (db *DB) migrate(ctx context.Context) (err error) {
	names, err := migrationNames()
	if err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return db.connectError(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, fmt.Sprintf(`SELECT pg_advisory_lock(%d, 0)`, lockSpaceMigrate)); err != nil {
		return fmt.Errorf("postgres: %s: take the migration lock: %w", db.where, err)
	}
	defer unlockSession(ctx, conn, fmt.Sprintf(`SELECT pg_advisory_unlock(%d, 0)`, lockSpaceMigrate))
	var known bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&known); err != nil {
		return fmt.Errorf("postgres: %s: look for schema_migrations: %w", db.where, err)
	}
	if !known {
		if err := db.checkEmpty(ctx, conn); err != nil {
			return err // before creating anything in it
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: %s: create schema_migrations: %w", db.where, err)
	}
	rows, err := conn.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("postgres: %s: read schema_migrations: %w", db.where, err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("postgres: %s: read schema_migrations: %w", db.where, err)
	}
	var newer []string
	for _, name := range applied {
		if !slices.Contains(names, name) {
			newer = append(newer, name)
		}
	}
	if len(newer) > 0 {
		what := "migration"
		if len(newer) > 1 {
			what = "migrations"
		}
		return fmt.Errorf("postgres: the %s was migrated by a newer roost (%s %s); run that version, "+
			"or restore a backup made before the upgrade", db.where, what, strings.Join(newer, ", "))
	}
	for _, name := range names {
		if slices.Contains(applied, name) {
			continue
		}
		if err := db.migrateFile(ctx, conn, name); err != nil {
			return fmt.Errorf("postgres: %s: migration %s: %w", db.where, name, err)
		}
		db.migrated = append(db.migrated, name)
	}
	return nil
}

// checkEmpty returns an error if the schema Roost would create its tables
// in has tables other than schema_migrations: another application's.
func (db *DB) checkEmpty(ctx context.Context, conn *pgxpool.Conn) error {
	rows, err := conn.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY 1 LIMIT 6`)
	if err != nil {
		return fmt.Errorf("postgres: %s: list tables: %w", db.where, err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("postgres: %s: list tables: %w", db.where, err)
	}
	if len(tables) == 0 {
		return nil
	}
	if len(tables) > 5 {
		tables = append(tables[:5], "…")
	}
	return fmt.Errorf("postgres: the %s is not a Roost database: it has tables (%s) and no Roost migration; "+
		"point roost at a new database or a Roost one", db.where, strings.Join(tables, ", "))
}

// migrateFile applies the migration name and records it, in one transaction.
func (db *DB) migrateFile(ctx context.Context, conn *pgxpool.Conn, name string) error {
	script, err := fs.ReadFile(migrationFS, "migrations/"+name)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, string(script)); err != nil { // no arguments: one simple query, many statements
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, name, storecols.Millis(db.Now()))
		return err
	})
}

// unlockSession runs unlock with args, which releases a session advisory lock of
// conn; if that fails, it closes conn, which releases it too.
func unlockSession(ctx context.Context, conn *pgxpool.Conn, unlock string, args ...any) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultConnectTimeout)
	defer cancel()
	var released bool
	if err := conn.QueryRow(ctx, unlock, args...).Scan(&released); err != nil || !released {
		_ = conn.Conn().Close(ctx) // the pool drops a closed connection when it is released
	}
}
