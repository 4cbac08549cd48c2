package service

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
)

// Flags binds a Config to command-line flags, each with an environment
// variable of the same name (-poll-cache: ROOST_POLL_CACHE). A flag given
// on the command line wins over its variable. Secrets also come from
// files: -api-key-file and -site-secret-file (ROOST_API_KEY_FILE,
// ROOST_SITE_SECRET_FILE), one value per line.
type Flags struct {
	fs     *flag.FlagSet
	cfg    Config
	envs   map[string]string // flag name: its variable
	sites  listValue
	secret listValue
	keys   listValue
	// secretFile and keyFile name files of more secrets and keys.
	secretFile, keyFile string
	pollCache           sizeValue
	stream              bool
	logFormat, logLevel string
	// LogOutput is where the logger of Config writes; nil means os.Stderr.
	LogOutput io.Writer
}

// EnvName returns the environment variable of the flag name.
func EnvName(name string) string {
	return "ROOST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// setting names the flag name and its variable in an error message:
// "-max-conns (ROOST_MAX_CONNS)".
func setting(name string) string {
	return "-" + name + " (" + EnvName(name) + ")"
}

// secretFlags are the flags whose values no message may show.
var secretFlags = map[string]bool{"api-key": true, "site-secret": true}

// BindFlags defines on fs the flags of every Config setting.
func BindFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs, envs: map[string]string{}}
	c := &f.cfg
	str := func(p *string, name, def, usage string) { fs.StringVar(p, name, def, f.usage(name, usage)) }
	dur := func(p *time.Duration, name string, def time.Duration, usage string) {
		fs.DurationVar(p, name, def, f.usage(name, usage))
	}
	str(&c.Addr, "addr", DefaultAddr, "listen address of the API, the runtime's files, /healthz, /readyz and /metrics")
	str(&c.DB, "db", DefaultDB, "database: the path of a SQLite file, created if missing, or a postgres:// URL (several roost serve may share one PostgreSQL database)")
	fs.Var(&f.sites, "site", f.usage("site", "a site whose pages embed Roost, as ID=ORIGIN[,ORIGIN...]: the site id pages give "+
		"(data-site-id) and the page origins allowed (https://shop.example.com, or * for any); repeat for several sites "+
		"(the variable: separated by spaces)"))
	fs.Var(&f.secret, "site-secret", f.usage("site-secret", "the secret that signs a site's user ids, as ID=SECRET, or SECRET when there is one site; repeat for several"))
	str(&f.secretFile, "site-secret-file", "", "a file of site secrets, one per line, as for -site-secret")
	fs.BoolVar(&c.AllowUnsignedIdentities, "insecure-unsigned-identities", false, f.usage("insecure-unsigned-identities",
		"let a site run without an identity secret: its pages' user ids are not signed, so anyone can read and change anyone's messages"))
	fs.Var(&f.keys, "api-key", f.usage("api-key", "an App API key the site's backend sends with (Authorization: Bearer); repeat to rotate keys without downtime"))
	str(&f.keyFile, "api-key-file", "", "a file of App API keys, one per line")
	fs.Float64Var(&c.SendRateLimit, "rate-limit", httpapi.DefaultSendRateLimit, f.usage("rate-limit", "send-side requests per second per API key; negative: no limit"))
	fs.IntVar(&c.SendRateBurst, "rate-burst", 0, f.usage("rate-burst", "send-side requests one key may make at once (0: twice -rate-limit)"))
	dur(&c.TierActive, "tier-active", server.DefaultTierActive, "poll interval while a person has messages queued")
	dur(&c.TierInactive, "tier-inactive", server.DefaultTierInactive, "poll interval within 30 days of a person's last message")
	dur(&c.TierLow, "tier-low", server.DefaultTierLow, "poll interval otherwise")
	f.pollCache = sizeValue(server.DefaultPollCacheBytes)
	fs.Var(&f.pollCache, "poll-cache", f.usage("poll-cache", "memory for cached poll answers (64MiB, 512KiB, bytes; 0: none)"))
	str(&c.PublicURL, "public-url", "", "the server's public base URL, https://roost.example.com (the origin its own pages and frames have)")
	str(&c.TrustedProxies, "trusted-proxies", httpapi.DefaultTrustedProxies, "the reverse proxies whose X-Forwarded-For names the client "+
		"for the failed-authentication limits: networks or IPs separated by commas or spaces (10.0.0.5, 10.0.0.0/8), or none; set it to your proxy's address")
	str(&c.MetricsAddr, "metrics-addr", "", "serve /metrics on this address instead of -addr, with /healthz and /readyz (uncapped: for probes)")
	str(&c.RuntimeDir, "runtime-dir", "", "serve the browser runtime from this directory (make runtime's build) instead of the one built in")
	str(&f.logFormat, "log-format", "text", "log format: text or json")
	str(&f.logLevel, "log-level", "info", "log level: debug (a line per request), info, warn or error")
	dur(&c.ReadHeaderTimeout, "read-header-timeout", DefaultReadHeaderTimeout, "time a client has to send a request's headers")
	dur(&c.ReadTimeout, "read-timeout", DefaultReadTimeout, "time a client has to send a whole request")
	dur(&c.WriteTimeout, "write-timeout", DefaultWriteTimeout, "time the server has to answer a request")
	dur(&c.IdleTimeout, "idle-timeout", DefaultIdleTimeout, "how long an idle keep-alive connection is kept")
	fs.IntVar(&c.MaxHeaderBytes, "max-header-bytes", DefaultMaxHeaderBytes, f.usage("max-header-bytes", "largest request header block"))
	fs.IntVar(&c.MaxConns, "max-conns", DefaultMaxConns, f.usage("max-conns", "most open connections; past it idle and slow ones are closed, else new ones get 503"))
	dur(&c.ShutdownTimeout, "shutdown-timeout", DefaultShutdownTimeout, "on SIGTERM, how long requests in flight may take to finish")
	fs.BoolVar(&f.stream, "stream", true, f.usage("stream", "serve GET /v1/client/stream, the push channel of the poll answer; false: clients poll"))
	dur(&c.StreamHeartbeat, "stream-heartbeat", httpapi.DefaultStreamHeartbeat, "a stream's heartbeat period (at least 1s)")
	fs.IntVar(&c.StreamMax, "stream-max", 0, f.usage("stream-max", "most streams this process holds, each on a connection of its own outside -max-conns; past it 503 (0: -max-conns)"))
	fs.IntVar(&c.StreamMaxPerPerson, "stream-max-per-person", server.DefaultStreamMaxPerPerson,
		f.usage("stream-max-per-person", "most streams one person holds on this process; past it 429"))
	fs.BoolVar(&c.StreamPlain, "stream-plain", false, f.usage("stream-plain", "serve each stream as an ordinary chunked answer "+
		"instead of on a connection taken over from the HTTP server (about 35 KB a stream instead of 15)"))
	dur(&c.StreamMaxAge, "stream-max-age", httpapi.DefaultStreamMaxAge, "how long a stream lasts at most (less up to a tenth, at random); the client reconnects")
	return f
}

