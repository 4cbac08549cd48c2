package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser tests run the real runtime in headless Chromium against the
// example site and its server, with poll tiers shortened to fractions of a second.

// testSite is the example site on a loopback port with fast poll tiers. It
// records every browser-side request (/v1/client/*) it answers.
//
// Its message server can be stopped and started again (stopServer,
// startServer): while it is stopped, every /v1/ request fails as it would
// against a stopped server, while the page, /api/session and the runtime's
// files are still served.
type testSite struct {
	*httptest.Server
	// site is the site last opened: its store is closed while the message
	// server is stopped. Its secrets stay the same across restarts.
	site *site
	// opts are the options the site is opened with, again on each start.
	opts options
	// pages serves everything but /v1/: the site first opened, whose page,
	// session and runtime files need no store.
	pages http.Handler

	// serverMu guards live; a /v1/ request holds it for reading while the
	// message server answers it, so stopServer lets those finish first.
	serverMu sync.RWMutex
	// live is the running message server's site, nil while it is stopped.
	live *site

	// clockShift is added to the message server's clock (shiftServerClock).
	clockShift atomic.Int64

	mu       sync.Mutex
	requests []clientRequest
	// assets are the times other paths were asked for, by path.
	assets map[string][]time.Time
	// assetRequests are the request URIs and Accept-Encoding headers of the same requests.
	assetRequests [][2]string
	// eventsDown, while set, answers every POST /v1/client/events with 503
	// (the events endpoint is down); eventPosts records each one's events.
	eventsDown atomic.Bool
	eventPosts []eventPost
	// cspReports are the bodies of the Content-Security-Policy violation
	// reports browsers posted. startSite's cleanup fails on each, unless
	// cspReportExpected (set by a test that makes some on purpose) takes it.
	cspReports        []string
	cspReportExpected func(report string) bool
	// testPages are pages and scripts a test added (addPage), by path.
	testPages map[string]string
	// started are the browser-side requests as they came in (requests
	// has them once answered), without their status.
	started []clientRequest
	// bufferStreams, while set, holds back the body of every stream opened
	// (its status and headers pass): a proxy that buffers it.
	bufferStreams atomic.Bool
}

// eventPost is one POST /v1/client/events as the site received it.
type eventPost struct {
	status int // statusDropped: the message server was stopped
	events []struct{ ID, Type, DeliveryID string }
}

// clientRequest is one /v1/client/* request.
type clientRequest struct {
	path, user, signature string
	status                int       // statusDropped: the message server was stopped
	at                    time.Time // when it came in
}

// statusDropped is the recorded status of a request that got no answer:
// the message server was stopped, and the connection was closed.
const statusDropped = 0

// siteOption changes the options startSite opens the site with.
type siteOption func(*options)

// withTiers sets the server's poll tiers.
func withTiers(active, inactive, low time.Duration) siteOption {
	return func(o *options) { o.TierActive, o.TierInactive, o.TierLow = active, inactive, low }
}

// withServerClock makes now the message server's clock (shiftServerClock
// shifts it further).
func withServerClock(now func() time.Time) siteOption {
	return func(o *options) { o.Now = now }
}

