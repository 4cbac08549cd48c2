// Package browsertest is what the browser tests share: the runtime built as
// `make runtime` builds it, and headless Chromium started for one test.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/server/assets"
	"github.com/stretchr/testify/require"
)

var (
	runtimeOnce sync.Once
	runtimeDir  string
	runtimeErr  error
)

// Runtime builds the browser runtime once per test binary, as `make runtime`
// does (versioned and precompressed: the browser gets roost-worker.js?v=...,
// roost.wasm?v=... and brotli), into a temporary directory it returns.
func Runtime(t testing.TB) string {
	t.Helper()
	runtimeOnce.Do(func() { runtimeDir, runtimeErr = build() })
	require.NoError(t, runtimeErr)
	return runtimeDir
}

// build builds the runtime into a new temporary directory.
func build() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "roost-runtime-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-gcflags=all=-l", "-gcflags=runtime=-l -B", // the Makefile's RUNTIME_GCFLAGS
		"-o", filepath.Join(dir, "roost.wasm"), "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{string(out), err}
	}
	// as make runtime does: the module's data in one segment
	cmd = exec.Command("go", "run", "./tools/wasmpack", filepath.Join(dir, "roost.wasm"))
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{string(out), err}
	}
	copies := map[string]string{filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"): "wasm_exec.js"}
	for _, name := range assets.BuiltFiles() { // the rest are js/'s, as make runtime copies them
		if name != "roost.wasm" && name != "wasm_exec.js" {
			copies[filepath.Join(root, "js", name)] = name
		}
	}
	for src, dst := range copies {
		b, err := os.ReadFile(src)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			return "", err
		}
	}
	cmd = exec.Command("go", "run", "./tools/precompress", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{string(out), err}
	}
	return dir, nil
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "building the runtime: " + e.err.Error() + "\n" + e.out }

// Chromium finds Chromium; without it the test fails when
// ROOST_BROWSER_TESTS=require (as in `make test`) and is skipped otherwise.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("ROOST_BROWSER_TESTS") == "require" {
		t.Fatal("Chromium is not installed: `make test` installs it as root, or install the chromium package")
	}
	t.Skip("Chromium is not installed; `make test` runs the browser tests")
	return ""
}

// NewBrowser starts headless Chromium with a new profile for one test and
// returns its first tab, whose actions time out after a minute. opts are
// added to the allocator's.
func NewBrowser(t testing.TB, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	all := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(all, opts...)...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx)) // start the browser without a timeout
	tctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	return tctx
}

// Median is the median of f over xs (0 for none).
func Median[T any](xs []T, f func(T) float64) float64 {
	vs := make([]float64, 0, len(xs))
	for _, x := range xs {
		vs = append(vs, f(x))
	}
	if len(vs) == 0 {
		return 0
	}
	slices.Sort(vs)
	if len(vs)%2 == 0 {
		return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	return vs[len(vs)/2]
}

// LoadAverage is the machine's 1-minute load average, where Linux tells it.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// StatusRecorder is an http.ResponseWriter that keeps the status its
// handler wrote (200 when it wrote none: set Status to that first).
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// WriteHeader keeps the status and writes it.
func (w *StatusRecorder) WriteHeader(status int) {
	w.Status = status
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *StatusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// API calls a Roost server's send-side API at base with the App API key
// and returns the answer's status and its body decoded as a JSON object.
func API(t *testing.T, base, key, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), "%s %s: %s", method, path, raw)
	return res.StatusCode, out
}

// FakeRuntime returns the directory of a stand-in for a built runtime:
// every file a build has, holding a placeholder, for tests that need the
// files served but never run.
func FakeRuntime(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range assets.BuiltFiles() {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("/* "+name+" */"), 0o644))
	}
	return dir
}
