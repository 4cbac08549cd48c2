package service

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
)

// queuedCacheFor is how long the count of queued messages, which reads the
// whole queue, is reused between scrapes.
const queuedCacheFor = 10 * time.Second

// metrics are the Prometheus metrics of a service, in a registry of its own.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	// conns counts the main listener's connections (limitListener).
	conns *connStats
}

// maintenanceHelp is the help of roost_maintenance_rounds_total.
const maintenanceHelp = "Rounds of background work (retention sweep, old event ids), by result: " +
	"ran here, skipped because another process sharing the database ran it, or failed (logged)."

// streamsRefusedHelp is the help of roost_streams_refused_total.
const streamsRefusedHelp = "Streams refused, by reason: streaming off (204), the person's cap (-stream-max-per-person, 429), " +
	"the process's (-stream-max, 503)."

// commitObserver is a store that reports its commits: the SQLite store,
// whose writes share commits (group commit).
type commitObserver interface {
	ObserveCommits(fn func(writes int, took time.Duration))
}

// newMetrics registers the metrics of srv and its store db.
func newMetrics(srv *server.Server, db server.Store, api *httpapi.Handler, build prometheus.Labels) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), conns: &connStats{}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "roost_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "roost_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern; " +
			"for a stream (/v1/client/stream) that took its connection over (HTTP/1.1), the time to open it, not its life.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "roost_http_requests_in_flight", Help: "HTTP requests being answered (streams that took their connection over not included: roost_streams_open).",
	})
	stat := func(name, help string, labels prometheus.Labels, get func(server.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(get(srv.Stats())) })
	}
	batches := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "roost_store_write_batch_size", Help: "Writes committed together in one store transaction (group commit).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	commits := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "roost_store_commit_duration_seconds", Help: "Time to run and commit one batch of store writes.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	if db, ok := db.(commitObserver); ok { // PostgreSQL commits each write on its own: no batches to show
		db.ObserveCommits(func(writes int, took time.Duration) {
			batches.Observe(float64(writes))
			commits.Observe(took.Seconds())
		})
		m.reg.MustRegister(batches, commits)
	}
	shed := func(reason string, n *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roost_http_connections_shed_total",
			Help:        "Connections closed at the connection limit to make room (idle, slow: no request header for a second), or refused with 503.",
			ConstLabels: prometheus.Labels{"reason": reason}}, func() float64 { return float64(n.Load()) })
	}
	queued := &queuedCount{srv: srv}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight,
		stat("roost_sends_total", "Sends accepted (drafts included), by channel.", prometheus.Labels{"channel": "inbox"},
			func(s server.Stats) uint64 { return s.SendsInbox }),
		stat("roost_sends_total", "Sends accepted (drafts included), by channel.", prometheus.Labels{"channel": "in_app"},
			func(s server.Stats) uint64 { return s.SendsInApp }),
		stat("roost_polls_total", "Poll answers made, by where they came from: the poll cache or the store.", prometheus.Labels{"source": "cache"},
			func(s server.Stats) uint64 { return s.PollsCached }),
		stat("roost_polls_total", "Poll answers made, by where they came from: the poll cache or the store.", prometheus.Labels{"source": "store"},
			func(s server.Stats) uint64 { return s.PollsRead }),
		stat("roost_events_total", "Browser events, by outcome.", prometheus.Labels{"outcome": "applied"},
			func(s server.Stats) uint64 { return s.EventsApplied }),
		stat("roost_events_total", "Browser events, by outcome.", prometheus.Labels{"outcome": "rejected"},
			func(s server.Stats) uint64 { return s.EventsRejected }),
		stat("roost_maintenance_rounds_total", maintenanceHelp,
			prometheus.Labels{"result": "ran"}, func(s server.Stats) uint64 { return s.MaintainRan }),
		stat("roost_maintenance_rounds_total", maintenanceHelp,
			prometheus.Labels{"result": "skipped"}, func(s server.Stats) uint64 { return s.MaintainSkipped }),
		stat("roost_maintenance_rounds_total", maintenanceHelp,
			prometheus.Labels{"result": "failed"}, func(s server.Stats) uint64 { return s.MaintainFailed }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "roost_streams_open", Help: "Streams (GET /v1/client/stream) open on this process.",
		}, func() float64 { return float64(srv.StreamsOpen()) }),
		stat("roost_streams_refused_total", streamsRefusedHelp, prometheus.Labels{"reason": "off"},
			func(s server.Stats) uint64 { return s.StreamsRefusedOff }),
		stat("roost_streams_refused_total", streamsRefusedHelp, prometheus.Labels{"reason": "person"},
			func(s server.Stats) uint64 { return s.StreamsRefusedPerson }),
		stat("roost_streams_refused_total", streamsRefusedHelp, prometheus.Labels{"reason": "process"},
			func(s server.Stats) uint64 { return s.StreamsRefusedProcess }),
		stat("roost_stream_answers_total", "Poll answers streams sent: each stream's first (an answer, or unchanged when the client had it) and every change after.", nil,
			func(s server.Stats) uint64 { return s.StreamAnswers }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "roost_queued_messages", Help: "Messages queued for people now: what polls return (counted at most every 10 s).",
		}, queued.value),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "roost_http_connections_open", Help: "Open connections of the main listener (-max-conns; streams that took their connection over not included: roost_streams_open).",
		}, func() float64 { return float64(m.conns.open.Load()) }),
		shed("idle", &m.conns.idle), shed("slow", &m.conns.slow), shed("refused", &m.conns.refused),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roost_build_info", Help: "Always 1: the labels say which roost and runtime run.", ConstLabels: build},
			func() float64 { return 1 }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for _, site := range append([]string{""}, api.SiteIDs()...) {
		for _, reason := range httpapi.RefusalReasons {
			if (site == "") != (reason == httpapi.RefusedUnknownSite) {
				continue // an unknown site is refused as such, a known one for its origin or signature
			}
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "roost_client_refused_total", Help: "Browser requests refused before the rules, by site (\"\" for an unknown one) and reason.",
				ConstLabels: prometheus.Labels{"site": site, "reason": reason},
			}, func() float64 { return float64(api.Refusals(site, reason)) }))
		}
	}
	for _, side := range httpapi.AuthSides {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "roost_auth_throttled_total", Help: "Failed authentications answered 429 because their address failed too often (wrong API keys: send; wrong signatures: client).",
			ConstLabels: prometheus.Labels{"side": side},
		}, func() float64 { return float64(api.AuthThrottled(side)) }))
	}
	return m
}

// handler serves the metrics in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument counts and times every request next answers.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		m.observe(r, rec, start)
	})
}

// observe counts and times a request answered (rec) that started at
// start. It is a function of its own so that instrument's frame, under
// every stream's handler while the stream lasts, stays small.
func (m *metrics) observe(r *http.Request, rec *recorder, start time.Time) {
	m.inFlight.Dec()
	route := httpapi.Route(r)
	m.requests.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(rec.status)).Inc()
	m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

// methodLabel is the metrics label of a request method: the method when
// it is a standard one, else "other", so that clients cannot make a label
// value (and a time series) per made-up method.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// queuedCount is the number of queued messages, read at most every
// queuedCacheFor.
type queuedCount struct {
	srv  *server.Server
	mu   sync.Mutex
	at   time.Time
	last float64
}

// value returns the count, reading it again when it is old; NaN (unknown)
// when the store cannot count.
func (q *queuedCount) value() float64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if time.Since(q.at) < queuedCacheFor && !q.at.IsZero() {
		return q.last
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := q.srv.CountQueued(ctx)
	if err != nil {
		return math.NaN()
	}
	q.at, q.last = time.Now(), float64(n)
	return q.last
}
