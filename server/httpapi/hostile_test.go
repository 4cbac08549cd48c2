package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// One signed-in person posting events at full speed (identify events with
// big attributes, clicks) must not stall other people's sends: the scenario
// below runs a hostile person and another person's sends side by side on
// one server on 127.0.0.1, and measures both sides.

const (
	// hostileUser posts events at full speed; hostileMessages are queued for them.
	hostileUser     = "mallory"
	hostileMessages = 10
	// identifyPostEvents and identifyKeys shape one identify post: about
	// 0.9 MB of new attributes, 100 keys an event, every key new.
	identifyPostEvents = server.MaxEventsPerBatch
	identifyKeys       = 100
	// clickAction is the action of the hostile clicks: 200 bytes, the most allowed.
	clickLen = 200
)

// errOverBudget is a hostile post refused with 429: over the person's events budget.
var errOverBudget = errors.New("over the events budget")

// hostileResult is what one run of the scenario measured.
type hostileResult struct {
	Seconds float64 `json:"seconds"`
	// IdentifyPostBytes is the size of one identify post; IdentifyPostHoldMs
	// the writer's longest commit while that post ran alone (the first one).
	IdentifyPostBytes  int     `json:"identify_post_bytes"`
	IdentifyPostHoldMs float64 `json:"identify_post_hold_ms"`
	// The hostile person's posts (identify and clicks), their events and bytes.
	HostilePosts      int `json:"hostile_posts"`
	HostileClickPosts int `json:"hostile_click_posts"`
	HostileEvents     int `json:"hostile_events"`
	HostileRejected   int `json:"hostile_rejected"`
	// HostileRefused counts posts refused whole (429: over the events budget).
	HostileRefused      int     `json:"hostile_refused"`
	HostileMBPerSec     float64 `json:"hostile_mb_per_sec"`
	HostileEventsPerSec float64 `json:"hostile_events_per_sec"`
	// The other person's sends alone, before the hostile person starts.
	AloneSends int     `json:"alone_sends"`
	AloneP50Ms float64 `json:"alone_p50_ms"`
	AloneP99Ms float64 `json:"alone_p99_ms"`
	// The other person's sends while the hostile person ran.
	VictimSends  int     `json:"victim_sends"`
	VictimErrors int     `json:"victim_errors"`
	VictimP50Ms  float64 `json:"victim_p50_ms"`
	VictimP99Ms  float64 `json:"victim_p99_ms"`
	// LongestHoldMs is the writer's longest commit while both ran;
	// WriterBusy the share of that time it spent committing.
	LongestHoldMs float64 `json:"longest_hold_ms"`
	WriterBusy    float64 `json:"writer_busy"`
	// What the hostile person has stored at the end, and their poll.
	AttributesBytes int `json:"attributes_bytes"`
	ClicksKept      int `json:"clicks_kept"`
	ClicksBytes     int `json:"clicks_bytes"`
	PollBytes       int `json:"poll_bytes"`
	// MaxPersonSaves is the most times one events post saved the person,
	// MaxPersonSaveBytes the most attribute JSON one post wrote in all.
	MaxPersonSaves     int `json:"max_person_saves"`
	MaxPersonSaveBytes int `json:"max_person_save_bytes"`
	// MaxRunning is the most events posts of the hostile person the store
	// ran at once; MaxRecorded the most events one transaction recorded.
	MaxRunning  int `json:"max_running"`
	MaxRecorded int `json:"max_recorded"`
	// ClickBatches posts of clicks, one after another, on another of the
	// hostile person's messages: the bytes of its clicks after them, and
	// the writer's hold for the last one.
	ClickBatches     int     `json:"click_batches"`
	ClickBatchBytes  int     `json:"click_batch_clicks_bytes"`
	ClickBatchKept   int     `json:"click_batch_clicks_kept"`
	LastClickBatchMs float64 `json:"last_click_batch_hold_ms"`
}

