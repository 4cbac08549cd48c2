package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// loadPhase is one phase of httpapi.TestLoad on one setup.
type loadPhase struct {
	Name                 string
	Requests, Errors     int
	PerSec               float64            `json:"per_sec"`
	P50Ms                float64            `json:"p50_ms"`
	P99Ms                float64            `json:"p99_ms"`
	StoreReadsPerRequest float64            `json:"store_reads_per_request"`
	CPU                  map[string]float64 `json:"cpu_cores"`
}

// loadRun is one setup of httpapi.TestLoad: a store, served in the test's
// process (Processes 0) or by roost serve processes.
type loadRun struct {
	Store        string
	Processes    int
	PhaseSeconds float64 `json:"phase_seconds"`
	Phases       []loadPhase
	Skipped      string
	Settings     string
	Size         *struct {
		People           int64   `json:"people"`
		Deliveries       int64   `json:"deliveries"`
		DatabaseBytes    int64   `json:"database_bytes"`
		BytesPerPerson   float64 `json:"bytes_per_person"`
		BytesPerDelivery float64 `json:"bytes_per_delivery"`
	}
}

// label names the setup in the table.
func (r loadRun) label() string {
	store := map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[r.Store]
	switch r.Processes {
	case 0:
		return store + ", in-process"
	case 1:
		return store + ", 1 roost process"
	}
	return fmt.Sprintf("%s, %d roost processes", store, r.Processes)
}

// cpu formats the cores each party used in a phase.
func (r loadRun) cpu(p loadPhase) string {
	if len(p.CPU) == 0 {
		return "?"
	}
	if r.Processes == 0 {
		s := fmt.Sprintf("%.2f", p.CPU["test"])
		if r.Store == "postgres" {
			s += fmt.Sprintf(" + %.2f", p.CPU["postgres"])
		}
		return s
	}
	return fmt.Sprintf("%.2f / %.2f / %.2f", p.CPU["test"], p.CPU["roost"], p.CPU["postgres"])
}

