package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/roostmsg/roost/server/service"
)

// serve runs the server until ctx is done (SIGINT or SIGTERM), then shuts
// it down gracefully.
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
	svc, err := service.Open(cfg)
	if err != nil {
		return err
	}
	defer svc.Close()
	log := svc.Logger()
	for _, s := range cfg.Sites {
		origins := "same origin only"
		if len(s.Origins) > 0 {
			origins = strings.Join(s.Origins, " ")
		}
		if s.IdentitySecret == "" {
			log.Warn("INSECURE: site without an identity secret: user ids are not signed, so anyone can read and change anyone's messages (-insecure-unsigned-identities)",
				"site", s.ID, "origins", origins)
		} else {
			log.Info("site", "id", s.ID, "origins", origins, "signed_identities", true)
		}
		if cfg.PublicURL != "" {
			log.Info("embed it with", "site", s.ID, "tag", fmt.Sprintf(`<script src="%s/roost/roost.js" data-site-id="%s"></script>`,
				strings.TrimSuffix(cfg.PublicURL, "/"), s.ID))
		}
	}
	return svc.Run(ctx, func(addr, metricsAddr net.Addr) {
		attrs := []any{"addr", addr.String(), "db", cfg.DB, "api_keys", len(cfg.APIKeys), "version", buildVersion()}
		if metricsAddr != nil {
			attrs = append(attrs, "metrics_addr", metricsAddr.String())
		}
		log.Info("roost is serving", attrs...)
	})
}
