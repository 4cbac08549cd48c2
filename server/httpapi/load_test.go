package httpapi_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
)

// The server load test is a measurement: it runs only with ROOST_BENCH=1
// (`make bench`), asserts nothing about speed, and writes its results as
// JSON to $ROOST_BENCH_OUT/server.json when that is set. It fails when any
// request failed (an error or another status than the phase's), naming the
// first: figures of a server that answered errors are not figures.

const (
	loadPeople   = 10_000
	loadMessages = 100_000
	loadWorkers  = 64
	// loadPhaseTime is each phase's length on SQLite; loadPhaseTimeShort
	// on each PostgreSQL setup, which keeps `make bench` short.
	loadPhaseTime      = 5 * time.Second
	loadPhaseTimeShort = 3 * time.Second
	// loadSecret signs the load test's identities.
	loadSecret = "bench-secret"
)

// loadResult is one phase of the load test.
type loadResult struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	PerSec   float64 `json:"per_sec"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	// StoreReads is how many poll answers the phase read from the store
	// (FindQueue) per request.
	StoreReads float64 `json:"store_reads_per_request"`
	Errors     int     `json:"errors"`
	// FirstError describes the first failed request, if any.
	FirstError string `json:"first_error,omitempty"`
	// CPU is the CPU time each party used during the phase, in cores
	// (seconds of CPU per second): "test" (the load generator, and the
	// server when it runs in the test's process), "roost" (roost serve
	// processes), "postgres" (the database's server processes). Linux only.
	CPU map[string]float64 `json:"cpu_cores,omitempty"`
}

// loadRun is one setup's phases.
type loadRun struct {
	// Store is "sqlite" or "postgres".
	Store string `json:"store"`
	// Processes is how many roost serve processes served the load: 0 when
	// the server ran in the test's process.
	Processes    int          `json:"processes"`
	PhaseSeconds float64      `json:"phase_seconds"`
	Phases       []loadResult `json:"phases,omitempty"`
	// Settings are the PostgreSQL server's durability settings.
	Settings string `json:"settings,omitempty"`
	// Size is the database's size after seeding (PostgreSQL).
	Size *dbSize `json:"size,omitempty"`
	// Skipped says why the setup did not run.
	Skipped string `json:"skipped,omitempty"`
}

// loadTarget is a running setup: where its clients send, and its counters.
type loadTarget struct {
	// urls are the servers' base URLs: client goroutine w uses urls[w%len(urls)].
	urls []string
	// storeReads is how many poll answers were read from the store so far.
	storeReads func() int64
	// cpu is the CPU time used so far, by party and process id.
	cpu func() cpuSample
}

// countingStore counts the store reads a poll makes.
type countingStore struct {
	server.Store
	findQueue atomic.Int64
}

func (s *countingStore) FindQueue(ctx context.Context, personID string, now time.Time) (*server.Queue, error) {
	s.findQueue.Add(1)
	return s.Store.FindQueue(ctx, personID, now)
}

// loadAPI is the HTTP settings of every setup's servers.
func loadAPI() httpapi.Config {
	return httpapi.Config{APIKeys: []string{testKey}, Sites: []httpapi.Site{{ID: testSite, IdentitySecret: loadSecret}}, SendRateLimit: -1}
}

// TestLoad measures the server on loopback with 10,000 people and 100,000
// queued inbox messages: polls answered 200, polls answered 304, and sends;
// on SQLite, on PostgreSQL in the test's process, and on PostgreSQL served
// by one and by two roost serve processes sharing the database.
func TestLoad(t *testing.T) {
	if os.Getenv("ROOST_BENCH") == "" {
		t.Skip("a measurement: ROOST_BENCH=1 (make bench) runs it")
	}
	setups := []struct {
		name      string
		store     string
		processes int
		run       func(t *testing.T, r *loadRun)
	}{
		{"SQLite", "sqlite", 0, loadSQLite},
		{"PostgreSQL", "postgres", 0, loadPostgres},
		{"PostgreSQL_1_process", "postgres", 1, func(t *testing.T, r *loadRun) { loadProcesses(t, r, 1) }},
		{"PostgreSQL_2_processes", "postgres", 2, func(t *testing.T, r *loadRun) { loadProcesses(t, r, 2) }},
	}
	var runs []loadRun
	for _, s := range setups {
		r := loadRun{Store: s.store, Processes: s.processes}
		if !t.Run(s.name, func(t *testing.T) { s.run(t, &r) }) && r.Phases == nil {
			r.Skipped = "failed"
		} else if r.Phases == nil {
			r.Skipped = "skipped (no PostgreSQL?)"
		}
		runs = append(runs, r)
	}
	if dir := os.Getenv("ROOST_BENCH_OUT"); dir != "" {
		out, err := json.MarshalIndent(map[string]any{"people": loadPeople, "messages": loadMessages, "workers": loadWorkers,
			"gomaxprocs": runtime.GOMAXPROCS(0), "phases": runs[0].Phases, "runs": runs}, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "server.json"), out, 0o644))
	}
}

// loadSQLite measures a server on a SQLite file, in the test's process.
func loadSQLite(t *testing.T, r *loadRun) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roost.db")
	db := MustOpenDB(t, path)
	require.NoError(t, server.LoadSeed(ctx, db, seedPath))
	store := &countingStore{Store: db}
	ts := httptest.NewServer(mustHandler(t, server.New(server.Config{}, store), loadAPI()))
	t.Cleanup(ts.Close)

	// One real send makes the row every bulk delivery copies.
	model := modelSend(t, ts.Config.Handler)
	start := time.Now()
	bulkCopy(t, path, model)
	t.Logf("seeded %d people and %d messages in %v", loadPeople, loadMessages, time.Since(start).Round(time.Millisecond))
	r.PhaseSeconds = loadPhaseTime.Seconds()
	r.Phases = runLoad(t, loadTarget{urls: []string{ts.URL}, storeReads: store.findQueue.Load,
		cpu: func() cpuSample { return cpuSample{"test": {0: processCPU(0)}} }}, loadPhaseTime)
}

// modelSend makes the seed docs' send to user_123 through h and returns
// its delivery id.
func modelSend(t *testing.T, h http.Handler) string {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, sendRequest(t, "", "user_123"))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var sent struct {
		DeliveryID string `json:"delivery_id"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &sent))
	require.NotEmpty(t, sent.DeliveryID)
	return sent.DeliveryID
}

