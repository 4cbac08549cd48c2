package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/assets"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/postgres"
	"github.com/roostmsg/roost/server/sqlite"
)

// Service is one Roost server process: open it, add routes of your own if
// you like (Handle), Run it, Close it.
type Service struct {
	cfg     Config
	log     *slog.Logger
	db      Database
	srv     *server.Server
	api     *httpapi.Handler
	metrics *metrics
	mux     *http.ServeMux
	// unlock releases the database's lock (lockDB).
	unlock func()
	// runtime is the version of the runtime's files it serves.
	runtime string
	// fallback answers what no route takes: 404, unless Handle("/") replaced it.
	fallback http.Handler
	// handler is mux with request logging and metrics around it.
	handler http.Handler
	// closed ends with Close: the background work (runtime deltas) stops.
	closed context.Context
	close  context.CancelFunc
}

// Open checks cfg, opens its store (migrating it) and wires the server.
// The error says which setting is wrong, or why the store cannot open.
func Open(cfg Config) (*Service, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	files, err := RuntimeFiles(cfg.RuntimeDir)
	if err != nil {
		return nil, err
	}
	db, unlock, err := openDB(cfg)
	if err != nil {
		return nil, err
	}
	s, err := wire(cfg, db, files)
	if err != nil {
		db.Close()
		if unlock != nil {
			unlock()
		}
		return nil, err
	}
	s.unlock = unlock
	return s, nil
}

// openDB opens cfg.DB, which Validate checked, with cfg's clock. A SQLite
// file is locked first (lockDB): one server per file; unlock releases it
// (nil for PostgreSQL, which several servers share).
func openDB(cfg Config) (db Database, unlock func(), err error) {
	if !IsPostgres(cfg.DB) {
		if err := sqlite.PrepareFile(cfg.DB); err != nil { // what to fix, before the lock file beside it
			return nil, nil, err
		}
		if unlock, err = lockDB(cfg.DB); err != nil {
			return nil, nil, err
		}
	}
	if db, err = openChecked(context.Background(), cfg.DB); err != nil {
		if unlock != nil {
			unlock()
		}
		return nil, nil, err
	}
	if cfg.Now != nil {
		switch db := db.(type) {
		case *sqlite.DB:
			db.Now = cfg.Now
		case *postgres.DB:
			db.Now = cfg.Now
		}
	}
	return db, unlock, nil
}

// wire builds the service on an open store, serving the runtime's files.
func wire(cfg Config, db Database, files fs.FS) (*Service, error) {
	s := &Service{cfg: cfg, log: cfg.Logger, db: db}
	s.srv = server.New(server.Config{
		TierActive: cfg.TierActive, TierInactive: cfg.TierInactive, TierLow: cfg.TierLow,
		PollCacheBytes: cfg.PollCacheBytes, Now: cfg.Now, Logger: cfg.Logger,
		NoStreams: cfg.streamsOff(), StreamMax: cfg.streamMax(), StreamMaxPerPerson: cfg.StreamMaxPerPerson,
	}, db)
	trusted, err := cfg.trustedProxies()
	if err != nil {
		return nil, err
	}
	s.api, err = httpapi.New(s.srv, httpapi.Config{
		APIKeys: cfg.APIKeys, Sites: cfg.Sites, SendRateLimit: cfg.SendRateLimit, SendRateBurst: cfg.SendRateBurst,
		PublicURL: cfg.PublicURL, TrustedProxies: trusted, Logger: cfg.Logger,
		StreamHeartbeat: cfg.StreamHeartbeat, StreamMaxAge: cfg.StreamMaxAge, StreamWriteTimeout: cfg.WriteTimeout,
		StreamPlain: cfg.StreamPlain,
	})
	if err != nil {
		return nil, err
	}
	deltas := assets.NewDeltas()
	runtime, err := assets.New(files, assets.Options{FrameAncestors: s.api.SiteOrigins, Logger: cfg.Logger, Deltas: deltas})
	if err != nil {
		return nil, fmt.Errorf("-runtime-dir %s: %w", cfg.RuntimeDir, err)
	}
	s.closed, s.close = context.WithCancel(context.Background())
	s.rememberModules(files, deltas)
	s.runtime = cmp.Or(assets.Version(files), "unversioned")
	s.metrics = newMetrics(s.srv, db, s.api, prometheus.Labels{
		"version": cmp.Or(cfg.Version, "unknown"), "runtime": s.runtime, "goversion": goruntime.Version()})
	s.mux = http.NewServeMux()
	s.mux.Handle("/v1/", s.api)
	s.mux.Handle("/roost/", http.StripPrefix("/roost", runtime))
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if cfg.MetricsAddr == "" {
		s.mux.Handle("GET /metrics", s.metrics.handler())
	}
	s.fallback = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, server.Errorf(server.ENOTFOUND, "no such route: %s %s", r.Method, server.Quote(r.URL.Path)))
	})
	s.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.fallback.ServeHTTP(w, r) }))
	s.handler = s.metrics.instrument(s.logRequests(s.mux))
	return s, nil
}

