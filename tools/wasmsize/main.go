// Command wasmsize shows where the bytes of a Go WebAssembly module go: the
// size of each section, and the code of each Go package, raw and
// compressed on its own with brotli.
//
// It reads the module's "name" section, so the module must be linked
// without -s (the name section is all -s drops; -w is fine):
//
//	go run ./tools/wasmsize                 # builds ./wasm for GOOS=js GOARCH=wasm and reports
//	go run ./tools/wasmsize -n 30 ./wasm    # the top 30 packages
//	go run ./tools/wasmsize -file x.wasm    # a module built elsewhere (with names)
//	go run ./tools/wasmsize -json           # the same as JSON, for scripts
//
// A module it builds is packed as make runtime packs roost.wasm (its data
// segments merged into one by tools/wasmpack), so the data section's line is
// what ships; -pack=false reports it as Go's linker writes it. Pass the
// Makefile's RUNTIME_GCFLAGS with -buildflags (quotes group words, as in the
// shell) to measure the runtime as built:
//
//	go run ./tools/wasmsize -buildflags "-gcflags=all=-l '-gcflags=runtime=-l -B'"
//
// Code is attributed exactly, from the function bodies; the data section
// (string and other read-only data, type descriptors, the pc-value tables
// the runtime needs for stacks and the garbage collector) has no symbol names
// in a wasm module and is reported as one line. The brotli column compresses
// each package's code alone, so it is a relative measure: the module as a
// whole compresses better than the sum of its packages.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/andybalholm/brotli"
)

func main() {
	n := flag.Int("n", 15, "how many packages to list (0: all)")
	file := flag.String("file", "", "a wasm module to read, linked without -s (default: build the package argument)")
	asJSON := flag.Bool("json", false, "print JSON instead of a table")
	quality := flag.Int("q", 11, "brotli quality for the compressed column (0-11)")
	buildFlags := flag.String("buildflags", "", "more go build flags, space-separated, quotes grouping words (such as -gcflags=all=-l)")
	funcsOf := flag.String("funcs", "", "list the largest functions of this package instead (an import path)")
	packIt := flag.Bool("pack", true, "merge the data segments of a module it builds, as make runtime does (go run ./tools/wasmpack)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: wasmsize [flags] [package (default ./wasm)]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*file, flag.Arg(0), *buildFlags, *n, *quality, *asJSON, *funcsOf, *packIt, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

func run(file, pkg, buildFlags string, n, quality int, asJSON bool, funcsOf string, packIt bool, out io.Writer) error {
	if file == "" {
		if pkg == "" {
			pkg = "./wasm"
		}
		dir, err := os.MkdirTemp("", "wasmsize")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		file = filepath.Join(dir, "module.wasm")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-w", "-o", file, pkg)
		// GOFLAGS reads the flags' quoting as make does
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" "+buildFlags))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", pkg, err)
		}
		if packIt {
			cmd := exec.Command("go", "run", "./tools/wasmpack", file)
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("go run ./tools/wasmpack (run wasmsize at the module's root, or pass -pack=false): %w", err)
			}
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	m, err := parse(b, quality)
	if err != nil {
		return err
	}
	if pkg == "" {
		pkg = "./wasm"
	}
	paths, err := deps(pkg)
	if err != nil {
		return err
	}
	if funcsOf != "" {
		m.printFuncs(out, paths, funcsOf, n)
		return nil
	}
	r := m.report(paths, quality)
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	r.print(out, n)
	return nil
}

// Report is what wasmsize prints.
type Report struct {
	// Total is the module's size in bytes, with its name section.
	Total int `json:"total"`
	// Sections are the module's sections, largest first.
	Sections []Size `json:"sections"`
	// Packages are the Go packages' code, largest first.
	Packages []Size `json:"packages"`
}

// Size is the size of a section or a package.
type Size struct {
	Name string `json:"name"`
	// Bytes is the raw size.
	Bytes int `json:"bytes"`
	// Brotli is the size compressed alone.
	Brotli int `json:"brotli,omitempty"`
	// Funcs is the number of functions (packages only).
	Funcs int `json:"funcs,omitempty"`
}