// serverTable reports httpapi.TestLoad: each phase on each setup.
// loadAtStart is the load average when it started.
func serverTable(b *strings.Builder, out string, polls map[string]benchResult, loadAtStart string) {
	var r struct {
		People, Messages, Workers, Gomaxprocs int
		Phases                                []loadPhase
		Runs                                  []loadRun
	}
	readJSON(filepath.Join(out, "server.json"), &r)
	if len(r.Runs) == 0 { // an older TestLoad: SQLite alone
		r.Runs = []loadRun{{Store: "sqlite", PhaseSeconds: 5, Phases: r.Phases}}
	}
	fmt.Fprintf(b, "### Server under load (%d people, %d queued messages; %d client goroutines on loopback; GOMAXPROCS %d; load average %s at the start)\n\n",
		r.People, r.Messages, r.Workers, r.Gomaxprocs, loadAtStart)
	fmt.Fprintf(b, "Setups: **in-process**, the server runs in the load generator's process (httptest, as `roost serve` would); "+
		"**roost processes**, `roost serve -db postgres://...` processes on one database, the client goroutines alternating between them. "+
		"Each phase lasts %s. CPU is cores used during the phase (CPU seconds per second): in-process, the test process "+
		"(load generator and server) + PostgreSQL; out of process, load generator / roost processes / PostgreSQL; "+
		"CPU per request is all of them, load generator included.\n\n", phaseTimes(r.Runs))
	if load, err := strconv.ParseFloat(loadAtStart, 64); err == nil && load > float64(runtime.NumCPU()) {
		fmt.Fprintf(b, "The machine was busy with other work (load average %s on %d cores): the rates are pessimistic and vary from run to run; "+
			"CPU per request varies less.\n\n", loadAtStart, runtime.NumCPU())
	}
	fmt.Fprintf(b, "| request | setup | per second | p50 | p99 | store reads per request | CPU cores | CPU per request | target |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	labels := map[string]string{"poll 200": "poll answered 200 (10 messages)", "poll 304": "poll answered 304 (If-None-Match)",
		"send": "send (POST /v1/send/inbox_message)"}
	for _, name := range []string{"poll 200", "poll 304", "send"} {
		for i, run := range r.Runs {
			label := ""
			if i == 0 {
				label = labels[name]
			}
			if run.Skipped != "" {
				fmt.Fprintf(b, "| %s | %s | not measured: %s | | | | | | |\n", label, run.label(), run.Skipped)
				continue
			}
			for _, p := range run.Phases {
				if p.Name != name {
					continue
				}
				target := verdict(p.PerSec >= targetPollsPerSec, fmt.Sprintf("≥%d/s", targetPollsPerSec))
				if name == "send" {
					target = verdict(p.PerSec >= targetSendsPerSec, fmt.Sprintf("≥%d/s", targetSendsPerSec))
				}
				setup := run.label()
				if p.Errors > 0 {
					setup += fmt.Sprintf(" (%d errors)", p.Errors)
				}
				fmt.Fprintf(b, "| %s | %s | %.0f | %.1f ms | %.1f ms | %.2f | %s | %s | %s |\n",
					label, setup, p.PerSec, p.P50Ms, p.P99Ms, p.StoreReadsPerRequest, run.cpu(p), cpuPerRequest(p), target)
			}
		}
	}
	fmt.Fprintf(b, "\nStore reads are poll answers read from the store's queue (FindQueue; out of process, roost_polls_total{source=\"store\"}), "+
		"the rest come from the poll cache. On PostgreSQL every poll also reads the person's answer version (one indexed read), "+
		"so that it sees writes made through any process.\n")
	for _, run := range r.Runs {
		if run.Settings != "" {
			fmt.Fprintf(b, "PostgreSQL ran with %s: ", run.Settings)
			if strings.Contains(run.Settings, "fsync=off") {
				fmt.Fprintf(b, "commits wait for their WAL write but not for a disk flush (pgtest's throwaway cluster), "+
					"where SQLite's sends wait for fsync: the PostgreSQL sends are optimistic.\n")
			} else {
				fmt.Fprintf(b, "commits are durable, as SQLite's are.\n")
			}
			break
		}
	}
	for _, run := range r.Runs {
		if s := run.Size; s != nil {
			fmt.Fprintf(b, "PostgreSQL database after seeding (VACUUM ANALYZE; pg_total_relation_size, table with its indexes and TOAST): "+
				"%.0f bytes per delivery (%d rows), %.0f bytes per person (%d rows), %.1f MB in all.\n",
				s.BytesPerDelivery, s.Deliveries, s.BytesPerPerson, s.People, float64(s.DatabaseBytes)/1e6)
			break
		}
	}
	fmt.Fprintf(b, "\nThe handler alone (BenchmarkPoll304, BenchmarkPoll200, BenchmarkPollUncached: one goroutine, no network, a person with 10 messages, SQLite): "+
		"a 304 poll %s and a 200 poll %s from the poll cache, a 200 poll reading the store %s.\n\n",
		dur(polls["Poll304"]["ns/op"]), dur(polls["Poll200"]["ns/op"]), dur(polls["PollUncached"]["ns/op"]))
}

// phaseTimes says how long the runs' phases last.
func phaseTimes(runs []loadRun) string {
	var parts []string
	seen := map[string]bool{}
	for _, r := range runs {
		if r.Skipped != "" {
			continue
		}
		store := map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[r.Store]
		if !seen[store] {
			seen[store] = true
			parts = append(parts, fmt.Sprintf("%.0f s on %s", r.PhaseSeconds, store))
		}
	}
	return strings.Join(parts, ", ")
}

// cpuPerRequest is the CPU time all parties used per request of p.
func cpuPerRequest(p loadPhase) string {
	if len(p.CPU) == 0 || p.PerSec == 0 {
		return "?"
	}
	cores := 0.0
	for _, c := range p.CPU {
		cores += c
	}
	return fmt.Sprintf("%.0f µs", cores/p.PerSec*1e6)
}