// RuntimeFiles returns the browser runtime's files: those of dir (a make
// runtime build), or when dir is "" the ones built into the binary, or an
// error saying how to get them.
func RuntimeFiles(dir string) (fs.FS, error) {
	if dir != "" {
		files := os.DirFS(dir)
		if missing := assets.Missing(files); missing != "" {
			return nil, fmt.Errorf("%s %s holds no built runtime (no %s): run `make runtime` and name its server/assets/dist", setting("runtime-dir"), dir, missing)
		}
		return files, nil
	}
	files, err := assets.Embedded()
	if err != nil {
		return nil, fmt.Errorf("%w; or serve a build with -runtime-dir", err)
	}
	return files, nil
}

// RuntimeVersion returns the version of the browser runtime the service
// serves (assets.Version), or "unversioned".
func (s *Service) RuntimeVersion() string { return s.runtime }

// Migrated returns the database migrations Open applied.
func (s *Service) Migrated() []string { return s.db.Migrated() }

// Store returns the service's store, for what must be written before it
// serves (the example site's seed). A write made on it goes around the
// poll cache: make none while the service serves.
func (s *Service) Store() server.Store { return s.db }

// Server returns the rules the service runs.
func (s *Service) Server() *server.Server { return s.srv }

// API returns the HTTP API the service serves under /v1/.
func (s *Service) API() *httpapi.Handler { return s.api }

// Logger returns the service's logger.
func (s *Service) Logger() *slog.Logger { return s.log }

// Handle adds a route of the caller's to the service's (the example site
// adds its pages); call it before Run. Patterns are http.ServeMux's; the
// service's own are /v1/, /roost/, /healthz, /readyz and /metrics, and "/"
// replaces the 404 answer of every path no route takes.
func (s *Service) Handle(pattern string, h http.Handler) {
	if pattern == "/" {
		s.fallback = h
		return
	}
	s.mux.Handle(pattern, h)
}

// Handler returns the handler of every route, with request logging and
// metrics.
func (s *Service) Handler() http.Handler { return s.handler }

// Run listens on cfg.Addr (and cfg.MetricsAddr) and serves until ctx is
// done, then shuts down gracefully (Serve). ready, when not nil, is called
// with the listeners' addresses once they listen.
func (s *Service) Run(ctx context.Context, ready func(addr, metricsAddr net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on -addr %s: %w", s.cfg.Addr, err)
	}
	var mln net.Listener
	if s.cfg.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", s.cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on -metrics-addr %s: %w", s.cfg.MetricsAddr, err)
		}
	}
	if ready != nil {
		var maddr net.Addr
		if mln != nil {
			maddr = mln.Addr()
		}
		ready(ln.Addr(), maddr)
	}
	return s.Serve(ctx, ln, mln)
}

// drainGrace is how long a shutdown lets open connections carry one more
// request (answered with Connection: close) before closing the idle ones:
// a keep-alive client whose request is already on its way when its idle
// connection is closed gets no answer at all.
const drainGrace = 500 * time.Millisecond

