package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/roostmsg/roost/server/assets"
)

// updateChange is the one-line change in client/ whose update updateTable
// measures: a message of the runtime's, in the file updateFile.
const (
	updateFile = "client/events.go"
	updateOld  = `errRefused = errors.New("events: the server refused the identity")`
	updateNew  = `errRefused = errors.New("events: the server refused this identity")`
)

// updateTable measures what a returning visitor downloads after a deploy
// whose runtime differs from the one they have by one line in client/: the
// runtime is built twice with wasmFlags (make's RUNTIME_GCFLAGS), the
// second time with the line changed (go build -overlay), and the second
// module is sized in brotli q11 (what the browser downloads without a
// dictionary) and as the dcz delta from the first (what the server sends a
// browser that has the first as its dictionary: assets.EncodeDelta).
func updateTable(b *strings.Builder, wasmFlags string) {
	dir, err := os.MkdirTemp("", "roost-bench-update-")
	check(err)
	defer os.RemoveAll(dir)
	before := filepath.Join(dir, "before.wasm")
	after := filepath.Join(dir, "after.wasm")
	buildRuntime(before, wasmFlags, "")
	overlay := writeOverlay(dir)
	buildRuntime(after, wasmFlags, overlay)

	a, err := os.ReadFile(before)
	check(err)
	m, err := os.ReadFile(after)
	check(err)
	if bytes.Equal(a, m) {
		check(fmt.Errorf("the line changed in %s left roost.wasm as it was", updateFile))
	}
	full := brotliSizes([]string{after})[0]
	start := time.Now()
	delta, err := assets.EncodeDelta(a, m)
	took := time.Since(start)
	check(err)
	got, err := assets.DecodeDelta(a, delta)
	check(err)
	if !bytes.Equal(got, m) {
		check(fmt.Errorf("the delta does not decode to the new module"))
	}

	same, err := assets.EncodeDelta(m, m)
	check(err)

	fmt.Fprintf(b, "### An update: one line changed in %s\n\n", updateFile)
	fmt.Fprintf(b, "| a returning visitor downloads roost.wasm (%s raw) | bytes |\n|---|---:|\n", kb(len(m)))
	fmt.Fprintf(b, "| whole, brotli q11 (without a dictionary: every visitor before this change) | %s |\n", kb(full))
	fmt.Fprintf(b, "| **dcz delta from the previous build** (Compression Dictionary Transport) | **%s** (%.1f%% of brotli) |\n",
		kb(len(delta)), 100*float64(len(delta))/float64(full))
	fmt.Fprintf(b, "| the same module under a new version (a deploy of js/ only), dcz from itself | %s |\n", kb(len(same)))
	fmt.Fprintf(b, "\nThe server computed the delta in %v (zstd, best compression, %d MB window: what Chromium accepts with a dictionary of this size).\n\n",
		took.Round(10*time.Millisecond), assets.DCZWindow(len(a))>>20)
}

// buildRuntime builds the runtime's module into out as make runtime does
// (packed by tools/wasmpack), with the overlay file overlay when not "".
func buildRuntime(out, wasmFlags, overlay string) {
	args := []string{"build", "-trimpath", "-ldflags=-s -w"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command("go", append(args, "-o", out, "./wasm")...)
	// GOFLAGS takes the flags' quoting ('-gcflags=runtime=-l -B') as make does
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS="+wasmFlags)
	cmd.Stderr = os.Stderr
	check(cmd.Run())
	cmd = exec.Command("go", "run", "./tools/wasmpack", out)
	cmd.Stderr = os.Stderr
	check(cmd.Run())
}

// writeOverlay writes, in dir, updateFile with its line changed and a go
// build -overlay file that puts it in place of the original; it returns
// the overlay file's path.
func writeOverlay(dir string) string {
	src, err := os.ReadFile(updateFile)
	check(err)
	if !bytes.Contains(src, []byte(updateOld)) {
		check(fmt.Errorf("%s has no line %q to change: update bench/update.go", updateFile, updateOld))
	}
	changed := filepath.Join(dir, filepath.Base(updateFile))
	check(os.WriteFile(changed, bytes.Replace(src, []byte(updateOld), []byte(updateNew), 1), 0o644))
	abs, err := filepath.Abs(updateFile)
	check(err)
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {abs: changed}})
	check(err)
	path := filepath.Join(dir, "overlay.json")
	check(os.WriteFile(path, overlay, 0o644))
	return path
}
