// Package postgres stores Roost's server state in a PostgreSQL database,
// with github.com/jackc/pgx/v5. Its DB implements server.SharedStore:
// several roost processes may use one database at once.
//
// # Locking
//
// Every write transaction that touches a person's rows (their person row,
// deliveries and events) first takes a transaction-level advisory lock on
// the person's key (lockPeople); one that touches several people takes
// their locks first, in the order of their keys, so two transactions
// never wait on each other in a cycle. Writes run at READ COMMITTED: each
// statement after the lock sees every transaction that held it before.
// Template writes take one advisory lock of their own (lockTemplates).
// Person keys are in pg_advisory_xact_lock's one-bigint key space; the
// other locks are in its two-int space, so they never collide with them.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roostmsg/roost/server"
)

// Compile-time check that DB is a server.SharedStore.
var _ server.SharedStore = (*DB)(nil)

// The first keys of the two-int advisory locks: the ASCII of "RST" and a
// digit, read as big-endian int32s.
const (
	// lockSpaceExclusive holds Exclusive's session locks, by name.
	lockSpaceExclusive = 0x52535431
	// lockSpaceTemplates holds the one lock of template writes (key 0).
	lockSpaceTemplates = 0x52535432
	// lockSpaceMigrate holds the session lock of migrations (key 0).
	lockSpaceMigrate = 0x52535433
)

// defaultConnectTimeout bounds a connection attempt when the URL does not
// (connect_timeout).
const defaultConnectTimeout = 10 * time.Second

// DB is a Roost store in a PostgreSQL database, over a pool of
// connections. pgx prepares each statement once per connection and keeps it.
type DB struct {
	// Now returns the current time for created_at, updated_at and
	// applied_at columns; Open sets it to time.Now.
	Now func() time.Time

	pool *pgxpool.Pool
	// where names the database in errors: user, host, port and database,
	// never the password.
	where string
	// migrated are the names of the migrations Open applied.
	migrated []string
}

// Open connects to the database at url (postgres://user:password@host:port/db,
// or key=value pairs), applies the migrations it has not applied yet (see
// Migrated), and returns the store. It refuses, saying what to fix, a URL
// it cannot parse, a database it cannot reach or log in to (naming the
// host, port, user and database, never the password), and a database
// migrated by a newer roost.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password and all: say it without it.
		return nil, errors.New("postgres: cannot parse the database URL; " +
			"write it as postgres://user:password@host:port/database (with %-escapes in the password)")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	cc := cfg.ConnConfig
	db := &DB{Now: time.Now,
		where: fmt.Sprintf("database %q at %s as user %q", cc.Database, hostPort(cc.Host, cc.Port), cc.User)}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("postgres: %s: %s", db.where, redact(err.Error(), cc.Password))
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		return nil, db.connectError(err)
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return nil, err
	}
	return db, nil
}

// hostPort returns host and port as an address; a unix socket directory
// is named as such.
func hostPort(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("unix socket %s/.s.PGSQL.%d", host, port)
	}
	return net.JoinHostPort(host, fmt.Sprint(port))
}

// connectError is the error of Open when it cannot connect: where it
// tried, and why not, without the password.
func (db *DB) connectError(err error) error {
	why := err.Error()
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && errors.Unwrap(ce) != nil {
		why = errors.Unwrap(ce).Error()
		why = redact(why, ce.Config.Password)
	}
	return fmt.Errorf("postgres: cannot connect to the %s: %s", db.where, why)
}

// redact returns s without password in it.
func redact(s, password string) string {
	if password == "" {
		return s
	}
	return strings.ReplaceAll(s, password, "xxxxx")
}

// Close closes the pool's connections, waiting for those in use to be
// released. Session locks of this DB (Exclusive's) end with them.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Migrated returns the names of the migrations (such as "0001_init.sql")
// that Open applied to the database, in the order it applied them: every
// migration for a new database, none for one already up to date (or
// migrated meanwhile by another process).
func (db *DB) Migrated() []string {
	return slices.Clone(db.migrated)
}

