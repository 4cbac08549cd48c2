package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/internal/pgtest"
)

// The settings the tests run roost with.
const (
	testKey    = "roost_test_api_key_3b8e41"
	testSecret = "roost_test_site_secret_c7a95f"
	testSite   = "example"
	seedPath   = "../../example-site/seed.json"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// roostBinary builds roost once for the test run and returns its path.
func roostBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "roost-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "roost")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	require.NoError(t, buildErr)
	return binary
}

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	if binary != "" {
		_ = os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// proc is a running roost serve.
type proc struct {
	t   *testing.T
	cmd *exec.Cmd
	// base and metricsBase are http://host:port of its listeners.
	base, metricsBase string
	db                string
	logs              *syncBuffer
	exited            chan struct{}
	exitErr           error
}

// servingLine is the log line that says where roost listens.
var servingLine = regexp.MustCompile(`msg="roost is serving" addr=(\S+)(?:.* metrics_addr=(\S+))?`)

// startRoost imports the example site's seed into a new database and
// serves it on a free port of 127.0.0.1, with extra flags; the process is
// killed at the end of the test if it still runs.
func startRoost(t *testing.T, extra ...string) *proc {
	t.Helper()
	db := filepath.Join(t.TempDir(), "roost.db")
	importSeed(t, db)
	return startRoostOn(t, db, append([]string{"-runtime-dir", browsertest.FakeRuntime(t), "-site", testSite}, extra...)...)
}

// importSeed imports the example site's seed into the database db.
func importSeed(t *testing.T, db string) {
	t.Helper()
	out, err := exec.Command(roostBinary(t), "templates", "-db", db, "import", seedPath).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// startRoostOn serves the database db on a free port of 127.0.0.1, with
// the test's secret and key and the flags extra (which must give -site and
// -runtime-dir); the process is killed at the end of the test if it still runs.
func startRoostOn(t *testing.T, db string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "-addr", "127.0.0.1:0", "-db", db, "-site-secret", testSecret,
		"-api-key", testKey, "-rate-limit", "-1", "-log-level", "debug"}, extra...)
	p := &proc{t: t, cmd: exec.Command(roostBinary(t), args...), db: db, logs: &syncBuffer{}, exited: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	serving := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			_, _ = p.logs.Write(append(sc.Bytes(), '\n'))
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				serving <- m
			}
		}
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	select {
	case m := <-serving:
		p.base = "http://" + m[1]
		if m[2] != "" {
			p.metricsBase = "http://" + m[2]
		}
	case <-p.exited:
		t.Fatalf("roost exited at start: %v\n%s", p.exitErr, p.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("roost did not say where it serves:\n%s", p.logs)
	}
	return p
}

// addr returns host:port of the main listener.
func (p *proc) addr() string { return strings.TrimPrefix(p.base, "http://") }

// openFDs returns the number of the process's open file descriptors; the
// test is skipped where /proc does not list them.
func (p *proc) openFDs() int {
	p.t.Helper()
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		p.t.Skipf("no /proc here to count descriptors: %v", err)
	}
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/fd")
	require.NoError(p.t, err, "roost still runs")
	return len(entries)
}

// metric returns the value of the series name (with its labels, as the
// text format writes them) scraped from url, or -1 if it is missing.
func metric(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err, line)
			return f
		}
	}
	return -1
}

// waitUntil waits for cond, checking it every few milliseconds, and fails
// the test if it does not hold within 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain until %s", what)
		}
	}
}

// isRefused reports whether err is a refused connection.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// syncBuffer is a strings.Builder safe for concurrent use, for logs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
