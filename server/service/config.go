// Package service runs one Roost server process: the store, the rules
// (package server), the HTTP API (server/httpapi), the browser runtime's
// files, health checks and metrics, wired together and served with
// timeouts, a cap on connections and a graceful shutdown. cmd/roost is
// its command line; the example site runs it with its own pages beside.
package service

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
)

// Defaults of Config's zero fields.
const (
	DefaultAddr              = ":8080"
	DefaultDB                = "roost.db"
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxConns          = 10000
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultMaintainEvery     = time.Minute
)

// Config is what an operator sets for one Roost server process.
type Config struct {
	// Addr is the listen address of the API, the runtime's files, the
	// health checks and (unless MetricsAddr is set) the metrics.
	Addr string
	// DB is the database: the path of a SQLite file, created if missing.
	DB string
	// Sites are the sites whose pages run the browser runtime.
	Sites []httpapi.Site
	// AllowUnsignedIdentities lets a site have no identity secret. Its
	// pages' identities are then not signed: anyone who knows or guesses a
	// person's id can read and change that person's messages. Off: a site
	// without a secret is a configuration error.
	AllowUnsignedIdentities bool
	// APIKeys are the App API keys the site's backend sends with; at least one.
	APIKeys []string
	// SendRateLimit and SendRateBurst bound the send-side requests per
	// key (httpapi.Config).
	SendRateLimit float64
	SendRateBurst int
	// TierActive, TierInactive and TierLow are the poll intervals (server.Config).
	TierActive, TierInactive, TierLow time.Duration
	// PollCacheBytes is the poll answer cache's memory (server.Config).
	PollCacheBytes int
	// PublicURL is the server's public base URL (httpapi.Config).
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client for the failed-authentication limits: networks and IPs
	// separated by commas or spaces, or "none" (httpapi.ParseTrustedProxies);
	// empty means httpapi.DefaultTrustedProxies, loopback only.
	TrustedProxies string
	// MetricsAddr, when set, moves /metrics to a listener of its own.
	MetricsAddr string
	// RuntimeDir, when set, serves the browser runtime from this
	// directory (a `make runtime` build) instead of the one built in.
	RuntimeDir string

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the
	// http.Server's; MaxHeaderBytes bounds a request's headers.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                                            int
	// MaxConns caps the open connections of the main listener; past it,
	// idle and slow ones are closed to make room, else a new one is
	// answered 503 at once (see limitListener).
	MaxConns int
	// ShutdownTimeout is how long a shutdown waits for requests in flight
	// (streams end at once).
	ShutdownTimeout time.Duration

	// NoStreams switches GET /v1/client/stream off: it answers 204, and
	// clients poll (server.Config.NoStreams).
	NoStreams bool
	// StreamHeartbeat is a stream's heartbeat period (0:
	// httpapi.DefaultStreamHeartbeat, at least MinStreamHeartbeat);
	// StreamMaxAge how long a stream lasts at most (0:
	// httpapi.DefaultStreamMaxAge, at least twice the heartbeat).
	StreamHeartbeat, StreamMaxAge time.Duration
	// StreamMax is the most streams the process holds (0: MaxConns, or
	// fewer when the open files limit leaves less beside MaxConns). A
	// stream on HTTP/1.1 takes its connection over, which then leaves
	// MaxConns' count: the process holds MaxConns connections and
	// StreamMax streams at once, file descriptors for both (Warnings).
	// StreamMaxPerPerson the most one person holds on it (0:
	// server.DefaultStreamMaxPerPerson).
	StreamMax, StreamMaxPerPerson int
	// StreamPlain serves streams as ordinary answers of the HTTP server,
	// not on connections of their own (httpapi.Config.StreamPlain).
	StreamPlain bool
	// MaintainEvery is how often the background work runs (Server.Maintain).
	MaintainEvery time.Duration

	// Version is the server's version, for the metric roost_build_info.
	Version string
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now (tests set it).
	Now func() time.Time
}

