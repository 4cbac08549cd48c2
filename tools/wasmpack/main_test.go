package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// module builds a module of the given sections (id, body).
func module(sections ...[]byte) []byte {
	out := append([]byte(nil), wasmHeader...)
	for _, s := range sections {
		out = append(out, s[0])
		out = appendU32(out, uint32(len(s)-1))
		out = append(out, s[1:]...)
	}
	return out
}

// dataSec builds a data section of active segments at the given offsets.
func dataSec(segs ...segment) []byte {
	body := appendU32([]byte{dataSection}, uint32(len(segs)))
	for _, s := range segs {
		body = append(body, 0x00, 0x41)
		body = appendS32(body, int32(s.offset))
		body = append(body, 0x0b)
		body = appendU32(body, uint32(len(s.data)))
		body = append(body, s.data...)
	}
	return body
}

// memory returns the memory a module's data segments set up.
func memory(t *testing.T, b []byte) []byte {
	t.Helper()
	r := reader{b: b, i: len(wasmHeader)}
	var mem []byte
	for r.i < len(b) {
		id, size := r.byte(), r.u32()
		require.NoError(t, r.err)
		if id == dataSection {
			segs, err := parseSegments(b[r.i : r.i+int(size)])
			require.NoError(t, err)
			for _, s := range segs {
				if n := s.offset + len(s.data); n > len(mem) {
					mem = append(mem, make([]byte, n-len(mem))...)
				}
				copy(mem[s.offset:], s.data)
			}
		}
		r.i += int(size)
	}
	return mem
}

func TestPackMergesSegmentsIntoOne(t *testing.T) {
	custom := []byte{0, 4, 'n', 'a', 'm', 'e', 1, 2, 3}
	in := module(
		[]byte{1, 0}, // an empty type section
		dataSec(
			segment{2000, []byte("later, written first")},
			segment{100, []byte("first")},
			segment{300000, []byte{1, 2, 3}}, // offsets of 3 LEB bytes
			segment{105, []byte("adjacent")},
		),
		custom,
	)
	out, err := pack(in)
	require.NoError(t, err)
	assert.Equal(t, memory(t, in), memory(t, out), "the same memory")

	r := reader{b: out, i: len(wasmHeader)}
	assert.Equal(t, byte(1), r.byte())
	r.i += int(r.u32())
	assert.Equal(t, byte(dataSection), r.byte())
	size := r.u32()
	segs, err := parseSegments(out[r.i : r.i+int(size)])
	require.NoError(t, err)
	require.Len(t, segs, 1)
	assert.Equal(t, 100, segs[0].offset)
	assert.Len(t, segs[0].data, 300003-100)
	assert.Equal(t, append([]byte{0, byte(len(custom) - 1)}, custom[1:]...), out[len(out)-len(custom)-1:], "other sections are kept")

	again, err := pack(out)
	require.NoError(t, err)
	assert.Equal(t, out, again, "packing a packed module changes nothing")
}

func TestPackRefuses(t *testing.T) {
	for name, in := range map[string][]byte{
		"not wasm":     []byte("\x00asn\x01\x00\x00\x00"),
		"overlap":      module(dataSec(segment{10, []byte("abcdef")}, segment{12, []byte("x")})),
		"passive":      module([]byte{dataSection, 1, 0x01, 1, 'x'}),
		"data count":   module([]byte{dataCountSection, 1}, dataSec(segment{1, []byte("a")}, segment{9, []byte("b")})),
		"not constant": module([]byte{dataSection, 1, 0x00, 0x23, 0, 0x0b, 1, 'x'}),
		"short":        module(dataSec(segment{1, []byte("abc")}))[:20],
		"trailing":     module(append(dataSec(segment{1, []byte("abc")}), 0)),
	} {
		_, err := pack(in)
		assert.Error(t, err, name)
	}
}

func TestLEB128(t *testing.T) {
	for _, v := range []uint32{0, 1, 127, 128, 16383, 16384, 1<<32 - 1} {
		r := reader{b: appendU32(nil, v)}
		assert.Equal(t, v, r.u32())
		assert.NoError(t, r.err)
		assert.Equal(t, len(r.b), r.i)
	}
	for _, v := range []int32{0, 1, -1, 63, 64, -64, -65, 1 << 20, -1 << 31, 1<<31 - 1} {
		r := reader{b: appendS32(nil, v)}
		assert.Equal(t, v, r.s32())
		assert.NoError(t, r.err)
		assert.Equal(t, len(r.b), r.i)
	}
}

// TestPackedGoProgramRuns packs a Go program built for js/wasm and runs it
// in Node.js: its output, which reads strings, a map and a type's name from
// the data the segments set up, is the same as the unpacked program's.
func TestPackedGoProgramRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program for js/wasm")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no Node.js")
	}
	dir := t.TempDir()
	src := `package main

import (
	"fmt"
	"sort"
)

type point struct{ X, Y int }

var table = map[string]int{"one": 1, "two": 2, "three": 3, "forty-two": 42}

func main() {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s=%d ", k, table[k])
	}
	fmt.Printf("%T %+v\n", point{}, point{3, 4})
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module packtest\n"), 0o644))
	wasm := filepath.Join(dir, "p.wasm")
	build := exec.Command("go", "build", "-ldflags=-s -w", "-o", wasm, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS=-buildvcs=false")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	run := func() string {
		cmd := exec.Command("node", filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec_node.js"), wasm)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	want := run()
	require.Equal(t, "forty-two=42 one=1 three=3 two=2 main.point {X:3 Y:4}\n", want)
	before, err := os.ReadFile(wasm)
	require.NoError(t, err)
	require.NoError(t, packFile(wasm))
	after, err := os.ReadFile(wasm)
	require.NoError(t, err)
	require.NotEqual(t, before, after, "the module was packed")
	segs := func(b []byte) int {
		r := reader{b: b, i: len(wasmHeader)}
		for r.i < len(b) {
			id, size := r.byte(), r.u32()
			if id == dataSection {
				s, err := parseSegments(b[r.i : r.i+int(size)])
				require.NoError(t, err)
				return len(s)
			}
			r.i += int(size)
		}
		return 0
	}
	assert.Greater(t, segs(before), 100)
	assert.Equal(t, 1, segs(after))
	assert.Equal(t, want, run())
}