func startSite(t *testing.T, opts ...siteOption) *testSite {
	t.Helper()
	assets := browsertest.Runtime(t)
	o := options{
		DataDir: t.TempDir(), APIKey: "test-key", SiteID: "example", Seed: "seed.json", Assets: assets,
		TierActive: 150 * time.Millisecond, TierInactive: 400 * time.Millisecond, TierLow: 800 * time.Millisecond,
		// The tests call the App API as often as they need to watch a
		// delivery; the rate limit has its own tests in server/.
		SendRateLimit: -1,
		NoStreams:     true, // withStream turns it on
	}
	for _, opt := range opts {
		opt(&o)
	}
	ts := &testSite{assets: map[string][]time.Time{}}
	clock := o.Now
	if clock == nil {
		clock = time.Now
	}
	o.Now = func() time.Time { return clock().Add(time.Duration(ts.clockShift.Load())) }
	s, err := openSite(context.Background(), o)
	require.NoError(t, err)
	ts.site, ts.opts, ts.pages, ts.live = s, o, s.handler, s
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		if !strings.HasPrefix(r.URL.Path, "/v1/client/") || r.Method == http.MethodOptions {
			var report []byte
			if r.URL.Path == "/csp-report" {
				report, _ = io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(report))
			}
			ts.mu.Lock()
			ts.assets[r.URL.Path] = append(ts.assets[r.URL.Path], at)
			ts.assetRequests = append(ts.assetRequests, [2]string{r.URL.RequestURI(), r.Header.Get("Accept-Encoding")})
			if report != nil {
				ts.cspReports = append(ts.cspReports, string(report))
			}
			ts.mu.Unlock()
			if ts.serveTestPage(w, r.URL.Path) {
				return
			}
			if r.URL.Path == inAppOffPage {
				ts.serveInAppOff(t, w)
				return
			}
			if r.URL.Path == noRoostPage {
				ts.serveNoRoost(t, w)
				return
			}
			ts.serve(w, r)
			return
		}
		ts.mu.Lock()
		ts.started = append(ts.started, clientRequest{path: r.URL.Path, user: r.Header.Get("X-Roost-User"), at: at})
		ts.mu.Unlock()
		var post *eventPost
		if r.URL.Path == "/v1/client/events" && r.Method == http.MethodPost {
			raw, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(raw))
			post = &eventPost{}
			var batch struct {
				Events []struct {
					ID         string `json:"id"`
					Type       string `json:"type"`
					DeliveryID string `json:"delivery_id"`
				} `json:"events"`
			}
			_ = json.Unmarshal(raw, &batch)
			for _, e := range batch.Events {
				post.events = append(post.events, struct{ ID, Type, DeliveryID string }{e.ID, e.Type, e.DeliveryID})
			}
		}
		rec := &browsertest.StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
		if r.URL.Path == inbox.PathStream && ts.bufferStreams.Load() {
			rec.ResponseWriter = &bufferingWriter{ResponseWriter: w}
		}
		if post != nil && ts.eventsDown.Load() {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			http.Error(rec, "events endpoint down for the test", http.StatusServiceUnavailable)
		} else if !ts.serve(rec, r) {
			rec.Status = statusDropped
		}
		ts.mu.Lock()
		defer ts.mu.Unlock()
		if post != nil {
			post.status = rec.Status
			ts.eventPosts = append(ts.eventPosts, *post)
		}
		ts.requests = append(ts.requests, clientRequest{r.URL.Path, r.Header.Get("X-Roost-User"), r.Header.Get("X-Roost-Signature"), rec.Status, at})
	}))
	t.Cleanup(func() {
		ts.mu.Lock()
		for _, report := range ts.cspReports {
			assert.True(t, ts.cspReportExpected != nil && ts.cspReportExpected(report),
				"a page or worker broke the Content-Security-Policy: %s", report)
		}
		ts.mu.Unlock()
		ts.serverMu.RLock()
		if ts.live != nil {
			ts.live.svc.Server().CloseStreams() // else Close waits for them
		}
		ts.serverMu.RUnlock()
		ts.Close()
		ts.serverMu.Lock()
		defer ts.serverMu.Unlock()
		if ts.live != nil {
			assert.NoError(t, ts.live.Close())
			ts.live = nil
		}
	})
	return ts
}

// headlessPage is the headless example: the page that draws its own inbox
// on the page API (headless.js: the bell, #badge, the panel's #inbox-list and
// #inbox-empty, and window.shopInbox, its view of the orders and social
// topics), which the tests of the page's inbox open. The shop's page (/)
// shows the <roost-inbox> element instead.
const headlessPage = "/headless"

// serve answers r: the page, its session and the runtime's files always;
// /v1/ with the message server, and while that is stopped with no answer at
// all (the connection is closed: the browser's fetch fails on the network).
// It reports false when it dropped the request.
func (s *testSite) serve(w http.ResponseWriter, r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		s.pages.ServeHTTP(w, r)
		return true
	}
	s.serverMu.RLock()
	defer s.serverMu.RUnlock()
	if s.live == nil {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		} else {
			panic(http.ErrAbortHandler) // closes the connection all the same
		}
		return false
	}
	s.live.handler.ServeHTTP(w, r)
	return true
}

