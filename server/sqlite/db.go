// Package sqlite stores Roost's server state in one SQLite file, with the
// pure-Go driver modernc.org/sqlite. Its DB implements server.Store.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Compile-time check that DB is a server.Store.
var _ server.Store = (*DB)(nil)

// DB is a Roost store in a SQLite file. Writes go through one connection,
// so they never wait on each other inside SQLite, and concurrent writes
// share a commit (see update); reads use a pool.
type DB struct {
	write *sql.DB
	read  *sql.DB
	// writeStmts and readStmts keep the prepared statements of each pool.
	writeStmts, readStmts *stmtCache
	// Now returns the current time for created_at and updated_at columns.
	Now func() time.Time

	// jobs hands writes to the writer goroutine (writeLoop).
	jobs chan *writeJob
	// closing is closed by Close; writerDone when the writer has stopped.
	closing, writerDone chan struct{}
	closeOnce           sync.Once
	// observe, when set, is told of each commit (ObserveCommits).
	observe atomic.Pointer[func(writes int, took time.Duration)]
	// migrated are the names of the migrations Open applied.
	migrated []string
}

// Open opens or creates the database file at path, in WAL mode with
// synchronous=FULL (a committed write survives a crash or kill -9), and
// applies the migrations it has not applied yet (see Migrated).
//
// Before it changes anything in the file, it refuses, saying what to fix:
// a path SQLite could not open for writing (a missing or unwritable
// directory, a directory, a read-only file), a file that is not a Roost
// database (see ApplicationID), and a database migrated by a newer roost.
// A new file is created with mode 0600.
func Open(path string) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	if err := PrepareFile(path); err != nil {
		return nil, err
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	stamp, err := checkDatabase(path, names)
	if err != nil {
		return nil, err
	}
	const common = "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	write, err := sql.Open("sqlite", path+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	db := &DB{write: write, writeStmts: &stmtCache{pool: write}, Now: time.Now,
		jobs: make(chan *writeJob), closing: make(chan struct{}), writerDone: make(chan struct{})}
	go db.writeLoop()
	if err := db.migrate(context.Background(), stamp, names); err != nil {
		db.stopWriter()
		write.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", path+common+"&_pragma=query_only(1)")
	if err != nil {
		db.stopWriter()
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	conns := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(conns)
	read.SetMaxIdleConns(conns) // keep them, and the statements prepared on them
	db.read, db.readStmts = read, &stmtCache{pool: read}
	return db, nil
}

// Close closes the database: the writes it is committing are committed
// first, and any write asked after fails.
func (db *DB) Close() error {
	db.stopWriter()
	return errors.Join(db.readStmts.close(), db.writeStmts.close(), db.read.Close(), db.write.Close())
}

// stopWriter stops the writer goroutine after its current commit.
func (db *DB) stopWriter() {
	db.closeOnce.Do(func() { close(db.closing) })
	<-db.writerDone
}

// Migrated returns the names of the migrations (such as "0002_send_api.sql")
// that Open applied to the database, in the order it applied them: every
// migration for a new database, none for one already up to date. The
// server logs them.
func (db *DB) Migrated() []string {
	return slices.Clone(db.migrated)
}

// migrate stamps the database with ApplicationID if stamp is set, then
// applies, in order and each in its own transaction, the migrations of
// names (embedded files) not yet recorded in the migrations table.
func (db *DB) migrate(ctx context.Context, stamp bool, names []string) error {
	if stamp {
		if _, err := db.write.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, ApplicationID)); err != nil {
			return fmt.Errorf("set application_id: %w", err)
		}
	}
	if _, err := db.write.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	for _, name := range names {
		applied, err := db.migrateFile(ctx, name)
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if applied {
			db.migrated = append(db.migrated, strings.TrimPrefix(name, "migrations/"))
		}
	}
	return nil
}

// migrateFile applies one migration unless it is recorded as applied, and
// reports whether it applied it.
func (db *DB) migrateFile(ctx context.Context, name string) (bool, error) {
	applied := false
	err := db.update(ctx, func(ctx context.Context, tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			return nil
		}
		script, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			return err
		}
		if err := tx.execScript(ctx, string(script)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, name, storecols.Millis(db.Now()))
		applied = err == nil
		return err
	})
	return applied, err
}

// view runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) view(ctx context.Context, fn func(tx *txn) error) error {
	sqlTx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	tx := &txn{tx: sqlTx, stmts: db.readStmts}
	defer func() {
		_ = sqlTx.Rollback()
		tx.keepMissed()
	}()
	return fn(tx)
}

// querier is what both *sql.DB and *sql.Tx offer for reading.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Ping returns nil when the database answers a read; see server.Store.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}