// runHostile runs the scenario: another person's sends alone for d/4, a
// first identify post alone, then for d the hostile person's identify and
// clicks posts at full speed while the other person's sends run one after
// another, and last clickBatches posts of clicks one after another.
func runHostile(t *testing.T, d time.Duration, clickBatches int) hostileResult {
	f := newFixture(t)
	counting := &writeCountingStore{Store: f.db}
	f.serve(counting, f.config())
	ts := httptest.NewServer(f.h)
	t.Cleanup(ts.Close)
	var hold, busy atomic.Int64
	f.db.ObserveCommits(func(_ int, took time.Duration) {
		busy.Add(int64(took))
		for {
			old := hold.Load()
			if int64(took) <= old || hold.CompareAndSwap(old, int64(took)) {
				return
			}
		}
	})
	t.Cleanup(func() { f.db.ObserveCommits(nil) })

	hostileSend := strings.Replace(seedSend, `"user_123"`, `"`+hostileUser+`"`, 1)
	var deliveries []string
	for range hostileMessages {
		deliveries = append(deliveries, f.send("inbox_message", hostileSend))
	}
	post := func(c *http.Client, body []byte) (inbox.EventsResponse, error) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/client/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Roost-Site", testSite)
		req.Header.Set("X-Roost-User", hostileUser)
		var resp inbox.EventsResponse
		res, err := c.Do(req)
		if err != nil {
			return resp, err
		}
		defer res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			return resp, errOverBudget
		}
		if res.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(res.Body)
			return resp, fmt.Errorf("events post: %d %s", res.StatusCode, b)
		}
		return resp, json.NewDecoder(res.Body).Decode(&resp)
	}

	// sends sends to another person, one after another, until ctx is done,
	// and returns the latencies (sorted) and the number of failures.
	sends := func(ctx context.Context) ([]time.Duration, int) {
		c := &http.Client{}
		var latencies []time.Duration
		bad := 0
		for ctx.Err() == nil {
			at := time.Now()
			res, err := c.Do(sendRequest(t, ts.URL, "user_123"))
			if err != nil {
				bad++
				continue
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			latencies = append(latencies, time.Since(at))
			if res.StatusCode != http.StatusOK {
				bad++
			}
		}
		slices.Sort(latencies)
		return latencies, bad
	}
	pct := func(l []time.Duration, p int) float64 {
		if len(l) == 0 {
			return 0
		}
		return ms(l[len(l)*p/100])
	}

	var r hostileResult
	alone, cancel := context.WithTimeout(context.Background(), d/4)
	latencies, bad := sends(alone)
	cancel()
	require.Zero(t, bad, "sends with no one else posting")
	r.AloneSends, r.AloneP50Ms, r.AloneP99Ms = len(latencies), pct(latencies, 50), pct(latencies, 99)

	first := identifyPost(0)
	r.IdentifyPostBytes = len(first)
	hold.Store(0)
	firstResp, err := post(http.DefaultClient, first)
	require.NoError(t, err)
	r.IdentifyPostHoldMs = ms(time.Duration(hold.Swap(0)))

	ctx, stop := context.WithTimeout(context.Background(), d)
	defer stop()
	var wg sync.WaitGroup
	var posts, clickPosts, evs, rejected, refused atomic.Int64
	rejected.Add(int64(len(firstResp.Rejected)))
	var sent atomic.Int64
	var hostileErr atomic.Value
	// The hostile bodies are made beforehand, so that making them does
	// not take the server's CPU; they repeat after a few posts.
	const kept = 8
	var identifyBodies, clickBodies [kept][]byte
	for n := range kept {
		identifyBodies[n], clickBodies[n] = identifyPost(n+1), clicksPost(n+1, deliveries[0])
	}
	hostile := func(clicks bool) {
		c := &http.Client{}
		for n := 0; n == 0 || ctx.Err() == nil; n++ { // one post at least
			body := identifyBodies[n%kept]
			if clicks {
				body = clickBodies[n%kept]
			}
			resp, err := post(c, body)
			if errors.Is(err, errOverBudget) {
				refused.Add(1)
				continue
			} else if err != nil {
				hostileErr.Store(err)
				return
			}
			posts.Add(1)
			if clicks {
				clickPosts.Add(1)
			}
			sent.Add(int64(len(body)))
			evs.Add(int64(len(resp.Acknowledged) + len(resp.Rejected)))
			rejected.Add(int64(len(resp.Rejected)))
		}
	}
	// The server's clock follows real time meanwhile: the events budget refills.
	wg.Go(func() {
		last := time.Now()
		for ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
			now := time.Now()
			f.clock.Add(now.Sub(last))
			last = now
		}
	})
	busy.Store(0)
	start := time.Now()
	wg.Go(func() { hostile(false) })
	wg.Go(func() { hostile(true) })
	wg.Go(func() { latencies, r.VictimErrors = sends(ctx) })
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := hostileErr.Load().(error); err != nil {
		t.Fatalf("hostile post failed: %v", err)
	}
	r.Seconds = elapsed.Seconds()
	r.LongestHoldMs = ms(time.Duration(hold.Load()))
	r.WriterBusy = float64(busy.Load()) / float64(elapsed)
	r.HostilePosts, r.HostileClickPosts = int(posts.Load()), int(clickPosts.Load())
	r.HostileEvents, r.HostileRejected, r.HostileRefused = int(evs.Load()), int(rejected.Load()), int(refused.Load())
	r.HostileMBPerSec = float64(sent.Load()) / 1e6 / elapsed.Seconds()
	r.HostileEventsPerSec = float64(evs.Load()) / elapsed.Seconds()
	r.VictimSends, r.VictimP50Ms, r.VictimP99Ms = len(latencies), pct(latencies, 50), pct(latencies, 99)

	r.ClickBatches = clickBatches
	for n := range clickBatches {
		f.clock.Add(2 * server.EventsBurst / server.EventsPerSecond * time.Second) // a full budget, debt paid
		hold.Store(0)
		_, err := post(http.DefaultClient, clicksPost(1_000_000+n, deliveries[1])) // ids not used before
		require.NoError(t, err)
		r.LastClickBatchMs = ms(time.Duration(hold.Load()))
	}
	batchClicks := getDelivery(t, f, deliveries[1])["clicks"].([]any)
	b, _ := json.Marshal(batchClicks)
	r.ClickBatchBytes, r.ClickBatchKept = len(b), len(batchClicks)

	p, err := f.srv.FindPerson(context.Background(), hostileUser)
	require.NoError(t, err)
	attrs, _ := json.Marshal(p.Attributes)
	r.AttributesBytes = len(attrs)
	clicks, _ := json.Marshal(getDelivery(t, f, deliveries[0])["clicks"])
	r.ClicksBytes = len(clicks)
	r.ClicksKept = len(getDelivery(t, f, deliveries[0])["clicks"].([]any))
	w := f.client(http.MethodGet, "/v1/client/poll", hostileUser, "")
	require.Equal(t, http.StatusOK, w.Code)
	r.PollBytes = w.Body.Len()
	counting.mu.Lock()
	r.MaxPersonSaves, r.MaxPersonSaveBytes, r.MaxRunning = counting.maxSaves, counting.maxSaveBytes, counting.maxRunning
	r.MaxRecorded = counting.maxRecorded
	counting.mu.Unlock()

	t.Logf("other person's sends alone: %d, p50 %.1f ms, p99 %.1f ms", r.AloneSends, r.AloneP50Ms, r.AloneP99Ms)
	t.Logf("one identify post of %d bytes alone: writer held %.1f ms", r.IdentifyPostBytes, r.IdentifyPostHoldMs)
	t.Logf("hostile for %.1f s: %d posts (%d of clicks), %.0f events/s, %.2f MB/s, %d events rejected, %d posts refused (429); at most %d of its posts in the store at once",
		r.Seconds, r.HostilePosts, r.HostileClickPosts, r.HostileEventsPerSec, r.HostileMBPerSec, r.HostileRejected, r.HostileRefused, r.MaxRunning)
	t.Logf("other person's sends meanwhile: %d, %d errors, p50 %.1f ms, p99 %.1f ms; writer's longest hold %.1f ms, busy %.0f%% of the time",
		r.VictimSends, r.VictimErrors, r.VictimP50Ms, r.VictimP99Ms, r.LongestHoldMs, 100*r.WriterBusy)
	t.Logf("hostile person stored: attributes %d bytes, %d clicks (%d bytes) on one message; poll %d bytes; one post saved the person at most %d times, %d bytes",
		r.AttributesBytes, r.ClicksKept, r.ClicksBytes, r.PollBytes, r.MaxPersonSaves, r.MaxPersonSaveBytes)
	t.Logf("%d click batches on another message (budget refilled before each): its clicks %d (%d bytes), the last batch held the writer %.1f ms",
		r.ClickBatches, r.ClickBatchKept, r.ClickBatchBytes, r.LastClickBatchMs)
	return r
}