// stopServer stops the message server: requests it is answering finish,
// its store is closed, and from then on every /v1/ request gets no answer.
func (s *testSite) stopServer(t *testing.T) {
	t.Helper()
	s.serverMu.RLock()
	if s.live != nil {
		// Streams hold the lock for reading while they last: end them (and
		// refuse new ones) first, as a shutdown does.
		s.live.svc.Server().CloseStreams()
	}
	s.serverMu.RUnlock()
	s.serverMu.Lock()
	live := s.live
	s.live = nil
	s.serverMu.Unlock()
	require.NotNil(t, live, "the message server is not running")
	require.NoError(t, live.Close())
}

// startServer starts the message server again on the same data directory:
// a new store on the same database file, a new server, the seed loaded again.
func (s *testSite) startServer(t *testing.T) {
	t.Helper()
	started, err := openSite(context.Background(), s.opts)
	require.NoError(t, err)
	s.serverMu.Lock()
	defer s.serverMu.Unlock()
	if s.live != nil {
		started.Close()
		require.Fail(t, "the message server is already running")
	}
	s.live, s.site = started, started
}

// shiftServerClock sets the message server's clock to d ahead of (negative:
// behind) the clock it was started with, until the next call;
// shiftServerClock(0) puts it back. It does not add up: each call replaces
// the shift.
func (s *testSite) shiftServerClock(d time.Duration) { s.clockShift.Store(int64(d)) }

// dbPath is the message server's database file.
func (s *testSite) dbPath() string { return filepath.Join(s.opts.DataDir, "roost.db") }

// count returns how many recorded browser-side requests match.
func (s *testSite) count(match func(clientRequest) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if match(r) {
			n++
		}
	}
	return n
}

// api calls the send-side API with the App API key and decodes the JSON answer.
func (s *testSite) api(t *testing.T, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	return browsertest.API(t, s.URL, key, method, path, body)
}

// newBrowser starts headless Chromium for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.NewBrowser(t)
}

const seedSend = `{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},"message_data":{"order_id":"ORD-5678","tracking_url":"https://track.example.com/5678","product_name":"Blue Widget"}}`

