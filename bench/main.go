// Command bench measures Roost on this machine and prints one markdown
// table: the runtime's bytes (raw, gzip -9, brotli q11), its start-up in
// headless Chromium, rendering and inbox operations natively and in
// WebAssembly (node), the runtime's heap with 10,000 messages, and the
// server under load on loopback: on SQLite, on PostgreSQL, and as one and
// two roost serve processes sharing a PostgreSQL database (PostgreSQL from
// internal/pgtest: installed, or ROOST_POSTGRES_URL; else those rows say
// not measured). `make bench` builds the runtime and runs it from the
// repository's root.
//
// It runs the packages' Go benchmarks (render, inbox) and measurements
// that are Go tests gated by ROOST_BENCH=1 (httpapi.TestLoad,
// httpapi.TestBenchStreams, httpapi.TestBenchHostile and example-site's
// TestBenchStartup, TestBenchLoadEvent, TestInboxElementLongInbox and
// TestBenchDelivery), which
// write JSON into a temporary directory it names in ROOST_BENCH_OUT.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Targets the table reports against.
const (
	targetFirstVisitBrotli = 900_000 // bytes: 900 kB
	targetPollsPerSec      = 10_000
	targetSendsPerSec      = 2_000
)

func main() {
	build := flag.String("build", "server/assets/dist", "the built runtime (make runtime)")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime for the render and inbox benchmarks")
	wasmFlags := flag.String("wasmflags", "", "go build flags of the runtime (make's RUNTIME_GCFLAGS), used for the wasm benchmarks too")
	flag.Parse()
	start := time.Now()
	out, err := os.MkdirTemp("", "roost-bench-")
	check(err)
	defer os.RemoveAll(out)

	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s\n\n", machine())
	loadAtStart := loadAverage()

	step("bytes")
	bytesTable(&b, *build)
	step("an update's bytes: the runtime built twice, one line apart, and the delta between them (about a minute)")
	updateTable(&b, *wasmFlags)

	step("render and inbox benchmarks, native")
	native := goBench(nil, *benchtime, ".", "./render", "./inbox")
	step("render and inbox benchmarks, GOOS=js GOARCH=wasm in node")
	wasm := goBench([]string{"GOOS=js", "GOARCH=wasm", "GOFLAGS=" + *wasmFlags, "PATH=" + filepath.Join(runtime.GOROOT(), "lib", "wasm") + ":" + os.Getenv("PATH")}, *benchtime, ".", "./render", "./inbox")
	renderTable(&b, native, wasm, *wasmFlags)

	step("server poll benchmarks")
	polls := goBench(nil, *benchtime, "^BenchmarkPoll", "./server/httpapi")
	step("server load: SQLite, PostgreSQL in-process, one and two roost processes on PostgreSQL (about 80 s)")
	loadAtServer := loadAverage()
	goTest(out, "./server/httpapi", "^TestLoad$")
	serverTable(&b, out, polls, loadAtServer)
	step("10,000 streams held by one roost process (about 30 s)")
	goTest(out, "./server/httpapi", "^TestBenchStreams$")
	streamsTable(&b, out)
	step("one hostile person's events against another's sends (about 15 s)")
	goTest(out, "./server/httpapi", "^TestBenchHostile$")
	hostileTable(&b, out)

	step("start-up in headless Chromium (about a minute)")
	goTest(out, "./example-site", "^TestBenchStartup$")
	startupTable(&b, out)
	step("a small page's load event with and without Roost's tag in headless Chromium (about a minute)")
	goTest(out, "./example-site", "^TestBenchLoadEvent$")
	loadEventTable(&b, out)
	step("the inbox element with 1,000 messages in headless Chromium (about 30 s)")
	goTest(out, "./example-site", "^TestInboxElementLongInbox$")
	inboxTable(&b, out)
	step("send → shown in headless Chromium, with the stream and polling only (about 2 minutes)")
	goTest(out, "./example-site", "^TestBenchDelivery$")
	deliveryTable(&b, out)

	fmt.Fprintf(&b, "`make bench` took %v. Load average (1 min) at its start %s, at its end %s",
		time.Since(start).Round(time.Second), loadAtStart, loadAverage())
	if load, err := strconv.ParseFloat(loadAtStart, 64); err == nil && load > float64(runtime.NumCPU()) {
		fmt.Fprintf(&b, ": the machine was busy with other work, so the timings are pessimistic and vary from run to run")
	}
	fmt.Fprintf(&b, ".\n")
	fmt.Print("\n" + b.String())
}

// step says on stderr what runs now.
func step(what string) { fmt.Fprintf(os.Stderr, "bench: %s\n", what) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// machine describes this machine in one line.
func machine() string {
	cpu := "unknown CPU"
	if f, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(f)) {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimLeft(name, "\t :"))
				break
			}
		}
	}
	mem := ""
	if f, err := os.ReadFile("/proc/meminfo"); err == nil {
		fields := strings.Fields(string(f))
		if len(fields) > 1 {
			kb, _ := strconv.ParseFloat(fields[1], 64)
			mem = fmt.Sprintf(", %.0f GB RAM", kb/1024/1024)
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s/%s, %s, node %s, %s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH,
		runtime.Version(), command("node", "--version"), chromiumVersion())
}

