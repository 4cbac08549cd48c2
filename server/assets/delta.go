package assets

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"math/bits"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Compression Dictionary Transport (RFC 9842): every roost.wasm response
// names itself a dictionary for the next version's URL (Use-As-Dictionary),
// so that after a deploy a returning browser asks for the new module with
// the SHA-256 of the one it has (Available-Dictionary) and takes dcz
// (Accept-Encoding). When Options.Deltas holds the delta from that module
// to the one served, the answer is the delta: a few kB where the whole
// module in brotli is about 1 MB.

// moduleFile is the runtime's WebAssembly module: the one file that is
// offered as a dictionary and sent as a delta.
const moduleFile = "roost.wasm"

// dczCoding is the content coding of a delta: zstd with a raw dictionary,
// behind dczMagic and the dictionary's SHA-256.
const dczCoding = "dcz"

// dczMagic opens every dcz body (RFC 9842, section 5).
var dczMagic = []byte{0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00}

// DCZWindow is the largest zstd window a browser accepts in a dcz body
// whose dictionary is dictSize bytes: 1.25 times the dictionary, rounded
// up to a power of two, within 8 MB and 128 MB (RFC 9842; Chromium's
// net/filter/zstd_source_stream.cc refuses a frame with a larger window).
func DCZWindow(dictSize int) int {
	n := dictSize * 5 / 4
	log := 0
	if n > 1 {
		log = bits.Len(uint(n - 1))
	}
	return 1 << min(max(log, 23), 27)
}

// EncodeDelta returns module as a dcz body against dictionary: dczMagic,
// the dictionary's SHA-256, then one zstd frame whose window a browser
// accepts (DCZWindow) and which references dictionary as raw content.
func EncodeDelta(dictionary, module []byte) ([]byte, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithWindowSize(DCZWindow(len(dictionary))),
		zstd.WithEncoderDictRaw(0, dictionary),
		zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	sum := sha256.Sum256(dictionary)
	out := append(append(make([]byte, 0, 64<<10), dczMagic...), sum[:]...)
	return enc.EncodeAll(module, out), nil
}

// DecodeDelta returns the content of the dcz body delta made against
// dictionary (EncodeDelta), or why it is not one.
func DecodeDelta(dictionary, delta []byte) ([]byte, error) {
	sum := sha256.Sum256(dictionary)
	head := append(append([]byte(nil), dczMagic...), sum[:]...)
	if !bytes.HasPrefix(delta, head) {
		return nil, errors.New("assets: not a dcz body of this dictionary")
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(0, dictionary),
		zstd.WithDecoderMaxWindow(uint64(DCZWindow(len(dictionary)))), zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	return dec.DecodeAll(delta[len(head):], nil)
}

// Deltas holds the deltas to the served module from earlier ones, by the
// SHA-256 of the earlier module (the dictionary a browser names). Safe for
// concurrent use; the zero value is not: use NewDeltas.
type Deltas struct {
	mu     sync.RWMutex
	byDict map[[32]byte]*delta
}

// delta is one dcz body and what it decodes to.
type delta struct {
	body   []byte
	etag   string   // strong, its own: not the module's
	module [32]byte // the SHA-256 of the module it decodes to
}

// NewDeltas returns an empty Deltas.
func NewDeltas() *Deltas {
	return &Deltas{byDict: map[[32]byte]*delta{}}
}

// Add computes the delta from earlier to module and keeps it, and returns
// its size. A handler serves it only while module is the one it serves.
func (d *Deltas) Add(earlier, module []byte) (int, error) {
	body, err := EncodeDelta(earlier, module)
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256(body)
	dl := &delta{body: body, etag: `"dcz-` + hex.EncodeToString(sum[:16]) + `"`, module: sha256.Sum256(module)}
	d.mu.Lock()
	d.byDict[sha256.Sum256(earlier)] = dl
	d.mu.Unlock()
	return len(body), nil
}

// Len returns how many deltas d holds.
func (d *Deltas) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.byDict)
}

