package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ApplicationID is what Roost stamps in the application_id field of the
// header of the database files it creates (PRAGMA application_id): the
// ASCII of "RST1" read as a big-endian int32, 0x52535431. Open refuses a
// file stamped with another application's id. A file stamped 0 (SQLite's
// default) is Roost's if it is empty or has Roost's migrations table (a
// database from before the stamp), which Open then stamps.
const ApplicationID int32 = 0x52535431

// firstMigration is the migration every Roost database has.
const firstMigration = "migrations/0001_init.sql"

// pointElsewhere ends the errors of a file that is not a Roost database.
const pointElsewhere = "point -db at a new file or a Roost database"

// PrepareFile checks that SQLite can open path for writing, and says what
// to fix when it cannot; when path does not exist it creates it, empty and
// readable by its owner only (mode 0600: it will hold personal data).
// SQLite gives the -wal and -shm files it creates the database's mode.
func PrepareFile(path string) error {
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	switch info, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database %s: directory %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("database %s: %w", path, err)
	case !info.IsDir():
		return fmt.Errorf("database %s: %s is not a directory", path, dir)
	}
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		return fmt.Errorf("database %s: is a directory; name a file in it, e.g. %s", path, filepath.Join(path, "roost.db"))
	case err == nil:
		if why := notWritable(path, info); why != "" {
			return fmt.Errorf("database %s: the file %s", path, why)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database %s: %w", path, err)
	}
	if info, err := os.Stat(dir); err == nil {
		if why := notWritable(dir, info); why != "" {
			return fmt.Errorf("database %s: directory %s %s, and SQLite writes the database's -wal and -shm files beside it", path, dir, why)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return nil // created meanwhile, by another roost
		} else if err != nil {
			return fmt.Errorf("database %s: %w", path, err)
		}
		return f.Close()
	}
	return nil
}

// checkDatabase reads, without changing anything, whether the file at
// path is a Roost database this binary can use: empty, or stamped with
// ApplicationID, or a Roost database from before the stamp, and migrated
// by no migration it does not know. It reports whether the file needs
// the stamp (its application_id is 0).
func checkDatabase(path string, known []string) (stamp bool, err error) {
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return false, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	defer raw.Close()
	var id int32
	if err := raw.QueryRow(`PRAGMA application_id`).Scan(&id); err != nil {
		var e *sqlite.Error
		if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_NOTADB {
			return false, fmt.Errorf("database %s is not a SQLite database file; %s", path, pointElsewhere)
		}
		return false, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if id != 0 && id != ApplicationID {
		return false, fmt.Errorf("database %s is not a Roost database: its application_id is %d (0x%08x), "+
			"Roost's is %d (0x%08x, %q); %s", path, id, uint32(id), ApplicationID, ApplicationID, "RST1", pointElsewhere)
	}
	tables, err := queryStrings(raw, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return false, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	var applied []string
	if slices.Contains(tables, "migrations") {
		if applied, err = queryStrings(raw, `SELECT name FROM migrations ORDER BY name`); err != nil {
			return false, fmt.Errorf("sqlite: %s: %w", path, err)
		}
	}
	roost := slices.Contains(applied, firstMigration) || slices.Equal(tables, []string{"migrations"}) && len(applied) == 0
	if id == 0 && len(tables) > 0 && !roost {
		if len(tables) > 5 {
			tables = append(tables[:5], "…")
		}
		return false, fmt.Errorf("database %s is not a Roost database: it has tables (%s); %s", path, strings.Join(tables, ", "), pointElsewhere)
	}
	var newer []string
	for _, name := range applied {
		if !slices.Contains(known, name) {
			newer = append(newer, strings.TrimPrefix(name, "migrations/"))
		}
	}
	if len(newer) > 0 {
		what := "migration"
		if len(newer) > 1 {
			what = "migrations"
		}
		return false, fmt.Errorf("database %s was migrated by a newer roost (%s %s); run that version, or restore a backup made before the upgrade",
			path, what, strings.Join(newer, ", "))
	}
	return id == 0, nil
}

// queryStrings returns the one text column of every row of query.
func queryStrings(q querier, query string) ([]string, error) {
	rows, err := q.QueryContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
