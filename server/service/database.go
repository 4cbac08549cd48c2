package service

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/postgres"
	"github.com/roostmsg/roost/server/sqlite"
)

// Database is a store opened from a -db setting: a SQLite file
// (server/sqlite) or a PostgreSQL database (server/postgres).
type Database interface {
	server.Store
	// Migrated returns the migrations opening it applied.
	Migrated() []string
	// Close closes it; a SQLite file that cannot checkpoint is an error.
	Close() error
}

// IsPostgres reports whether db, a -db setting, names a PostgreSQL
// database (a postgres:// or postgresql:// URL, the scheme in any case)
// rather than a SQLite file.
func IsPostgres(db string) bool {
	scheme, _, ok := strings.Cut(db, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// PostgresURL returns the PostgreSQL URL db with its scheme in lower
// case, as pgx reads it.
func PostgresURL(db string) string {
	scheme, rest, _ := strings.Cut(db, "://")
	return strings.ToLower(scheme) + "://" + rest
}

// keywordForm matches the start of libpq's key=value connection strings
// ("host=db port=5432 ..."), which -db does not take.
var keywordForm = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// CheckDB returns why db cannot be a -db setting, or nil: a libpq
// key=value string would otherwise be taken for a SQLite file's name (and
// its password written in logs and on disk). The error does not repeat db.
func CheckDB(db string) error {
	if !IsPostgres(db) && keywordForm.MatchString(db) {
		return fmt.Errorf("%s looks like a PostgreSQL key=value connection string: write it as a URL, "+
			"postgres://USER@HOST:PORT/DATABASE?sslmode=... (libpq's parameters go after the ?), the password in PGPASSWORD or PGPASSFILE", setting("db"))
	}
	return nil
}

// ShowDB returns db as logs and errors may show it: a URL's password,
// and any password parameter, replaced by xxxxx.
func ShowDB(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(a URL that does not parse)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// OpenDatabase opens the database db names, creating a SQLite file that is
// missing, and applies the migrations it has not applied yet. It takes no
// lock: Open also refuses a second server on one SQLite file.
func OpenDatabase(ctx context.Context, db string) (Database, error) {
	if err := CheckDB(db); err != nil {
		return nil, err
	}
	if !IsPostgres(db) {
		if err := sqlite.PrepareFile(db); err != nil {
			return nil, err
		}
	}
	return openChecked(ctx, db)
}

// openChecked opens db, which CheckDB and, for a SQLite file,
// sqlite.PrepareFile have passed.
func openChecked(ctx context.Context, db string) (Database, error) {
	if IsPostgres(db) {
		pg, err := postgres.Open(ctx, PostgresURL(db))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", setting("db"), ShowDB(db), err)
		}
		return pg, nil
	}
	lite, err := sqlite.Open(db)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return lite, nil
}

// LockSQLite takes the lock a roost serve holds on the SQLite file path
// while it serves it, so that no server writes it meanwhile (roost
// migrate copies it); release frees it. It fails when a server holds it.
func LockSQLite(path string) (release func(), err error) {
	return lockDB(path)
}
