package assets_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser tests of frame mode: a shop's page on one origin
// (http://127.0.0.1:<port>) embeds the runtime, with one script tag, from a
// Roost server on another (http://localhost:<port>): two sites, so the
// runtime's frame is a third-party one, in a process of its own. The Roost
// server is server/service's, wired as cmd/roost runs it.

const (
	siteID     = "example"
	apiKey     = "test-key"
	siteSecret = "test-site-secret"
	user       = "user_123"
)

// roostServer is the Roost server: the message server at /v1/ and the
// runtime at /roost/, on http://localhost, and a shop's page of its own at
// / (direct mode). It records the browser-side requests (/v1/client/*) and
// the runtime files asked for.
type roostServer struct {
	URL  string      // http://localhost:<port>
	own  *shop       // the page on the server's own origin
	down atomic.Bool // while set, /v1/ requests get no answer (the connection is closed)
	// lose, when set, is a runtime file (/roost/...) the server answers 404.
	lose atomic.Pointer[string]
	// svc is the Roost server.
	svc *service.Service

	mu       sync.Mutex
	requests []clientRequest
	files    map[string][]time.Time // runtime file path -> when asked for
}

// clientRequest is one /v1/client/* request.
type clientRequest struct {
	path, user, signature string
	status                int // 0: dropped, the server was down
	at                    time.Time
}

// roostOption changes the server's settings.
type roostOption func(*service.Config)

// withTiers sets the poll tiers.
func withTiers(active, inactive, low time.Duration) roostOption {
	return func(c *service.Config) { c.TierActive, c.TierInactive, c.TierLow = active, inactive, low }
}

// withStreams has the server stream (GET /v1/client/stream) with
// heartbeat. Without it, streaming is off and the runtime polls: most
// tests here are of the poll path, which is also the stream's fallback.
func withStreams(heartbeat time.Duration) roostOption {
	return func(c *service.Config) { c.NoStreams, c.StreamHeartbeat = false, heartbeat }
}

// listen listens on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// startRoost starts the Roost server with a new store, the test's templates
// and the built runtime; its site allows the page origins allowed (and its
// own).
func startRoost(t *testing.T, allowed []string, opts ...roostOption) *roostServer {
	t.Helper()
	return startRoostDir(t, browsertest.Runtime(t), allowed, opts...)
}

// startFramed starts a shop and the Roost server that allows it, and serves
// the shop's page embedding the runtime from that server (frame mode).
func startFramed(t *testing.T, opts ...roostOption) (*roostServer, *shop) {
	t.Helper()
	sh := reserveShop(t)
	rs := startRoost(t, []string{sh.URL}, opts...)
	sh.open(t, rs.URL+"/roost/roost.js", policy(rs.URL), nil)
	return rs, sh
}

// startRoostDir is startRoost with the runtime's files from dir.
func startRoostDir(t *testing.T, dir string, allowed []string, opts ...roostOption) *roostServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	rs := &roostServer{URL: "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), files: map[string][]time.Time{}}
	cfg := service.Config{
		DB: filepath.Join(t.TempDir(), "roost.db"), RuntimeDir: dir,
		Sites:   []httpapi.Site{{ID: siteID, IdentitySecret: siteSecret, Origins: allowed}},
		APIKeys: []string{apiKey}, SendRateLimit: -1,
		TierActive: 150 * time.Millisecond, TierInactive: 400 * time.Millisecond, TierLow: 800 * time.Millisecond,
		NoStreams: true, // withStreams turns it on
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := service.Open(cfg)
	require.NoError(t, err)
	rs.svc = svc
	rs.own = &shop{URL: rs.URL}
	pages := rs.own.serve(t, "/roost/roost.js", directPolicy, svc.Handler())
	recorded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		if lost := rs.lose.Load(); lost != nil && r.URL.Path == *lost {
			http.NotFound(w, r)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/v1/client/") || r.Method == http.MethodOptions {
			if strings.HasPrefix(r.URL.Path, "/roost/") {
				rs.mu.Lock()
				rs.files[r.URL.Path] = append(rs.files[r.URL.Path], at)
				rs.mu.Unlock()
			}
			pages.ServeHTTP(w, r)
			return
		}
		rec := &browsertest.StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
		if rs.down.Load() {
			rec.Status = 0
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		} else {
			pages.ServeHTTP(rec, r)
		}
		rs.mu.Lock()
		rs.requests = append(rs.requests, clientRequest{r.URL.Path, r.Header.Get("X-Roost-User"), r.Header.Get("X-Roost-Signature"), rec.Status, at})
		rs.mu.Unlock()
	})
	hs := &http.Server{Handler: recorded}
	go hs.Serve(ln)
	t.Cleanup(func() {
		svc.Server().CloseStreams() // their connections are the server's own, not hs's
		hs.Close()
		svc.Close()
	})
	rs.api(t, "POST", "/v1/transactional", `{"id":1,"name":"Order shipped","trigger_name":"order_shipped","channel":"inbox","topics":["orders"],
		"content":{"title":"Order #{{trigger.order_id}} has shipped!","body":"Hi {{customer.first_name | default: \"there\"}}"}}`, http.StatusCreated)
	rs.api(t, "POST", "/v1/transactional", `{"id":2,"name":"Welcome","trigger_name":"welcome","channel":"in_app",
		"content":{"layout":"modal","title":"Welcome, {{trigger.name}}!","body":"Take 10% off.","actions":[{"name":"later","label":"Maybe later"}]}}`, http.StatusCreated)
	return rs
}