// setDefaults gives c's zero fields their defaults.
func (c *Config) setDefaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.DB == "" {
		c.DB = DefaultDB
	}
	if strings.TrimSpace(c.TrustedProxies) == "" {
		c.TrustedProxies = httpapi.DefaultTrustedProxies
	}
	set(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	set(&c.ReadTimeout, DefaultReadTimeout)
	set(&c.WriteTimeout, DefaultWriteTimeout)
	set(&c.IdleTimeout, DefaultIdleTimeout)
	set(&c.ShutdownTimeout, DefaultShutdownTimeout)
	set(&c.MaintainEvery, DefaultMaintainEvery)
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	set(&c.StreamHeartbeat, httpapi.DefaultStreamHeartbeat)
	set(&c.StreamMaxAge, httpapi.DefaultStreamMaxAge)
	if c.StreamMaxPerPerson == 0 {
		c.StreamMaxPerPerson = server.DefaultStreamMaxPerPerson
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate returns every error in c that keeps the server from starting
// safely, joined, each saying which setting to fix.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Sites) == 0 {
		errs = append(errs, errors.New("no site: name at least one with -site ID=ORIGIN[,ORIGIN...] (ROOST_SITE), the origins of the pages that embed Roost"))
	}
	var unsigned []string
	for _, s := range c.Sites {
		if err := s.Validate(); err != nil {
			errs = append(errs, err)
		}
		if s.IdentitySecret == "" {
			unsigned = append(unsigned, s.ID)
		}
	}
	if len(unsigned) > 0 && !c.AllowUnsignedIdentities {
		errs = append(errs, fmt.Errorf("site %s has no identity secret: set -site-secret (ROOST_SITE_SECRET or ROOST_SITE_SECRET_FILE) "+
			"and sign each page's user id on your backend; or, knowing that anyone could then read anyone's messages, "+
			"-insecure-unsigned-identities", strings.Join(unsigned, ", ")))
	}
	if err := CheckDB(c.DB); err != nil {
		errs = append(errs, err)
	}
	if len(c.APIKeys) == 0 {
		errs = append(errs, errors.New("no App API key: set -api-key (ROOST_API_KEY or ROOST_API_KEY_FILE); `roost keygen` makes one"))
	}
	for _, key := range c.APIKeys {
		if err := httpapi.ValidateAPIKey(key); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", setting("api-key"), err))
			break
		}
	}
	if c.PublicURL != "" {
		if _, err := httpapi.PublicOrigin(c.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", setting("public-url"), err))
		}
	}
	if _, err := c.trustedProxies(); err != nil {
		errs = append(errs, err)
	}
	for _, a := range []struct{ name, addr string }{{"addr", c.Addr}, {"metrics-addr", c.MetricsAddr}} {
		if a.addr == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(a.addr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("%s %q: write it as HOST:PORT or :PORT (127.0.0.1:8080, :8080)", setting(a.name), a.addr))
		}
	}
	if math.IsNaN(c.SendRateLimit) || math.IsInf(c.SendRateLimit, 0) {
		errs = append(errs, fmt.Errorf("%s is not a number of requests a second", setting("rate-limit")))
	}
	if c.SendRateBurst < 0 {
		errs = append(errs, fmt.Errorf("%s is negative (%d): 0 means twice -rate-limit", setting("rate-burst"), c.SendRateBurst))
	}
	errs = append(errs, c.validateTiers())
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"tier-active", c.TierActive}, {"tier-inactive", c.TierInactive}, {"tier-low", c.TierLow},
		{"read-header-timeout", c.ReadHeaderTimeout}, {"read-timeout", c.ReadTimeout},
		{"write-timeout", c.WriteTimeout}, {"idle-timeout", c.IdleTimeout}, {"shutdown-timeout", c.ShutdownTimeout},
		{"stream-heartbeat", c.StreamHeartbeat}, {"stream-max-age", c.StreamMaxAge},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%v)", setting(d.name), d.v))
		}
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"max-conns", c.MaxConns}, {"max-header-bytes", c.MaxHeaderBytes}, {"stream-max", c.StreamMax}, {"stream-max-per-person", c.StreamMaxPerPerson}} {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%d)", setting(n.name), n.v))
		}
	}
	errs = append(errs, c.validateStreams())
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") { // :0, a free port each
		errs = append(errs, fmt.Errorf("%s %s is -addr: leave it empty to serve /metrics on -addr", setting("metrics-addr"), c.MetricsAddr))
	}
	return errors.Join(errs...)
}

