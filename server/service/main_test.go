package service_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/service"
	"github.com/roostmsg/roost/server/sqlite"
)

const (
	testKey    = "roost_test_api_key_5f0c2a"
	testSecret = "roost_test_site_secret_9d1e7b"
	testSite   = "example"
	testUser   = "user_123"
	seedPath   = "../../example-site/seed.json"
	// seedSend is the send request of the seed docs.
	seedSend = `{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},` +
		`"message_data":{"order_id":"ORD-5678","tracking_url":"https://track.example.com/5678","product_name":"Blue Widget"}}`
)

// testService is a Service running on 127.0.0.1 with a seeded database,
// logging at debug level into logs.
type testService struct {
	t    *testing.T
	svc  *service.Service
	cfg  service.Config
	base string // http://host:port of the main listener
	// metricsBase is that of the metrics listener, when there is one.
	metricsBase string
	logs        *syncBuffer
	cancel      context.CancelFunc
	done        chan error
	stopOnce    sync.Once
}

// startService opens and runs a service whose settings configure may
// change; it is stopped and closed when the test ends.
func startService(t *testing.T, configure func(cfg *service.Config)) *testService {
	t.Helper()
	logs := &syncBuffer{}
	cfg := service.Config{
		Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "roost.db"), RuntimeDir: browsertest.FakeRuntime(t),
		Sites:   []httpapi.Site{{ID: testSite, IdentitySecret: testSecret}},
		APIKeys: []string{testKey}, SendRateLimit: -1, ShutdownTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if configure != nil {
		configure(&cfg)
	}
	seedDB(t, cfg.DB)
	svc, err := service.Open(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testService{t: t, svc: svc, cfg: cfg, logs: logs, cancel: cancel, done: make(chan error, 1)}
	addrs := make(chan [2]net.Addr, 1)
	go func() { ts.done <- svc.Run(ctx, func(a, m net.Addr) { addrs <- [2]net.Addr{a, m} }) }()
	select {
	case a := <-addrs:
		ts.base = "http://" + a[0].String()
		if a[1] != nil {
			ts.metricsBase = "http://" + a[1].String()
		}
	case err := <-ts.done:
		t.Fatalf("the service stopped at once: %v", err)
	}
	t.Cleanup(func() {
		ts.stop()
		_ = svc.Close()
	})
	return ts
}

// stop shuts the service down and waits for Run to return; its error.
func (ts *testService) stop() error {
	var err error
	ts.stopOnce.Do(func() {
		// The test's idle keep-alive connections would hold the shutdown
		// for its drain (drainGrace).
		http.DefaultClient.CloseIdleConnections()
		ts.cancel()
		err = <-ts.done
	})
	return err
}

// seedDB loads the example site's seed into the database at path.
func seedDB(t *testing.T, path string) {
	t.Helper()
	db, err := sqlite.Open(path)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, server.LoadSeed(context.Background(), db, seedPath))
}

// do makes a request and returns the answer's status, body and headers;
// headers alternate name, value.
func (ts *testService) do(method, url, body string, headers ...string) (int, string, http.Header) {
	ts.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(ts.t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(ts.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(ts.t, err)
	return resp.StatusCode, string(b), resp.Header
}

// send makes a send-side request of channel with body; its status and
// delivery id.
func (ts *testService) send(channel, body string) (int, string) {
	ts.t.Helper()
	status, b, _ := ts.do(http.MethodPost, ts.base+"/v1/send/"+channel, body, "Authorization", "Bearer "+testKey, "Content-Type", "application/json")
	var resp struct {
		DeliveryID string `json:"delivery_id"`
	}
	_ = json.Unmarshal([]byte(b), &resp)
	return status, resp.DeliveryID
}

// poll polls as user with the ETag etag (none when empty); the status and ETag.
func (ts *testService) poll(user, etag string) (int, string) {
	ts.t.Helper()
	headers := []string{"X-Roost-Site", testSite, "X-Roost-User", user, "X-Roost-Signature", server.SignIdentity(testSecret, user)}
	if etag != "" {
		headers = append(headers, "If-None-Match", etag)
	}
	status, _, h := ts.do(http.MethodGet, ts.base+"/v1/client/poll", "", headers...)
	return status, h.Get("ETag")
}

// events posts a batch of events as user; the acknowledged and rejected ids.
func (ts *testService) events(user string, es ...inbox.Event) inbox.EventsResponse {
	ts.t.Helper()
	b, err := json.Marshal(inbox.EventBatch{Events: es})
	require.NoError(ts.t, err)
	status, body, _ := ts.do(http.MethodPost, ts.base+"/v1/client/events", string(b), "Content-Type", "application/json",
		"X-Roost-Site", testSite, "X-Roost-User", user, "X-Roost-Signature", server.SignIdentity(testSecret, user))
	require.Equal(ts.t, http.StatusOK, status, body)
	var resp inbox.EventsResponse
	require.NoError(ts.t, json.Unmarshal([]byte(body), &resp))
	return resp
}

// scrape returns the samples of GET url: the value of each series by its
// name and labels as the text format writes them (`name{a="x",b="y"}`).
func (ts *testService) scrape(url string) map[string]float64 {
	ts.t.Helper()
	status, body, _ := ts.do(http.MethodGet, url, "")
	require.Equal(ts.t, http.StatusOK, status, body)
	samples := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(ts.t, err, line)
		samples[line[:i]] = v
	}
	return samples
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestOpen_WithoutARuntime: a runtime directory with no build in it stops
// the service before its database is created, saying what to do.
func TestOpen_WithoutARuntime(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roost.db")
	_, err := service.Open(service.Config{DB: db, RuntimeDir: t.TempDir(),
		Sites: []httpapi.Site{{ID: testSite, IdentitySecret: testSecret}}, APIKeys: []string{testKey}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "holds no built runtime")
	assert.Contains(t, err.Error(), "make runtime")
	_, err = os.Stat(db)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestOpen_OneRoostPerDatabase: a second service on the same database is
// refused while the first runs, and opens once it is closed.
func TestOpen_OneRoostPerDatabase(t *testing.T) {
	cfg := service.Config{DB: filepath.Join(t.TempDir(), "roost.db"), RuntimeDir: browsertest.FakeRuntime(t),
		Sites: []httpapi.Site{{ID: testSite, IdentitySecret: testSecret}}, APIKeys: []string{testKey}}
	first, err := service.Open(cfg)
	require.NoError(t, err)
	_, err = service.Open(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "another roost serves it (pid ")
	assert.Contains(t, err.Error(), "one roost serve per database")
	require.NoError(t, first.Close())
	second, err := service.Open(cfg)
	require.NoError(t, err, "the lock went with the first")
	require.NoError(t, second.Close())
}
