package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/service"
)

// sign prints the signature of a user id for a site, from the same
// settings serve reads (-site, -site-secret, or their variables).
func sign(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sign", "sign [-for SITE] [FLAGS] USER_ID\n\n"+
		"Prints the signature a page passes to analytics.identify(USER_ID, attributes, {signature}): the hex\n"+
		"HMAC-SHA256 of the id with the site's secret, as your backend makes it. The sites and secrets come from\n"+
		"the flags and variables serve reads (ROOST_SITE, ROOST_SITE_SECRET or ROOST_SITE_SECRET_FILE).", stderr)
	siteID := fs.String("for", "", "the site whose secret signs (needed when there are several)")
	flags := service.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("sign takes one user id")
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
		_, err := fmt.Fprintln(stdout, server.SignIdentity(s.IdentitySecret, user))
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