// find returns the delta from the dictionary whose SHA-256 is dict to the
// module whose SHA-256 is module, or nil.
func (d *Deltas) find(dict, module [32]byte) *delta {
	if d == nil {
		return nil
	}
	d.mu.RLock()
	dl := d.byDict[dict]
	d.mu.RUnlock()
	if dl == nil || dl.module != module {
		return nil
	}
	return dl
}

// dictionaryMatch is the Use-As-Dictionary match pattern for a module
// asked for with r, as a structured-field string's content: the path the
// browser asked for (r.RequestURI, before any StripPrefix) with
// URLPattern's special characters escaped, then "?*", any search, so that
// the next version's ?v= URL matches too.
func dictionaryMatch(r *http.Request) string {
	p := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.EscapedPath() != "" {
		p = u.EscapedPath()
	}
	var b strings.Builder
	for _, c := range p {
		if strings.ContainsRune(`\:*?+(){}`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	pattern := b.String() + "?*"
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(pattern)
}

// availableDictionary returns the SHA-256 an Available-Dictionary header
// names (a structured-field byte sequence, ":base64:"), or false.
func availableDictionary(header string) ([32]byte, bool) {
	var sum [32]byte
	v := strings.TrimSpace(header)
	if len(v) < 2 || v[0] != ':' || v[len(v)-1] != ':' {
		return sum, false
	}
	b, err := base64.StdEncoding.DecodeString(v[1 : len(v)-1])
	if err != nil || len(b) != len(sum) {
		return sum, false
	}
	copy(sum[:], b)
	return sum, true
}

// dictionaryHeaders names the module a dictionary for the next version
// (Use-As-Dictionary, with the build's version as its id) on every answer
// for it, which varies with the dictionary a browser names.
func (h *handler) dictionaryHeaders(w http.ResponseWriter, r *http.Request, version string) {
	w.Header().Set("Use-As-Dictionary", `match="`+dictionaryMatch(r)+`", id=`+strconv.Quote(version))
	w.Header().Add("Vary", "Available-Dictionary")
}

// serveModule serves the delta to the module when the request names an
// earlier module that h holds a delta from (Available-Dictionary) and takes
// dcz, and returns true. Otherwise (a HEAD, a Range, no delta) the module
// is served as any file.
func (h *handler) serveModule(w http.ResponseWriter, r *http.Request) bool {
	if h.deltas == nil || r.Method != http.MethodGet || r.Header.Get("Range") != "" ||
		!acceptsEncoding(r.Header.Get("Accept-Encoding"), dczCoding) {
		return false
	}
	dict, ok := availableDictionary(r.Header.Get("Available-Dictionary"))
	if !ok {
		return false
	}
	version := h.version()
	module, ok := h.moduleSum(version)
	if !ok {
		return false
	}
	dl := h.deltas.find(dict, module)
	if dl == nil {
		return false
	}
	h.fileHeaders(w, r, moduleFile, version)
	hd := w.Header()
	hd.Set("Content-Encoding", dczCoding)
	hd.Set("ETag", dl.etag)
	hd.Set("Content-Length", strconv.Itoa(len(dl.body)))
	http.ServeContent(w, r, moduleFile, time.Time{}, bytes.NewReader(dl.body))
	return true
}

// moduleSum returns the SHA-256 of the module h serves at version,
// computed once per version, or false when it cannot be read.
func (h *handler) moduleSum(version string) ([32]byte, bool) {
	if v, ok := h.moduleSums.Load(version); ok && version != "" {
		return v.([32]byte), true
	}
	b, err := fs.ReadFile(h.fsys, moduleFile)
	if err != nil {
		return [32]byte{}, false
	}
	sum := sha256.Sum256(b)
	h.moduleSums.Store(version, sum)
	return sum, true
}