// api calls the send-side API and returns the decoded answer, which must have status want.
func (rs *roostServer) api(t *testing.T, method, path, body string, want int) map[string]any {
	t.Helper()
	status, out := browsertest.API(t, rs.URL, apiKey, method, path, body)
	require.Equal(t, want, status, "%s %s: %v", method, path, out)
	return out
}

// sendInbox sends user_123 an order_shipped message for order and returns its delivery id.
func (rs *roostServer) sendInbox(t *testing.T, order string) string {
	t.Helper()
	out := rs.api(t, "POST", "/v1/send/inbox_message",
		`{"transactional_message_id":"order_shipped","identifiers":{"id":"`+user+`"},"message_data":{"order_id":"`+order+`"}}`, http.StatusOK)
	return out["delivery_id"].(string)
}

// delivery returns the state of a delivery (GET /v1/deliveries/{id}).
func (rs *roostServer) delivery(t *testing.T, id string) map[string]any {
	t.Helper()
	return rs.api(t, "GET", "/v1/deliveries/"+id, "", http.StatusOK)
}

// polls returns the arrival times of the polls after from (answered or not).
func (rs *roostServer) polls(from time.Time) []time.Time {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var at []time.Time
	for _, r := range rs.requests {
		if r.path == "/v1/client/poll" && r.at.After(from) {
			at = append(at, r.at)
		}
	}
	return at
}

// count returns how many browser-side requests match.
func (rs *roostServer) count(match func(clientRequest) bool) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	n := 0
	for _, r := range rs.requests {
		if match(r) {
			n++
		}
	}
	return n
}

// asked returns when the runtime file at path (/roost/...) was asked for.
func (rs *roostServer) asked(path string) []time.Time {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]time.Time(nil), rs.files[path]...)
}

// shop is a shop's site on its own origin: one page that embeds Roost with
// one script tag, under a strict policy that names the Roost server for
// scripts, frames and styles only: no connect-src, no worker-src, no
// 'wasm-unsafe-eval'. Its report-uri records violations, and the test fails
// on any.
type shop struct {
	URL string // http://127.0.0.1:<port>
	ln  net.Listener

	mu      sync.Mutex
	reports []string
}

// policy is the shop page's Content-Security-Policy in frame mode, with
// roost the Roost server's origin.
func policy(roost string) string {
	return "default-src 'none'; script-src " + roost + "; frame-src " + roost + "; style-src " + roost +
		"; img-src " + roost + " data:; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; report-uri /csp-report"
}

// directPolicy is the policy of a page that has the runtime's files on its
// own origin (direct mode) when they are served by this package: the worker
// runs under its own policy, so the page needs no connect-src and no
// 'wasm-unsafe-eval'.
const directPolicy = "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; report-uri /csp-report"

// startShop serves the shop's page at / on a new origin, embedding the
// runtime from roost with the script tag's attributes attrs (the site id
// when empty): frame mode.
func startShop(t *testing.T, roost string, attrs ...string) *shop {
	t.Helper()
	s := reserveShop(t)
	s.open(t, roost+"/roost/roost.js", policy(roost), nil, attrs...)
	return s
}

