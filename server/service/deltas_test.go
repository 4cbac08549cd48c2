package service_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/server/assets"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/service"
)

// versionedRuntime returns a stand-in for a built runtime of version whose
// module is module.
func versionedRuntime(t *testing.T, version string, module []byte) string {
	t.Helper()
	dir := browsertest.FakeRuntime(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "version"), []byte(version+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "roost.wasm"), module, 0o644))
	return dir
}

// TestService_DeltaFromTheModuleServedBefore: a service remembers the
// module it serves in its database; the next one on the same database,
// with a new build, computes the delta from it and sends it to a browser
// that names the earlier module (Available-Dictionary) and takes dcz.
func TestService_DeltaFromTheModuleServedBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	earlier := make([]byte, 300_000)
	for i := range earlier {
		earlier[i] = byte(rng.UintN(256))
	}
	module := append(append([]byte(nil), earlier[:150_000]...), append([]byte("one change"), earlier[150_000:]...)...)
	db := filepath.Join(t.TempDir(), "roost.db")
	open := func(dir string, log io.Writer) *service.Service {
		svc, err := service.Open(service.Config{DB: db, RuntimeDir: dir, Logger: slog.New(slog.NewTextHandler(log, nil)),
			Sites: []httpapi.Site{{ID: testSite, IdentitySecret: testSecret}}, APIKeys: []string{testKey}})
		require.NoError(t, err)
		return svc
	}
	first := &syncBuffer{}
	svc := open(versionedRuntime(t, "aaaa", earlier), first)
	assert.Contains(t, first.String(), "runtime deltas: no earlier module remembered")
	require.NoError(t, svc.Close())

	log := &syncBuffer{}
	svc = open(versionedRuntime(t, "bbbb", module), log)
	get := func(version string, dictionary []byte) *httptest.ResponseRecorder {
		sum := sha256.Sum256(dictionary)
		r := httptest.NewRequest("GET", "/roost/roost.wasm?v="+version, nil)
		r.Header.Set("Accept-Encoding", "gzip, br, zstd, dcb, dcz")
		r.Header.Set("Available-Dictionary", ":"+base64.StdEncoding.EncodeToString(sum[:])+":")
		w := httptest.NewRecorder()
		svc.Handler().ServeHTTP(w, r)
		return w
	}
	var w *httptest.ResponseRecorder
	require.Eventually(t, func() bool {
		w = get("bbbb", earlier)
		return w.Header().Get("Content-Encoding") == "dcz"
	}, 20*time.Second, 10*time.Millisecond, "the delta from the earlier module is served once computed")
	require.Equal(t, http.StatusOK, w.Code)
	got, err := assets.DecodeDelta(earlier, w.Body.Bytes())
	require.NoError(t, err)
	assert.True(t, bytes.Equal(module, got), "the delta decodes to the new module")
	assert.Less(t, w.Body.Len(), 10_000, "a delta of a 10-byte change is small")
	require.Eventually(t, func() bool { return strings.Contains(log.String(), "runtime deltas ready") },
		5*time.Second, 10*time.Millisecond)
	assert.Contains(t, log.String(), "earlier=1 deltas=1")
	assert.Contains(t, log.String(), "delta_bytes=aaaa:")
	require.NoError(t, svc.Close())

	// A deploy that changed the scripts only: a new version, the same
	// module. A browser that has it under the old version's URL gets it
	// again as a delta from itself.
	log = &syncBuffer{}
	svc = open(versionedRuntime(t, "cccc", module), log)
	defer svc.Close()
	require.Eventually(t, func() bool {
		w = get("cccc", module)
		return w.Header().Get("Content-Encoding") == "dcz"
	}, 20*time.Second, 10*time.Millisecond, "the delta from the same module is served once computed")
	got, err = assets.DecodeDelta(module, w.Body.Bytes())
	require.NoError(t, err)
	assert.True(t, bytes.Equal(module, got))
	assert.Less(t, w.Body.Len(), 1_000, "a module from itself is a few bytes")
	require.Eventually(t, func() bool { return strings.Contains(log.String(), "runtime deltas ready") }, 20*time.Second, 10*time.Millisecond)
	w = get("cccc", earlier)
	assert.Equal(t, "dcz", w.Header().Get("Content-Encoding"), "and the build before it still has its delta")
	assert.Contains(t, log.String(), "earlier=2 deltas=2")
	assert.Contains(t, log.String(), "unchanged:")
}
