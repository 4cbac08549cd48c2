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
	loadPeople    = 10_000
	loadMessages  = 100_000
	loadWorkers   = 64
	loadPhaseTime = 5 * time.Second
)

// loadResult is one phase of the load test.
type loadResult struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	PerSec   float64 `json:"per_sec"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	// StoreReads is how many FindQueue calls the phase made per request.
	StoreReads float64 `json:"store_reads_per_request"`
	Errors     int     `json:"errors"`
	// FirstError describes the first failed request, if any.
	FirstError string `json:"first_error,omitempty"`
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

// TestLoad measures the server on loopback with 10,000 people and 100,000
// queued inbox messages: polls answered 200, polls answered 304, and sends.
func TestLoad(t *testing.T) {
	if os.Getenv("ROOST_BENCH") == "" {
		t.Skip("a measurement: ROOST_BENCH=1 (make bench) runs it")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roost.db")
	db := MustOpenDB(t, path)
	require.NoError(t, server.LoadSeed(ctx, db, seedPath))
	store := &countingStore{Store: db}
	const secret = "bench-secret"
	srv := server.New(server.Config{}, store)
	ts := httptest.NewServer(mustHandler(t, srv, httpapi.Config{APIKeys: []string{testKey},
		Sites: []httpapi.Site{{ID: testSite, IdentitySecret: secret}}, SendRateLimit: -1}))
	t.Cleanup(ts.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: loadWorkers, MaxIdleConnsPerHost: loadWorkers}}

	// One real send makes the row every bulk delivery copies.
	res, err := client.Do(sendRequest(t, ts.URL, "user_123"))
	require.NoError(t, err)
	var sent struct {
		DeliveryID string `json:"delivery_id"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&sent))
	res.Body.Close()
	require.NotEmpty(t, sent.DeliveryID)
	start := time.Now()
	bulkCopy(t, path, sent.DeliveryID)
	t.Logf("seeded %d people and %d messages in %v", loadPeople, loadMessages, time.Since(start).Round(time.Millisecond))

	people := make([]string, loadPeople)
	signatures := make([]string, loadPeople)
	for i := range people {
		people[i] = benchPerson(i)
		signatures[i] = server.SignIdentity(secret, people[i])
	}
	poll := func(i int, etag string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/client/poll", nil)
		req.Header.Set("X-Roost-Site", testSite)
		req.Header.Set("X-Roost-User", people[i])
		req.Header.Set("X-Roost-Signature", signatures[i])
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		return req
	}

	// Polls without an ETag: 200, ten messages each. They keep each ETag.
	var etags sync.Map
	var results []loadResult
	results = append(results, loadPhase(t, client, store, "poll 200", http.StatusOK, func(rng *rand.Rand) (*http.Request, func(*http.Response)) {
		i := rng.IntN(loadPeople)
		return poll(i, ""), func(res *http.Response) { etags.Store(i, res.Header.Get("ETag")) }
	}))
	known := []int{}
	etags.Range(func(k, _ any) bool { known = append(known, k.(int)); return true })
	require.NotEmpty(t, known)
	results = append(results, loadPhase(t, client, store, "poll 304", http.StatusNotModified, func(rng *rand.Rand) (*http.Request, func(*http.Response)) {
		i := known[rng.IntN(len(known))]
		etag, _ := etags.Load(i)
		return poll(i, etag.(string)), nil
	}))
	results = append(results, loadPhase(t, client, store, "send", http.StatusOK, func(rng *rand.Rand) (*http.Request, func(*http.Response)) {
		return sendRequest(t, ts.URL, people[rng.IntN(loadPeople)]), nil
	}))
	for _, r := range results {
		t.Logf("%-8s %8.0f/s  p50 %6.2f ms  p99 %6.2f ms  %d requests, %d errors, %.2f store reads each",
			r.Name, r.PerSec, r.P50Ms, r.P99Ms, r.Requests, r.Errors, r.StoreReads)
	}
	if dir := os.Getenv("ROOST_BENCH_OUT"); dir != "" {
		out, err := json.MarshalIndent(map[string]any{"people": loadPeople, "messages": loadMessages, "workers": loadWorkers,
			"gomaxprocs": runtime.GOMAXPROCS(0), "phases": results}, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "server.json"), out, 0o644))
	}
	for _, r := range results {
		if r.Errors > 0 {
			t.Errorf("%s: %d requests failed; the first: %s", r.Name, r.Errors, r.FirstError)
		}
	}
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

// loadPhase runs loadWorkers clients for loadPhaseTime, each sending the
// requests next makes (after calls done with each answer), and measures them.
func loadPhase(t *testing.T, client *http.Client, store *countingStore, name string, want int,
	next func(*rand.Rand) (*http.Request, func(*http.Response))) loadResult {
	reads := store.findQueue.Load()
	var mu sync.Mutex
	var latencies []time.Duration
	errors, firstError := 0, ""
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(loadPhaseTime)
	for w := range loadWorkers {
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
				req, done := next(rng)
				at := time.Now()
				res, err := client.Do(req)
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
	slices.Sort(latencies)
	r := loadResult{Name: name, Requests: len(latencies), Errors: errors, FirstError: firstError}
	if len(latencies) > 0 {
		r.PerSec = float64(len(latencies)) / elapsed.Seconds()
		r.P50Ms = ms(latencies[len(latencies)/2])
		r.P99Ms = ms(latencies[len(latencies)*99/100])
		r.StoreReads = float64(store.findQueue.Load()-reads) / float64(len(latencies))
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
