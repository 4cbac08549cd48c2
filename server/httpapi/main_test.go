package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/sqlite"
)

const (
	testKey  = "test-api-key"
	testSite = "example"
	// testOrigin is the origin of the test site's pages, which it allows.
	testOrigin = "https://shop.example"
	seedPath   = "../../example-site/seed.json"
	// seedSend is the send request of the seed docs.
	seedSend = `{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},` +
		`"message_data":{"order_id":"ORD-5678","tracking_url":"https://track.example.com/5678","product_name":"Blue Widget"}}`
)

// fixtureStart is when a fixture's clock starts.
var fixtureStart = time.Date(2025, 11, 22, 8, 0, 0, 0, time.UTC)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a server on a fresh SQLite file, loaded with the seed.
type fixture struct {
	tb    testing.TB
	path  string
	db    *sqlite.DB
	clock *clock
	h     http.Handler
	srv   *server.Server
	// configure, when set, changes the server's settings before it starts.
	configure func(cfg *config)
}

// config is a fixture's settings: the server's, and its HTTP layer's (http).
type config struct {
	server.Config
	http httpapi.Config
}

// signed returns a configure function that turns on signed identities
// with secret for the test site.
func signed(secret string) func(cfg *config) {
	return func(cfg *config) { cfg.http.Sites[0].IdentitySecret = secret }
}

// mustHandler returns the HTTP handler of srv with cfg.
func mustHandler(tb testing.TB, srv *server.Server, cfg httpapi.Config) http.Handler {
	tb.Helper()
	h, err := httpapi.New(srv, cfg)
	require.NoError(tb, err)
	return h
}

// MustOpenDB opens a store in a new file under tb.TempDir and closes it at cleanup.
func MustOpenDB(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(path)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// newFixture returns a seeded server whose clock starts at a fixed time.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return newFixtureAt(tb, filepath.Join(tb.TempDir(), "roost.db"))
}

// newFixtureWith returns a seeded server whose settings configure changes.
func newFixtureWith(tb testing.TB, configure func(cfg *config)) *fixture {
	tb.Helper()
	f := &fixture{tb: tb, path: filepath.Join(tb.TempDir(), "roost.db"), clock: &clock{t: fixtureStart}, configure: configure}
	f.open()
	require.NoError(tb, server.LoadSeed(context.Background(), f.db, seedPath))
	return f
}

// newFixtureAt returns a seeded server on the database file at path.
func newFixtureAt(tb testing.TB, path string) *fixture {
	tb.Helper()
	f := &fixture{tb: tb, path: path, clock: &clock{t: fixtureStart}}
	f.open()
	require.NoError(tb, server.LoadSeed(context.Background(), f.db, seedPath))
	return f
}

// open (re)opens the database file and builds the handler on it.
func (f *fixture) open() {
	f.tb.Helper()
	f.db = MustOpenDB(f.tb, f.path)
	f.db.Now = f.clock.Now
	f.serve(f.db, f.config())
}

// serve makes f's server one on store with cfg.
func (f *fixture) serve(store server.Store, cfg config) {
	f.tb.Helper()
	f.srv = server.New(cfg.Config, store)
	f.h = mustHandler(f.tb, f.srv, cfg.http)
}

// config returns the fixture's settings.
func (f *fixture) config() config {
	cfg := config{
		Config: server.Config{
			TierActive: time.Second, TierInactive: 2 * time.Second, TierLow: 3 * time.Second,
			Now: f.clock.Now,
		},
		http: httpapi.Config{
			APIKeys: []string{testKey}, Sites: []httpapi.Site{{ID: testSite, Origins: []string{testOrigin}}},
			SendRateLimit: -1, // the fixture's clock stands still; TestRateLimit turns it on
		},
	}
	if f.configure != nil {
		f.configure(&cfg)
	}
	return cfg
}

// do serves one request; headers alternate name, value.
func (f *fixture) do(method, path, body string, headers ...string) *httptest.ResponseRecorder {
	f.tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

// app sends an authenticated send-side request.
func (f *fixture) app(method, path, body string) *httptest.ResponseRecorder {
	f.tb.Helper()
	return f.do(method, path, body, "Authorization", "Bearer "+testKey, "Content-Type", "application/json")
}

// client sends a browser-side request as user from a page of testOrigin;
// headers alternate name, value.
func (f *fixture) client(method, path, user, body string, headers ...string) *httptest.ResponseRecorder {
	f.tb.Helper()
	return f.do(method, path, body, append([]string{"X-Roost-Site", testSite, "X-Roost-User", user, "Origin", testOrigin}, headers...)...)
}

// send queues a template and returns its delivery id.
func (f *fixture) send(channel, body string) string {
	f.tb.Helper()
	w := f.app(http.MethodPost, "/v1/send/"+channel, body)
	require.Equal(f.tb, http.StatusOK, w.Code, w.Body.String())
	var resp struct {
		DeliveryID string `json:"delivery_id"`
	}
	require.NoError(f.tb, json.Unmarshal(w.Body.Bytes(), &resp))
	return resp.DeliveryID
}

// poll returns the decoded 200 poll of user.
func (f *fixture) poll(user string) pollAnswer {
	f.tb.Helper()
	w := f.client(http.MethodGet, "/v1/client/poll", user, "")
	require.Equal(f.tb, http.StatusOK, w.Code, w.Body.String())
	var a pollAnswer
	require.NoError(f.tb, json.Unmarshal(w.Body.Bytes(), &a.PollResponse))
	a.ETag = w.Header().Get("ETag")
	return a
}

// pollAnswer is a decoded poll with its ETag.
type pollAnswer struct {
	inbox.PollResponse
	ETag string
}

// errorMessage returns the meta.error of an error answer.
func errorMessage(tb testing.TB, w *httptest.ResponseRecorder) string {
	tb.Helper()
	var body struct {
		Meta struct {
			Error string `json:"error"`
		} `json:"meta"`
	}
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
	require.NotEmpty(tb, body.Meta.Error)
	return body.Meta.Error
}