// TestHostilePerson runs the scenario for about 3 s and checks what
// cannot flake: every other send succeeds, the hostile person's stored
// attributes and clicks stay within the limits, so does their poll, posts
// over their events budget are refused, each events transaction saves the
// person at most once, and one person's posts reach the store one at a time. The speeds it logs are measured by
// TestBenchHostile (make bench).
func TestHostilePerson(t *testing.T) {
	r := runHostile(t, 2*time.Second, 3)
	require.NotZero(t, r.VictimSends)
	require.Zero(t, r.VictimErrors, "every other send succeeds")
	assert.LessOrEqual(t, r.AttributesBytes, server.MaxPersonAttributesJSON)
	assert.Greater(t, r.AttributesBytes, server.MaxPersonAttributesJSON/2, "filled up to about the limit")
	assert.NotZero(t, r.HostileRejected, "identify events past the limit are rejected")
	assert.NotZero(t, r.HostileRefused, "posts over the person's events budget are refused")
	assert.Equal(t, server.MaxClicksPerDelivery, r.ClickBatchKept, "the first clicks are kept, no more")
	assert.LessOrEqual(t, r.ClicksKept, server.MaxClicksPerDelivery)
	// Every message of a poll carries the attributes: a poll is bounded by
	// the messages queued times the limit (plus each message's own size).
	assert.LessOrEqual(t, r.PollBytes, hostileMessages*(server.MaxPersonAttributesJSON+2048))
	assert.LessOrEqual(t, r.MaxPersonSaves, 1, "one save of the person per transaction, however many identify events")
	assert.LessOrEqual(t, r.MaxPersonSaveBytes, server.MaxPersonAttributesJSON)
	assert.Equal(t, 1, r.MaxRunning, "one person's posts reach the store one at a time")
	assert.NotZero(t, r.MaxRecorded)
	assert.Less(t, r.MaxRecorded, server.MaxEventsPerBatch, "a batch of 500 clicks is applied in smaller transactions")
	// Not a speed check: before the limits one post held the writer for
	// 12 to 24 s; a bounded post takes milliseconds.
	assert.Less(t, r.LongestHoldMs, 5000.0, "the writer's longest commit")
}

// TestBenchHostile measures the scenario for longer; it runs only with
// ROOST_BENCH=1 (make bench) and writes $ROOST_BENCH_OUT/hostile.json.
func TestBenchHostile(t *testing.T) {
	if os.Getenv("ROOST_BENCH") == "" {
		t.Skip("a measurement: ROOST_BENCH=1 (make bench) runs it")
	}
	r := runHostile(t, 10*time.Second, 60)
	if dir := os.Getenv("ROOST_BENCH_OUT"); dir != "" {
		out, err := json.MarshalIndent(r, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "hostile.json"), out, 0o644))
	}
}
