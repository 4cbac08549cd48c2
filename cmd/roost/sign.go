package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/service"
)

// signUsage is the first part of `roost sign -h`: what it does.
const signUsage = "sign [-for SITE] [-ttl TTL] [-site ...] [-site-secret ...] USER_ID\n\n" +
	"Prints the signature a page passes to analytics.identify(USER_ID, attributes, {signature}): the hex\n" +
	"HMAC-SHA256 of the id with the site's secret, as your backend makes it; with -ttl, an identity token\n" +
	"v1.<exp>.<hmac> that the server accepts until TTL from now. The site and its secret come from the same\n" +
	"flags and variables serve reads (ROOST_SITE, ROOST_SITE_SECRET or ROOST_SITE_SECRET_FILE)."

// signExample ends `roost sign -h`.
const signExample = `
Examples:
  ROOST_SITE=shop ROOST_SITE_SECRET=... roost sign user_123
  roost sign -ttl 30d user_123           # a token that expires in 30 days
  roost sign -for blog -ttl 1h user_123  # with several sites, the one to sign for`

// signSettings are the serve settings sign reads (to find the site
// secret), in order: the only ones its -h shows and its command line
// takes.
var signSettings = []string{"site", "site-secret", "site-secret-file"}

// signSettingUsage is the help of each of signSettings in `roost sign -h`
// (a backquoted word names the value); its variable is added to it.
var signSettingUsage = map[string]string{
	"site":             "a site, as for serve: `ID`, or ID=ORIGIN,...; repeat for several",
	"site-secret":      "the site's secret: `SECRET`, or ID=SECRET with several sites; repeat for several",
	"site-secret-file": "a `FILE` of site secrets, one a line, as for -site-secret",
}

// sign prints the signature of a user id for a site, or with -ttl an
// identity token that expires, from the same settings serve reads (-site,
// -site-secret, -site-secret-file, or their variables).
func sign(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("roost sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: roost %s\n\nFlags:\n", signUsage)
		fs.PrintDefaults()
		fmt.Fprintln(stderr, signExample)
	}
	siteID := fs.String("for", "", "the `SITE` whose secret signs (needed when there are several)")
	var ttl ttlValue
	fs.Var(&ttl, "ttl", "print an identity token that expires `TTL` from now, not a signature that never does: "+ttlForms)
	// serve's settings go on a flag set of their own; sign's command line
	// takes only those it needs and hands them on (see replay).
	all := flag.NewFlagSet("roost sign", flag.ContinueOnError)
	all.SetOutput(io.Discard)
	flags := service.BindFlags(all)
	given := map[string]*replay{}
	for _, name := range signSettings {
		given[name] = &replay{}
		fs.Var(given[name], name, signSettingUsage[name]+" (env "+service.EnvName(name)+")")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		if fs.NArg() == 0 {
			return errors.New("sign needs a user id: roost sign [FLAGS] USER_ID")
		}
		return fmt.Errorf("sign takes one user id, not %d (%s): flags go before it", fs.NArg(), strings.Join(fs.Args(), " "))
	}
	for _, name := range signSettings {
		for _, v := range given[name].values {
			if err := all.Set(name, v); err != nil {
				return fmt.Errorf("-%s: %w", name, err)
			}
		}
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
		if ttl > 0 {
			sig = server.SignIdentityToken(s.IdentitySecret, user, time.Now().Add(time.Duration(ttl)))
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

// replay keeps the values a flag is given, in order, to be set on the
// flag set that reads them; set there, they win over its variables.
type replay struct{ values []string }

// String implements flag.Value.
func (r *replay) String() string { return "" }

// Set implements flag.Value.
func (r *replay) Set(v string) error {
	r.values = append(r.values, v)
	return nil
}
