package service

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/roostmsg/roost/server/httpapi"
)

// readyTimeout bounds the store check of /readyz.
const readyTimeout = 2 * time.Second

// healthz answers GET /healthz: 200 while the process serves requests.
func (s *Service) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers GET /readyz: 200 when the store answers a read (it is
// open, so its migrations are done), else 503 saying why.
func (s *Service) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.srv.Ready(ctx); err != nil {
		s.log.Warn("not ready: the store does not answer", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: the store does not answer\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// logRequests logs a line per request at debug level: method, route
// pattern, status, bytes and duration. Never headers, query strings or
// bodies, which carry keys, signatures and message data. A stream that
// took its connection over (httpapi's handleStream) is logged when it
// opens, with hijacked=true: its status is 200, and took and bytes are
// those of its opening, not of the stream's life (which ends unlogged).
func (s *Service) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.logRequest(r, rec, start)
	})
}

// logRequest logs the line of a request answered (rec) that started at
// start. It is a function of its own so that logRequests' frame, under
// every stream's handler while the stream lasts, stays small.
func (s *Service) logRequest(r *http.Request, rec *recorder, start time.Time) {
	attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", httpapi.Route(r)),
		slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
		slog.String("took", time.Since(start).String())}
	if rec.hijacked {
		attrs = append(attrs, slog.Bool("hijacked", true))
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "request", attrs...)
}

// recorder keeps the status and the size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
	// hijacked is whether the handler took the connection over (a
	// stream): what it then writes is not counted.
	hijacked bool
}

// WriteHeader implements http.ResponseWriter.
func (w *recorder) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (w *recorder) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Hijack lets the handler take the connection over (http.Hijacker),
// noting that it did.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, brw, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
