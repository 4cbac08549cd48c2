package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/roostmsg/roost/server/service"
)

// serve runs the server until ctx is done (SIGINT or SIGTERM), then shuts
// it down gracefully. Once the logger exists, a failure is logged through
// it too (so a JSON log has it) and returned as a loggedError.
func serve(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [FLAGS]\n\nRuns the Roost server. Each flag can be set by the environment variable named after it.", stderr)
	flags := service.BindFlags(fs)
	flags.LogOutput = stderr
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	cfg, err := flags.Config(env)
	if err != nil {
		return err
	}
	log := cfg.Logger
	cfg.Version = buildVersion()
	for _, name := range flags.UnknownEnv(os.Environ()) {
		log.Warn("an environment variable names no setting, and is ignored: is it misspelt? (roost serve -h lists them)", "variable", name)
	}
	if err := runService(ctx, cfg, log); err != nil {
		log.Error("roost stopped", "err", err.Error())
		return loggedError{err}
	}
	return nil
}

// runService opens the service of cfg, serves until ctx is done, and
// closes it: a store that cannot close cleanly (its last checkpoint) is an
// error too.
func runService(ctx context.Context, cfg service.Config, log *slog.Logger) error {
	svc, err := service.Open(cfg)
	if err != nil {
		return err
	}
	if m := svc.Migrated(); len(m) > 0 {
		log.Info("database migrated", "db", service.ShowDB(cfg.DB), "migrations", strings.Join(m, " "))
	}
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	for _, s := range cfg.Sites {
		origins, _ := svc.API().SiteOrigins(s.ID) // as they are compared
		shown := "same origin only"
		if len(origins) > 0 {
			shown = strings.Join(origins, " ")
		}
		if s.IdentitySecret == "" {
			log.Warn("INSECURE: site without an identity secret: user ids are not signed, so anyone can read and change anyone's messages (-insecure-unsigned-identities)",
				"site", s.ID, "origins", shown)
		} else {
			log.Info("site", "id", s.ID, "origins", shown, "signed_identities", true)
		}
		if cfg.PublicURL != "" {
			log.Info("embed it with", "site", s.ID, "tag", fmt.Sprintf(`<script src="%s/roost/roost.js" data-site-id="%s"></script>`,
				strings.TrimSuffix(cfg.PublicURL, "/"), s.ID))
		}
	}
	// SIGHUP (systemctl reload, a closed terminal) must not kill a server
	// whose requests would be lost: settings are read at start only.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			log.Warn("SIGHUP ignored: roost reads its settings at start; to apply new keys or secrets, restart it (SIGTERM finishes the requests in flight first)")
		}
	}()
	err = svc.Run(ctx, func(addr, metricsAddr net.Addr) {
		attrs := []any{"addr", addr.String(), "db", service.ShowDB(cfg.DB), "api_keys", len(cfg.APIKeys), "version", buildVersion(),
			"runtime", svc.RuntimeVersion(), "tiers", fmt.Sprintf("%v/%v/%v", cfg.TierActive, cfg.TierInactive, cfg.TierLow),
			"rate_limit", cfg.SendRateLimit, "trusted_proxies", cfg.TrustRule(), "streams", cfg.StreamRule()}
		if cfg.PublicURL != "" {
			attrs = append(attrs, "public_url", cfg.PublicURL)
		}
		if cfg.RuntimeDir != "" {
			attrs = append(attrs, "runtime_dir", cfg.RuntimeDir)
		}
		if metricsAddr != nil {
			attrs = append(attrs, "metrics_addr", metricsAddr.String())
		}
		log.Info("roost is serving", attrs...)
	})
	if cerr := svc.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("closing the database %s: %w (copy it only with its -wal file)", service.ShowDB(cfg.DB), cerr))
	}
	return err
}

// loggedError is an error serve has logged already.
type loggedError struct{ error }

// Unwrap returns the error.
func (e loggedError) Unwrap() error { return e.error }
