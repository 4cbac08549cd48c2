package service

import (
	"context"
	"fmt"
	"net/url"
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
// database (a postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
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
	if IsPostgres(db) {
		pg, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", setting("db"), ShowDB(db), err)
		}
		return pg, nil
	}
	if err := sqlite.PrepareFile(db); err != nil {
		return nil, err
	}
	lite, err := sqlite.Open(db)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return lite, nil
}
