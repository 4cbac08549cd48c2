package service_test

import (
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/service"
)

// parseFlags returns the Config that args and the variables of env give.
func parseFlags(t *testing.T, args []string, env map[string]string) (service.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("roost serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := service.BindFlags(fs)
	f.LogOutput = io.Discard
	if err := fs.Parse(args); err != nil {
		return service.Config{}, err
	}
	return f.Config(func(name string) string { return env[name] })
}

// mustParseFlags is parseFlags that fails the test on an error.
func mustParseFlags(t *testing.T, args []string, env map[string]string) service.Config {
	t.Helper()
	cfg, err := parseFlags(t, args, env)
	require.NoError(t, err)
	return cfg
}

// writeFile writes content to a new file under t.TempDir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestFlags_Defaults(t *testing.T) {
	cfg := mustParseFlags(t, nil, nil)
	assert.Equal(t, service.DefaultAddr, cfg.Addr)
	assert.Equal(t, service.DefaultDB, cfg.DB)
	assert.Equal(t, service.DefaultMaxConns, cfg.MaxConns)
	assert.Equal(t, service.DefaultShutdownTimeout, cfg.ShutdownTimeout)
	assert.Equal(t, 64<<20, cfg.PollCacheBytes)
	assert.Equal(t, float64(httpapi.DefaultSendRateLimit), cfg.SendRateLimit)
	assert.Empty(t, cfg.Sites)
	assert.Empty(t, cfg.APIKeys)
	assert.NotNil(t, cfg.Logger)
	assert.False(t, cfg.NoStreams, "streams are on")
	assert.Equal(t, 15*time.Second, cfg.StreamHeartbeat)
	assert.Equal(t, 30*time.Minute, cfg.StreamMaxAge)
	assert.Equal(t, 0, cfg.StreamMax, "0: -max-conns")
	assert.Equal(t, 10, cfg.StreamMaxPerPerson)
}