// runLoad runs the three phases against target, each for phaseTime, and
// fails t if any request failed.
func runLoad(t *testing.T, target loadTarget, phaseTime time.Duration) []loadResult {
	people := make([]string, loadPeople)
	signatures := make([]string, loadPeople)
	for i := range people {
		people[i] = benchPerson(i)
		signatures[i] = server.SignIdentity(loadSecret, people[i])
	}
	poll := func(base string, i int, etag string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/client/poll", nil)
		req.Header.Set("X-Roost-Site", testSite)
		req.Header.Set("X-Roost-User", people[i])
		req.Header.Set("X-Roost-Signature", signatures[i])
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		return req
	}
	transport := &http.Transport{MaxIdleConns: loadWorkers, MaxIdleConnsPerHost: loadWorkers}
	defer transport.CloseIdleConnections()
	l := loader{t: t, client: &http.Client{Transport: transport}, target: target, phaseTime: phaseTime}

	// Polls without an ETag: 200, ten messages each. They keep each ETag.
	var etags sync.Map
	var results []loadResult
	results = append(results, l.phase("poll 200", http.StatusOK, func(rng *rand.Rand, base string) (*http.Request, func(*http.Response)) {
		i := rng.IntN(loadPeople)
		return poll(base, i, ""), func(res *http.Response) { etags.Store(i, res.Header.Get("ETag")) }
	}))
	known := []int{}
	etags.Range(func(k, _ any) bool { known = append(known, k.(int)); return true })
	require.NotEmpty(t, known)
	results = append(results, l.phase("poll 304", http.StatusNotModified, func(rng *rand.Rand, base string) (*http.Request, func(*http.Response)) {
		i := known[rng.IntN(len(known))]
		etag, _ := etags.Load(i)
		return poll(base, i, etag.(string)), nil
	}))
	results = append(results, l.phase("send", http.StatusOK, func(rng *rand.Rand, base string) (*http.Request, func(*http.Response)) {
		return sendRequest(t, base, people[rng.IntN(loadPeople)]), nil
	}))
	for _, r := range results {
		t.Logf("%-8s %8.0f/s  p50 %6.2f ms  p99 %6.2f ms  %d requests, %d errors, %.2f store reads each, CPU cores %v",
			r.Name, r.PerSec, r.P50Ms, r.P99Ms, r.Requests, r.Errors, r.StoreReads, r.CPU)
		if r.Errors > 0 {
			t.Errorf("%s: %d requests failed; the first: %s", r.Name, r.Errors, r.FirstError)
		}
	}
	return results
}