func (r Report) print(w io.Writer, n int) {
	fmt.Fprintf(w, "module: %d bytes (with the name section, which -s drops)\n\n", r.Total)
	fmt.Fprintf(w, "%-20s %10s %10s\n", "section", "bytes", "brotli")
	for _, s := range r.Sections {
		fmt.Fprintf(w, "%-20s %10d %10d\n", s.Name, s.Bytes, s.Brotli)
	}
	var code, codeBr int
	for _, p := range r.Packages {
		code += p.Bytes
		codeBr += p.Brotli
	}
	fmt.Fprintf(w, "\n%-50s %10s %6s %10s %6s\n", "package (code)", "bytes", "%", "brotli", "funcs")
	for i, p := range r.Packages {
		if n > 0 && i == n {
			var rest, restBr, restFn int
			for _, q := range r.Packages[n:] {
				rest, restBr, restFn = rest+q.Bytes, restBr+q.Brotli, restFn+q.Funcs
			}
			fmt.Fprintf(w, "%-50s %10d %5.1f%% %10d %6d\n", fmt.Sprintf("(%d more)", len(r.Packages)-n), rest, pct(rest, code), restBr, restFn)
			break
		}
		fmt.Fprintf(w, "%-50s %10d %5.1f%% %10d %6d\n", p.Name, p.Bytes, pct(p.Bytes, code), p.Brotli, p.Funcs)
	}
	fmt.Fprintf(w, "%-50s %10d %5.1f%% %10d\n", "all code", code, 100.0, codeBr)
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// module is the parts of a wasm module wasmsize reads.
type module struct {
	size     int
	sections []Size
	imported int      // imported functions, which come first in the function index space
	bodies   [][]byte // the code section's function bodies
	names    map[int]string
}

var sectionNames = map[byte]string{
	0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
	6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount",
}

// parse reads the sections of a wasm binary, and compresses each alone.
func parse(b []byte, quality int) (*module, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) {
		return nil, errors.New("not a wasm module")
	}
	m := &module{size: len(b), names: map[int]string{}}
	r := &reader{b: b, off: 8}
	for r.off < len(b) {
		id := r.byte()
		size := int(r.uleb())
		if r.err != nil || r.off+size > len(b) {
			return nil, errors.New("truncated section")
		}
		body := &reader{b: b[r.off : r.off+size]}
		r.off += size
		name := sectionNames[id]
		switch id {
		case 0:
			name = "custom:" + body.name()
			if name == "custom:name" {
				m.readNames(body)
			}
		case 2:
			m.readImports(body)
		case 10:
			m.readCode(body)
		}
		if body.err != nil {
			return nil, fmt.Errorf("section %s: %w", name, body.err)
		}
		m.sections = append(m.sections, Size{Name: name, Bytes: size, Brotli: brotliSize(body.b, quality)})
	}
	if len(m.names) == 0 {
		return nil, errors.New("the module has no function names: link it without -s")
	}
	return m, nil
}

func (m *module) readImports(r *reader) {
	for n := r.uleb(); n > 0 && r.err == nil; n-- {
		r.name() // module
		r.name() // field
		switch kind := r.byte(); kind {
		case 0: // function: a type index
			r.uleb()
			m.imported++
		case 1: // table: reftype, limits
			r.byte()
			r.limits()
		case 2: // memory: limits
			r.limits()
		case 3: // global: valtype, mutability
			r.byte()
			r.byte()
		default:
			r.err = fmt.Errorf("import kind %d", kind)
		}
	}
}

func (m *module) readCode(r *reader) {
	for n := r.uleb(); n > 0 && r.err == nil; n-- {
		size := int(r.uleb())
		m.bodies = append(m.bodies, r.bytes(size))
	}
}