// TestFlags_Streams: the stream settings, from flags and variables.
func TestFlags_Streams(t *testing.T) {
	cfg := mustParseFlags(t, []string{"-stream=false", "-stream-heartbeat", "5s", "-stream-max", "50"},
		map[string]string{"ROOST_STREAM_MAX_PER_PERSON": "3", "ROOST_STREAM_MAX_AGE": "1h"})
	assert.True(t, cfg.NoStreams)
	assert.Equal(t, 5*time.Second, cfg.StreamHeartbeat)
	assert.Equal(t, 50, cfg.StreamMax)
	assert.Equal(t, 3, cfg.StreamMaxPerPerson)
	assert.Equal(t, time.Hour, cfg.StreamMaxAge)
	assert.False(t, mustParseFlags(t, nil, map[string]string{"ROOST_STREAM": "true"}).NoStreams)
	assert.True(t, mustParseFlags(t, nil, map[string]string{"ROOST_STREAM": "false"}).NoStreams)
	_, err := parseFlags(t, nil, map[string]string{"ROOST_STREAM": "sometimes"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ROOST_STREAM")
}

// TestFlags_Env: every flag has a variable; a flag given on the command
// line wins over it; lists in a variable are separated by spaces.
func TestFlags_Env(t *testing.T) {
	env := map[string]string{
		"ROOST_ADDR": "127.0.0.1:9000", "ROOST_DB": "/data/roost.db", "ROOST_MAX_CONNS": "64",
		"ROOST_READ_TIMEOUT": "3s", "ROOST_RATE_LIMIT": "-1", "ROOST_INSECURE_UNSIGNED_IDENTITIES": "true",
		"ROOST_POLL_CACHE": "1MiB", "ROOST_API_KEY": "k1 k2", "ROOST_METRICS_ADDR": "127.0.0.1:9100",
		"ROOST_SITE":        "shop=https://shop.example,https://www.shop.example blog=https://blog.example",
		"ROOST_SITE_SECRET": "shop=s1 blog=s2",
	}
	cfg := mustParseFlags(t, nil, nil)
	assert.Equal(t, httpapi.DefaultTrustedProxies, cfg.TrustedProxies, "loopback by default")
	cfg = mustParseFlags(t, nil, map[string]string{"ROOST_TRUSTED_PROXIES": "10.0.0.5 10.0.0.6"})
	assert.Equal(t, "10.0.0.5 10.0.0.6", cfg.TrustedProxies)
	assert.Equal(t, "none", mustParseFlags(t, []string{"-trusted-proxies", "none"}, nil).TrustedProxies)

	cfg = mustParseFlags(t, nil, env)
	assert.Equal(t, "127.0.0.1:9000", cfg.Addr)
	assert.Equal(t, "/data/roost.db", cfg.DB)
	assert.Equal(t, 64, cfg.MaxConns)
	assert.Equal(t, 3*time.Second, cfg.ReadTimeout)
	assert.Equal(t, -1.0, cfg.SendRateLimit)
	assert.True(t, cfg.AllowUnsignedIdentities)
	assert.Equal(t, 1<<20, cfg.PollCacheBytes)
	assert.Equal(t, "127.0.0.1:9100", cfg.MetricsAddr)
	assert.Equal(t, []string{"k1", "k2"}, cfg.APIKeys)
	assert.Equal(t, []httpapi.Site{
		{ID: "shop", IdentitySecret: "s1", Origins: []string{"https://shop.example", "https://www.shop.example"}},
		{ID: "blog", IdentitySecret: "s2", Origins: []string{"https://blog.example"}},
	}, cfg.Sites)

	cfg = mustParseFlags(t, []string{"-addr", "127.0.0.1:8000", "-api-key", "k0", "-max-conns", "5"}, env)
	assert.Equal(t, "127.0.0.1:8000", cfg.Addr, "the flag wins")
	assert.Equal(t, []string{"k0"}, cfg.APIKeys, "a list flag given replaces its variable's list")
	assert.Equal(t, 5, cfg.MaxConns)
	assert.Equal(t, "/data/roost.db", cfg.DB, "the variables of flags not given still count")
}

// TestFlags_Files: keys and secrets also come from files, one per line,
// added to those of the flags.
func TestFlags_Files(t *testing.T) {
	keys := writeFile(t, "keys", "# rotated 2026-12\nk1\n\n  k2  \n")
	secrets := writeFile(t, "secrets", "shop=s1\nblog=s2\n")
	cfg := mustParseFlags(t, []string{"-api-key", "k0", "-site", "shop", "-site", "blog"},
		map[string]string{"ROOST_API_KEY_FILE": keys, "ROOST_SITE_SECRET_FILE": secrets})
	assert.Equal(t, []string{"k0", "k1", "k2"}, cfg.APIKeys)
	require.Len(t, cfg.Sites, 2)
	assert.Equal(t, "s1", cfg.Sites[0].IdentitySecret)
	assert.Equal(t, "s2", cfg.Sites[1].IdentitySecret)

	cfg = mustParseFlags(t, []string{"-site", "shop=*", "-site-secret-file", writeFile(t, "one", "bare-secret\n"), "-api-key-file", keys}, nil)
	assert.Equal(t, []httpapi.Site{{ID: "shop", IdentitySecret: "bare-secret", Origins: []string{"*"}}}, cfg.Sites)
	assert.Equal(t, []string{"k1", "k2"}, cfg.APIKeys)

	// Saved by an editor on Windows: a byte order mark, CRLF, spaces around "=".
	cfg = mustParseFlags(t, []string{"-site", "shop", "-site-secret-file", writeFile(t, "bom", "\ufeffshop = s3cret\r\n"),
		"-api-key-file", writeFile(t, "bomkeys", "\ufeffk9\r\n")}, nil)
	assert.Equal(t, "s3cret", cfg.Sites[0].IdentitySecret)
	assert.Equal(t, []string{"k9"}, cfg.APIKeys)
}

// TestFlags_Sites: ID=ORIGIN,ORIGIN; a secret is ID=SECRET, or the bare
// SECRET of the only site (which may itself hold '=').
func TestFlags_Sites(t *testing.T) {
	cfg := mustParseFlags(t, []string{"-site", "example=https://a.example, https://b.example", "-site-secret", "c2VjcmV0=="}, nil)
	assert.Equal(t, []httpapi.Site{{ID: "example", IdentitySecret: "c2VjcmV0==", Origins: []string{"https://a.example", "https://b.example"}}}, cfg.Sites)

	cfg = mustParseFlags(t, []string{"-site", "a", "-site", "b=https://b.example", "-site-secret", "b=sb", "-site-secret", "a=sa"}, nil)
	assert.Equal(t, []httpapi.Site{{ID: "a", IdentitySecret: "sa"}, {ID: "b", IdentitySecret: "sb", Origins: []string{"https://b.example"}}}, cfg.Sites)

	cfg = mustParseFlags(t, []string{"-site", "a"}, nil)
	assert.Equal(t, []httpapi.Site{{ID: "a"}}, cfg.Sites, "no secret here; Validate refuses it")
}

func TestFlags_Sizes(t *testing.T) {
	for in, want := range map[string]int{
		"64MiB": 64 << 20, "512KiB": 512 << 10, "2G": 2 << 30, "1GB": 1 << 30, "1000": 1000, "10B": 10, "0": -1,
	} {
		cfg := mustParseFlags(t, []string{"-poll-cache", in}, nil)
		assert.Equal(t, want, cfg.PollCacheBytes, in)
	}
}

// TestFlags_Errors: each bad setting is refused with a message naming the
// flag or its variable, never showing a secret.
func TestFlags_Errors(t *testing.T) {
	const secret = "hunter2-do-not-print"
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want []string // in the message
	}{
		{"IntEnv", nil, map[string]string{"ROOST_MAX_CONNS": "lots"}, []string{"ROOST_MAX_CONNS", `"lots"`, "-max-conns", "whole number"}},
		{"DurationEnv", nil, map[string]string{"ROOST_READ_TIMEOUT": "soon"}, []string{"ROOST_READ_TIMEOUT", `"soon"`, "-read-timeout", "like 500ms, 30s"}},
		{"BoolEnv", nil, map[string]string{"ROOST_INSECURE_UNSIGNED_IDENTITIES": "maybe"}, []string{"ROOST_INSECURE_UNSIGNED_IDENTITIES", "true or false"}},
		{"SizeEnv", nil, map[string]string{"ROOST_POLL_CACHE": "big"}, []string{"ROOST_POLL_CACHE", "not a size", "64MiB"}},
		{"SizeFlag", []string{"-poll-cache", "12XB"}, nil, []string{"-poll-cache", "not a size"}},
		{"SizeOverflow", []string{"-poll-cache", "99999999999GiB"}, nil, []string{"-poll-cache", "not a size"}},
		{"SizeNegative", []string{"-poll-cache", "-1"}, nil, []string{"-poll-cache", "not a size"}},
		{"IntFlag", []string{"-max-conns", "many"}, nil, []string{"-max-conns"}},
		{"KeyFileMissing", nil, map[string]string{"ROOST_API_KEY_FILE": "/nonexistent/keys"}, []string{"-api-key-file", "ROOST_API_KEY_FILE", "no such file"}},
		{"KeyFileEmpty", []string{"-api-key-file", writeFile(t, "empty", "# none yet\n")}, nil, []string{"-api-key-file", "holds no value"}},
		{"SecretFileMissing", []string{"-site", "a", "-site-secret-file", "/nonexistent/secrets"}, nil, []string{"-site-secret-file", "ROOST_SITE_SECRET_FILE"}},
		{"SecretNamesNoSite", []string{"-site", "a", "-site", "b", "-site-secret", "c=" + secret}, nil, []string{"-site-secret", "names no -site"}},
		{"BareSecretOfSeveral", []string{"-site", "a", "-site", "b", "-site-secret", secret}, nil, []string{"-site-secret", "ID=SECRET"}},
		{"SecretEmpty", []string{"-site", "a", "-site-secret", "a="}, nil, []string{"-site-secret", "site a is empty"}},
		{"TwoSecrets", []string{"-site", "a", "-site-secret", "a=" + secret, "-site-secret", "a=other"}, nil, []string{"-site-secret", "site a has two secrets"}},
		{"SiteTwice", []string{"-site", "a=https://a.example", "-site", "a"}, nil, []string{"-site", "site a is given twice"}},
		{"LogLevel", []string{"-log-level", "loud"}, nil, []string{"-log-level", "ROOST_LOG_LEVEL", "debug, info, warn or error"}},
		{"LogFormat", nil, map[string]string{"ROOST_LOG_FORMAT": "xml"}, []string{"-log-format", "ROOST_LOG_FORMAT", "text or json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(t, tt.args, tt.env)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

// TestConfig_Validate: the settings the server cannot run safely without.
func TestConfig_Validate(t *testing.T) {
	valid := func() service.Config {
		return service.Config{Addr: ":8080", Sites: []httpapi.Site{{ID: "shop", IdentitySecret: "s"}}, APIKeys: []string{"k"}}
	}
	c := valid()
	require.NoError(t, c.Validate())

	for _, tt := range []struct {
		name   string
		change func(c *service.Config)
		want   []string
	}{
		{"NoSite", func(c *service.Config) { c.Sites = nil }, []string{"no site", "-site", "ROOST_SITE"}},
		{"NoSecret", func(c *service.Config) { c.Sites[0].IdentitySecret = "" },
			[]string{"site shop has no identity secret", "-site-secret", "ROOST_SITE_SECRET_FILE", "-insecure-unsigned-identities"}},
		{"NoAPIKey", func(c *service.Config) { c.APIKeys = nil }, []string{"no App API key", "-api-key", "ROOST_API_KEY_FILE", "roost keygen"}},
		{"BadSiteID", func(c *service.Config) { c.Sites[0].ID = "a shop" }, []string{`site id "a shop"`}},
		{"BadOrigin", func(c *service.Config) { c.Sites[0].Origins = []string{"shop.example/path"} }, []string{"site shop", "origin"}},
		{"NegativeTimeout", func(c *service.Config) { c.ReadTimeout = -time.Second }, []string{"-read-timeout (ROOST_READ_TIMEOUT) is negative"}},
		{"NegativeMaxConns", func(c *service.Config) { c.MaxConns = -1 }, []string{"-max-conns (ROOST_MAX_CONNS) is negative"}},
		{"MetricsOnAddr", func(c *service.Config) { c.MetricsAddr = c.Addr }, []string{"-metrics-addr", "is -addr"}},
		{"KeyWithSpace", func(c *service.Config) { c.APIKeys = []string{"two words"} }, []string{"-api-key (ROOST_API_KEY)", "white space"}},
		{"PublicURLWithAPath", func(c *service.Config) { c.PublicURL = "https://example.com/roost/" }, []string{"-public-url (ROOST_PUBLIC_URL)", "root of its origin"}},
		{"PublicURLWithoutScheme", func(c *service.Config) { c.PublicURL = "roost.example.com" }, []string{"-public-url", "https://roost.example.com"}},
		{"AddrWithoutPort", func(c *service.Config) { c.Addr = "localhost" }, []string{"-addr (ROOST_ADDR)", "HOST:PORT"}},
		{"RateNaN", func(c *service.Config) { c.SendRateLimit = math.NaN() }, []string{"-rate-limit", "not a number"}},
		{"NegativeBurst", func(c *service.Config) { c.SendRateBurst = -5 }, []string{"-rate-burst", "negative"}},
		{"TierTooShort", func(c *service.Config) { c.TierActive = time.Millisecond }, []string{"-tier-active", "shorter than 100ms"}},
		{"TiersOutOfOrder", func(c *service.Config) { c.TierActive = 2 * time.Minute }, []string{"out of order"}},
		{"BadTrustedProxy", func(c *service.Config) { c.TrustedProxies = "10.0.0.0/8, 10.0.0.0/40" },
			[]string{"-trusted-proxies (ROOST_TRUSTED_PROXIES)", `"10.0.0.0/40"`, "is not a network", "none"}},
		{"TrustedProxyName", func(c *service.Config) { c.TrustedProxies = "nginx" }, []string{"-trusted-proxies (ROOST_TRUSTED_PROXIES)", `"nginx"`}},
		{"HeartbeatTooShort", func(c *service.Config) { c.StreamHeartbeat = 100 * time.Millisecond }, []string{"-stream-heartbeat (ROOST_STREAM_HEARTBEAT)", "shorter than 1s"}},
		{"MaxAgeUnderTwoHeartbeats", func(c *service.Config) { c.StreamMaxAge = 20 * time.Second }, []string{"-stream-max-age (ROOST_STREAM_MAX_AGE)", "two heartbeats"}},
		{"NegativeMaxAge", func(c *service.Config) { c.StreamMaxAge = -time.Minute }, []string{"-stream-max-age (ROOST_STREAM_MAX_AGE) is negative"}},
		{"NegativeStreamMax", func(c *service.Config) { c.StreamMax = -1 }, []string{"-stream-max (ROOST_STREAM_MAX) is negative"}},
		{"NegativePerPerson", func(c *service.Config) { c.StreamMaxPerPerson = -1 }, []string{"-stream-max-per-person (ROOST_STREAM_MAX_PER_PERSON) is negative"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := c.Validate()
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}

	t.Run("TrustedProxies", func(t *testing.T) {
		for v, rule := range map[string]string{
			"":                            "127.0.0.0/8 ::1/128",
			"none":                        "none: X-Forwarded-For is not read",
			"10.0.0.5, 172.16.0.0/12 ::1": "10.0.0.5/32 172.16.0.0/12 ::1/128",
		} {
			c := valid()
			c.TrustedProxies = v
			assert.NoError(t, c.Validate(), v)
			assert.Equal(t, rule, c.TrustRule(), v)
		}
	})
	t.Run("UnsignedAllowed", func(t *testing.T) {
		c := valid()
		c.Sites[0].IdentitySecret = ""
		c.AllowUnsignedIdentities = true
		assert.NoError(t, c.Validate())
	})
	t.Run("StreamMaxOverConns", func(t *testing.T) {
		c := valid()
		c.MaxConns, c.StreamMax = 100, 101 // streams take no -max-conns slot
		assert.NoError(t, c.Validate())
	})
	t.Run("WarnsOfShortSecrets", func(t *testing.T) {
		c := valid()
		c.MaxConns = 100 // under any open files limit
		w := c.Warnings()
		require.Len(t, w, 2)
		assert.Contains(t, w[0], "App API key is under 16 characters")
		assert.Contains(t, w[1], "secret of site shop is under 16 characters")
		c.APIKeys, c.Sites[0].IdentitySecret = []string{strings.Repeat("k", 16)}, strings.Repeat("s", 16)
		assert.Empty(t, c.Warnings())
	})
	t.Run("WarnsOfOpenFilesLimit", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no RLIMIT_NOFILE")
		}
		c := valid()
		c.APIKeys, c.Sites[0].IdentitySecret = []string{strings.Repeat("k", 16)}, strings.Repeat("s", 16)
		c.MaxConns, c.StreamMax = 1<<30, 1<<30 // over any limit but none
		w := c.Warnings()
		if len(w) == 0 {
			t.Skip("no open files limit")
		}
		require.Len(t, w, 1)
		assert.Contains(t, w[0], "-max-conns 1073741824 and -stream-max 1073741824")
		assert.Contains(t, w[0], "open files limit")
		c.NoStreams, c.MaxConns = true, 100 // no stream, few connections
		assert.Empty(t, c.Warnings())
	})
	t.Run("Everything", func(t *testing.T) {
		err := (&service.Config{}).Validate()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no site")
		assert.Contains(t, err.Error(), "no App API key")
	})
}