// benchPerson is the id of the load test's i-th person.
func benchPerson(i int) string { return fmt.Sprintf("bench_%05d", i) }

// sendRequest is the seed docs' send to person.
func sendRequest(t *testing.T, url, person string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, url+"/v1/send/inbox_message",
		strings.NewReader(strings.Replace(seedSend, `"user_123"`, `"`+person+`"`, 1)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// bulkCopy fills the database at path with loadPeople copies of user_123 and
// loadMessages copies of the delivery with id model, loadMessages/loadPeople
// each, in one transaction: the API would take minutes, a durable commit per send.
// Copying rows the store wrote keeps every column as the store writes it.
func bulkCopy(t *testing.T, path, model string) {
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	defer raw.Close()
	tx, err := raw.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	copyRows := func(table, where string, arg any, n int, replace map[string]string) {
		rows, err := tx.Query(`SELECT name FROM pragma_table_info(?)`, table)
		require.NoError(t, err)
		var cols, exprs []string
		for rows.Next() {
			var c string
			require.NoError(t, rows.Scan(&c))
			cols = append(cols, c)
			if e, ok := replace[c]; ok {
				exprs = append(exprs, e)
			} else {
				exprs = append(exprs, "m."+c)
			}
		}
		require.NoError(t, rows.Err())
		_, err = tx.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(exprs, ", ")+`
			FROM n, `+table+` m WHERE m.`+where, n, arg)
		require.NoError(t, err)
	}
	copyRows("people", "id = ?", "user_123", loadPeople, map[string]string{
		"id": "printf('bench_%05d', i)", "email_key": "''", "attributes": `'{"first_name":"Ada"}'`})
	copyRows("deliveries", "id = ?", model, loadMessages, map[string]string{
		"id": "printf('dlv_bench_%07d', i)", "person_id": fmt.Sprintf("printf('bench_%%05d', i %% %d)", loadPeople)})
	require.NoError(t, tx.Commit())
}

// loader runs the phases of one setup.
type loader struct {
	t         *testing.T
	client    *http.Client
	target    loadTarget
	phaseTime time.Duration
}

// phase runs loadWorkers clients for the phase time, each sending the
// requests next makes for its server's base URL (after calls done with
// each answer), and measures them.
func (l loader) phase(name string, want int, next func(rng *rand.Rand, base string) (*http.Request, func(*http.Response))) loadResult {
	reads, cpu := l.target.storeReads(), l.target.cpu()
	var mu sync.Mutex
	var latencies []time.Duration
	errors, firstError := 0, ""
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(l.phaseTime)
	for w := range loadWorkers {
		base := l.target.urls[w%len(l.target.urls)]
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			var mine []time.Duration
			bad, first := 0, ""
			fail := func(what string) {
				if bad++; first == "" {
					first = what
				}
			}
			for time.Now().Before(deadline) {
				req, done := next(rng, base)
				at := time.Now()
				res, err := l.client.Do(req)
				if err != nil {
					fail(err.Error())
					continue
				}
				var body []byte
				if res.StatusCode != want {
					body, _ = io.ReadAll(io.LimitReader(res.Body, 512))
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mine = append(mine, time.Since(at))
				if res.StatusCode != want {
					fail(fmt.Sprintf("%s %s: status %d, not %d: %s", req.Method, req.URL.Path, res.StatusCode, want, body))
				} else if done != nil {
					done(res)
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			errors += bad
			if firstError == "" {
				firstError = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpuUsed := l.target.cpu().since(cpu, elapsed)
	slices.Sort(latencies)
	r := loadResult{Name: name, Requests: len(latencies), Errors: errors, FirstError: firstError, CPU: cpuUsed}
	if len(latencies) > 0 {
		r.PerSec = float64(len(latencies)) / elapsed.Seconds()
		r.P50Ms = ms(latencies[len(latencies)/2])
		r.P99Ms = ms(latencies[len(latencies)*99/100])
		r.StoreReads = float64(l.target.storeReads()-reads) / float64(len(latencies))
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
