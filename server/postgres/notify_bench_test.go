package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
)

// notifyOff is people_notify_answer of migration 0003_answer_notify
// without its pg_notify: the answer triggers fire as migrated, and do
// nothing.
const notifyOff = `CREATE OR REPLACE FUNCTION people_notify_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RETURN NULL;
END
$$;`

// notifyVariant is one configuration measured by TestNotifyCost.
type notifyVariant struct {
	name   string
	notify bool // people_notify_answer as migrated (else notifyOff)
	listen bool // one LISTEN connection open (ListenAnswers), as each roost process has
	async  bool // the senders' sessions commit with synchronous_commit=off
}

// notifyResult is what a variant measured, over all its rounds.
type notifyResult struct {
	sends     int
	elapsed   time.Duration
	latencies []time.Duration
	perRound  []float64      // sends/s of each round
	waits     map[string]int // the senders' wait events, sampled (sampleWaits)
	samples   int
}

// TestNotifyCost measures what the pg_notify of migration
// 0003_answer_notify costs sends: notifyGoroutines goroutines call
// CreateDelivery, each for a person of its own, with the notify on (as
// migrated) and off (the function redefined without it), with one LISTEN
// connection open and none, with durable commits (as production: fsync,
// synchronous_commit on) and with synchronous_commit=off. The variants
// alternate over notifyRounds rounds of notifyRoundTime each, in an order
// reversed every other round, so that other load on the machine falls on
// all of them. Run it alone (it starts the cluster durable):
//
//	ROOST_BENCH=1 go test -count=1 -run TestNotifyCost -v ./server/postgres/
func TestNotifyCost(t *testing.T) {
	if os.Getenv("ROOST_BENCH") != "1" {
		t.Skip("a measurement: ROOST_BENCH=1 runs it")
	}
	pgtest.Durable = true // too late if another test of this binary started the cluster: logged below
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	asyncURL := url + "&synchronous_commit=off"
	db, asyncDB := openDB(t, url), openDB(t, asyncURL)
	var fsync, syncCommit string
	require.NoError(t, db.pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit))
	var asyncCommit string
	require.NoError(t, asyncDB.pool.QueryRow(ctx, `SELECT current_setting('synchronous_commit')`).Scan(&asyncCommit))
	require.Equal(t, "off", asyncCommit)
	t.Logf("cluster: fsync=%s synchronous_commit=%s (async variants: %s); pool of %d connections; %d goroutines",
		fsync, syncCommit, asyncCommit, db.pool.Config().MaxConns, notifyGoroutines)

	script, err := fs.ReadFile(migrationFS, "migrations/0003_answer_notify.sql")
	require.NoError(t, err)
	fn := string(script)
	fn = fn[strings.Index(fn, "CREATE FUNCTION people_notify_answer()"):]
	fn = "CREATE OR REPLACE" + strings.TrimPrefix(fn[:strings.Index(fn, "$$;")+3], "CREATE")
	require.Contains(t, fn, "pg_notify('roost_answers', NEW.id)")
	notifyOn := fn

	for i := range notifyGoroutines {
		_, err := db.CreatePersonIfMissing(ctx, &server.Person{ID: fmt.Sprintf("bench%d", i)})
		require.NoError(t, err)
	}

	var variants []notifyVariant
	for _, async := range []bool{false, true} {
		for _, listen := range []bool{false, true} {
			for _, notify := range []bool{true, false} {
				variants = append(variants, notifyVariant{name: variantName(notify, listen, async),
					notify: notify, listen: listen, async: async})
			}
		}
	}
	results := make([]notifyResult, len(variants))
	load0 := loadAverage(t)
	seq := 0
	for round := range notifyRounds {
		order := make([]int, len(variants))
		for i := range order {
			order[i] = i
		}
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, vi := range order {
			v := variants[vi]
			body := notifyOff
			if v.notify {
				body = notifyOn
			}
			_, err := db.pool.Exec(ctx, body)
			require.NoError(t, err)
			sender := db
			if v.async {
				sender = asyncDB
			}
			seq++
			r := &results[vi]
			if r.waits == nil {
				r.waits = map[string]int{}
			}
			sends, elapsed, lat, heard := measureSends(t, db, sender, v, fmt.Sprintf("r%d", seq),
				func(ctx context.Context) { r.samples += sampleWaits(ctx, url, r.waits) })
			switch {
			case v.listen && v.notify:
				require.Equal(t, int64(sends), heard, "%s: the listener hears each send once", v.name)
			case v.listen:
				require.Zero(t, heard, "%s: nothing notified", v.name)
			}
			r.sends += sends
			r.elapsed += elapsed
			r.latencies = append(r.latencies, lat...)
			r.perRound = append(r.perRound, float64(sends)/elapsed.Seconds())
		}
	}
	load1 := loadAverage(t)

	t.Logf("load average before: %s; after: %s", load0, load1)
	rates := make([]float64, len(variants))
	for i, v := range variants {
		r := results[i]
		require.NotZero(t, r.sends, v.name)
		slices.Sort(r.latencies)
		rates[i] = float64(r.sends) / r.elapsed.Seconds()
		rounds := make([]string, len(r.perRound))
		for j, x := range r.perRound {
			rounds[j] = fmt.Sprintf("%.0f", x)
		}
		t.Logf("%-28s %7.0f sends/s  p50 %6.2f ms  p99 %6.2f ms  rounds [%s]", v.name, rates[i],
			ms(percentile(r.latencies, 0.50)), ms(percentile(r.latencies, 0.99)), strings.Join(rounds, " "))
		t.Logf("%-28s waiting senders per sample: %s", "", waitSummary(r.waits, r.samples))
	}
	for i := 0; i < len(variants); i += 2 { // each notify-on variant is followed by its notify-off one
		on, off := results[i], results[i+1]
		t.Logf("%-28s sends/s %+.1f%%, p50 %+.1f%%, p99 %+.1f%% against without the notify",
			variants[i].name, 100*(rates[i]/rates[i+1]-1),
			100*(ms(percentile(on.latencies, 0.5))/ms(percentile(off.latencies, 0.5))-1),
			100*(ms(percentile(on.latencies, 0.99))/ms(percentile(off.latencies, 0.99))-1))
	}
}

