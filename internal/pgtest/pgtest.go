// Package pgtest gives tests throwaway PostgreSQL databases.
//
// Each test binary that calls NewDatabase starts its own PostgreSQL cluster
// (initdb into a temporary directory, postgres on a free port of 127.0.0.1)
// the first time, and Main stops it when the tests are done.
//
// Starting the cluster takes about 1.3 s on the 2-core development machine
// (initdb about 1.1 s of it, postgres accepting connections about 0.15 s
// later); each database takes about 0.1 s more (CREATE DATABASE copies
// template1), the first 0.2 s.
//
// With ROOST_POSTGRES_URL set to the URL of an existing server whose user may
// CREATE DATABASE, the databases are made there instead and nothing is
// started.
//
// When PostgreSQL cannot be found or started, NewDatabase skips the test,
// unless ROOST_POSTGRES_TESTS=require (as in `make test`): then it fails it.
//
// PostgreSQL refuses to run as root; as root, the cluster runs as the system
// user roost-pgtest, created when missing.
//
// On Linux postgres gets SIGQUIT (immediate shutdown) when the test binary
// dies, so a killed binary (or one whose TestMain does not call Main) leaves
// no server running; the next start of a cluster removes its directory.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables.
const (
	// EnvURL names an existing server to use instead of starting one.
	EnvURL = "ROOST_POSTGRES_URL"
	// EnvTests set to "require" makes a missing PostgreSQL fail the tests
	// instead of skipping them.
	EnvTests = "ROOST_POSTGRES_TESTS"
)

// installHint says how to get PostgreSQL.
const installHint = "install PostgreSQL (`make postgres`, or Debian/Ubuntu: sudo apt-get install postgresql), " +
	"or set " + EnvURL + " to the URL of a server whose user may CREATE DATABASE"

// Durable, set before the first NewDatabase, starts the cluster as a
// production server runs: fsync, full_page_writes and synchronous_commit
// on, so a commit waits for the disk. It is off by default, which makes
// tests faster and loses nothing they check (a killed roost process, not
// a crashed machine); measurements that compare stores turn it on.
var Durable bool

var (
	startOnce sync.Once
	srv       *server // the server databases are made in, once started
	startErr  error
	startTook time.Duration // how long start took
	started   *cluster      // the cluster this binary started, for Main to stop

	counter atomic.Int64
)

// server is a PostgreSQL server databases are created in.
type server struct {
	// admin is the URL NewDatabase connects to for CREATE and DROP DATABASE.
	admin *url.URL

	mu   sync.Mutex
	conn *pgx.Conn // to admin, for exec
}

// Main runs the package's tests (m.Run) and then stops the cluster if one was
// started; call it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
// It exits with m.Run's code.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the cluster, if one was started, and removes its directory:
// for a TestMain with work of its own after m.Run (Main does it all).
func Stop() {
	if started != nil {
		if err := started.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stopping PostgreSQL:", err)
		}
		started = nil
	}
}

// Available reports whether PostgreSQL tests can run (binaries found, or
// ROOST_POSTGRES_URL set), without starting anything.
func Available() bool {
	if os.Getenv(EnvURL) != "" {
		return true
	}
	_, err := findBinDir()
	return err == nil
}

// NewDatabase returns the connection URL
// (postgres://user@127.0.0.1:port/dbname?sslmode=disable) of a new, empty
// database, dropped at the test's cleanup. The cluster starts on the first
// call (once per test binary). When PostgreSQL cannot be found or started it
// calls t.Skip with why, unless ROOST_POSTGRES_TESTS=require, when it fails
// the test with why (and how to install it).
func NewDatabase(t testing.TB) string {
	t.Helper()
	startOnce.Do(func() {
		t0 := time.Now()
		srv, startErr = start()
		startTook = time.Since(t0)
	})
	if startErr != nil {
		unavailable(t, startErr)
	}
	dbURL, err := srv.newDatabase(t)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dbURL
}

// unavailable skips t, or fails it under ROOST_POSTGRES_TESTS=require,
// saying why (err) PostgreSQL tests cannot run.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvTests) == "require" {
		t.Fatalf("PostgreSQL tests are required (%s=require) but cannot run: %v\nTo run them, %s.", EnvTests, err, installHint)
	}
	t.Skipf("PostgreSQL tests skipped: %v (%s=require makes this fail)", err, EnvTests)
}

// start finds the server to use: ROOST_POSTGRES_URL's, or a new cluster.
func start() (*server, error) {
	if raw := os.Getenv(EnvURL); raw != "" {
		return serverAt(raw)
	}
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	c, err := startCluster(bin)
	if err != nil {
		return nil, err
	}
	started = c
	return &server{admin: c.url("postgres")}, nil
}

// serverAt is the existing server at the URL raw.
func serverAt(raw string) (*server, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvURL, err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("%s=%q: not a postgres:// URL", EnvURL, u.Redacted())
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/postgres"
	}
	return &server{admin: u}, nil
}

// newDatabase creates a database with a new name and registers its drop at
// t's cleanup; it returns the database's URL.
func (s *server) newDatabase(t testing.TB) (string, error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("t_%d_%s", counter.Add(1), hex.EncodeToString(b[:]))
	if err := s.exec("CREATE DATABASE " + pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("creating database %s: %w", name, err)
	}
	t.Cleanup(func() {
		if err := s.exec("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: dropping database %s: %v", name, err)
		}
	})
	u := *s.admin
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// exec runs sql on the connection to the admin database, opened on first
// use and again when lost. Keeping it saves a connection (about 20 ms on a
// busy machine) at each CREATE and DROP.
func (s *server) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if s.conn == nil || s.conn.IsClosed() {
			conn, err := pgx.Connect(ctx, s.admin.String())
			if err != nil {
				return err
			}
			s.conn = conn
		}
		_, err := s.conn.Exec(ctx, sql)
		if err != nil && s.conn.IsClosed() && attempt == 0 {
			continue // the connection was lost (say, the server restarted): once more on a new one
		}
		return err
	}
}

// errNotFound says PostgreSQL's programs were not found.
var errNotFound = errors.New("PostgreSQL not found (no initdb and postgres on PATH, from pg_config --bindir, or in /usr/lib/postgresql/*/bin)")
