package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
)

//go:embed static
var static embed.FS

// options configure the example site.
type options struct {
	// DataDir holds roost.db and the generated API key.
	DataDir string
	// APIKey is the App API key; empty: read or generate DataDir/api-key.
	APIKey string
	// SiteID is the site id browsers send.
	SiteID string
	// Seed is the templates-and-people file loaded at start ("" for none).
	Seed string
	// Assets is the directory of the built runtime (roost.js, roost-worker.js, roost.wasm, wasm_exec.js).
	Assets string
	// Tiers override the server's poll tiers (zero: the seed docs' 10 s / 60 s / 180 s).
	TierActive, TierInactive, TierLow time.Duration
	// Logger receives server errors (slog.Default when nil).
	Logger *slog.Logger
}

// site is the example website with its message server.
type site struct {
	db      *sqlite.DB
	handler http.Handler
	apiKey  string
}

// openSite opens the store, loads the seed and builds the handler.
func openSite(ctx context.Context, o options) (*site, error) {
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, err
	}
	key, err := apiKey(o)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(filepath.Join(o.DataDir, "roost.db"))
	if err != nil {
		return nil, err
	}
	if o.Seed != "" {
		if err := server.LoadSeed(ctx, db, o.Seed); err != nil {
			db.Close()
			return nil, fmt.Errorf("load seed: %w", err)
		}
	}
	srv := server.New(server.Config{
		APIKey: key, SiteID: o.SiteID, Logger: o.Logger,
		TierActive: o.TierActive, TierInactive: o.TierInactive, TierLow: o.TierLow,
	}, db)

	mux := http.NewServeMux()
	mux.Handle("/v1/", srv.Handler())
	mux.Handle("/roost/", http.StripPrefix("/roost/", runtimeFiles(o.Assets)))
	pages, _ := fs.Sub(static, "static")
	mux.Handle("/", http.FileServerFS(pages))
	return &site{db: db, handler: mux, apiKey: key}, nil
}

// Close closes the store.
func (s *site) Close() error { return s.db.Close() }

// apiKey returns the configured key, or the one kept in the data directory
// (generated on first start).
func apiKey(o options) (string, error) {
	if o.APIKey != "" {
		return o.APIKey, nil
	}
	path := filepath.Join(o.DataDir, "api-key")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) && err != nil {
		return "", err
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	key := "roost_" + hex.EncodeToString(b[:])
	return key, os.WriteFile(path, []byte(key+"\n"), 0o600)
}

// runtimeFiles serves the built runtime; .wasm as application/wasm so the
// browser compiles it while it downloads.
func runtimeFiles(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