// Serve serves on ln (and the metrics on mln, if not nil) until ctx is
// done. Then it ends the streams (closing the connections they took
// over), stops accepting connections and, for drainGrace at most,
// lets each open one carry one more request, answered with Connection:
// close; then it closes the idle ones, lets the requests in flight finish
// (for cfg.ShutdownTimeout in all, after which their connections are
// closed), waits for the streams' goroutines, stops the background work,
// and returns. The store stays open
// until Close, so no request in flight ever finds it closed.
func (s *Service) Serve(ctx context.Context, ln, mln net.Listener) error {
	limited := newLimitListener(ln, s.cfg.MaxConns, s.log, s.metrics.conns)
	var draining atomic.Bool
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if draining.Load() {
				w.Header().Set("Connection", "close") // the server closes it after this answer
			}
			if s.cfg.WriteTimeout > 0 && r.URL.Path != inbox.PathStream {
				// No answer can be written after the write timeout: with a
				// tenth of it left, a database that stops answering makes a
				// 503 the client gets, not a hung request. A stream bounds
				// each of its writes and reads instead (httpapi.Config.StreamWriteTimeout).
				ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WriteTimeout-s.cfg.WriteTimeout/10)
				defer cancel()
				r = r.WithContext(ctx)
			}
			s.handler.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ConnState:         limited.track,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	servers := []*http.Server{hs}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(limited) }()
	if mln != nil {
		// The metrics listener also answers the health checks: it has no
		// connection cap, so an orchestrator's probe is answered even while
		// the main listener is full of slow clients.
		ops := http.NewServeMux()
		ops.Handle("GET /metrics", s.metrics.handler())
		ops.HandleFunc("GET /healthz", s.healthz)
		ops.HandleFunc("GET /readyz", s.readyz)
		ms := &http.Server{Handler: ops, ReadHeaderTimeout: s.cfg.ReadHeaderTimeout, IdleTimeout: s.cfg.IdleTimeout,
			WriteTimeout: s.cfg.WriteTimeout, ErrorLog: hs.ErrorLog}
		servers = append(servers, ms)
		go func() { errc <- ms.Serve(mln) }()
	}
	maintainCtx, stopMaintain := context.WithCancel(context.WithoutCancel(ctx))
	var maintaining sync.WaitGroup
	maintaining.Go(func() { s.srv.Maintain(maintainCtx, s.cfg.MaintainEvery) })
	maintaining.Go(func() { s.srv.ListenShared(maintainCtx) }) // other processes' writes, to the streams

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc: // a listener failed
	}
	s.log.Info("shutting down: finishing the requests in flight", "timeout", s.cfg.ShutdownTimeout.String())
	start := time.Now()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	draining.Store(true)
	s.srv.CloseStreams() // streams end now: their clients poll, or reconnect to another process
	_ = limited.Close()  // new connections are refused
	limited.drain(shutdownCtx, drainGrace)
	var wg sync.WaitGroup
	for _, h := range servers {
		wg.Go(func() {
			if err := h.Shutdown(shutdownCtx); err != nil {
				s.log.Warn("requests still running at the shutdown timeout: their connections are closed", "err", err)
				h.Close()
			}
		})
	}
	wg.Wait()
	// Streams that took their connection over are no requests of the
	// http.Server's: CloseStreams closed their connections, and their
	// goroutines end; none may still write once Serve returns.
	if err := s.srv.WaitStreams(shutdownCtx); err != nil {
		s.log.Warn("streams still ending at the shutdown timeout", "open", s.srv.StreamsOpen())
	}
	stopMaintain()
	maintaining.Wait()
	s.log.Info("shut down", "took", time.Since(start).Round(time.Millisecond).String())
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close closes the store and releases its lock. Call it after Run or
// Serve returned.
func (s *Service) Close() error {
	if s.close != nil {
		s.close()
	}
	err := s.db.Close()
	if s.unlock != nil {
		s.unlock()
	}
	return err
}
