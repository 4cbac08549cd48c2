package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
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

func TestFindsBinaries(t *testing.T) {
	dir, err := findBinDir()
	if os.Getenv(EnvURL) == "" {
		assert.Equal(t, err == nil, Available())
	}
	if err != nil {
		assert.ErrorIs(t, err, errNotFound)
		return
	}
	for _, name := range []string{"initdb", "postgres"} {
		assert.FileExists(t, filepath.Join(dir, name))
	}
	t.Setenv("PATH", t.TempDir()) // then /usr/lib/postgresql/*/bin
	if dir, err := findBinDir(); err == nil {
		assert.True(t, strings.HasPrefix(dir, "/usr/lib/postgresql/"), dir)
	}
}

// recorder is a testing.TB that records Skipf and Fatalf, which end the
// goroutine as testing's do.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run runs unavailable on a recorder, in a goroutine of its own.
func (r *recorder) run(err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		unavailable(r, err)
	}()
	<-done
}

func TestUnavailableSkipsUnlessRequired(t *testing.T) {
	t.Setenv(EnvTests, "")
	r := &recorder{TB: t}
	r.run(errNotFound)
	assert.Contains(t, r.skipped, "PostgreSQL not found")
	assert.Empty(t, r.failed)

	t.Setenv(EnvTests, "require")
	r = &recorder{TB: t}
	r.run(errNotFound)
	assert.Empty(t, r.skipped)
	assert.Contains(t, r.failed, "PostgreSQL not found")
	assert.Contains(t, r.failed, "apt-get install postgresql")
}

func TestReachable(t *testing.T) {
	assert.True(t, reachable("/tmp"))
	dir := t.TempDir()
	inner := filepath.Join(dir, "private", "open")
	require.NoError(t, os.MkdirAll(inner, 0o755))
	require.NoError(t, os.Chmod(inner, 0o777))
	require.NoError(t, os.Chmod(filepath.Dir(inner), 0o700))
	t.Cleanup(func() { os.Chmod(filepath.Dir(inner), 0o755) })
	assert.False(t, reachable(inner))
	assert.False(t, reachable(filepath.Join(dir, "missing")))
}

func TestRemovesStaleDirectories(t *testing.T) {
	parent := t.TempDir()
	mk := func(name, owner string) string {
		dir := filepath.Join(parent, name)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
		if owner != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644))
		}
		return dir
	}
	// A process that has exited, whose id is not reused this soon.
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	stale := mk(dirPrefix+"1", strconv.Itoa(gone.Process.Pid))
	live := mk(dirPrefix+"2", strconv.Itoa(os.Getpid()))
	making := mk(dirPrefix+"3", "")
	other := mk("other", strconv.Itoa(gone.Process.Pid))
	removeStale(parent)
	assert.NoDirExists(t, stale)
	assert.DirExists(t, live)
	assert.DirExists(t, making)
	assert.DirExists(t, other)
}

// TestKilledBinaryLeavesNoServer kills (SIGKILL) a test binary that started
// a cluster: its postgres stops (the parent-death signal), and the next
// cluster's start removes its directory.
func TestKilledBinaryLeavesNoServer(t *testing.T) {
	if os.Getenv("PGTEST_HANG") != "" {
		NewDatabase(t)
		fmt.Printf("started %d %s\n", started.cmd.Process.Pid, started.dir)
		select {} // until killed
	}
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	if os.Getenv(EnvURL) != "" {
		t.Skip(EnvURL + " is set: no cluster is started")
	}
	NewDatabase(t) // skips when PostgreSQL is not available

	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledBinaryLeavesNoServer$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PGTEST_HANG=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var pid int
	var dir string
	_, err = fmt.Fscanf(out, "started %d %s\n", &pid, &dir)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		require.NoError(t, err)
	}
	require.False(t, processGone(pid))
	t.Cleanup(func() {
		if !processGone(pid) { // the test failed: stop it all the same
			if p, err := os.FindProcess(pid); err == nil {
				p.Signal(syscall.SIGQUIT) //nolint:errcheck // best effort
			}
			require.Eventually(t, func() bool { return processGone(pid) }, 15*time.Second, 20*time.Millisecond)
			os.RemoveAll(dir)
		}
	})
	require.DirExists(t, dir)
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait() //nolint:errcheck // killed
	require.Eventually(t, func() bool { return processGone(pid) }, 15*time.Second, 20*time.Millisecond, "postgres %d still runs", pid)
	removeStale(filepath.Dir(dir))
	assert.NoDirExists(t, dir)
}
