// Command precompress readies a built runtime directory (make runtime's
// server/assets/dist) to be served: it trims Roost's scripts and stylesheets
// (comment lines and indentation: see trim), versions the runtime, then writes a brotli
// (quality 11) and a gzip (best compression) copy of each .wasm, .js and .css
// file next to it, as name.br and name.gz. Copies that already hold a file's
// bytes are left as they are.
//
//	go run ./tools/precompress server/assets/dist
//
// The version is a hash of the files roost.js loads (everything but roost.js
// itself and the compressed copies). It is written to the file "version" and
// stamped into roost.js, which then loads roost-worker.js?v=<version>; the
// worker passes the version on to wasm_exec.js and roost.wasm, and roost.js to
// the presenter's files. A server can give those URLs a long-lived cache, and
// roost.js, whose URL a page's script tag names, a short one.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/andybalholm/brotli"
)

// versionMark is the line of js/roost.js that precompress stamps.
const versionMark = `var version = "";`

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && compressible(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if !slices.Contains(names, "roost.js") {
		return errors.New(dir + " has no roost.js: run make runtime")
	}
	for _, name := range names {
		if err := trimFile(dir, name); err != nil {
			return err
		}
	}

	h := sha256.New()
	for _, name := range names {
		if name == "roost.js" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	version := hex.EncodeToString(h.Sum(nil))[:16]
	shim := filepath.Join(dir, "roost.js")
	b, err := os.ReadFile(shim)
	if err != nil {
		return err
	}
	if !bytes.Contains(b, []byte(versionMark)) {
		return errors.New(shim + ": no line " + versionMark + " to stamp the version in")
	}
	b = bytes.Replace(b, []byte(versionMark), []byte(`var version = "`+version+`";`), 1)
	if err := os.WriteFile(shim, b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "version"), []byte(version+"\n"), 0o644); err != nil {
		return err
	}

	for _, name := range names {
		if err := compress(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// trimFile trims Roost's own scripts and stylesheets in dir (see trim);
// Go's wasm_exec.js is served as Go ships it.
func trimFile(dir, name string) error {
	if ext := filepath.Ext(name); (ext != ".js" && ext != ".css") || name == "wasm_exec.js" {
		return nil
	}
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	t, err := trim(name, string(b))
	if err != nil || t == string(b) {
		return err
	}
	return os.WriteFile(path, []byte(t), 0o644)
}

// compressible says whether precompress writes compressed copies of a file.
func compressible(name string) bool {
	switch filepath.Ext(name) {
	case ".wasm", ".js", ".css":
		return true
	}
	return false
}

// compress writes path.br and path.gz, unless both already hold path's
// bytes (brotli at quality 11 takes some 20 s for roost.wasm; unpacking
// the copies to check them, some 50 ms).
func compress(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if holds(path+".br", b, func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }) &&
		holds(path+".gz", b, func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }) {
		return nil
	}
	var br bytes.Buffer
	bw := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
	if _, err := bw.Write(b); err != nil {
		return err
	}
	if err := bw.Close(); err != nil {
		return err
	}
	var gz bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := gw.Write(b); err != nil {
		return err
	}
	if err := gw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(path+".br", br.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(path+".gz", gz.Bytes(), 0o644)
}

// holds reports whether the compressed file at path unpacks, with unpack,
// to want.
func holds(path string, want []byte, unpack func(io.Reader) (io.Reader, error)) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	r, err := unpack(f)
	if err != nil {
		return false
	}
	got, err := io.ReadAll(io.LimitReader(r, int64(len(want))+1))
	return err == nil && bytes.Equal(got, want)
}
