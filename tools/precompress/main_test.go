package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"roost.js":        "(function () {\n  var version = \"\";\n})();\n",
		"roost-worker.js": strings.Repeat("worker ", 100),
		"roost.wasm":      "\x00asm" + strings.Repeat("code ", 1000),
		"roost-inapp.css": "a { color: red }",
		"notes.txt":       "not served compressed",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	version, err := os.ReadFile(filepath.Join(dir, "version"))
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(version))
	if len(v) != 16 {
		t.Fatalf("version %q", v)
	}
	shim, _ := os.ReadFile(filepath.Join(dir, "roost.js"))
	if !strings.Contains(string(shim), `var version = "`+v+`";`) {
		t.Errorf("roost.js not stamped: %s", shim)
	}
	for name := range files {
		_, err := os.Stat(filepath.Join(dir, name+".br"))
		if want := name != "notes.txt"; want != (err == nil) {
			t.Errorf("%s.br: %v", name, err)
			continue
		}
		if name == "notes.txt" {
			continue
		}
		// The copies hold what the stamped file holds.
		want, _ := os.ReadFile(filepath.Join(dir, name))
		br, _ := os.ReadFile(filepath.Join(dir, name+".br"))
		got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s.br: %v, %q", name, err, got)
		}
		gz, _ := os.ReadFile(filepath.Join(dir, name+".gz"))
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatalf("%s.gz: %v", name, err)
		}
		got, err = io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s.gz: %v, %q", name, err, got)
		}
	}

	// The version follows the content of the files the shim loads.
	if err := os.WriteFile(filepath.Join(dir, "roost.wasm"), []byte("\x00asm other"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "roost.js"), []byte(files["roost.js"]), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "version"))
	if bytes.Equal(again, version) {
		t.Error("another roost.wasm, the same version")
	}
	// a changed file gets new copies
	br, _ := os.ReadFile(filepath.Join(dir, "roost.wasm.br"))
	if got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br))); err != nil || string(got) != "\x00asm other" {
		t.Errorf("roost.wasm.br after a change: %v, %q", err, got)
	}
}

func TestRunKeepsCopiesThatHoldTheFile(t *testing.T) {
	dir := t.TempDir()
	worker := []byte(strings.Repeat("worker();\n", 100)) // trimmed already: run leaves it as it is
	if err := os.WriteFile(filepath.Join(dir, "roost-worker.js"), worker, 0o644); err != nil {
		t.Fatal(err)
	}
	// as make runtime does: a fresh roost.js, then precompress
	runAgain := func() {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "roost.js"), []byte("var version = \"\";"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := run(dir); err != nil {
			t.Fatal(err)
		}
	}
	runAgain()
	// another encoding of the same bytes (quality 0) is kept; a stale
	// gzip copy is not
	var fast bytes.Buffer
	w := brotli.NewWriterLevel(&fast, 0)
	w.Write(worker)
	w.Close()
	if err := os.WriteFile(filepath.Join(dir, "roost-worker.js.br"), fast.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	runAgain()
	if got, _ := os.ReadFile(filepath.Join(dir, "roost-worker.js.br")); !bytes.Equal(got, fast.Bytes()) {
		t.Error("a brotli copy that holds the file was written again")
	}
	if err := os.WriteFile(filepath.Join(dir, "roost-worker.js.gz"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	runAgain()
	gz, _ := os.ReadFile(filepath.Join(dir, "roost-worker.js.gz"))
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal("a stale gzip copy was kept:", err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, worker) {
		t.Errorf("roost-worker.js.gz holds %q", got)
	}
}

func TestRunNeedsTheMark(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "roost.js"), []byte("already stamped"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dir); err == nil {
		t.Fatal("no error")
	}
}