// usage returns a flag's usage text with its variable, and records it.
func (f *Flags) usage(name, text string) string {
	env := EnvName(name)
	f.envs[name] = env
	return text + " (env " + env + ")"
}

// UnknownEnv returns the ROOST_* variables of environ (as os.Environ gives
// it) that name no flag: a misspelt setting, which would be silently
// ignored otherwise.
func (f *Flags) UnknownEnv(environ []string) []string {
	known := map[string]bool{}
	f.fs.VisitAll(func(fl *flag.Flag) { known[EnvName(fl.Name)] = true })
	var unknown []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "ROOST_") && !known[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// Config returns the configuration the parsed flags and the environment
// (read with getenv) give, or every error in them. It builds the logger.
func (f *Flags) Config(getenv func(string) string) (Config, error) {
	if err := f.applyEnv(getenv); err != nil {
		return Config{}, err
	}
	c := f.cfg
	c.NoStreams = !f.stream
	c.PollCacheBytes = int(f.pollCache)
	if c.PollCacheBytes == 0 {
		c.PollCacheBytes = -1 // 0 says "none" here; server.Config's 0 is its default
	}
	var errs []error
	var err error
	if c.Logger, err = newLogger(f.logFormat, f.logLevel, f.LogOutput); err != nil {
		errs = append(errs, err)
	}
	keys, err := withFile(f.keys, f.keyFile, "api-key-file")
	errs = append(errs, err)
	c.APIKeys = keys
	secrets, err := withFile(f.secret, f.secretFile, "site-secret-file")
	errs = append(errs, err)
	c.Sites, err = parseSites(f.sites, secrets)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// applyEnv sets every flag not given on the command line from its
// variable, if that is set.
func (f *Flags) applyEnv(getenv func(string) string) error {
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var errs []error
	f.fs.VisitAll(func(fl *flag.Flag) {
		env, ok := f.envs[fl.Name]
		if !ok {
			env = EnvName(fl.Name)
		}
		v := getenv(env)
		if given[fl.Name] || v == "" {
			return
		}
		values := []string{v}
		if _, list := fl.Value.(*listValue); list {
			values = strings.Fields(v)
		}
		for _, v := range values {
			if err := fl.Value.Set(v); err != nil {
				shown := strconv.Quote(v)
				if secretFlags[fl.Name] {
					shown = "(a secret, not shown)"
				}
				errs = append(errs, fmt.Errorf("%s=%s: invalid value for -%s: %w%s", env, shown, fl.Name, err, hint(fl.Value)))
			}
		}
	})
	return errors.Join(errs...)
}

// hint says how a value of v's kind is written, for an error message.
func hint(v flag.Value) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case time.Duration:
		return "; write a duration like 500ms, 30s or 2m"
	case bool:
		return "; write true or false"
	case int:
		return "; write a whole number"
	case float64:
		return "; write a number"
	}
	return ""
}

