package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/server"
)

// The stream capacity measurement runs only with ROOST_BENCH=1 (make
// bench) and writes $ROOST_BENCH_OUT/streams.json when that is set. For
// each path a stream can take (benchPaths: the connection taken over, and
// net/http's, forced with -stream-plain), one after the other,
// it starts a roost serve process (SQLite), opens benchStreams streams to
// it over raw TCP, one a person, and measures the process's memory per
// stream, its CPU while every stream gets a heartbeat a second, and polls
// and sends (each send pushed to its person's stream) meanwhile. It fails
// when a stream, poll, send or push failed.
//
//	ROOST_BENCH=1 go test -v -run '^TestBenchStreams$' ./server/httpapi

const (
	// benchStreams is how many streams are held (the target).
	benchStreams = 10_000
	// benchHeartbeatWindow is how long the heartbeats' CPU is measured.
	benchHeartbeatWindow = 5 * time.Second
	// benchPolls and benchSends are the requests made while the streams
	// are open, the polls by benchPollers clients at once.
	benchPolls, benchSends, benchPollers = 16_000, 200, 16
)

// benchPaths are the paths measured: name, and "off" for -stream-plain.
var benchPaths = [][2]string{{"hijacked", ""}, {"net/http", "off"}}

// streamsResult is the measure of one path; streams.json holds one a path.
type streamsResult struct {
	// Path is the stream's path (benchPaths); LoadAvg the machine's load
	// averages (1, 5, 15 min) at the end of its measure.
	Path        string  `json:"path"`
	LoadAvg     string  `json:"load_avg"`
	Streams     int     `json:"streams"`
	OpenSeconds float64 `json:"open_seconds"`
	// GOGC is the roost process's (ROOST_BENCH_GOGC; "" for the default, 100).
	GOGC string `json:"gogc"`
	// Memory of the roost process with no stream (Before), with the
	// streams just open and a heartbeat sent on each (Open), and after
	// the polls and sends (After: their garbage not yet collected
	// included; GCs counts the collections meanwhile).
	Before memSample `json:"before"`
	Open   memSample `json:"open"`
	After  memSample `json:"after"`
	// OpenPerStream and AfterPerStream are the differences with Before,
	// per stream.
	OpenPerStream  memSample `json:"open_per_stream"`
	AfterPerStream memSample `json:"after_per_stream"`
	// The heartbeats the clients got during the window, and the process's
	// CPU meanwhile.
	HeartbeatMs            int64   `json:"heartbeat_ms"`
	WindowSeconds          float64 `json:"window_seconds"`
	Heartbeats             int64   `json:"heartbeats"`
	HeartbeatCPUSeconds    float64 `json:"heartbeat_cpu_seconds"`
	CPUMsPer1000Heartbeats float64 `json:"cpu_ms_per_1000_heartbeats"`
	// Polls made meanwhile by benchPollers clients at once, and sends one
	// at a time, with how long each send took to reach its person's
	// stream (from the send's start).
	Polls       int     `json:"polls"`
	PollsPerSec float64 `json:"polls_per_sec"`
	PollP50Ms   float64 `json:"poll_p50_ms"`
	PollP99Ms   float64 `json:"poll_p99_ms"`
	Sends       int     `json:"sends"`
	Pushed      int     `json:"pushed"`
	PushP50Ms   float64 `json:"push_p50_ms"`
	PushP99Ms   float64 `json:"push_p99_ms"`
	// GCs counts the garbage collections between Open and After.
	GCs int64 `json:"gcs"`
}

// memSample is the roost process's memory: its resident set (VmRSS), Go's
// heap in use (garbage not yet collected included) and goroutine stacks
// (from its /metrics), and its goroutines.
type memSample struct {
	RSS        float64 `json:"rss_bytes"`
	Heap       float64 `json:"heap_bytes"`
	Stack      float64 `json:"stack_bytes"`
	Goroutines float64 `json:"goroutines"`
}

// perStream returns (m - before) / n.
func (m memSample) perStream(before memSample, n int) memSample {
	d := float64(n)
	return memSample{RSS: (m.RSS - before.RSS) / d, Heap: (m.Heap - before.Heap) / d,
		Stack: (m.Stack - before.Stack) / d, Goroutines: (m.Goroutines - before.Goroutines) / d}
}

// benchClient is one stream held over a raw TCP connection.
type benchClient struct {
	conn    net.Conn
	answers chan time.Time // when each answer after the first came
	pings   *atomic.Int64
}

