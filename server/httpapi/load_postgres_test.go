package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/postgres"
)

// TestMain stops the PostgreSQL cluster the tests started (pgtest), and
// removes the roost binary TestLoad built.
func TestMain(m *testing.M) {
	pgtest.Durable = os.Getenv("ROOST_BENCH") != "" // measured as it would run: commits on disk, as SQLite's
	code := m.Run()
	pgtest.Stop()
	if roostBin.dir != "" {
		_ = os.RemoveAll(roostBin.dir)
	}
	os.Exit(code)
}

// countingShared is a countingStore over a SharedStore that stays one,
// so that the server reads answer versions as on PostgreSQL it must.
type countingShared struct {
	*countingStore
	shared server.SharedStore
}

func (s countingShared) AnswerVersion(ctx context.Context, personID string) (int64, error) {
	return s.shared.AnswerVersion(ctx, personID)
}

func (s countingShared) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	return s.shared.Exclusive(ctx, name, fn)
}

func (s countingShared) ClaimRound(ctx context.Context, name string, every time.Duration) (bool, error) {
	return s.shared.ClaimRound(ctx, name, every)
}

var _ server.SharedStore = countingShared{}

// dbSize is a PostgreSQL database's size after seeding: each table with
// its indexes and TOAST (pg_total_relation_size), and the whole database.
type dbSize struct {
	People           int64   `json:"people"`
	PeopleBytes      int64   `json:"people_bytes"`
	Deliveries       int64   `json:"deliveries"`
	DeliveriesBytes  int64   `json:"deliveries_bytes"`
	DatabaseBytes    int64   `json:"database_bytes"`
	BytesPerPerson   float64 `json:"bytes_per_person"`
	BytesPerDelivery float64 `json:"bytes_per_delivery"`
}

