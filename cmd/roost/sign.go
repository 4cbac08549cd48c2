package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/service"
)

// sign prints the signature of a user id for a site, or with -ttl an
// identity token that expires, from the same settings serve reads (-site,
// -site-secret, or their variables).
func sign(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sign", "sign [-for SITE] [-ttl DURATION] [FLAGS] USER_ID\n\n"+
		"Prints the signature a page passes to analytics.identify(USER_ID, attributes, {signature}): the hex\n"+
		"HMAC-SHA256 of the id with the site's secret, as your backend makes it; with -ttl, an identity token\n"+
		"v1.<exp>.<hmac> that the server accepts until -ttl from now. The sites and secrets come from the flags\n"+
		"and variables serve reads (ROOST_SITE, ROOST_SITE_SECRET or ROOST_SITE_SECRET_FILE).", stderr)
	siteID := fs.String("for", "", "the site whose secret signs (needed when there are several)")
	ttl := fs.Duration("ttl", 0, "print an identity token that expires this long from now (1h, 30m), not a signature that never does")
	flags := service.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("sign takes one user id")
	}
	if *ttl < 0 || *ttl > server.MaxIdentityTokenAhead || (*ttl > 0 && *ttl < time.Second) {
		return fmt.Errorf("-ttl %s: give a duration from 1s to %s", *ttl, server.MaxIdentityTokenAhead)
	}
	cfg, err := flags.Config(env)
	if err != nil {
		return err
	}
	user := fs.Arg(0)
	if err := server.ValidatePersonID(user); err != nil {
		return errors.New(server.ErrorMessage(err))
	}
	var ids []string
	for _, s := range cfg.Sites {
		ids = append(ids, s.ID)
		if s.ID != *siteID && (*siteID != "" || len(cfg.Sites) > 1) {
			continue
		}
		if s.IdentitySecret == "" {
			return fmt.Errorf("site %s has no secret: set -site-secret (ROOST_SITE_SECRET or ROOST_SITE_SECRET_FILE)", s.ID)
		}
		sig := server.SignIdentity(s.IdentitySecret, user)
		if *ttl > 0 {
			sig = server.SignIdentityToken(s.IdentitySecret, user, time.Now().Add(*ttl))
		}
		_, err := fmt.Fprintln(stdout, sig)
		return err
	}
	switch {
	case len(ids) == 0:
		return errors.New("no site: set -site ID and -site-secret SECRET (ROOST_SITE, ROOST_SITE_SECRET), as for serve")
	case *siteID == "":
		return fmt.Errorf("there are several sites (%s): say which with -for", strings.Join(ids, ", "))
	}
	return fmt.Errorf("no site %q among %s", *siteID, strings.Join(ids, ", "))
}
