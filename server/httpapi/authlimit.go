package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/roostmsg/roost/server"
)

// Limits on failed authentication, per client address (Handler.clientAddress).
// Only failures are throttled: a request with a right API key or a right
// signature is served even from a blocked address, so that a backend, or
// the browsers of an office, sharing an address with whoever fails (a
// leftover process with a rotated key, a cloud or office NAT) go on.
const (
	// MaxKeyFailures is how many send-side requests with a missing or
	// wrong API key one address may make in AuthFailureWindow; past it,
	// its requests with a missing or wrong key get 429 instead of 401
	// until the window ends, so keys cannot be guessed at speed. Its
	// requests with a right key are served.
	MaxKeyFailures = 20
	// MaxSignatureFailures is how many browser requests with a missing or
	// wrong signature (an expired token does not count) one address may
	// make in AuthFailureWindow; past it, its requests with a missing or
	// wrong signature get 429 until the window ends, and those with a
	// right one are served. It is higher than MaxKeyFailures because many
	// people may share an address (an office's NAT), and each of their
	// tabs stops at its first refusal.
	MaxSignatureFailures = 100
	// AuthFailureWindow is the window the failures are counted in: it
	// starts at an address's first failure.
	AuthFailureWindow = time.Minute
	// MaxFailingAddresses bounds the addresses a failure limiter keeps;
	// past it, those whose window ended are forgotten first, then any.
	MaxFailingAddresses = 10000
	// ThrottleLogEvery is how often a failure limiter logs an address it
	// throttles: one line per side at most, so a flood is seen without a
	// line per request.
	ThrottleLogEvery = time.Minute
)

// Sides of the failure limiters, as Handler.AuthThrottled and the metric
// roost_auth_throttled_total name them.
const (
	// AuthSideSend is the send side: wrong App API keys.
	AuthSideSend = "send"
	// AuthSideClient is the browser side: wrong signatures.
	AuthSideClient = "client"
)

// AuthSides lists every side a failure limiter counts throttled requests for.
var AuthSides = []string{AuthSideSend, AuthSideClient}

// failureLimiter counts an address's failed authentications in a window
// that starts at its first failure, and refuses the address's failures
// once it has max of them, until the window ends. It keeps at most
// MaxFailingAddresses addresses.
type failureLimiter struct {
	max    int
	window time.Duration
	limit  int    // MaxFailingAddresses; tests lower it
	what   string // what fails, for the refusal: "wrong API keys"

	mu        sync.Mutex
	addrs     map[string]failures
	swept     time.Time
	throttled uint64    // failures refused with 429
	logged    time.Time // when a throttled address was last logged
}

// failures is one address's count in the window starting at start.
type failures struct {
	start time.Time
	count int
}

// newFailureLimiter returns a limiter of max failures of what per window.
func newFailureLimiter(max int, window time.Duration, what string) *failureLimiter {
	return &failureLimiter{max: max, window: window, limit: MaxFailingAddresses, what: what, addrs: map[string]failures{}}
}

// failed records a failed authentication of addr at now. It returns nil
// when addr still had failures left (the caller refuses the request as
// usual), or, when addr is blocked, the 429 error to answer instead and
// whether to log the address (at most once per ThrottleLogEvery).
func (l *failureLimiter) failed(addr string, now time.Time) (refusal error, log bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f, ok := l.addrs[addr]; ok && f.count >= l.max {
		if end := f.start.Add(l.window); now.Before(end) {
			l.throttled++
			log = l.logged.IsZero() || now.Sub(l.logged) >= ThrottleLogEvery
			if log {
				l.logged = now
			}
			return server.RateLimited(end.Sub(now), "too many failed authentications from your address (%d %s in %d s): retry after %d s",
				l.max, l.what, int(l.window.Seconds())), log
		}
	}
	l.fail(addr, now)
	return nil, false
}

// throttledCount returns how many failures l refused with 429 so far.
func (l *failureLimiter) throttledCount() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.throttled
}

// fail counts one failure of addr at now; l.mu is held.
func (l *failureLimiter) fail(addr string, now time.Time) {
	f, ok := l.addrs[addr]
	if ok && now.Before(f.start.Add(l.window)) {
		f.count++
		l.addrs[addr] = f
		return
	}
	if !ok && len(l.addrs) >= l.limit {
		l.makeRoom(now)
	}
	l.addrs[addr] = failures{start: now, count: 1}
}

// makeRoom forgets the addresses whose window ended (scanning at most once
// a second), then, while the limiter is still full, any address: a flood
// from more addresses than it keeps makes them forget each other, and the
// memory stays bounded.
func (l *failureLimiter) makeRoom(now time.Time) {
	if now.Sub(l.swept) >= time.Second {
		l.swept = now
		for addr, f := range l.addrs {
			if !now.Before(f.start.Add(l.window)) {
				delete(l.addrs, addr)
			}
		}
	}
	for addr := range l.addrs {
		if len(l.addrs) < l.limit {
			break
		}
		delete(l.addrs, addr)
	}
}

// size returns how many addresses l keeps.
func (l *failureLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.addrs)
}

// clientAddress is the address failed authentications are counted
// against: the client's IP, an IPv6 one cut to its /64 network, since one
// host may hold all of those. The client's IP is the connection's, unless
// that is a trusted proxy's (Config.TrustedProxies): then it is the last
// address in X-Forwarded-For that is not a trusted proxy's, as the proxy
// appended it. A reverse proxy the operator names thus does not make every
// client one address, while a client connecting directly cannot choose its
// address by writing the header; nor can a client behind the proxy, as
// the proxy appends the real one (nginx's $proxy_add_x_forwarded_for,
// Caddy).
func (h *Handler) clientAddress(r *http.Request) string {
	ip, ok := parseIP(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if h.trusted(ip) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, ok := parseIP(strings.TrimSpace(hops[i]))
			if !ok {
				break // not an address: what is left of it cannot be trusted
			}
			ip = hop
			if !h.trusted(hop) {
				break
			}
		}
	}
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// trusted reports whether ip is a trusted proxy's, whose X-Forwarded-For
// is read.
func (h *Handler) trusted(ip netip.Addr) bool {
	for _, p := range h.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// DefaultTrustedProxies are the proxies trusted by default (the setting
// -trusted-proxies): one on the same host.
const DefaultTrustedProxies = "127.0.0.0/8,::1/128"

// NoTrustedProxies, as the setting, trusts no proxy: X-Forwarded-For is
// never read.
const NoTrustedProxies = "none"

// ParseTrustedProxies reads a list of networks (CIDRs) and IPs separated
// by commas or spaces ("127.0.0.0/8, 10.1.2.3"), or NoTrustedProxies, into
// Config.TrustedProxies; an error names the entry that is neither.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(fields) == 1 && strings.EqualFold(fields[0], NoTrustedProxies) {
		return []netip.Prefix{}, nil
	}
	prefixes := make([]netip.Prefix, 0, len(fields))
	for _, f := range fields {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not a network: write it as 10.0.0.0/8 or fd00::/8", f)
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), max(0, p.Bits()-96))
			}
			prefixes = append(prefixes, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil || ip.Zone() != "" {
			return nil, fmt.Errorf("trusted proxy %q is not an IP address or a network: write 10.0.0.5, 10.0.0.0/8 or %s", f, NoTrustedProxies)
		}
		ip = ip.Unmap()
		prefixes = append(prefixes, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return prefixes, nil
}

// parseIP reads an IP, with or without a port, IPv4-mapped IPv6 as IPv4,
// without its zone.
func parseIP(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}