// trustedProxies returns the networks of c.TrustedProxies (empty: the
// default), or an error naming the setting.
func (c *Config) trustedProxies() ([]netip.Prefix, error) {
	v := c.TrustedProxies
	if strings.TrimSpace(v) == "" {
		v = httpapi.DefaultTrustedProxies
	}
	p, err := httpapi.ParseTrustedProxies(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (separate several with commas or spaces; %q trusts none)", setting("trusted-proxies"), err, httpapi.NoTrustedProxies)
	}
	return p, nil
}

// TrustRule says, for the start-up line, whose X-Forwarded-For names the
// client: "127.0.0.0/8 ::1/128", or "none: X-Forwarded-For is not read".
func (c *Config) TrustRule() string {
	p, err := c.trustedProxies()
	if err != nil || len(p) == 0 {
		return httpapi.NoTrustedProxies + ": X-Forwarded-For is not read"
	}
	shown := make([]string, len(p))
	for i, n := range p {
		shown[i] = n.String()
	}
	return strings.Join(shown, " ")
}

// MinTier is the shortest poll interval a tier may have: shorter would
// have every open tab poll the server many times a second.
const MinTier = 100 * time.Millisecond

// validateTiers returns an error unless the tiers (zero: the default) are
// at least MinTier and ordered: active, inactive, low.
func (c *Config) validateTiers() error {
	tier := func(v, def time.Duration) time.Duration {
		if v == 0 {
			return def
		}
		return v
	}
	active, inactive, low := tier(c.TierActive, server.DefaultTierActive), tier(c.TierInactive, server.DefaultTierInactive), tier(c.TierLow, server.DefaultTierLow)
	for _, t := range []struct {
		name string
		v    time.Duration
	}{{"tier-active", active}, {"tier-inactive", inactive}, {"tier-low", low}} {
		if t.v > 0 && t.v < MinTier {
			return fmt.Errorf("%s %v is shorter than %v: every open tab would poll that often", setting(t.name), t.v, MinTier)
		}
	}
	if active > inactive || inactive > low {
		return fmt.Errorf("the poll tiers are out of order (%v, %v, %v): -tier-active <= -tier-inactive <= -tier-low", active, inactive, low)
	}
	return nil
}

// MinStreamHeartbeat is the shortest heartbeat period of a stream:
// shorter would have every open stream write many times a second.
const MinStreamHeartbeat = time.Second

// validateStreams returns an error unless the stream settings (zero: the
// default) fit together: a heartbeat of at least MinStreamHeartbeat, a
// max age of at least two heartbeats (a client counts a stream healthy
// after two).
func (c *Config) validateStreams() error {
	hb, age := cmp.Or(c.StreamHeartbeat, httpapi.DefaultStreamHeartbeat), cmp.Or(c.StreamMaxAge, httpapi.DefaultStreamMaxAge)
	var errs []error
	if hb > 0 && hb < MinStreamHeartbeat {
		errs = append(errs, fmt.Errorf("%s %v is shorter than %v: every open stream would write that often", setting("stream-heartbeat"), hb, MinStreamHeartbeat))
	}
	if hb > 0 && age > 0 && age < 2*hb {
		errs = append(errs, fmt.Errorf("%s %v is under two heartbeats (-stream-heartbeat %v): clients would take every stream for a failed one", setting("stream-max-age"), age, hb))
	}
	return errors.Join(errs...)
}