// withFile returns values and those of the file at path (one per line,
// blank lines and #comments skipped), if a path is given by the flag name.
func withFile(values []string, path, name string) ([]string, error) {
	out := append([]string(nil), values...)
	if path == "" {
		return out, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return out, fmt.Errorf("%s: %w", setting(name), err)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff")) // a byte order mark, from an editor on Windows
	n := 0
	for line := range strings.Lines(string(b)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
			n++
		}
	}
	if n == 0 {
		return out, fmt.Errorf("%s: %s holds no value", setting(name), path)
	}
	return out, nil
}

// parseSites returns the sites of -site values, with the secrets of
// -site-secret values (ID=SECRET, or SECRET alone when there is one site).
func parseSites(specs, secrets []string) ([]httpapi.Site, error) {
	var sites []httpapi.Site
	index := map[string]int{}
	var errs []error
	for _, spec := range specs {
		id, origins, _ := strings.Cut(spec, "=")
		s := httpapi.Site{ID: strings.TrimSpace(id)}
		for o := range strings.SplitSeq(origins, ",") {
			if o = strings.TrimSpace(o); o != "" {
				s.Origins = append(s.Origins, o)
			}
		}
		if _, dup := index[s.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: site %s is given twice", setting("site"), s.ID))
			continue
		}
		index[s.ID] = len(sites)
		sites = append(sites, s)
	}
	for _, secret := range secrets {
		i, ok := -1, false
		if id, value, found := strings.Cut(secret, "="); found {
			if i, ok = index[strings.TrimSpace(id)]; ok {
				secret = value
			}
		}
		if !ok && len(sites) == 1 {
			i, ok = 0, true
		}
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: a secret names no -site: write it as ID=SECRET with the id of a -site", setting("site-secret")))
		case strings.TrimSpace(secret) == "":
			errs = append(errs, fmt.Errorf("%s: the secret of site %s is empty", setting("site-secret"), sites[i].ID))
		case sites[i].IdentitySecret != "":
			errs = append(errs, fmt.Errorf("%s: site %s has two secrets", setting("site-secret"), sites[i].ID))
		default:
			sites[i].IdentitySecret = strings.TrimSpace(secret)
		}
	}
	return sites, errors.Join(errs...)
}

// newLogger returns a logger writing format ("text" or "json") at level to
// out (os.Stderr when nil).
func newLogger(format, level string, out io.Writer) (*slog.Logger, error) {
	if out == nil {
		out = os.Stderr
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%s %q: use debug, info, warn or error", setting("log-level"), level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(out, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(out, opts)), nil
	}
	return nil, fmt.Errorf("%s %q: use text or json", setting("log-format"), format)
}

// listValue is a flag that may be repeated.
type listValue []string

// String implements flag.Value.
func (l *listValue) String() string { return strings.Join(*l, " ") }

// Set implements flag.Value.
func (l *listValue) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// sizeValue is a number of bytes, written with an optional unit: KiB, MiB,
// GiB (or KB, MB, GB, the same powers of 1024), B.
type sizeValue int

// String implements flag.Value.
func (s *sizeValue) String() string {
	n := int(*s)
	for _, u := range []struct {
		name string
		size int
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.Itoa(n/u.size) + u.name
		}
	}
	return strconv.Itoa(n)
}

// Set implements flag.Value.
func (s *sizeValue) Set(v string) error {
	num := strings.TrimRight(strings.TrimSpace(v), "KMGiB")
	unit := strings.TrimSpace(v)[len(num):]
	mult := map[string]int{"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "MiB": 1 << 20,
		"G": 1 << 30, "GB": 1 << 30, "GiB": 1 << 30}[unit]
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || mult == 0 || n < 0 || n > math.MaxInt/mult {
		return fmt.Errorf("%q is not a size: write 64MiB, 512KiB or a number of bytes", v)
	}
	*s = sizeValue(n * mult)
	return nil
}