// TestNotifyCost's shape.
const (
	notifyGoroutines = 32
	notifyRounds     = 4
	notifyRoundTime  = 3 * time.Second
)

// variantName names a variant for the log.
func variantName(notify, listen, async bool) string {
	var b strings.Builder
	if async {
		b.WriteString("async commit, ")
	} else {
		b.WriteString("durable, ")
	}
	if listen {
		b.WriteString("listener, ")
	} else {
		b.WriteString("no listener, ")
	}
	if notify {
		b.WriteString("notify")
	} else {
		b.WriteString("no notify")
	}
	return b.String()
}

// measureSends runs notifyGoroutines goroutines calling sender's
// CreateDelivery for notifyRoundTime, each for its own person, with
// db's ListenAnswers running throughout if v.listen, and sample running
// while they send, until its ctx is done. It returns the sends made, the
// time they took, each one's latency, and (if v.listen) how many
// notifications the listener heard (once all were in if v.notify,
// polling up to 10 s).
func measureSends(t *testing.T, db, sender *DB, v notifyVariant, prefix string,
	sample func(ctx context.Context)) (int, time.Duration, []time.Duration, int64) {
	t.Helper()
	ctx := context.Background()
	var heard atomic.Int64
	stopListen := func() {}
	if v.listen {
		lctx, cancel := context.WithCancel(ctx)
		ready := make(chan struct{})
		done := make(chan struct{})
		var once sync.Once
		go func() {
			defer close(done)
			db.ListenAnswers(lctx, func(string) { heard.Add(1) }, func() { once.Do(func() { close(ready) }) },
				func(err error) { t.Logf("listener: %v", err) })
		}()
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			cancel()
			require.FailNow(t, "the listener did not start listening")
		}
		stopListen = func() { cancel(); <-done }
	}
	defer stopListen()

	lats := make([][]time.Duration, notifyGoroutines)
	errs := make(chan error, notifyGoroutines)
	sctx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() { defer close(sampled); sample(sctx) }()
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(notifyRoundTime)
	for g := range notifyGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			person := fmt.Sprintf("bench%d", g)
			for n := 0; time.Now().Before(deadline); n++ {
				t0 := time.Now()
				if err := sender.CreateDelivery(ctx, newDelivery(fmt.Sprintf("%s-%d-%d", prefix, g, n), person)); err != nil {
					errs <- err
					return
				}
				lats[g] = append(lats[g], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopSampling()
	<-sampled
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	all := slices.Concat(lats...)
	if v.listen && v.notify {
		for wait := time.Now().Add(10 * time.Second); heard.Load() < int64(len(all)) && time.Now().Before(wait); {
			time.Sleep(10 * time.Millisecond) // polled: the listener catches up with the commits
		}
	}
	return len(all), elapsed, all, heard.Load()
}

// sampleWaits counts, every 20 ms until ctx is done, the wait events of
// the other active sessions of url's database (the senders'), on a
// connection of its own; it returns how many samples it took.
func sampleWaits(ctx context.Context, url string, waits map[string]int) int {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0
	}
	defer func() { _ = conn.Close(context.Background()) }()
	n := 0
	for ctx.Err() == nil {
		rows, err := conn.Query(ctx, `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1`)
		if err != nil {
			return n
		}
		for rows.Next() {
			var ev string
			var c int
			if rows.Scan(&ev, &c) == nil {
				waits[ev] += c
			}
		}
		rows.Close()
		n++
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	return n
}

// waitSummary says the mean number of sessions per sample in each wait
// event, the largest first.
func waitSummary(waits map[string]int, samples int) string {
	if samples == 0 {
		return "no samples"
	}
	evs := make([]string, 0, len(waits))
	for ev := range waits {
		evs = append(evs, ev)
	}
	slices.SortFunc(evs, func(a, b string) int { return waits[b] - waits[a] })
	parts := make([]string, 0, len(evs))
	for _, ev := range evs[:min(len(evs), 5)] {
		parts = append(parts, fmt.Sprintf("%s %.2f", ev, float64(waits[ev])/float64(samples)))
	}
	return strings.Join(parts, ", ")
}

// percentile returns the p quantile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadAverage returns the machine's load averages (1, 5, 15 minutes).
func loadAverage(t *testing.T) string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
