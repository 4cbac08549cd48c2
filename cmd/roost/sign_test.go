package main

import (
	"flag"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/service"
)

// TestSign_Usage: `roost sign -h` says what sign does, shows its own
// flags and the settings it finds the site secret with, and an example,
// and none of serve's other settings.
func TestSign_Usage(t *testing.T) {
	_, help, err := runRoost(t, nil, "sign", "-h")
	require.ErrorIs(t, err, flag.ErrHelp)
	assert.Contains(t, help, "Usage: roost sign")
	assert.Contains(t, help, "HMAC-SHA256")
	for _, name := range []string{"for", "ttl", "site", "site-secret", "site-secret-file"} {
		assert.Contains(t, help, "\n  -"+name+" ", "sign -h shows -%s", name)
	}
	for _, env := range []string{"ROOST_SITE)", "ROOST_SITE_SECRET)", "ROOST_SITE_SECRET_FILE)"} {
		assert.Contains(t, help, env)
	}
	assert.Contains(t, help, "0: a plain signature that never expires")
	assert.Contains(t, help, "roost sign -ttl 30d user_123", "an example")

	serve := flag.NewFlagSet("serve", flag.ContinueOnError)
	service.BindFlags(serve)
	serve.VisitAll(func(f *flag.Flag) {
		if f.Name == "site" || f.Name == "site-secret" || f.Name == "site-secret-file" {
			return
		}
		assert.NotContains(t, help, "\n  -"+f.Name+" ", "sign -h shows serve's -%s", f.Name)
		assert.NotContains(t, help, "\n  -"+f.Name+"\n", "sign -h shows serve's -%s", f.Name)
	})
	assert.Less(t, strings.Count(help, "\n"), 30, "sign -h is short:\n%s", help)

	_, _, err = runRoost(t, nil, "sign", "-max-conns", "5", "u1")
	assert.ErrorContains(t, err, "-max-conns", "a setting sign does not read is refused, not ignored")
}

// TestSign_MissingID: sign without a user id says so in one line and
// prints its usage; with words after the id it says flags go first.
func TestSign_MissingID(t *testing.T) {
	env := map[string]string{"ROOST_SITE": "shop", "ROOST_SITE_SECRET": "s3cret"}
	_, stderr, err := runRoost(t, env, "sign")
	require.Error(t, err)
	assert.Equal(t, "sign needs a user id: roost sign [FLAGS] USER_ID", err.Error())
	assert.Contains(t, stderr, "Usage: roost sign")
	assert.NotContains(t, stderr, "-max-conns")

	_, _, err = runRoost(t, env, "sign", "user_123", "-ttl", "1h")
	assert.ErrorContains(t, err, "flags go before it")
}

// TestSign_FlagsWinOverVariables: a secret on sign's command line is the
// one it signs with, as for serve, not an extra one beside the variable's.
func TestSign_FlagsWinOverVariables(t *testing.T) {
	env := map[string]string{"ROOST_SITE": "shop", "ROOST_SITE_SECRET": "from-env"}
	out, _, err := runRoost(t, env, "sign", "-site-secret", "from-flag", "u1")
	require.NoError(t, err)
	assert.Equal(t, server.SignIdentity("from-flag", "u1")+"\n", out)
	out, _, err = runRoost(t, env, "sign", "-site", "blog", "-site-secret", "blog=b", "u1")
	require.NoError(t, err)
	assert.Equal(t, server.SignIdentity("b", "u1")+"\n", out)
}

// TestSign_TTLDays: -ttl takes days (30d, 1d12h) as well as Go durations,
// 0 for a plain signature, and refuses a negative ttl, one past the
// server's 400 days, and a malformed one, saying what is allowed.
func TestSign_TTLDays(t *testing.T) {
	env := map[string]string{"ROOST_SITE": "shop", "ROOST_SITE_SECRET": "s3cret"}
	for ttl, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "1d12h": 36 * time.Hour, "400d": server.MaxIdentityTokenAhead, "90m": 90 * time.Minute} {
		before := time.Now()
		out, _, err := runRoost(t, env, "sign", "-ttl", ttl, "user_123")
		require.NoError(t, err, ttl)
		token := strings.TrimSuffix(out, "\n")
		parts := strings.Split(token, ".")
		require.Len(t, parts, 3, "-ttl %s prints a token: %q", ttl, token)
		exp, err := strconv.ParseInt(parts[1], 10, 64)
		require.NoError(t, err)
		assert.InDelta(t, before.Add(want).Unix(), exp, 2, "-ttl %s expires %s from now", ttl, want)
		assert.NoError(t, server.VerifyIdentity("s3cret", "user_123", token, time.Now()), ttl)
	}

	out, _, err := runRoost(t, env, "sign", "-ttl", "0", "user_123")
	require.NoError(t, err)
	assert.Equal(t, server.SignIdentity("s3cret", "user_123")+"\n", out, "-ttl 0 is a plain signature")

	for ttl, want := range map[string]string{
		"500d":  "at most 400 days (9600h)",
		"9601h": "at most 400 days (9600h)",
		"-1h":   "cannot be negative",
		"-2d":   "cannot be negative",
		"1ms":   "at least 1s",
		"soon":  "days (30d), a Go duration (8h, 90m) or both (1d12h)",
		"1.5d":  "days (30d), a Go duration (8h, 90m) or both (1d12h)",
		"5h1d":  "days (30d), a Go duration (8h, 90m) or both (1d12h)",
	} {
		out, _, err := runRoost(t, env, "sign", "-ttl", ttl, "user_123")
		assert.ErrorContains(t, err, want, "-ttl %s", ttl)
		assert.Empty(t, out, "-ttl %s prints nothing", ttl)
	}
}
