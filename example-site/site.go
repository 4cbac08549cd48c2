package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/service"
)

//go:embed static
var static embed.FS

// demoUser is the person the demo shop has logged in: the seed's user_123.
const demoUser = "user_123"

// options configure the example site.
type options struct {
	// Addr is the listen address.
	Addr string
	// DataDir holds roost.db, the generated API key and the generated site secret.
	DataDir string
	// APIKey is the App API key; empty: read or generate DataDir/api-key.
	APIKey string
	// SiteSecret signs the identities the page passes to analytics.identify;
	// empty: read or generate DataDir/site-secret. Signing is always on.
	SiteSecret string
	// SiteID is the site id browsers send.
	SiteID string
	// Seed is the templates-and-people file loaded at start ("" for none).
	Seed string
	// Assets is the directory of the built runtime (make runtime's
	// server/assets/dist); "" serves the one built into the binary.
	Assets string
	// Tiers override the server's poll tiers (zero: the seed docs' 10 s / 60 s / 180 s).
	TierActive, TierInactive, TierLow time.Duration
	// SendRateLimit is the send-side requests per second per API key (0: the
	// server's default, negative: no limit).
	SendRateLimit float64
	// NoStreams switches the push channel off (the runtime polls);
	// StreamHeartbeat is its heartbeat (0: the server's default).
	NoStreams       bool
	StreamHeartbeat time.Duration
	// Now is the message server's clock, for its store's timestamps too
	// (nil: time.Now).
	Now func() time.Time
	// Logger receives server errors (slog.Default when nil).
	Logger *slog.Logger
}

// site is the example website: a Roost server (service.Service, as cmd/roost
// runs it) with the shop's pages and demo endpoints beside its own routes.
type site struct {
	svc        *service.Service
	handler    http.Handler
	apiKey     string
	siteSecret string
}

// openSite opens the Roost server on the data directory, loads the seed
// and adds the shop's routes.
func openSite(ctx context.Context, o options) (*site, error) {
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, err
	}
	key, err := dataSecret(o.DataDir, "api-key", "roost_", o.APIKey)
	if err != nil {
		return nil, err
	}
	siteSecret, err := dataSecret(o.DataDir, "site-secret", "roost_site_", o.SiteSecret)
	if err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	svc, err := service.Open(service.Config{
		Addr: o.Addr, DB: filepath.Join(o.DataDir, "roost.db"),
		Sites:   []httpapi.Site{{ID: o.SiteID, IdentitySecret: siteSecret}},
		APIKeys: []string{key}, SendRateLimit: o.SendRateLimit,
		TierActive: o.TierActive, TierInactive: o.TierInactive, TierLow: o.TierLow,
		NoStreams: o.NoStreams, StreamHeartbeat: o.StreamHeartbeat,
		RuntimeDir: o.Assets, Logger: logger, Now: o.Now,
	})
	if err != nil {
		return nil, err
	}
	if o.Seed != "" {
		if err := server.LoadSeed(ctx, svc.Store(), o.Seed); err != nil {
			svc.Close()
			return nil, fmt.Errorf("load seed: %w", err)
		}
	}
	svc.Handle("/api/session", sessionHandler(siteSecret))
	svc.Handle("/api/demo/send", demoSendHandler(key, o.Now))
	svc.Handle("GET /api/demo/templates", demoTemplatesHandler())
	svc.Handle("/csp-report", cspReportHandler(logger))
	pages, _ := fs.Sub(static, "static")
	svc.Handle("/", withCSP(http.FileServerFS(pages)))
	svc.Handle("GET /control", withCSP(servePage(pages, "control.html")))
	svc.Handle("GET /headless", withCSP(servePage(pages, "headless.html")))
	return &site{svc: svc, handler: svc.Handler(), apiKey: key, siteSecret: siteSecret}, nil
}

// servePage answers with the page name of pages: a page at a path of its own
// (/control, /headless), without .html.
func servePage(pages fs.FS, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, pages, name)
	})
}

// Close closes the store.
func (s *site) Close() error { return s.svc.Close() }

// dataSecret returns configured when it is set, else the secret kept in the
// data directory's file name, generated on first start (prefix and 24 random
// bytes in hex, written with mode 0600).
func dataSecret(dataDir, name, prefix, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	path := filepath.Join(dataDir, name)
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) && err != nil {
		return "", err
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	secret := prefix + hex.EncodeToString(b[:])
	return secret, os.WriteFile(path, []byte(secret+"\n"), 0o600)
}

// session is the answer of GET /api/session.
type session struct {
	// User is the logged-in person's id.
	User string `json:"user"`
	// Signature is server.SignIdentity(site secret, User).
	Signature string `json:"signature"`
}

// sessionHandler answers GET /api/session: the logged-in person and their
// identity signature, which the page passes to analytics.identify. A real
// site takes the person from its own login session; the demo's is always
// demoUser, and the page has no say in whom it is signed for. The answer has
// no CORS headers, so only the site's own pages can read it.
func sessionHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write([]byte(`{"meta":{"error":"method not allowed: use GET"}}` + "\n"))
			return
		}
		_ = json.NewEncoder(w).Encode(session{User: demoUser, Signature: server.SignIdentity(secret, demoUser)})
	})
}

// contentSecurityPolicy is the policy of the example site's pages and of the
// runtime's files: a strict one, which Roost runs under. WebAssembly needs
// 'wasm-unsafe-eval' in script-src: the runtime's worker compiles roost.wasm,
// and a worker's policy is the one its own script is served with. Everything
// else is 'self': the scripts, the worker, the presenter's stylesheet (a
// <link>, no inline style) and the message server (connect-src). img-src also
// takes https: and data:, for the images of in-app messages. report-uri is
// the one addition to the policy a site would write anyway: /csp-report logs
// each violation, and the browser tests check that none happens.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' https: data:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; report-uri /csp-report"

// withCSP sends contentSecurityPolicy with every answer of h.
func withCSP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		h.ServeHTTP(w, r)
	})
}

// cspReportHandler takes the violation reports browsers post to the
// policy's report-uri, and logs them.
func cspReportHandler(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		report, _ := io.ReadAll(io.LimitReader(r.Body, 16<<10))
		logger.Warn("Content-Security-Policy violation", "report", string(report))
		w.WriteHeader(http.StatusNoContent)
	})
}