// loadAverage is the 1-minute load average, where Linux tells it.
func loadAverage() string {
	f, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(f))[0]
}

// command runs name with args and returns its trimmed output, or "?".
func command(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func chromiumVersion() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if v := command(name, "--version"); v != "?" {
			return v
		}
	}
	return "no Chromium"
}

// sizes are a file's bytes raw and compressed.
type sizes struct{ raw, gzip, brotli int }

// bytesTable measures the runtime's files in dir.
func bytesTable(b *strings.Builder, dir string) {
	files := []string{"roost.wasm", "roost.js", "roost-page.js", "roost-worker.js", "wasm_exec.js", "roost-frame.js", "roost-inapp.js", "roost-inapp.css", "roost-inbox.js", "roost-inbox.css"}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f)
	}
	brotli := brotliSizes(paths)
	got := map[string]sizes{}
	for i, f := range files {
		raw, err := os.ReadFile(paths[i])
		check(err)
		got[f] = sizes{len(raw), gzipSize(paths[i], raw), brotli[i]}
	}
	fmt.Fprintf(b, "### Bytes (%s)\n\n", dir)
	fmt.Fprintf(b, "| file | raw | gzip -9 | brotli q11 |\n|---|---:|---:|---:|\n")
	for _, f := range files {
		s := got[f]
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", f, kb(s.raw), kb(s.gzip), kb(s.brotli))
	}
	sum := func(names ...string) sizes {
		var t sizes
		for _, n := range names {
			t.raw, t.gzip, t.brotli = t.raw+got[n].raw, t.gzip+got[n].gzip, t.brotli+got[n].brotli
		}
		return t
	}
	shim := sum("roost.wasm", "roost.js", "roost-page.js")
	all := sum("roost.wasm", "roost.js", "roost-page.js", "roost-worker.js", "wasm_exec.js")
	fmt.Fprintf(b, "| **first visit: roost.wasm + roost.js + roost-page.js** | %s | %s | **%s** |\n", kb(shim.raw), kb(shim.gzip), kb(shim.brotli))
	fmt.Fprintf(b, "| first visit with the worker's scripts (+ roost-worker.js, wasm_exec.js) | %s | %s | %s |\n", kb(all.raw), kb(all.gzip), kb(all.brotli))
	fmt.Fprintf(b, "\nFirst-visit runtime in brotli: %s against the 900 kB target: %s.\n",
		kb(shim.brotli), verdict(float64(shim.brotli) <= targetFirstVisitBrotli, kb(shim.brotli)))
	fmt.Fprintf(b, "roost-inapp.js and roost-inapp.css load only when an in-app message is first shown; roost-frame.js only\n")
	fmt.Fprintf(b, "in frame mode (a page of another origin than the Roost server's), with its frame page (about 150 bytes).\n\n")
	inboxBytes(b, got)
}

// kb formats n bytes.
func kb(n int) string {
	if n >= 100_000 {
		return fmt.Sprintf("%.0f kB", float64(n)/1000)
	}
	return fmt.Sprintf("%.1f kB", float64(n)/1000)
}

func verdict(ok bool, got string) string {
	if ok {
		return "met (" + got + ")"
	}
	return "**not met** (" + got + ")"
}

// gzipSize is the size of gzip -9 of the file (the gzip command; Go's
// compress/gzip at BestCompression where it is missing).
func gzipSize(path string, raw []byte) int {
	if out, err := exec.Command("gzip", "-9", "-n", "-c", path).Output(); err == nil {
		return len(out)
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(raw)
	_ = w.Close()
	return buf.Len()
}

// brotliSizes compresses each file with node's zlib at brotli quality 11.
func brotliSizes(paths []string) []int {
	const script = `const zlib = require("zlib"), fs = require("fs");
console.log(JSON.stringify(process.argv.slice(1).map(p => zlib.brotliCompressSync(fs.readFileSync(p), {params: {
	[zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: fs.statSync(p).size}}).length)));`
	out, err := exec.Command("node", append([]string{"-e", script}, paths...)...).Output()
	check(err)
	var n []int
	check(json.Unmarshal(out, &n))
	return n
}

// benchResult is one Go benchmark's line: ns/op and its other metrics.
type benchResult map[string]float64

// goBench runs the benchmarks matching bench in pkgs (one package at a
// time) with env added.
func goBench(env []string, benchtime, bench string, pkgs ...string) map[string]benchResult {
	args := append([]string{"test", "-count=1", "-p=1", "-run=^$", "-bench=" + bench, "-benchtime=" + benchtime}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		os.Stderr.Write(out)
	}
	check(err)
	results := map[string]benchResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		r := benchResult{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				r[f[i+1]] = v
			}
		}
		results[name] = r
	}
	return results
}