// streamMax returns the most streams the process holds: StreamMax, or
// when 0, MaxConns (nine tenths of it with StreamPlain, whose streams take
// MaxConns' connections: polls and sends keep some), lowered to the file
// descriptors the open files limit leaves beside MaxConns' (so that the
// default never runs the process out of them). 0 when none are left:
// streaming is then off (streamsOff).
func (c *Config) streamMax() int {
	if c.StreamMax > 0 {
		return c.StreamMax
	}
	conns := cmp.Or(c.MaxConns, DefaultMaxConns)
	if c.StreamPlain {
		return conns - conns/10
	}
	if limit, ok := filesLimit(); ok {
		return max(0, min(conns, int(min(limit, 1<<40))-conns-spareFiles))
	}
	return conns
}

// streamsOff reports whether the process streams not at all: -stream=false,
// or no file descriptors left for streams by default (streamMax).
func (c *Config) streamsOff() bool {
	return c.NoStreams || c.streamMax() == 0
}

// StreamRule says how the process streams, for its start-up line: "off",
// or its most streams and heartbeat.
func (c *Config) StreamRule() string {
	switch {
	case c.NoStreams:
		return "off"
	case c.streamsOff():
		return "off: the open files limit leaves no file descriptors for streams beside -max-conns"
	}
	return fmt.Sprintf("at most %d, heartbeat %v", c.streamMax(), cmp.Or(c.StreamHeartbeat, httpapi.DefaultStreamHeartbeat))
}

// spareFiles is the file descriptors a process needs besides its
// connections and streams: the database, its log, listeners, the runtime's
// files.
const spareFiles = 64

// ShortSecret is the length under which Warnings calls an API key or a
// site secret short (roost keygen makes 70 characters).
const ShortSecret = 16

// Warnings returns what in c is allowed but unwise, for the log at start.
func (c *Config) Warnings() []string {
	var w []string
	for _, key := range c.APIKeys {
		if len(key) < ShortSecret {
			w = append(w, fmt.Sprintf("an App API key is under %d characters: anyone who guesses it can send as your backend; `roost keygen` makes one", ShortSecret))
			break
		}
	}
	for _, s := range c.Sites {
		if s.IdentitySecret != "" && len(s.IdentitySecret) < ShortSecret {
			w = append(w, fmt.Sprintf("the secret of site %s is under %d characters: anyone who guesses it can sign any user id; `roost keygen` makes one", s.ID, ShortSecret))
		}
	}
	conns, streams := cmp.Or(c.MaxConns, DefaultMaxConns), 0
	if !c.streamsOff() && !c.StreamPlain {
		streams = c.streamMax()
	}
	if !c.NoStreams && c.streamsOff() {
		w = append(w, "streaming is off: the open files limit leaves no file descriptors for streams beside -max-conns; "+
			"raise the limit (ulimit -n, LimitNOFILE=) or lower -max-conns, and browsers will stream (they poll meanwhile)")
	}
	if limit, ok := filesLimit(); ok && uint64(conns+streams+spareFiles) > limit {
		need := fmt.Sprintf("-max-conns %d", conns)
		if streams > 0 {
			need += fmt.Sprintf(" and -stream-max %d (each stream takes a connection of its own, outside -max-conns)", streams)
		}
		w = append(w, fmt.Sprintf("%s need more file descriptors than the open files limit, %d: past it, new connections fail (`accept: too many open files`); "+
			"raise the limit (ulimit -n, LimitNOFILE=) to at least %d or lower them", need, limit, conns+streams+spareFiles))
	}

	return w
}

// filesLimit is openFilesLimit; tests replace it.
var filesLimit = openFilesLimit