// Ping returns nil when the database answers a read; see server.Store.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.storageError(db.pool.QueryRow(ctx, `SELECT 1`).Scan(&one))
}

// querier is what a pool and a transaction both offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// maxAttempts bounds how many times update runs a transaction that
// PostgreSQL aborted for a deadlock or a serialization failure (which the
// locking order is meant to prevent).
const maxAttempts = 3

// update runs fn in a READ COMMITTED write transaction and commits it if
// fn succeeds; the change is durable once update returns nil. fn must
// first take the locks of the people whose rows it writes (lockPeople).
//
// As with the SQLite store, a ctx already done fails before anything
// starts; once the transaction has started, update waits for its outcome
// even if ctx is cancelled meanwhile, so that when it returns the change
// has been made or never will be. fn may run again if PostgreSQL aborts
// the transaction for a deadlock or a serialization failure.
func (db *DB) update(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return db.storageError(err)
	}
	defer conn.Release()
	// A write is not cut short when its client goes away, but it keeps
	// the caller's deadline (the request's: a database that stops
	// answering is an error in bounded time), and has WriteTimeout at most.
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) > WriteTimeout {
		deadline = time.Now().Add(WriteTimeout)
	}
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	for attempt := 1; ; attempt++ {
		err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
			return fn(ctx, tx)
		})
		if attempt >= maxAttempts || !(isCode(err, "40P01") || isCode(err, "40001")) {
			return db.storageError(err)
		}
	}
}

// WriteTimeout is the longest a write transaction may take, from taking
// its connection to its commit, when its caller gives it no earlier
// deadline: past it, it is rolled back and the database counted unavailable.
const WriteTimeout = 30 * time.Second

// lockPeople takes, for the rest of tx, the advisory locks of the people
// with ids, in the order of their keys (each key once).
func lockPeople(ctx context.Context, tx pgx.Tx, ids ...string) error {
	if len(ids) == 1 {
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('person:' || $1, 0))`, ids[0])
		return err
	}
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT hashtextextended('person:' || id, 0) AS key FROM unnest($1::text[]) AS id ORDER BY key`, ids)
	if err != nil {
		return err
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, k := range keys { // one after the other, in this order, in one round trip
		b.Queue(`SELECT pg_advisory_xact_lock($1::bigint)`, k)
	}
	return tx.SendBatch(ctx, b).Close()
}

// lockTemplates takes, for the rest of tx, the lock of template writes.
func lockTemplates(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, 0)`, lockSpaceTemplates))
	return err
}

// isCode reports whether err is a PostgreSQL error with SQLSTATE code.
func isCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// storageError returns err, as a server ENOSPACE error when PostgreSQL
// could not write for want of disk space, and saying that the database
// cannot be reached when the connection failed.
func (db *DB) storageError(err error) error {
	if err == nil {
		return nil
	}
	var se *server.Error
	if errors.As(err, &se) || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("postgres: the %s did not answer in time: %w (%w)", db.where, err, server.ErrUnavailable)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "53100": // disk_full
			return server.Errorf(server.ENOSPACE, "the server's disk is full: nothing was stored; try again once it has room")
		case pe.Code == "22021" || pe.Code == "22P05": // a NUL, or a character the database's encoding lacks
			return server.Errorf(server.EINVALID, "text with a NUL character (U+0000), or one the database's encoding "+
				"cannot hold, cannot be stored: nothing was stored")
		case strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03":
			return fmt.Errorf("postgres: the %s cannot be reached: %w (%w)", db.where, err, server.ErrUnavailable)
		}
		return fmt.Errorf("postgres: %w", err)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "closed pool") || strings.Contains(err.Error(), "conn closed") {
		return fmt.Errorf("postgres: the %s cannot be reached: %w (%w)", db.where, err, server.ErrUnavailable)
	}
	return fmt.Errorf("postgres: %w", err)
}

// hasNUL reports whether s has a NUL character, which PostgreSQL text
// cannot hold: no stored row has one, so a lookup by s finds nothing.
func hasNUL(s string) bool {
	return strings.IndexByte(s, 0) >= 0
}
