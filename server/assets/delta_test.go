package assets_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server/assets"
)

// The modules of the delta tests: the earlier build a browser has, and the
// one served (runtimeDirFixture's roost.wasm).
var (
	earlierModule = bytes.Repeat([]byte("\x00asm earlier build of the runtime; "), 200)
	servedModule  = []byte("\x00asm raw")
)

// dictionaryHeader is the Available-Dictionary header naming module.
func dictionaryHeader(module []byte) string {
	sum := sha256.Sum256(module)
	return ":" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// serveDeltas serves runtimeDirFixture with the delta from earlierModule to
// its roost.wasm, and returns the server and the fixture's directory.
func serveDeltas(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	dir := runtimeDirFixture(t)
	deltas := assets.NewDeltas()
	_, err := deltas.Add(earlierModule, servedModule)
	require.NoError(t, err)
	require.Equal(t, 1, deltas.Len())
	return serve(t, dir, assets.Options{Deltas: deltas}), dir
}

const acceptDictionaries = "gzip, deflate, br, zstd, dcb, dcz" // what Chromium sends with Available-Dictionary

func TestModule_IsADictionaryForTheNextVersion(t *testing.T) {
	ts, _ := serveDeltas(t)
	res, body := fetchRaw(t, "GET", ts.URL+"/roost/roost.wasm?v=0123456789abcdef", "gzip, br")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "wasm as brotli", body)
	assert.Equal(t, `match="/roost/roost.wasm?*", id="0123456789abcdef"`, res.Header.Get("Use-As-Dictionary"),
		"the pattern takes any search: the next version's ?v= too")
	assert.ElementsMatch(t, []string{"Accept-Encoding", "Available-Dictionary"}, res.Header.Values("Vary"))

	res, _ = fetchRaw(t, "GET", ts.URL+"/roost/roost-worker.js?v=0123456789abcdef", "br")
	assert.Empty(t, res.Header.Get("Use-As-Dictionary"), "only the module is a dictionary")
}

func TestModule_MatchFollowsTheMount(t *testing.T) {
	h, err := assets.New(os.DirFS(runtimeDirFixture(t)), assets.Options{})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/static/rt(1)/", http.StripPrefix("/static/rt(1)", h))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	res, _ := fetchRaw(t, "GET", ts.URL+"/static/rt(1)/roost.wasm", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, `match="/static/rt\\(1\\)/roost.wasm?*", id="0123456789abcdef"`, res.Header.Get("Use-As-Dictionary"),
		"the path asked for, before StripPrefix, with URLPattern's special characters escaped")
}

func TestModule_DeltaFromAKnownDictionary(t *testing.T) {
	ts, _ := serveDeltas(t)
	whole, _ := fetchRaw(t, "GET", ts.URL+"/roost/roost.wasm?v=0123456789abcdef", acceptDictionaries)
	res, body := fetchRaw(t, "GET", ts.URL+"/roost/roost.wasm?v=0123456789abcdef", acceptDictionaries,
		"Available-Dictionary", dictionaryHeader(earlierModule))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "dcz", res.Header.Get("Content-Encoding"))
	assert.Equal(t, "application/wasm", res.Header.Get("Content-Type"))
	assert.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
	assert.ElementsMatch(t, []string{"Accept-Encoding", "Available-Dictionary"}, res.Header.Values("Vary"))
	assert.Equal(t, `match="/roost/roost.wasm?*", id="0123456789abcdef"`, res.Header.Get("Use-As-Dictionary"),
		"the delta's module is the next dictionary")
	assert.Equal(t, int64(len(body)), res.ContentLength)
	require.NotEmpty(t, res.Header.Get("ETag"))
	assert.NotEqual(t, whole.Header.Get("ETag"), res.Header.Get("ETag"), "the delta has an ETag of its own")

	// The dcz body: the magic, the dictionary's SHA-256, a zstd frame made
	// with the dictionary as raw content.
	sum := sha256.Sum256(earlierModule)
	require.Greater(t, len(body), 40)
	assert.Equal(t, []byte{0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00}, []byte(body[:8]))
	assert.Equal(t, sum[:], []byte(body[8:40]))
	dec, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(0, earlierModule), zstd.WithDecoderMaxWindow(8<<20))
	require.NoError(t, err)
	defer dec.Close()
	got, err := dec.DecodeAll([]byte(body[40:]), nil)
	require.NoError(t, err)
	assert.Equal(t, servedModule, got, "the delta decodes to the module served")

	again, _ := fetchRaw(t, "GET", ts.URL+"/roost/roost.wasm?v=0123456789abcdef", acceptDictionaries,
		"Available-Dictionary", dictionaryHeader(earlierModule), "If-None-Match", res.Header.Get("ETag"))
	assert.Equal(t, http.StatusNotModified, again.StatusCode, "the delta's ETag revalidates it")
}

