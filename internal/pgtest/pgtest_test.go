package pgtest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { Main(m) }

// connect opens a connection to dbURL, closed at t's cleanup.
func connect(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// dbName is the database a URL names.
func dbName(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	return strings.TrimPrefix(u.Path, "/")
}

// tables counts the tables in the public schema.
func tables(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var n int
	require.NoError(t, conn.QueryRow(context.Background(),
		"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&n))
	return n
}

// exists reports whether the database name exists, asked on conn.
func exists(t *testing.T, conn *pgx.Conn, name string) bool {
	t.Helper()
	var ok bool
	require.NoError(t, conn.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok))
	return ok
}

func TestAvailableAgrees(t *testing.T) {
	available := Available()
	ran := false
	passed := t.Run("new", func(t *testing.T) {
		t0 := time.Now()
		NewDatabase(t)
		ran = true
		t.Logf("PostgreSQL started in %v; the first database took %v", startTook, time.Since(t0)-startTook)
	})
	if available {
		assert.True(t, ran && passed, "Available() but NewDatabase did not give a database")
	} else {
		assert.False(t, ran, "not Available() but NewDatabase gave a database")
	}
}

func TestDatabasesAreSeparateEmptyAndDropped(t *testing.T) {
	var a, b string
	ctx := context.Background()
	t.Run("two", func(t *testing.T) {
		a, b = NewDatabase(t), NewDatabase(t)
		require.NotEqual(t, a, b)
		assert.True(t, strings.HasPrefix(a, "postgres://"), a)
		ca, cb := connect(t, a), connect(t, b)

		var name string
		require.NoError(t, ca.QueryRow(ctx, "SELECT current_database()").Scan(&name))
		assert.Equal(t, dbName(t, a), name)
		require.NoError(t, cb.QueryRow(ctx, "SELECT current_database()").Scan(&name))
		assert.Equal(t, dbName(t, b), name)

		assert.Zero(t, tables(t, ca))
		assert.Zero(t, tables(t, cb))
		_, err := ca.Exec(ctx, "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)")
		require.NoError(t, err)
		_, err = ca.Exec(ctx, "INSERT INTO notes VALUES (1, 'hello')")
		require.NoError(t, err)
		var body string
		require.NoError(t, ca.QueryRow(ctx, "SELECT body FROM notes WHERE id = 1").Scan(&body))
		assert.Equal(t, "hello", body)
		assert.Equal(t, 1, tables(t, ca))
		assert.Zero(t, tables(t, cb), "a's table is visible in b")
		_, err = cb.Exec(ctx, "SELECT * FROM notes")
		require.Error(t, err)

		third := connect(t, NewDatabase(t))
		assert.True(t, exists(t, third, dbName(t, a)))
		assert.True(t, exists(t, third, dbName(t, b)))
	})
	if a == "" || b == "" {
		return // skipped
	}
	t.Run("dropped", func(t *testing.T) {
		// The connections of "two" are still open when its cleanups drop
		// the databases (they were registered later, so they close first;
		// WITH (FORCE) covers either order).
		third := connect(t, NewDatabase(t))
		assert.False(t, exists(t, third, dbName(t, a)), "database a not dropped")
		assert.False(t, exists(t, third, dbName(t, b)), "database b not dropped")
		_, err := pgx.Connect(ctx, a)
		require.Error(t, err)
	})
}

func TestDropsDatabaseInUse(t *testing.T) {
	var a string
	var conn *pgx.Conn
	t.Run("use", func(t *testing.T) {
		a = NewDatabase(t)
		var err error
		conn, err = pgx.Connect(context.Background(), a) // left open
		require.NoError(t, err)
	})
	if a == "" {
		return
	}
	defer conn.Close(context.Background())
	third := connect(t, NewDatabase(t))
	assert.False(t, exists(t, third, dbName(t, a)))
}

// TestExistingServer uses the cluster as ROOST_POSTGRES_URL would name it.
func TestExistingServer(t *testing.T) {
	NewDatabase(t) // starts the cluster, or skips
	admin := srv.admin.String()
	_, err := serverAt("http://127.0.0.1/")
	require.Error(t, err)
	s, err := serverAt(strings.Replace(admin, "/postgres?", "?", 1)) // no database: postgres
	require.NoError(t, err)
	assert.Equal(t, "/postgres", s.admin.Path)

	var dbURL string
	t.Run("new", func(t *testing.T) {
		dbURL, err = s.newDatabase(t)
		require.NoError(t, err)
		assert.Zero(t, tables(t, connect(t, dbURL)))
	})
	require.NotEmpty(t, dbURL)
	assert.False(t, exists(t, connect(t, admin), dbName(t, dbURL)))
}

func TestNotFoundSkipsOrFails(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skip(EnvURL + " is set")
	}
	t.Setenv("PATH", t.TempDir())
	_, err := findBinDir()
	if err != nil { // no /usr/lib/postgresql either
		assert.False(t, Available())
	} else {
		assert.True(t, Available())
		assert.True(t, strings.HasPrefix(err2str(findBinDir()), "/usr/lib/postgresql/"))
	}
}

func err2str(dir string, err error) string {
	if err != nil {
		return err.Error()
	}
	return dir
}