// loadPostgres measures a server on a PostgreSQL database, in the test's process.
func loadPostgres(t *testing.T, r *loadRun) {
	dbURL := pgtest.NewDatabase(t)
	conn := seedPostgres(t, dbURL, r)
	db, err := postgres.Open(context.Background(), dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	store := countingShared{countingStore: &countingStore{Store: db}, shared: db}
	ts := httptest.NewServer(mustHandler(t, server.New(server.Config{}, store), loadAPI()))
	t.Cleanup(ts.Close)
	r.PhaseSeconds = loadPhaseTimeShort.Seconds()
	r.Phases = runLoad(t, loadTarget{urls: []string{ts.URL}, storeReads: store.findQueue.Load, cpu: func() cpuSample {
		return cpuSample{"test": {0: processCPU(0)}, "postgres": postgresCPU(t, conn)}
	}}, loadPhaseTimeShort)
}

// loadProcesses measures n roost serve processes on one PostgreSQL
// database; the clients alternate between them.
func loadProcesses(t *testing.T, r *loadRun, n int) {
	dbURL := pgtest.NewDatabase(t)
	conn := seedPostgres(t, dbURL, r)
	bin, runtimeDir := buildRoost(t), browsertest.FakeRuntime(t)
	var urls []string
	var pids []int
	for range n {
		url, pid := startRoost(t, bin, dbURL, runtimeDir)
		urls, pids = append(urls, url), append(pids, pid)
	}
	r.PhaseSeconds = loadPhaseTimeShort.Seconds()
	r.Phases = runLoad(t, loadTarget{urls: urls,
		storeReads: func() int64 {
			var reads int64
			for _, u := range urls {
				reads += scrapeCounter(t, u+"/metrics", `roost_polls_total{source="store"}`)
			}
			return reads
		},
		cpu: func() cpuSample {
			s := cpuSample{"test": {0: processCPU(0)}, "roost": {}, "postgres": postgresCPU(t, conn)}
			for _, pid := range pids {
				s["roost"][pid] = processCPU(pid)
			}
			return s
		}}, loadPhaseTimeShort)
}

// seedPostgres loads the seed into the database at dbURL, makes the
// model send and copies it as bulkCopy does for SQLite, vacuums and
// analyzes, and records the database's size in r. It returns a
// connection to the database, closed at cleanup.
func seedPostgres(t *testing.T, dbURL string, r *loadRun) *pgx.Conn {
	ctx := context.Background()
	start := time.Now()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	// Commits wait for their WAL, as in production, in the sessions that
	// start from now on; with ROOST_BENCH set the cluster also flushes it
	// (pgtest.Durable, set by TestMain), as SQLite's commits are.
	_, err = conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{conn.Config().Database}.Sanitize()+" SET synchronous_commit = on")
	require.NoError(t, err)
	require.NoError(t, conn.QueryRow(ctx, `SELECT 'fsync=' || current_setting('fsync') ||
		' full_page_writes=' || current_setting('full_page_writes') || ' synchronous_commit=on'`).Scan(&r.Settings))
	db, err := postgres.Open(ctx, dbURL)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, server.LoadSeed(ctx, db, seedPath))
	model := modelSend(t, mustHandler(t, server.New(server.Config{}, db), loadAPI()))

	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	copyRows := func(table, id string, n int, replace map[string]string) {
		rows, err := tx.Query(ctx, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
		require.NoError(t, err)
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		exprs := make([]string, len(cols))
		for i, c := range cols {
			if e, ok := replace[c]; ok {
				exprs[i] = e
			} else {
				exprs[i] = "m." + c
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(exprs, ", ")+`
			FROM generate_series(0, $1::int - 1) AS n(i), `+table+` m WHERE m.id = $2`, n, id)
		require.NoError(t, err)
	}
	copyRows("people", "user_123", loadPeople, map[string]string{"id": "'bench_' || lpad(i::text, 5, '0')",
		"email_key": "''", "attributes": `'{"first_name":"Ada"}'`, "version": "nextval('answer_versions')"})
	copyRows("deliveries", model, loadMessages, map[string]string{"id": "'dlv_bench_' || lpad(i::text, 7, '0')",
		"person_id": fmt.Sprintf("'bench_' || lpad((i %% %d)::text, 5, '0')", loadPeople)})
	require.NoError(t, tx.Commit(ctx))
	_, err = conn.Exec(ctx, "VACUUM ANALYZE")
	require.NoError(t, err)

	s := &dbSize{}
	require.NoError(t, conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM people), pg_total_relation_size('people'),
		(SELECT count(*) FROM deliveries), pg_total_relation_size('deliveries'), pg_database_size(current_database())`).
		Scan(&s.People, &s.PeopleBytes, &s.Deliveries, &s.DeliveriesBytes, &s.DatabaseBytes))
	s.BytesPerPerson = float64(s.PeopleBytes) / float64(s.People)
	s.BytesPerDelivery = float64(s.DeliveriesBytes) / float64(s.Deliveries)
	r.Size = s
	t.Logf("seeded %d people and %d messages in %v: people %d bytes (%.0f each), deliveries %d bytes (%.0f each), database %d bytes",
		s.People, s.Deliveries, time.Since(start).Round(time.Millisecond), s.PeopleBytes, s.BytesPerPerson,
		s.DeliveriesBytes, s.BytesPerDelivery, s.DatabaseBytes)
	return conn
}

// postgresCPU returns the CPU time so far of the database server's
// processes that serve conn's database, and of its background ones
// (pg_stat_activity), but conn's own; only processes of this machine
// named postgres count.
func postgresCPU(t *testing.T, conn *pgx.Conn) map[int]float64 {
	rows, err := conn.Query(context.Background(), `SELECT pid FROM pg_stat_activity
		WHERE (datname = current_database() OR datname IS NULL) AND pid <> pg_backend_pid()`)
	require.NoError(t, err)
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	require.NoError(t, err)
	cpu := map[int]float64{}
	for _, pid := range pids {
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			cpu[int(pid)] = processCPU(int(pid))
		}
	}
	return cpu
}

// roostBin is the roost binary TestLoad builds once.
var roostBin struct {
	once      sync.Once
	dir, path string
	err       error
}

// buildRoost builds cmd/roost once and returns its path.
func buildRoost(t *testing.T) string {
	roostBin.once.Do(func() {
		if roostBin.dir, roostBin.err = os.MkdirTemp("", "roost-load-"); roostBin.err != nil {
			return
		}
		roostBin.path = filepath.Join(roostBin.dir, "roost")
		out, err := exec.Command("go", "build", "-o", roostBin.path, "github.com/roostmsg/roost/cmd/roost").CombinedOutput()
		if err != nil {
			roostBin.err = fmt.Errorf("go build ./cmd/roost: %w\n%s", err, out)
		}
	})
	require.NoError(t, roostBin.err)
	return roostBin.path
}

// servingLine is the log line that says where roost serves.
var servingLine = regexp.MustCompile(`msg="roost is serving" addr=(\S+)`)

// startRoost starts roost serve on dbURL on a free port of 127.0.0.1,
// with the flags extra, killed at cleanup, and returns its base URL and
// process id.
func startRoost(t *testing.T, bin, dbURL, runtimeDir string, extra ...string) (string, int) {
	return startRoostEnv(t, nil, bin, dbURL, runtimeDir, extra...)
}

// startRoostEnv is startRoost with the environment variables env added.
func startRoostEnv(t *testing.T, env []string, bin, dbURL, runtimeDir string, extra ...string) (string, int) {
	cmd := exec.Command(bin, append([]string{"serve", "-addr", "127.0.0.1:0", "-db", dbURL, "-runtime-dir", runtimeDir, "-site", testSite,
		"-site-secret", loadSecret, "-api-key", testKey, "-rate-limit", "-1"}, extra...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var logs strings.Builder // the lines until it serves
	serving, exited := make(chan string, 1), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				serving <- m[1]
				break
			}
			logs.WriteString(sc.Text() + "\n")
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	select {
	case addr := <-serving:
		return "http://" + addr, cmd.Process.Pid
	case <-exited:
		t.Fatalf("roost serve exited at start:\n%s", logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("roost serve did not say where it serves")
	}
	return "", 0
}

// scrapeCounter returns the value of the series (name with its labels,
// as the text format writes them) scraped from url.
func scrapeCounter(t *testing.T, url, series string) int64 {
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			require.NoError(t, err)
			return int64(f)
		}
	}
	require.NoError(t, sc.Err())
	t.Fatalf("%s has no %s", url, series)
	return 0
}

// cpuSample is the CPU time, in seconds, used so far by processes, by
// party ("test", "roost", "postgres") and process id (0: this one).
type cpuSample map[string]map[int]float64

// since returns the cores each party used from before to s, over elapsed:
// a process that started meanwhile counts from 0, one that ended is lost.
// It is nil where nothing could be measured (no /proc).
func (s cpuSample) since(before cpuSample, elapsed time.Duration) map[string]float64 {
	var cores map[string]float64
	for party, procs := range s {
		used := 0.0
		for pid, sec := range procs {
			used += sec - before[party][pid]
		}
		if used > 0 {
			if cores == nil {
				cores = map[string]float64{}
			}
			cores[party] = float64(int(used/elapsed.Seconds()*100+0.5)) / 100
		}
	}
	return cores
}

// processCPU returns the user and system CPU time, in seconds, that the
// process pid (0: this one) used so far, read from /proc (Linux), or 0.
func processCPU(pid int) float64 {
	name := "self"
	if pid != 0 {
		name = strconv.Itoa(pid)
	}
	raw, err := os.ReadFile("/proc/" + name + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ... utime stime: fields 14 and 15, the 12th and
	// 13th after the command name, which may hold spaces and parentheses.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}

// clockTicks is Linux's USER_HZ, the unit of /proc's CPU times: 100 on
// every architecture Go supports.
const clockTicks = 100