func TestModule_WholeWithoutAUsableDictionary(t *testing.T) {
	ts, dir := serveDeltas(t)
	known := dictionaryHeader(earlierModule)
	for _, tt := range []struct {
		name, method, accept, dictionary, rangeHeader string
	}{
		{"UnknownDictionary", "GET", acceptDictionaries, dictionaryHeader([]byte("another build")), ""},
		{"NotAByteSequence", "GET", acceptDictionaries, known[1 : len(known)-1], ""},
		{"NoDCZ", "GET", "gzip, br, zstd, dcb", known, ""},
		{"DCZRefused", "GET", acceptDictionaries + ";q=0", known, ""},
		{"Head", "HEAD", acceptDictionaries, known, ""},
		{"Range", "GET", acceptDictionaries, known, "bytes=0-3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			headers := []string{"Available-Dictionary", tt.dictionary}
			if tt.rangeHeader != "" {
				headers = append(headers, "Range", tt.rangeHeader)
			}
			res, body := fetchRaw(t, tt.method, ts.URL+"/roost/roost.wasm?v=0123456789abcdef", tt.accept, headers...)
			assert.Equal(t, "br", res.Header.Get("Content-Encoding"))
			switch {
			case tt.method == "HEAD":
				assert.Equal(t, http.StatusOK, res.StatusCode)
				assert.Empty(t, body)
			case tt.rangeHeader != "":
				assert.Equal(t, http.StatusPartialContent, res.StatusCode)
				assert.Equal(t, "wasm", body)
			default:
				assert.Equal(t, http.StatusOK, res.StatusCode)
				assert.Equal(t, "wasm as brotli", body)
			}
			assert.NotEmpty(t, res.Header.Get("Use-As-Dictionary"))
		})
	}

	// A module rebuilt while the server runs (a new version): the delta no longer decodes
	// to it, and is not sent.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "roost.wasm"), []byte("\x00asm rebuilt"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "version"), []byte("fedcba9876543210\n"), 0o644))
	res, _ := fetchRaw(t, "GET", ts.URL+"/roost/roost.wasm", acceptDictionaries, "Available-Dictionary", known)
	assert.Equal(t, "br", res.Header.Get("Content-Encoding"), "no delta to a module it was not made for")
}

func TestDCZWindow(t *testing.T) {
	assert.Equal(t, 8<<20, assets.DCZWindow(0))
	assert.Equal(t, 8<<20, assets.DCZWindow(5_500_000), "roost.wasm today: 1.25 × 5.5 MB is under 8 MB")
	assert.Equal(t, 8<<20, assets.DCZWindow(8<<20*4/5))
	assert.Equal(t, 16<<20, assets.DCZWindow(8<<20*4/5+4))
	assert.Equal(t, 128<<20, assets.DCZWindow(1<<30), "at most 128 MB")
}

func TestEncodeDelta_RoundTrip(t *testing.T) {
	delta, err := assets.EncodeDelta(earlierModule, servedModule)
	require.NoError(t, err)
	got, err := assets.DecodeDelta(earlierModule, delta)
	require.NoError(t, err)
	assert.Equal(t, servedModule, got)
	_, err = assets.DecodeDelta(servedModule, delta)
	assert.Error(t, err, "another dictionary's delta")
}