// renderTable reports rendering, the inbox operations and the heap.
func renderTable(b *strings.Builder, native, wasm map[string]benchResult, wasmFlags string) {
	built := ""
	if wasmFlags != "" {
		built = ", built as the runtime is: " + wasmFlags
	}
	fmt.Fprintf(b, "### Rendering and the inbox (Go benchmarks; wasm is GOOS=js GOARCH=wasm in node %s%s)\n\n", command("node", "--version"), built)
	fmt.Fprintf(b, "| operation | native | wasm (node) | wasm / native |\n|---|---:|---:|---:|\n")
	rn, rw := native["ContentCached"]["ns/op"], wasm["ContentCached"]["ns/op"]
	fmt.Fprintf(b, "| render a cached template (order_shipped, 2 fields) | %s renders/s | %s renders/s | %s slower |\n",
		perSec(rn), perSec(rw), ratio(rw, rn))
	rows := []struct{ name, label string }{
		{"Replace10k", "Store.Replace of 10,000 new messages (renders each)"},
		{"ReplaceUnchanged10k", "Store.Replace of the same 10,000 again (a 200 poll, no change)"},
		{"SnapshotTopic10k", "Snapshot with a topic filter (5,000 of 10,000)"},
		{"Counts10k", "counts: Snapshot of all 10,000 + Queued"},
		{"SetOpened10k", "SetOpened (10,000 messages)"},
	}
	for _, r := range rows {
		n, w := native[r.name]["ns/op"], wasm[r.name]["ns/op"]
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", r.label, dur(n), dur(w), ratio(w, n))
	}
	hn, hw := native["Heap10k"]["heap-bytes"], wasm["Heap10k"]["heap-bytes"]
	fmt.Fprintf(b, "| **memory**: Go heap of the inbox store with 10,000 messages (after GC) | %.1f MB | %.1f MB | |\n",
		hn/1e6, hw/1e6)
	fmt.Fprintf(b, "| Go heap in use in all, the benchmark process with that store | %.1f MB | %.1f MB | |\n\n",
		native["Heap10k"]["heap-total-bytes"]/1e6, wasm["Heap10k"]["heap-total-bytes"]/1e6)
}

func perSec(nsPerOp float64) string {
	if nsPerOp == 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", 1e9/nsPerOp)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f×", a/b)
}

// dur formats ns.
func dur(ns float64) string {
	switch {
	case ns == 0:
		return "?"
	case ns >= 1e6:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// goTest runs the gated measurement tests matching run in pkg.
func goTest(out, pkg, run string) {
	cmd := exec.Command("go", "test", "-count=1", "-timeout=20m", "-run="+run, pkg)
	cmd.Env = append(os.Environ(), "ROOST_BENCH=1", "ROOST_BENCH_OUT="+out, "ROOST_BROWSER_TESTS=require")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Run())
}

func readJSON(path string, v any) {
	raw, err := os.ReadFile(path)
	check(err)
	check(json.Unmarshal(raw, v))
}

// startupTable reports example-site's TestBenchStartup.
func startupTable(b *strings.Builder, out string) {
	var r struct {
		Runs              int     `json:"runs"`
		TracedRuns        int     `json:"traced_runs"`
		WasmAskedMs       float64 `json:"wasm_asked_ms"`
		FirstPollMs       float64 `json:"first_poll_ms"`
		FirstMessageMs    float64 `json:"first_message_ms"`
		LoadEventMs       float64 `json:"load_event_ms"`
		LoadEventNoRoost  float64 `json:"load_event_no_roost"`
		LongestTaskCPUMs  float64 `json:"longest_task_cpu_ms"`
		LongestTaskWallMs float64 `json:"longest_task_wall_ms"`
	}
	readJSON(filepath.Join(out, "startup.json"), &r)
	fmt.Fprintf(b, "### Start-up in headless Chromium (median of %d cold loads: a new browser profile each, one message queued)\n\n", r.Runs)
	fmt.Fprintf(b, "| from navigation start to | ms |\n|---|---:|\n")
	fmt.Fprintf(b, "| the page's load event, with Roost | %.0f |\n", r.LoadEventMs)
	fmt.Fprintf(b, "| the page's load event, the same page without Roost's script tag | %.0f |\n", r.LoadEventNoRoost)
	fmt.Fprintf(b, "| the worker asking for roost.wasm (its arrival at the server) | %.0f |\n", r.WasmAskedMs)
	fmt.Fprintf(b, "| the first poll request (its arrival at the server) | %.0f |\n", r.FirstPollMs)
	fmt.Fprintf(b, "| the first inbox message rendered in the page | %.0f |\n", r.FirstMessageMs)
	fmt.Fprintf(b, "| longest main-thread task until then (trace, median of %d traced loads): CPU / wall | %.0f / %.0f |\n\n",
		r.TracedRuns, r.LongestTaskCPUMs, r.LongestTaskWallMs)
	mainThreadVerdict(b, r.LongestTaskCPUMs, r.TracedRuns)
}
