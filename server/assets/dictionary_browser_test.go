package assets_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/server/assets"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/service"
)

// moduleRequest is one request for roost.wasm and what went back.
type moduleRequest struct {
	url, acceptEncoding, availableDictionary string
	status                                   int
	contentEncoding, useAsDictionary         string
	bytes                                    int // of the body, as sent
}

// moduleRecorder records the requests for roost.wasm that pass through it.
type moduleRecorder struct {
	http.ResponseWriter
	status int
	n      int
}

func (m *moduleRecorder) WriteHeader(status int) {
	m.status = status
	m.ResponseWriter.WriteHeader(status)
}

func (m *moduleRecorder) Write(p []byte) (int, error) {
	n, err := m.ResponseWriter.Write(p)
	m.n += n
	return n, err
}

// copyRuntime copies the built runtime in src to a new directory.
func copyRuntime(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
		}
	}
	return dst
}

// nextBuild makes, from the runtime in dir, the next build of version: its
// module with a custom section appended (a valid module of other bytes),
// roost.js naming the new version, and no compressed copies of either.
// It returns the new build's directory and module.
func nextBuild(t *testing.T, dir, version string) (string, []byte) {
	t.Helper()
	next := copyRuntime(t, dir)
	module, err := os.ReadFile(filepath.Join(dir, "roost.wasm"))
	require.NoError(t, err)
	name := "roost-next-build"
	payload := bytes.Repeat([]byte("B"), 64)
	section := append([]byte{byte(len(name))}, name...)
	section = append(section, payload...)
	module = append(append(append(module, 0), byte(len(section))), section...) // id 0, its size (< 128: one LEB128 byte)
	require.NoError(t, os.WriteFile(filepath.Join(next, "roost.wasm"), module, 0o644))
	old := assets.Version(os.DirFS(dir))
	require.NotEmpty(t, old, "the runtime is versioned")
	shim, err := os.ReadFile(filepath.Join(dir, "roost.js"))
	require.NoError(t, err)
	require.Equal(t, 1, bytes.Count(shim, []byte(`"`+old+`"`)), "roost.js names its version once")
	require.NoError(t, os.WriteFile(filepath.Join(next, "roost.js"), bytes.ReplaceAll(shim, []byte(`"`+old+`"`), []byte(`"`+version+`"`)), 0o644))
	// Served with Last-Modified (whole seconds): newer than the first's.
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(next, "roost.js"), later, later))
	require.NoError(t, os.WriteFile(filepath.Join(next, "version"), []byte(version+"\n"), 0o644))
	for _, f := range []string{"roost.wasm.br", "roost.wasm.gz", "roost.js.br", "roost.js.gz"} {
		require.NoError(t, os.Remove(filepath.Join(next, f)))
	}
	return next, module
}

// TestModuleUpdate_ChromiumDownloadsTheDelta: a returning visitor's
// Chromium keeps the module of build A as a dictionary (Use-As-Dictionary)
// and, once the server runs build B on the same database, asks for B's
// module naming A's (Available-Dictionary), gets the dcz delta, a few
// hundred bytes instead of about 1 MB, and the runtime works: a message
// sent after the update reaches the page. The page is on the Roost
// server's own origin, http://127.0.0.1 (direct mode); the module is
// fetched by the runtime's SharedWorker.
func TestModuleUpdate_ChromiumDownloadsTheDelta(t *testing.T) {
	testModuleUpdate(t, false)
}

// TestModuleUpdate_FrameModeDownloadsTheWholeModule: in frame mode (the
// runtime in the Roost server's frame, http://localhost, in a page of
// another site, http://127.0.0.1) Chromium uses no dictionary: it allows
// one only where the frame has full (unpartitioned) cookie access
// (services/network/shared_dictionary/shared_dictionary_access_checker.cc:
// IsFullCookieAccessAllowed), which a third-party frame lacks here
// (document.hasStorageAccess() is false). B's module is downloaded whole,
// and the runtime works. Should Chromium start naming a dictionary there,
// the delta must then be what it gets.
func TestModuleUpdate_FrameModeDownloadsTheWholeModule(t *testing.T) {
	testModuleUpdate(t, true)
}