// openBenchStream opens user's stream on addr and reads until its first
// answer; then it reads on in the background.
func openBenchStream(addr, user string, pings *atomic.Int64) (*benchClient, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	req := "GET " + inbox.PathStream + " HTTP/1.1\r\nHost: " + addr + "\r\nX-Roost-Site: " + testSite +
		"\r\nX-Roost-User: " + user + "\r\nX-Roost-Signature: " + server.SignIdentity(loadSecret, user) + "\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReaderSize(conn, 512)
	status, err := r.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		conn.Close()
		return nil, fmt.Errorf("stream of %s: %q %v", user, status, err)
	}
	for { // headers, then the events until the first answer's blank line
		line, err := r.ReadString('\n')
		if err != nil {
			conn.Close()
			return nil, err
		}
		if strings.HasPrefix(line, "event: "+inbox.StreamAnswer) {
			break
		}
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			conn.Close()
			return nil, err
		}
		if line == "\n" {
			break
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	c := &benchClient{conn: conn, answers: make(chan time.Time, 4), pings: pings}
	go c.read(r)
	return c, nil
}

// read counts heartbeats and notes answers until the connection closes.
func (c *benchClient) read(r *bufio.Reader) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch {
		case strings.HasPrefix(line, ":"):
			c.pings.Add(1)
		case strings.HasPrefix(line, "event: "+inbox.StreamAnswer):
			select {
			case c.answers <- time.Now():
			default:
			}
		}
	}
}

// procStatus returns a field of /proc/pid/status in bytes (kB fields).
func procStatus(t *testing.T, pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	require.NoError(t, err)
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// memory samples the memory of the roost process pid serving base.
func memory(t *testing.T, base string, pid int) memSample {
	m := base + "/metrics"
	return memSample{RSS: float64(procStatus(t, pid, "VmRSS")), Heap: float64(scrapeCounter(t, m, "go_memstats_heap_inuse_bytes")),
		Stack: float64(scrapeCounter(t, m, "go_memstats_stack_inuse_bytes")), Goroutines: float64(scrapeCounter(t, m, "go_goroutines"))}
}

// streamPoll polls as user on base and returns how long it took.
func streamPoll(t *testing.T, base, user string) time.Duration {
	req, _ := http.NewRequest(http.MethodGet, base+inbox.PathPoll, nil)
	req.Header.Set("X-Roost-Site", testSite)
	req.Header.Set("X-Roost-User", user)
	req.Header.Set("X-Roost-Signature", server.SignIdentity(loadSecret, user))
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("poll: %v", err)
		return 0
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("poll: status %d", resp.StatusCode)
	}
	return time.Since(start)
}

func TestBenchStreams(t *testing.T) {
	if os.Getenv("ROOST_BENCH") == "" {
		t.Skip("a measurement: ROOST_BENCH=1 (make bench) runs it")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	bin := buildRoost(t)
	var results []streamsResult
	for _, p := range benchPaths {
		t.Run(strings.ReplaceAll(p[0], "/", "_"), func(t *testing.T) {
			results = append(results, benchStreamsOn(t, bin, p[0], p[1]))
		})
	}
	b, err := json.MarshalIndent(results, "", "  ")
	require.NoError(t, err)
	t.Logf("%s", b)
	if dir := os.Getenv("ROOST_BENCH_OUT"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "streams.json"), b, 0o644))
	}
}

