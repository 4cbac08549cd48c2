package sqlite_test

import (
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server/sqlite"
)

// rawExec runs stmts on the SQLite file at path without the store.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer raw.Close()
	for _, stmt := range stmts {
		_, err := raw.Exec(stmt)
		require.NoError(t, err, stmt)
	}
}

// rawInt returns the integer that query answers on the SQLite file at path.
func rawInt(t *testing.T, path, query string) int64 {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer raw.Close()
	var n int64
	require.NoError(t, raw.QueryRow(query).Scan(&n), query)
	return n
}

// fileSum returns the SHA-256 of the file at path.
func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return sha256.Sum256(b)
}

// TestOpen_RefusesAForeignDatabase checks that another application's
// SQLite file is refused before anything in it changes.
func TestOpen_RefusesAForeignDatabase(t *testing.T) {
	t.Run("ErrOtherTables", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shop.db")
		rawExec(t, path,
			`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)`,
			`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)`,
			`INSERT INTO invoices VALUES (1, 4200)`)
		before := fileSum(t, path)

		_, err := sqlite.Open(path)
		require.Error(t, err)
		assert.Equal(t, "database "+path+" is not a Roost database: it has tables (customers, invoices); "+
			"point -db at a new file or a Roost database", err.Error())
		assert.Equal(t, before, fileSum(t, path), "the file is left as it was")
		assert.NoFileExists(t, path+"-wal", "no switch to WAL")
		assert.Zero(t, rawInt(t, path, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'migrations'`))
	})

	t.Run("ErrOtherApplicationID", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		rawExec(t, path, `PRAGMA application_id = 42`)
		before := fileSum(t, path)
		_, err := sqlite.Open(path)
		require.Error(t, err)
		assert.Equal(t, "database "+path+" is not a Roost database: its application_id is 42 (0x0000002a), "+
			"Roost's is 1381192753 (0x52535431, \"RST1\"); point -db at a new file or a Roost database", err.Error())
		assert.Equal(t, before, fileSum(t, path))
	})

	t.Run("ErrNotSQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "notes.txt")
		require.NoError(t, os.WriteFile(path, []byte("this is not a database, just some notes that are long enough\n"+
			"to fill the header SQLite looks for at the start of a file, and then some more text.\n"), 0o600))
		_, err := sqlite.Open(path)
		require.Error(t, err)
		assert.Equal(t, "database "+path+" is not a SQLite database file; point -db at a new file or a Roost database", err.Error())
	})
}

// TestOpen_ApplicationID checks that Roost stamps the databases it creates,
// and the ones it made before it stamped them.
func TestOpen_ApplicationID(t *testing.T) {
	t.Run("OKNew", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "roost.db")
		require.NoError(t, MustOpenDB(t, path).Close())
		assert.Equal(t, int64(sqlite.ApplicationID), rawInt(t, path, `PRAGMA application_id`))
		assert.Equal(t, int64(0x52535431), int64(sqlite.ApplicationID), `"RST1" in ASCII`)
	})

	t.Run("OKUnstamped", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "roost.db")
		require.NoError(t, MustOpenDB(t, path).Close())
		rawExec(t, path, `PRAGMA application_id = 0`) // as a roost from before application ids left it
		db := MustOpenDB(t, path)
		assert.Empty(t, db.Migrated())
		require.NoError(t, db.Close())
		assert.Equal(t, int64(sqlite.ApplicationID), rawInt(t, path, `PRAGMA application_id`))
	})
}

// TestOpen_RefusesANewerDatabase checks that a database a newer roost
// migrated is refused, and left as it was.
func TestOpen_RefusesANewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roost.db")
	require.NoError(t, MustOpenDB(t, path).Close())
	rawExec(t, path, `INSERT INTO migrations VALUES ('migrations/0099_x.sql', 0)`)
	before := rawInt(t, path, `SELECT COUNT(*) FROM migrations`)

	_, err := sqlite.Open(path)
	require.Error(t, err)
	assert.Equal(t, "database "+path+" was migrated by a newer roost (migration 0099_x.sql); "+
		"run that version, or restore a backup made before the upgrade", err.Error())
	assert.Equal(t, before, rawInt(t, path, `SELECT COUNT(*) FROM migrations`))
}

func TestDB_Migrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roost.db")
	db := MustOpenDB(t, path)
	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	assert.Equal(t, names, db.Migrated(), "a new database gets every migration")
	assert.Contains(t, db.Migrated(), "0001_init.sql")
	require.NoError(t, db.Close())

	rawExec(t, path, `DELETE FROM migrations WHERE name = 'migrations/0003_identify_events.sql'`,
		`DROP TABLE seeded_templates`)
	db = MustOpenDB(t, path)
	assert.Equal(t, []string{"0003_identify_events.sql"}, db.Migrated())
	require.NoError(t, db.Close())
	assert.Empty(t, MustOpenDB(t, path).Migrated(), "nothing left to apply")
}

// TestOpen_FileModes checks that a new database and the files SQLite
// keeps beside it are readable by their owner only: they hold personal data.
func TestOpen_FileModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roost.db")
	db := MustOpenDB(t, path)
	_, err := db.FindTemplateByTrigger(t.Context(), "x") // a read maps the -shm file
	require.Error(t, err)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), p)
	}
}

// TestOpen_ExplainsPathErrors checks that a database path SQLite could not
// open is refused, before SQLite tries, with what to fix.
func TestOpen_ExplainsPathErrors(t *testing.T) {
	t.Run("ErrNoDirectory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		_, err := sqlite.Open(filepath.Join(dir, "roost.db"))
		require.Error(t, err)
		assert.Equal(t, "database "+dir+"/roost.db: directory "+dir+" does not exist", err.Error())
	})

	t.Run("ErrParentIsAFile", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		require.NoError(t, os.WriteFile(dir, nil, 0o600))
		_, err := sqlite.Open(filepath.Join(dir, "roost.db"))
		require.Error(t, err)
		assert.Equal(t, "database "+dir+"/roost.db: "+dir+" is not a directory", err.Error())
	})

	t.Run("ErrIsADirectory", func(t *testing.T) {
		dir := t.TempDir()
		_, err := sqlite.Open(dir)
		require.Error(t, err)
		assert.Equal(t, "database "+dir+": is a directory; name a file in it, e.g. "+dir+"/roost.db", err.Error())
	})

	t.Run("ErrDirectoryNotWritable", func(t *testing.T) {
		if !asUnprivileged(t) {
			return
		}
		dir := t.TempDir()
		require.NoError(t, os.Chmod(dir, 0o555))
		t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
		_, err := sqlite.Open(filepath.Join(dir, "roost.db"))
		require.Error(t, err)
		assert.Equal(t, "database "+dir+"/roost.db: directory "+dir+" is not writable by this user (uid "+
			strconv.Itoa(os.Getuid())+"): it belongs to uid "+strconv.Itoa(os.Getuid())+" with mode 0555, "+
			"and SQLite writes the database's -wal and -shm files beside it", err.Error())
	})

	t.Run("ErrFileReadOnly", func(t *testing.T) {
		if !asUnprivileged(t) {
			return
		}
		path := filepath.Join(t.TempDir(), "roost.db")
		require.NoError(t, MustOpenDB(t, path).Close())
		require.NoError(t, os.Chmod(path, 0o400))
		_, err := sqlite.Open(path)
		require.Error(t, err)
		assert.Equal(t, "database "+path+": the file is not writable by this user (uid "+
			strconv.Itoa(os.Getuid())+"): it belongs to uid "+strconv.Itoa(os.Getuid())+" with mode 0400", err.Error())
	})
}