// testModuleUpdate is TestModuleUpdate_ChromiumDownloadsTheDelta, or in
// frame mode when frame is set, TestModuleUpdate_FrameModeDownloadsTheWholeModule.
func testModuleUpdate(t *testing.T, frame bool) {
	browser := browsertest.NewBrowser(t)
	dirA := copyRuntime(t, browsertest.Runtime(t))
	moduleA, err := os.ReadFile(filepath.Join(dirA, "roost.wasm"))
	require.NoError(t, err)
	versionA := assets.Version(os.DirFS(dirA))
	versionB := "bbbbbbbbbbbbbbbb"
	dirB, moduleB := nextBuild(t, dirA, versionB)

	ln := listen(t)
	url := "http://" + ln.Addr().String()
	pageURL := url + "/"
	var origins []string
	if frame {
		url = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		sh := reserveShop(t)
		sh.open(t, url+"/roost/roost.js", policy(url), nil)
		pageURL, origins = sh.URL+"/", []string{sh.URL}
	}
	db := filepath.Join(t.TempDir(), "roost.db")
	var current atomic.Pointer[service.Service]
	var mu sync.Mutex
	var modules []moduleRequest
	pages := (&shop{URL: url}).serve(t, "/roost/roost.js", directPolicy, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc := current.Load()
		if strings.HasSuffix(r.URL.Path, "/roost.js") {
			// The visitor returns once the tag file's 5 minutes are over.
			svc.Handler().ServeHTTP(revalidated{w}, r)
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/roost.wasm") {
			svc.Handler().ServeHTTP(w, r)
			return
		}
		rec := &moduleRecorder{ResponseWriter: w, status: http.StatusOK}
		svc.Handler().ServeHTTP(rec, r)
		mu.Lock()
		modules = append(modules, moduleRequest{r.URL.String(), r.Header.Get("Accept-Encoding"), r.Header.Get("Available-Dictionary"),
			rec.status, w.Header().Get("Content-Encoding"), w.Header().Get("Use-As-Dictionary"), rec.n})
		mu.Unlock()
	}))
	hs := &http.Server{Handler: pages}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	open := func(dir string) *service.Service {
		svc, err := service.Open(service.Config{DB: db, RuntimeDir: dir,
			Sites:   []httpapi.Site{{ID: siteID, IdentitySecret: siteSecret, Origins: origins}},
			APIKeys: []string{apiKey}, SendRateLimit: -1, NoStreams: true,
			TierActive: 150 * time.Millisecond, TierInactive: 400 * time.Millisecond, TierLow: 800 * time.Millisecond})
		require.NoError(t, err)
		t.Cleanup(func() { svc.Server().CloseStreams(); svc.Close() })
		return svc
	}
	requested := func(version string) []moduleRequest {
		mu.Lock()
		defer mu.Unlock()
		var out []moduleRequest
		for _, m := range modules {
			if strings.HasSuffix(m.url, "?v="+version) {
				out = append(out, m)
			}
		}
		return out
	}
	send := func(order string) string {
		status, out := browsertest.API(t, url, apiKey, "POST", "/v1/send/inbox_message",
			`{"transactional_message_id":"order_shipped","identifiers":{"id":"`+user+`"},"message_data":{"order_id":"`+order+`"}}`)
		require.Equal(t, http.StatusOK, status, "%v", out)
		return out["delivery_id"].(string)
	}

	// Build A: the first visit downloads its module whole, named a dictionary.
	current.Store(open(dirA))
	status, out := browsertest.API(t, url, apiKey, "POST", "/v1/transactional", `{"id":1,"name":"Order shipped","trigger_name":"order_shipped","channel":"inbox",
		"content":{"title":"Order #{{trigger.order_id}} has shipped!","body":"Hi"}}`)
	require.Equal(t, http.StatusCreated, status, "%v", out)
	first := send("ORD-1")
	tab := openTab(t, browser, pageURL)
	waitShown(t, tab, first)
	if frame {
		frames := targets(t, tab, "iframe", "roost-frame.html")
		require.Len(t, frames, 1)
		inFrame, cancelFrame := chromedp.NewContext(tab, chromedp.WithTargetID(frames[0].TargetID))
		t.Cleanup(cancelFrame)
		access, err := chromedp.Run(inFrame, chromedp.Evaluate[bool](`document.hasStorageAccess()`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		t.Logf("the frame's document.hasStorageAccess(): %v", access)
	}
	gotA := requested(versionA)
	require.Len(t, gotA, 1, "the worker fetched build A's module once")
	assert.Equal(t, "br", gotA[0].contentEncoding)
	assert.Equal(t, `match="/roost/roost.wasm?*", id="`+versionA+`"`, gotA[0].useAsDictionary)
	t.Logf("build A: roost.wasm?v=%s, %d bytes in brotli; Accept-Encoding %q", versionA, gotA[0].bytes, gotA[0].acceptEncoding)

	// Every tab closes (the SharedWorker with them) and the server is
	// replaced by build B, on the same database.
	blank, cancelBlank := chromedp.NewContext(browser)
	t.Cleanup(cancelBlank)
	require.NoError(t, chromedp.Do(blank)) // a blank tab keeps the browser open
	require.NoError(t, chromedp.Cancel(tab))
	require.Eventually(t, func() bool { return len(targets(t, blank, "shared_worker", "roost-worker.js")) == 0 },
		10*time.Second, 20*time.Millisecond, "the runtime's SharedWorker ended with its last tab")
	old := current.Load()
	old.Server().CloseStreams()
	require.NoError(t, old.Close())
	svcB := open(dirB)
	sumA := sha256.Sum256(moduleA)
	knownA := ":" + base64.StdEncoding.EncodeToString(sumA[:]) + ":"
	require.Eventually(t, func() bool {
		r := httptest.NewRequest("GET", "/roost/roost.wasm?v="+versionB, nil)
		r.Header.Set("Accept-Encoding", "dcz")
		r.Header.Set("Available-Dictionary", knownA)
		w := httptest.NewRecorder()
		svcB.Handler().ServeHTTP(w, r)
		return w.Header().Get("Content-Encoding") == "dcz"
	}, 30*time.Second, 20*time.Millisecond, "build B computed its delta from build A's module")
	current.Store(svcB)

	// The returning visitor: the worker asks for B's module (in direct
	// mode with A's as its dictionary, and gets the delta); the runtime runs.
	second := send("ORD-2")
	tab = openTab(t, browser, pageURL)
	waitShown(t, tab, second+","+first)
	gotB := requested(versionB)
	require.Len(t, gotB, 1, "the worker fetched build B's module once")
	t.Logf("build B: roost.wasm?v=%s: Available-Dictionary %q, Accept-Encoding %q; answered %d, Content-Encoding %q, %d bytes (the module: %d raw, build A's in brotli %d)",
		versionB, gotB[0].availableDictionary, gotB[0].acceptEncoding, gotB[0].status, gotB[0].contentEncoding, gotB[0].bytes, len(moduleB), gotA[0].bytes)
	if frame && gotB[0].availableDictionary == "" {
		assert.Empty(t, gotB[0].contentEncoding, "no dictionary named: the whole module (raw in this build)")
		assert.Equal(t, len(moduleB), gotB[0].bytes)
		return
	}
	assert.Equal(t, knownA, gotB[0].availableDictionary, "Chromium named build A's module as its dictionary")
	assert.Contains(t, gotB[0].acceptEncoding, "dcz")
	assert.Equal(t, "dcz", gotB[0].contentEncoding)
	assert.Less(t, gotB[0].bytes, gotA[0].bytes/50, "the delta is small: under 2%% of the whole module in brotli")
	assert.Equal(t, `match="/roost/roost.wasm?*", id="`+versionB+`"`, gotB[0].useAsDictionary, "B's module is the next dictionary")

	// Chromium's own account, in the worker: the module came as dcz, few
	// bytes on the wire, B's whole module once decoded.
	workers := targets(t, tab, "shared_worker", "roost-worker.js?v="+versionB)
	require.Len(t, workers, 1, "build B's SharedWorker")
	worker, cancelWorker := chromedp.NewContext(tab, chromedp.WithTargetID(workers[0].TargetID))
	t.Cleanup(cancelWorker)
	timing, err := chromedp.Run(worker, chromedp.Evaluate[[]map[string]any](`performance.getEntriesByType("resource").filter(e => e.name.includes("roost.wasm")).map(e => ({
		name: e.name, encoded: e.encodedBodySize, decoded: e.decodedBodySize, transfer: e.transferSize, encoding: e.contentEncoding ?? "(no contentEncoding)"}))`))
	require.NoError(t, err)
	t.Logf("the worker's resource timing: %v", timing)
	require.Len(t, timing, 1)
	assert.Equal(t, "dcz", timing[0]["encoding"])
	assert.Equal(t, float64(gotB[0].bytes), timing[0]["encoded"], "the body on the wire is the delta")
	assert.Equal(t, float64(len(moduleB)), timing[0]["decoded"], "decoded: build B's module")
	assert.Equal(t, url+"/roost/roost.wasm?v="+versionB, timing[0]["name"])
}

// revalidated answers with Cache-Control: no-cache, as if the browser's
// copy of the answer were older than its max-age.
type revalidated struct{ http.ResponseWriter }

func (w revalidated) WriteHeader(status int) {
	w.Header().Set("Cache-Control", "no-cache")
	w.ResponseWriter.WriteHeader(status)
}

func (w revalidated) Write(b []byte) (int, error) {
	w.Header().Set("Cache-Control", "no-cache")
	return w.ResponseWriter.Write(b)
}