// readNames reads the function names subsection (1) of the name section.
func (m *module) readNames(r *reader) {
	for r.off < len(r.b) && r.err == nil {
		id := r.byte()
		size := int(r.uleb())
		sub := &reader{b: r.bytes(size)}
		if id != 1 {
			continue
		}
		for n := sub.uleb(); n > 0 && sub.err == nil; n-- {
			idx := int(sub.uleb())
			m.names[idx] = sub.name()
		}
		if sub.err != nil {
			r.err = sub.err
		}
	}
}

// deps lists the import paths pkg's wasm build links, by their names in the
// module: the wasm linker writes each character of a symbol that is not a
// letter, a digit, '_' or '.' as '_' ("encoding/json.(*decodeState).value"
// is "encoding_json.__decodeState_.value").
func deps(pkg string) (map[string]string, error) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Name}}", pkg)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s: %w", pkg, err)
	}
	paths := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, name, _ := strings.Cut(line, " ")
		if name == "main" {
			paths["main"] = path
			continue
		}
		paths[mangle(path)] = path
	}
	return paths, nil
}

// mangle is cmd/link's wasm symbol naming.
func mangle(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

func (m *module) report(paths map[string]string, quality int) Report {
	r := Report{Total: m.size, Sections: m.sections}
	sort.SliceStable(r.Sections, func(i, j int) bool { return r.Sections[i].Bytes > r.Sections[j].Bytes })
	code := map[string]*bytes.Buffer{}
	funcs := map[string]int{}
	for i, body := range m.bodies {
		pkg := packageOf(paths, m.names[m.imported+i])
		if code[pkg] == nil {
			code[pkg] = new(bytes.Buffer)
		}
		code[pkg].Write(body)
		funcs[pkg]++
	}
	for pkg, buf := range code {
		r.Packages = append(r.Packages, Size{Name: pkg, Bytes: buf.Len(), Brotli: brotliSize(buf.Bytes(), quality), Funcs: funcs[pkg]})
	}
	sort.Slice(r.Packages, func(i, j int) bool {
		if r.Packages[i].Bytes != r.Packages[j].Bytes {
			return r.Packages[i].Bytes > r.Packages[j].Bytes
		}
		return r.Packages[i].Name < r.Packages[j].Name
	})
	return r
}

// printFuncs lists the n largest functions of package pkg, with their raw
// code size.
func (m *module) printFuncs(w io.Writer, paths map[string]string, pkg string, n int) {
	var fs []Size
	for i, body := range m.bodies {
		if name := m.names[m.imported+i]; packageOf(paths, name) == pkg {
			fs = append(fs, Size{Name: name, Bytes: len(body)})
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Bytes > fs[j].Bytes })
	for i, f := range fs {
		if n > 0 && i == n {
			break
		}
		fmt.Fprintf(w, "%8d  %s\n", f.Bytes, f.Name)
	}
}

// packageOf is the import path of a function, from its name in the module
// ("github.com_osteele_liquid_values.__structValue_.Get"): the longest
// known package followed by a dot. Compiler-generated helpers ("type:.eq.T")
// and anything else are grouped apart.
func packageOf(paths map[string]string, sym string) string {
	best := ""
	for i := 0; i < len(sym); i++ {
		if sym[i] == '.' {
			if p, ok := paths[sym[:i]]; ok {
				best = p
			}
		}
	}
	switch {
	case best != "":
		return best
	case strings.HasPrefix(sym, "type_.") || strings.HasPrefix(sym, "go_"):
		return "(compiler-generated)"
	case sym == "":
		return "(unnamed)"
	}
	return "(other)"
}

func brotliSize(b []byte, quality int) int {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: quality, LGWin: 24})
	w.Write(b)
	w.Close()
	return buf.Len()
}

// reader reads wasm's encodings; the first error sticks.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail()
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail()
	return 0
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || r.off+n > len(r.b) {
		r.fail()
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) name() string { return string(r.bytes(int(r.uleb()))) }

func (r *reader) limits() {
	if r.byte()&1 != 0 {
		r.uleb()
	}
	r.uleb()
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = io.ErrUnexpectedEOF
	}
}
