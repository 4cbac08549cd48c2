package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/roostmsg/roost/server"
)

// Limits on failed authentication, per client address (clientAddress).
const (
	// MaxKeyFailures is how many send-side requests with a missing or
	// wrong API key one address may make in AuthFailureWindow; past it,
	// every send-side request from the address, with any key, is 429
	// until the window ends, so keys cannot be guessed at speed.
	MaxKeyFailures = 20
	// MaxSignatureFailures is how many browser requests with a missing or
	// wrong signature (an expired token does not count) one address may
	// make in AuthFailureWindow; past it, every browser request from the
	// address is 429 until the window ends. It is higher than
	// MaxKeyFailures because many people may share an address (an
	// office's NAT), and each of their tabs stops at its first refusal.
	MaxSignatureFailures = 100
	// AuthFailureWindow is the window the failures are counted in: it
	// starts at an address's first failure.
	AuthFailureWindow = time.Minute
	// MaxFailingAddresses bounds the addresses a failure limiter keeps;
	// past it, those whose window ended are forgotten first, then any.
	MaxFailingAddresses = 10000
)

// failureLimiter counts an address's failed authentications in a window
// that starts at its first failure, and refuses the address once it has
// max of them, until the window ends. It keeps at most
// MaxFailingAddresses addresses.
type failureLimiter struct {
	max    int
	window time.Duration
	limit  int // MaxFailingAddresses; tests lower it

	mu    sync.Mutex
	addrs map[string]failures
	swept time.Time
}

// failures is one address's count in the window starting at start.
type failures struct {
	start time.Time
	count int
}

// newFailureLimiter returns a limiter of max failures per window.
func newFailureLimiter(max int, window time.Duration) *failureLimiter {
	return &failureLimiter{max: max, window: window, limit: MaxFailingAddresses, addrs: map[string]failures{}}
}

// blocked reports whether addr has used up its failures at now, and how
// long until its window ends.
func (l *failureLimiter) blocked(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.addrs[addr]
	if !ok || f.count < l.max {
		return false, 0
	}
	end := f.start.Add(l.window)
	if !now.Before(end) {
		return false, 0
	}
	return true, end.Sub(now)
}

// fail counts one failure of addr at now.
func (l *failureLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
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

// refuse returns the ERATELIMIT error of a blocked address, which can
// try again after wait (WriteError's Retry-After).
func (l *failureLimiter) refuse(wait time.Duration, what string) error {
	return server.RateLimited(wait, "too many failed authentications from your address (%d %s in %d s): retry after %d s",
		l.max, what, int(l.window.Seconds()))
}

// clientAddress is the address failed authentications are counted
// against: the client's IP, an IPv6 one cut to its /64 network, since one
// host may hold all of those. The client's IP is the connection's, unless
// that is a proxy's (proxyHop): then it is the last address in
// X-Forwarded-For that is not a proxy's, as the proxy appended it. A
// reverse proxy on the same host or a private network (nginx, Caddy, a
// Docker port) thus does not make every client one address; an address a
// client writes into X-Forwarded-For itself is never the one taken when
// the proxy appends the real one, as nginx's $proxy_add_x_forwarded_for
// and Caddy do.
func clientAddress(r *http.Request) string {
	ip, ok := parseIP(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if proxyHop(ip) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, ok := parseIP(strings.TrimSpace(hops[i]))
			if !ok {
				break // not an address: what is left of it cannot be trusted
			}
			ip = hop
			if !proxyHop(hop) {
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

// proxyHop reports whether ip may be a reverse proxy's whose
// X-Forwarded-For is read: a loopback or private address (127.0.0.0/8,
// ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7), which no
// client on the internet can connect from.
func proxyHop(ip netip.Addr) bool {
	return ip.IsLoopback() || ip.IsPrivate()
}