// reserveShop takes a new origin for a shop, which serves nothing until
// open: the Roost server that allows it can be started in between.
func reserveShop(t *testing.T) *shop {
	t.Helper()
	ln := listen(t)
	t.Cleanup(func() { ln.Close() })
	return &shop{URL: "http://" + ln.Addr().String(), ln: ln}
}

// open serves the shop's page at / with the policy pagePolicy, embedding
// the runtime with a script tag of src and attrs; files, when not nil,
// serves the runtime's files at /roost/ on the same origin.
func (s *shop) open(t *testing.T, src, pagePolicy string, files http.Handler, attrs ...string) {
	t.Helper()
	var next http.Handler = http.NotFoundHandler()
	if files != nil {
		mux := http.NewServeMux()
		mux.Handle("/roost/", http.StripPrefix("/roost", files))
		next = mux
	}
	hs := &http.Server{Handler: s.serve(t, src, pagePolicy, next, attrs...)}
	go hs.Serve(s.ln)
	t.Cleanup(func() { hs.Close() })
}

// serve answers the shop's page at / and /other (with the policy
// pagePolicy, embedding the runtime with a script tag of src and attrs, the
// site id when none) and its policy's violation reports at /csp-report, and
// hands anything else to next. The test fails on any report.
func (s *shop) serve(t *testing.T, src, pagePolicy string, next http.Handler, attrs ...string) http.Handler {
	t.Helper()
	if len(attrs) == 0 {
		attrs = []string{`data-site-id="` + siteID + `"`}
	}
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="` + src + `" ` + strings.Join(attrs, " ") + `></script>
</head><body><h1>Shop</h1><ul id="inbox"></ul></body></html>`
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		assert.Empty(t, s.reports, "the shop's page broke its Content-Security-Policy")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/csp-report":
			b, _ := io.ReadAll(io.LimitReader(r.Body, 16<<10))
			s.mu.Lock()
			s.reports = append(s.reports, string(b))
			s.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		case "/", "/other":
			w.Header().Set("Content-Security-Policy", pagePolicy)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, page)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// pageScript is the shop's own page script, run in each tab before its
// scripts (so the page's policy need not allow it): it identifies user_123
// with the signature its backend would give, shows an inbox view's messages
// in #inbox, and records Roost's events and console errors. It records when
// the first message is in the page (performance.now(), ms).
func pageScript() string {
	return fmt.Sprintf(`(() => {
	if (window.top !== window) return;
	window.__events = [];
	window.__errors = [];
	window.__firstMessageAt = -1;
	const error = console.error.bind(console);
	console.error = (...args) => { window.__errors.push(args.map(String).join(" ")); error(...args); };
	document.addEventListener("DOMContentLoaded", () => {
		for (const name of ["identity-error", "message-error", "storage-error", "in-app:message-opened", "in-app:message-dismissed"]) {
			analytics.on(name, data => window.__events.push({name, data}));
		}
		analytics.identify(%q, {}, {signature: %q});
		window.shopInbox = analytics.inbox();
		window.shopInbox.onUpdates(ms => {
			document.getElementById("inbox").replaceChildren(...ms.map(m => {
				const li = document.createElement("li");
				li.textContent = m.properties.title;
				li.dataset.deliveryId = m.deliveryId;
				if (!m.opened) li.className = "unread";
				return li;
			}));
			if (ms.length > 0 && window.__firstMessageAt < 0) window.__firstMessageAt = performance.now();
		});
	});
})()`, user, server.SignIdentity(siteSecret, user))
}

// openTab opens a new tab of the browser (or uses the browser's first tab
// when browser has none yet) with the page script, and loads url.
func openTab(t *testing.T, browser context.Context, url string) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(tab)) // open the tab without a timeout first
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageScript()})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(url)))
	return tab
}

// inboxShown is what the page's #inbox list shows: each message's delivery
// id, with "+" when opened, in the list's order.
const inboxShown = `[...document.querySelectorAll("#inbox li")].map(li => li.dataset.deliveryId + (li.className ? "" : "+")).join(",")`

// waitShown waits until the page's list shows want (inboxShown's form).
func waitShown(t *testing.T, tab context.Context, want string) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Poll[bool](inboxShown+` === `+strconv.Quote(want), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		got, _ := chromedp.Run(tab, chromedp.Evaluate[string](inboxShown))
		require.NoError(t, err, "the page shows %q; it shows %q", want, got)
	}
}