// benchStreamsOn measures streams served on path (hijack "off":
// -stream-plain), by a roost process of bin.
func benchStreamsOn(t *testing.T, bin, path, hijack string) streamsResult {
	dbPath := filepath.Join(t.TempDir(), "roost.db")
	db := MustOpenDB(t, dbPath)
	require.NoError(t, server.LoadSeed(context.Background(), db, seedPath))
	require.NoError(t, db.Close())
	heartbeat := time.Second
	var env []string
	args := []string{"-max-conns", strconv.Itoa(benchStreams + 2000), "-stream-max", strconv.Itoa(benchStreams + 1000),
		"-stream-heartbeat", heartbeat.String()}
	if hijack == "off" {
		args = append(args, "-stream-plain")
	}
	if v := os.Getenv("ROOST_BENCH_GOGC"); v != "" {
		env = append(env, "GOGC="+v)
	}
	if v := os.Getenv("ROOST_BENCH_GODEBUG"); v != "" {
		env = append(env, "GODEBUG="+v)
	}
	base, pid := startRoostEnv(t, env, bin, dbPath, browsertest.FakeRuntime(t), args...)
	addr := strings.TrimPrefix(base, "http://")
	res := streamsResult{Path: path, Streams: benchStreams, HeartbeatMs: heartbeat.Milliseconds(), GOGC: os.Getenv("ROOST_BENCH_GOGC")}

	// Warm up: a few streams and polls, so that the baseline has the
	// server's pools and buffers.
	var pings atomic.Int64
	for i := range 50 {
		c, err := openBenchStream(addr, "warm_"+strconv.Itoa(i), &pings)
		require.NoError(t, err)
		c.conn.Close()
	}
	time.Sleep(500 * time.Millisecond) // the warm-up streams end
	res.Before = memory(t, base, pid)

	start := time.Now()
	clients := make([]*benchClient, benchStreams)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	next := atomic.Int64{}
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < benchStreams; i = int(next.Add(1) - 1) {
				c, err := openBenchStream(addr, "streamer_"+strconv.Itoa(i), &pings)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				clients[i] = c
			}
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range clients {
			if c != nil {
				c.conn.Close()
			}
		}
	})
	if err, _ := firstErr.Load().(error); err != nil {
		t.Fatalf("opening streams: %v", err)
	}
	res.OpenSeconds = time.Since(start).Seconds()
	require.Equal(t, int64(benchStreams), scrapeCounter(t, base+"/metrics", "roost_streams_open"))
	time.Sleep(2 * heartbeat) // settled: every stream had a heartbeat
	res.Open = memory(t, base, pid)
	res.OpenPerStream = res.Open.perStream(res.Before, benchStreams)
	gcs := scrapeCounter(t, base+"/metrics", "go_gc_duration_seconds_count")

	// Heartbeats: the process's CPU while the streams only get heartbeats.
	cpu0, pings0, t0 := processCPU(pid), pings.Load(), time.Now()
	time.Sleep(benchHeartbeatWindow)
	cpu1, pings1, elapsed := processCPU(pid), pings.Load(), time.Since(t0)
	res.Heartbeats = pings1 - pings0
	res.HeartbeatCPUSeconds = cpu1 - cpu0
	if res.Heartbeats > 0 {
		res.CPUMsPer1000Heartbeats = res.HeartbeatCPUSeconds * 1000 / float64(res.Heartbeats) * 1000
	}
	res.WindowSeconds = elapsed.Seconds()

	// Polls and sends meanwhile: each send is pushed to its person's stream.
	pollTimes := make([][]float64, benchPollers)
	t0 = time.Now()
	for w := range benchPollers {
		wg.Go(func() {
			for i := range benchPolls / benchPollers {
				took := streamPoll(t, base, "streamer_"+strconv.Itoa((w*benchPolls/benchPollers+i)*7%benchStreams))
				pollTimes[w] = append(pollTimes[w], float64(took.Microseconds())/1000)
			}
		})
	}
	wg.Wait()
	res.PollsPerSec = float64(benchPolls) / time.Since(t0).Seconds()
	all := slices.Concat(pollTimes...)
	res.Polls = len(all)
	res.PollP50Ms, res.PollP99Ms = percentile(all, 50), percentile(all, 99)
	pushTimes := make([]float64, 0, benchSends)
	for i := range benchSends {
		n := i * 37 % benchStreams
		body := `{"transactional_message_id":"order_shipped","identifiers":{"id":"streamer_` + strconv.Itoa(n) + `"},"message_data":{"order_id":"B` + strconv.Itoa(i) + `"}}`
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/send/inbox_message", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		select {
		case at := <-clients[n].answers:
			pushTimes = append(pushTimes, float64(at.Sub(t0).Microseconds())/1000)
		case <-time.After(10 * time.Second):
			t.Fatalf("the send to streamer_%d was not pushed to its stream", n)
		}
	}
	res.Sends, res.Pushed = benchSends, len(pushTimes)
	res.PushP50Ms, res.PushP99Ms = percentile(pushTimes, 50), percentile(pushTimes, 99)
	res.GCs = scrapeCounter(t, base+"/metrics", "go_gc_duration_seconds_count") - gcs
	res.After = memory(t, base, pid)
	res.AfterPerStream = res.After.perStream(res.Before, benchStreams)
	require.Equal(t, int64(benchStreams), scrapeCounter(t, base+"/metrics", "roost_streams_open"), "every stream is still open")
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		res.LoadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return res
}

// percentile returns the p-th percentile of xs (sorted in place).
func percentile(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[min(len(xs)-1, len(xs)*p/100)]
}