// TestThinSlice follows one message from the send API to the page and back.
func TestThinSlice(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)

	// A wrong key is refused with the seed docs' error shape.
	status, body := s.api(t, "POST", "/v1/send/inbox_message", "wrong", seedSend)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.NotEmpty(t, body["meta"].(map[string]any)["error"])

	// The page loads, identifies user_123 and opens an inbox view on "orders".
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("inbox-empty").hidden === false && !!window.shopInbox`,
		chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)

	// The seed docs' exact request, sent while the page is open.
	status, body = s.api(t, "POST", "/v1/send/inbox_message", "test-key", seedSend)
	require.Equal(t, http.StatusOK, status, body)
	deliveryID, _ := body["delivery_id"].(string)
	require.NotEmpty(t, deliveryID)
	queuedAt, ok := body["queued_at"].(float64)
	require.True(t, ok, "queued_at is a number")
	assert.Equal(t, float64(int64(queuedAt)), queuedAt, "queued_at is an integer")

	// Within the poll interval the runtime renders it into the page's inbox.
	title, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.querySelector("#inbox-list .title") || {}).textContent`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, "Order #ORD-5678 has shipped!", title)
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#inbox-list .body").textContent`))
	require.NoError(t, err)
	assert.Equal(t, "Hi Ada, track Blue Widget at https://track.example.com/5678", text)
	badge, err := chromedp.Run(ctx, chromedp.Poll[string](`!document.getElementById("badge").hidden && document.getElementById("badge").textContent`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, "1", badge, "the unread badge counts the message")
	unopened, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.shopInbox.totalUnopened()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 1, unopened)
	gotID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.shopInbox.messages().then(ms => ms[0].deliveryId)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, deliveryID, gotID)

	// Page JS marks it opened: the count drops at once and the server records it.
	unopened, err = chromedp.Run(ctx, chromedp.Evaluate[int](
		`window.shopInbox.messages().then(ms => ms[0].markOpened()).then(() => window.shopInbox.totalUnopened())`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 0, unopened)
	require.Eventually(t, func() bool {
		status, body := s.api(t, "GET", "/v1/deliveries/"+deliveryID, "test-key", "")
		return status == http.StatusOK && body["opened"] == true
	}, 10*time.Second, 20*time.Millisecond, "the server records the open")
	badgeHidden, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("badge").hidden`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
	assert.True(t, badgeHidden, "the unread badge is gone")

	// Every browser-side request carried user_123's signature.
	signature := signIdentityForTest(s, "user_123")
	assert.Positive(t, s.count(func(r clientRequest) bool { return true }))
	assert.Zero(t, s.count(func(r clientRequest) bool { return r.user != "user_123" || r.signature != signature || r.status >= 400 }),
		"every poll and event post is user_123's, signed, and accepted")
}

// signIdentityForTest is what the site's backend would give a page logged in as user.
func signIdentityForTest(s *testSite, user string) string {
	return server.SignIdentity(s.site.siteSecret, user)
}

// TestPageCannotReadAnotherPersonsMessages: a page that identifies someone
// else with its own signature is refused, sees none of their messages, and
// the runtime does not keep asking.
func TestPageCannotReadAnotherPersonsMessages(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)

	// A message for user_456, and one for user_123 (so user_123's tab polls in the active tier).
	other := s.sendInbox(t, strings.Replace(seedSend, `"user_123"`, `"user_456"`, 1))
	own := s.sendInbox(t, seedSend)

	// The page is logged in as user_123 and has user_123's signature.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
	session, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`window.shopSession`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, "user_123", session["user"])
	require.Equal(t, signIdentityForTest(s, "user_123"), session["signature"])
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector("#inbox-list .title") || {}).textContent === "Order #ORD-5678 has shipped!"`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "user_123 sees their own message")

	// Its script tries to read user_456's inbox with user_123's signature.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.refusals = [];
		window.seen = [];
		analytics.on("identity-error", e => window.refusals.push(e));
		window.otherInbox = analytics.inbox();
		const record = ms => ms.forEach(m => window.seen.push(m.deliveryId));
		window.otherInbox.onUpdates(record);
		window.shopInbox.onUpdates(record);
		analytics.identify("user_456", {}, {signature: `+strconv.Quote(session["signature"])+`});
		return true;
	})()`))
	require.NoError(t, err)
	refusal, err := chromedp.Run(ctx, chromedp.Poll[map[string]any](`window.refusals.length > 0 && window.refusals[0]`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the page hears that the identity was refused")
	assert.Equal(t, "user_456", refusal["user"])
	assert.Equal(t, float64(http.StatusForbidden), refusal["status"])
	assert.Contains(t, refusal["error"], "does not match")
	refused := func(r clientRequest) bool { return r.user == "user_456" && r.status == http.StatusForbidden }
	assert.Equal(t, 1, s.count(refused))

	// A second tab of user_123 shares the runtime and polls every 150 ms:
	// while it polls ten times more, the refused identity is never tried again.
	tab2, cancelTab2 := chromedp.NewContext(ctx)
	defer cancelTab2()
	require.NoError(t, chromedp.Do(tab2, chromedp.Navigate(s.URL+headlessPage)))
	ownPolls := func(r clientRequest) bool {
		return r.user == "user_123" && r.path == "/v1/client/poll" && r.status < 400
	}
	target := s.count(ownPolls) + 10
	require.Eventually(t, func() bool { return s.count(ownPolls) >= target }, 20*time.Second, 20*time.Millisecond)
	assert.Equal(t, 1, s.count(refused), "no retry with the refused signature")
	assert.Zero(t, s.count(func(r clientRequest) bool { return r.user == "user_456" && r.status < 400 }), "the server gave out nothing of user_456's")

	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.seen`))
	require.NoError(t, err)
	assert.NotContains(t, seen, other, "user_456's message never reached the page")
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.otherInbox.messages().then(ms => ms.map(m => m.deliveryId))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Empty(t, ids)
	ownIDs, err := chromedp.Run(tab2, chromedp.Poll[[]string](`window.shopInbox.messages().then(ms => ms.length > 0 && ms.map(m => m.deliveryId))`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, []string{own}, ownIDs, "the other tab shows user_123's own message only")

	// Had the page user_456's real signature, it would see the message: the
	// refusal above is the signature's doing, and identifying again resumes.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`!!analytics.identify("user_456", {}, {signature: `+strconv.Quote(signIdentityForTest(s, "user_456"))+`})`))
	require.NoError(t, err)
	got, err := chromedp.Run(ctx, chromedp.Poll[string](`window.seen.includes("`+other+`") && "`+other+`"`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, other, got)
}
